/**
 * Inventory staging: count lines (bulk insert through unnest, resolved against the master data on
 * the way in), their checkpoint measurements, quant snapshots, reconciliation runs and lines (the
 * matching itself is sql/inventory/reconciliation.sql), and the inventory-adjust ledger.
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import type { QuantRow } from '../../extract/inventory/odoo-quants.ts';
import type { RowError } from '../../transform/shared/checkpoints.ts';
import type { CategoryInfo, CountLine, CountMeasures, Coverage, ResolvedTolerance, Tolerance } from '../../transform/inventory/index.ts';

type Db = Knex | Knex.Transaction;
type Row = Record<string, unknown>;

export const COUNT_KIND = 'inventory_count';
/** count batches a reconciliation may use: checked and not rejected or replaced */
export const RECONCILABLE = ['validated', 'approved', 'loading', 'loaded', 'load_failed'] as const;

// ---- count lines ------------------------------------------------------------------------------

/** Inserts one chunk; `firstLineNo` keeps the file order; `defaultCountedAt` for lines without a time. */
export async function stageCountLines(
  db: Db,
  batchId: number,
  lines: readonly CountLine[],
  firstLineNo: number,
  defaultCountedAt: Date,
): Promise<void> {
  const n = lines.length;
  if (n === 0) return;
  const lineNo = new Array<number>(n);
  const location = new Array<string>(n);
  const warehouse = new Array<string | null>(n);
  const product = new Array<string>(n);
  const lot = new Array<string | null>(n);
  const quantity = new Array<number>(n);
  const unit = new Array<string | null>(n);
  const countedAt = new Array<Date | null>(n);
  const ref = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const l = lines[i]!;
    lineNo[i] = firstLineNo + i;
    location[i] = l.location;
    warehouse[i] = l.warehouse ?? null;
    product[i] = l.product;
    lot[i] = l.lot ?? null;
    quantity[i] = l.quantity;
    unit[i] = l.unit ?? null;
    countedAt[i] = l.countedAt ?? null;
    ref[i] = l.sourceRef;
  }
  await runSql(db, 'inventory/stage_count_lines', [
    batchId,
    lineNo,
    location,
    warehouse,
    product,
    lot,
    quantity,
    unit,
    countedAt,
    ref,
    defaultCountedAt,
  ]);
}

export async function deleteCountLines(db: Db, batchId: number): Promise<void> {
  await db('inventory_count_lines').where({ batch_id: batchId }).delete();
}

export interface CountLineFigures {
  lines: CountMeasures['lines'] & { first_counted_at: string | null; last_counted_at: string | null };
  duplicates: CountMeasures['duplicates'];
  references: CountMeasures['references'];
}

export async function measureCount(db: Db, batchId: number): Promise<CountLineFigures> {
  const [lines] = await runSql(db, 'inventory/check_count_lines', [batchId]);
  const [duplicates] = await runSql(db, 'inventory/check_count_duplicates', [batchId]);
  const [references] = await runSql(db, 'inventory/check_count_references', [batchId]);
  return {
    lines: lines as unknown as CountLineFigures['lines'],
    duplicates: duplicates as unknown as CountLineFigures['duplicates'],
    references: references as unknown as CountLineFigures['references'],
  };
}

export interface FailedCountChecks {
  unknownLocations: boolean;
  unknownProducts: boolean;
  unitConversion: boolean;
  negativeQuantity: boolean;
}

export async function countLineProblems(db: Db, batchId: number, failed: FailedCountChecks, limit: number): Promise<RowError[]> {
  if (limit <= 0) return [];
  const rows = await runSql<{ ref: string; col: string; value: string | null; message: string }>(db, 'inventory/count_line_problems', [
    batchId,
    limit,
    failed.unknownLocations,
    failed.unknownProducts,
    failed.unitConversion,
    failed.negativeQuantity,
  ]);
  return rows.map((r) => ({ ref: r.ref, column: r.col, value: r.value ?? '', message: r.message }));
}

/** The count batch a reconciliation of `warehouse` uses: the newest checked one. */
export async function latestCountBatch(db: Db, warehouseCode: string): Promise<number | undefined> {
  const row = await db('batches')
    .where({ kind: COUNT_KIND })
    .whereRaw('lower(scope) = lower(?)', [warehouseCode])
    .whereIn('status', [...RECONCILABLE])
    .orderBy('id', 'desc')
    .first('id');
  return row?.id as number | undefined;
}

