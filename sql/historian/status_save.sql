-- historian-load: what happened to each downtime event / scrap row in Odoo, one row per
-- (model, external id name); the last run's word wins, a known Odoo id is kept.
-- Used by load/staging/historian-load.ts.
-- $1 run id, $2 models, $3 keys, $4 statuses, $5 odoo ids, $6 messages
insert into historian_load_status (odoo_model, business_key, status, odoo_id, message, run_id, updated_at)
select r.odoo_model, r.business_key, r.status, r.odoo_id, r.message, $1::bigint, now()
from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
       as r(odoo_model, business_key, status, odoo_id, message)
on conflict (odoo_model, business_key) do update
  set status     = excluded.status,
      odoo_id    = coalesce(excluded.odoo_id, historian_load_status.odoo_id),
      message    = excluded.message,
      run_id     = excluded.run_id,
      updated_at = excluded.updated_at;
