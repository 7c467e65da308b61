-- Staged batches by kind and state.
select kind, status, count(*) as count
from batches
group by kind, status
