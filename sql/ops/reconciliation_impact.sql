-- The latest finished inventory reconciliation of each warehouse and kind (daily, month_end), with
-- the value impact of its discrepancies (absolute sum of difference x standard price).
select distinct on (warehouse_code, kind)
       id, warehouse_code, kind, finished_at,
       (totals->>'value_impact_abs')::float8 as value_impact,
       settings->>'currency' as currency
from inventory_reconciliations
where status = 'done' and jsonb_typeof(totals->'value_impact_abs') = 'number'
order by warehouse_code, kind, id desc
