-- Per order: the report lines whose production step reached Odoo (posted, held, or failed at a
-- later step), so the absolute quantities written include them. $1 text[] MO names
select mo_name, id, report
from mes_report_lines
where mo_name = any($1::text[]) and result ? 'produce'
order by id;
