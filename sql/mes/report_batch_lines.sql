-- The lines of a batch with their outcome, for reports and tests. $1 batch id
select line_no, transaction_id, mo_name, status, result, error
from mes_report_lines
where batch_id = $1::bigint
order by line_no;
