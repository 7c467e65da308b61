/**
 * Master data from Odoo → staging rows (pure: no I/O): which Odoo fields each staged model wants,
 * and which of them a given server has (asked with `fields_get`, never guessed from the version).
 * The mapping of records to the md_ tables' rows is in one file per model (uoms.ts, products.ts…).
 */
export type MasterdataKind =
  | 'uoms'
  | 'product_categories'
  | 'products'
  | 'warehouses'
  | 'locations'
  | 'workcenters'
  | 'loss_reasons'
  | 'boms'
  | 'bom_lines'
  | 'bom_operations';

export interface ModelSpec {
  kind: MasterdataKind;
  /** Odoo model */
  model: string;
  /** fields to read when the server has them (write_date and active are added when present) */
  fields: readonly string[];
  /** fields without which the rows make no sense: their absence is an error */
  required: readonly string[];
  /** read completely on every run: small, and their derived values (unit ratios, category
   * names) depend on other records whose change does not touch their own write_date */
  alwaysFull?: boolean;
  /**
   * Children refreshed with their parent: on an incremental run the records whose parent changed
   * are read as well, and the parent's children that Odoo no longer has are marked deleted
   * (removing a BoM line in Odoo deletes it and touches the BoM's write_date).
   */
  parent?: { model: string; field: string };
  /** part of the manufacturing app: skipped when the model is not installed */
  mrp?: boolean;
}

/** In sync order: categories before products (the product rows take the category's costing). */
export const MASTERDATA_MODELS: readonly ModelSpec[] = [
  {
    kind: 'uoms',
    model: 'uom.uom',
    fields: ['name', 'rounding', 'category_id', 'uom_type', 'factor', 'factor_inv', 'relative_uom_id', 'relative_factor'],
    required: ['name'],
    alwaysFull: true,
  },
  {
    kind: 'product_categories',
    model: 'product.category',
    fields: ['name', 'complete_name', 'parent_id', 'property_cost_method', 'property_valuation'],
    required: ['name'],
    alwaysFull: true,
  },
  {
    kind: 'products',
    model: 'product.product',
    fields: [
      'default_code',
      'name',
      // the variant's own name ("[code] Customizable Desk (Steel, White)"): `name` is the template's
      'display_name',
      'product_tmpl_id',
      'type',
      'is_storable',
      'tracking',
      'uom_id',
      'uom_po_id',
      'categ_id',
      'cost_method',
      'valuation',
      'standard_price',
      'company_id',
      'produce_delay',
    ],
    required: ['name', 'uom_id', 'product_tmpl_id'],
    // template fields (name, unit, category…) are written on product.template: its write_date moves, not the variant's
    parent: { model: 'product.template', field: 'product_tmpl_id' },
  },
  {
    kind: 'warehouses',
    model: 'stock.warehouse',
    fields: ['name', 'code', 'lot_stock_id', 'view_location_id', 'company_id'],
    required: ['code', 'name'],
  },
  {
    kind: 'locations',
    model: 'stock.location',
    fields: ['name', 'complete_name', 'barcode', 'usage', 'location_id', 'warehouse_id', 'company_id'],
    required: ['name', 'usage'],
  },
  {
    kind: 'workcenters',
    model: 'mrp.workcenter',
    fields: [
      'name',
      'code',
      'sequence',
      'costs_hour',
      'time_efficiency',
      'default_capacity',
      'time_start',
      'time_stop',
      'oee_target',
      'resource_calendar_id',
      'company_id',
    ],
    required: ['name'],
    mrp: true,
  },
  {
    kind: 'loss_reasons',
    model: 'mrp.workcenter.productivity.loss',
    fields: ['name', 'loss_id', 'loss_type', 'manual', 'sequence'],
    required: ['name'],
    mrp: true,
  },
  {
    kind: 'boms',
    model: 'mrp.bom',
    fields: [
      'code',
      'type',
      'product_tmpl_id',
      'product_id',
      'product_qty',
      'product_uom_id',
      'sequence',
      'company_id',
      'produce_delay',
      'days_to_prepare_mo',
    ],
    required: ['type', 'product_tmpl_id', 'product_qty'],
    mrp: true,
  },
  {
    kind: 'bom_lines',
    model: 'mrp.bom.line',
    fields: ['bom_id', 'product_id', 'product_qty', 'product_uom_id', 'sequence', 'operation_id'],
    required: ['bom_id', 'product_id', 'product_qty'],
    parent: { model: 'mrp.bom', field: 'bom_id' },
    mrp: true,
  },
  {
    kind: 'bom_operations',
    model: 'mrp.routing.workcenter',
    fields: [
      'name',
      'bom_id',
      'workcenter_id',
      'sequence',
      'time_mode',
      'time_mode_batch',
      'time_cycle_manual',
      'time_cycle',
      'company_id',
    ],
    required: ['bom_id', 'workcenter_id'],
    parent: { model: 'mrp.bom', field: 'bom_id' },
    mrp: true,
  },
];

export function modelSpec(kind: MasterdataKind): ModelSpec {
  const spec = MASTERDATA_MODELS.find((s) => s.kind === kind);
  if (!spec) throw new RangeError(`unknown master data kind ${kind}`);
  return spec;
}

/** The fields to read from a server whose `fields_get` answered `available`, and required ones it lacks. */
export function fieldsToRead(spec: ModelSpec, available: ReadonlySet<string>): { fields: string[]; missing: string[] } {
  const wanted = [...spec.fields, 'active', 'write_date'];
  return {
    fields: [...new Set(wanted.filter((f) => available.has(f)))],
    missing: spec.required.filter((f) => !available.has(f)),
  };
}