/** Warehouse codes (scopes) that have a checked count batch. */
export async function countedWarehouses(db: Db): Promise<string[]> {
  const rows = await db('batches')
    .where({ kind: COUNT_KIND })
    .whereIn('status', [...RECONCILABLE])
    .distinct('scope')
    .orderBy('scope');
  return rows.map((r: { scope: string }) => r.scope);
}

// ---- master data --------------------------------------------------------------------------------

export interface WarehouseRef {
  id: number;
  code: string;
  name: string;
}

export async function findWarehouse(db: Db, code: string): Promise<WarehouseRef | undefined> {
  const row = await db('md_warehouses')
    .where({ active: true })
    .whereRaw('lower(code) = lower(?)', [code])
    .orderBy('odoo_id')
    .first('odoo_id', 'code', 'name');
  return row ? { id: Number(row.odoo_id), code: row.code as string, name: row.name as string } : undefined;
}

export async function warehouseById(db: Db, id: number): Promise<WarehouseRef | undefined> {
  const row = await db('md_warehouses').where({ odoo_id: id }).first('odoo_id', 'code', 'name');
  return row ? { id: Number(row.odoo_id), code: row.code as string, name: row.name as string } : undefined;
}

export async function listCategories(db: Db): Promise<CategoryInfo[]> {
  const fromTable = (await db('md_product_categories')
    .where({ active: true })
    .select('odoo_id', 'name', 'complete_name', 'parent_id')) as Row[];
  const out = new Map<number, CategoryInfo>();
  for (const r of fromTable) {
    out.set(Number(r.odoo_id), {
      id: Number(r.odoo_id),
      name: r.name as string,
      completeName: (r.complete_name as string | null) ?? null,
      parentId: r.parent_id === null ? null : Number(r.parent_id),
    });
  }
  // products may name categories that were not synced as records (older snapshots, the demo)
  const fromProducts = (await db('md_products').whereNotNull('categ_id').distinct('categ_id', 'categ_name')) as Row[];
  for (const r of fromProducts) {
    const id = Number(r.categ_id);
    if (!out.has(id))
      out.set(id, {
        id,
        name: (r.categ_name as string | null) ?? String(id),
        completeName: (r.categ_name as string | null) ?? null,
        parentId: null,
      });
  }
  return [...out.values()];
}

/** Distinct resolved locations of a count batch (coverage `counted_locations`). */
export async function countedLocationIds(db: Db, batchId: number): Promise<number[]> {
  const rows = await db('inventory_count_lines').where({ batch_id: batchId }).whereNotNull('location_id').distinct('location_id');
  return rows.map((r: { location_id: string | number }) => Number(r.location_id));
}

// ---- snapshots ----------------------------------------------------------------------------------

export interface NewSnapshot {
  warehouseId: number;
  warehouseCode: string;
  purpose: 'reconciliation' | 'adjust';
  takenAt: Date;
  source: string;
  runId: number | null;
}

export async function createSnapshot(db: Db, s: NewSnapshot): Promise<number> {
  const [row] = await db('inventory_snapshots')
    .insert({
      warehouse_id: s.warehouseId,
      warehouse_code: s.warehouseCode,
      purpose: s.purpose,
      taken_at: s.takenAt,
      source: s.source,
      run_id: s.runId,
    })
    .returning('id');
  return Number((row as { id: number }).id);
}

export async function stageQuants(db: Db, snapshotId: number, quants: readonly QuantRow[]): Promise<void> {
  const n = quants.length;
  if (n === 0) return;
  const cols = Array.from({ length: 15 }, () => new Array<unknown>(n));
  for (let i = 0; i < n; i++) {
    const q = quants[i]!;
    cols[0]![i] = q.quantId;
    cols[1]![i] = q.productId;
    cols[2]![i] = q.productName;
    cols[3]![i] = q.locationId;
    cols[4]![i] = q.locationName;
    cols[5]![i] = q.lotId;
    cols[6]![i] = q.lotName;
    cols[7]![i] = q.quantity;
    cols[8]![i] = q.reservedQuantity;
    cols[9]![i] = q.uomId;
    cols[10]![i] = q.uomName;
    cols[11]![i] = q.inDate;
    cols[12]![i] = q.writeDate;
    cols[13]![i] = q.inventoryQuantity;
    cols[14]![i] = q.inventoryQuantitySet;
  }
  await runSql(db, 'inventory/stage_quants', [snapshotId, ...cols]);
}

export async function finishSnapshot(db: Db, snapshotId: number): Promise<number> {
  const [row] = await db('inventory_quants').where({ snapshot_id: snapshotId }).count<{ n: string }[]>('* as n');
  const quants = Number(row?.n ?? 0);
  await db('inventory_snapshots').where({ id: snapshotId }).update({ finished_at: new Date(), quants });
  return quants;
}

