-- Horizon coverage: every (product, warehouse) of the version has a line for each of the next
-- N periods. $1 batch id, $2 start of the current period, $3 N, $4 period length ('7 days', '1 month').
-- One grouped pass: periods are bucket starts, so N distinct periods inside the window = no gap.
-- Only the (few) series with gaps are expanded to find their first missing period.
with window_ as (
  select $2::date as first_, ($2::date + $4::interval * $3::int)::date as end_
), series as (
  select product_code, warehouse_code,
         count(distinct period_start) filter (where period_start >= w.first_ and period_start < w.end_) as covered
  from forecast_lines, window_ w
  where batch_id = $1
  group by product_code, warehouse_code
), gaps as (
  select product_code, warehouse_code, $3::int - covered as n from series where covered < $3::int
), examples as (
  select g.product_code, g.warehouse_code, g.n,
         (select min(e.p)::date
            from generate_series($2::date, $2::date + $4::interval * ($3::int - 1), $4::interval) as e(p)
           where not exists (select 1 from forecast_lines f
                              where f.batch_id = $1 and f.product_code = g.product_code
                                and f.warehouse_code = g.warehouse_code and f.period_start = e.p::date)) as first_missing
  from (select * from gaps order by n desc, product_code limit 10) g
)
select (select count(*) from series)::int                 as series,
       (select count(*) from gaps)::int                   as series_with_gaps,
       (select coalesce(sum(n), 0) from gaps)::int        as missing_periods,
       coalesce((select jsonb_agg(jsonb_build_object('product', product_code, 'warehouse', warehouse_code,
                                                     'missing', n, 'firstMissing', to_char(first_missing, 'YYYY-MM-DD'))
                                  order by n desc, product_code)
                 from examples), '[]'::jsonb)             as examples
