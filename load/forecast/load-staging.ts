/**
 * forecast-load's reads and writes in staging: the batches to load, a batch's lines as load
 * cells, what earlier versions loaded (for zeroing), and its skipped rows as load errors (the
 * rows a load rejected are kept by load/odoo-ledger/load-errors.ts).
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import type { DroppedPeriod, DroppedRule, ForecastCell, SkippedRow } from '../../transform/forecast/load/index.ts';
import type { BatchStatus } from '../../transform/shared/batch-state.ts';
import type { LoadRowError } from '../odoo-ledger/load-errors.ts';

type Db = Knex | Knex.Transaction;

/** Statuses the job picks up on its own: approved, a crashed run's `loading`, and `load_failed` (loads what is left). */
export const LOADABLE: readonly BatchStatus[] = ['approved', 'loading', 'load_failed'];

/** Ids of forecast batches to load, oldest first (so per scope too). */
export async function loadableBatchIds(db: Db): Promise<number[]> {
  const rows = (await db('batches')
    .where({ kind: 'forecast' })
    .whereIn('status', LOADABLE as BatchStatus[])
    .orderBy('id')
    .select('id')) as Array<{ id: string | number }>;
  return rows.map((r) => Number(r.id));
}

/** The newest batch of a scope that reached Odoo or is on its way (a reload of an older one would undo it). */
export async function newestLoadedInScope(db: Db, scope: string): Promise<number | undefined> {
  const row = (await db('batches')
    .where({ kind: 'forecast', scope })
    .whereIn('status', ['loading', 'loaded', 'load_failed'])
    .orderBy('id', 'desc')
    .first('id')) as { id: string | number } | undefined;
  return row ? Number(row.id) : undefined;
}

/** Older `load_failed` batches of a scope: a newer version reached Odoo, they are superseded. */
export async function olderFailedInScope(db: Db, scope: string, batchId: number): Promise<number[]> {
  const rows = (await db('batches')
    .where({ kind: 'forecast', scope, status: 'load_failed' })
    .where('id', '<', batchId)
    .orderBy('id')
    .select('id')) as Array<{ id: string | number }>;
  return rows.map((r) => Number(r.id));
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function readBatchCells(db: Db, batchId: number): Promise<ForecastCell[]> {
  const rows = await runSql(db, 'forecast/batch_cells', [batchId]);
  return rows.map((r) => ({
    productId: num(r.product_id),
    productCode: String(r.product_code),
    warehouseId: num(r.warehouse_id),
    warehouseCode: String(r.warehouse_code),
    lotStockId: num(r.lot_stock_id),
    companyId: num(r.company_id),
    uomRounding: num(r.uom_rounding),
    periodStart: String(r.period_start),
    quantity: num(r.quantity),
    lines: Number(r.lines),
    lineNos: (r.line_nos as Array<number | string>).map(Number),
  }));
}

export async function droppedMpsPeriods(db: Db, warehouseIds: readonly number[], first: string, last: string): Promise<DroppedPeriod[]> {
  if (warehouseIds.length === 0) return [];
  const rows = await runSql(db, 'forecast/mps_dropped', [warehouseIds, first, last]);
  return rows.map((r) => ({
    warehouseId: Number(r.warehouse_id),
    productId: Number(r.product_id),
    periodStart: String(r.period_start),
    productCode: (r.product_code as string | null) ?? null,
    warehouseCode: (r.warehouse_code as string | null) ?? null,
  }));
}

export async function droppedOrderpoints(db: Db, warehouseIds: readonly number[]): Promise<DroppedRule[]> {
  if (warehouseIds.length === 0) return [];
  const rows = await runSql(db, 'forecast/orderpoint_dropped', [warehouseIds]);
  return rows.map((r) => ({
    warehouseId: Number(r.warehouse_id),
    productId: Number(r.product_id),
    productCode: (r.product_code as string | null) ?? null,
    warehouseCode: (r.warehouse_code as string | null) ?? null,
    lotStockId: num(r.lot_stock_id),
    companyId: num(r.company_id),
  }));
}

/** Skipped rows that count as errors, in the error table's shape. */
export function skippedErrors(skipped: readonly SkippedRow[]): LoadRowError[] {
  return skipped
    .filter((s) => s.kind === 'error')
    .map((s) => ({
      model: s.model,
      key: s.key ?? '',
      ref: s.ref,
      message: s.reason,
      details: { kind: s.kind },
      ...(s.lines ? { lines: s.lines } : {}),
    }));
}
