-- Sample locations and product categories for `npm run demo` and the inventory tests: what
-- masterdata-sync would snapshot from a small Odoo, matching sql/demo/masterdata.sql (warehouses
-- P01 and P02, products 101–204 in categories 5, 6 and 7). Run after masterdata.sql.
insert into md_locations (odoo_id, complete_name, name, barcode, usage, parent_id, warehouse_id, company_id) values
  (7, 'P01', 'P01', null, 'view', null, 1, 1),
  (8, 'P01/Stock', 'Stock', 'P01-STOCK', 'internal', 7, 1, 1),
  (9, 'P01/Stock/Shelf A', 'Shelf A', 'P01-A', 'internal', 8, 1, 1),
  (10, 'P01/Stock/Shelf B', 'Shelf B', 'P01-B', 'internal', 8, 1, 1),
  (17, 'P02', 'P02', null, 'view', null, 2, 1),
  (18, 'P02/Stock', 'Stock', 'P02-STOCK', 'internal', 17, 2, 1),
  (19, 'P02/Stock/Rack 1', 'Rack 1', 'P02-R1', 'internal', 18, 2, 1),
  (20, 'P02/Stock/Rack 2', 'Rack 2', 'P02-R2', 'internal', 18, 2, 1),
  (14, 'Virtual Locations/Inventory adjustment', 'Inventory adjustment', null, 'inventory', null, null, 1)
on conflict (odoo_id) do nothing;

update md_warehouses set view_location_id = 7 where odoo_id = 1 and view_location_id is null;
update md_warehouses set view_location_id = 17 where odoo_id = 2 and view_location_id is null;

insert into md_product_categories (odoo_id, name, complete_name, parent_id, cost_method, valuation) values
  (1, 'All', 'All', null, 'standard', 'real_time'),
  (5, 'Finished Goods', 'All / Finished Goods', 1, 'standard', 'real_time'),
  (6, 'Components', 'All / Components', 1, 'standard', 'real_time'),
  (7, 'Raw Materials', 'All / Raw Materials', 1, 'average', 'real_time')
on conflict (odoo_id) do nothing;
