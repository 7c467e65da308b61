-- Counts one call of an API client in the current minute and answers the calls of that minute;
-- windows older than an hour are forgotten. Used by load/quality/staging.ts.
-- $1 client
with gone as (
  delete from api_rate_windows where window_start < now() - interval '1 hour'
)
insert into api_rate_windows (client, window_start, calls)
values ($1::text, date_trunc('minute', now()), 1)
on conflict (client, window_start) do update set calls = api_rate_windows.calls + 1
returning calls;
