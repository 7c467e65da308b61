/**
 * Master data like Odoo's demo database (ids and external ids as in the captures where they
 * matter): companies, users, units of measure (18: categories; 19: a tree), a product category,
 * warehouses and locations, workcenters, loss reasons, journals, a few products with BoMs and
 * stock. Plus helpers to put more in.
 */
import type { Env } from './models.ts';
import { type Store, utcNow } from './store.ts';

export const SYSTEM_ENV = (): Env => ({ uid: 1, now: utcNow(), context: {} });

/** External id → record, as `ir.model.data` (module.name). */
export function seedXmlid(store: Store, xmlid: string, model: string, resId: number, env: Env = SYSTEM_ENV()): void {
  const [module = '', ...rest] = xmlid.split('.');
  store.create('ir.model.data', { module, name: rest.join('.'), model, res_id: resId, noupdate: true }, env);
}

function put(store: Store, model: string, id: number, values: Record<string, unknown>, xmlid?: string): void {
  store.insert(model, { id, active: true, create_uid: 1, write_uid: 1, create_date: utcNow(), write_date: utcNow(), ...values });
  if (xmlid) seedXmlid(store, xmlid, model, id);
}

export interface SeedUsers {
  adminApiKey: string;
  demoApiKey: string;
}

export function seedMasterData(store: Store): void {
  const v19 = store.version >= 19;
  const env = SYSTEM_ENV();

  let irModelId = 100;
  for (const [name, def] of store.models)
    put(store, 'ir.model', irModelId++, { model: name, name: def.description, transient: false, modules: name.split('.')[0] ?? 'base' });

  // 004/005 (valuation captures): every demo company works in USD; EUR is there, inactive
  put(store, 'res.currency', 1, { name: 'USD', symbol: '$', rounding: 0.01, position: 'before' }, 'base.USD');
  put(store, 'res.currency', 125, { name: 'EUR', symbol: '€', rounding: 0.01, position: 'after', active: false }, 'base.EUR');
  put(store, 'res.company', 1, { name: 'My Company (San Francisco)', currency_id: 1 }, 'base.main_company');
  put(store, 'res.company', 2, { name: 'My Company (Chicago)', currency_id: 1 }, 'stock.res_company_1');
  // 006: "Product Price" has 2 digits in the demo
  put(store, 'decimal.precision', v19 ? 3 : 2, { name: 'Product Price', digits: 2 }, 'product.decimal_price');
  put(store, 'res.partner', 1, { name: 'My Company (San Francisco)', company_id: 1 }, 'base.main_partner');
  put(
    store,
    'res.users',
    1,
    { name: 'OdooBot', login: '__system__', company_id: 1, company_ids: [1, 2], tz: 'UTC', lang: 'en_US', share: false },
    'base.user_root',
  );
  put(
    store,
    'res.users',
    2,
    { name: 'Mitchell Admin', login: 'admin', company_id: 1, company_ids: [1, 2], tz: 'Europe/Brussels', lang: 'en_US', share: false },
    'base.user_admin',
  );
  put(
    store,
    'res.users',
    v19 ? 5 : 6,
    { name: 'Marc Demo', login: 'demo', company_id: 1, company_ids: [1], tz: 'Europe/Brussels', lang: 'en_US', share: false },
    'base.user_demo',
  );
  put(store, 'resource.calendar', 1, { name: 'Standard 40 hours/week', tz: 'Europe/Brussels' }, 'resource.resource_calendar_std');
  put(store, 'stock.route', 1, { name: 'Buy' }, 'purchase_stock.route_warehouse0_buy');
  put(store, 'stock.route', 2, { name: 'Manufacture' }, 'mrp.route_warehouse0_manufacture');

  if (v19) {
    // Odoo 19: units form a tree; `factor` (computed) = how many root units one unit holds
    const uoms: Array<[number, string, number | false, number, string]> = [
      [1, 'Units', false, 1, 'uom.product_uom_unit'],
      [2, 'Pack of 6', 1, 6, 'uom.product_uom_pack_6'],
      [3, 'Dozens', 1, 12, 'uom.product_uom_dozen'],
      [4, 'Hours', false, 1, 'uom.product_uom_hour'],
      [5, 'Days', 4, 8, 'uom.product_uom_day'],
      [6, 'Minutes', 4, 0.0166667, 'uom.product_uom_minute'],
      [7, 'mm', false, 1, 'uom.product_uom_millimeter'],
      [8, 'cm', 7, 10, 'uom.product_uom_cm'],
      [9, 'm', 8, 100, 'uom.product_uom_meter'],
      [10, 'km', 9, 1000, 'uom.product_uom_km'],
      [15, 'g', false, 1, 'uom.product_uom_gram'],
      [16, 'kg', 15, 1000, 'uom.product_uom_kgm'],
      [17, 'Ton', 16, 1000, 'uom.product_uom_ton'],
    ];
    for (const [id, name, parent, factor, xmlid] of uoms) {
      put(
        store,
        'uom.uom',
        id,
        {
          name,
          relative_uom_id: parent,
          relative_factor: factor,
          rounding: 0.01,
          sequence: parent ? 1000 : 100,
          parent_path: parent ? `${parent}/${id}/` : `${id}/`,
        },
        xmlid,
      );
    }
  } else {
    // Odoo 18: categories; `factor` = how many of this unit make one reference unit (Dozens 1/12)
    put(store, 'uom.category', 1, { name: 'Unit' }, 'uom.product_uom_categ_unit');
    put(store, 'uom.category', 2, { name: 'Weight' }, 'uom.product_uom_categ_kgm');
    put(store, 'uom.category', 3, { name: 'Working Time' }, 'uom.uom_categ_wtime');
    put(store, 'uom.category', 4, { name: 'Length / Distance' }, 'uom.uom_categ_length');
    const uoms: Array<[number, string, number, string, number, string]> = [
      [1, 'Units', 1, 'reference', 1, 'uom.product_uom_unit'],
      [2, 'Dozens', 1, 'bigger', 1 / 12, 'uom.product_uom_dozen'],
      [3, 'Days', 3, 'reference', 1, 'uom.product_uom_day'],
      [4, 'Hours', 3, 'smaller', 8, 'uom.product_uom_hour'],
      [5, 'm', 4, 'reference', 1, 'uom.product_uom_meter'],
      [6, 'cm', 4, 'smaller', 100, 'uom.product_uom_cm'],
      [7, 'mm', 4, 'smaller', 1000, 'uom.product_uom_millimeter'],
      [12, 'kg', 2, 'reference', 1, 'uom.product_uom_kgm'],
      [13, 'g', 2, 'smaller', 1000, 'uom.product_uom_gram'],
      [14, 't', 2, 'bigger', 0.001, 'uom.product_uom_ton'],
    ];
    for (const [id, name, category, type, factor, xmlid] of uoms)
      put(store, 'uom.uom', id, { name, category_id: category, uom_type: type, factor, rounding: 0.01 }, xmlid);
  }

  put(
    store,
    'product.category',
    1,
    {
      name: v19 ? 'Goods' : 'All',
      parent_id: false,
      property_cost_method: 'standard',
      property_valuation: v19 ? 'periodic' : 'manual_periodic',
    },
    v19 ? 'product.product_category_goods' : 'product.product_category_all',
  );
  put(store, 'product.category', 2, {
    name: 'FIFO',
    parent_id: 1,
    property_cost_method: 'fifo',
    property_valuation: v19 ? 'periodic' : 'manual_periodic',
  });

  // locations: views name themselves, the others hang under their parent ("WH/Stock")
  const locations: Array<[number, string, string, number | false, number | false, number | false, string?]> = [
    [1, 'Physical Locations', 'view', false, false, false, 'stock.stock_location_locations'],
    [2, 'Partners', 'view', false, false, false, 'stock.stock_location_locations_partner'],
    [3, 'Virtual Locations', 'view', false, false, false, 'stock.stock_location_locations_virtual'],
    [4, 'Vendors', 'supplier', 2, false, false, 'stock.stock_location_suppliers'],
    [5, 'Customers', 'customer', 2, false, false, 'stock.stock_location_customers'],
    [7, 'WH', 'view', 1, 1, 1],
    [8, 'Stock', 'internal', 7, 1, 1, 'stock.stock_location_stock'],
    [14, 'Inventory adjustment', 'inventory', 3, false, 1, 'stock.location_inventory'],
    [16, 'Scrap', 'inventory', 3, false, 1, 'stock.stock_location_scrapped'],
    [17, 'Shelf 2', 'internal', 8, 1, 1, 'stock.stock_location_14'],
    [18, 'Shelf 1', 'internal', 8, 1, 1, 'stock.stock_location_components'],
    [27, 'My Co', 'view', 1, 2, 2],
    [28, 'Stock', 'internal', 27, 2, 2],
  ];
  for (const [id, name, usage, parent, warehouse, company, xmlid] of locations) {
    put(store, 'stock.location', id, { name, usage, location_id: parent, warehouse_id: warehouse, company_id: company }, xmlid);
  }
  put(
    store,
    'stock.warehouse',
    1,
    { name: 'YourCompany', code: 'WH', lot_stock_id: 8, view_location_id: 7, company_id: 1 },
    'stock.warehouse0',
  );
  // operation types of WH (the captures use 2 = Delivery Orders, 7 = Internal Transfers on 19)
  const types: Array<[number, string, string, string, number, number, string]> = [
    [1, 'Receipts', 'incoming', 'IN', 4, 8, 'stock.picking_type_in'],
    [2, 'Delivery Orders', 'outgoing', 'OUT', 8, 5, 'stock.picking_type_out'],
    [5, 'Internal Transfers', 'internal', 'INT', 8, 8, 'stock.picking_type_internal'],
  ];
  for (const [id, name, code, prefix, src, dest, xmlid] of types)
    put(
      store,
      'stock.picking.type',
      id,
      {
        name,
        code,
        sequence_code: prefix,
        warehouse_id: 1,
        default_location_src_id: src,
        default_location_dest_id: dest,
        company_id: 1,
        active: true,
      },
      xmlid,
    );
  put(
    store,
    'stock.warehouse',
    2,
    { name: 'My Company (Chicago)', code: 'My Co', lot_stock_id: 28, view_location_id: 27, company_id: 2 },
    'stock.stock_warehouse_shop0',
  );

  put(
    store,
    'mrp.workcenter',
    1,
    {
      name: 'Assembly 1',
      code: false,
      sequence: 1,
      time_efficiency: 100,
      costs_hour: 40,
      default_capacity: 1,
      time_start: 0,
      time_stop: 0,
      resource_calendar_id: 1,
      company_id: 1,
    },
    'mrp.mrp_workcenter_3',
  );
  put(
    store,
    'mrp.workcenter',
    2,
    {
      name: 'Drill 1',
      code: false,
      sequence: 2,
      time_efficiency: 100,
      costs_hour: 0,
      default_capacity: 1,
      time_start: 0,
      time_stop: 0,
      resource_calendar_id: 1,
      company_id: 1,
    },
    'mrp.mrp_workcenter_1',
  );
  put(
    store,
    'mrp.workcenter',
    3,
    {
      name: 'Assembly 2',
      code: false,
      sequence: 3,
      time_efficiency: 100,
      costs_hour: 0,
      default_capacity: 1,
      time_start: 0,
      time_stop: 0,
      resource_calendar_id: 1,
      company_id: 1,
    },
    'mrp.mrp_workcenter_2',
  );

  const lossTypes = ['availability', 'performance', 'quality', 'productive'];
  lossTypes.forEach((lossType, i) => put(store, 'mrp.workcenter.productivity.loss.type', i + 1, { loss_type: lossType }));
  const losses: Array<[number, string, number, boolean, string]> = [
    [1, 'Material Availability', 1, true, 'mrp.block_reason0'],
    [2, 'Equipment Failure', 1, true, 'mrp.block_reason1'],
    [3, 'Setup and Adjustments', 1, true, 'mrp.block_reason2'],
    [4, 'Reduced Speed', 2, false, 'mrp.block_reason4'],
    [5, 'Process Defect', 3, true, 'mrp.block_reason5'],
    [6, 'Reduced Yield', 3, true, 'mrp.block_reason6'],
    [7, 'Fully Productive Time', 4, false, 'mrp.block_reason7'],
  ];
  for (const [id, name, type, manual, xmlid] of losses)
    put(store, 'mrp.workcenter.productivity.loss', id, { name, loss_id: type, manual, sequence: id }, xmlid);

  const journals: Array<[number, string, string, string]> = [
    [1, 'Customer Invoices', 'INV', 'sale'],
    [2, 'Vendor Bills', 'BILL', 'purchase'],
    [3, 'Miscellaneous Operations', 'MISC', 'general'],
    [4, 'Inventory Valuation', 'STJ', 'general'],
  ];
  for (const [id, name, code, type] of journals) put(store, 'account.journal', id, { name, code, type, sequence: id, company_id: 1 });
  const accounts: Array<[number, string, string, string]> = [
    [1, '110100', 'Stock Valuation', 'asset_current'],
    [2, '110200', 'Stock Interim (Received)', 'asset_current'],
    [3, '400000', 'Product Sales', 'income'],
    [4, '600000', 'Expenses', 'expense'],
  ];
  for (const [id, code, name, type] of accounts) put(store, 'account.account', id, { code, name, account_type: type, reconcile: false });

  // a few products with BoMs and stock, created through the ORM (templates follow)
  const product = (code: string, name: string, price: number, storable = true, xmlid?: string) => {
    const id = store.create(
      'product.product',
      { default_code: code, name, standard_price: price, is_storable: storable, type: 'consu' },
      env,
    );
    if (xmlid) seedXmlid(store, xmlid, 'product.product', id);
    return id;
  };
  const desk = product('FURN_7800', 'Desk Combination', 300, true, 'product.product_product_3');
  const table = product('FURN_9666', 'Table', 290, true, 'mrp.product_product_computer_desk');
  const top = product('FURN_8522', 'Table Top', 240, true, 'mrp.product_product_computer_desk_head');
  const leg = product('FURN_2333', 'Table Leg', 10, true, 'mrp.product_product_computer_desk_leg');
  const bolt = product('CONS_89957', 'Bolt', 0.5, false, 'mrp.product_product_computer_desk_bolt');
  const screw = product('CONS_25630', 'Screw', 0.1, false, 'mrp.product_product_computer_desk_screw');
  const panel = product('FURN_7023', 'Wood Panel', 80, true, 'mrp.product_product_wood_panel');
  product('E-COM10', 'Pedal Bin', 47, true, 'product.product_product_9');

  const tmpl = (id: number) => store.get('product.product', id)?.product_tmpl_id;
  store.create(
    'mrp.bom',
    {
      product_tmpl_id: tmpl(table),
      product_qty: 1,
      bom_line_ids: [
        [0, 0, { product_id: top, product_qty: 1 }],
        [0, 0, { product_id: leg, product_qty: 4 }],
        [0, 0, { product_id: bolt, product_qty: 4 }],
        [0, 0, { product_id: screw, product_qty: 10 }],
      ],
    },
    env,
  );
  store.create(
    'mrp.bom',
    { product_tmpl_id: tmpl(top), product_qty: 1, bom_line_ids: [[0, 0, { product_id: panel, product_qty: 2 }]] },
    env,
  );
  const tableBom = store.all('mrp.bom').find((b) => b.product_tmpl_id === tmpl(table))?.id;
  const topBom = store.all('mrp.bom').find((b) => b.product_tmpl_id === tmpl(top))?.id;
  store.create('mrp.routing.workcenter', { name: 'Assembly', bom_id: tableBom, workcenter_id: 1, time_cycle_manual: 60 }, env);
  store.create('mrp.routing.workcenter', { name: 'Manual Assembly', bom_id: topBom, workcenter_id: 1, time_cycle_manual: 60 }, env);

  for (const [productId, qty] of [
    [desk, 60],
    [table, 1],
    [top, 5],
    [leg, 40],
    [panel, 12],
  ] as const) {
    store.create('stock.quant', { product_id: productId, location_id: 8, quantity: qty }, env);
  }
  store.create('stock.quant', { product_id: leg, location_id: 28, quantity: 8 }, env);
  store.create(
    'stock.warehouse.orderpoint',
    { product_id: leg, location_id: 8, warehouse_id: 1, product_min_qty: 5, product_max_qty: 10 },
    env,
  );
}

