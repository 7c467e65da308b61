/**
 * Staging of the cost batches: cost update lines (bulk, array parameters), the rollup itself
 * (sql/costs/rollup.sql), what the checkpoints measure, the report's pages and cost-load's
 * bookkeeping (load status per line, what Odoo recorded).
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import type { RowError } from '../../transform/shared/checkpoints.ts';
import type { CostUpdateLine } from '../../transform/costs/updates.ts';
import type { Mover } from '../../transform/costs/checkpoints.ts';

type Db = Knex | Knex.Transaction;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

// ---- cost update files --------------------------------------------------------------------------

export async function stageCostUpdateLines(db: Db, batchId: number, lines: readonly CostUpdateLine[]): Promise<void> {
  if (lines.length === 0) return;
  await runSql(db, 'costs/stage_updates', [
    batchId,
    lines.map((l) => l.lineNo),
    lines.map((l) => l.productCode),
    lines.map((l) => l.sourceCost),
    lines.map((l) => l.currency),
    lines.map((l) => l.rate),
    lines.map((l) => l.companyCost),
    lines.map((l) => l.sourceUnit),
    lines.map((l) => l.validFrom),
    lines.map((l) => l.sourceRef),
  ]);
}

export interface UpdateFigures {
  lines: number;
  masterProducts: number;
  unknownProducts: { count: number; examples: string[] };
  unitProblems: { count: number; examples: string[] };
  negative: { count: number; examples: string[] };
  duplicates: { count: number; examples: string[] };
  moversOver: number;
  movers: Mover[];
}

export async function measureCostUpdates(db: Db, batchId: number, deltaPct: number, top: number): Promise<UpdateFigures> {
  const [r] = await runSql<Record<string, unknown>>(db, 'costs/check_updates', [batchId, deltaPct, top]);
  const ex = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);
  return {
    lines: Number(r!.lines),
    masterProducts: Number(r!.master_products),
    unknownProducts: { count: Number(r!.unknown_products), examples: ex(r!.unknown_examples) },
    unitProblems: { count: Number(r!.unit_problems), examples: ex(r!.unit_examples) },
    negative: { count: Number(r!.negative), examples: ex(r!.negative_examples) },
    duplicates: { count: Number(r!.duplicates), examples: ex(r!.duplicate_examples) },
    moversOver: Number(r!.movers_over),
    movers: toMovers(r!.movers),
  };
}

function toMovers(value: unknown): Mover[] {
  return ((value as Array<Record<string, unknown>>) ?? []).map((m) => ({
    product: String(m.product),
    current: num(m.current),
    next: Number(m.next),
    deltaPct: num(m.deltaPct),
  }));
}

export async function costUpdateLineProblems(db: Db, batchId: number, max: number): Promise<RowError[]> {
  if (max <= 0) return [];
  const rows = await runSql<{ ref: string; col: string; value: string; message: string }>(db, 'costs/update_line_problems', [batchId, max]);
  return rows.map((r) => ({ ref: r.ref, column: r.col, value: r.value, message: r.message }));
}

export async function deleteCostUpdateLines(db: Db, batchId: number): Promise<void> {
  await db('cost_update_lines').where({ batch_id: batchId }).delete();
}

// ---- the rollup ---------------------------------------------------------------------------------

export interface RollupParams {
  batchId: number;
  companyId: number | null;
  asOf: string;
  /** decimals Odoo keeps of standard_price; null: unrounded (Odoo 19) */
  priceDigits: number | null;
  maxLevels: number;
  overhead: Map<number, number>;
  overheadBase: string;
  zeroCostIsMissing: boolean;
}

export interface RollupSummary {
  products: number;
  costed: number;
  kits: number;
  componentsUpdated: number;
  maxLevel: number;
  purchasedComponents: number;
  edges: number;
  problems: Record<string, number>;
}

/**
 * Runs sql/costs/rollup.sql: writes the batch's lines and problems, answers the summary. In its
 * own (sub)transaction with JIT off (the statement's row estimates through its CTEs are far off,
 * and PostgreSQL would spend seconds compiling a plan that runs in less) and room to sort and
 * hash in memory.
 */
