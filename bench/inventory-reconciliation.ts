/**
 * bench/inventory-reconciliation: 300,000 Odoo quants against 300,000 count lines, matching plus
 * report writing, on the real PostgreSQL. Not a timed test: the figures depend on the machine.
 *
 *   npm run bench -- inventory-reconciliation
 *
 * 1. In a fresh schema `bench_inv_<pid>`: master data (1 warehouse, 2,000 internal locations,
 *    20,000 products in 5 categories, one with a tolerance); ~304,000 (location, product[, lot])
 *    keys, of which exactly 300,000 hold a quant and 300,000 are counted: 90 % agree, 3 % over,
 *    3 % short, 1 % only counted, 1 % only in Odoo, 1 % moved after the count, 1 % within a
 *    category tolerance; 10 % of the keys carry a lot.
 * 2. Count side: a 300,000-line CSV dropped into <inbox>/counts and imported by the real
 *    count-import job through the Runner (parse, resolve, stage, checkpoints).
 * 3. Quant side: inserted straight into the staging snapshot with the job's own staging function
 *    (load/staging/inventory.ts stageQuants, the same unnest insert a read from Odoo pages into);
 *    the Odoo test server is not used: 600 XML-RPC pages would measure the test server.
 * 4. The real inventory-reconciliation job through the Runner, on that snapshot: matching
 *    (sql/inventory/reconciliation.sql, the Discrepancies order, the totals and the Summary's
 *    table per location) and the reports (XLSX with Summary, Discrepancies and All lines, and the
 *    CSV). RSS is sampled every 20 ms during the run.
 *
 * Targets (matching + report writing): under 20 s, peak RSS under 500 MB. Ends with one JSON line
 * {"bench":"inventory-reconciliation", ...}. The temp folder and schemas are removed at the end.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { countImportJob } from '../jobs/inventory/count-import.ts';
import { inventoryReconciliationJob } from '../jobs/inventory/inventory-reconciliation.ts';
import { createRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';
import type { QuantRow } from '../extract/inventory/odoo-quants.ts';
import { createSnapshot, finishSnapshot, stageQuants } from '../load/inventory/staging.ts';
import { MB, withMemorySampler } from './support/memory.ts';
import { BENCH_DATABASE_URL, benchScratch } from './support/scratch.ts';

const DATABASE_URL = BENCH_DATABASE_URL;
const LOCATIONS = 2_000;
const SLOTS = 152; // keys per location: 304,000 keys
const PRODUCTS = 20_000;
const QUANTS = 300_000;
const COUNT_LINES = 300_000;
const TARGET_SECONDS = 20;
const TARGET_PEAK_RSS_MB = 500;

const scratch = benchScratch('bench_inv');
const schema = scratch.schema;

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const since = (t0: number) => (performance.now() - t0) / 1000;

let dir: string | undefined;
let app: App | undefined;
let runner: Runner | undefined;
scratch.onCleanup('runner stop', () => runner?.stop());
scratch.onCleanup('close', () => app?.close());
scratch.onCleanup('remove temp folder', () => dir && rm(dir, { recursive: true, force: true }));
// ---- the data -------------------------------------------------------------------------------

interface Key {
  location: number;
  product: number;
  lot: string | null;
  odoo: number | null;
  counted: number | null;
  moved: boolean;
}

/** every key in order; `kind` 0–99 decides what the two sides hold */
function* keys(): Generator<Key> {
  let quants = 0;
  let counts = 0;
  for (let l = 0; l < LOCATIONS; l++) {
    for (let j = 0; j < SLOTS; j++) {
      const product = (l * SLOTS + j) % PRODUCTS;
      const kind = (l * 7919 + j * 104_729) % 100;
      const q = ((l * 7 + j * 13) % 97) + 1;
      const lot = (l + j) % 10 === 0 ? `LOT-${l}-${j}` : null;
      let odoo: number | null = q;
      let counted: number | null = q;
      if (kind >= 90 && kind <= 92) counted = q + 1;
      else if (kind >= 93 && kind <= 95) counted = q - 1;
      else if (kind === 96) odoo = null;
      else if (kind === 97) counted = null;
      else if (kind === 98) counted = q - 1;
      else if (kind === 99) counted = q + 0.4;
      if (odoo !== null && quants >= QUANTS) odoo = null;
      if (counted !== null && counts >= COUNT_LINES) counted = null;
      if (odoo === null && counted === null) continue;
      if (odoo !== null) quants++;
      if (counted !== null) counts++;
      yield { location: l, product, lot, odoo, counted, moved: kind === 98 };
    }
  }
}

