-- Retention: removes the quant snapshots taken before $1 (epoch ms) that no reconciliation refers
-- to, with their quants; $2 true only counts them (dry run). Kept whatever their age: snapshots a
-- reconciliation refers to (reconciliations stay for history), and the newest finished snapshot of
-- each warehouse (a rerun on the last figures, `--param snapshot=`). Snapshots whose read was
-- interrupted (never finished) go once they are old.
with doomed as materialized (
  select s.id
  from inventory_snapshots s
  where s.taken_at < to_timestamp($1::float8 / 1000)
    and not exists (select 1 from inventory_reconciliations r where r.snapshot_id = s.id)
    and s.id is distinct from (
      select n.id from inventory_snapshots n
      where n.warehouse_id = s.warehouse_id and n.finished_at is not null
      order by n.id desc limit 1)
), quants as (
  -- no foreign key from the quants to their snapshot (see 007_inventory.sql): removed here
  delete from inventory_quants q using doomed d where not $2::boolean and q.snapshot_id = d.id returning 1
), snapshots as (
  delete from inventory_snapshots s using doomed d where not $2::boolean and s.id = d.id returning 1
)
select (select count(*) from doomed)::int as snapshots,
       case when $2::boolean
            then (select count(*) from inventory_quants q where q.snapshot_id in (select id from doomed))
            else (select count(*) from quants) end::bigint as quants
