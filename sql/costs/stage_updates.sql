-- Stages one chunk of cost update lines, resolving product and unit against the master data
-- snapshot on the way in. `cost` is per product unit in the company currency: a cost given per
-- another unit is converted (a price per dozen is a twelfth per unit); null when the product is
-- unknown or the unit does not convert (the checkpoints report it).
-- A code that Odoo holds twice (several companies) resolves to the lowest id, deterministically.
-- $1 batch id, then one array per column: $2 line_no, $3 product_code, $4 source_cost,
-- $5 currency, $6 rate, $7 company_cost, $8 source_unit, $9 valid_from, $10 source_ref
with p as (
  select distinct on (default_code) odoo_id, default_code, uom_id
  from md_products where active and deleted_at is null and default_code is not null order by default_code, odoo_id
), u as (
  select distinct on (lower(name)) odoo_id, lower(name) as name, ref_group, ref_ratio from md_uoms where active order by lower(name), odoo_id
)
insert into cost_update_lines (batch_id, line_no, product_code, product_id, source_cost, currency, rate, source_unit, cost, valid_from, source_ref)
select $1::bigint, l.line_no, l.product_code, p.odoo_id, l.source_cost, l.currency, l.rate, l.source_unit,
       case
         when p.odoo_id is null then null
         when l.source_unit is null or su.odoo_id = pu.odoo_id then round(l.company_cost, 10)
         when su.ref_group = pu.ref_group then round(l.company_cost * pu.ref_ratio / su.ref_ratio, 10)
       end,
       l.valid_from, l.source_ref
from unnest($2::int[], $3::text[], $4::numeric[], $5::text[], $6::numeric[], $7::numeric[], $8::text[], $9::date[], $10::text[])
       as l(line_no, product_code, source_cost, currency, rate, company_cost, source_unit, valid_from, source_ref)
left join p on p.default_code = l.product_code
left join md_uoms pu on pu.odoo_id = p.uom_id
left join u su on su.name = lower(l.source_unit)
