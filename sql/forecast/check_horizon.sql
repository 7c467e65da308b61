-- Horizon coverage: every (product, warehouse) of the version has a line for each of the next
-- N periods. $1 batch id, $2 start of the current period, $3 N, $4 period length ('7 days', '1 month').
with expected as (
  select ($2::date + $4::interval * g)::date as period_start from generate_series(0, $3::int - 1) as g
), series as (
  select distinct product_code, warehouse_code from forecast_lines where batch_id = $1
), present as (
  select distinct product_code, warehouse_code, period_start
  from forecast_lines
  where batch_id = $1 and period_start >= $2::date
), missing as (
  select s.product_code, s.warehouse_code, count(*) as n, min(e.period_start) as first_missing
  from series s
  cross join expected e
  left join present p
    on p.product_code = s.product_code and p.warehouse_code = s.warehouse_code and p.period_start = e.period_start
  where p.product_code is null
  group by s.product_code, s.warehouse_code
)
select (select count(*) from series)::int  as series,
       count(*)::int                       as series_with_gaps,
       coalesce(sum(n), 0)::int            as missing_periods,
       coalesce((select jsonb_agg(e) from (
         select jsonb_build_object('product', product_code, 'warehouse', warehouse_code,
                                   'missing', n, 'firstMissing', to_char(first_missing, 'YYYY-MM-DD')) as e
         from missing order by n desc, product_code limit 10) x), '[]'::jsonb) as examples
from missing