export async function runRollup(db: Db, p: RollupParams): Promise<RollupSummary> {
  return db.transaction(async (trx) => {
    await trx.raw('set local jit = off');
    await trx.raw(`set local work_mem = '32MB'`);
    return rollupStatement(trx, p);
  });
}

async function rollupStatement(db: Db, p: RollupParams): Promise<RollupSummary> {
  const [r] = await runSql<Record<string, unknown>>(db, 'costs/rollup', [
    p.batchId,
    p.companyId,
    p.asOf,
    p.priceDigits,
    p.maxLevels,
    [...p.overhead.keys()],
    [...p.overhead.values()],
    p.overheadBase,
    p.zeroCostIsMissing,
  ]);
  return {
    products: Number(r!.products),
    costed: Number(r!.costed),
    kits: Number(r!.kits),
    componentsUpdated: Number(r!.components_updated),
    maxLevel: Number(r!.max_level),
    purchasedComponents: Number(r!.purchased_components),
    edges: Number(r!.edges),
    problems: (r!.problems ?? {}) as Record<string, number>,
  };
}

export interface RollupProblem {
  kind: string;
  productId: number | null;
  product: string;
  componentId: number | null;
  component: string;
  bomId: number | null;
  lineId: number | null;
  detail: Record<string, unknown>;
}

export async function rollupProblems(db: Db, batchId: number): Promise<RollupProblem[]> {
  const rows = await runSql<Record<string, unknown>>(db, 'costs/rollup_problems', [batchId]);
  return rows.map((r) => ({
    kind: String(r.kind),
    productId: num(r.product_id),
    product: String(r.product),
    componentId: num(r.component_id),
    component: String(r.component),
    bomId: num(r.bom_id),
    lineId: num(r.line_id),
    detail: (r.detail ?? {}) as Record<string, unknown>,
  }));
}

/** Notes on the lines of the products that sit in a cycle: which one. */
export async function noteCycles(db: Db, batchId: number, members: ReadonlyMap<number, string>): Promise<void> {
  if (members.size === 0) return;
  await runSql(db, 'costs/note_cycles', [batchId, [...members.keys()], [...members.values()]]);
}

export interface RollupFigures {
  moversOver: number;
  movers: Mover[];
  nonStandard: { count: number; examples: string[] };
  revaluation: { absolute: number; net: number; products: number };
  onHandLines: number;
  notCosted: Array<{ product: string; reason: string }>;
  notCostedCount: number;
}

export async function measureRollup(db: Db, batchId: number, deltaPct: number, top: number): Promise<RollupFigures> {
  const [r] = await runSql<Record<string, unknown>>(db, 'costs/rollup_measures', [batchId, deltaPct, top]);
  return {
    moversOver: Number(r!.movers_over),
    movers: toMovers(r!.movers),
    nonStandard: { count: Number(r!.non_standard), examples: (r!.non_standard_examples as string[]) ?? [] },
    revaluation: { absolute: Number(r!.revaluation_absolute), net: Number(r!.revaluation_net), products: Number(r!.revaluation_products) },
    onHandLines: Number(r!.on_hand_lines),
    notCosted: (r!.not_costed as Array<{ product: string; reason: string }>) ?? [],
    notCostedCount: Number(r!.not_costed_count),
  };
}

/**
 * Quantity on hand, valued quantity and stock value read from Odoo, and the revaluation Odoo will
 * book (sql/costs/set_on_hand.sql): `layers` 17/18, `live` 19.
 */
export async function setOnHand(
  db: Db,
  batchId: number,
  onHand: ReadonlyMap<number, { qty: number; valued: number; value: number }>,
  mode: 'layers' | 'live',
): Promise<void> {
  const ids = [...onHand.keys()];
  for (let i = 0; i < ids.length; i += 5000) {
    const part = ids.slice(i, i + 5000);
    await runSql(db, 'costs/set_on_hand', [
      batchId,
      part,
      part.map((id) => onHand.get(id)!.qty),
      mode,
      part.map((id) => onHand.get(id)!.valued),
      part.map((id) => onHand.get(id)!.value),
    ]);
  }
}

