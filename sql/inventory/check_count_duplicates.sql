-- The same (location, product, lot) more than once in one count. $1 batch id.
with dup as (
  select coalesce(location_id::text, lower(location_text)) as loc, coalesce(product_id::text, product_code) as prod,
         coalesce(lot_name, '') as lot, min(location_text) as location_text, min(product_code) as product_code,
         count(*) as n, (array_agg(source_ref order by line_no))[1:5] as refs
  from inventory_count_lines
  where batch_id = $1
  group by 1, 2, 3
  having count(*) > 1
)
select count(*)::int            as duplicate_keys,
       coalesce(sum(n), 0)::int as duplicate_lines,
       coalesce((select jsonb_agg(e) from (
         select jsonb_build_object('location', location_text, 'product', product_code, 'lot', nullif(lot, ''), 'rows', refs) as e
         from dup order by location_text, product_code, lot limit 10) x), '[]'::jsonb) as examples
from dup
