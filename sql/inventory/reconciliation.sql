-- Inventory reconciliation: Odoo's quants (a snapshot) against a warehouse count, one line per
-- (location, product, lot) seen on either side, classified and valued in one statement.
--
-- $1 reconciliation id          $2 count batch id            $3 snapshot id
-- $4 previous reconciliation id (null: first run of the warehouse)
-- $5 default tolerance abs      $6 default tolerance pct
-- $7 categ ids, $8 abs, $9 pct: tolerances of configured categories (sub-categories resolved already)
-- $10 coverage: 'warehouse' (every quant of the snapshot) or 'counted_locations' (only quants in
--     locations the count names)
-- $11 the warehouse's Odoo id (count lines of other warehouses are left out)
--
-- Both sides are summed per key (a quant per package or owner; duplicate count lines when the
-- duplicate_keys checkpoint was relaxed). Quantities are in the product's unit on both sides.
-- difference = counted - odoo. The rule (transform/inventory/tolerances.ts `classify`):
--   |difference| <= abs or |difference| * 100 <= pct * |odoo|  -> match
--   no quant -> missing_in_odoo; not counted -> missing_in_wms; else over (> 0) / short (< 0)
-- A line that is not a match while Odoo changed its quants after the count time is flagged
-- moved_since_count and is not a discrepancy. value_impact = difference x standard price.
-- since_previous compares with the previous run's discrepancies by key: new, persisting, resolved.
-- Run it with a generous work_mem and hash aggregation off (load/staging/inventory.ts matchCount):
-- the joins and the sorts then stay in memory, and both sides are grouped by sorting. The
-- Discrepancies order (disc_no) is set afterwards by reconciliation_disc_order.sql, sorting only
-- the discrepancies.
with count_side as (
  select location_id, product_id, coalesce(lot_name, '') as lot, sum(quantity) as qty,
         max(counted_at) as counted_at, array_agg(source_ref order by line_no) as refs
  from inventory_count_lines
  where batch_id = $2 and location_id is not null and product_id is not null and warehouse_id = $11
  group by 1, 2, 3
), count_time as (
  select max(counted_at) as at from inventory_count_lines where batch_id = $2
), counted_locations as (
  select distinct location_id from count_side
), odoo_side as (
  select q.location_id, q.product_id, coalesce(q.lot_name, '') as lot, sum(q.quantity) as qty,
         sum(q.reserved_quantity) as reserved,
         max(greatest(q.write_date, q.in_date)) as changed_at, count(*)::int as quants,
         min(q.product_name) as product_name, min(q.location_name) as location_name, min(q.uom_name) as uom_name
  from inventory_quants q
  where q.snapshot_id = $3
    and ($10::text = 'warehouse' or q.location_id in (select location_id from counted_locations))
  group by 1, 2, 3
), joined as (
  select coalesce(c.location_id, o.location_id) as location_id,
         coalesce(c.product_id, o.product_id) as product_id,
         coalesce(c.lot, o.lot) as lot,
         o.qty as odoo_qty, c.qty as counted_qty, o.reserved,
         coalesce(c.counted_at, (select at from count_time)) as counted_at, o.changed_at, o.quants, c.refs,
         o.product_name as odoo_product_name, o.location_name as odoo_location_name, o.uom_name as odoo_uom_name,
         null::text as location_text, null::text as product_code_text
  from count_side c
  full join odoo_side o on o.location_id = c.location_id and o.product_id = c.product_id and o.lot = c.lot
  union all
  -- count lines of unknown locations or products: nothing in Odoo can match them
  select location_id, product_id, coalesce(lot_name, ''), null, sum(quantity), null, max(counted_at), null, null,
         array_agg(source_ref order by line_no), null, null, null, min(location_text), min(product_code)
  from inventory_count_lines
  where batch_id = $2 and (location_id is null or product_id is null)
  group by location_id, product_id, lower(location_text), product_code, coalesce(lot_name, '')
), tolerances as (
  select * from unnest($7::bigint[], $8::numeric[], $9::numeric[]) as t(categ_id, abs, pct)
), enriched as (
  select j.*,
         coalesce(loc.complete_name, j.odoo_location_name, j.location_text, 'location ' || j.location_id) as location_name,
         coalesce(p.default_code, j.product_code_text) as product_code,
         coalesce(p.name, j.odoo_product_name) as product_name,
         p.categ_id, coalesce(cat.complete_name, p.categ_name) as category,
         coalesce(u.name, j.odoo_uom_name) as uom,
         coalesce(t.abs, $5::numeric) as tolerance_abs, coalesce(t.pct, $6::numeric) as tolerance_pct,
         p.standard_price,
         coalesce(j.counted_qty, 0) - coalesce(j.odoo_qty, 0) as difference,
         case when j.location_id is not null and j.product_id is not null then j.location_id || ':' || j.product_id || ':' || j.lot
              else '?' || coalesce(j.location_id::text, lower(j.location_text)) || ':' || coalesce(j.product_id::text, '?' || j.product_code_text) || ':' || j.lot
         end as line_key
  from joined j
  left join md_locations loc on loc.odoo_id = j.location_id
  left join md_products p on p.odoo_id = j.product_id
  left join md_product_categories cat on cat.odoo_id = p.categ_id
  left join md_uoms u on u.odoo_id = p.uom_id
  left join tolerances t on t.categ_id = p.categ_id
), classified as (
  select e.*,
         case
           when abs(e.difference) <= e.tolerance_abs or abs(e.difference) * 100 <= e.tolerance_pct * abs(coalesce(e.odoo_qty, 0)) then 'match'
           when e.odoo_qty is null then 'missing_in_odoo'
           when e.counted_qty is null then 'missing_in_wms'
           when e.difference > 0 then 'over'
           else 'short'
         end as class
  from enriched e
), flagged as (
  select c.*,
         (c.class <> 'match' and c.counted_at is not null and c.changed_at is not null and c.changed_at > c.counted_at) as moved,
         c.difference * c.standard_price as value_impact
  from classified c
), previous as (
  select line_key from inventory_reconciliation_lines where reconciliation_id = $4 and is_discrepancy
), final as (
  -- `in`: a hash of the previous run's discrepancies probed per line (a join hashed or sorted all lines)
  select f.*, (f.class <> 'match' and not f.moved) as is_disc, (f.line_key in (select line_key from previous)) as was_disc
  from flagged f
)
insert into inventory_reconciliation_lines (reconciliation_id, line_no, line_key, location_id, location_name, product_id,
  product_code, product_name, categ_id, category, lot_name, uom, odoo_qty, counted_qty, reserved_qty, difference,
  tolerance_abs, tolerance_pct, class, moved_since_count, is_discrepancy, standard_price, value_impact, counted_at,
  odoo_changed_at, quants, count_refs, since_previous)
select $1::bigint,
       -- byte order ("C"): a collation-aware sort of 300,000 texts costs seconds and adds nothing here
       row_number() over (order by location_name collate "C", product_code collate "C", lot collate "C", line_key collate "C")::int,
       line_key, location_id, location_name, product_id, product_code, product_name, categ_id, category, nullif(lot, ''), uom,
       odoo_qty, counted_qty, reserved, difference, tolerance_abs, tolerance_pct, class, moved, is_disc, standard_price,
       value_impact, counted_at, changed_at, quants, refs,
       case
         when is_disc and was_disc then 'persisting'
         when is_disc then 'new'
         when class = 'match' and was_disc then 'resolved'
       end
from final
