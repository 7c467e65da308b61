-- Upserts one page of units of measure (ref_group / ref_ratio normalised by
-- transform/masterdata/uoms.ts) from masterdata-sync.
-- One array parameter per column, in this order:
--   odoo_id, name, ref_group, ref_ratio, rounding, ref_uom_id, category_id, relative_uom_id,
--   relative_factor, active, write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::bigint[], $7::bigint[], $8::bigint[], $9::numeric[], $10::boolean[], $11::timestamptz[])
    as i(odoo_id, name, ref_group, ref_ratio, rounding, ref_uom_id, category_id, relative_uom_id, relative_factor, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_uoms t join input using (odoo_id)
),
up as (
  insert into md_uoms as t (odoo_id, name, ref_group, ref_ratio, rounding, ref_uom_id, category_id, relative_uom_id, relative_factor, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.name, i.ref_group, i.ref_ratio, i.rounding, i.ref_uom_id, i.category_id, i.relative_uom_id, i.relative_factor, i.active, i.write_date, now(), null
  from input i
  on conflict (odoo_id) do update set
    name = excluded.name,
    ref_group = excluded.ref_group,
    ref_ratio = excluded.ref_ratio,
    rounding = excluded.rounding,
    ref_uom_id = excluded.ref_uom_id,
    category_id = excluded.category_id,
    relative_uom_id = excluded.relative_uom_id,
    relative_factor = excluded.relative_factor,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.name, t.ref_group, t.ref_ratio, t.rounding, t.ref_uom_id, t.category_id, t.relative_uom_id, t.relative_factor, t.active, t.write_date) is distinct from (excluded.name, excluded.ref_group, excluded.ref_ratio, excluded.rounding, excluded.ref_uom_id, excluded.category_id, excluded.relative_uom_id, excluded.relative_factor, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
