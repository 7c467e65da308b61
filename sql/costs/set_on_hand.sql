-- Quantity on hand (read from Odoo) and the revaluation impact it gives, for the lines of a batch.
-- Kits are not stocked (Odoo computes their availability from the components): no impact.
-- Products on FIFO / average cost are not written: no impact. $1 batch id, $2 product ids, $3 quantities.
update cost_rollup_lines l
set qty_on_hand = q.qty,
    revaluation_impact = case when l.kind <> 'kit' and l.writable and l.delta is not null then round(q.qty * l.delta, 6) end
from unnest($2::bigint[], $3::numeric[]) as q(product_id, qty)
where l.batch_id = $1::bigint and l.product_id = q.product_id
