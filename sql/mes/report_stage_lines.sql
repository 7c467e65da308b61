-- Stages the reports of one file as lines of its mes_report batch (one statement per chunk).
-- $1 batch id, $2 json array of {line_no, transaction_id, content_hash, mo_name, work_order,
-- product_code, produced_qty, unit, finished_lot, complete, report}
insert into mes_report_lines
  (batch_id, line_no, transaction_id, content_hash, mo_name, work_order, product_code, produced_qty, unit, finished_lot, complete, report)
select $1::bigint, r.line_no, r.transaction_id, r.content_hash, r.mo_name, r.work_order, r.product_code,
       r.produced_qty, r.unit, r.finished_lot, r.complete, r.report
from jsonb_to_recordset($2::jsonb) as r(
  line_no integer, transaction_id text, content_hash text, mo_name text, work_order text, product_code text,
  produced_qty numeric, unit text, finished_lot text, complete boolean, report jsonb);
