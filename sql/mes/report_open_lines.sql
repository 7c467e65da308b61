-- The lines of an approved batch still to post, in file order; held lines only when asked.
-- $1 batch id, $2 include held lines
select id, line_no, transaction_id, mo_name, mo_id, work_order, product_code, produced_qty::float8 as produced_qty,
       unit, finished_lot, complete, report, status, result, error
from mes_report_lines
where batch_id = $1::bigint
  and (status in ('staged', 'posting', 'failed') or ($2::boolean and status = 'held'))
order by line_no;
