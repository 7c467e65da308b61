-- The status page's stock value picture: the latest finished reconciliation of each warehouse
-- (any kind) and the net value impact of its discrepancies per location (difference x standard
-- price; short negative, over positive).
with latest as (
  select distinct on (warehouse_code) id, warehouse_code, finished_at, settings->>'currency' as currency
  from inventory_reconciliations
  where status = 'done'
  order by warehouse_code, id desc
)
select l.id, l.warehouse_code, l.finished_at, l.currency, r.location_name,
       coalesce(sum(r.value_impact) filter (where r.is_discrepancy), 0)::float8 as value_impact
from latest l
join inventory_reconciliation_lines r on r.reconciliation_id = l.id
group by l.id, l.warehouse_code, l.finished_at, l.currency, r.location_name
order by l.warehouse_code, r.location_name collate "C"
