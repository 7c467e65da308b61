-- One page of discrepancies, largest value impact first. disc_no is dense (1..n): the page is the
-- range ($2, $2 + $3]. Columns as in reconciliation_lines_page.sql (numeric text, epoch
-- milliseconds). $1 reconciliation id, $2 last disc_no read (0 at first), $3 page size.
select disc_no as line_no, location_name, product_code, product_name, category, lot_name, uom,
       odoo_qty, counted_qty, difference, tolerance_abs, tolerance_pct, class, moved_since_count, is_discrepancy,
       standard_price, value_impact,
       round(date_part('epoch', counted_at) * 1000) as counted_at, round(date_part('epoch', odoo_changed_at) * 1000) as odoo_changed_at,
       since_previous
from inventory_reconciliation_lines
where reconciliation_id = $1 and disc_no > $2 and disc_no <= $2 + $3
order by disc_no
