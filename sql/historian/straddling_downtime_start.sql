-- The earliest staged downtime event of these state tags that starts before $2 (epoch ms) and is
-- still open or ends after it: a recomputation starting at $2 would cut it in two.
-- $1 state tags. NULL when there is none.
select (extract(epoch from min(start_at)) * 1000)::float8 as ms
from historian_downtime
where tag = any($1::text[])
  and start_at < to_timestamp($2::float8 / 1000)
  and (open or end_at > to_timestamp($2::float8 / 1000))
