/**
 * Helpers for forecast-import job tests: an app + runner on the real PostgreSQL, master data,
 * periods relative to the current week (Monday start, UTC), files dropped into the inbox, and
 * readers for what the job left behind (batches, lines, checkpoints, audit events, folders).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Env } from '../../core/config.ts';
import { defaultRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { type Batch, getBatch, listCheckpoints } from '../../load/staging/batches.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import type { CheckpointResult } from '../../transform/shared/checkpoints.ts';
import { type TestApp, testApp } from './staging.ts';

export const MASTERDATA_SQL = fileURLToPath(new URL('../../sql/demo/masterdata.sql', import.meta.url));

export interface ForecastHarness {
  app: TestApp;
  runner: Runner;
  /** <inbox>/forecasts */
  root: string;
  close(): Promise<void>;
}

/** A test app in UTC with a started runner over the default registry. */
export async function forecastHarness(name: string, extraEnv: Env = {}, file?: Record<string, unknown>): Promise<ForecastHarness> {
  const app = await testApp(name, { MFG_ETL_TIMEZONE: 'UTC', MFG_ETL_LOG_LEVEL: 'info', ...extraEnv }, file);
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: defaultRegistry() });
  await runner.start();
  const root = path.join(app.config.inbox, 'forecasts');
  fs.mkdirSync(root, { recursive: true });
  return {
    app,
    runner,
    root,
    async close() {
      try {
        await runner.stop();
      } finally {
        await app.cleanup();
      }
    },
  };
}

/** The demo sample (units Units/Dozens/kg/g/m, warehouses P01/P02, products FURN_*, COMP_*, RAW_STEEL in kg). */
export async function loadMasterData(app: TestApp): Promise<void> {
  await app.db.knex.raw(fs.readFileSync(MASTERDATA_SQL, 'utf8'));
}

/** Extra warehouses so each test can have a scope of its own (versions compare within a scope). */
export async function addWarehouses(app: TestApp, codes: readonly string[]): Promise<void> {
  const row = await app.db.knex('md_warehouses').max<{ max: string | null }[]>('odoo_id as max');
  const base = Math.max(1000, Number(row[0]?.max ?? 0));
  await app.db.knex('md_warehouses').insert(codes.map((code, i) => ({ odoo_id: base + i + 1, code, name: `Test warehouse ${code}` })));
}

// ---- periods --------------------------------------------------------------------------------

const DAY = 86_400_000;

/** Monday (UTC) of the current week + `offset` weeks, as a Date at 00:00 UTC */
export function mondayOf(offset = 0, now = new Date()): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const dow = (new Date(today).getUTCDay() + 6) % 7; // 0 = Monday
  return new Date(today - dow * DAY + offset * 7 * DAY);
}

/** ISO date of the Monday of the current week + `offset` weeks */
export function week(offset = 0): string {
  return mondayOf(offset).toISOString().slice(0, 10);
}

