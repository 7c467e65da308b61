-- Figures the rollup checkpoints need beyond the problems, in one row: the products whose cost
-- moves more than $2 percent (the $3 biggest listed; a product without a current cost counts),
-- the products on FIFO / average cost, the revaluation Odoo will book for what cost-load would write and
-- the products that could not be costed. $1 batch id.
with l as (
  select * from cost_rollup_lines where batch_id = $1::bigint
), mv as (
  select coalesce(default_code, '#' || product_id) as product, current_cost, new_cost, delta_pct
  from l
  where new_cost is not null and new_cost <> coalesce(current_cost, 0)
    and (coalesce(current_cost, 0) = 0 or abs(delta_pct) > $2::numeric)
), w as (
  select * from l where writable and kind <> 'kit' and new_cost is not null
)
select (select count(*) from mv)::int as movers_over,
       (select coalesce(jsonb_agg(jsonb_build_object('product', product, 'current', current_cost, 'next', new_cost, 'deltaPct', delta_pct)
                                  order by abs(coalesce(delta_pct, 1e9)) desc, product), '[]')
        from (select * from mv order by abs(coalesce(delta_pct, 1e9)) desc, product limit $3::int) t) as movers,
       (select count(*) from l where coalesce(cost_method, 'standard') <> 'standard')::int as non_standard,
       (select coalesce(jsonb_agg(x), '[]') from (select coalesce(default_code, '#' || product_id) || ' (' || cost_method || ')' as x
          from l where coalesce(cost_method, 'standard') <> 'standard' order by default_code limit 50) y) as non_standard_examples,
       -- the revaluation Odoo will book (predicted per version when the stock values were read)
       (select coalesce(sum(abs(revaluation_impact)), 0) from w where revaluation_impact is not null) as revaluation_absolute,
       (select coalesce(sum(revaluation_impact), 0) from w where revaluation_impact is not null) as revaluation_net,
       (select count(*) from w where revaluation_impact is not null and revaluation_impact <> 0)::int as revaluation_products,
       (select count(*) from l where qty_on_hand is not null)::int as on_hand_lines,
       (select coalesce(jsonb_agg(jsonb_build_object('product', coalesce(default_code, '#' || product_id), 'reason', substr(note, 13)) order by default_code), '[]')
        from (select * from l where kind <> 'component' and new_cost is null order by default_code limit 200) t) as not_costed,
       (select count(*) from l where kind <> 'component' and new_cost is null)::int as not_costed_count
