-- Operations: a run's log lines (for its page on the status page), alert incidents (one alert per
-- incident and one recovery message), and status page sessions.

-- Log lines of job runs, written in batches by the logger (core/run-logs.ts). Removed with their run.
create table run_logs (
  id       bigserial primary key,
  run_id   bigint not null references job_runs(id) on delete cascade,
  at       timestamptz not null,
  level    text not null,
  message  text not null,
  meta     jsonb not null default '{}'
);
create index run_logs_run_idx on run_logs (run_id, id);

-- One row per incident: opened when a condition starts (a dead run, a late workflow, a batch waiting
-- too long for approval, a reconciliation over its threshold), resolved when it clears. The alert is
-- sent once (notified_at) and the recovery once (recovery_notified_at); null means still to send.
create table alert_incidents (
  id                    bigserial primary key,
  key                   text not null,          -- what the incident is about: "late:forecast-import", "dead:42"
  kind                  text not null check (kind in ('dead_letter', 'late', 'approval_wait', 'reconciliation')),
  subject               text not null,          -- job name or batch id, for the status page
  message               text not null,          -- the alert in words
  details               jsonb not null default '{}',
  opened_at             timestamptz not null default now(),
  resolved_at           timestamptz,
  resolution            text,
  notified_at           timestamptz,
  recovery_notified_at  timestamptz,
  attempts              integer not null default 0,
  last_error            text
);
-- at most one open incident per key: two evaluators never open the same one twice
create unique index alert_incidents_open_key_idx on alert_incidents (key) where resolved_at is null;
create index alert_incidents_pending_idx on alert_incidents (id)
  where notified_at is null or (resolved_at is not null and recovery_notified_at is null);

-- Status page sessions (server-side, so logging out or removing a user ends them everywhere).
-- The cookie holds a random token; only its SHA-256 is stored.
create table http_sessions (
  token_hash    text primary key,
  login         text not null,
  csrf_token    text not null,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null
);
create index http_sessions_expiry_idx on http_sessions (expires_at);
