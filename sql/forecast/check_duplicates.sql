-- The same (product, warehouse, period) more than once in one version. $1 batch id.
with dup as (
  select product_code, warehouse_code, period_start, count(*) as n,
         (array_agg(source_ref order by line_no))[1:5] as refs
  from forecast_lines
  where batch_id = $1
  group by product_code, warehouse_code, period_start
  having count(*) > 1
)
select count(*)::int                   as duplicate_keys,
       coalesce(sum(n), 0)::int        as duplicate_lines,
       coalesce((select jsonb_agg(e) from (
         select jsonb_build_object('product', product_code, 'warehouse', warehouse_code,
                                   'period', to_char(period_start, 'YYYY-MM-DD'), 'rows', refs) as e
         from dup order by product_code, warehouse_code, period_start limit 10) x), '[]'::jsonb) as examples
from dup
