-- historian-load: the first and last shift date the given batches staged rows for (the OEE
-- report's default range). Used by load/staging/historian-load.ts.
-- $1 batch ids
select min(d)::text as first, max(d)::text as last
from (
  select shift_date as d from historian_shifts where batch_id = any ($1::bigint[])
  union all
  select shift_date from historian_scrap where batch_id = any ($1::bigint[])
  union all
  select shift_date from historian_downtime where batch_id = any ($1::bigint[]) and shift_date is not null
) x;
