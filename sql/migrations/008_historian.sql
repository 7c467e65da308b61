-- Historian: raw samples read over OPC UA (kept `historian.retentionDays`), per-tag watermarks,
-- and what the aggregation makes of them: buckets per tag, downtime events, shift summaries and
-- scrap per (asset, product, shift). Each historian-extract run is one batch (kind 'historian',
-- scope = the window read); re-staging a time range replaces what the range held, so the rows
-- carry the batch that last wrote them. Times are UTC; shift dates are plant-calendar dates.

-- Good-quality samples only (bad and uncertain ones are counted in the batch stats).
-- No foreign key to batches: a day of a plant is millions of rows, and the key check costs more
-- than the insert; rows are only written and pruned by the historian module.
create table historian_samples (
  tag       text not null,
  ts        timestamptz not null,
  value     double precision not null,
  batch_id  bigint not null,
  primary key (tag, ts)
);

-- A tag's read position: everything before `watermark` has been staged (re-read with the overlap).
create table historian_watermarks (
  tag         text primary key,
  watermark   timestamptz not null,
  batch_id    bigint references batches(id) on delete set null,
  updated_at  timestamptz not null default now()
);

create table historian_buckets (
  tag              text not null,
  bucket_start     timestamptz not null,
  bucket_end       timestamptz not null,
  asset            text not null,
  kind             text not null check (kind in ('good-counter', 'scrap-counter', 'state', 'analog')),
  samples          integer not null,
  delta            double precision,
  min              double precision,
  max              double precision,
  avg              double precision,
  twa              double precision,
  running_seconds  double precision,
  down_seconds     double precision,
  idle_seconds     double precision,
  unknown_seconds  double precision,
  batch_id         bigint not null references batches(id) on delete cascade,
  primary key (tag, bucket_start)
);
create index historian_buckets_asset_idx on historian_buckets (asset, bucket_start);

-- One stretch of "down" on an asset, split at shift boundaries. Identity (asset, start): the
-- external ID in Odoo derives from it, so a rerun finds the same event.
create table historian_downtime (
  asset        text not null,
  start_at     timestamptz not null,
  end_at       timestamptz not null,
  open         boolean not null,              -- still down at the window's end: not loaded yet
  tag          text not null,
  state_code   text not null,
  loss_reason  text,
  minutes      double precision not null,     -- wall clock (Odoo's duration follows the calendar)
  shift_date   date,
  shift        text,
  batch_id     bigint not null references batches(id) on delete cascade,
  primary key (asset, start_at)
);

create table historian_shifts (
  asset            text not null,
  shift_date       date not null,
  shift            text not null,
  start_at         timestamptz not null,
  end_at           timestamptz not null,
  good             double precision not null,
  scrap            double precision not null,
  running_minutes  double precision not null,
  down_minutes     double precision not null,
  idle_minutes     double precision not null,
  complete         boolean not null,
  batch_id         bigint not null references batches(id) on delete cascade,
  primary key (asset, shift_date, shift)
);

-- product '' : not named by the tag or the asset (historian-load looks for the work order in progress)
create table historian_scrap (
  asset       text not null,
  product     text not null default '',
  shift_date  date not null,
  shift       text not null,
  start_at    timestamptz not null,
  end_at      timestamptz not null,
  quantity    double precision not null,
  complete    boolean not null,
  batch_id    bigint not null references batches(id) on delete cascade,
  primary key (asset, product, shift_date, shift)
);

-- historian-load: what happened to each downtime event and scrap row in Odoo. The ledger
-- (load_ledger) records writes; this table says why a row was not written (no work order,
-- insufficient stock answer, unknown loss reason) so the report and the next run can tell.
create table historian_load_status (
  odoo_model    text not null,                 -- mrp.workcenter.productivity | stock.scrap
  business_key  text not null,                 -- the external id name in module mfg_etl
  status        text not null check (status in ('loaded', 'validated', 'skipped', 'insufficient_quantity', 'failed')),
  odoo_id       bigint,
  message       text,
  run_id        bigint references job_runs(id) on delete set null,
  updated_at    timestamptz not null default now(),
  primary key (odoo_model, business_key)
);
