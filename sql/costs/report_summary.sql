-- Totals by product category for the report's summary sheet. Stock value as Odoo keeps it when
-- the rollup read it (value_svl on 17/18, total_value on 19; else quantity × current cost); after
-- = before + the revaluation Odoo is predicted to book. Once the batch was loaded only the lines
-- cost-load wrote move: a product skipped at load (no longer on standard cost, price already in
-- Odoo, failed) keeps its value and predicts nothing. Booked: what Odoo booked for the writes.
-- $1 batch id.
with l as (
  select *, (load_status is null or load_status = 'written') as moves,
         coalesce(stock_value_before, qty_on_hand * current_cost) as value_before
  from cost_rollup_lines
  where batch_id = $1::bigint
)
select coalesce(categ_name, '(no category)') as category,
       count(*)::int as products,
       count(*) filter (where new_cost is not null)::int as costed,
       count(*) filter (where writable and moves and new_cost is not null and new_cost <> coalesce(current_cost, 0))::int as changed,
       coalesce(sum(value_before) filter (where writable and kind <> 'kit'), 0) as stock_value_before,
       coalesce(sum(value_before + case when moves then coalesce(revaluation_impact, 0) else 0 end) filter (where writable and kind <> 'kit'), 0)
         as stock_value_after,
       coalesce(sum(revaluation_impact) filter (where moves), 0) as revaluation_impact,
       sum(booked_revaluation) as booked_revaluation
from l
group by 1
order by 1
