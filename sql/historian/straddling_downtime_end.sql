-- The latest end of a staged downtime event of these state tags that starts before $2 (epoch ms)
-- and ends after it: a recomputation ending at $2 would cut it (and leave it open).
-- $1 state tags. NULL when there is none.
select (extract(epoch from max(end_at)) * 1000)::float8 as ms
from historian_downtime
where tag = any($1::text[])
  and start_at < to_timestamp($2::float8 / 1000)
  and end_at > to_timestamp($2::float8 / 1000)
