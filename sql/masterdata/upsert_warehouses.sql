-- Upserts one page of warehouses from masterdata-sync.
-- One array parameter per column, in this order:
--   odoo_id, code, name, lot_stock_id, view_location_id, company_id, active, write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::boolean[], $8::timestamptz[])
    as i(odoo_id, code, name, lot_stock_id, view_location_id, company_id, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_warehouses t join input using (odoo_id)
),
up as (
  insert into md_warehouses as t (odoo_id, code, name, lot_stock_id, view_location_id, company_id, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.code, i.name, i.lot_stock_id, i.view_location_id, i.company_id, i.active, i.write_date, now(), null
  from input i
  on conflict (odoo_id) do update set
    code = excluded.code,
    name = excluded.name,
    lot_stock_id = excluded.lot_stock_id,
    view_location_id = excluded.view_location_id,
    company_id = excluded.company_id,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.code, t.name, t.lot_stock_id, t.view_location_id, t.company_id, t.active, t.write_date) is distinct from (excluded.code, excluded.name, excluded.lot_stock_id, excluded.view_location_id, excluded.company_id, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
