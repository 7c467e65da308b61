-- One page of reconciliation lines in report order. line_no is dense (1..n), so a page is the range
-- ($2, $2 + $3]: an index range of exactly one page, whatever the planner knows about the table.
-- Times come as epoch milliseconds (cheaper to read than timestamps, 600,000 of them per report).
-- $1 reconciliation id, $2 last line_no read (0 at first), $3 page size.
select line_no, location_name, product_code, product_name, category, lot_name, uom,
       odoo_qty::float8, counted_qty::float8, difference::float8,
       tolerance_abs::float8, tolerance_pct::float8, class, moved_since_count, is_discrepancy,
       standard_price::float8, value_impact::float8,
       (extract(epoch from counted_at) * 1000)::float8 as counted_at, (extract(epoch from odoo_changed_at) * 1000)::float8 as odoo_changed_at,
       since_previous
from inventory_reconciliation_lines
where reconciliation_id = $1 and line_no > $2 and line_no <= $2 + $3
order by line_no
