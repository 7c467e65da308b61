-- Quantities and stock value read from Odoo, and the revaluation Odoo will book for the new cost
-- (the predicted revaluation impact), for the lines of a batch. Kits are not stocked (Odoo
-- computes their availability from the components): no impact. Products on FIFO / average cost
-- are not written: no impact.
--   $4 'layers' (Odoo 17/18, _change_standard_price): one layer of round(new × quantity_svl -
--      value_svl, 2) when quantity_svl > 0; none without valued quantity (quants without layers)
--   $4 'live' (Odoo 19, total_value = price × quantity): new × qty_available - total_value
-- $1 batch id, $2 product ids, $3 quantities on hand, $5 valued quantities, $6 stock values (null: not read).
update cost_rollup_lines l
set qty_on_hand = q.qty,
    valued_qty = q.valued,
    stock_value_before = q.value,
    revaluation_impact = case
      when l.kind = 'kit' or not l.writable or l.new_cost is null then null
      when $4::text = 'layers' and q.valued is not null then
        case when round(q.valued, 2) <= 0 then 0 else round(l.new_cost * q.valued - coalesce(q.value, 0), 2) end
      when $4::text = 'live' and q.value is not null then round(l.new_cost * q.qty - q.value, 2)
      when l.delta is not null then round(q.qty * l.delta, 6)
    end
from unnest($2::bigint[], $3::numeric[], $5::numeric[], $6::numeric[]) as q(product_id, qty, valued, value)
where l.batch_id = $1::bigint and l.product_id = q.product_id
