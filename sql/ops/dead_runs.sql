-- Runs that failed for good and were not replayed (the dead letters); a dry run never is one.
select id, job, finished_at, error->>'message' as error
from job_runs
where status = 'dead' and replayed_by is null and not dry_run
order by id
