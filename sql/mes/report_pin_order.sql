-- The order a report line posts on, kept once its posting started. $1 line id, $2 MO id
update mes_report_lines
set mo_id = $2::bigint
where id = $1::bigint and mo_id is null;
