-- The staged lines of one forecast batch as load cells: one row per (product, warehouse, period),
-- resolved against the master data snapshot as it is now (a rerun after masterdata-sync fixed a
-- product or a warehouse uses the fix), falling back to what was resolved at staging time.
-- line_nos: the staged lines summed into the cell (lineage).
-- $1 batch id
with resolved as (
  select coalesce(p.odoo_id, l.product_id) as product_id,
         l.product_code,
         coalesce(wc.odoo_id, l.warehouse_id) as warehouse_id,
         l.warehouse_code,
         l.period_start,
         l.quantity,
         l.line_no
  from forecast_lines l
  left join md_products p on p.default_code = l.product_code and p.active
  left join md_warehouses wc on lower(wc.code) = lower(l.warehouse_code) and wc.active
  where l.batch_id = $1::bigint
)
select r.product_id,
       r.product_code,
       r.warehouse_id,
       r.warehouse_code,
       w.lot_stock_id,
       w.company_id,
       u.rounding as uom_rounding,
       to_char(r.period_start, 'YYYY-MM-DD') as period_start,
       sum(r.quantity) as quantity,
       count(*)::int as lines,
       array_agg(r.line_no order by r.line_no) as line_nos
from resolved r
left join md_warehouses w on w.odoo_id = r.warehouse_id
left join md_products mp on mp.odoo_id = r.product_id
left join md_uoms u on u.odoo_id = mp.uom_id
group by r.product_id, r.product_code, r.warehouse_id, r.warehouse_code, w.lot_stock_id, w.company_id, u.rounding, r.period_start
order by r.warehouse_code, r.product_code, r.period_start;
