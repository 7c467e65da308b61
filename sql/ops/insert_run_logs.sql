-- Log lines of job runs, in one statement per batch (core/run-logs.ts). Lines of a run that no longer
-- exists (removed by housekeeping meanwhile) are skipped instead of failing the whole batch.
insert into run_logs (run_id, at, level, message, meta)
select u.run_id, u.at, u.level, u.message, u.meta
from unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::jsonb[]) as u(run_id, at, level, message, meta)
where exists (select 1 from job_runs r where r.id = u.run_id)
