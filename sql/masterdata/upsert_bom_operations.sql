-- Upserts one page of BoM operations (mrp.routing.workcenter) from masterdata-sync.
-- One array parameter per column, in this order:
--   odoo_id, bom_id, name, workcenter_id, sequence, time_mode, time_mode_batch,
--   time_cycle_manual, time_cycle, company_id, active, write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::integer[], $6::text[], $7::integer[], $8::numeric[], $9::numeric[], $10::bigint[], $11::boolean[], $12::timestamptz[])
    as i(odoo_id, bom_id, name, workcenter_id, sequence, time_mode, time_mode_batch, time_cycle_manual, time_cycle, company_id, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_bom_operations t join input using (odoo_id)
),
up as (
  insert into md_bom_operations as t (odoo_id, bom_id, name, workcenter_id, sequence, time_mode, time_mode_batch, time_cycle_manual, time_cycle, company_id, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.bom_id, i.name, i.workcenter_id, i.sequence, i.time_mode, i.time_mode_batch, i.time_cycle_manual, i.time_cycle, i.company_id, i.active, i.write_date, now(), null
  from input i
  on conflict (odoo_id) do update set
    bom_id = excluded.bom_id,
    name = excluded.name,
    workcenter_id = excluded.workcenter_id,
    sequence = excluded.sequence,
    time_mode = excluded.time_mode,
    time_mode_batch = excluded.time_mode_batch,
    time_cycle_manual = excluded.time_cycle_manual,
    time_cycle = excluded.time_cycle,
    company_id = excluded.company_id,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.bom_id, t.name, t.workcenter_id, t.sequence, t.time_mode, t.time_mode_batch, t.time_cycle_manual, t.time_cycle, t.company_id, t.active, t.write_date) is distinct from (excluded.bom_id, excluded.name, excluded.workcenter_id, excluded.sequence, excluded.time_mode, excluded.time_mode_batch, excluded.time_cycle_manual, excluded.time_cycle, excluded.company_id, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
