-- Row counts that succeeded (non dry-run) runs reported in their stats, by job and stats key.
-- $1: the stats keys to add up (rowsRead, rowsStaged, rowsRejected, rowsLoaded…).
select r.job, kv.key, sum((kv.value #>> '{}')::numeric)::float8 as total
from job_runs r
cross join lateral jsonb_each(r.stats) as kv
where r.status = 'succeeded' and not r.dry_run
  and kv.key = any($1::text[])
  and jsonb_typeof(kv.value) = 'number'
group by r.job, kv.key
