-- Batches a run started loading (its start_load audit event names the run) that ended load_failed,
-- with the reason of their last load_failed event. $1: the run id.
select b.id, b.kind, b.scope, b.version,
       (select f.details->>'reason'
          from audit_events f
         where f.entity = 'batch' and f.entity_id = b.id::text and f.action = 'load_failed'
         order by f.id desc
         limit 1) as reason
from batches b
where b.status = 'load_failed'
  and exists (select 1
                from audit_events a
               where a.entity = 'batch' and a.entity_id = b.id::text and a.action = 'loading'
                 and a.details->>'runId' = $1::text)
order by b.id
