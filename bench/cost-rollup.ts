/**
 * bench/cost-rollup: the SQL cost rollup (sql/costs/rollup.sql) against a straightforward
 * recursive TypeScript rollup (transform/costs/reference-rollup.ts) over the same data, on the
 * real PostgreSQL, and whether they agree.
 *
 *   npm run bench -- cost-rollup [--products N] [--levels N] [--lines N] [--runs N] [--keep]
 *
 * 1. A fresh schema `bench_cost_<pid>` (migrations applied), filled with a generated structure:
 *    20,000 products on 6 levels (level 0 bought), 100,000 BoM lines, operations, kits, mixed
 *    units, BoM quantities other than one, products with a second BoM that must lose.
 * 2. SQL: the rollup statement as cost-rollup runs it (writing the batch's lines and problems),
 *    `--runs` times (default 3), each in its own batch.
 * 3. TypeScript: the md_ tables read back into memory (timed apart), then the recursive rollup.
 * 4. Agreement: every product's new cost from both, to the cent.
 * 5. The report of that batch (XLSX + CSV, streamed) with its time and peak RSS.
 *
 * Ends with one JSON line of the figures. The schema and the temp folder are removed at the end,
 * also after a failure or Ctrl-C.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { writeCostReport } from '../load/costs/workbook.ts';
import { createBatch } from '../load/staging/batches.ts';
import { runRollup } from '../load/costs/staging.ts';
import { type RefInput, referenceRollup } from '../transform/costs/reference-rollup.ts';
import { generateCostData, insertCostData } from './support/cost-data.ts';
import { withMemorySampler } from './support/memory.ts';

const DATABASE_URL = process.env.MFG_ETL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TARGET_SQL_SECONDS = 3;
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SHAPE = { products: arg('products', 20_000), levels: arg('levels', 6), bomLines: arg('lines', 100_000), seed: 7 };
const RUNS = arg('runs', 3);
/** keep the schema for a look afterwards (psql: set search_path to bench_cost_<pid>) */
const KEEP = process.argv.includes('--keep');
const schema = `bench_cost_${process.pid}`;
const since = (t0: number) => (performance.now() - t0) / 1000;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const fmt = (n: number) => n.toLocaleString('en');

