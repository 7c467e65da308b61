/**
 * bench/lineage: what lineage costs on the write path and what its reads take on a large file,
 * on the real PostgreSQL.
 *
 *   npm run bench -- lineage [--lines N] [--periods N]
 *
 * 1. A fresh schema `bench_lineage_<pid>` with one forecast batch of `--lines` staged lines
 *    (default 200,000: products × `--periods` weeks, default 50).
 * 2. Write path: the ledger rows a forecast-load makes for it (one mrp.product.forecast per line,
 *    one mrp.production.schedule per product summing its periods) appended through appendLedger
 *    in chunks of 1,000, once without lines (as before migration 016) and once with them.
 * 3. Reads: lineageOfRecord of a schedule (every period's line) and of a forecast cell;
 *    lineageOfFile's first, middle and last page of 1,000 lines.
 *
 * Ends with one JSON line of the figures. The schema and the temp folder are removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { appendLedger, type LedgerEntry } from '../load/odoo-ledger/ledger.ts';
import { lineageOfFile, lineageOfRecord } from '../load/odoo-ledger/lineage.ts';
import { stageForecastLines } from '../load/forecast/staging.ts';
import { createBatch } from '../load/staging/batches.ts';

const DATABASE_URL = process.env.MFG_ETL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('lines', 200_000);
const PERIODS = arg('periods', 50);
const PRODUCTS = Math.ceil(LINES / PERIODS);
const schema = `bench_lineage_${process.pid}`;
const since = (t0: number) => (performance.now() - t0) / 1000;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

let app: App | undefined;
let dir: string | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await app?.close().catch(() => undefined);
    const client = new pg.Client({ connectionString: DATABASE_URL, application_name: 'mfg-etl-bench-cleanup' });
    try {
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.query(`drop schema if exists "${schema}_queue" cascade`);
    } catch (err) {
      process.stderr.write(`bench cleanup: drop schema ${schema}: ${(err as Error).message}\n`);
    } finally {
      await client.end().catch(() => undefined);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up ${schema}\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

const week = (i: number) => new Date(Date.UTC(2026, 0, 5 + 7 * i)).toISOString().slice(0, 10);

async function main(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'mfg-etl-bench-lineage-'));
  const env: Env = {
    MFG_ETL_DATABASE_URL: DATABASE_URL,
    MFG_ETL_SCHEMA: schema,
    MFG_ETL_DATA_DIR: join(dir, 'data'),
    MFG_ETL_LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env, dir);
  const quiet = createLogger({
    level: 'warn',
    format: 'json',
    redactor: config.redactor,
    stream: new Writable({ write: (_c, _e, done) => done() }),
    console: false,
  });
  app = await openApp({ env, cwd: dir, logger: quiet, runLogs: false });
  const knex = app.db.knex;
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(
    `lineage bench: ${LINES.toLocaleString('en')} lines (${PRODUCTS.toLocaleString('en')} products × ${PERIODS} weeks), schema ${schema}`,
  );

  const batch = await createBatch(knex, {
    kind: 'forecast',
    scope: 'WH',
    version: 'bench',
    source: 'forecasts/bench.csv',
    sourceSha256: 'f'.repeat(64),
    actor: 'bench',
  });
  let t0 = performance.now();
  for (let start = 0; start < LINES; start += 50_000) {
    const n = Math.min(50_000, LINES - start);
    const lines = Array.from({ length: n }, (_, k) => {
      const i = start + k;
      return {
        product: `P${Math.floor(i / PERIODS)}`,
        warehouse: 'WH',
        periodStart: week(i % PERIODS),
        quantity: i % 97,
        sourceRef: String(i + 2),
      };
    });
    await stageForecastLines(knex, batch.id, lines, start + 1);
  }
  out(`staged ${LINES.toLocaleString('en')} lines in ${r3(since(t0))} s`);

  const entries = (withLines: boolean): LedgerEntry[] => {
    const rows: LedgerEntry[] = [];
    for (let p = 0; p < PRODUCTS; p++) {
      const first = p * PERIODS + 1;
      const count = Math.min(PERIODS, LINES - p * PERIODS);
      const lines = Array.from({ length: count }, (_, k) => first + k);
      const base = { batchId: batch.id, externalId: null, operation: 'create' as const, payloadHash: 'h', runId: null };
      rows.push({
        ...base,
        businessKey: `s${p}`,
        odooModel: 'mrp.production.schedule',
        odooId: 1_000_000 + p,
        ...(withLines ? { sourceBatchId: batch.id, sourceLines: lines } : {}),
      });
      for (const l of lines)
        rows.push({
          ...base,
          businessKey: `f${l}`,
          odooModel: 'mrp.product.forecast',
          odooId: l,
          ...(withLines ? { sourceBatchId: batch.id, sourceLines: [l] } : {}),
        });
    }
    return rows;
  };
  const append = async (rows: LedgerEntry[]) => {
    const t = performance.now();
    for (let i = 0; i < rows.length; i += 1000) await appendLedger(knex, rows.slice(i, i + 1000));
    return since(t);
  };
  const plain = entries(false);
  const withoutSeconds = await append(plain);
  await knex('load_ledger').delete();
  const withSeconds = await append(entries(true));
  out(
    `ledger: ${plain.length.toLocaleString('en')} rows appended in ${r3(withoutSeconds)} s without lines, ${r3(withSeconds)} s with lines`,
  );
  await knex.raw('analyze');

  t0 = performance.now();
  const schedule = await lineageOfRecord(knex, 'mrp.production.schedule', 1_000_000 + Math.floor(PRODUCTS / 2));
  const recordScheduleSeconds = since(t0);
  t0 = performance.now();
  await lineageOfRecord(knex, 'mrp.product.forecast', Math.floor(LINES / 2));
  const recordCellSeconds = since(t0);
  out(
    `lineageOfRecord: schedule (${schedule[0]!.lineCount} lines) ${r3(recordScheduleSeconds)} s, forecast cell ${r3(recordCellSeconds)} s`,
  );

  const page = async (after: number) => {
    const t = performance.now();
    const f = await lineageOfFile(knex, 'f'.repeat(64), { after, limit: 1000 });
    if (f.batches[0]!.lines.length === 0 || f.batches[0]!.lines.some((l) => l.went.length !== 2))
      throw new Error('a line without its two writes');
    return since(t);
  };
  const pages = { first: await page(0), middle: await page(Math.floor(LINES / 2)), last: await page(LINES - 1000) };
  out(`lineageOfFile, a page of 1,000 lines: first ${r3(pages.first)} s, middle ${r3(pages.middle)} s, last ${r3(pages.last)} s`);

  out(
    JSON.stringify({
      bench: 'lineage',
      lines: LINES,
      ledgerRows: plain.length,
      appendSecondsWithoutLines: r3(withoutSeconds),
      appendSecondsWithLines: r3(withSeconds),
      recordScheduleSeconds: r3(recordScheduleSeconds),
      recordCellSeconds: r3(recordCellSeconds),
      filePageSeconds: { first: r3(pages.first), middle: r3(pages.middle), last: r3(pages.last) },
    }),
  );
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`lineage bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
