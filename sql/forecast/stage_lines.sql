-- Stages one chunk of forecast lines, resolving product, warehouse and unit against the master
-- data snapshot on the way in (one pass, no UPDATE of a million rows afterwards).
-- Quantities are converted to the product's unit; a line whose unit cannot be converted keeps
-- quantity NULL (the unit checkpoint reports it), a line of an unknown product keeps its own.
-- A code that Odoo holds twice (several companies) resolves to the lowest id, deterministically.
with p as (
  select distinct on (default_code) odoo_id, default_code, uom_id
  from md_products where active and default_code is not null order by default_code, odoo_id
), w as (
  select distinct on (lower(code)) odoo_id, lower(code) as code from md_warehouses where active order by lower(code), odoo_id
), u as (
  select distinct on (lower(name)) odoo_id, lower(name) as name, ref_group, ref_ratio from md_uoms where active order by lower(name), odoo_id
)
insert into forecast_lines (batch_id, line_no, product_code, product_id, warehouse_code, warehouse_id,
                            period_start, quantity, source_quantity, source_unit, source_ref)
select $1::bigint, l.line_no, l.product_code, p.odoo_id, l.warehouse_code, w.odoo_id, l.period_start,
       case
         when p.odoo_id is null or l.source_unit is null or su.odoo_id = pu.odoo_id then l.source_quantity
         when su.ref_group = pu.ref_group then l.source_quantity * su.ref_ratio / pu.ref_ratio
       end,
       l.source_quantity, l.source_unit, l.source_ref
from unnest($2::int[], $3::text[], $4::text[], $5::date[], $6::numeric[], $7::text[], $8::text[])
       as l(line_no, product_code, warehouse_code, period_start, source_quantity, source_unit, source_ref)
left join p on p.default_code = l.product_code
left join md_uoms pu on pu.odoo_id = p.uom_id
left join w on w.code = lower(l.warehouse_code)
left join u su on su.name = lower(l.source_unit)
