/**
 * bench/odoo-load: 50,000 forecast rows into Odoo through the real forecast-load job, against a
 * naive loader (one `create` per row) measured in the same run. Not a timed test: the figures
 * depend on the machine.
 *
 *   npm run bench -- odoo-load [--version 18|19]
 *
 * 1. Starts the Odoo test server (default Odoo 19 Enterprise, so JSON-2 and the MPS target; 18 =
 *    XML-RPC) with 1,000 extra products, and a fresh PostgreSQL schema `bench_odoo_<pid>` with
 *    the matching master data and one approved forecast batch: 1,000 products × 2 warehouses ×
 *    25 weeks = 50,000 lines (→ 2,000 mrp.production.schedule + 50,000 mrp.product.forecast).
 * 2. Sets the server's cost per call to 5 ms + 0.2 ms per record, then runs the real
 *    forecast-load job through the real Runner (pg-boss, job_runs, batches, ledger) with the
 *    default client settings (batch 500, 2 calls in flight). Wall time is runner.runNow() from
 *    enqueue to the finished run; RPC calls are counted by the server (authentication included).
 * 3. Reruns the loaded batch: the ledger says nothing changed, so it must write nothing.
 * 4. Naive loader: the first 5,000 of the same rows, one `create` per row, one after the other
 *    (what a straightforward script does), through the same client; then the same with 2 in
 *    flight, for reference.
 *
 * Ends with one JSON line of the figures. The schemas are dropped and the server closed at the
 * end, also after a failure or Ctrl-C.
 */
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { forecastLoadJob } from '../jobs/forecast/forecast-load.ts';
import { createRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';
import { OdooClient } from '../core/odoo/index.ts';
import { createBatch, getBatch, transitionBatch } from '../load/staging/batches.ts';
import { stageForecastLines } from '../load/forecast/staging.ts';
import type { JobRun } from '../load/ops/runs.ts';
import { scheduleKey, xmlid } from '../transform/forecast/load/index.ts';
import type { ForecastLine } from '../transform/forecast/index.ts';
import { type OdooTestServer, seedProducts, startOdooTestServer } from '../test/support/odoo/index.ts';
import { BENCH_DATABASE_URL, benchScratch, quietLogger } from './support/scratch.ts';

const DATABASE_URL = BENCH_DATABASE_URL;
const SHAPE = { products: 1000, warehouses: 2, weeks: 25 };
const ROWS = SHAPE.products * SHAPE.warehouses * SHAPE.weeks;
const NAIVE_ROWS = 5000;
const LATENCY = { fixedMs: 5, perRecordMs: 0.2 };
const TARGET_CALLS_PER_1000 = 5;
const TARGET_SPEEDUP = 20;

const versionArg = process.argv.indexOf('--version');
const VERSION = (versionArg > 0 ? Number(process.argv[versionArg + 1]) : 19) as 18 | 19;
if (VERSION !== 18 && VERSION !== 19) throw new Error('--version must be 18 or 19');

const scratch = benchScratch('bench_odoo');
const schema = scratch.schema;

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const round = (n: number, digits: number) => Number(n.toFixed(digits));
const since = (t0: number) => (performance.now() - t0) / 1000;
const out = (line = '') => process.stdout.write(`${line}\n`);

// ---- clean-up, also on failure and signals ----------------------------------------------------

let app: App | undefined;
let runner: Runner | undefined;
let server: OdooTestServer | undefined;
scratch.onCleanup('runner stop', () => runner?.stop());
scratch.onCleanup('close', () => app?.close());
scratch.onCleanup('odoo test server', () => server?.close());
const logLines: string[] = [];

/** the forecast quantity of product index p in week k */
const quantity = (p: number, k: number) => 10 + ((p * 7 + k * 3) % 50);

function mondays(count: number): string[] {
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * 86_400_000;
  return Array.from({ length: count }, (_, i) => new Date(monday + i * 7 * 86_400_000).toISOString().slice(0, 10));
}

// ---- set-up -----------------------------------------------------------------------------------

interface Setup {
  batchId: number;
  productIds: number[];
  warehouses: Array<{ id: number; code: string }>;
  weeks: string[];
}

async function setUp(a: App, s: OdooTestServer): Promise<Setup> {
  const knex = a.db.knex;
  const productIds = seedProducts(s.store, SHAPE.products, { prefix: 'BENCH-' });
  const products = productIds.map((id) => ({ id, code: String(s.store.get('product.product', id)?.default_code) }));
  const warehouses = s
    .records('stock.warehouse')
    .map((w) => ({ id: w.id, code: String(w.code), lot: Number(w.lot_stock_id), company: Number(w.company_id) }));
  if (warehouses.length < SHAPE.warehouses)
    throw new Error(`the test server has ${warehouses.length} warehouses, ${SHAPE.warehouses} needed`);

  await knex('md_uoms').insert({ odoo_id: 1, name: 'Units', ref_group: 'Unit', ref_ratio: 1, rounding: 0.01 });
  await knex('md_warehouses').insert(
    warehouses
      .slice(0, SHAPE.warehouses)
      .map((w) => ({ odoo_id: w.id, code: w.code, name: w.code, lot_stock_id: w.lot, company_id: w.company })),
  );
  for (let i = 0; i < products.length; i += 1000) {
    await knex('md_products').insert(
      products
        .slice(i, i + 1000)
        .map((p) => ({ odoo_id: p.id, default_code: p.code, name: p.code, uom_id: 1, is_storable: true, company_id: 1 })),
    );
  }

  const weeks = mondays(SHAPE.weeks);
  const batch = await createBatch(knex, { kind: 'forecast', scope: 'BENCH', version: 'v1', actor: 'bench' });
  const lines: ForecastLine[] = [];
  for (const w of warehouses.slice(0, SHAPE.warehouses)) {
    for (const [p, product] of products.entries()) {
      weeks.forEach((period, k) =>
        lines.push({
          product: product.code,
          warehouse: w.code,
          periodStart: period,
          quantity: quantity(p, k),
          sourceRef: String(lines.length + 2),
        }),
      );
    }
  }
  for (let i = 0; i < lines.length; i += 20_000) await stageForecastLines(knex, batch.id, lines.slice(i, i + 20_000), i + 1);
  await transitionBatch(knex, batch.id, 'validate', { actor: 'bench' });
  await transitionBatch(knex, batch.id, 'approve', { actor: 'bench' });
  return { batchId: batch.id, productIds, warehouses: warehouses.slice(0, SHAPE.warehouses), weeks };
}

// ---- measurements -----------------------------------------------------------------------------

interface Measured {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  calls: number;
  callsPer1000: number;
}

function measured(rows: number, seconds: number, calls: number): Measured {
  return { rows, seconds: round(seconds, 3), rowsPerSec: Math.round(rows / seconds), calls, callsPer1000: round((calls / rows) * 1000, 2) };
}

async function runJob(params: Record<string, unknown>): Promise<{ run: JobRun; seconds: number }> {
  const t0 = performance.now();
  const run = await runner!.runNow('forecast-load', params);
  const seconds = since(t0);
  if (run.status !== 'succeeded')
    throw new Error(`forecast-load run ${run.id} ${run.status}: ${run.error?.message ?? ''}\n${logLines.join('\n')}`);
  return { run, seconds };
}

/** One `create` per row; `inFlight` rows at a time (1 = one after the other). */
async function naive(client: OdooClient, rows: Array<Record<string, unknown>>, inFlight: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < rows.length) await client.create('mrp.product.forecast', rows[next++]!);
    }),
  );
  return since(t0);
}

