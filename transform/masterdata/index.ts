/**
 * Master data from Odoo → staging rows (pure: no I/O).
 *
 * Which Odoo fields each staged model wants, which of them a given server has (asked with
 * `fields_get`, never guessed from the version), the incremental domain, and the mapping of
 * records to the md_ tables' rows, including units of measure normalised to
 * `ref_group` / `ref_ratio` (how many reference units one unit holds):
 *
 * - Odoo ≤ 18: `uom.category` + `factor` = how many of this unit make one reference unit
 *   (Dozens 1/12, g 1000 in Weight whose reference is kg) → ref_ratio = 1 / factor
 *   (`factor_inv`), ref_group = the category.
 * - Odoo 19: no categories; units form a tree (`relative_uom_id`, `relative_factor` = how many
 *   parent units one unit holds) and `factor` means the opposite of 18's → ref_ratio = product
 *   of relative_factor up to the root, ref_group = the root unit.
 *
 * The reference unit may differ (18: kg; 19: g) but every conversion within a group is the same
 * on both: Dozens = 12 Units, g = 0.001 kg.
 */
import { emptyToNull, many2oneId, many2oneName, type OdooDomain, type OdooRecord } from '../../core/odoo/values.ts';

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

// ---- incremental reads ----------------------------------------------------------------------

