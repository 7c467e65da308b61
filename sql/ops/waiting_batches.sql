-- Batches waiting for approval, with the time they started waiting.
select id, kind, scope, version, coalesce(validated_at, created_at) as since
from batches
where status = 'validated'
order by id
