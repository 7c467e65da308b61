/**
 * What a forecast version becomes in Odoo, as `load` rows (strings, first column the external id):
 *
 * - mps: one `mrp.production.schedule` per (warehouse, product) and one `mrp.product.forecast`
 *   per period with `forecast_qty`; periods the previous versions loaded that this version no
 *   longer has are set to zero when they fall inside this version's horizon.
 * - orderpoint: one `stock.warehouse.orderpoint` per (warehouse, product) on the warehouse's stock
 *   location, min/max from the forecast (demand.ts); rules of products this version dropped are
 *   set to 0 / 0 (no forecast demand).
 *
 * Pure: the lines come from staging, lead times and multiples from Odoo, all passed in.
 */
import type { Bucket } from '../periods.ts';
import { orderpointLevels, type PeriodDemand } from './demand.ts';
import { forecastKey, MODELS, orderpointKey, payloadHash, qtyCell, scheduleKey, xmlid } from './keys.ts';

/** One (product, warehouse, period) of a staged version, resolved against the master data snapshot. */
export interface ForecastCell {
  productId: number | null;
  productCode: string;
  warehouseId: number | null;
  warehouseCode: string;
  /** the warehouse's stock location (orderpoints go there) */
  lotStockId: number | null;
  companyId: number | null;
  /** rounding of the product's unit (md_uoms), used when a rule has no multiple */
  uomRounding: number | null;
  periodStart: string;
  /** in the product's unit; null when no line of the period could be converted */
  quantity: number | null;
  /** staged lines summed into this cell */
  lines: number;
  /** their line_no (lineage); absent: not known */
  lineNos?: number[];
}

export interface TargetRow {
  model: string;
  /** ledger business key = external id name in module mfg_etl */
  key: string;
  /** `load` cells, aligned with the set's fields; the first is the external id */
  cells: string[];
  hash: string;
  /** what a planner reads: "FURN_7800 @ WH 2026-01-05" */
  ref: string;
  /** the values that matter, for plan examples */
  values: Record<string, string | number | null>;
  productId: number;
  warehouseId: number;
  /** the key of a row (another model) that must be in Odoo first */
  dependsOn?: string;
  /** why the row exists besides this version's lines */
  reason?: 'dropped';
  /** line_no of the staged lines behind the row (lineage); [] for a row a dropped line makes */
  lines?: number[];
}

export interface TargetSet {
  model: string;
  fields: string[];
  rows: TargetRow[];
}

export type SkipKind = 'unresolved' | 'no_quantity' | 'foreign' | 'error';

/** A row that is not sent. `error` rows count as failures of the batch; the others are reported only. */
export interface SkippedRow {
  kind: SkipKind;
  model: string;
  key?: string;
  ref: string;
  reason: string;
  /** line_no of the staged lines behind it */
  lines?: number[];
}

export function cellRef(productCode: string, warehouseCode: string, periodStart?: string): string {
  return `${productCode} @ ${warehouseCode}${periodStart ? ` ${periodStart}` : ''}`;
}

function makeRow(
  model: string,
  fields: string[],
  key: string,
  rest: string[],
  meta: Omit<TargetRow, 'model' | 'key' | 'cells' | 'hash'>,
): TargetRow {
  const cells = [xmlid(key), ...rest];
  return { model, key, cells, hash: payloadHash(model, fields, cells), ...meta };
}

/** The line numbers of cells, when staging gave them. */
function linesOf(cells: readonly ForecastCell[]): { lines?: number[] } {
  if (cells.some((c) => c.lineNos === undefined)) return {};
  return { lines: cells.flatMap((c) => c.lineNos!).sort((a, b) => a - b) };
}

/** Company column only when every row knows its company: an empty cell would clear a required field. */
function companyColumn(companies: ReadonlyArray<number | null>): boolean {
  return companies.length > 0 && companies.every((c) => c !== null);
}

