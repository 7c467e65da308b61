-- Upserts one page of products (product.product) from masterdata-sync. The category's name,
-- costing method and valuation come from md_product_categories (synced first) when it is known.
-- One array parameter per column, in this order:
--   odoo_id, product_tmpl_id, default_code, name, type, is_storable, tracking, uom_id,
--   uom_po_id, categ_id, categ_name, cost_method, valuation, standard_price, company_id,
--   produce_delay, active, write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::numeric[], $15::bigint[], $16::numeric[], $17::boolean[], $18::timestamptz[])
    as i(odoo_id, product_tmpl_id, default_code, name, type, is_storable, tracking, uom_id, uom_po_id, categ_id, categ_name, cost_method, valuation, standard_price, company_id, produce_delay, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_products t join input using (odoo_id)
),
up as (
  insert into md_products as t (odoo_id, product_tmpl_id, default_code, name, type, is_storable, tracking, uom_id, uom_po_id, categ_id, categ_name, cost_method, valuation, standard_price, company_id, produce_delay, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.product_tmpl_id, i.default_code, i.name, i.type, i.is_storable, i.tracking, i.uom_id, i.uom_po_id, i.categ_id, coalesce(c.complete_name, i.categ_name), coalesce(c.cost_method, i.cost_method), coalesce(c.valuation, i.valuation), i.standard_price, i.company_id, i.produce_delay, i.active, i.write_date, now(), null
  from input i
  left join md_product_categories c on c.odoo_id = i.categ_id
  on conflict (odoo_id) do update set
    product_tmpl_id = excluded.product_tmpl_id,
    default_code = excluded.default_code,
    name = excluded.name,
    type = excluded.type,
    is_storable = excluded.is_storable,
    tracking = excluded.tracking,
    uom_id = excluded.uom_id,
    uom_po_id = excluded.uom_po_id,
    categ_id = excluded.categ_id,
    categ_name = excluded.categ_name,
    cost_method = excluded.cost_method,
    valuation = excluded.valuation,
    standard_price = excluded.standard_price,
    company_id = excluded.company_id,
    produce_delay = excluded.produce_delay,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.product_tmpl_id, t.default_code, t.name, t.type, t.is_storable, t.tracking, t.uom_id, t.uom_po_id, t.categ_id, t.categ_name, t.cost_method, t.valuation, t.standard_price, t.company_id, t.produce_delay, t.active, t.write_date) is distinct from (excluded.product_tmpl_id, excluded.default_code, excluded.name, excluded.type, excluded.is_storable, excluded.tracking, excluded.uom_id, excluded.uom_po_id, excluded.categ_id, excluded.categ_name, excluded.cost_method, excluded.valuation, excluded.standard_price, excluded.company_id, excluded.produce_delay, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
