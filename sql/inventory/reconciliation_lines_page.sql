-- One page of reconciliation lines in report order. line_no is dense (1..n), so a page is the range
-- ($2, $2 + $3]: an index range of exactly one page, whatever the planner knows about the table.
-- Quantities, prices and values come as numeric text (load/staging/inventory.ts reads them as
-- numbers: cheaper for the server than a cast to float8, the same double in the end); times as
-- epoch milliseconds, float8 through date_part (extract gives numeric, several times dearer),
-- rounded to the millisecond. $1 reconciliation id, $2 last line_no read (0 at first), $3 page size.
select line_no, location_name, product_code, product_name, category, lot_name, uom,
       odoo_qty, counted_qty, difference, tolerance_abs, tolerance_pct, class, moved_since_count, is_discrepancy,
       standard_price, value_impact,
       round(date_part('epoch', counted_at) * 1000) as counted_at, round(date_part('epoch', odoo_changed_at) * 1000) as odoo_changed_at,
       since_previous
from inventory_reconciliation_lines
where reconciliation_id = $1 and line_no > $2 and line_no <= $2 + $3
order by line_no