export interface Snapshot {
  id: number;
  warehouseId: number;
  warehouseCode: string;
  takenAt: Date;
  finishedAt: Date | null;
  source: string | null;
  quants: number;
}

export async function getSnapshot(db: Db, id: number): Promise<Snapshot | undefined> {
  const r = (await db('inventory_snapshots').where({ id }).first()) as Row | undefined;
  return r ? snapshotOf(r) : undefined;
}

/**
 * The newest finished read of the whole warehouse (a reconciliation's; an adjust read covers only
 * the locations of its count), for inventory-adjust's dry run without Odoo.
 */
export async function latestWarehouseSnapshot(db: Db, warehouseId: number): Promise<Snapshot | undefined> {
  const r = (await db('inventory_snapshots')
    .where({ warehouse_id: warehouseId, purpose: 'reconciliation' })
    .whereNotNull('finished_at')
    .orderBy('id', 'desc')
    .first()) as Row | undefined;
  return r ? snapshotOf(r) : undefined;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A snapshot's quants in some locations, as they were read from Odoo. */
export async function storedQuants(db: Db, snapshotId: number, locationIds: readonly number[]): Promise<QuantRow[]> {
  const rows = (await db('inventory_quants')
    .where({ snapshot_id: snapshotId })
    .whereIn('location_id', [...locationIds])
    .orderBy('quant_id')) as Row[];
  return rows.map((r) => ({
    quantId: Number(r.quant_id),
    productId: Number(r.product_id),
    productName: (r.product_name as string | null) ?? null,
    locationId: Number(r.location_id),
    locationName: (r.location_name as string | null) ?? null,
    lotId: num(r.lot_id),
    lotName: (r.lot_name as string | null) ?? null,
    quantity: Number(r.quantity),
    reservedQuantity: num(r.reserved_quantity),
    uomId: num(r.uom_id),
    uomName: (r.uom_name as string | null) ?? null,
    inDate: (r.in_date as Date | null) ?? null,
    writeDate: (r.write_date as Date | null) ?? null,
    inventoryQuantity: num(r.inventory_quantity),
    inventoryQuantitySet: (r.inventory_quantity_set as boolean | null) ?? null,
  }));
}

function snapshotOf(r: Row): Snapshot {
  return {
    id: Number(r.id),
    warehouseId: Number(r.warehouse_id),
    warehouseCode: r.warehouse_code as string,
    takenAt: r.taken_at as Date,
    finishedAt: (r.finished_at as Date | null) ?? null,
    source: (r.source as string | null) ?? null,
    quants: Number(r.quants),
  };
}

/**
 * Retention (housekeeping): removes, or on a dry run counts, the snapshots taken before `before`
 * that no reconciliation refers to, with their quants; the newest finished snapshot of each
 * warehouse stays (sql/inventory/prune_snapshots.sql).
 */
export async function pruneSnapshots(db: Db, before: Date, dryRun: boolean): Promise<{ snapshots: number; quants: number }> {
  const [row] = await runSql<{ snapshots: number; quants: number }>(db, 'inventory/prune_snapshots', [before.getTime(), dryRun]);
  return { snapshots: Number(row?.snapshots ?? 0), quants: Number(row?.quants ?? 0) };
}

/** Quants of a snapshot by key "location:product:lot" (inventory-adjust). */
export async function snapshotQuants(db: Db, snapshotId: number): Promise<Row[]> {
  return db('inventory_quants').where({ snapshot_id: snapshotId }).orderBy('quant_id');
}

// ---- reconciliations ----------------------------------------------------------------------------

export async function previousReconciliation(db: Db, warehouseId: number, beforeId?: number): Promise<number | null> {
  const q = db('inventory_reconciliations').where({ warehouse_id: warehouseId, status: 'done' }).orderBy('id', 'desc');
  if (beforeId !== undefined) q.where('id', '<', beforeId);
  const row = await q.first('id');
  return row ? Number(row.id) : null;
}

export interface NewReconciliation {
  runId: number | null;
  warehouse: WarehouseRef;
  kind: 'daily' | 'month_end';
  countBatchId: number;
  snapshotId: number;
  previousId: number | null;
  coverage: Coverage;
  settings: Record<string, unknown>;
}

export async function createReconciliation(db: Db, r: NewReconciliation): Promise<number> {
  const [row] = await db('inventory_reconciliations')
    .insert({
      run_id: r.runId,
      warehouse_id: r.warehouse.id,
      warehouse_code: r.warehouse.code,
      kind: r.kind,
      count_batch_id: r.countBatchId,
      snapshot_id: r.snapshotId,
      previous_id: r.previousId,
      coverage: r.coverage,
      settings: JSON.stringify(r.settings),
    })
    .returning('id');
  return Number((row as { id: number }).id);
}

export interface MatchInput {
  reconciliationId: number;
  countBatchId: number;
  snapshotId: number;
  previousId: number | null;
  defaultTolerance: Tolerance;
  tolerances: readonly ResolvedTolerance[];
  coverage: Coverage;
  warehouseId: number;
}

/** memory per sort / hash of the matching statement: 300,000 lines stay in memory with this */
const MATCH_WORK_MEM = '128MB';

/**
 * Runs the matching (sql/inventory/reconciliation.sql) and numbers the discrepancies in one
 * transaction, with a work_mem that keeps its joins and sorts out of temporary files.
 */
export async function matchCount(knex: Knex, m: MatchInput): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw(`set local work_mem = '${MATCH_WORK_MEM}'`);
    // compiling this large statement costs more than JIT saves on 300,000 rows
    await trx.raw('set local jit = off');
    // nearly every (location, product, lot) is a group of its own: grouping by sorting beats a hash
    // table of 300,000 aggregate states (which also outgrows work_mem and spills): 0.4-0.7 s less CPU
    await trx.raw('set local enable_hashagg = off');
    await matchLines(trx, m);
    await runSql(trx, 'inventory/reconciliation_disc_order', [m.reconciliationId]);
  });
}

