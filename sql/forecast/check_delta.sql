-- Change against the previous approved version of the same scope, per product (base units).
-- $1 this batch, $2 previous batch, $3 per-product threshold in percent.
with cur as (
  select product_code, sum(coalesce(quantity, source_quantity)) as q from forecast_lines where batch_id = $1 group by product_code
), prev as (
  select product_code, sum(coalesce(quantity, source_quantity)) as q from forecast_lines where batch_id = $2 group by product_code
), joined as (
  select coalesce(c.product_code, p.product_code) as product,
         coalesce(c.q, 0) as cur, coalesce(p.q, 0) as prev,
         p.product_code is null as added, c.product_code is null as dropped
  from cur c full join prev p on p.product_code = c.product_code
), movers as (
  select product, cur, prev, case when prev <> 0 then (cur - prev) / abs(prev) * 100 end as pct
  from joined where not added and not dropped
)
select (select coalesce(sum(cur), 0) from joined)::float8                     as total,
       (select coalesce(sum(prev), 0) from joined)::float8                    as previous_total,
       (select case when sum(prev) <> 0 then (sum(cur) - sum(prev)) / abs(sum(prev)) * 100 end from joined)::float8
                                                                              as total_change_pct,
       (select count(*) from joined where added)::int                         as products_added,
       (select (array_agg(product order by product))[1:10] from joined where added) as added_examples,
       (select count(*) from joined where dropped)::int                       as products_dropped,
       (select (array_agg(product order by product))[1:10] from joined where dropped) as dropped_examples,
       (select count(*) from movers where abs(pct) > $3::numeric)::int        as products_over_threshold,
       coalesce((select jsonb_agg(e) from (
         select jsonb_build_object('product', product, 'previous', prev::float8, 'current', cur::float8,
                                   'changePct', round(pct, 1)::float8) as e
         from movers where pct is not null order by abs(pct) desc, product limit 10) x), '[]'::jsonb) as top_movers
