-- Upserts one page of productivity loss reasons from masterdata-sync.
-- One array parameter per column, in this order:
--   odoo_id, name, loss_type_id, loss_type, manual, sequence, active, write_date
-- A row whose values did not change is left alone (synced_at keeps the time it last changed);
-- a row that was marked deleted and is back is revived. Answers inserted / updated counts and how
-- many rows this made inactive (archived in Odoo since the last sync).
with input as (
  select * from unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::boolean[], $6::integer[], $7::boolean[], $8::timestamptz[])
    as i(odoo_id, name, loss_type_id, loss_type, manual, sequence, active, write_date)
),
old as (
  select t.odoo_id, t.active from md_loss_reasons t join input using (odoo_id)
),
up as (
  insert into md_loss_reasons as t (odoo_id, name, loss_type_id, loss_type, manual, sequence, active, write_date, synced_at, deleted_at)
  select i.odoo_id, i.name, i.loss_type_id, i.loss_type, i.manual, i.sequence, i.active, i.write_date, now(), null
  from input i
  on conflict (odoo_id) do update set
    name = excluded.name,
    loss_type_id = excluded.loss_type_id,
    loss_type = excluded.loss_type,
    manual = excluded.manual,
    sequence = excluded.sequence,
    active = excluded.active,
    write_date = excluded.write_date,
    synced_at = now(),
    deleted_at = null
  where (t.name, t.loss_type_id, t.loss_type, t.manual, t.sequence, t.active, t.write_date) is distinct from (excluded.name, excluded.loss_type_id, excluded.loss_type, excluded.manual, excluded.sequence, excluded.active, excluded.write_date)
     or t.deleted_at is not null
  returning t.odoo_id, t.active, (t.xmax = 0) as inserted
)
select count(*) filter (where up.inserted)::int as inserted,
       count(*) filter (where not up.inserted)::int as updated,
       count(*) filter (where not up.active and coalesce(old.active, false))::int as deactivated
from up left join old using (odoo_id);