/** Lines that cannot become a row: no product / warehouse in the master data, or no quantity. */
function usable(
  cells: readonly ForecastCell[],
  model: string,
  skipped: SkippedRow[],
): Array<ForecastCell & { productId: number; warehouseId: number }> {
  const out: Array<ForecastCell & { productId: number; warehouseId: number }> = [];
  for (const c of cells) {
    const ref = cellRef(c.productCode, c.warehouseCode, c.periodStart);
    if (c.productId === null || c.warehouseId === null) {
      const what = c.productId === null ? `product ${c.productCode}` : `warehouse ${c.warehouseCode}`;
      skipped.push({
        kind: 'unresolved',
        model,
        ref,
        reason: `${what} is not in the master data snapshot (run masterdata-sync)`,
        ...linesOf([c]),
      });
    } else if (c.quantity === null) {
      skipped.push({ kind: 'no_quantity', model, ref, reason: 'no quantity in the product unit (unit not convertible)', ...linesOf([c]) });
    } else {
      out.push(c as ForecastCell & { productId: number; warehouseId: number });
    }
  }
  return out;
}

// ---- mps ----------------------------------------------------------------------------------------

/** A period an earlier version loaded (ledger) that this version does not have. */
export interface DroppedPeriod {
  productId: number;
  warehouseId: number;
  periodStart: string;
  productCode: string | null;
  warehouseCode: string | null;
}

export interface MpsTargets {
  schedules: TargetSet;
  forecasts: TargetSet;
  skipped: SkippedRow[];
  horizon: { first: string; last: string } | null;
}

export function mpsTargets(cells: readonly ForecastCell[], dropped: readonly DroppedPeriod[]): MpsTargets {
  const skipped: SkippedRow[] = [];
  const good = usable(cells, MODELS.forecast, skipped);

  const schedules = new Map<
    string,
    {
      warehouseId: number;
      productId: number;
      companyId: number | null;
      productCode: string;
      warehouseCode: string;
      cells: ForecastCell[];
    }
  >();
  for (const c of good) {
    const key = scheduleKey(c.warehouseId, c.productId);
    const known = schedules.get(key);
    if (known) known.cells.push(c);
    else
      schedules.set(key, {
        warehouseId: c.warehouseId,
        productId: c.productId,
        companyId: c.companyId,
        productCode: c.productCode,
        warehouseCode: c.warehouseCode,
        cells: [c],
      });
  }
  const withCompany = companyColumn([...schedules.values()].map((s) => s.companyId));
  const scheduleFields = ['id', 'product_id/.id', 'warehouse_id/.id', ...(withCompany ? ['company_id/.id'] : [])];
  const scheduleRows = [...schedules.entries()].map(([key, s]) =>
    makeRow(
      MODELS.schedule,
      scheduleFields,
      key,
      [String(s.productId), String(s.warehouseId), ...(withCompany ? [String(s.companyId)] : [])],
      {
        ref: cellRef(s.productCode, s.warehouseCode),
        values: {
          product: s.productCode,
          warehouse: s.warehouseCode,
          product_id: s.productId,
          warehouse_id: s.warehouseId,
          company_id: s.companyId,
        },
        productId: s.productId,
        warehouseId: s.warehouseId,
        ...linesOf(s.cells),
      },
    ),
  );

  const forecastFields = ['id', 'production_schedule_id/id', 'date', 'forecast_qty'];
  const forecastRows: TargetRow[] = good.map((c) => {
    const schedule = scheduleKey(c.warehouseId, c.productId);
    const qty = qtyCell(c.quantity as number);
    return makeRow(
      MODELS.forecast,
      forecastFields,
      forecastKey(c.warehouseId, c.productId, c.periodStart),
      [xmlid(schedule), c.periodStart, qty],
      {
        ref: cellRef(c.productCode, c.warehouseCode, c.periodStart),
        values: { product: c.productCode, warehouse: c.warehouseCode, date: c.periodStart, forecast_qty: Number(qty) },
        productId: c.productId,
        warehouseId: c.warehouseId,
        dependsOn: schedule,
        ...linesOf([c]),
      },
    );
  });

  const periods = cells.map((c) => c.periodStart).sort();
  const horizon = periods.length ? { first: periods[0] as string, last: periods[periods.length - 1] as string } : null;
  const present = new Set(forecastRows.map((r) => r.key));
  for (const d of dropped) {
    const key = forecastKey(d.warehouseId, d.productId, d.periodStart);
    if (present.has(key) || !horizon || d.periodStart < horizon.first || d.periodStart > horizon.last) continue;
    const schedule = scheduleKey(d.warehouseId, d.productId);
    const product = d.productCode ?? `product#${d.productId}`;
    const warehouse = d.warehouseCode ?? `warehouse#${d.warehouseId}`;
    forecastRows.push(
      makeRow(MODELS.forecast, forecastFields, key, [xmlid(schedule), d.periodStart, '0'], {
        ref: cellRef(product, warehouse, d.periodStart),
        values: { product, warehouse, date: d.periodStart, forecast_qty: 0 },
        productId: d.productId,
        warehouseId: d.warehouseId,
        // the schedule was loaded with an earlier version; it is a dependency only when this version has it too
        dependsOn: schedules.has(schedule) ? schedule : undefined,
        reason: 'dropped',
        lines: [],
      }),
    );
  }
  return {
    schedules: { model: MODELS.schedule, fields: scheduleFields, rows: scheduleRows },
    forecasts: { model: MODELS.forecast, fields: forecastFields, rows: forecastRows },
    skipped,
    horizon,
  };
}