let app: App | undefined;
let dir: string | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    try {
      await app?.close();
    } catch (err) {
      process.stderr.write(`bench cleanup: close: ${(err as Error).message}\n`);
    }
    if (KEEP) process.stderr.write(`kept schema ${schema}\n`);
    else {
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

/** The md_ tables as the TypeScript rollup takes them. */
async function readBack(knex: App['db']['knex']): Promise<RefInput> {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const [uoms, products, boms, lines, operations, workcenters] = await Promise.all([
    knex('md_uoms').select('odoo_id', 'ref_group', 'ref_ratio'),
    knex('md_products').select('odoo_id', 'product_tmpl_id', 'uom_id', 'standard_price', 'active', 'type', 'categ_id'),
    knex('md_boms')
      .where({ active: true })
      .select('odoo_id', 'type', 'product_tmpl_id', 'product_id', 'product_qty', 'uom_id', 'sequence', 'company_id', 'active'),
    knex('md_bom_lines').where({ active: true }).orderBy('odoo_id').select('odoo_id', 'bom_id', 'product_id', 'product_qty', 'uom_id'),
    knex('md_bom_operations')
      .where({ active: true })
      .select('odoo_id', 'bom_id', 'workcenter_id', 'time_mode', 'time_cycle_manual', 'time_cycle'),
    knex('md_workcenters').select('odoo_id', 'costs_hour', 'time_efficiency', 'time_start', 'time_stop'),
  ]);
  return {
    uoms: uoms.map((u) => ({ id: Number(u.odoo_id), group: String(u.ref_group), ratio: Number(u.ref_ratio) })),
    products: products.map((p) => ({
      id: Number(p.odoo_id),
      tmplId: n(p.product_tmpl_id),
      uomId: n(p.uom_id),
      standardPrice: n(p.standard_price),
      active: Boolean(p.active),
      type: p.type as string | null,
      categId: n(p.categ_id),
    })),
    boms: boms.map((b) => ({
      id: Number(b.odoo_id),
      type: String(b.type),
      productTmplId: n(b.product_tmpl_id),
      productId: n(b.product_id),
      productQty: Number(b.product_qty),
      uomId: n(b.uom_id),
      sequence: n(b.sequence),
      companyId: n(b.company_id),
      active: Boolean(b.active),
    })),
    lines: lines.map((l) => ({
      id: Number(l.odoo_id),
      bomId: Number(l.bom_id),
      productId: Number(l.product_id),
      productQty: Number(l.product_qty),
      uomId: n(l.uom_id),
    })),
    operations: operations.map((o) => ({
      id: Number(o.odoo_id),
      bomId: Number(o.bom_id),
      workcenterId: n(o.workcenter_id),
      timeMode: o.time_mode as string | null,
      timeCycleManual: n(o.time_cycle_manual),
      timeCycle: n(o.time_cycle),
    })),
    workcenters: workcenters.map((w) => ({
      id: Number(w.odoo_id),
      costsHour: n(w.costs_hour),
      timeEfficiency: n(w.time_efficiency),
      timeStart: n(w.time_start),
      timeStop: n(w.time_stop),
    })),
  };
}

async function main(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'mfg-etl-bench-cost-'));
  const env: Env = {
    MFG_ETL_DATABASE_URL: DATABASE_URL,
    MFG_ETL_SCHEMA: schema,
    MFG_ETL_DATA_DIR: join(dir, 'data'),
    MFG_ETL_REPORTS: join(dir, 'reports'),
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
    `cost-rollup bench: ${fmt(SHAPE.products)} products, ${SHAPE.levels} levels, ${fmt(SHAPE.bomLines)} BoM lines, PostgreSQL schema ${schema}, ${availableParallelism()} CPUs`,
  );

  let t0 = performance.now();
  const data = generateCostData(SHAPE);
  await insertCostData(knex, data);
  await knex.raw('analyze');
  const kits = data.boms.filter((b) => b.type === 'phantom').length;
  out(
    `generated and inserted in ${since(t0).toFixed(1)} s: ${fmt(data.boms.length)} BoMs (${fmt(kits)} kits), ${fmt(data.lines.length)} lines, ${fmt(data.operations.length)} operations`,
  );

  // SQL, as cost-rollup runs it
  const sqlSeconds: number[] = [];
  let batchId = 0;
  let summary: Awaited<ReturnType<typeof runRollup>> | undefined;
  for (let i = 0; i < RUNS; i++) {
    const batch = await createBatch(knex, { kind: 'cost_rollup', scope: 'bench', version: `run ${i + 1}`, actor: 'bench' });
    t0 = performance.now();
    summary = await runRollup(knex, {
      batchId: batch.id,
      companyId: null,
      asOf: '2030-01-01',
      priceDigits: 2,
      maxLevels: 30,
      overhead: new Map(),
      overheadBase: 'material_and_operations',
      zeroCostIsMissing: true,
    });
    sqlSeconds.push(since(t0));
    batchId = batch.id;
  }
  const sqlBest = Math.min(...sqlSeconds);
  out(
    `SQL rollup: ${sqlSeconds.map((s) => `${s.toFixed(3)} s`).join(', ')} (best ${sqlBest.toFixed(3)} s; target < ${TARGET_SQL_SECONDS} s): ${fmt(summary!.costed)} of ${fmt(summary!.products)} products costed, deepest level ${summary!.maxLevel}, ${fmt(summary!.edges)} costing edges`,
  );

  // TypeScript over the same rows
  t0 = performance.now();
  const input = await readBack(knex);
  const tsLoadSeconds = since(t0);
  t0 = performance.now();
  const ref = referenceRollup(input, { priceDigits: 2 });
  const tsSeconds = since(t0);
  out(`TypeScript rollup: ${tsSeconds.toFixed(3)} s (+ ${tsLoadSeconds.toFixed(3)} s reading the md_ tables)`);

  // agreement
  const sqlCosts = new Map(
    (await knex('cost_rollup_lines').where({ batch_id: batchId }).whereNot('kind', 'component').select('product_id', 'new_cost')).map(
      (r) => [Number(r.product_id), r.new_cost === null ? null : Number(r.new_cost)],
    ),
  );
  let mismatches = 0;
  let maxDiff = 0;
  const examples: string[] = [];
  for (const [id, result] of ref) {
    const sql = sqlCosts.get(id);
    const ts = result?.newCost ?? null;
    const diff = sql === null || sql === undefined || ts === null ? (sql === ts ? 0 : Infinity) : Math.abs(sql - ts);
    maxDiff = Math.max(maxDiff, diff);
    if (diff > 0.0001) {
      mismatches++;
      if (examples.length < 5) examples.push(`product ${id}: SQL ${sql} vs TS ${ts}`);
    }
  }
  const agree = mismatches === 0 && sqlCosts.size === ref.size;
  out(
    `agreement: ${fmt(ref.size)} products, ${mismatches} differ (largest difference ${maxDiff === Infinity ? 'one side not costed' : maxDiff.toFixed(4)})${examples.length ? `: ${examples.join('; ')}` : ''}`,
  );

  // the report of that batch, streamed
  t0 = performance.now();
  const { result: files, memory } = await withMemorySampler(() =>
    writeCostReport(knex, join(dir!, 'reports'), batchId, { date: '2030-01-01' }),
  );
  const reportTime = since(t0);
  out(
    `report: ${fmt(files.lines)} lines to XLSX + CSV in ${reportTime.toFixed(2)} s, RSS ${memory.beforeMb.toFixed(0)} → peak ${memory.peakMb.toFixed(0)} MB`,
  );

  const figures = {
    bench: 'cost-rollup',
    products: SHAPE.products,
    levels: SHAPE.levels,
    bomLines: data.lines.length,
    boms: data.boms.length,
    kits,
    operations: data.operations.length,
    costed: summary!.costed,
    maxLevel: summary!.maxLevel,
    sqlSeconds: sqlSeconds.map(r3),
    sqlBestSeconds: r3(sqlBest),
    targetSqlSeconds: TARGET_SQL_SECONDS,
    sqlUnderTarget: sqlBest < TARGET_SQL_SECONDS,
    tsSeconds: r3(tsSeconds),
    tsLoadSeconds: r3(tsLoadSeconds),
    agree,
    mismatches,
    maxDiff: maxDiff === Infinity ? null : r3(maxDiff),
    reportSeconds: r3(reportTime),
    reportPeakRssMb: Math.round(memory.peakMb),
    reportRssBeforeMb: Math.round(memory.beforeMb),
  };
  out(JSON.stringify(figures));
  if (!agree) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
