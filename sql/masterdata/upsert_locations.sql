-- Upserts one page of stock locations (all usages; filter on usage = 'internal' for stock) from
-- masterdata-sync.
-- One array parameter per column, in this order:
--   odoo_id, complete_name, name, barcode, usage, parent_id, warehouse_id, company_id, active,
--   write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::boolean[], $10::timestamptz[])
    as i(odoo_id, complete_name, name, barcode, usage, parent_id, warehouse_id, company_id, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_locations t join input using (odoo_id)
),
up as (
  insert into md_locations as t (odoo_id, complete_name, name, barcode, usage, parent_id, warehouse_id, company_id, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.complete_name, i.name, i.barcode, i.usage, i.parent_id, i.warehouse_id, i.company_id, i.active, i.write_date, now(), null
  from input i
  on conflict (odoo_id) do update set
    complete_name = excluded.complete_name,
    name = excluded.name,
    barcode = excluded.barcode,
    usage = excluded.usage,
    parent_id = excluded.parent_id,
    warehouse_id = excluded.warehouse_id,
    company_id = excluded.company_id,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.complete_name, t.name, t.barcode, t.usage, t.parent_id, t.warehouse_id, t.company_id, t.active, t.write_date) is distinct from (excluded.complete_name, excluded.name, excluded.barcode, excluded.usage, excluded.parent_id, excluded.warehouse_id, excluded.company_id, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
