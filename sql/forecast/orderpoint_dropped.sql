-- Replenishment rules earlier versions loaded (the ledger) for these warehouses: the candidates to
-- set to 0 / 0 when the new version no longer forecasts the product. Keys are
-- fc_op_w<warehouse>_p<product> (transform/forecast-load/keys.ts), taken apart with split_part.
-- $1 warehouse ids
with keys as (
  select distinct business_key
  from load_ledger
  where odoo_model = 'stock.warehouse.orderpoint'
    and business_key like any (select 'fc\_op\_w' || w || '\_p%' from unnest($1::bigint[]) as w)
), parsed as (
  select split_part(substr(business_key, 8), '_', 1)::bigint as warehouse_id,
         substr(split_part(substr(business_key, 8), '_', 2), 2)::bigint as product_id
  from keys
)
select k.warehouse_id,
       k.product_id,
       p.default_code as product_code,
       w.code as warehouse_code,
       w.lot_stock_id,
       w.company_id
from parsed k
left join md_products p on p.odoo_id = k.product_id
left join md_warehouses w on w.odoo_id = k.warehouse_id
order by 1, 2;