const locationBarcode = (l: number) => `B01-L${String(l).padStart(4, '0')}`;
const productCode = (p: number) => `P${String(p).padStart(6, '0')}`;
const COUNTED_AT = '2026-01-31 18:00';
const SEEDED = new Date('2026-01-20T08:00:00Z');
const MOVED = new Date('2026-01-31T20:00:00Z');

async function insertMasterData(knex: App['db']['knex']): Promise<void> {
  await knex('md_uoms').insert({ odoo_id: 1, name: 'Units', ref_group: 'Unit', ref_ratio: 1, rounding: 0.01 });
  await knex('md_warehouses').insert({
    odoo_id: 1,
    code: 'B01',
    name: 'Bench warehouse',
    lot_stock_id: 100,
    view_location_id: 99,
    company_id: 1,
  });
  await knex('md_product_categories').insert([
    { odoo_id: 1, name: 'All', complete_name: 'All', parent_id: null },
    ...[5, 6, 7, 8, 9].map((id) => ({ odoo_id: id, name: `Category ${id}`, complete_name: `All / Category ${id}`, parent_id: 1 })),
  ]);
  await knex.batchInsert(
    'md_locations',
    Array.from({ length: LOCATIONS }, (_, l) => ({
      odoo_id: 1000 + l,
      complete_name: `B01/Stock/Bin ${l}`,
      name: `Bin ${l}`,
      barcode: locationBarcode(l),
      usage: 'internal',
      warehouse_id: 1,
      company_id: 1,
    })),
    1000,
  );
  await knex.batchInsert(
    'md_products',
    Array.from({ length: PRODUCTS }, (_, p) => ({
      odoo_id: 100_000 + p,
      default_code: productCode(p),
      name: `Product ${p}`,
      uom_id: 1,
      categ_id: 5 + (p % 5),
      categ_name: `Category ${5 + (p % 5)}`,
      standard_price: 1 + (p % 500) / 10,
      tracking: 'none',
      is_storable: true,
      company_id: 1,
    })),
    1000,
  );
  await knex.raw('analyze md_uoms, md_warehouses, md_locations, md_products, md_product_categories');
}

