/**
 * Staging of MES production reports (mes_report_lines): the lines of a file, what earlier files
 * reported (transactions, produced quantities), what the release sent, and each line's posting
 * progress (status + result per step) for mes-load.
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import type { MesReport, ParsedReport } from '../../transform/mes/performance.ts';
import type { ReleasedForCheck } from '../../transform/mes/report-checks.ts';

type Db = Knex | Knex.Transaction;

export async function stageReportLines(db: Db, batchId: number, reports: readonly ParsedReport[]): Promise<number> {
  const CHUNK = 2000;
  for (let i = 0; i < reports.length; i += CHUNK) {
    const rows = reports.slice(i, i + CHUNK).map((r) => ({
      line_no: r.lineNo,
      transaction_id: r.report.transactionId,
      content_hash: r.hash,
      mo_name: r.report.moName,
      work_order: r.report.workOrder ?? null,
      product_code: r.report.productCode ?? null,
      produced_qty: r.report.producedQty,
      unit: r.report.unit ?? null,
      finished_lot: r.report.finishedLot ?? null,
      complete: r.report.complete,
      report: r.report,
    }));
    await runSql(db, 'mes/report_stage_lines', [batchId, JSON.stringify(rows)]);
  }
  return reports.length;
}

export async function dropReportLines(db: Db, batchId: number): Promise<void> {
  await db('mes_report_lines').where({ batch_id: batchId }).delete();
}

/** transaction id → content hash, for the transactions staged before */
export async function knownTransactions(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await runSql<{ transaction_id: string; content_hash: string }>(db, 'mes/report_known_transactions', [ids]);
  return new Map(rows.map((r) => [r.transaction_id, r.content_hash]));
}

export async function producedBefore(db: Db, moNames: readonly string[]): Promise<Map<string, number>> {
  if (moNames.length === 0) return new Map();
  const rows = await runSql<{ mo_name: string; produced: number }>(db, 'mes/report_produced_before', [moNames]);
  return new Map(rows.map((r) => [r.mo_name, Number(r.produced)]));
}

export interface ReleasedRow {
  moName: string;
  moId: number;
  state: string;
  check: ReleasedForCheck;
  /** work order id → name of the orders that carried the request before a backorder */
  formerWorkOrders: Map<string, string>;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const first = (o: Json, keys: readonly string[]): unknown => keys.map((k) => o[k]).find((v) => v !== undefined && v !== null);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));

/**
 * What the checks need from a release's content (the release helper's ReleasedOrder content:
 * product code, quantity + unit, work orders, components). Read by name so that a renamed key is
 * a visible zero, not a crash.
 */
export function releasedForCheck(row: {
  state: string;
  product_code: string;
  content: unknown;
  continued_qty?: number | string | null;
}): ReleasedForCheck {
  const c = obj(row.content);
  const sent = num(first(c, ['qty', 'quantity']));
  // continued on a backorder whose content is not sent yet: its quantity, the components scaled to it
  const continued = row.continued_qty === null || row.continued_qty === undefined ? undefined : Number(row.continued_qty);
  const factor = continued !== undefined && sent > 0 ? continued / sent : 1;
  const workOrders = (Array.isArray(c.workOrders) ? c.workOrders : Array.isArray(c.work_orders) ? c.work_orders : []).map((w) => {
    const o = obj(w);
    const workcenter = str(first(o, ['workcenter', 'workcenterName', 'workCenter', 'workcenter_name']));
    return { id: str(first(o, ['id'])) ?? '', name: str(first(o, ['name'])) ?? '', ...(workcenter ? { workcenter } : {}) };
  });
  const components = (Array.isArray(c.components) ? c.components : []).map((m) => {
    const o = obj(m);
    return { code: str(first(o, ['code', 'productCode', 'default_code'])) ?? '', quantity: num(first(o, ['qty', 'quantity'])) * factor };
  });
  const unit = str(first(c, ['uom', 'unit']));
  return {
    state: row.state,
    productCode: str(obj(c.product).code) ?? row.product_code,
    quantity: continued ?? sent,
    ...(unit ? { unit } : {}),
    workOrders,
    components,
  };
}

