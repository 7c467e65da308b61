-- Row-level problems behind failed checkpoints, for the planner's error report of a rejected
-- version (the lines themselves are dropped). $1 batch id, $2 how many,
-- $3..$6 which checks failed: unknown products, unknown warehouses, unit conversion, negatives.
select ref, col, value, message from (
  select line_no, source_ref as ref, 'product' as col, product_code as value,
         'unknown product: no active product with this internal reference in Odoo' as message
  from forecast_lines where batch_id = $1 and $3::boolean and product_id is null
  union all
  select line_no, source_ref, 'warehouse', warehouse_code, 'unknown warehouse: no active warehouse with this code in Odoo'
  from forecast_lines where batch_id = $1 and $4::boolean and warehouse_id is null
  union all
  select line_no, source_ref, 'unit', source_unit, 'unit unknown or not convertible to the product''s unit'
  from forecast_lines where batch_id = $1 and $5::boolean and product_id is not null and quantity is null
  union all
  select line_no, source_ref, 'quantity', source_quantity::text, 'negative quantity'
  from forecast_lines where batch_id = $1 and $6::boolean and source_quantity < 0
) p
order by line_no, col
limit $2