/** Product ids of a batch whose quantity on hand matters (stocked, written products). */
export async function onHandCandidates(db: Db, batchId: number): Promise<number[]> {
  const rows = await db('cost_rollup_lines')
    .where({ batch_id: batchId, writable: true })
    .whereNot('kind', 'kit')
    .whereNotNull('new_cost')
    .orderBy('product_id')
    .pluck('product_id');
  return rows.map(Number);
}

/** Lines of a batch whose standard cost would change (cost-load would write them). */
export async function countCostChanges(db: Db, batchId: number): Promise<number> {
  const row = (await db('cost_rollup_lines')
    .where({ batch_id: batchId, writable: true })
    .whereNotNull('new_cost')
    .whereRaw('new_cost <> coalesce(current_cost, 0)')
    .count('* as n')
    .first()) as { n: unknown } | undefined;
  return Number(row?.n ?? 0);
}

/** A fingerprint of what the rollup decided (costs and current costs per product). */
export async function rollupFingerprint(db: Db, batchId: number): Promise<string> {
  const [r] = await runSql<{ fp: string }>(db, 'costs/fingerprint', [batchId]);
  return r!.fp;
}

/** The newest cost_rollup batch of the scope that is not rejected (for "nothing changed"). */
export async function latestRollupBatch(
  db: Db,
  scope: string,
  beforeId: number,
): Promise<{ id: number; status: string; fingerprint: string | null } | undefined> {
  const row = await db('batches')
    .where({ kind: 'cost_rollup', scope })
    .whereNot('status', 'rejected')
    .where('id', '<', beforeId)
    .orderBy('id', 'desc')
    .first('id', 'status', 'stats');
  if (!row) return undefined;
  const stats = (row.stats ?? {}) as Record<string, unknown>;
  return { id: Number(row.id), status: String(row.status), fingerprint: typeof stats.fingerprint === 'string' ? stats.fingerprint : null };
}

export async function deleteRollup(db: Db, batchId: number): Promise<void> {
  await db('cost_rollup_lines').where({ batch_id: batchId }).delete();
  await db('cost_rollup_problems').where({ batch_id: batchId }).delete();
}

// ---- report -------------------------------------------------------------------------------------

export interface CostLine {
  productId: number;
  defaultCode: string | null;
  name: string | null;
  categName: string | null;
  costMethod: string | null;
  kind: string;
  level: number | null;
  bomId: number | null;
  bomCode: string | null;
  materialCost: number | null;
  operationCost: number | null;
  overheadCost: number | null;
  overheadPct: number | null;
  materialRolled: number | null;
  operationRolled: number | null;
  overheadRolled: number | null;
  newCost: number | null;
  currentCost: number | null;
  delta: number | null;
  deltaPct: number | null;
  qtyOnHand: number | null;
  valuedQty: number | null;
  revaluationImpact: number | null;
  bookedRevaluation: number | null;
  writable: boolean;
  note: string | null;
  loadStatus: string | null;
  odooPriceBefore: number | null;
}

function toCostLine(r: Record<string, unknown>): CostLine {
  return {
    productId: Number(r.product_id),
    defaultCode: (r.default_code as string | null) ?? null,
    name: (r.name as string | null) ?? null,
    categName: (r.categ_name as string | null) ?? null,
    costMethod: (r.cost_method as string | null) ?? null,
    kind: String(r.kind),
    level: num(r.level),
    bomId: num(r.bom_id),
    bomCode: (r.bom_code as string | null) ?? null,
    materialCost: num(r.material_cost),
    operationCost: num(r.operation_cost),
    overheadCost: num(r.overhead_cost),
    overheadPct: num(r.overhead_pct),
    materialRolled: num(r.material_rolled),
    operationRolled: num(r.operation_rolled),
    overheadRolled: num(r.overhead_rolled),
    newCost: num(r.new_cost),
    currentCost: num(r.current_cost),
    delta: num(r.delta),
    deltaPct: num(r.delta_pct),
    qtyOnHand: num(r.qty_on_hand),
    valuedQty: num(r.valued_qty),
    revaluationImpact: num(r.revaluation_impact),
    bookedRevaluation: num(r.booked_revaluation),
    writable: Boolean(r.writable),
    note: (r.note as string | null) ?? null,
    loadStatus: (r.load_status as string | null) ?? null,
    odooPriceBefore: num(r.odoo_price_before),
  };
}

