-- Runs waiting in the job queue (created or waiting for a retry), by queue. The queue lives in
-- pg-boss's schema "<schema>_queue"; the caller puts its quoted name in place of :queue_schema.
select name as job, count(*) as count
from :queue_schema.job
where state < 'active'
group by name
