-- Failed status page logins per (login, client address), shared by every process: the next try
-- of that pair waits a short, growing delay (load/ops/login-throttle.ts). Rows older than the
-- window are forgotten; a successful login deletes its row.
create table http_login_failures (
  login            text not null,
  address          text not null,
  failures         integer not null check (failures > 0),
  last_failure_at  timestamptz not null,
  primary key (login, address)
);
create index http_login_failures_age_idx on http_login_failures (last_failure_at);
