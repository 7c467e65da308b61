-- The lines of a rejected cost update batch that a person has to fix, as error-report rows
-- (file row or cell, column, value, why), at most $2. $1 batch id.
select source_ref as ref, column_name as col, value, message
from (
  select l.line_no, l.source_ref, 'product' as column_name, l.product_code as value, 'unknown product (not in the master data)' as message
  from cost_update_lines l where l.batch_id = $1::bigint and l.product_id is null
  union all
  select l.line_no, l.source_ref, 'unit', coalesce(l.source_unit, ''), 'this unit does not convert to the product''s unit'
  from cost_update_lines l where l.batch_id = $1::bigint and l.product_id is not null and l.cost is null
  union all
  select l.line_no, l.source_ref, 'cost', l.source_cost::text, 'negative cost'
  from cost_update_lines l where l.batch_id = $1::bigint and l.source_cost < 0
  union all
  select l.line_no, l.source_ref, 'valid from', l.valid_from::text, 'the same product and date appear with different costs'
  from cost_update_lines l
  where l.batch_id = $1::bigint
    and exists (select 1 from cost_update_lines o where o.batch_id = l.batch_id and o.product_code = l.product_code
                and o.valid_from = l.valid_from and o.source_cost <> l.source_cost)
) x
order by line_no
limit $2::int
