-- Takes over the running runs of the given jobs whose heartbeat stopped (their worker died): each
-- is marked failed once (a concurrent taker finds it no longer running). $1: job names, $2: seconds
-- without a heartbeat after which a run counts as abandoned. `waiting`: a queued run of the same
-- job waits to replace it.
with stale as (
  select id
  from job_runs
  where job = any($1::text[]) and status = 'running'
    and coalesce(heartbeat_at, started_at, queued_at) < now() - make_interval(secs => $2::float8)
  for update skip locked
)
update job_runs r
set status = 'failed',
    finished_at = now(),
    error = jsonb_build_object(
      'class', 'InterruptedError',
      'message', format('its worker %s/%s stopped sending heartbeats (last at %s): run abandoned and taken over',
                        coalesce(r.host, '?'), coalesce(r.pid::text, '?'),
                        to_char(coalesce(r.heartbeat_at, r.started_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
from stale
where r.id = stale.id
returning r.id, r.job, r.queue_job_id, r.host, r.pid, r.heartbeat_at,
          exists (select 1 from job_runs q where q.job = r.job and q.status = 'queued') as waiting
