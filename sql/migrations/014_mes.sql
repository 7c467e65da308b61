-- MES link (#14), release side: what mfg-etl released to the shop floor and what the MES answered.
-- One row per manufacturing order (its name is the OperationsRequest ID the MES answers with);
-- every message written for it is a row of mes_messages.

create table mes_releases (
  mo_name          text primary key,            -- mrp.production name = OperationsRequest ID
  mo_id            bigint not null,              -- mrp.production id
  product_code     text not null,                -- default_code of the product to make
  state            text not null check (state in ('released', 'acknowledged', 'refused', 'overdue', 'cancelled')),
  content_hash     text not null,                -- of `content`; a different hash sends ChangeOperationsSchedule
  content          jsonb not null,               -- what was sent: quantity, unit, dates, work orders, components
  last_verb        text not null check (last_verb in ('Process', 'Change', 'Cancel')),
  last_message_id  text not null,                -- BOD id of the last message (what an acknowledgment names)
  released_at      timestamptz not null,         -- when the last message was written
  acknowledged_at  timestamptz,
  answer           text,                         -- the MES's words when it refused (or acknowledged with a note)
  alerted_at       timestamptz,                  -- refused / overdue alert sent for the last message (once)
  run_id           bigint references job_runs(id) on delete set null,
  updated_at       timestamptz not null default now()
);
create index mes_releases_open_idx on mes_releases (state, released_at) where state in ('released', 'overdue', 'refused');

create table mes_messages (
  id            bigserial primary key,
  message_id    text not null unique,           -- ApplicationArea/BODID
  mo_name       text not null references mes_releases(mo_name) on delete cascade,
  verb          text not null check (verb in ('Process', 'Change', 'Cancel')),
  file          text not null,                  -- the file written under <outbox>/mes/
  body_sha256   text not null,
  written_at    timestamptz not null default now(),
  delivered_at  timestamptz,                    -- POSTed to mes.url (null: folder only, or not yet)
  delivery_error text,
  run_id        bigint references job_runs(id) on delete set null
);
create index mes_messages_mo_idx on mes_messages (mo_name, id);

-- A refused or overdue release is an incident of its own kind (alerted once per incident, key "mes:<MO>").
alter table alert_incidents drop constraint alert_incidents_kind_check;
alter table alert_incidents add constraint alert_incidents_kind_check
  check (kind in ('dead_letter', 'late', 'approval_wait', 'reconciliation', 'mes_release'));
