/**
 * The models of the test server and their fields, per Odoo version: only what the ETL touches,
 * with the labels, types and required flags of the captures (fields_get 012-016, 083, 087).
 * Odoo 19 differences: no uom.category, units form a tree (relative_uom_id / relative_factor,
 * `factor` = absolute quantity), no product `uom_po_id`, no orderpoint `qty_multiple`,
 * `property_valuation` periodic / real_time. MPS models exist only with `enterprise`.
 */
import { raise, type OdooException } from './exceptions.ts';

export type FieldType =
  | 'char'
  | 'text'
  | 'integer'
  | 'float'
  | 'monetary'
  | 'boolean'
  | 'selection'
  | 'date'
  | 'datetime'
  | 'many2one'
  | 'one2many'
  | 'many2many';

/** A stored record: many2one as id or false, many2many as id lists; one2many are computed. */
export type Rec = { id: number } & Record<string, unknown>;

export interface Env {
  uid: number;
  /** 'YYYY-MM-DD HH:MM:SS' UTC */
  now: string;
  context: Record<string, unknown>;
}

/** What models need from the store to compute values and check constraints. */
export interface StoreView {
  readonly version: 18 | 19;
  get(model: string, id: number): Rec | undefined;
  all(model: string): Rec[];
  display(model: string, id: number): string;
  xmlidToId(xmlid: string): number | undefined;
  /** ir.model.data ids holding this complete name (indexed: load writes thousands) */
  imdIds(completeName: string): number[];
  nextSequence(code: string): number;
}

export interface FieldDef {
  type: FieldType;
  string: string;
  relation?: string;
  /** one2many: the many2one on `relation` that points back */
  inverse?: string;
  required?: boolean;
  readonly?: boolean;
  selection?: Array<[string, string]>;
  help?: string;
  default?: (store: StoreView, env: Env, vals: Record<string, unknown>) => unknown;
  /** computed, not stored */
  compute?: (rec: Rec, store: StoreView) => unknown;
  /** model whose table holds the field (product.product keeps template fields on product.template) */
  owner?: string;
  /** float digits as fields_get tells them ([16, 2]; false: declared without); stored values are
   * rounded to them on write, as Odoo's convert_to_column does. Absent: no `digits` attribute. */
  digits?: [number, number] | false;
  /** one2many (stored): lists the children faster than a scan of the relation (an index, mrp-models.ts) */
  children?: (rec: Rec, store: StoreView) => number[];
  /** company-dependent (ir.property on 17, jsonb per company from 18) */
  companyDependent?: boolean;
}

export interface ModelDef {
  name: string;
  description: string;
  fields: Record<string, FieldDef>;
  order: string;
  display?: (rec: Rec, store: StoreView) => string;
  /** checked after every create / write (Python constraints, SQL constraints) */
  constraints?: Array<(rec: Rec, store: StoreView) => OdooException | undefined>;
  /** extra records to write when a record is created (product.template for a product.product) */
  onCreate?: (rec: Rec, store: StoreView, env: Env) => void;
  /** side effects after every create / write of a record (e.g. purchase.ts: a line's date on its moves) */
  afterWrite?: (store: HookStore, rec: Rec, vals: Record<string, unknown>, env: Env, created: boolean) => void;
}

/** What an afterWrite hook may do: write through the ORM, or patch stored values (journaled). */
export interface HookStore extends StoreView {
  write(model: string, ids: number[], input: Record<string, unknown>, env: Env): void;
  patch(model: string, id: number, changes: Record<string, unknown>): void;
}

// ---- field builders -----------------------------------------------------------------------------

type Extra = Partial<FieldDef>;
const f = {
  char: (string: string, extra: Extra = {}): FieldDef => ({ type: 'char', string, ...extra }),
  text: (string: string, extra: Extra = {}): FieldDef => ({ type: 'text', string, ...extra }),
  int: (string: string, extra: Extra = {}): FieldDef => ({ type: 'integer', string, ...extra }),
  float: (string: string, extra: Extra = {}): FieldDef => ({ type: 'float', string, ...extra }),
  money: (string: string, extra: Extra = {}): FieldDef => ({ type: 'monetary', string, ...extra }),
  bool: (string: string, extra: Extra = {}): FieldDef => ({ type: 'boolean', string, ...extra }),
  date: (string: string, extra: Extra = {}): FieldDef => ({ type: 'date', string, ...extra }),
  datetime: (string: string, extra: Extra = {}): FieldDef => ({ type: 'datetime', string, ...extra }),
  sel: (string: string, selection: Array<[string, string]>, extra: Extra = {}): FieldDef => ({
    type: 'selection',
    string,
    selection,
    ...extra,
  }),
  m2o: (relation: string, string: string, extra: Extra = {}): FieldDef => ({ type: 'many2one', relation, string, ...extra }),
  o2m: (relation: string, inverse: string, string: string, extra: Extra = {}): FieldDef => ({
    type: 'one2many',
    relation,
    inverse,
    string,
    ...extra,
  }),
  m2m: (relation: string, string: string, extra: Extra = {}): FieldDef => ({ type: 'many2many', relation, string, ...extra }),
};

const always = (value: unknown) => (): unknown => value;
const company1 = always(1);
const TRUE = always(true);

function idOf(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined;
}

function commonFields(): Record<string, FieldDef> {
  return {
    id: f.int('ID', { readonly: true }),
    display_name: f.char('Display Name', { readonly: true }),
    create_uid: f.m2o('res.users', 'Created by', { readonly: true }),
    create_date: f.datetime('Created on', { readonly: true }),
    write_uid: f.m2o('res.users', 'Last Updated by', { readonly: true }),
    write_date: f.datetime('Last Updated on', { readonly: true }),
  };
}

// ---- display names ------------------------------------------------------------------------------

const codeAndName = (rec: Rec) => (rec.default_code ? `[${String(rec.default_code)}] ${String(rec.name ?? '')}` : String(rec.name ?? ''));

/** A variant: "[code] Template (value, value)" (product.product _compute_display_name). */
function variantName(rec: Rec, store: StoreView): string {
  const values = (Array.isArray(rec.product_template_attribute_value_ids) ? (rec.product_template_attribute_value_ids as number[]) : [])
    .map((id) => store.get('product.template.attribute.value', id)?.name)
    .filter((name): name is string => typeof name === 'string');
  return values.length ? `${codeAndName(rec)} (${values.join(', ')})` : codeAndName(rec);
}

/** Odoo: a view location is named alone, any other one after its parent ("WH/Stock/Shelf 1"). */
function locationName(rec: Rec, store: StoreView, depth = 0): string {
  const parent = idOf(rec.location_id);
  const up = parent !== undefined ? store.get('stock.location', parent) : undefined;
  if (!up || rec.usage === 'view' || depth > 20) return String(rec.name ?? '');
  return `${locationName(up, store, depth + 1)}/${String(rec.name ?? '')}`;
}

