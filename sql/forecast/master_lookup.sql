-- The master data snapshot as stage_lines.sql and check_references.sql read it, for staging
-- that resolves lines in Node (COPY on PostgreSQL). One row per key, by kind:
--   p  product by default_code: odoo_id, uom_id
--   w  active warehouse by lower(code): odoo_id
--   u  active unit by lower(name): odoo_id, ref_group
--   pu any unit by odoo_id (a product's own unit): ref_group
--   count  active products, warehouses and units (key = which): odoo_id = the count
--   lower  lower() of ASCII letters here (plain ASCII lower-casing, except in a Turkish locale…)
-- Same tie-breaks as stage_lines.sql: a code or name held twice resolves to the lowest id.
select 'p' as kind, default_code as key, odoo_id, uom_id, null::text as ref_group
from (select distinct on (default_code) odoo_id, default_code, uom_id
      from md_products where active and default_code is not null order by default_code, odoo_id) p
union all
select 'w', code, odoo_id, null, null
from (select distinct on (lower(code)) odoo_id, lower(code) as code from md_warehouses where active order by lower(code), odoo_id) w
union all
select 'u', name, odoo_id, null, ref_group
from (select distinct on (lower(name)) odoo_id, lower(name) as name, ref_group from md_uoms where active order by lower(name), odoo_id) u
union all
select 'pu', null, odoo_id, null, ref_group from md_uoms
union all
select 'count', 'products', count(*), null, null from md_products where active
union all
select 'count', 'warehouses', count(*), null, null from md_warehouses where active
union all
select 'count', 'units', count(*), null, null from md_uoms where active
union all
select 'lower', lower('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'), null, null, null