async function main(): Promise<void> {
  server = await startOdooTestServer({ version: VERSION, enterprise: true });
  const env: Env = {
    MFG_ETL_DATABASE_URL: DATABASE_URL,
    MFG_ETL_SCHEMA: schema,
    MFG_ETL_TIMEZONE: 'UTC',
    MFG_ETL_LOG_LEVEL: 'warn',
    MFG_ETL_WORKER_POLL_SECONDS: '0.5',
    MFG_ETL_RETRY_LIMIT: '0',
    MFG_ETL_ODOO_URL: server.url,
    MFG_ETL_ODOO_DB: server.db,
    MFG_ETL_ODOO_USER: 'admin',
    MFG_ETL_ODOO_API_KEY: server.adminApiKey,
    MFG_ETL_ODOO_COMPANY: '1',
  };
  const config = loadConfig(env, process.cwd());
  app = await openApp({ env, cwd: process.cwd(), logger: quietLogger(config.redactor, logLines) });
  out(`bench odoo-load: ${fmt(ROWS)} forecast rows (${SHAPE.products} products × ${SHAPE.warehouses} warehouses × ${SHAPE.weeks} weeks)`);
  out(
    `  Odoo test server ${VERSION}.0 Enterprise (${VERSION >= 19 ? 'JSON-2' : 'XML-RPC'}), cost per call ${LATENCY.fixedMs} ms + ${LATENCY.perRecordMs} ms per record`,
  );
  out(
    `  loader: the real forecast-load job (Runner, PostgreSQL schema ${schema}, ledger), batch ${config.odooBatchSize}, ${config.odooConcurrency} calls in flight`,
  );

  const t0 = performance.now();
  const setup = await setUp(app, server);
  out(`  set-up (products in Odoo, master data, staged + approved batch ${setup.batchId}): ${fmt(since(t0), 1)} s`);

  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([forecastLoadJob]) });
  await runner.start();
  server.knobs.latency = { ...LATENCY };

  // the load
  server.stats.reset();
  const load = await runJob({});
  const loadCalls = server.callCount();
  const byMethod = server.stats.byMethod();
  const stats = load.run.stats as { rowsWritten: number; results: Array<{ status: string }> };
  const batch = await getBatch(app.db.knex, setup.batchId);
  const forecasts = server.count('mrp.product.forecast');
  const schedules = server.count('mrp.production.schedule');
  if (batch.status !== 'loaded' || forecasts < ROWS || schedules < SHAPE.products * SHAPE.warehouses) {
    throw new Error(
      `load incomplete: batch ${batch.status}, ${forecasts} forecasts, ${schedules} schedules; stats ${JSON.stringify(load.run.stats).slice(0, 500)}`,
    );
  }
  const job = measured(ROWS, load.seconds, loadCalls);
  const jobSeconds =
    load.run.startedAt && load.run.finishedAt ? (load.run.finishedAt.getTime() - load.run.startedAt.getTime()) / 1000 : undefined;
  out();
  out(
    `forecast-load job: ${fmt(job.seconds, 2)} s wall (job itself ${jobSeconds === undefined ? '?' : fmt(jobSeconds, 2)} s), ${fmt(job.rowsPerSec)} rows/s`,
  );
  out(
    `  ${fmt(stats.rowsWritten)} records written (${fmt(ROWS)} forecasts + ${fmt(SHAPE.products * SHAPE.warehouses)} schedules), batch ${batch.status}`,
  );
  out(`  RPC calls: ${job.calls} = ${fmt(job.callsPer1000, 2)} per 1,000 rows  ${JSON.stringify(byMethod)}`);

  // the rerun: nothing changed, nothing written
  server.stats.reset();
  const rerun = await runJob({ batch: setup.batchId });
  const rerunStats = rerun.run.stats as { rowsWritten: number; rowsUnchanged: number };
  const rerunWrites = server.calls().filter((c) => ['load', 'create', 'write', 'unlink'].includes(c.method)).length;
  const rerunCalls = server.callCount();
  if (rerunStats.rowsWritten !== 0 || rerunWrites !== 0)
    throw new Error(`rerun wrote ${rerunStats.rowsWritten} rows in ${rerunWrites} calls`);
  out(
    `rerun of the loaded batch: ${fmt(rerun.seconds, 2)} s, ${fmt(rerunStats.rowsUnchanged)} rows unchanged, ${rerunWrites} write calls, ${rerunCalls} calls in all`,
  );

  // the naive loader, on the first 5,000 rows of the same forecast (as extra records, no external ids)
  const client = new OdooClient({ url: server.url, db: server.db, user: 'admin', apiKey: server.adminApiKey, company: 1 }, app.logger);
  await client.connect();
  const scheduleId = new Map<string, number>();
  for (const w of setup.warehouses)
    for (const p of setup.productIds) scheduleId.set(scheduleKey(w.id, p), server.xmlid(xmlid(scheduleKey(w.id, p)))!);
  const naiveRows: Array<Record<string, unknown>> = [];
  outer: for (const w of setup.warehouses) {
    for (const [p, productId] of setup.productIds.entries()) {
      for (const [k, period] of setup.weeks.entries()) {
        if (naiveRows.length >= NAIVE_ROWS) break outer;
        naiveRows.push({
          production_schedule_id: scheduleId.get(scheduleKey(w.id, productId)),
          date: period,
          forecast_qty: quantity(p, k),
        });
      }
    }
  }
  server.stats.reset();
  const naiveSeconds = await naive(client, naiveRows, 1);
  const naiveOne = measured(NAIVE_ROWS, naiveSeconds, server.callCount());
  server.stats.reset();
  const naiveTwoSeconds = await naive(client, naiveRows, config.odooConcurrency);
  const naiveTwo = measured(NAIVE_ROWS, naiveTwoSeconds, server.callCount());
  client.close();
  const speedup = job.rowsPerSec / naiveOne.rowsPerSec;
  const speedupSameConcurrency = job.rowsPerSec / naiveTwo.rowsPerSec;
  out(
    `naive loader (one create per row, one at a time, ${fmt(NAIVE_ROWS)} rows): ${fmt(naiveOne.seconds, 2)} s, ${fmt(naiveOne.rowsPerSec)} rows/s, ${fmt(naiveOne.callsPer1000)} calls per 1,000 rows`,
  );
  out(`naive loader, ${config.odooConcurrency} in flight (reference): ${fmt(naiveTwo.seconds, 2)} s, ${fmt(naiveTwo.rowsPerSec)} rows/s`);
  out();
  const callsOk = job.callsPer1000 <= TARGET_CALLS_PER_1000;
  const speedOk = speedup >= TARGET_SPEEDUP;
  out(`calls per 1,000 rows: ${fmt(job.callsPer1000, 2)} (target ≤ ${TARGET_CALLS_PER_1000}) ${callsOk ? 'ok' : 'MISSED'}`);
  out(
    `rows/s against the naive loader: ${fmt(speedup, 1)}× (target ≥ ${TARGET_SPEEDUP}×) ${speedOk ? 'ok' : 'MISSED'}; against the naive loader with ${config.odooConcurrency} in flight: ${fmt(speedupSameConcurrency, 1)}×`,
  );

  out(
    JSON.stringify({
      bench: 'odoo-load',
      loader: 'forecast-load job (Runner + PostgreSQL + ledger)',
      odoo: `${VERSION}.0 enterprise ${VERSION >= 19 ? 'json2' : 'xmlrpc'}`,
      latency: LATENCY,
      batchSize: config.odooBatchSize,
      concurrency: config.odooConcurrency,
      rows: ROWS,
      recordsWritten: stats.rowsWritten,
      wallSeconds: job.seconds,
      jobSeconds: jobSeconds === undefined ? null : round(jobSeconds, 3),
      rowsPerSec: job.rowsPerSec,
      calls: job.calls,
      callsPer1000: job.callsPer1000,
      rerun: { seconds: round(rerun.seconds, 3), writeCalls: rerunWrites, calls: rerunCalls },
      naive: { rows: NAIVE_ROWS, seconds: naiveOne.seconds, rowsPerSec: naiveOne.rowsPerSec, callsPer1000: naiveOne.callsPer1000 },
      naiveInFlight: { inFlight: config.odooConcurrency, seconds: naiveTwo.seconds, rowsPerSec: naiveTwo.rowsPerSec },
      speedup: round(speedup, 1),
      speedupSameConcurrency: round(speedupSameConcurrency, 1),
      targets: { callsPer1000: TARGET_CALLS_PER_1000, speedup: TARGET_SPEEDUP },
      pass: callsOk && speedOk,
    }),
  );
}

try {
  await main();
} finally {
  await scratch.cleanup();
}
