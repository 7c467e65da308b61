-- Stages one chunk of forecast lines, resolving product, warehouse and unit against the master
-- data snapshot on the way in (one pass, no UPDATE of a million rows afterwards).
-- Quantities are converted to the product's unit; a line whose unit cannot be converted keeps
-- quantity NULL (the unit checkpoint reports it), a line of an unknown product keeps its own.
insert into forecast_lines (batch_id, line_no, product_code, product_id, warehouse_code, warehouse_id,
                            period_start, quantity, source_quantity, source_unit, source_ref)
select $1::bigint, l.line_no, l.product_code, p.odoo_id, l.warehouse_code, w.odoo_id, l.period_start,
       case
         when p.odoo_id is null or l.source_unit is null or su.odoo_id = pu.odoo_id then l.source_quantity
         when su.ref_group = pu.ref_group then l.source_quantity * su.ref_ratio / pu.ref_ratio
       end,
       l.source_quantity, l.source_unit, l.source_ref
from unnest($2::int[], $3::text[], $4::text[], $5::date[], $6::numeric[], $7::text[], $8::text[])
       as l(line_no, product_code, warehouse_code, period_start, source_quantity, source_unit, source_ref)
left join md_products p on p.default_code = l.product_code and p.active
left join md_uoms pu on pu.odoo_id = p.uom_id
left join md_warehouses w on lower(w.code) = lower(l.warehouse_code) and w.active
left join md_uoms su on lower(su.name) = lower(l.source_unit) and su.active
