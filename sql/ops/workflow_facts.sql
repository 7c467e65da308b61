-- One row per job that has runs: its newest attempt, newest finished attempt, last success, runs
-- queued and running, and dead letters (dead runs not replayed yet). Dry runs change nothing, so
-- they are neither a success nor a failure of the job: only the queued/running counts see them.
with latest as (
  select distinct on (job) job, id, status, coalesce(finished_at, started_at, queued_at) as at, error->>'message' as error
  from job_runs
  where not dry_run
  order by job, id desc
), finished as (
  select distinct on (job) job, id, status, finished_at as at, error->>'message' as error, error->>'class' as error_class
  from job_runs
  where status in ('succeeded', 'failed', 'dead') and not dry_run
  order by job, id desc
), dead as (
  select distinct on (job) job, id, finished_at as at, error->>'message' as error, count(*) over (partition by job) as n
  from job_runs
  where status = 'dead' and replayed_by is null and not dry_run
  order by job, id desc
), counts as (
  select job,
         max(finished_at) filter (where status = 'succeeded' and not dry_run) as last_success_at,
         count(*) filter (where status = 'running') as running,
         count(*) filter (where status = 'queued') as queued
  from job_runs
  group by job
)
select c.job,
       c.last_success_at, c.running, c.queued,
       l.id as last_id, l.status as last_status, l.at as last_at, l.error as last_error,
       f.id as finished_id, f.status as finished_status, f.at as finished_at, f.error as finished_error,
       f.error_class as finished_error_class,
       coalesce(d.n, 0) as dead_letters, d.id as dead_id, d.at as dead_at, d.error as dead_error
from counts c
left join latest l on l.job = c.job
left join finished f on f.job = c.job
left join dead d on d.job = c.job