async function matchLines(db: Db, m: MatchInput): Promise<void> {
  await runSql(db, 'inventory/reconciliation', [
    m.reconciliationId,
    m.countBatchId,
    m.snapshotId,
    m.previousId,
    m.defaultTolerance.abs,
    m.defaultTolerance.pct,
    m.tolerances.map((t) => t.categId),
    m.tolerances.map((t) => t.abs),
    m.tolerances.map((t) => t.pct),
    m.coverage,
    m.warehouseId,
  ]);
}

export interface ReconciliationTotals {
  lines: number;
  matched: number;
  discrepancies: number;
  moved_since_count: number;
  by_class: Record<string, number>;
  value_impact_abs: number;
  value_impact_net: number;
  new_discrepancies: number;
  persisting: number;
  resolved: number;
  odoo_lines: number;
  counted_lines: number;
  unresolved_lines: number;
}

export async function reconciliationTotals(db: Db, id: number, previousId: number | null): Promise<ReconciliationTotals> {
  const [row] = await runSql(db, 'inventory/reconciliation_totals', [id, previousId]);
  return row as unknown as ReconciliationTotals;
}

export interface LocationSummary {
  location_name: string;
  category: string;
  lines: number;
  matched: number;
  discrepancies: number;
  moved: number;
  value_impact_abs: number;
  value_impact_net: number;
}

export async function reconciliationByLocation(db: Db, id: number): Promise<LocationSummary[]> {
  return runSql<LocationSummary & Row>(db, 'inventory/reconciliation_by_location', [id]);
}

export interface ReportLine {
  line_no: number;
  location_name: string;
  product_code: string | null;
  product_name: string | null;
  category: string | null;
  lot_name: string | null;
  uom: string | null;
  odoo_qty: number | null;
  counted_qty: number | null;
  difference: number;
  tolerance_abs: number;
  tolerance_pct: number;
  class: string;
  moved_since_count: boolean;
  is_discrepancy: boolean;
  standard_price: number | null;
  value_impact: number | null;
  /** epoch milliseconds */
  counted_at: number | null;
  /** epoch milliseconds */
  odoo_changed_at: number | null;
  since_previous: string | null;
}

const numberOrNull = (v: unknown): number | null => (v === null ? null : Number(v));

/**
 * The numeric columns of a page come as numeric text (the server's cast to float8 costs more than
 * Number() here, for the same double).
 */
function readNumbers(rows: Row[]): ReportLine[] {
  for (const r of rows) {
    r.odoo_qty = numberOrNull(r.odoo_qty);
    r.counted_qty = numberOrNull(r.counted_qty);
    r.difference = Number(r.difference);
    r.tolerance_abs = Number(r.tolerance_abs);
    r.tolerance_pct = Number(r.tolerance_pct);
    r.standard_price = numberOrNull(r.standard_price);
    r.value_impact = numberOrNull(r.value_impact);
  }
  return rows as unknown as ReportLine[];
}

