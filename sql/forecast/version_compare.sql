-- The batch page's picture of a forecast version against the previous approved version of the
-- same scope (base units): the total of each version by period, and the products with the largest
-- absolute change (a product in one version only counts as 0 in the other).
-- $1 this batch, $2 previous batch, $3 how many movers.
with lines as (
  select batch_id, product_code, period_start, coalesce(quantity, source_quantity) as q
  from forecast_lines
  where batch_id = $1 or batch_id = $2
), periods as (
  select to_char(period_start, 'YYYY-MM-DD') as period,
         (sum(q) filter (where batch_id = $1))::float8 as current,
         (sum(q) filter (where batch_id = $2))::float8 as previous
  from lines
  group by period_start
), products as (
  select product_code as product,
         coalesce(sum(q) filter (where batch_id = $1), 0)::float8 as current,
         coalesce(sum(q) filter (where batch_id = $2), 0)::float8 as previous
  from lines
  group by product_code
)
select coalesce((select jsonb_agg(jsonb_build_object('period', period, 'current', current, 'previous', previous) order by period)
                 from periods), '[]'::jsonb) as periods,
       coalesce((select jsonb_agg(jsonb_build_object('product', product, 'current', current, 'previous', previous,
                                                     'change', current - previous) order by abs(current - previous) desc, product)
                 from (select * from products where current <> previous
                       order by abs(current - previous) desc, product limit $3) m), '[]'::jsonb) as movers
