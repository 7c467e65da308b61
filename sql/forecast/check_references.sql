-- Products, warehouses and units against the master data snapshot, and the total of the staged
-- quantities (check_lines.sql has it too; this one serves when staging did not count it). $1 batch id.
with units as (
  select distinct source_unit from forecast_lines where batch_id = $1 and source_unit is not null
), unknown_units as (
  select u.source_unit from units u
  where not exists (select 1 from md_uoms m where lower(m.name) = lower(u.source_unit) and m.active)
)
select (select count(*) from md_products where active)::int                      as master_products,
       (select count(*) from md_warehouses where active)::int                    as master_warehouses,
       (select count(*) from md_uoms where active)::int                          as master_units,
       count(distinct product_code) filter (where product_id is null)::int       as unknown_products,
       count(*) filter (where product_id is null)::int                           as unknown_product_lines,
       (array_agg(distinct product_code) filter (where product_id is null))[1:10] as unknown_product_examples,
       count(distinct warehouse_code) filter (where warehouse_id is null)::int   as unknown_warehouses,
       (array_agg(distinct warehouse_code) filter (where warehouse_id is null))[1:10] as unknown_warehouse_examples,
       (select count(*) from units)::int                                         as units_used,
       (select count(*) from unknown_units)::int                                 as unknown_units,
       (select array_agg(source_unit order by source_unit) from unknown_units)   as unknown_unit_examples,
       count(*) filter (where product_id is not null and quantity is null)::int  as unconvertible_lines,
       (array_agg(source_ref order by line_no) filter (where product_id is not null and quantity is null))[1:10]
                                                                                 as unconvertible_examples,
       coalesce(sum(quantity), 0)::float8                                        as total_quantity
from forecast_lines
where batch_id = $1
