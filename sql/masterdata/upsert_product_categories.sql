-- Upserts one page of product categories with their costing method and valuation from masterdata-
-- sync.
-- One array parameter per column, in this order:
--   odoo_id, name, complete_name, parent_id, cost_method, valuation, active, write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::boolean[], $8::timestamptz[])
    as i(odoo_id, name, complete_name, parent_id, cost_method, valuation, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_product_categories t join input using (odoo_id)
),
up as (
  insert into md_product_categories as t (odoo_id, name, complete_name, parent_id, cost_method, valuation, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.name, i.complete_name, i.parent_id, i.cost_method, i.valuation, i.active, i.write_date, now(), null
  from input i
  on conflict (odoo_id) do update set
    name = excluded.name,
    complete_name = excluded.complete_name,
    parent_id = excluded.parent_id,
    cost_method = excluded.cost_method,
    valuation = excluded.valuation,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.name, t.complete_name, t.parent_id, t.cost_method, t.valuation, t.active, t.write_date) is distinct from (excluded.name, excluded.complete_name, excluded.parent_id, excluded.cost_method, excluded.valuation, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