/** `count` storable products with codes `${prefix}0001`...; returns their ids. */
export function seedProducts(store: Store, count: number, options: { prefix?: string; uomId?: number; price?: number } = {}): number[] {
  const env = SYSTEM_ENV();
  const prefix = options.prefix ?? 'SEED-';
  const ids: number[] = [];
  for (let i = 1; i <= count; i++) {
    ids.push(
      store.create(
        'product.product',
        {
          default_code: `${prefix}${String(i).padStart(4, '0')}`,
          name: `Seeded product ${i}`,
          is_storable: true,
          uom_id: options.uomId ?? 1,
          standard_price: options.price ?? 1,
        },
        env,
      ),
    );
  }
  return ids;
}

/** One quant per product at `locationId`. */
export function seedQuants(store: Store, productIds: number[], locationId: number, quantity: number): number[] {
  const env = SYSTEM_ENV();
  return productIds.map((productId) => store.create('stock.quant', { product_id: productId, location_id: locationId, quantity }, env));
}

/**
 * A lot-tracked product (`tracking lot`) with its lots and their stock: `lots` are
 * [lot name, location id, quantity]; quants get increasing in_date in the order given (FIFO).
 */
export function seedLotStock(
  store: Store,
  product: { code: string; name: string; price?: number },
  lots: ReadonlyArray<readonly [string, number, number]>,
): { productId: number; lotIds: Map<string, number> } {
  const env = SYSTEM_ENV();
  const productId = store.create(
    'product.product',
    { default_code: product.code, name: product.name, is_storable: true, tracking: 'lot', standard_price: product.price ?? 10, uom_id: 1 },
    env,
  );
  const lotIds = new Map<string, number>();
  lots.forEach(([name, locationId, quantity], i) => {
    let lot = lotIds.get(name);
    if (lot === undefined) {
      lot = store.create('stock.lot', { name, product_id: productId }, env);
      lotIds.set(name, lot);
    }
    const inDate = `2026-01-${String(1 + (i % 28)).padStart(2, '0')} 08:00:00`;
    store.create('stock.quant', { product_id: productId, location_id: locationId, lot_id: lot, quantity, in_date: inDate }, env);
  });
  return { productId, lotIds };
}