// ---- orderpoint ---------------------------------------------------------------------------------

export interface LeadTime {
  days: number;
  /** where it came from: 'bom' (manufacturing lead time), 'vendor' (supplier delay), 'product', 'default' */
  source: string;
}

export interface RuleMultiple {
  multiple: number;
  /** 'qty_multiple', 'replenishment_uom', 'unit_rounding', 'default' */
  source: string;
}

/** A rule an earlier version loaded (ledger) for a product this version does not have. */
export interface DroppedRule {
  productId: number;
  warehouseId: number;
  productCode: string | null;
  warehouseCode: string | null;
  lotStockId: number | null;
  companyId: number | null;
}

export interface OrderpointOptions {
  bucket: Bucket;
  /** first day of the demand window */
  anchor: string;
  safetyDays: number;
  reviewDays: number;
  defaultLeadDays: number;
  leadTimes: ReadonlyMap<number, LeadTime>;
  /** the multiple of the rule behind a key (existing rules), else `newRuleMultiple` */
  multiples: ReadonlyMap<string, RuleMultiple>;
  /** the multiple a new rule gets: Odoo 18's qty_multiple default 1; on 19 the unit's rounding */
  newRuleMultiple: (uomRounding: number | null) => RuleMultiple;
}

export interface OrderpointTargets {
  orderpoints: TargetSet;
  skipped: SkippedRow[];
}

