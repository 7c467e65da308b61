-- MPS forecasts earlier versions loaded (the ledger) for these warehouses inside a horizon: the
-- candidates to set to zero when the new version no longer has them. Keys are
-- fc_mps_w<warehouse>_p<product>_d<YYYYMMDD> (transform/forecast-load/keys.ts); they are taken
-- apart with split_part, not a regular expression (50,000 keys: 0.1 s instead of 10 s).
-- $1 warehouse ids, $2 first period, $3 last period
with keys as (
  select distinct business_key
  from load_ledger
  where odoo_model = 'mrp.product.forecast'
    and business_key like any (select 'fc\_mps\_w' || w || '\_p%\_d%' from unnest($1::bigint[]) as w)
), parsed as (
  select split_part(substr(business_key, 9), '_', 1)::bigint as warehouse_id,
         substr(split_part(substr(business_key, 9), '_', 2), 2)::bigint as product_id,
         to_date(substr(split_part(substr(business_key, 9), '_', 3), 2), 'YYYYMMDD') as period_start
  from keys
)
select k.warehouse_id,
       k.product_id,
       to_char(k.period_start, 'YYYY-MM-DD') as period_start,
       p.default_code as product_code,
       w.code as warehouse_code
from parsed k
left join md_products p on p.odoo_id = k.product_id
left join md_warehouses w on w.odoo_id = k.warehouse_id
where k.period_start between $2::date and $3::date
order by 1, 2, 3;