function categoryName(rec: Rec, store: StoreView): string {
  const parent = idOf(rec.parent_id);
  return parent
    ? `${categoryName(store.get('product.category', parent) ?? { id: 0 }, store)} / ${String(rec.name ?? '')}`
    : String(rec.name ?? '');
}

function uomAbsolute(rec: Rec, store: StoreView): number {
  let factor = Number(rec.relative_factor ?? 1);
  let parent = idOf(rec.relative_uom_id);
  for (let guard = 0; parent !== undefined && guard < 20; guard++) {
    const up = store.get('uom.uom', parent);
    if (!up) break;
    factor *= Number(up.relative_factor ?? 1);
    parent = idOf(up.relative_uom_id);
  }
  return factor;
}

function productUom(store: StoreView, productId: unknown): number | false {
  const product = idOf(productId) ? store.get('product.product', productId as number) : undefined;
  return idOf(product?.uom_id) ?? false;
}

function onHand(rec: Rec, store: StoreView): number {
  return store
    .all('stock.quant')
    .filter((q) => q.product_id === rec.id && store.get('stock.location', idOf(q.location_id) ?? 0)?.usage === 'internal')
    .reduce((sum, q) => sum + Number(q.quantity ?? 0), 0);
}

function svlSum(rec: Rec, store: StoreView, field: 'quantity' | 'value'): number {
  return store
    .all('stock.valuation.layer')
    .filter((l) => l.product_id === rec.id)
    .reduce((sum, l) => sum + Number(l[field] ?? 0), 0);
}

function avgCost18(rec: Rec, store: StoreView): number {
  const qty = svlSum(rec, store, 'quantity');
  return qty ? svlSum(rec, store, 'value') / qty : 0;
}

// ---- the registry -------------------------------------------------------------------------------

/** Models defined in their own files (purchase-models.ts), registered by the Store. */
export interface ModelExtension {
  models(v19: boolean): Array<Omit<ModelDef, 'fields' | 'order'> & { order?: string; fields: Record<string, FieldDef> }>;
  /** changes to models defined here (fields added or replaced, constraints, hooks), per model */
  extend(v19: boolean): Record<string, (def: ModelDef) => void>;
}

export interface ModelOptions {
  version: 18 | 19;
  enterprise: boolean;
  extensions?: readonly ModelExtension[];
}