/** The batch's lines page by page (keyset on product code, id): memory stays flat. */
export async function* costLinePages(db: Db, batchId: number, pageSize = 2000): AsyncGenerator<CostLine[]> {
  let code = '';
  let id = 0;
  for (;;) {
    const rows = await runSql<Record<string, unknown>>(db, 'costs/report_lines', [batchId, code, id, pageSize]);
    if (rows.length === 0) return;
    yield rows.map(toCostLine);
    const last = rows[rows.length - 1]!;
    code = String(last.sort_code);
    id = Number(last.product_id);
    if (rows.length < pageSize) return;
  }
}

export async function costLine(db: Db, batchId: number, productId: number): Promise<CostLine | undefined> {
  const row = await db('cost_rollup_lines').where({ batch_id: batchId, product_id: productId }).first();
  return row ? toCostLine(row as Record<string, unknown>) : undefined;
}

export interface CategoryTotal {
  category: string;
  products: number;
  costed: number;
  changed: number;
  stockValueBefore: number;
  stockValueAfter: number;
  /** predicted: what Odoo will book (after a load: for the lines written) */
  revaluationImpact: number;
  /** what Odoo booked for cost-load's writes (null: nothing loaded) */
  bookedRevaluation: number | null;
}

export async function categoryTotals(db: Db, batchId: number): Promise<CategoryTotal[]> {
  const rows = await runSql<Record<string, unknown>>(db, 'costs/report_summary', [batchId]);
  return rows.map((r) => ({
    category: String(r.category),
    products: Number(r.products),
    costed: Number(r.costed),
    changed: Number(r.changed),
    stockValueBefore: Number(r.stock_value_before),
    stockValueAfter: Number(r.stock_value_after),
    revaluationImpact: Number(r.revaluation_impact),
    bookedRevaluation: num(r.booked_revaluation),
  }));
}

// ---- cost-load ----------------------------------------------------------------------------------

export interface LoadCandidate {
  productId: number;
  code: string;
  newCost: number;
  currentCost: number | null;
  kind: string;
  valuation: string | null;
  loadStatus: string | null;
}

/** Lines cost-load considers: standard cost, costed. */
export async function loadCandidates(db: Db, batchId: number): Promise<LoadCandidate[]> {
  const rows = await db('cost_rollup_lines').where({ batch_id: batchId, writable: true }).whereNotNull('new_cost').orderBy('product_id');
  return (rows as Array<Record<string, unknown>>).map((r) => ({
    productId: Number(r.product_id),
    code: String(r.default_code ?? `#${String(r.product_id)}`),
    newCost: Number(r.new_cost),
    currentCost: num(r.current_cost),
    kind: String(r.kind),
    valuation: (r.valuation as string | null) ?? null,
    loadStatus: (r.load_status as string | null) ?? null,
  }));
}

export async function markLoadStatus(
  db: Db,
  batchId: number,
  entries: ReadonlyArray<{
    productId: number;
    status: 'written' | 'unchanged' | 'not_standard' | 'not_costed' | 'failed';
    priceBefore: number | null;
  }>,
): Promise<void> {
  for (let i = 0; i < entries.length; i += 5000) {
    const part = entries.slice(i, i + 5000);
    await runSql(db, 'costs/mark_load_status', [
      batchId,
      part.map((e) => e.productId),
      part.map((e) => e.status),
      part.map((e) => e.priceBefore),
    ]);
  }
  // the lines no write was tried for
  await db('cost_rollup_lines')
    .where({ batch_id: batchId })
    .whereNull('load_status')
    .whereNull('new_cost')
    .update({ load_status: 'not_costed' });
  await db('cost_rollup_lines')
    .where({ batch_id: batchId, writable: false })
    .whereNull('load_status')
    .update({ load_status: 'not_standard' });
}

