-- The status page's run picture: every finished attempt since $1 (newest $2 at most), with its
-- duration in seconds and its outcome.
select id, job, status, started_at,
       extract(epoch from finished_at - started_at)::float8 as seconds
from job_runs
where status in ('succeeded', 'failed', 'dead', 'cancelled')
  and started_at is not null and finished_at is not null and started_at >= $1
order by started_at desc
limit $2