export function buildModels({ version, enterprise, extensions = [] }: ModelOptions): Map<string, ModelDef> {
  const v19 = version >= 19;
  const models: ModelDef[] = [];
  const add = (def: Omit<ModelDef, 'order'> & { order?: string }) =>
    models.push({ order: 'id', ...def, fields: { ...commonFields(), ...def.fields } });

  add({
    name: 'res.currency',
    description: 'Currency',
    order: 'active desc, name',
    fields: {
      name: f.char('Currency', { required: true }),
      symbol: f.char('Symbol', { required: true }),
      rounding: f.float('Rounding Factor', { default: always(0.01) }),
      decimal_places: f.int('Decimal Places', {
        readonly: true,
        compute: (rec) => Math.max(0, Math.ceil(-Math.log10(Number(rec.rounding) || 0.01))),
      }),
      position: f.sel(
        'Symbol Position',
        [
          ['after', 'After Amount'],
          ['before', 'Before Amount'],
        ],
        { default: always('after') },
      ),
      active: f.bool('Active', { default: TRUE }),
    },
  });
  add({
    name: 'res.company',
    description: 'Companies',
    fields: {
      name: f.char('Company Name', { required: true }),
      active: f.bool('Active', { default: TRUE }),
      // 004: every demo company is in USD (res.currency 1)
      currency_id: f.m2o('res.currency', 'Currency', { required: true, default: company1 }),
    },
  });
  add({
    name: 'decimal.precision',
    description: 'Decimal Precision',
    fields: { name: f.char('Usage', { required: true }), digits: f.int('Digits', { required: true, default: always(2) }) },
  });
  add({
    name: 'res.partner',
    description: 'Contact',
    fields: { name: f.char('Name'), active: f.bool('Active', { default: TRUE }), company_id: f.m2o('res.company', 'Company') },
  });
  add({
    name: 'res.users',
    description: 'User',
    fields: {
      name: f.char('Name', { required: true }),
      login: f.char('Login', { required: true }),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
      company_ids: f.m2m('res.company', 'Companies'),
      tz: f.sel('Timezone', [
        ['Europe/Brussels', 'Europe/Brussels'],
        ['UTC', 'UTC'],
      ]),
      lang: f.sel('Language', [['en_US', 'English (US)']]),
      share: f.bool('Share User'),
      active: f.bool('Active', { default: TRUE }),
    },
  });
  add({
    name: 'resource.calendar',
    description: 'Resource Working Time',
    fields: { name: f.char('Name', { required: true }), tz: f.char('Timezone') },
  });
  add({
    name: 'stock.route',
    description: 'Inventory Routes',
    fields: { name: f.char('Route', { required: true }), active: f.bool('Active', { default: TRUE }) },
  });
  add({
    name: 'stock.lot',
    description: 'Lot/Serial',
    fields: { name: f.char('Lot/Serial Number', { required: true }), product_id: f.m2o('product.product', 'Product', { required: true }) },
  });

  if (!v19)
    add({
      name: 'uom.category',
      description: 'Product UoM Categories',
      fields: { name: f.char('Unit of Measure Category', { required: true }) },
    });
  add({
    name: 'uom.uom',
    description: v19 ? 'Product Unit of Measure' : 'Product Unit of Measure',
    order: v19 ? 'sequence, id' : 'factor DESC, id',
    fields: v19
      ? {
          name: f.char('Unit Name', { required: true }),
          sequence: f.int('Sequence', { default: always(100) }),
          relative_factor: f.float('Contains', {
            required: true,
            default: always(1),
            help: 'How much bigger or smaller this unit is compared to the reference UoM for this unit',
          }),
          rounding: f.float('Rounding Precision', { readonly: true, default: always(0.01) }),
          active: f.bool('Active', { default: TRUE, help: 'Uncheck the active field to disable a unit of measure without deleting it.' }),
          relative_uom_id: f.m2o('uom.uom', 'Reference Unit'),
          related_uom_ids: f.o2m('uom.uom', 'relative_uom_id', 'Related UoMs'),
          factor: f.float('Absolute Quantity', { readonly: true, compute: uomAbsolute }),
          parent_path: f.char('Parent Path'),
        }
      : {
          name: f.char('Unit of Measure', { required: true }),
          category_id: f.m2o('uom.category', 'Category', { required: true }),
          uom_type: f.sel(
            'Type',
            [
              ['bigger', 'Bigger than the reference Unit of Measure'],
              ['reference', 'Reference Unit of Measure for this category'],
              ['smaller', 'Smaller than the reference Unit of Measure'],
            ],
            { required: true, default: always('reference') },
          ),
          factor: f.float('Ratio', { required: true, default: always(1) }),
          factor_inv: f.float('Bigger Ratio', { readonly: true, compute: (rec) => (Number(rec.factor) ? 1 / Number(rec.factor) : 0) }),
          rounding: f.float('Rounding Precision', { required: true, default: always(0.01) }),
          active: f.bool('Active', { default: TRUE }),
        },
  });

  const valuation: Array<[string, string]> = v19
    ? [
        ['periodic', 'Periodic (at closing)'],
        ['real_time', 'Perpetual (at invoicing)'],
      ]
    : [
        ['manual_periodic', 'Manual'],
        ['real_time', 'Automated'],
      ];
  const costMethods: Array<[string, string]> = [
    ['standard', 'Standard Price'],
    ['fifo', 'First In First Out (FIFO)'],
    ['average', 'Average Cost (AVCO)'],
  ];
  add({
    name: 'product.category',
    description: 'Product Category',
    order: 'complete_name, id',
    display: categoryName,
    fields: {
      name: f.char('Name', { required: true }),
      complete_name: f.char('Complete Name', { compute: categoryName }),
      parent_id: f.m2o('product.category', 'Parent Category'),
      property_cost_method: f.sel('Costing Method', costMethods, { default: always('standard') }),
      property_valuation: f.sel('Inventory Valuation', valuation, { default: always(v19 ? 'periodic' : 'manual_periodic') }),
    },
  });

  const unitLabel = v19 ? 'Unit' : 'Unit of Measure';
  const defaultUom = (store: StoreView) => store.xmlidToId('uom.product_uom_unit') ?? 1;
  // the fields a product.product shares with its template (stored on both here, mirrored on write)
  const templateFields = (owner: string | undefined): Record<string, FieldDef> => ({
    name: f.char('Name', { required: true, owner }),
    type: f.sel(
      'Product Type',
      [
        ['consu', 'Goods'],
        ['service', 'Service'],
        ['combo', 'Combo'],
      ],
      { required: true, default: always('consu'), owner },
    ),
    is_storable: f.bool('Track Inventory', { owner }),
    uom_id: f.m2o('uom.uom', unitLabel, { required: true, default: defaultUom, owner }),
    ...(v19
      ? { uom_ids: f.m2m('uom.uom', 'Packagings', { owner }) }
      : {
          uom_po_id: f.m2o('uom.uom', 'Purchase Unit', {
            required: true,
            default: (store, _env, vals) => vals.uom_id ?? defaultUom(store),
            owner,
          }),
        }),
    categ_id: f.m2o('product.category', 'Product Category', { required: !v19, default: always(1), owner }),
    // 18: digits 'Product Price' (2 in the demo), rounded on write; 19: min_display_digits only,
    // fields_get digits false, stored unrounded (valuation captures 007, 045-049 / 054-058)
    standard_price: f.float('Cost', { owner, companyDependent: true, digits: v19 ? false : [16, 2] }),
    list_price: f.float('Sales Price', { default: always(1), owner }),
    sale_ok: f.bool('Sales', { default: TRUE, owner }),
    purchase_ok: f.bool('Purchase', { default: TRUE, owner }),
    tracking: f.sel(
      'Tracking',
      [
        ['serial', 'By Unique Serial Number'],
        ['lot', 'By Lots'],
        ['none', 'By Quantity'],
      ],
      { required: true, default: always('none'), owner },
    ),
    description: f.text('Description', { owner }),
    company_id: f.m2o('res.company', 'Company', { owner }),
  });
  const costMethod = (rec: Rec, store: StoreView) => store.get('product.category', idOf(rec.categ_id) ?? 0)?.property_cost_method ?? false;
  const valuationOf = (rec: Rec, store: StoreView) => store.get('product.category', idOf(rec.categ_id) ?? 0)?.property_valuation ?? false;

  add({
    name: 'product.template',
    description: 'Product',
    order: 'is_favorite desc, name, id',
    display: codeAndName,
    fields: {
      ...templateFields(undefined),
      default_code: f.char('Internal Reference'),
      active: f.bool('Active', { default: TRUE }),
      product_variant_ids: f.o2m('product.product', 'product_tmpl_id', 'Products'),
      bom_ids: f.o2m('mrp.bom', 'product_tmpl_id', 'Bill of Materials'),
      cost_method: f.sel('Cost Method', costMethods, { readonly: true, compute: costMethod }),
      valuation: f.sel('Valuation', valuation, { readonly: true, compute: valuationOf }),
    },
  });
  add({
    name: 'product.template.attribute.value',
    description: 'Product Template Attribute Value',
    fields: { name: f.char('Value', { required: true }), product_tmpl_id: f.m2o('product.template', 'Product Template') },
  });
  add({
    name: 'product.product',
    description: 'Product Variant',
    order: 'default_code, name, id',
    display: variantName,
    fields: {
      ...templateFields('product.template'),
      product_template_attribute_value_ids: f.m2m('product.template.attribute.value', 'Attribute Values'),
      product_tmpl_id: f.m2o('product.template', 'Product Template', { required: true }),
      default_code: f.char('Internal Reference'),
      barcode: f.char('Barcode'),
      active: f.bool('Active', { default: TRUE }),
      bom_ids: f.o2m('mrp.bom', 'product_id', 'BOM Product Variants', {
        compute: (rec, store) =>
          store
            .all('mrp.bom')
            .filter(
              (bom) =>
                bom.active !== false && (bom.product_id === rec.id || (!bom.product_id && bom.product_tmpl_id === rec.product_tmpl_id)),
            )
            .map((bom) => bom.id),
      }),
      bom_count: f.int('# Bill of Material', {
        compute: (rec, store) =>
          store
            .all('mrp.bom')
            .filter((bom) => bom.product_id === rec.id || (!bom.product_id && bom.product_tmpl_id === rec.product_tmpl_id)).length,
      }),
      cost_method: f.sel('Cost Method', costMethods, { readonly: true, compute: costMethod }),
      valuation: f.sel('Valuation', valuation, { readonly: true, compute: valuationOf }),
      qty_available: f.float('Quantity On Hand', { readonly: true, digits: [16, 2], compute: (rec, store) => onHand(rec, store) }),
      // valuation (stock_account): 18 values stock by its layers, 19 live (valuation captures 007, 012, 014)
      ...(v19
        ? {
            avg_cost: f.money('Average Cost', { readonly: true, compute: (rec) => Number(rec.standard_price ?? 0) }),
            // standard cost: price × quantity on hand, read live (_compute_value)
            total_value: f.money('Total Value', {
              readonly: true,
              compute: (rec, store) => Math.round(Number(rec.standard_price ?? 0) * onHand(rec, store) * 100) / 100,
            }),
            company_currency_id: f.m2o('res.currency', 'Valuation Currency', { readonly: true, compute: always(1) }),
          }
        : {
            quantity_svl: f.float('Quantity Svl', { readonly: true, compute: (rec, store) => svlSum(rec, store, 'quantity') }),
            value_svl: f.float('Value Svl', { readonly: true, compute: (rec, store) => svlSum(rec, store, 'value') }),
            avg_cost: f.money('Average Cost', { readonly: true, compute: (rec, store) => avgCost18(rec, store) }),
            // avg_cost × qty_available: quants without layers count at the layers' average (0 without any)
            total_value: f.money('Total Value', {
              readonly: true,
              compute: (rec, store) => Math.round(avgCost18(rec, store) * onHand(rec, store) * 100) / 100,
            }),
          }),
    },
  });

  if (v19) {
    // the price history of 19 (008): for a product row `value` is the new unit price, currency-rounded
    add({
      name: 'product.value',
      description: 'Product Value',
      order: 'date, id',
      fields: {
        product_id: f.m2o('product.product', 'Product'),
        lot_id: f.m2o('stock.lot', 'Lot'),
        move_id: f.m2o('stock.move', 'Move'), // stock.move is not modelled here: always false
        value: f.money('Value', { required: true }),
        company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
        currency_id: f.m2o('res.currency', 'Currency', {
          readonly: true,
          compute: (rec, store) => idOf(store.get('res.company', idOf(rec.company_id) ?? 0)?.currency_id) ?? false,
        }),
        date: f.datetime('Date', { required: true, default: (_s, env) => env.now }),
        user_id: f.m2o('res.users', 'User', { required: true, default: (_s, env) => env.uid }),
        description: f.char('Description'),
      },
    });
  } else {
    // 18's valuation layers (008): a price change adds one with quantity 0 and the value change
    add({
      name: 'stock.valuation.layer',
      description: 'Stock Valuation Layer',
      order: 'create_date, id',
      fields: {
        company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
        product_id: f.m2o('product.product', 'Product', { required: true }),
        quantity: f.float('Quantity', { digits: [16, 2] }),
        unit_cost: f.float('Unit Value', { digits: [16, 2] }),
        value: f.money('Total Value'),
        remaining_qty: f.float('Remaining Qty', { digits: [16, 2] }),
        remaining_value: f.money('Remaining Value'),
        description: f.char('Description'),
        account_move_id: f.m2o('account.move', 'Journal Entry'),
      },
    });
  }

  add({
    name: 'stock.warehouse',
    description: 'Warehouse',
    fields: {
      name: f.char('Warehouse', { required: true }),
      code: f.char('Short Name', { required: true }),
      lot_stock_id: f.m2o('stock.location', 'Location Stock', { required: true }),
      view_location_id: f.m2o('stock.location', 'View Location'),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
      active: f.bool('Active', { default: TRUE }),
    },
  });
  add({
    name: 'stock.location',
    description: 'Inventory Locations',
    order: 'complete_name, id',
    display: (rec, store) => locationName(rec, store),
    fields: {
      name: f.char('Location Name', { required: true }),
      complete_name: f.char('Full Location Name', { compute: (rec, store) => locationName(rec, store) }),
      usage: f.sel(
        'Location Type',
        [
          ['supplier', 'Vendor'],
          ['view', 'Virtual'],
          ['internal', 'Internal'],
          ['customer', 'Customer'],
          ['inventory', 'Inventory Loss'],
          ['production', 'Production'],
          ['transit', 'Transit'],
        ],
        { required: true, default: always('internal') },
      ),
      location_id: f.m2o('stock.location', 'Parent Location'),
      // Odoo computes it from the parent's view location (121: WH/Quarantine reads warehouse WH)
      warehouse_id: f.m2o('stock.warehouse', 'Warehouse', {
        default: (store, _env, vals) => idOf(store.get('stock.location', idOf(vals.location_id) ?? 0)?.warehouse_id) ?? false,
      }),
      company_id: f.m2o('res.company', 'Company', {
        default: (store, _env, vals) => idOf(store.get('stock.location', idOf(vals.location_id) ?? 0)?.company_id) ?? false,
      }),
      active: f.bool('Active', { default: TRUE }),
    },
  });
  add({
    name: 'stock.quant',
    description: 'Quants',
    display: (rec, store) =>
      `${store.display('product.product', idOf(rec.product_id) ?? 0)} - ${store.display('stock.location', idOf(rec.location_id) ?? 0)}`,
    fields: {
      product_id: f.m2o('product.product', 'Product', { required: true }),
      location_id: f.m2o('stock.location', 'Location', { required: true }),
      lot_id: f.m2o('stock.lot', 'Lot/Serial Number'),
      quantity: f.float('Quantity'),
      reserved_quantity: f.float('Reserved Quantity'),
      inventory_quantity: f.float('Counted Quantity'),
      inventory_diff_quantity: f.float('Difference'),
      inventory_quantity_set: f.bool('Inventory Quantity Set'),
      is_outdated: f.bool('Quantity has been moved since last count', {
        readonly: true,
        compute: (rec) =>
          Boolean(rec.inventory_quantity_set) &&
          Number(rec.inventory_quantity ?? 0) - Number(rec.quantity ?? 0) !== Number(rec.inventory_diff_quantity ?? 0),
      }),
      product_uom_id: f.m2o('uom.uom', unitLabel, { readonly: true, compute: (rec, store) => productUom(store, rec.product_id) }),
      in_date: f.datetime('Incoming Date', { default: (_s, env) => env.now }),
      inventory_date: f.date('Scheduled Date'),
      company_id: f.m2o('res.company', 'Company', {
        readonly: true,
        compute: (rec, store) => idOf(store.get('stock.location', idOf(rec.location_id) ?? 0)?.company_id) ?? false,
      }),
    },
  });

  // transfers (execution captures 125-156 / 120-151): picking types, pickings, moves, move lines
  const pickingStates: Array<[string, string]> = [
    ['draft', 'Draft'],
    ['waiting', 'Waiting Another Operation'],
    ['confirmed', 'Waiting'],
    ['assigned', 'Ready'],
    ['done', 'Done'],
    ['cancel', 'Cancelled'],
  ];
  const moveStates: Array<[string, string]> = [
    ['draft', 'New'],
    ['waiting', 'Waiting Another Move'],
    ['confirmed', 'Waiting Availability'],
    ['partially_available', 'Partially Available'],
    ['assigned', 'Available'],
    ['done', 'Done'],
    ['cancel', 'Cancelled'],
  ];
  add({
    name: 'stock.picking.type',
    description: 'Picking Type',
    order: 'sequence, id',
    display: (rec, store) => `${store.display('stock.warehouse', idOf(rec.warehouse_id) ?? 0)}: ${String(rec.name ?? '')}`,
    fields: {
      name: f.char('Operation Type', { required: true }),
      code: f.sel(
        'Type of Operation',
        [
          ['incoming', 'Receipt'],
          ['outgoing', 'Delivery'],
          ['internal', 'Internal Transfer'],
          ['mrp_operation', 'Manufacturing'],
        ],
        { required: true },
      ),
      sequence_code: f.char('Sequence Prefix', { required: true }),
      sequence: f.int('Sequence'),
      warehouse_id: f.m2o('stock.warehouse', 'Warehouse'),
      default_location_src_id: f.m2o('stock.location', 'Default Source Location'),
      default_location_dest_id: f.m2o('stock.location', 'Default Destination Location'),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
      active: f.bool('Active', { default: TRUE }),
    },
  });
  const pickingType = (store: StoreView, vals: Record<string, unknown>) => store.get('stock.picking.type', idOf(vals.picking_type_id) ?? 0);
  add({
    name: 'stock.picking',
    description: 'Transfer',
    order: 'priority desc, scheduled_date asc, id desc',
    fields: {
      name: f.char('Reference', {
        default: (store, _env, vals) => {
          const type = pickingType(store, vals);
          const wh = store.get('stock.warehouse', idOf(type?.warehouse_id) ?? 0);
          const code = String(type?.sequence_code ?? 'INT');
          return `${wh ? `${String(wh.code)}/` : ''}${code}/${String(store.nextSequence(`stock.picking.${type?.id ?? 0}`)).padStart(5, '0')}`;
        },
      }),
      origin: f.char('Source Document'),
      picking_type_id: f.m2o('stock.picking.type', 'Operation Type', { required: true }),
      location_id: f.m2o('stock.location', 'Source Location', {
        required: true,
        default: (store, _env, vals) => idOf(pickingType(store, vals)?.default_location_src_id) ?? false,
      }),
      location_dest_id: f.m2o('stock.location', 'Destination Location', {
        required: true,
        default: (store, _env, vals) => idOf(pickingType(store, vals)?.default_location_dest_id) ?? false,
      }),
      partner_id: f.m2o('res.partner', 'Contact'),
      state: f.sel('Status', pickingStates, { default: always('draft') }),
      priority: f.sel(
        'Priority',
        [
          ['0', 'Normal'],
          ['1', 'Urgent'],
        ],
        { default: always('0') },
      ),
      scheduled_date: f.datetime('Scheduled Date', { default: (_s, env) => env.now }),
      date_done: f.datetime('Date of Transfer'),
      backorder_id: f.m2o('stock.picking', 'Back Order of'),
      move_ids: f.o2m('stock.move', 'picking_id', 'Stock Moves'),
      move_line_ids: f.o2m('stock.move.line', 'picking_id', 'Operations'),
      products_availability: f.char('Product Availability', {
        readonly: true,
        compute: (rec, store) => {
          if (rec.state === 'done' || rec.state === 'cancel' || rec.state === 'draft') return false;
          const moves = store.all('stock.move').filter((m) => m.picking_id === rec.id);
          // a picking with anything reserved reads Available (147: 70 of 100 and still 'Available')
          return rec.state === 'assigned' || moves.every((m) => m.state === 'assigned') ? 'Available' : 'Not Available';
        },
      }),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
    },
  });
  add({
    name: 'stock.move',
    description: 'Stock Move',
    order: 'sequence, id',
    display: (rec, store) =>
      `${String(rec.reference || '')}/${String(store.get('product.product', idOf(rec.product_id) ?? 0)?.default_code ?? '')}`.replace(
        /^\//,
        '',
      ),
    fields: {
      // 19 creates moves without a name (123); 18 needs one (128)
      ...(v19 ? {} : { name: f.char('Description', { required: true }) }),
      reference: f.char('Reference', {
        readonly: true,
        compute: (rec, store) => (idOf(rec.picking_id) ? String(store.get('stock.picking', rec.picking_id as number)?.name ?? '') : false),
      }),
      sequence: f.int('Sequence', { default: always(10) }),
      product_id: f.m2o('product.product', 'Product', { required: true }),
      product_uom_qty: f.float('Demand', { required: true, default: always(1), digits: [16, 2] }),
      product_uom: f.m2o('uom.uom', unitLabel, {
        required: true,
        default: (store, _env, vals) => productUom(store, vals.product_id) || defaultUom(store),
      }),
      quantity: f.float('Quantity', {
        readonly: true,
        digits: [16, 2],
        compute: (rec, store) =>
          store
            .all('stock.move.line')
            .filter((l) => l.move_id === rec.id)
            .reduce((sum, l) => sum + Number(l.quantity ?? 0), 0),
      }),
      location_id: f.m2o('stock.location', 'Source Location', { required: true }),
      location_dest_id: f.m2o('stock.location', 'Destination Location', { required: true }),
      picking_id: f.m2o('stock.picking', 'Transfer'),
      raw_material_production_id: f.m2o('mrp.production', 'Production Order for components'),
      state: f.sel('Status', moveStates, { default: always('draft') }),
      picked: f.bool('Picked'),
      origin: f.char('Source Document'),
      move_line_ids: f.o2m('stock.move.line', 'move_id', 'Operations'),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
    },
  });
  add({
    name: 'stock.move.line',
    description: 'Product Moves (Stock Move Line)',
    order: 'result_package_id desc, id',
    fields: {
      move_id: f.m2o('stock.move', 'Stock Operation'),
      picking_id: f.m2o('stock.picking', 'Transfer', {
        default: (store, _env, vals) => idOf(store.get('stock.move', idOf(vals.move_id) ?? 0)?.picking_id) ?? false,
      }),
      product_id: f.m2o('product.product', 'Product', {
        default: (store, _env, vals) => idOf(store.get('stock.move', idOf(vals.move_id) ?? 0)?.product_id) ?? false,
      }),
      product_uom_id: f.m2o('uom.uom', unitLabel, {
        default: (store, _env, vals) => productUom(store, vals.product_id) || defaultUom(store),
      }),
      lot_id: f.m2o('stock.lot', 'Lot/Serial Number'),
      lot_name: f.char('Lot/Serial Number Name'),
      quantity: f.float('Quantity', { digits: [16, 2] }),
      location_id: f.m2o('stock.location', 'From', { required: true }),
      location_dest_id: f.m2o('stock.location', 'To', { required: true }),
      picked: f.bool('Picked'),
      reference: f.char('Reference', {
        readonly: true,
        compute: (rec, store) => (idOf(rec.picking_id) ? String(store.get('stock.picking', rec.picking_id as number)?.name ?? '') : false),
      }),
      state: f.sel('Status', moveStates, {
        readonly: true,
        compute: (rec, store) => store.get('stock.move', idOf(rec.move_id) ?? 0)?.state ?? 'draft',
      }),
      date: f.datetime('Date', { default: (_s, env) => env.now }),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
    },
  });
  add({
    name: 'stock.backorder.confirmation',
    description: 'Backorder Confirmation',
    fields: {
      pick_ids: f.m2m('stock.picking', 'Pick', {
        default: (_s, env) => {
          const ids = env.context.button_validate_picking_ids;
          return Array.isArray(ids) ? ids : [];
        },
      }),
    },
  });

  add({
    name: 'mrp.bom',
    description: 'Bill of Material',
    order: 'sequence, id',
    display: (rec, store) =>
      `${rec.code ? `${String(rec.code)}: ` : ''}${store.display('product.template', idOf(rec.product_tmpl_id) ?? 0)}`,
    fields: {
      code: f.char('Reference'),
      active: f.bool('Active', { default: TRUE }),
      type: f.sel(
        'BoM Type',
        [
          ['normal', 'Manufacture this product'],
          ['phantom', 'Kit'],
        ],
        { required: true, default: always('normal') },
      ),
      product_tmpl_id: f.m2o('product.template', 'Product', { required: true }),
      product_id: f.m2o('product.product', 'Product Variant'),
      bom_line_ids: f.o2m('mrp.bom.line', 'bom_id', 'BoM Lines'),
      product_qty: f.float('Quantity', { required: true, default: always(1) }),
      product_uom_id: f.m2o('uom.uom', unitLabel, { required: true, default: defaultUom }),
      sequence: f.int('Sequence'),
      operation_ids: f.o2m('mrp.routing.workcenter', 'bom_id', 'Operations'),
      company_id: f.m2o('res.company', 'Company', { default: company1 }),
    },
  });
  add({
    name: 'mrp.bom.line',
    description: 'Bill of Material Line',
    order: 'sequence, id',
    display: (rec, store) => store.display('product.product', idOf(rec.product_id) ?? 0),
    fields: {
      product_id: f.m2o('product.product', 'Component', { required: true }),
      product_tmpl_id: f.m2o('product.template', 'Product Template', {
        readonly: true,
        compute: (rec, store) => idOf(store.get('product.product', idOf(rec.product_id) ?? 0)?.product_tmpl_id) ?? false,
      }),
      company_id: f.m2o('res.company', 'Company', {
        readonly: true,
        compute: (rec, store) => idOf(store.get('mrp.bom', idOf(rec.bom_id) ?? 0)?.company_id) ?? false,
      }),
      product_qty: f.float('Quantity', { required: true, default: always(1) }),
      product_uom_id: f.m2o('uom.uom', unitLabel, {
        required: true,
        default: (store, _env, vals) => productUom(store, vals.product_id) || defaultUom(store),
      }),
      sequence: f.int('Sequence', { default: always(1) }),
      bom_id: f.m2o('mrp.bom', 'Parent BoM', { required: true }),
      operation_id: f.m2o('mrp.routing.workcenter', 'Consumed in Operation'),
      child_bom_id: f.m2o('mrp.bom', 'Sub BoM', {
        readonly: true,
        compute: (rec, store) => {
          const product = store.get('product.product', idOf(rec.product_id) ?? 0);
          const bom = store
            .all('mrp.bom')
            .find(
              (b) =>
                b.active !== false && (b.product_id === product?.id || (!b.product_id && b.product_tmpl_id === product?.product_tmpl_id)),
            );
          return bom?.id ?? false;
        },
      }),
    },
  });
  add({
    name: 'mrp.workcenter',
    description: 'Work Center',
    order: 'sequence, id',
    fields: {
      name: f.char('Work Center', { required: true }),
      code: f.char('Code'),
      active: f.bool('Active', { default: TRUE }),
      sequence: f.int('Sequence', { default: always(1) }),
      time_efficiency: f.float('Time Efficiency', { default: always(100) }),
      costs_hour: f.float('Cost per hour', { default: always(0) }),
      default_capacity: f.float('Capacity', { default: always(1) }),
      time_start: f.float('Setup Time'),
      time_stop: f.float('Cleanup Time'),
      resource_calendar_id: f.m2o('resource.calendar', 'Working Hours', { default: always(1) }),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
    },
  });
  add({
    name: 'mrp.routing.workcenter',
    description: 'Work Center Usage',
    order: 'bom_id, sequence, id',
    fields: {
      name: f.char('Operation', { required: true }),
      active: f.bool('Active', { default: TRUE }),
      workcenter_id: f.m2o('mrp.workcenter', 'Work Center', { required: true }),
      sequence: f.int('Sequence', { default: always(100) }),
      bom_id: f.m2o('mrp.bom', 'Bill of Material', { required: true }),
      company_id: f.m2o('res.company', 'Company', {
        readonly: true,
        compute: (rec, store) => idOf(store.get('mrp.bom', idOf(rec.bom_id) ?? 0)?.company_id) ?? false,
      }),
      time_mode: f.sel(
        'Duration Computation',
        [
          ['auto', 'Compute based on tracked time'],
          ['manual', 'Set duration manually'],
        ],
        { default: always('manual') },
      ),
      time_mode_batch: f.int('Based on', { default: always(10) }),
      time_cycle_manual: f.float('Manual Duration', { default: always(60) }),
      time_cycle: f.float('Duration', { readonly: true, compute: (rec) => Number(rec.time_cycle_manual ?? 0) }),
    },
  });
  const lossTypes: Array<[string, string]> = [
    ['availability', 'Availability'],
    ['performance', 'Performance'],
    ['quality', 'Quality'],
    ['productive', 'Productive'],
  ];
  add({
    name: 'mrp.workcenter.productivity.loss.type',
    description: 'MRP Workorder productivity losses',
    display: (rec) => lossTypes.find(([value]) => value === rec.loss_type)?.[1] ?? String(rec.loss_type),
    fields: { loss_type: f.sel('Category', lossTypes, { required: true, default: always('availability') }) },
  });
  add({
    name: 'mrp.workcenter.productivity.loss',
    description: 'Workcenter Productivity Losses',
    order: 'sequence, id',
    fields: {
      name: f.char('Blocking Reason', { required: true }),
      sequence: f.int('Sequence', { default: always(1) }),
      manual: f.bool('Is a Blocking Reason', { default: TRUE }),
      loss_id: f.m2o('mrp.workcenter.productivity.loss.type', 'Category', { required: true }),
      loss_type: f.sel('Effectiveness Category', lossTypes, {
        readonly: true,
        compute: (rec, store) => store.get('mrp.workcenter.productivity.loss.type', idOf(rec.loss_id) ?? 0)?.loss_type ?? false,
      }),
    },
  });
  add({
    name: 'mrp.workcenter.productivity',
    description: 'Workcenter Productivity Log',
    order: 'id desc',
    display: (rec, store) => store.display('mrp.workcenter.productivity.loss', idOf(rec.loss_id) ?? 0),
    fields: {
      workcenter_id: f.m2o('mrp.workcenter', 'Work Center', { required: true }),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
      user_id: f.m2o('res.users', 'User', { default: (_s, env) => env.uid }),
      loss_id: f.m2o('mrp.workcenter.productivity.loss', 'Loss Reason', { required: true }),
      loss_type: f.sel('Effectiveness', lossTypes, {
        readonly: true,
        compute: (rec, store) => {
          const loss = store.get('mrp.workcenter.productivity.loss', idOf(rec.loss_id) ?? 0);
          return loss ? (store.get('mrp.workcenter.productivity.loss.type', idOf(loss.loss_id) ?? 0)?.loss_type ?? false) : false;
        },
      }),
      description: f.text('Description'),
      date_start: f.datetime('Start Date', { required: true, default: (_s, env) => env.now }),
      date_end: f.datetime('End Date'),
      // wall-clock minutes; real Odoo counts calendar working time for non-productive losses
      duration: f.float('Duration', {
        readonly: true,
        compute: (rec) =>
          rec.date_start && rec.date_end
            ? Math.round((Date.parse(`${String(rec.date_end)}Z`) - Date.parse(`${String(rec.date_start)}Z`)) / 600) / 100
            : 0,
      }),
    },
  });
  add({
    name: 'stock.scrap',
    description: 'Scrap',
    order: 'id desc',
    fields: {
      name: f.char('Reference', { required: true, default: always('New') }),
      origin: f.char('Source Document'),
      product_id: f.m2o('product.product', 'Product', { required: true }),
      product_uom_id: f.m2o('uom.uom', unitLabel, {
        required: true,
        default: (store, _env, vals) => productUom(store, vals.product_id) || defaultUom(store),
      }),
      lot_id: f.m2o('stock.lot', 'Lot/Serial'),
      scrap_qty: f.float('Quantity', { required: true, default: always(1) }),
      location_id: f.m2o('stock.location', 'Source Location', {
        required: true,
        default: (store) => store.xmlidToId('stock.stock_location_stock') ?? 8,
      }),
      scrap_location_id: f.m2o('stock.location', 'Scrap Location', {
        required: true,
        default: (store) => store.xmlidToId('stock.stock_location_scrapped') ?? 16,
      }),
      state: f.sel(
        'Status',
        [
          ['draft', 'Draft'],
          ['done', 'Done'],
        ],
        { default: always('draft') },
      ),
      date_done: f.datetime('Date'),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
    },
  });
  // only what historian-load reads: which work order ran on a work center when (scrap product)
  add({
    name: 'mrp.production',
    description: 'Manufacturing Order',
    order: 'priority desc, date_start asc, id',
    fields: {
      name: f.char('Reference', {
        required: true,
        default: (store) => `WH/MO/${String(store.nextSequence('mrp.production')).padStart(5, '0')}`,
      }),
      product_id: f.m2o('product.product', 'Product', { required: true }),
      product_qty: f.float('Quantity To Produce', { required: true, default: always(1) }),
      state: f.sel(
        'State',
        [
          ['draft', 'Draft'],
          ['confirmed', 'Confirmed'],
          ['progress', 'In Progress'],
          ['to_close', 'To Close'],
          ['done', 'Done'],
          ['cancel', 'Cancelled'],
        ],
        { default: always('draft') },
      ),
      priority: f.sel(
        'Priority',
        [
          ['0', 'Normal'],
          ['1', 'Urgent'],
        ],
        { default: always('0') },
      ),
      date_start: f.datetime('Start', { default: (_s, env) => env.now }),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
    },
  });
  add({
    name: 'mrp.workorder',
    description: 'Work Order',
    order: 'date_start, id',
    fields: {
      name: f.char('Work Order', { required: true }),
      workcenter_id: f.m2o('mrp.workcenter', 'Work Center', { required: true }),
      production_id: f.m2o('mrp.production', 'Manufacturing Order', { required: true }),
      // Odoo: related production_id.product_id (stored)
      product_id: f.m2o('product.product', 'Product', {
        default: (store, _env, vals) => idOf(store.get('mrp.production', idOf(vals.production_id) ?? 0)?.product_id) ?? false,
      }),
      state: f.sel(
        'Status',
        [
          ['pending', 'Waiting for another WO'],
          ['waiting', 'Waiting for components'],
          ['ready', 'Ready'],
          ['progress', 'In Progress'],
          ['done', 'Finished'],
          ['cancel', 'Cancelled'],
        ],
        { default: always('ready') },
      ),
      date_start: f.datetime('Start'),
      date_finished: f.datetime('End'),
      qty_production: f.float('Original Production Quantity', {
        readonly: true,
        compute: (rec, store) => Number(store.get('mrp.production', idOf(rec.production_id) ?? 0)?.product_qty ?? 0),
      }),
    },
  });
  add({
    name: 'stock.warehouse.orderpoint',
    description: 'Minimum Inventory Rule',
    order: 'location_id, id',
    fields: {
      name: f.char('Name', { required: true, default: (store) => `OP/${String(store.nextSequence('stock.orderpoint')).padStart(5, '0')}` }),
      trigger: f.sel(
        'Trigger',
        [
          ['auto', 'Auto'],
          ['manual', 'Manual'],
        ],
        { required: true, default: always('auto') },
      ),
      active: f.bool('Active', { default: TRUE }),
      warehouse_id: f.m2o('stock.warehouse', 'Warehouse', { required: true, default: always(1) }),
      location_id: f.m2o('stock.location', 'Location', {
        required: true,
        default: (store, _env, vals) => idOf(store.get('stock.warehouse', idOf(vals.warehouse_id) ?? 1)?.lot_stock_id) ?? false,
      }),
      product_tmpl_id: f.m2o('product.template', 'Product Template', {
        readonly: true,
        compute: (rec, store) => idOf(store.get('product.product', idOf(rec.product_id) ?? 0)?.product_tmpl_id) ?? false,
      }),
      product_id: f.m2o('product.product', 'Product', { required: true }),
      product_uom: f.m2o('uom.uom', unitLabel, { readonly: true, compute: (rec, store) => productUom(store, rec.product_id) }),
      product_min_qty: f.float('Min Quantity', { required: true, default: always(0) }),
      product_max_qty: f.float('Max Quantity', { required: true, default: always(0) }),
      ...(v19
        ? { replenishment_uom_id: f.m2o('uom.uom', 'Multiple') }
        : { qty_multiple: f.float('Multiple Quantity', { required: true, default: always(1) }) }),
      route_id: f.m2o('stock.route', 'Route'),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
    },
    constraints: [
      (rec) =>
        Number(rec.product_min_qty ?? 0) > Number(rec.product_max_qty ?? 0)
          ? raise.validation('The minimum quantity must be less than or equal to the maximum quantity.')
          : undefined,
    ],
  });

  if (enterprise) {
    add({
      name: 'mrp.production.schedule',
      description: 'Schedule the production of Product in a warehouse',
      order: 'warehouse_id, sequence, id',
      display: (rec, store) => store.display('product.product', idOf(rec.product_id) ?? 0),
      fields: {
        product_id: f.m2o('product.product', 'Product', { required: true }),
        product_tmpl_id: f.m2o('product.template', 'Product Template', {
          readonly: true,
          compute: (rec, store) => idOf(store.get('product.product', idOf(rec.product_id) ?? 0)?.product_tmpl_id) ?? false,
        }),
        product_uom_id: f.m2o('uom.uom', 'Product UoM', { readonly: true, compute: (rec, store) => productUom(store, rec.product_id) }),
        company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
        warehouse_id: f.m2o('stock.warehouse', 'Production Warehouse', { required: true, default: always(1) }),
        sequence: f.int('Sequence', { default: always(10) }),
        forecast_ids: f.o2m('mrp.product.forecast', 'production_schedule_id', 'Forecasted quantity at date'),
        forecast_target_qty: f.float('Safety Stock Target'),
        min_to_replenish_qty: f.float('Minimum to Replenish'),
        max_to_replenish_qty: f.float('Maximum to Replenish', { default: always(1000) }),
        replenish_trigger: f.sel(
          'Replenishment Trigger',
          [
            ['automated', 'Automatic'],
            ['manual', 'Manual'],
            ['never', 'Never'],
          ],
          { default: always('automated') },
        ),
      },
      constraints: [
        (rec, store) =>
          store
            .all('mrp.production.schedule')
            .some(
              (other) =>
                other.id !== rec.id &&
                other.product_id === rec.product_id &&
                other.warehouse_id === rec.warehouse_id &&
                other.company_id === rec.company_id,
            )
            ? raise.validation(
                version >= 19
                  ? 'The operation cannot be completed: The combination of warehouse and product must be unique!'
                  : 'The operation cannot be completed: The combination of warehouse and product must be unique!',
              )
            : undefined,
      ],
    });
    add({
      name: 'mrp.product.forecast',
      description: 'Product Forecast at Date',
      order: 'date, id',
      display: (rec) => String(rec.date ?? ''),
      fields: {
        production_schedule_id: f.m2o('mrp.production.schedule', 'Production Schedule', { required: true }),
        date: f.date('Date', { required: true }),
        forecast_qty: f.float('Demand Forecast'),
        replenish_qty: f.float('To Replenish'),
        replenish_qty_updated: f.bool('Replenish_qty has been manually updated'),
        procurement_launched: f.bool('Procurement has been run for this forecast'),
      },
    });
  }

  add({
    name: 'account.journal',
    description: 'Journal',
    order: 'sequence, type, code',
    fields: {
      name: f.char('Journal Name', { required: true }),
      code: f.char('Short Code', { required: true }),
      type: f.sel(
        'Type',
        [
          ['sale', 'Sales'],
          ['purchase', 'Purchase'],
          ['cash', 'Cash'],
          ['bank', 'Bank'],
          ['general', 'Miscellaneous'],
        ],
        { required: true },
      ),
      sequence: f.int('Sequence', { default: always(10) }),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
    },
  });
  add({
    name: 'account.account',
    description: 'Account',
    order: 'code, id',
    display: (rec) => `${String(rec.code ?? '')} ${String(rec.name ?? '')}`.trim(),
    fields: {
      code: f.char('Code'),
      name: f.char('Account Name', { required: true }),
      account_type: f.sel(
        'Type',
        [
          ['asset_current', 'Current Assets'],
          ['expense', 'Expenses'],
          ['income', 'Income'],
          ['liability_current', 'Current Liabilities'],
        ],
        { required: true },
      ),
      reconcile: f.bool('Allow Reconciliation'),
    },
  });
  add({
    name: 'account.move',
    description: 'Journal Entry',
    order: 'date desc, name desc, id desc',
    fields: {
      name: f.char('Number', { default: always('/') }),
      ref: f.char('Reference'),
      date: f.date('Date', { required: true, default: (_s, env) => env.now.slice(0, 10) }),
      move_type: f.sel(
        'Type',
        [
          ['entry', 'Journal Entry'],
          ['out_invoice', 'Customer Invoice'],
          ['in_invoice', 'Vendor Bill'],
          ['out_refund', 'Customer Credit Note'],
          ['in_refund', 'Vendor Credit Note'],
        ],
        { required: true, default: always('entry') },
      ),
      state: f.sel(
        'Status',
        [
          ['draft', 'Draft'],
          ['posted', 'Posted'],
          ['cancel', 'Cancelled'],
        ],
        { required: true, default: always('draft') },
      ),
      journal_id: f.m2o('account.journal', 'Journal', { required: true, default: always(3) }),
      partner_id: f.m2o('res.partner', 'Partner'),
      line_ids: f.o2m('account.move.line', 'move_id', 'Journal Items'),
      amount_total: f.money('Total', {
        readonly: true,
        compute: (rec, store) =>
          store
            .all('account.move.line')
            .filter((l) => l.move_id === rec.id)
            .reduce((s, l) => s + Number(l.debit ?? 0), 0),
      }),
      company_id: f.m2o('res.company', 'Company', { required: true, default: company1 }),
    },
  });
  add({
    name: 'account.move.line',
    description: 'Journal Item',
    order: 'date desc, move_id desc, id',
    fields: {
      move_id: f.m2o('account.move', 'Journal Entry', { required: true }),
      account_id: f.m2o('account.account', 'Account'),
      name: f.char('Label'),
      debit: f.money('Debit'),
      credit: f.money('Credit'),
      balance: f.money('Balance', { readonly: true, compute: (rec) => Number(rec.debit ?? 0) - Number(rec.credit ?? 0) }),
      parent_state: f.sel(
        'Status',
        [
          ['draft', 'Draft'],
          ['posted', 'Posted'],
          ['cancel', 'Cancelled'],
        ],
        { readonly: true, compute: (rec, store) => store.get('account.move', idOf(rec.move_id) ?? 0)?.state ?? false },
      ),
      date: f.date('Date', { readonly: true, compute: (rec, store) => store.get('account.move', idOf(rec.move_id) ?? 0)?.date ?? false }),
    },
  });

  add({
    name: 'ir.model',
    description: 'Models',
    order: 'model',
    display: (rec) => String(rec.name ?? ''),
    fields: {
      model: f.char('Model', { required: true }),
      name: f.char('Model Description', { required: true }),
      transient: f.bool('Transient Model'),
      modules: f.char('In Apps'),
    },
  });
  add({
    name: 'ir.model.data',
    description: 'Model Data',
    order: 'module, model, name',
    display: (rec) => `${String(rec.module ?? '')}.${String(rec.name ?? '')}`,
    fields: {
      name: f.char('External Identifier', { required: true }),
      complete_name: f.char('Complete ID', { compute: (rec) => `${String(rec.module ?? '')}.${String(rec.name ?? '')}` }),
      model: f.char('Model Name', { required: true }),
      module: f.char('Module', { required: true, default: always('') }),
      res_id: f.int('Record ID'),
      noupdate: f.bool('Non Updatable'),
    },
    constraints: [
      (rec) =>
        String(rec.name ?? '').includes(' ')
          ? raise.validation('The operation cannot be completed: External IDs cannot contain spaces')
          : undefined,
      (rec, store) =>
        store.imdIds(`${String(rec.module)}.${String(rec.name)}`).some((other) => other !== rec.id)
          ? raise.validation(
              `The operation cannot be completed: duplicate key value violates unique constraint "ir_model_data_module_name_uniq_index"\nDETAIL:  Key (module, name)=(${String(rec.module)}, ${String(rec.name)}) already exists.\n`,
            )
          : undefined,
    ],
  });

  for (const extension of extensions) {
    for (const def of extension.models(v19)) add(def);
    for (const [model, change] of Object.entries(extension.extend(v19))) {
      const def = models.find((m) => m.name === model);
      if (def) change(def);
    }
  }

  return new Map(models.map((model) => [model.name, model]));
}
