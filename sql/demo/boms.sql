-- Sample manufacturing master data for `npm run demo`, on top of sql/demo/masterdata.sql
-- (products 101-204, units 1 Units / 2 Dozens / 12 kg / 13 g): categories, two workcenters and
-- bills of materials for the cost rollup. What masterdata-sync would snapshot from Odoo.
--
--   FURN_7800 Desk Combination   3 Table Tops + 8 legs + 2 dozen bolts, 4 h assembly
--   COMP_TOP  Table Top          12 kg steel + 8 bolts, 20 min on the press (85 %, 15 + 5 min setup)
--   COMP_LEG  Table Leg          made 4 at a time: 8 kg steel, 6 min on the press
--   FURN_8888 Office Lamp        made a dozen at a time: 3.6 kg steel (given in g), 48 bolts, 13 h 20 min
--   FURN_6666 Acoustic Screens   a kit: 4 Table Tops, 4 legs and 4 bolts, sold as a set
--   FURN_9999 Drawer Black       average cost: computed, never written
update md_products set product_tmpl_id = odoo_id where product_tmpl_id is null and odoo_id between 101 and 204;

insert into md_product_categories (odoo_id, name, complete_name, parent_id, cost_method, valuation) values
  (5, 'Finished Goods', 'All / Finished Goods', null, 'standard', 'real_time'),
  (6, 'Components', 'All / Components', null, 'standard', 'real_time'),
  (7, 'Raw Materials', 'All / Raw Materials', null, 'average', 'real_time')
on conflict (odoo_id) do nothing;

insert into md_workcenters (odoo_id, name, code, costs_hour, time_efficiency, time_start, time_stop, company_id) values
  (1, 'Assembly', 'ASM', 45, 100, 0, 0, 1),
  (2, 'Press', 'PRS', 60, 85, 15, 5, 1)
on conflict (odoo_id) do nothing;

insert into md_boms (odoo_id, code, type, is_kit, product_tmpl_id, product_id, product_qty, uom_id, sequence, company_id) values
  (1, 'DESK', 'normal', false, 101, 101, 1, 1, 1, 1),
  (2, 'TOP', 'normal', false, 202, 202, 1, 1, 1, 1),
  (3, 'LEG-4', 'normal', false, 201, 201, 4, 1, 1, 1),
  (4, 'LAMP-12', 'normal', false, 102, 102, 1, 2, 1, 1),    -- makes 1 dozen
  (5, 'SCREEN-SET', 'phantom', true, 103, 103, 1, 1, 1, 1),
  (6, 'DRAWER', 'normal', false, 104, 104, 1, 1, 1, 1)
on conflict (odoo_id) do nothing;

insert into md_bom_lines (odoo_id, bom_id, product_id, product_qty, uom_id, sequence) values
  (1, 1, 202, 3, 1, 1),
  (2, 1, 201, 8, 1, 2),
  (3, 1, 203, 2, 2, 3),      -- 2 dozen bolts
  (4, 2, 204, 12, 12, 1),    -- 12 kg steel
  (5, 2, 203, 8, 1, 2),
  (6, 3, 204, 8, 12, 1),     -- 8 kg for 4 legs
  (7, 4, 204, 3600, 13, 1),  -- 3.6 kg (in g) for a dozen lamps
  (8, 4, 203, 48, 1, 2),
  (9, 5, 202, 4, 1, 1),
  (10, 5, 201, 4, 1, 2),
  (11, 5, 203, 4, 1, 3),
  (12, 6, 204, 1.2, 12, 1),
  (13, 6, 203, 6, 1, 2)
on conflict (odoo_id) do nothing;

insert into md_bom_operations (odoo_id, bom_id, name, workcenter_id, sequence, time_mode, time_cycle_manual, time_cycle) values
  (1, 1, 'Assemble desk', 1, 1, 'manual', 240, 240),
  (2, 2, 'Press top', 2, 1, 'manual', 20, 20),
  (3, 3, 'Press legs', 2, 1, 'manual', 6, 6),
  (4, 4, 'Assemble lamps', 1, 1, 'manual', 800, 800),
  (5, 6, 'Assemble drawer', 1, 1, 'manual', 25, 25)
on conflict (odoo_id) do nothing;
