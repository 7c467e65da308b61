-- cost-load's outcome per line. $1 batch id, $2 product ids, $3 statuses, $4 Odoo's price before the write.
update cost_rollup_lines l
set load_status = e.status, odoo_price_before = coalesce(e.before, l.odoo_price_before), loaded_at = now()
from unnest($2::bigint[], $3::text[], $4::numeric[]) as e(product_id, status, before)
where l.batch_id = $1::bigint and l.product_id = e.product_id
