/**
 * historian-load's reads and writes in staging: the downtime events and scrap rows to post (keyed
 * by the plan's business keys, transform/historian/load-plan.ts), what happened to each in Odoo
 * (historian_load_status), and the rows of the OEE report. The staged rows themselves are
 * written by historian-extract.
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import type { BatchStatus } from '../../transform/shared/batch-state.ts';
import {
  downtimeKey,
  type LoadStatus,
  PRODUCTIVITY_MODEL,
  SCRAP_MODEL,
  scrapKey,
  type StagedDowntime,
  type StagedScrap,
  type StatusEntry,
} from '../../transform/historian/load-plan.ts';

// the keys and row shapes are the plan's (transform/historian/load-plan.ts)
export { downtimeKey, PRODUCTIVITY_MODEL, SCRAP_MODEL, scrapKey };
export type { LoadStatus, StagedDowntime, StagedScrap, StatusEntry };

type Db = Knex | Knex.Transaction;
type Row = Record<string, unknown>;

export const HISTORIAN_KIND = 'historian';

/** batches historian-load moves along: approved, a crashed run's `loading`, and `load_failed` (reloadable) */
export const LOADABLE: readonly BatchStatus[] = ['approved', 'loading', 'load_failed'];
/** batches whose rows are posted: loaded ones too (their rows are in the ledger: nothing is sent twice) */
const POSTABLE: readonly BatchStatus[] = [...LOADABLE, 'loaded'];

// ---- rows to post -------------------------------------------------------------------------------

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toDowntime(r: Row): StagedDowntime & { open: boolean } {
  const start = r.start_at as Date;
  return {
    key: downtimeKey(String(r.asset), start),
    asset: String(r.asset),
    start,
    end: r.end_at as Date,
    open: Boolean(r.open),
    tag: String(r.tag),
    stateCode: String(r.state_code),
    lossReason: text(r.loss_reason),
    minutes: Number(r.minutes),
    shiftDate: text(r.shift_date),
    shift: text(r.shift),
    batchId: Number(r.batch_id),
  };
}

function toScrap(r: Row): StagedScrap & { complete: boolean } {
  return {
    key: scrapKey(String(r.asset), String(r.product), String(r.shift_date), String(r.shift)),
    asset: String(r.asset),
    product: String(r.product),
    shiftDate: String(r.shift_date),
    shift: String(r.shift),
    start: r.start_at as Date,
    end: r.end_at as Date,
    quantity: Number(r.quantity),
    complete: r.complete === undefined ? true : Boolean(r.complete),
    batchId: Number(r.batch_id),
  };
}

/** Ids of historian batches to move along, oldest first. */
export async function loadableBatchIds(db: Db): Promise<number[]> {
  const rows = (await db('batches')
    .where({ kind: HISTORIAN_KIND })
    .whereIn('status', LOADABLE as BatchStatus[])
    .orderBy('id')
    .select('id')) as Array<{ id: number | string }>;
  return rows.map((r) => Number(r.id));
}

/** Closed downtime events of approved (or loaded) batches. */
export async function downtimeToPost(db: Db): Promise<StagedDowntime[]> {
  return (await runSql(db, 'historian/downtime_rows', [POSTABLE])).map(toDowntime);
}

/** Scrap of complete shifts of approved (or loaded) batches. */
export async function scrapToPost(db: Db): Promise<StagedScrap[]> {
  return (await runSql(db, 'historian/scrap_rows', [POSTABLE])).map(toScrap);
}

// ---- outcomes -----------------------------------------------------------------------------------

export async function statusesOf(db: Db, model: string, keys: readonly string[]): Promise<Map<string, StatusEntry & { updatedAt: Date }>> {
  const out = new Map<string, StatusEntry & { updatedAt: Date }>();
  if (keys.length === 0) return out;
  for (const r of await runSql(db, 'historian/status_of', [model, keys])) {
    out.set(String(r.business_key), {
      key: String(r.business_key),
      status: r.status as LoadStatus,
      odooId: r.odoo_id === null ? null : Number(r.odoo_id),
      message: text(r.message),
      updatedAt: r.updated_at as Date,
    });
  }
  return out;
}

export async function saveStatuses(db: Db, runId: number | null, model: string, entries: readonly StatusEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 5000) {
    const part = entries.slice(i, i + 5000);
    await runSql(db, 'historian/status_save', [
      runId,
      part.map(() => model),
      part.map((e) => e.key),
      part.map((e) => e.status),
      part.map((e) => e.odooId),
      part.map((e) => e.message),
    ]);
  }
}

/** First and last shift date the batches staged rows for (undefined: none). */
export async function batchDateRange(db: Db, batchIds: readonly number[]): Promise<{ from: string; to: string } | undefined> {
  if (batchIds.length === 0) return undefined;
  const [r] = await runSql(db, 'historian/batch_dates', [batchIds]);
  return r?.first ? { from: String(r.first), to: String(r.last) } : undefined;
}

// ---- OEE report ---------------------------------------------------------------------------------

export interface ShiftReportRow {
  asset: string;
  shiftDate: string;
  shift: string;
  start: Date;
  end: Date;
  good: number;
  scrap: number;
  runningMinutes: number;
  downMinutes: number;
  idleMinutes: number;
  complete: boolean;
  downtimeEvents: number;
}

export type DowntimeReportRow = StagedDowntime & { open: boolean; status: StatusEntry | undefined };
export type ScrapReportRow = StagedScrap & { complete: boolean; status: StatusEntry | undefined };

export async function shiftReportRows(db: Db, from: string, to: string): Promise<ShiftReportRow[]> {
  return (await runSql(db, 'historian/report_shifts', [from, to])).map((r) => ({
    asset: String(r.asset),
    shiftDate: String(r.shift_date),
    shift: String(r.shift),
    start: r.start_at as Date,
    end: r.end_at as Date,
    good: Number(r.good),
    scrap: Number(r.scrap),
    runningMinutes: Number(r.running_minutes),
    downMinutes: Number(r.down_minutes),
    idleMinutes: Number(r.idle_minutes),
    complete: Boolean(r.complete),
    downtimeEvents: Number(r.downtime_events),
  }));
}

export async function downtimeReportRows(db: Db, from: string, to: string, timeZone: string): Promise<DowntimeReportRow[]> {
  const rows = (await runSql(db, 'historian/report_downtime', [from, to, timeZone])).map(toDowntime);
  const statuses = await statusesOf(
    db,
    PRODUCTIVITY_MODEL,
    rows.map((r) => r.key),
  );
  return rows.map((r) => ({ ...r, status: statuses.get(r.key) }));
}

export async function scrapReportRows(db: Db, from: string, to: string): Promise<ScrapReportRow[]> {
  const rows = (await runSql(db, 'historian/report_scrap', [from, to])).map(toScrap);
  const statuses = await statusesOf(
    db,
    SCRAP_MODEL,
    rows.map((r) => r.key),
  );
  return rows.map((r) => ({ ...r, status: statuses.get(r.key) }));
}
