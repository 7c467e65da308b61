-- What Odoo booked for cost-load's price writes, per product: the valuation layers' value (17/18),
-- total_value after - before (19). $1 batch id, $2 product ids, $3 amounts.
update cost_rollup_lines l
set booked_revaluation = b.amount
from unnest($2::bigint[], $3::numeric[]) as b(product_id, amount)
where l.batch_id = $1::bigint and l.product_id = b.product_id
