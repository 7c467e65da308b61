-- Runs in the history (one row per attempt) by job and status.
select job, status, count(*) as count
from job_runs
group by job, status
