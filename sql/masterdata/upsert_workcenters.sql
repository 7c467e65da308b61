-- Upserts one page of workcenters from masterdata-sync.
-- One array parameter per column, in this order:
--   odoo_id, name, code, sequence, costs_hour, time_efficiency, default_capacity, time_start,
--   time_stop, oee_target, calendar_id, calendar_name, company_id, active, write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::bigint[], $12::text[], $13::bigint[], $14::boolean[], $15::timestamptz[])
    as i(odoo_id, name, code, sequence, costs_hour, time_efficiency, default_capacity, time_start, time_stop, oee_target, calendar_id, calendar_name, company_id, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_workcenters t join input using (odoo_id)
),
up as (
  insert into md_workcenters as t (odoo_id, name, code, sequence, costs_hour, time_efficiency, default_capacity, time_start, time_stop, oee_target, calendar_id, calendar_name, company_id, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.name, i.code, i.sequence, i.costs_hour, i.time_efficiency, i.default_capacity, i.time_start, i.time_stop, i.oee_target, i.calendar_id, i.calendar_name, i.company_id, i.active, i.write_date, now(), null
  from input i
  on conflict (odoo_id) do update set
    name = excluded.name,
    code = excluded.code,
    sequence = excluded.sequence,
    costs_hour = excluded.costs_hour,
    time_efficiency = excluded.time_efficiency,
    default_capacity = excluded.default_capacity,
    time_start = excluded.time_start,
    time_stop = excluded.time_stop,
    oee_target = excluded.oee_target,
    calendar_id = excluded.calendar_id,
    calendar_name = excluded.calendar_name,
    company_id = excluded.company_id,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.name, t.code, t.sequence, t.costs_hour, t.time_efficiency, t.default_capacity, t.time_start, t.time_stop, t.oee_target, t.calendar_id, t.calendar_name, t.company_id, t.active, t.write_date) is distinct from (excluded.name, excluded.code, excluded.sequence, excluded.costs_hour, excluded.time_efficiency, excluded.default_capacity, excluded.time_start, excluded.time_stop, excluded.oee_target, excluded.calendar_id, excluded.calendar_name, excluded.company_id, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
