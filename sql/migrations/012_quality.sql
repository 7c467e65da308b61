-- Quality holds (#15): nonconformance events from the QMS (HTTP or inbox files), what applying
-- them moved in Odoo, the API tokens of the clients that push them and their rate windows.

-- One event per (nonconformance, action): the same content again is the same event
-- (idempotent), other content under the same key is refused (409 / a file row error).
create table quality_events (
  id               bigserial primary key,
  nonconformance   text not null,
  action           text not null check (action in ('hold', 'release', 'scrap', 'rework')),
  content_hash     text not null,
  event            jsonb not null,            -- the normalised event (transform/quality/events.ts)
  source           text not null,             -- 'http:<client>' or 'file:<name>'
  batch_id         bigint references batches(id) on delete set null,
  received_at      timestamptz not null,      -- when the request / file arrived
  staged_at        timestamptz not null default now(),
  status           text not null default 'staged' check (status in ('staged', 'applied', 'failed')),
  attempts         integer not null default 0,
  applied_at       timestamptz,
  result           jsonb,                     -- pickings, scraps, what was unreserved
  error            text,
  unique (nonconformance, action)
);
create index quality_events_pending_idx on quality_events (id) where status <> 'applied';

-- What a hold moved into quarantine, per lot and source location; release and scrap close lines.
create table quality_hold_lines (
  id                     bigserial primary key,
  event_id               bigint not null references quality_events(id) on delete cascade,
  nonconformance         text not null,
  warehouse              text not null,
  product_id             bigint not null,
  product_code           text not null,
  lot_id                 bigint not null,
  lot_name               text not null,
  from_location_id       bigint not null,
  from_location          text not null,
  quarantine_location_id bigint not null,
  quantity               numeric not null,
  unit_cost              numeric not null default 0,
  reason                 text not null default '',
  held_at                timestamptz not null default now(),
  closed_at              timestamptz,
  closed_by              text check (closed_by in ('release', 'scrap'))
);
create index quality_hold_lines_open_idx on quality_hold_lines (product_id, lot_id) where closed_at is null;

-- API tokens: only a sha256 of the token is kept; the token is shown once at creation.
create table api_tokens (
  client       text primary key,
  token_hash   text not null unique,
  scopes       text[] not null,
  created_at   timestamptz not null default now(),
  revoked_at   timestamptz,
  last_used_at timestamptz
);

-- Calls per client and minute, shared by every server process (the rate limit).
create table api_rate_windows (
  client        text not null,
  window_start  timestamptz not null,
  calls         integer not null,
  primary key (client, window_start)
);
