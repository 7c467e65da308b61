-- Locations, products, units, warehouses and lot tracking against the master data snapshot.
-- $1 batch id.
with lines as (
  select c.*, w.code as location_warehouse, p.tracking
  from inventory_count_lines c
  left join md_warehouses w on w.odoo_id = c.warehouse_id
  left join md_products p on p.odoo_id = c.product_id
  where c.batch_id = $1
), units as (
  select distinct source_unit from lines where source_unit is not null
), unknown_units as (
  select u.source_unit from units u
  where not exists (select 1 from md_uoms m where lower(m.name) = lower(u.source_unit) and m.active)
)
select (select count(*) from md_locations where active and usage = 'internal')::int       as master_locations,
       (select count(*) from md_products where active)::int                              as master_products,
       (select count(*) from md_uoms where active)::int                                  as master_units,
       count(distinct location_text) filter (where location_id is null)::int             as unknown_locations,
       count(*) filter (where location_id is null)::int                                  as unknown_location_lines,
       (array_agg(distinct location_text) filter (where location_id is null))[1:10]      as unknown_location_examples,
       count(distinct product_code) filter (where product_id is null)::int               as unknown_products,
       count(*) filter (where product_id is null)::int                                   as unknown_product_lines,
       (array_agg(distinct product_code) filter (where product_id is null))[1:10]        as unknown_product_examples,
       (select count(*) from units)::int                                                 as units_used,
       (select count(*) from unknown_units)::int                                         as unknown_units,
       (select array_agg(source_unit order by source_unit) from unknown_units)           as unknown_unit_examples,
       count(*) filter (where product_id is not null and quantity is null)::int          as unconvertible_lines,
       (array_agg(source_ref order by line_no) filter (where product_id is not null and quantity is null))[1:10]
                                                                                         as unconvertible_examples,
       count(distinct warehouse_id)::int                                                 as warehouses,
       (array_agg(distinct location_warehouse) filter (where location_warehouse is not null))[1:10] as warehouse_codes,
       count(*) filter (where warehouse_code is not null and location_warehouse is not null
                          and lower(location_warehouse) <> lower(warehouse_code))::int   as declared_mismatch_lines,
       (array_agg(source_ref order by line_no) filter (where warehouse_code is not null and location_warehouse is not null
                          and lower(location_warehouse) <> lower(warehouse_code)))[1:10] as declared_mismatch_examples,
       count(*) filter (where lot_name is not null and tracking = 'none')::int           as lot_untracked_lines,
       count(*) filter (where lot_name is null and tracking in ('lot', 'serial'))::int   as lot_missing_lines,
       (array_agg(source_ref order by line_no) filter (where (lot_name is not null and tracking = 'none')
                          or (lot_name is null and tracking in ('lot', 'serial'))))[1:10] as lot_examples
from lines