/** Odoo datetime ('YYYY-MM-DD HH:MM:SS', UTC) → Date; false/empty → null. */
export function parseOdooDateTime(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  const date = new Date(`${value.replace(' ', 'T')}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Date → Odoo datetime literal for a domain ('YYYY-MM-DD HH:MM:SS', UTC). */
export function formatOdooDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Highest write_date of a page (null when none has one). */
export function maxWriteDate(records: readonly OdooRecord[], current: Date | null = null): Date | null {
  let max = current;
  for (const record of records) {
    const date = parseOdooDateTime(record.write_date);
    if (date && (!max || date > max)) max = date;
  }
  return max;
}

/**
 * Records changed since the watermark: `write_date > watermark - lookback`. The lookback
 * re-reads a few recent records (harmless: unchanged rows are not rewritten) to catch records
 * Odoo committed late: write_date is the time their transaction started, not when it committed.
 * With parent ids, the children of those parents are read as well.
 */
export function incrementalDomain(
  watermark: Date,
  lookbackSeconds: number,
  parent?: { field: string; ids: readonly number[] },
): OdooDomain {
  const since: [string, string, unknown] = ['write_date', '>', formatOdooDateTime(new Date(watermark.getTime() - lookbackSeconds * 1000))];
  if (!parent || parent.ids.length === 0) return [since];
  return ['|', since, [parent.field, 'in', [...parent.ids]]];
}

/** Whether a model needs a complete read: asked for, never done, or older than the configured hours. */
export function needsFullRefresh(input: {
  forced: boolean;
  alwaysFull?: boolean;
  lastFullAt: Date | null;
  watermark: Date | null;
  now: Date;
  hours: number;
}): boolean {
  if (input.forced || input.alwaysFull || !input.lastFullAt || !input.watermark) return true;
  return input.now.getTime() - input.lastFullAt.getTime() >= input.hours * 3_600_000;
}

// ---- values ---------------------------------------------------------------------------------

type Fields = ReadonlySet<string>;

function text(value: unknown): string | null {
  const v = emptyToNull(value as string | false);
  return typeof v === 'string' && v !== '' ? v : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function int(value: unknown): number | null {
  const n = num(value);
  return n === null ? null : Math.trunc(n);
}

function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** `active` when the model has it (archived = false); models without it are always active. */
function active(record: OdooRecord, fields: Fields): boolean {
  return fields.has('active') ? record.active !== false : true;
}

function writeDate(record: OdooRecord): string | null {
  return parseOdooDateTime(record.write_date)?.toISOString() ?? null;
}

/** 12 significant digits: 1 / (1/12) is 12, not 12.000000000000002. */
export function roundRatio(value: number): number {
  return Number(value.toPrecision(12));
}

/** Odoo 18 `manual_periodic` and Odoo 19 `periodic` mean the same: stored as `periodic`. */
export function normaliseValuation(value: unknown): string | null {
  const v = text(value);
  return v === 'manual_periodic' ? 'periodic' : v;
}

// ---- rows -----------------------------------------------------------------------------------

export interface UomRow {
  odoo_id: number;
  name: string;
  ref_group: string;
  ref_ratio: number;
  rounding: number | null;
  ref_uom_id: number | null;
  category_id: number | null;
  relative_uom_id: number | null;
  relative_factor: number | null;
  active: boolean;
  write_date: string | null;
}

export type UomFlavour = 'tree' | 'category';

/** Odoo 19+ units form a tree; Odoo ≤ 18 units belong to categories. Decided by the fields the server has. */
export function uomFlavour(fields: Fields): UomFlavour | undefined {
  if (fields.has('relative_uom_id') && fields.has('relative_factor')) return 'tree';
  if (fields.has('category_id') && (fields.has('factor') || fields.has('factor_inv'))) return 'category';
  return undefined;
}

/**
 * All units of measure (archived included: products may use them) → rows with ref_group and
 * ref_ratio. Needs the complete set: a unit's ratio depends on its parents (19) or on its
 * category's reference unit (18). Units whose ratio cannot be worked out are reported.
 */
export function toUomRows(records: readonly OdooRecord[], fields: Fields): { rows: UomRow[]; problems: string[] } {
  const flavour = uomFlavour(fields);
  if (!flavour)
    return {
      rows: [],
      problems: ['uom.uom has neither relative_uom_id/relative_factor (Odoo 19) nor category_id/factor (Odoo 18 and older)'],
    };
  const rows: UomRow[] = [];
  const problems: string[] = [];
  const byId = new Map(records.map((r) => [r.id, r]));
  const referenceOf = new Map<number, number>(); // 18: category → its reference unit
  if (flavour === 'category') {
    for (const r of records) {
      const category = many2oneId(r.category_id);
      if (category !== null && r.uom_type === 'reference' && (!referenceOf.has(category) || r.active !== false))
        referenceOf.set(category, r.id);
    }
  }
  for (const r of records) {
    const name = text(r.name) ?? `uom ${r.id}`;
    let ratio: number | null = null;
    let group: string | null = null;
    let refUom: number | null = null;
    if (flavour === 'tree') {
      ({ ratio, group, refUom } = walkToRoot(r, byId));
      if (ratio === null)
        problems.push(`unit ${name} (${r.id}): its reference units cannot be followed to a root (missing, cyclic or factor ≤ 0)`);
    } else {
      const category = many2oneId(r.category_id);
      const inv = num(r.factor_inv);
      const factor = num(r.factor);
      ratio = inv !== null && inv > 0 ? inv : factor !== null && factor > 0 ? 1 / factor : null;
      group = many2oneName(r.category_id) ?? (category === null ? null : `uom.category ${category}`);
      refUom = category === null ? null : (referenceOf.get(category) ?? null);
      if (ratio === null || group === null) problems.push(`unit ${name} (${r.id}): no category or no positive factor`);
    }
    if (ratio === null || group === null || !(ratio > 0)) continue;
    rows.push({
      odoo_id: r.id,
      name,
      ref_group: group,
      ref_ratio: roundRatio(ratio),
      rounding: num(r.rounding),
      ref_uom_id: refUom,
      category_id: flavour === 'category' ? many2oneId(r.category_id) : null,
      relative_uom_id: flavour === 'tree' ? many2oneId(r.relative_uom_id) : null,
      relative_factor: flavour === 'tree' ? num(r.relative_factor) : null,
      active: active(r, fields),
      write_date: writeDate(r),
    });
  }
  return { rows, problems };
}

function walkToRoot(
  start: OdooRecord,
  byId: ReadonlyMap<number, OdooRecord>,
): { ratio: number | null; group: string | null; refUom: number | null } {
  let ratio = 1;
  let current: OdooRecord = start;
  const seen = new Set<number>();
  for (;;) {
    if (seen.has(current.id)) return { ratio: null, group: null, refUom: null }; // a cycle
    seen.add(current.id);
    const parentId = many2oneId(current.relative_uom_id);
    if (parentId === null) return { ratio, group: text(current.name) ?? `uom ${current.id}`, refUom: current.id };
    const factor = num(current.relative_factor);
    if (factor === null || !(factor > 0)) return { ratio: null, group: null, refUom: null };
    ratio *= factor;
    const parent = byId.get(parentId);
    if (!parent) return { ratio: null, group: null, refUom: null };
    current = parent;
  }
}

export interface ProductCategoryRow {
  odoo_id: number;
  name: string;
  complete_name: string | null;
  parent_id: number | null;
  cost_method: string | null;
  valuation: string | null;
  active: boolean;
  write_date: string | null;
}

export function toProductCategoryRow(r: OdooRecord, fields: Fields): ProductCategoryRow {
  return {
    odoo_id: r.id,
    name: text(r.name) ?? `category ${r.id}`,
    complete_name: text(r.complete_name) ?? text(r.name),
    parent_id: many2oneId(r.parent_id),
    cost_method: text(r.property_cost_method),
    valuation: normaliseValuation(r.property_valuation),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface ProductRow {
  odoo_id: number;
  product_tmpl_id: number | null;
  default_code: string | null;
  name: string;
  type: string | null;
  is_storable: boolean | null;
  tracking: string | null;
  uom_id: number | null;
  uom_po_id: number | null;
  categ_id: number | null;
  categ_name: string | null;
  cost_method: string | null;
  valuation: string | null;
  standard_price: number | null;
  company_id: number | null;
  produce_delay: number | null;
  active: boolean;
  write_date: string | null;
}

/**
 * Storable ("track inventory"): Odoo 18+ has the boolean `is_storable` (type is then `consu`);
 * Odoo ≤ 17 has `type == 'product'`.
 */
export function isStorable(r: OdooRecord, fields: Fields): boolean | null {
  if (fields.has('is_storable')) return r.is_storable === true && r.type !== 'service' && r.type !== 'combo';
  if (fields.has('type')) return r.type === 'product';
  return null;
}

export function toProductRow(r: OdooRecord, fields: Fields): ProductRow {
  return {
    odoo_id: r.id,
    product_tmpl_id: many2oneId(r.product_tmpl_id),
    default_code: text(r.default_code),
    name: text(r.name) ?? `product ${r.id}`,
    type: text(r.type),
    is_storable: isStorable(r, fields),
    tracking: text(r.tracking),
    uom_id: many2oneId(r.uom_id),
    // Odoo 19 has no purchase unit
    uom_po_id: many2oneId(r.uom_po_id),
    categ_id: many2oneId(r.categ_id),
    categ_name: many2oneName(r.categ_id),
    // the category's values win in SQL (md_product_categories); these are the product's own computed ones
    cost_method: text(r.cost_method),
    valuation: normaliseValuation(r.valuation),
    standard_price: num(r.standard_price),
    company_id: many2oneId(r.company_id),
    produce_delay: num(r.produce_delay),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface WarehouseRow {
  odoo_id: number;
  code: string;
  name: string;
  lot_stock_id: number | null;
  view_location_id: number | null;
  company_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toWarehouseRow(r: OdooRecord, fields: Fields): WarehouseRow {
  return {
    odoo_id: r.id,
    code: text(r.code) ?? `WH${r.id}`,
    name: text(r.name) ?? text(r.code) ?? `warehouse ${r.id}`,
    lot_stock_id: many2oneId(r.lot_stock_id),
    view_location_id: many2oneId(r.view_location_id),
    company_id: many2oneId(r.company_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface LocationRow {
  odoo_id: number;
  complete_name: string;
  name: string | null;
  barcode: string | null;
  usage: string | null;
  parent_id: number | null;
  warehouse_id: number | null;
  company_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toLocationRow(r: OdooRecord, fields: Fields): LocationRow {
  return {
    odoo_id: r.id,
    complete_name: text(r.complete_name) ?? text(r.name) ?? `location ${r.id}`,
    name: text(r.name),
    barcode: text(r.barcode),
    usage: text(r.usage),
    parent_id: many2oneId(r.location_id),
    warehouse_id: many2oneId(r.warehouse_id),
    company_id: many2oneId(r.company_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface WorkcenterRow {
  odoo_id: number;
  name: string;
  code: string | null;
  sequence: number | null;
  costs_hour: number | null;
  time_efficiency: number | null;
  default_capacity: number | null;
  time_start: number | null;
  time_stop: number | null;
  oee_target: number | null;
  calendar_id: number | null;
  calendar_name: string | null;
  company_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toWorkcenterRow(r: OdooRecord, fields: Fields): WorkcenterRow {
  return {
    odoo_id: r.id,
    name: text(r.name) ?? `workcenter ${r.id}`,
    code: text(r.code),
    sequence: int(r.sequence),
    costs_hour: num(r.costs_hour),
    time_efficiency: num(r.time_efficiency),
    default_capacity: num(r.default_capacity),
    time_start: num(r.time_start),
    time_stop: num(r.time_stop),
    oee_target: num(r.oee_target),
    calendar_id: many2oneId(r.resource_calendar_id),
    calendar_name: many2oneName(r.resource_calendar_id),
    company_id: many2oneId(r.company_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface LossReasonRow {
  odoo_id: number;
  name: string;
  loss_type_id: number | null;
  loss_type: string | null;
  manual: boolean | null;
  sequence: number | null;
  active: boolean;
  write_date: string | null;
}

export function toLossReasonRow(r: OdooRecord, fields: Fields): LossReasonRow {
  return {
    odoo_id: r.id,
    name: text(r.name) ?? `loss reason ${r.id}`,
    loss_type_id: many2oneId(r.loss_id),
    loss_type: text(r.loss_type),
    manual: bool(r.manual),
    sequence: int(r.sequence),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface BomRow {
  odoo_id: number;
  code: string | null;
  type: string;
  is_kit: boolean;
  product_tmpl_id: number | null;
  product_id: number | null;
  product_qty: number | null;
  uom_id: number | null;
  sequence: number | null;
  company_id: number | null;
  produce_delay: number | null;
  days_to_prepare_mo: number | null;
  active: boolean;
  write_date: string | null;
}

export function toBomRow(r: OdooRecord, fields: Fields): BomRow {
  const type = text(r.type) ?? 'normal';
  return {
    odoo_id: r.id,
    code: text(r.code),
    type,
    is_kit: type === 'phantom',
    product_tmpl_id: many2oneId(r.product_tmpl_id),
    product_id: many2oneId(r.product_id),
    product_qty: num(r.product_qty),
    uom_id: many2oneId(r.product_uom_id),
    sequence: int(r.sequence),
    company_id: many2oneId(r.company_id),
    produce_delay: num(r.produce_delay),
    days_to_prepare_mo: num(r.days_to_prepare_mo),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface BomLineRow {
  odoo_id: number;
  bom_id: number;
  product_id: number | null;
  product_qty: number | null;
  uom_id: number | null;
  sequence: number | null;
  operation_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toBomLineRow(r: OdooRecord, fields: Fields): BomLineRow {
  return {
    odoo_id: r.id,
    bom_id: many2oneId(r.bom_id) ?? 0,
    product_id: many2oneId(r.product_id),
    product_qty: num(r.product_qty),
    uom_id: many2oneId(r.product_uom_id),
    sequence: int(r.sequence),
    operation_id: many2oneId(r.operation_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface BomOperationRow {
  odoo_id: number;
  bom_id: number;
  name: string;
  workcenter_id: number | null;
  sequence: number | null;
  time_mode: string | null;
  time_mode_batch: number | null;
  time_cycle_manual: number | null;
  time_cycle: number | null;
  company_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toBomOperationRow(r: OdooRecord, fields: Fields): BomOperationRow {
  return {
    odoo_id: r.id,
    bom_id: many2oneId(r.bom_id) ?? 0,
    name: text(r.name) ?? `operation ${r.id}`,
    workcenter_id: many2oneId(r.workcenter_id),
    sequence: int(r.sequence),
    time_mode: text(r.time_mode),
    time_mode_batch: int(r.time_mode_batch),
    time_cycle_manual: num(r.time_cycle_manual),
    time_cycle: num(r.time_cycle),
    company_id: many2oneId(r.company_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface MasterdataRows {
  uoms: UomRow;
  product_categories: ProductCategoryRow;
  products: ProductRow;
  warehouses: WarehouseRow;
  locations: LocationRow;
  workcenters: WorkcenterRow;
  loss_reasons: LossReasonRow;
  boms: BomRow;
  bom_lines: BomLineRow;
  bom_operations: BomOperationRow;
}

/** Record → row for every kind read page by page (units need the whole set: toUomRows). */
export const ROW_MAPPERS: { [K in Exclude<MasterdataKind, 'uoms'>]: (r: OdooRecord, fields: Fields) => MasterdataRows[K] } = {
  product_categories: toProductCategoryRow,
  products: toProductRow,
  warehouses: toWarehouseRow,
  locations: toLocationRow,
  workcenters: toWorkcenterRow,
  loss_reasons: toLossReasonRow,
  boms: toBomRow,
  bom_lines: toBomLineRow,
  bom_operations: toBomOperationRow,
};