/**
 * Lines in report order (`all`) or discrepancies by value (`discrepancies`), page by page. The next
 * page is already being read while the caller writes the current one.
 */
export async function* reportLinePages(
  db: Db,
  id: number,
  which: 'all' | 'discrepancies',
  pageSize = 10_000,
): AsyncGenerator<ReportLine[]> {
  const file = which === 'all' ? 'inventory/reconciliation_lines_page' : 'inventory/reconciliation_discrepancies_page';
  const read = async (after: number) => readNumbers(await runSql(db, file, [id, after, pageSize]));
  let after = 0;
  let next = read(after);
  try {
    for (;;) {
      const page = await next;
      const more = page.length === pageSize;
      if (more) next = read((after += pageSize));
      if (page.length > 0) yield page;
      if (!more) return;
    }
  } finally {
    // a consumer that stops early must not leave a read behind unobserved
    await next.catch(() => undefined);
  }
}

export async function finishReconciliation(
  db: Db,
  id: number,
  totals: ReconciliationTotals,
  reports: { xlsx: string | null; csv: string | null },
): Promise<void> {
  await db('inventory_reconciliations')
    .where({ id })
    .update({
      status: 'done',
      finished_at: new Date(),
      totals: JSON.stringify(totals),
      report_xlsx: reports.xlsx,
      report_csv: reports.csv,
    });
}

// ---- inventory-adjust ledger --------------------------------------------------------------------

export type AdjustStatus = 'planned' | 'written' | 'applied' | 'unchanged' | 'conflict' | 'lot_required' | 'skipped' | 'failed';

export interface AdjustRow {
  batchId: number;
  locationId: number;
  productId: number;
  lotName: string;
  quantId: number | null;
  odooQty: number | null;
  countedQty: number;
  status: AdjustStatus;
  reason: string | null;
}

export async function adjustLedger(db: Db, batchId: number): Promise<Map<string, AdjustRow>> {
  const rows = (await db('inventory_adjustments').where({ batch_id: batchId })) as Row[];
  const out = new Map<string, AdjustRow>();
  for (const r of rows) {
    const row: AdjustRow = {
      batchId,
      locationId: Number(r.location_id),
      productId: Number(r.product_id),
      lotName: r.lot_name as string,
      quantId: r.quant_id === null ? null : Number(r.quant_id),
      odooQty: r.odoo_qty === null ? null : Number(r.odoo_qty),
      countedQty: Number(r.counted_qty),
      status: r.status as AdjustStatus,
      reason: (r.reason as string | null) ?? null,
    };
    out.set(`${row.locationId}:${row.productId}:${row.lotName}`, row);
  }
  return out;
}

export async function saveAdjustRows(db: Db, rows: readonly AdjustRow[], runId: number | null): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000).map((r) => ({
      batch_id: r.batchId,
      location_id: r.locationId,
      product_id: r.productId,
      lot_name: r.lotName,
      quant_id: r.quantId,
      odoo_qty: r.odooQty,
      counted_qty: r.countedQty,
      status: r.status,
      reason: r.reason,
      run_id: runId,
      updated_at: new Date(),
    }));
    await db('inventory_adjustments').insert(chunk).onConflict(['batch_id', 'location_id', 'product_id', 'lot_name']).merge();
  }
}

/** The count of a batch per key, in the product's unit (resolved lines only). */
export async function countKeys(
  db: Db,
  batchId: number,
): Promise<
  Array<{ locationId: number; productId: number; lotName: string; quantity: number; countedAt: Date; refs: string[]; lineNos: number[] }>
> {
  const rows = (await db('inventory_count_lines')
    .where({ batch_id: batchId })
    .whereNotNull('location_id')
    .whereNotNull('product_id')
    .whereNotNull('quantity')
    .groupByRaw("location_id, product_id, coalesce(lot_name, '')")
    .select(
      'location_id',
      'product_id',
      db.raw("coalesce(lot_name, '') as lot_name"),
      db.raw('sum(quantity)::float8 as quantity'),
      db.raw('max(counted_at) as counted_at'),
      db.raw('array_agg(source_ref order by line_no) as refs'),
      db.raw('array_agg(line_no order by line_no) as line_nos'),
    )
    .orderByRaw("location_id, product_id, coalesce(lot_name, '')")) as Row[];
  return rows.map((r) => ({
    locationId: Number(r.location_id),
    productId: Number(r.product_id),
    lotName: r.lot_name as string,
    quantity: Number(r.quantity),
    countedAt: r.counted_at as Date,
    refs: r.refs as string[],
    lineNos: (r.line_nos as Array<number | string>).map(Number),
  }));
}
