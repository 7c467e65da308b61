/**
 * Forecast staging: bulk insert of lines (array parameters through unnest, resolved against the
 * master data on the way in), the measurements the checkpoints read, and row errors.
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import type { ForecastMeasures } from '../../transform/forecast-checkpoints.ts';
import type { RowError } from '../../transform/checkpoints.ts';
import type { ForecastLine } from '../../transform/forecast/index.ts';

type Db = Knex | Knex.Transaction;

/** Inserts one chunk; `firstLineNo` numbers the lines so their order in the file is kept. */
export async function stageForecastLines(db: Db, batchId: number, lines: readonly ForecastLine[], firstLineNo: number): Promise<void> {
  const n = lines.length;
  if (n === 0) return;
  const lineNo = new Array<number>(n);
  const product = new Array<string>(n);
  const warehouse = new Array<string>(n);
  const period = new Array<string>(n);
  const quantity = new Array<number>(n);
  const unit = new Array<string | null>(n);
  const ref = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const l = lines[i]!;
    lineNo[i] = firstLineNo + i;
    product[i] = l.product;
    warehouse[i] = l.warehouse;
    period[i] = l.periodStart;
    quantity[i] = l.quantity;
    unit[i] = l.unit ?? null;
    ref[i] = l.sourceRef;
  }
  await runSql(db, 'forecast/stage_lines', [batchId, lineNo, product, warehouse, period, quantity, unit, ref]);
}

export async function deleteForecastLines(db: Db, batchId: number): Promise<void> {
  await db('forecast_lines').where({ batch_id: batchId }).delete();
}

/** The previous approved (or loaded) version of the same scope, if any. */
export async function previousApprovedForecast(db: Db, scope: string, beforeBatchId: number): Promise<number | undefined> {
  const row = await db('batches')
    .where({ kind: 'forecast', scope })
    .whereIn('status', ['approved', 'loading', 'loaded', 'load_failed'])
    .where('id', '<', beforeBatchId)
    .orderBy('id', 'desc')
    .first('id');
  return row?.id as number | undefined;
}

export interface MeasureInput {
  batchId: number;
  currentPeriod: string;
  horizonPeriods: number;
  periodLength: '7 days' | '1 month';
}

type Row = Record<string, unknown>;

/** Runs the checkpoint measurements that need only this version (set-based SQL over the staged lines). */
export async function measureForecast(db: Db, input: MeasureInput): Promise<Omit<ForecastMeasures, 'parse' | 'delta'> & { onlyWarehouse: string | null; summary: Row }> {
  // million-line batches: hash aggregates in memory rather than spilling (JIT is off for the import)
  await db.raw(`set local work_mem = '64MB'`);
  const [lines] = await runSql(db, 'forecast/check_lines', [input.batchId, input.currentPeriod]);
  const [duplicates] = await runSql(db, 'forecast/check_duplicates', [input.batchId]);
  const [references] = await runSql(db, 'forecast/check_references', [input.batchId]);
  const [horizon] = await runSql(db, 'forecast/check_horizon', [input.batchId, input.currentPeriod, input.horizonPeriods, input.periodLength]);
  return {
    lines: lines as unknown as ForecastMeasures['lines'],
    duplicates: duplicates as unknown as ForecastMeasures['duplicates'],
    references: references as unknown as ForecastMeasures['references'],
    horizon: horizon as unknown as ForecastMeasures['horizon'],
    currentPeriod: input.currentPeriod,
    onlyWarehouse: (lines?.only_warehouse as string | null) ?? null,
    summary: lines ?? {},
  };
}

/** The change against the previous approved version of the same scope, per product. */
export async function measureForecastDelta(db: Db, batchId: number, previousBatchId: number, productDeltaPct: number): Promise<NonNullable<ForecastMeasures['delta']>> {
  const [d] = await runSql(db, 'forecast/check_delta', [batchId, previousBatchId, productDeltaPct]);
  return { previousBatchId, ...(d as object) } as NonNullable<ForecastMeasures['delta']>;
}

export interface FailedLineChecks {
  unknownProducts: boolean;
  unknownWarehouses: boolean;
  unitConversion: boolean;
  negativeQuantity: boolean;
}

/** The lines behind failed checkpoints, as row errors (read before a rejected version's lines are dropped). */
export async function lineProblems(db: Db, batchId: number, failed: FailedLineChecks, limit: number): Promise<RowError[]> {
  if (limit <= 0) return [];
  const rows = await runSql<{ ref: string; col: string; value: string | null; message: string }>(db, 'forecast/line_problems', [
    batchId,
    limit,
    failed.unknownProducts,
    failed.unknownWarehouses,
    failed.unitConversion,
    failed.negativeQuantity,
  ]);
  return rows.map((r) => ({ ref: r.ref, column: r.col, value: r.value ?? '', message: r.message }));
}
