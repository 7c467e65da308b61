-- What earlier reports (staged, posted or held) produced per order: the base of over_production.
-- $1 text[] MO names
select mo_name, sum(produced_qty)::float8 as produced
from mes_report_lines
where mo_name = any($1::text[])
group by mo_name;
