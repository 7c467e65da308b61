-- Clears what a recomputation over [$3, $4) (epoch ms) replaces: buckets and downtime events of
-- the tags $1 and shift summaries and scrap of the assets $2 that start inside the range.
-- Returns how many rows of each were removed.
with b as (
  delete from historian_buckets
  where tag = any($1::text[]) and bucket_start >= to_timestamp($3::float8 / 1000) and bucket_start < to_timestamp($4::float8 / 1000)
  returning 1
), d as (
  delete from historian_downtime
  where tag = any($1::text[]) and start_at >= to_timestamp($3::float8 / 1000) and start_at < to_timestamp($4::float8 / 1000)
  returning 1
), s as (
  delete from historian_shifts
  where asset = any($2::text[]) and start_at >= to_timestamp($3::float8 / 1000) and start_at < to_timestamp($4::float8 / 1000)
  returning 1
), x as (
  delete from historian_scrap
  where asset = any($2::text[]) and start_at >= to_timestamp($3::float8 / 1000) and start_at < to_timestamp($4::float8 / 1000)
  returning 1
)
select (select count(*) from b)::int as buckets,
       (select count(*) from d)::int as downtime,
       (select count(*) from s)::int as shifts,
       (select count(*) from x)::int as scrap
