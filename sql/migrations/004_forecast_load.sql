-- forecast-load: the rows Odoo (or the load itself) rejected, per run, so a load_failed batch
-- says which product / warehouse / period failed and why. A rerun after the fix adds its own rows;
-- the batch's stats name the run whose errors are current.
create table load_row_errors (
  id            bigserial primary key,
  batch_id      bigint not null references batches(id) on delete cascade,
  run_id        bigint references job_runs(id) on delete set null,
  odoo_model    text not null,
  business_key  text not null,              -- the external id name in module mfg_etl
  ref           text not null,              -- what a planner reads: "FURN_7800 @ WH 2026-01-05"
  message       text not null,              -- Odoo's message (or why the row was not sent)
  details       jsonb not null default '{}',
  created_at    timestamptz not null default now()
);
create index load_row_errors_batch_idx on load_row_errors (batch_id, run_id, id);