/** What Odoo booked for the price writes, per product (sql/costs/set_booked.sql). */
export async function setBookedRevaluation(db: Db, batchId: number, booked: ReadonlyMap<number, number>): Promise<void> {
  const ids = [...booked.keys()];
  for (let i = 0; i < ids.length; i += 5000) {
    const part = ids.slice(i, i + 5000);
    await runSql(db, 'costs/set_booked', [batchId, part, part.map((id) => booked.get(id))]);
  }
}

/** Predicted and booked revaluation of the lines cost-load wrote. */
export async function revaluationTotals(db: Db, batchId: number): Promise<{ predicted: number; booked: number }> {
  const row = (await db('cost_rollup_lines')
    .where({ batch_id: batchId, load_status: 'written' })
    .first(db.raw('coalesce(sum(revaluation_impact), 0) as predicted, coalesce(sum(booked_revaluation), 0) as booked'))) as
    { predicted: unknown; booked: unknown } | undefined;
  return { predicted: Number(row?.predicted ?? 0), booked: Number(row?.booked ?? 0) };
}

/** After a successful write the snapshot's standard price is what Odoo holds now. */
export async function refreshSnapshotPrices(db: Db, prices: ReadonlyMap<number, number>): Promise<void> {
  const ids = [...prices.keys()];
  if (ids.length === 0) return;
  await runSql(db, 'costs/refresh_prices', [ids, ids.map((id) => prices.get(id))]);
}

export interface ValuationRecord {
  productId: number | null;
  odooModel: string;
  odooId: number;
  value: number | null;
  quantity: number | null;
  accountMoveId: number | null;
  description: string | null;
}

export async function saveValuationRecords(
  db: Db,
  batchId: number,
  runId: number | null,
  records: readonly ValuationRecord[],
): Promise<void> {
  for (let i = 0; i < records.length; i += 1000) {
    const part = records.slice(i, i + 1000);
    await db('cost_valuation_records')
      .insert(
        part.map((r) => ({
          batch_id: batchId,
          run_id: runId,
          product_id: r.productId,
          odoo_model: r.odooModel,
          odoo_id: r.odooId,
          value: r.value,
          quantity: r.quantity,
          account_move_id: r.accountMoveId,
          description: r.description,
        })),
      )
      .onConflict(['odoo_model', 'odoo_id'])
      .ignore();
  }
}

export async function listValuationRecords(db: Db, batchId: number): Promise<Array<ValuationRecord & { code: string | null }>> {
  const rows = await db('cost_valuation_records as v')
    .leftJoin('md_products as p', 'p.odoo_id', 'v.product_id')
    .where('v.batch_id', batchId)
    .orderBy('v.id')
    .select('v.*', 'p.default_code');
  return (rows as Array<Record<string, unknown>>).map((r) => ({
    productId: num(r.product_id),
    odooModel: String(r.odoo_model),
    odooId: Number(r.odoo_id),
    value: num(r.value),
    quantity: num(r.quantity),
    accountMoveId: num(r.account_move_id),
    description: (r.description as string | null) ?? null,
    code: (r.default_code as string | null) ?? null,
  }));
}

/** Product categories of the snapshot (md_product_categories, plus names only products carry). */
export async function productCategories(
  db: Db,
): Promise<Array<{ id: number; name: string | null; completeName: string | null; parentId: number | null }>> {
  const rows = await runSql<Record<string, unknown>>(db, 'costs/categories');
  return rows.map((r) => ({
    id: Number(r.id),
    name: (r.name as string | null) ?? null,
    completeName: (r.complete_name as string | null) ?? null,
    parentId: num(r.parent_id),
  }));
}

/** Lineage: per product of a rollup whose cost came from a cost update file, that file's batch and line. */
export async function updateLineSources(
  db: Db,
  rollupBatchId: number,
  asOf: string,
): Promise<Map<number, { sourceBatchId: number; lineNo: number }>> {
  const rows = await runSql<{ product_id: string; source_batch_id: string; line_no: number }>(db, 'costs/update_line_sources', [
    rollupBatchId,
    asOf,
  ]);
  return new Map(rows.map((r) => [Number(r.product_id), { sourceBatchId: Number(r.source_batch_id), lineNo: Number(r.line_no) }]));
}
