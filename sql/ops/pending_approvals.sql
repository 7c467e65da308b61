-- Batches waiting for a person (validated, not approved yet), by the job whose run staged them
-- ('' when the batch has no run).
select coalesce(r.job, '') as job,
       count(*) as pending,
       min(coalesce(b.validated_at, b.created_at)) as oldest
from batches b
left join job_runs r on r.id = b.run_id
where b.status = 'validated'
group by coalesce(r.job, '')
