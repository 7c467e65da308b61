-- Retention: removes raw samples stamped before $1 (epoch ms); $2 true only counts them (dry run).
-- Buckets, downtime and shift summaries stay: they are what the batches and Odoo refer to.
with gone as (
  delete from historian_samples where not $2::boolean and ts < to_timestamp($1::float8 / 1000) returning 1
)
select case when $2::boolean
            then (select count(*) from historian_samples where ts < to_timestamp($1::float8 / 1000))
            else (select count(*) from gone) end::bigint as samples
