-- Core staging tables shared by every job: run history, batches and their checkpoints,
-- what was written to Odoo, and the append-only audit trail.

create table job_runs (
  id            bigserial primary key,
  job           text not null,
  trigger       text not null check (trigger in ('schedule', 'manual', 'retry', 'replay')),
  params        jsonb not null default '{}',
  status        text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'dead')),
  attempt       integer not null default 1,
  queue_job_id  uuid,                         -- the pg-boss job carrying this run
  slot_at       timestamptz,                  -- scheduled time, for schedule-triggered runs
  replay_of     bigint references job_runs(id) on delete set null,
  replayed_by   bigint references job_runs(id) on delete set null,
  dry_run       boolean not null default false,
  queued_at     timestamptz not null default now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  stats         jsonb not null default '{}',
  error         jsonb,                        -- {message, class, stack, context}
  host          text,
  pid           integer
);
create index job_runs_job_idx on job_runs (job, id desc);
create index job_runs_status_idx on job_runs (status) where status in ('queued', 'running', 'dead');
create index job_runs_queue_job_idx on job_runs (queue_job_id);

-- One row per (job, cron slot): the first scheduler to insert it enqueues the run, others skip.
create table schedule_slots (
  job        text not null,
  slot_at    timestamptz not null,
  run_id     bigint references job_runs(id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (job, slot_at)
);

create table batches (
  id                bigserial primary key,
  kind              text not null,            -- forecast, cost_rollup, historian, inventory_count…
  scope             text not null,            -- plant / warehouse the batch covers
  version           text not null,            -- version label
  source            text,                     -- file path, endpoint…
  source_sha256     text,
  status            text not null default 'received' check (status in
                      ('received', 'validated', 'rejected', 'approved', 'loading', 'loaded', 'load_failed', 'superseded')),
  stats             jsonb not null default '{}',
  run_id            bigint references job_runs(id) on delete set null,
  created_at        timestamptz not null default now(),
  created_by        text not null,
  validated_at      timestamptz,
  rejected_at       timestamptz,
  rejected_by       text,
  reject_reason     text,
  approved_at       timestamptz,
  approved_by       text,
  approval_comment  text,
  loading_at        timestamptz,
  loaded_at         timestamptz,
  load_failed_at    timestamptz,
  superseded_at     timestamptz,
  superseded_by     bigint references batches(id),
  updated_at        timestamptz not null default now()
);
create index batches_kind_scope_idx on batches (kind, scope, id desc);
create index batches_status_idx on batches (status);
-- The same file is staged once: a rerun after a crash finds the batch instead of making a second.
-- Rejected batches do not count, so a planner can drop the same file again after fixing master data.
create unique index batches_source_once_idx on batches (kind, source_sha256)
  where source_sha256 is not null and status <> 'rejected';

create table checkpoint_results (
  id          bigserial primary key,
  batch_id    bigint not null references batches(id) on delete cascade,
  name        text not null,
  severity    text not null check (severity in ('error', 'warning')),
  passed      boolean not null,
  measured    jsonb not null default '{}',
  message     text not null,
  created_at  timestamptz not null default now()
);
create index checkpoint_results_batch_idx on checkpoint_results (batch_id);

create table load_ledger (
  id            bigserial primary key,
  batch_id      bigint references batches(id) on delete set null,
  business_key  text not null,
  odoo_model    text not null,
  odoo_id       bigint,
  external_id   text,
  operation     text not null check (operation in ('create', 'update', 'noop')),
  payload_hash  text not null,
  run_id        bigint references job_runs(id) on delete set null,
  loaded_at     timestamptz not null default now()
);
create index load_ledger_key_idx on load_ledger (odoo_model, business_key, id desc);
create index load_ledger_batch_idx on load_ledger (batch_id);

create table audit_events (
  id         bigserial primary key,
  at         timestamptz not null default now(),
  actor      text not null,
  entity     text not null,
  entity_id  text not null,
  action     text not null,
  details    jsonb not null default '{}'
);
create index audit_events_entity_idx on audit_events (entity, entity_id, id);

create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege';
end $$;

create trigger audit_events_no_update_delete
  before update or delete on audit_events
  for each row execute function audit_events_append_only();
create trigger audit_events_no_truncate
  before truncate on audit_events
  for each statement execute function audit_events_append_only();
