-- Stages one chunk of count lines, resolving location, product and unit against the master data
-- snapshot on the way in. $1 batch id, $2..$10 the lines as arrays, $11 the file's count time
-- (for lines without their own).
--
-- A location is found by barcode, then by full name ("WH/Stock/Shelf 1", spaces around "/" and
-- case ignored), then by its short name, among active internal locations; within the warehouse the
-- line names first, elsewhere only when that warehouse has none (single_warehouse reports it).
-- At the first level that finds anything the match must be unique, else the line stays unresolved.
-- Distinct location texts are resolved once, then joined back to the lines.
-- Quantities are converted to the product's unit (rounded to 6 decimals against float noise in
-- unit ratios); a unit that does not convert leaves quantity NULL (unit_conversion reports it).
with l as (
  select *
  from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::text[], $9::timestamptz[], $10::text[])
         as l(line_no, location_text, warehouse_code, product_code, lot_name, source_quantity, source_unit, counted_at, source_ref)
), texts as (
  select distinct location_text, coalesce(warehouse_code, '') as wh_key,
         lower(location_text) as lowered,
         regexp_replace(lower(location_text), '\s*/\s*', '/', 'g') as full_key
  from l
), locs as (
  select m.odoo_id, m.warehouse_id, lower(coalesce(w.code, '')) as wh,
         lower(m.barcode) as barcode,
         regexp_replace(lower(m.complete_name), '\s*/\s*', '/', 'g') as full_name,
         lower(m.name) as name
  from md_locations m
  left join md_warehouses w on w.odoo_id = m.warehouse_id
  where m.active and m.usage = 'internal'
), cand as (
  select t.location_text, t.wh_key, m.odoo_id, m.warehouse_id, m.wh, 1 as prio from texts t join locs m on m.barcode = t.lowered
  union all
  select t.location_text, t.wh_key, m.odoo_id, m.warehouse_id, m.wh, 2 from texts t join locs m on m.full_name = t.full_key
  union all
  select t.location_text, t.wh_key, m.odoo_id, m.warehouse_id, m.wh, 3 from texts t join locs m on m.name = t.lowered
), ranked as (
  select location_text, wh_key, case when wh_key = '' or wh = lower(wh_key) then 0 else 1 end as outside, prio,
         min(odoo_id) as odoo_id, min(warehouse_id) as warehouse_id, count(distinct odoo_id) as n
  from cand
  group by 1, 2, 3, 4
), resolved as (
  select distinct on (location_text, wh_key) location_text, wh_key, case when n = 1 then odoo_id end as location_id,
         case when n = 1 then warehouse_id end as warehouse_id
  from ranked
  order by location_text, wh_key, outside, prio
), p as (
  select distinct on (default_code) odoo_id, default_code, uom_id
  from md_products where active and default_code is not null order by default_code, odoo_id
), u as (
  select distinct on (lower(name)) odoo_id, lower(name) as name, ref_group, ref_ratio from md_uoms where active order by lower(name), odoo_id
)
insert into inventory_count_lines (batch_id, line_no, location_text, warehouse_code, location_id, warehouse_id, product_code,
                                   product_id, lot_name, quantity, source_quantity, source_unit, counted_at, source_ref)
select $1::bigint, l.line_no, l.location_text, l.warehouse_code, r.location_id, r.warehouse_id, l.product_code, p.odoo_id,
       nullif(l.lot_name, ''),
       case
         when p.odoo_id is null or l.source_unit is null or su.odoo_id = pu.odoo_id then l.source_quantity
         when su.ref_group = pu.ref_group then round(l.source_quantity * su.ref_ratio / pu.ref_ratio, 6)
       end,
       l.source_quantity, l.source_unit, coalesce(l.counted_at, $11::timestamptz), l.source_ref
from l
left join resolved r on r.location_text = l.location_text and r.wh_key = coalesce(l.warehouse_code, '')
left join p on p.default_code = l.product_code
left join md_uoms pu on pu.odoo_id = p.uom_id
left join u su on su.name = lower(l.source_unit)
