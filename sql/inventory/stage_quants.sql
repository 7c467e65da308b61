-- One page of Odoo quants into a snapshot. $1 snapshot id, $2.. the quants as arrays.
-- Quantities are rounded to 6 decimals: XML-RPC doubles carry float noise (0.30000000000000004).
insert into inventory_quants (snapshot_id, quant_id, product_id, product_name, location_id, location_name, lot_id, lot_name,
                              quantity, reserved_quantity, uom_id, uom_name, in_date, write_date,
                              inventory_quantity, inventory_quantity_set)
select $1::bigint, q.quant_id, q.product_id, q.product_name, q.location_id, q.location_name, q.lot_id, q.lot_name,
       round(q.quantity, 6), round(q.reserved_quantity, 6), q.uom_id, q.uom_name, q.in_date, q.write_date,
       round(q.inventory_quantity, 6), q.inventory_quantity_set
from unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::text[], $9::numeric[],
            $10::numeric[], $11::bigint[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::numeric[], $16::boolean[])
       as q(quant_id, product_id, product_name, location_id, location_name, lot_id, lot_name, quantity, reserved_quantity,
            uom_id, uom_name, in_date, write_date, inventory_quantity, inventory_quantity_set)
on conflict (snapshot_id, quant_id) do nothing
