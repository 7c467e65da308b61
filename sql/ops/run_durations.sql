-- Run duration histogram of finished attempts, by job and status. $1: bucket upper bounds in seconds.
-- Every (job, status, le) row repeats the group's count and sum.
with d as (
  select job, status, extract(epoch from finished_at - started_at)::float8 as seconds
  from job_runs
  where status in ('succeeded', 'failed', 'dead') and started_at is not null and finished_at is not null
)
select d.job, d.status, b.le,
       count(*) filter (where d.seconds <= b.le) as le_count,
       count(*) as count,
       sum(d.seconds) as sum
from d
cross join unnest($1::float8[]) as b(le)
group by d.job, d.status, b.le
