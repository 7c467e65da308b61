-- Per order: what lines posted before this batch (or earlier in it) produced and consumed, so the
-- absolute quantities written to Odoo include them. $1 text[] MO names, $2 batch id
select mo_name, id, line_no, batch_id, produced_qty::float8 as produced_qty, report
from mes_report_lines
where mo_name = any($1::text[]) and status = 'posted'
order by id;
