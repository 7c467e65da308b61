-- Row-level problems behind failed checkpoints, for the error report of a rejected count (its
-- lines are dropped). $1 batch id, $2 how many, $3..$6 which checks failed: unknown locations,
-- unknown products, unit conversion, negative quantities.
select ref, col, value, message from (
  select line_no, source_ref as ref, 'location' as col, location_text as value,
         'unknown location: no active internal location with this barcode, full name or (unique) name in Odoo' as message
  from inventory_count_lines where batch_id = $1 and $3::boolean and location_id is null
  union all
  select line_no, source_ref, 'product', product_code, 'unknown product: no active product with this internal reference in Odoo'
  from inventory_count_lines where batch_id = $1 and $4::boolean and product_id is null
  union all
  select line_no, source_ref, 'unit', source_unit, 'unit unknown or not convertible to the product''s unit'
  from inventory_count_lines where batch_id = $1 and $5::boolean and product_id is not null and quantity is null
  union all
  select line_no, source_ref, 'quantity', source_quantity::text, 'negative quantity'
  from inventory_count_lines where batch_id = $1 and $6::boolean and source_quantity < 0
) p
order by line_no, col
limit $2
