-- Per order (mrp.production id): the report lines whose production step reached Odoo on it (posted,
-- held, or failed at a later step), so the absolute quantities written include them. A request
-- continued on a backorder starts again from zero there. $1 bigint[] MO ids
select mo_id, id, report
from mes_report_lines
where mo_id = any($1::bigint[]) and result ? 'produce'
order by id;
