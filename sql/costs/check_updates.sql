-- What the checkpoints of a cost update batch need, in one row: unknown products, units that do
-- not convert, negative costs, the same product and date twice with different costs, and the
-- products whose cost moves more than $2 percent against the current standard price (the $3
-- biggest listed). $1 batch id.
with l as (
  select * from cost_update_lines where batch_id = $1::bigint
), dup as (
  select product_code, valid_from from l group by product_code, valid_from having count(distinct source_cost) > 1
), mv as (
  select l.product_code, p.standard_price as current, round(l.cost, 6) as next,
         case when coalesce(p.standard_price, 0) <> 0 then round((l.cost - p.standard_price) / p.standard_price * 100, 2) end as delta_pct
  from l join md_products p on p.odoo_id = l.product_id
  where l.cost is not null
    and (coalesce(p.standard_price, 0) = 0 or abs((l.cost - p.standard_price) / p.standard_price * 100) > $2::numeric)
)
select (select count(*) from l)::int as lines,
       (select count(*) from md_products where active)::int as master_products,
       (select count(*) from l where product_id is null)::int as unknown_products,
       (select array_agg(distinct product_code) from (select product_code from l where product_id is null limit 20) x) as unknown_examples,
       (select count(*) from l where product_id is not null and cost is null)::int as unit_problems,
       (select array_agg(x) from (select product_code || ' per ' || coalesce(source_unit, '?') as x from l where product_id is not null and cost is null limit 20) y) as unit_examples,
       (select count(*) from l where source_cost < 0)::int as negative,
       (select array_agg(x) from (select product_code || ' ' || source_cost as x from l where source_cost < 0 limit 20) y) as negative_examples,
       (select count(*) from dup)::int as duplicates,
       (select array_agg(x) from (select product_code || ' ' || valid_from as x from dup limit 20) y) as duplicate_examples,
       (select count(*) from mv)::int as movers_over,
       (select coalesce(jsonb_agg(jsonb_build_object('product', product_code, 'current', current, 'next', next, 'deltaPct', delta_pct)
                                  order by abs(coalesce(delta_pct, 1e9)) desc, product_code), '[]')
        from (select * from mv order by abs(coalesce(delta_pct, 1e9)) desc, product_code limit $3::int) t) as movers
