-- Totals by product category for the report's summary sheet. $1 batch id.
select coalesce(categ_name, '(no category)') as category,
       count(*)::int as products,
       count(*) filter (where new_cost is not null)::int as costed,
       count(*) filter (where writable and new_cost is not null and new_cost <> coalesce(current_cost, 0))::int as changed,
       coalesce(sum(qty_on_hand * current_cost) filter (where writable and kind <> 'kit'), 0) as stock_value_before,
       coalesce(sum(qty_on_hand * new_cost) filter (where writable and kind <> 'kit' and new_cost is not null), 0) as stock_value_after,
       coalesce(sum(revaluation_impact), 0) as revaluation_impact
from cost_rollup_lines
where batch_id = $1::bigint
group by 1
order by 1