/** ISO week label ("2026-W49") of the current week + `offset` weeks */
export function isoWeek(offset = 0): string {
  const monday = mondayOf(offset);
  const thursday = new Date(monday.getTime() + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const n = Math.floor((thursday.getTime() - jan1) / DAY / 7) + 1;
  return `${year}-W${String(n).padStart(2, '0')}`;
}

/** offsets 0 … n-1 */
export function weeks(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

// ---- files ----------------------------------------------------------------------------------

export interface LongRow {
  product: string;
  warehouse: string;
  period: string;
  quantity: string | number;
  unit?: string;
}

/** A long-layout CSV; `decimalComma` writes numbers German style (and `;` as delimiter). */
export function longCsv(rows: readonly LongRow[], options: { delimiter?: string; withUnit?: boolean; header?: string[] } = {}): string {
  const d = options.delimiter ?? ',';
  const withUnit = options.withUnit ?? rows.some((r) => r.unit !== undefined);
  const header = options.header ?? ['Product', 'Warehouse', 'Period', 'Quantity', ...(withUnit ? ['Unit'] : [])];
  const lines = [header.join(d)];
  for (const r of rows) lines.push([r.product, r.warehouse, r.period, String(r.quantity), ...(withUnit ? [r.unit ?? ''] : [])].join(d));
  return `${lines.join('\n')}\n`;
}

/** `quantity` for each of the next `n` weeks from the current one, one product/warehouse. */
export function series(product: string, warehouse: string, quantities: readonly number[] | number, n = 12, unit?: string): LongRow[] {
  return weeks(n).map((w, i) => ({
    product,
    warehouse,
    period: week(w),
    quantity: typeof quantities === 'number' ? quantities : quantities[i]!,
    ...(unit !== undefined ? { unit } : {}),
  }));
}

/** Writes a file into <inbox>/forecasts (bytes as given) and returns its path. */
export function drop(h: ForecastHarness, name: string, content: string | Buffer): string {
  const file = path.join(h.root, name);
  fs.writeFileSync(file, content);
  return file;
}

// ---- running and reading --------------------------------------------------------------------

export interface ImportStats {
  files: number;
  staged: number;
  rejected: number;
  duplicates: number;
  rowsStaged: number;
  batches: { file: string; batchId: number; status: string; outcome: 'staged' | 'rejected' | 'duplicate' }[];
}

/** One forecast-import run through the real runner; it must succeed. */
export async function runImport(h: ForecastHarness, runner: Runner = h.runner): Promise<ImportStats & { run: JobRun }> {
  const run = await runner.runNow('forecast-import', { settleSeconds: 0 });
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  expect(run.status).toBe('succeeded');
  return { ...(run.stats as unknown as ImportStats), run };
}

/** The batch the run made from `file` (the sanitised name), with its checkpoints by name. */
export async function batchOf(
  h: ForecastHarness,
  stats: ImportStats,
  file: string,
): Promise<Batch & { cp: Record<string, CheckpointResult> }> {
  const entry = stats.batches.find((b) => b.file === file);
  expect(entry, `no batch for ${file} in ${JSON.stringify(stats.batches)}`).toBeDefined();
  return withCheckpoints(h, entry!.batchId);
}

export async function withCheckpoints(h: ForecastHarness, batchId: number): Promise<Batch & { cp: Record<string, CheckpointResult> }> {
  const batch = await getBatch(h.app.db.knex, batchId);
  const cp: Record<string, CheckpointResult> = {};
  for (const c of await listCheckpoints(h.app.db.knex, batchId))
    cp[c.name] = { name: c.name, severity: c.severity, passed: c.passed, measured: c.measured, message: c.message };
  return { ...batch, cp };
}

export async function lineRows(h: ForecastHarness, batchId: number): Promise<Record<string, unknown>[]> {
  return h.app.db.knex('forecast_lines').where({ batch_id: batchId }).orderBy('line_no');
}

export async function lineCount(h: ForecastHarness, batchId: number): Promise<number> {
  const [row] = await h.app.db.knex('forecast_lines').where({ batch_id: batchId }).count<{ n: string }[]>('* as n');
  return Number(row!.n);
}

export async function batchesFromSha(h: ForecastHarness, sha: string): Promise<Batch[]> {
  const rows = await h.app.db.knex('batches').where({ kind: 'forecast', source_sha256: sha }).orderBy('id');
  return Promise.all(rows.map((r: { id: number }) => getBatch(h.app.db.knex, r.id)));
}

export async function auditOf(
  h: ForecastHarness,
  batchId: number,
): Promise<{ action: string; actor: string; details: Record<string, unknown> }[]> {
  return h.app.db
    .knex('audit_events')
    .where({ entity: 'batch', entity_id: String(batchId) })
    .orderBy('id')
    .select('action', 'actor', 'details');
}

/** every file below `dir`, relative, sorted */
export function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/** archive/YYYY/MM of today (UTC), relative to the forecasts root */
export function archiveMonth(date = new Date()): string {
  return path.join('archive', String(date.getUTCFullYear()), String(date.getUTCMonth() + 1).padStart(2, '0'));
}

export function sumQuantity(rows: readonly LongRow[]): number {
  return rows.reduce((s, r) => s + Number(r.quantity), 0);
}