export function orderpointTargets(
  cells: readonly ForecastCell[],
  dropped: readonly DroppedRule[],
  o: OrderpointOptions,
): OrderpointTargets {
  const model = MODELS.orderpoint;
  const skipped: SkippedRow[] = [];
  const groups = new Map<
    string,
    { first: ForecastCell & { productId: number; warehouseId: number }; periods: PeriodDemand[]; cells: ForecastCell[] }
  >();
  for (const c of usable(cells, model, skipped)) {
    const key = orderpointKey(c.warehouseId, c.productId);
    const group = groups.get(key) ?? { first: c, periods: [], cells: [] };
    group.periods.push({ periodStart: c.periodStart, quantity: c.quantity as number });
    group.cells.push(c);
    groups.set(key, group);
  }

  interface Pending {
    key: string;
    productId: number;
    warehouseId: number;
    productCode: string;
    warehouseCode: string;
    lotStockId: number;
    companyId: number | null;
    min: number;
    max: number;
    values: Record<string, string | number | null>;
    reason?: 'dropped';
    lines?: number[];
  }
  const pending: Pending[] = [];
  const noLocation = (key: string, productCode: string, warehouseCode: string, lines: { lines?: number[] }) =>
    skipped.push({
      kind: 'error',
      model,
      key,
      ref: cellRef(productCode, warehouseCode),
      reason: `warehouse ${warehouseCode} has no stock location in the master data snapshot (run masterdata-sync)`,
      ...lines,
    });

  for (const [key, { first, periods, cells: groupCells }] of groups) {
    if (first.lotStockId === null) {
      noLocation(key, first.productCode, first.warehouseCode, linesOf(groupCells));
      continue;
    }
    const lead = o.leadTimes.get(first.productId) ?? { days: o.defaultLeadDays, source: 'default' };
    const multiple = o.multiples.get(key) ?? o.newRuleMultiple(first.uomRounding);
    const levels = orderpointLevels({
      periods,
      bucket: o.bucket,
      anchor: o.anchor,
      leadDays: lead.days,
      safetyDays: o.safetyDays,
      reviewDays: o.reviewDays,
      multiple: multiple.multiple,
    });
    pending.push({
      key,
      productId: first.productId,
      warehouseId: first.warehouseId,
      productCode: first.productCode,
      warehouseCode: first.warehouseCode,
      lotStockId: first.lotStockId,
      companyId: first.companyId,
      min: levels.min,
      max: levels.max,
      values: {
        product: first.productCode,
        warehouse: first.warehouseCode,
        product_min_qty: levels.min,
        product_max_qty: levels.max,
        leadDays: lead.days,
        leadSource: lead.source,
        multiple: multiple.multiple,
        multipleSource: multiple.source,
        coverDemand: Number(levels.coverDemand.toFixed(6)),
        reviewDemand: Number(levels.reviewDemand.toFixed(6)),
      },
      ...linesOf(groupCells),
    });
  }
  for (const d of dropped) {
    const key = orderpointKey(d.warehouseId, d.productId);
    if (groups.has(key)) continue;
    const productCode = d.productCode ?? `product#${d.productId}`;
    const warehouseCode = d.warehouseCode ?? `warehouse#${d.warehouseId}`;
    if (d.lotStockId === null) {
      noLocation(key, productCode, warehouseCode, { lines: [] });
      continue;
    }
    pending.push({
      key,
      productId: d.productId,
      warehouseId: d.warehouseId,
      productCode,
      warehouseCode,
      lotStockId: d.lotStockId,
      companyId: d.companyId,
      min: 0,
      max: 0,
      values: {
        product: productCode,
        warehouse: warehouseCode,
        product_min_qty: 0,
        product_max_qty: 0,
        note: 'not in this version: no forecast demand',
      },
      reason: 'dropped',
      lines: [],
    });
  }

  const withCompany = companyColumn(pending.map((p) => p.companyId));
  const fields = [
    'id',
    'product_id/.id',
    'warehouse_id/.id',
    'location_id/.id',
    'product_min_qty',
    'product_max_qty',
    ...(withCompany ? ['company_id/.id'] : []),
  ];
  const rows = pending.map((p) =>
    makeRow(
      model,
      fields,
      p.key,
      [
        String(p.productId),
        String(p.warehouseId),
        String(p.lotStockId),
        qtyCell(p.min),
        qtyCell(p.max),
        ...(withCompany ? [String(p.companyId)] : []),
      ],
      {
        ref: cellRef(p.productCode, p.warehouseCode),
        values: p.values,
        productId: p.productId,
        warehouseId: p.warehouseId,
        ...(p.reason ? { reason: p.reason } : {}),
        ...(p.lines ? { lines: p.lines } : {}),
      },
    ),
  );
  return { orderpoints: { model, fields, rows }, skipped };
}