export async function releasedOrders(db: Db, moNames: readonly string[]): Promise<Map<string, ReleasedRow>> {
  if (moNames.length === 0) return new Map();
  const rows = await runSql<{
    mo_name: string;
    mo_id: string;
    product_code: string;
    state: string;
    content: unknown;
    continued_qty: number | null;
    previous_work_orders: Record<string, string> | null;
  }>(db, 'mes/report_released', [moNames]);
  return new Map(
    rows.map((r) => {
      const former = new Map(Object.entries(r.previous_work_orders ?? {}).map(([id, name]) => [id, String(name)]));
      const check = releasedForCheck(r);
      if (former.size) check.formerWorkOrderIds = [...former.keys()];
      return [r.mo_name, { moName: r.mo_name, moId: Number(r.mo_id), state: r.state, check, formerWorkOrders: former }];
    }),
  );
}

export type LineStatus = 'staged' | 'posting' | 'posted' | 'held' | 'failed';

export interface ReportLine {
  id: number;
  lineNo: number;
  transactionId: string;
  moName: string;
  /** the order the line posts on, once its posting started (null: the release's current order) */
  moId: number | null;
  workOrder: string | null;
  producedQty: number;
  finishedLot: string | null;
  complete: boolean;
  report: MesReport;
  status: LineStatus;
  result: Record<string, unknown>;
  error: string | null;
}

export async function openLines(db: Db, batchId: number, includeHeld: boolean): Promise<ReportLine[]> {
  const rows = await runSql<Record<string, unknown>>(db, 'mes/report_open_lines', [batchId, includeHeld]);
  return rows.map((r) => ({
    id: Number(r.id),
    lineNo: Number(r.line_no),
    transactionId: String(r.transaction_id),
    moName: String(r.mo_name),
    moId: r.mo_id === null || r.mo_id === undefined ? null : Number(r.mo_id),
    workOrder: (r.work_order as string | null) ?? null,
    producedQty: Number(r.produced_qty),
    finishedLot: (r.finished_lot as string | null) ?? null,
    complete: Boolean(r.complete),
    report: r.report as MesReport,
    status: r.status as LineStatus,
    result: (r.result as Record<string, unknown>) ?? {},
    error: (r.error as string | null) ?? null,
  }));
}

/** Per order id: the reports whose production step reached Odoo on it (their quantities are part of the absolute values written). */
export async function postedReports(db: Db, moIds: readonly number[]): Promise<Map<number, Array<{ id: number; report: MesReport }>>> {
  const out = new Map<number, Array<{ id: number; report: MesReport }>>();
  if (moIds.length === 0) return out;
  const rows = await runSql<{ mo_id: string; id: string; report: MesReport }>(db, 'mes/report_posted_before', [moIds]);
  for (const r of rows) {
    const list = out.get(Number(r.mo_id)) ?? [];
    list.push({ id: Number(r.id), report: r.report });
    out.set(Number(r.mo_id), list);
  }
  return out;
}

/** Keeps the order a line posts on (first time only): a retry posts on the same order. */
export async function pinLineOrder(db: Db, lineId: number, moId: number): Promise<void> {
  await runSql(db, 'mes/report_pin_order', [lineId, moId]);
}

/**
 * The request continues on the backorder of its closed order: the release row (key = request ID)
 * now points at the backorder. False when the release was not on the closed order (nothing changed).
 */
export async function continueRelease(
  db: Db,
  moName: string,
  closedId: number,
  backorder: { id: number; name: string; qty: number },
  closedWorkOrders: Record<string, string>,
): Promise<boolean> {
  const rows = await runSql(db, 'mes/report_continue', [
    moName,
    closedId,
    backorder.id,
    backorder.name,
    backorder.qty,
    JSON.stringify(closedWorkOrders),
  ]);
  return rows.length > 0;
}

export async function setLine(
  db: Db,
  id: number,
  status: LineStatus,
  result: Record<string, unknown>,
  error: string | null,
): Promise<void> {
  await runSql(db, 'mes/report_set_line', [id, status, JSON.stringify(result), error]);
}

export async function batchLines(
  db: Db,
  batchId: number,
): Promise<
  Array<{
    line_no: number;
    transaction_id: string;
    mo_name: string;
    status: LineStatus;
    result: Record<string, unknown>;
    error: string | null;
  }>
> {
  return runSql(db, 'mes/report_batch_lines', [batchId]);
}

/** Batches of `kind` with held lines (a person's queue): retried with retryHeld. */
export async function batchesWithHeldLines(db: Db): Promise<number[]> {
  const rows = (await db('mes_report_lines').where({ status: 'held' }).distinct('batch_id')) as Array<{ batch_id: string }>;
  return rows.map((r) => Number(r.batch_id));
}