async function writeCountCsv(path: string): Promise<number> {
  const out = createWriteStream(path);
  out.write('Location;Product;Lot;Quantity;Counted at\n');
  let lines = 0;
  let chunk = '';
  for (const k of keys()) {
    if (k.counted === null) continue;
    chunk += `${locationBarcode(k.location)};${productCode(k.product)};${k.lot ?? ''};${k.counted};${COUNTED_AT}\n`;
    lines++;
    if (chunk.length > 256 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return lines;
}

async function stageSnapshot(knex: App['db']['knex']): Promise<{ snapshotId: number; quants: number }> {
  const snapshotId = await createSnapshot(knex, {
    warehouseId: 1,
    warehouseCode: 'B01',
    purpose: 'reconciliation',
    takenAt: new Date(),
    source: 'bench (staging)',
    runId: null,
  });
  let page: QuantRow[] = [];
  let id = 1;
  for (const k of keys()) {
    if (k.odoo === null) continue;
    page.push({
      quantId: id++,
      productId: 100_000 + k.product,
      productName: null,
      locationId: 1000 + k.location,
      locationName: null,
      lotId: k.lot ? id : null,
      lotName: k.lot,
      quantity: k.odoo,
      reservedQuantity: 0,
      uomId: 1,
      uomName: 'Units',
      inDate: SEEDED,
      writeDate: k.moved ? MOVED : SEEDED,
      inventoryQuantity: null,
      inventoryQuantitySet: false,
    });
    if (page.length === 20_000) {
      await stageQuants(knex, snapshotId, page);
      page = [];
    }
  }
  if (page.length) await stageQuants(knex, snapshotId, page);
  return { snapshotId, quants: await finishSnapshot(knex, snapshotId) };
}

// ---- the run --------------------------------------------------------------------------------

async function main(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'mfg-etl-bench-inv-'));
  const env: Env = {
    MFG_ETL_DATABASE_URL: DATABASE_URL,
    MFG_ETL_SCHEMA: schema,
    MFG_ETL_DATA_DIR: join(dir, 'data'),
    MFG_ETL_INBOX: join(dir, 'inbox'),
    MFG_ETL_REPORTS: join(dir, 'reports'),
    MFG_ETL_TIMEZONE: 'Europe/Berlin',
    MFG_ETL_LOG_LEVEL: 'warn',
    MFG_ETL_INBOX_SETTLE_SECONDS: '0',
    MFG_ETL_RUN_TIMEOUT_MINUTES: '30',
  };
  const configFile = join(dir, 'mfg-etl.config.json');
  await writeFile(configFile, JSON.stringify({ inventory: { tolerances: { categories: { 'All / Category 9': { abs: 0.5 } } } } }));
  env.MFG_ETL_CONFIG = configFile;
  const config = loadConfig(env, dir);
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  app = await openApp({
    env,
    cwd: dir,
    logger: createLogger({ level: 'warn', format: 'json', redactor: config.redactor, stream: quiet, console: false }),
  });
  runner = new Runner({
    config: app.config,
    db: app.db,
    logger: app.logger,
    registry: createRegistry([countImportJob, inventoryReconciliationJob]),
  });
  await runner.start();
  const knex = app.db.knex;

  process.stderr.write(`bench inventory-reconciliation: generating ${LOCATIONS * SLOTS} keys in ${schema}\n`);
  await insertMasterData(knex);
  const counts = join(dir, 'inbox', 'counts');
  await mkdir(counts, { recursive: true });
  const csvPath = join(counts, 'B01-count.csv');
  const countLines = await writeCountCsv(csvPath);
  const csvBytes = (await stat(csvPath)).size;

  let t0 = performance.now();
  const imported = await runner.runNow('count-import', { settleSeconds: 0 });
  const countImportSeconds = since(t0);
  if (imported.status !== 'succeeded') throw new Error(`count-import ${imported.status}: ${imported.error?.message}`);
  const batch = (imported.stats.batches as { batchId: number; status: string }[])[0]!;
  if (batch.status !== 'validated') throw new Error(`count batch ${batch.batchId} is ${batch.status}`);
  process.stderr.write(`  count import (${countLines} lines): ${countImportSeconds.toFixed(2)} s\n`);

  t0 = performance.now();
  const { snapshotId, quants } = await stageSnapshot(knex);
  const snapshotSeconds = since(t0);
  await knex.raw('analyze inventory_count_lines, inventory_quants');
  process.stderr.write(`  snapshot staging (${quants} quants): ${snapshotSeconds.toFixed(2)} s\n`);

  const load0 = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  const { result: run, memory } = await withMemorySampler(() =>
    runner!.runNow('inventory-reconciliation', { warehouse: 'B01', snapshot: snapshotId, importCounts: false }),
  );
  const runSeconds = since(t0);
  const cpu = process.cpuUsage(cpu0);
  if (run.status !== 'succeeded') throw new Error(`inventory-reconciliation ${run.status}: ${run.error?.message}`);
  const wh = (run.stats.warehouses as Record<string, unknown>[])[0]!;
  const timings = wh.timings as { snapshotMs: number; matchMs: number; reportMs: number };
  const [xlsx, csv] = run.stats.reports as string[];
  const matchSeconds = timings.matchMs / 1000;
  const reportSeconds = timings.reportMs / 1000;
  const totalSeconds = matchSeconds + reportSeconds;
  const peakRssMb = Math.max(memory.peakMb, memory.hwmMb ?? 0);
  for (const line of run.stats.summary as string[]) process.stderr.write(`  ${line}\n`);
  process.stderr.write(
    `  matching ${matchSeconds.toFixed(2)} s, reports ${reportSeconds.toFixed(2)} s, job ${runSeconds.toFixed(2)} s, peak RSS ${peakRssMb.toFixed(0)} MB\n`,
  );

  const figures = {
    bench: 'inventory-reconciliation',
    quants,
    countLines,
    countCsvMb: round(csvBytes / MB, 1),
    lines: wh.lines,
    discrepancies: wh.discrepancies,
    movedSinceCount: wh.movedSinceCount,
    countImportSeconds: round(countImportSeconds),
    snapshotStagingSeconds: round(snapshotSeconds),
    matchSeconds: round(matchSeconds),
    reportSeconds: round(reportSeconds),
    totalSeconds: round(totalSeconds),
    jobSeconds: round(runSeconds),
    nodeCpuSeconds: round((cpu.user + cpu.system) / 1e6),
    peakRssMb: round(peakRssMb, 0),
    rssBeforeMb: round(memory.beforeMb, 0),
    heapUsedPeakMb: round(memory.heapUsedPeakMb, 0),
    xlsxMb: round((await stat(xlsx!)).size / MB, 1),
    csvMb: round((await stat(csv!)).size / MB, 1),
    load: [round(load0), round(loadavg()[0]!)],
    cpus: availableParallelism(),
    targets: { totalSeconds: TARGET_SECONDS, peakRssMb: TARGET_PEAK_RSS_MB },
    pass: totalSeconds < TARGET_SECONDS && peakRssMb < TARGET_PEAK_RSS_MB,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => scratch.cleanup());
