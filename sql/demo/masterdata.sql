-- Sample master data for `npm run demo`: what masterdata-sync would snapshot from a small Odoo.
insert into md_uoms (odoo_id, name, ref_group, ref_ratio, rounding) values
  (1, 'Units', 'Unit', 1, 0.01),
  (2, 'Dozens', 'Unit', 12, 0.01),
  (12, 'kg', 'Weight', 1, 0.001),
  (13, 'g', 'Weight', 0.001, 0.01),
  (21, 'm', 'Length', 1, 0.01)
on conflict (odoo_id) do nothing;

insert into md_warehouses (odoo_id, code, name, lot_stock_id, company_id) values
  (1, 'P01', 'Plant 1 - Assembly', 8, 1),
  (2, 'P02', 'Plant 2 - Components', 18, 1)
on conflict (odoo_id) do nothing;

insert into md_products (odoo_id, default_code, name, uom_id, categ_id, categ_name, cost_method, valuation, is_storable, standard_price, company_id) values
  (101, 'FURN_7800', 'Desk Combination', 1, 5, 'Finished Goods', 'standard', 'real_time', true, 450.00, 1),
  (102, 'FURN_8888', 'Office Lamp', 1, 5, 'Finished Goods', 'standard', 'real_time', true, 38.50, 1),
  (103, 'FURN_6666', 'Acoustic Bloc Screens', 1, 5, 'Finished Goods', 'standard', 'real_time', true, 287.00, 1),
  (104, 'FURN_9999', 'Drawer Black', 1, 5, 'Finished Goods', 'average', 'real_time', true, 22.10, 1),
  (201, 'COMP_LEG', 'Table Leg', 1, 6, 'Components', 'standard', 'real_time', true, 9.80, 1),
  (202, 'COMP_TOP', 'Table Top', 1, 6, 'Components', 'standard', 'real_time', true, 61.00, 1),
  (203, 'COMP_SCREW', 'Bolt M6', 1, 6, 'Components', 'standard', 'real_time', true, 0.05, 1),
  (204, 'RAW_STEEL', 'Steel Sheet', 12, 7, 'Raw Materials', 'average', 'real_time', true, 1.35, 1)
on conflict (odoo_id) do nothing;
