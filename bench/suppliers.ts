/**
 * bench/suppliers: 2,000 purchase order lines out to their suppliers and 2,000 confirmations back
 * into Odoo, through the real jobs (Runner, PostgreSQL, inbox, ledger). Not a timed test: the
 * figures depend on the machine.
 *
 *   npm run bench -- suppliers [--version 18|19]
 *
 * 1. Starts the Odoo test server (default 19 = JSON-2; 18 = XML-RPC) with 200 products, 20
 *    vendors and 100 confirmed purchase orders of 20 lines (2,000 lines, their receipts made),
 *    and a fresh PostgreSQL schema `bench_suppliers_<pid>`.
 * 2. Sets the server's cost per call to 5 ms + 0.2 ms per record (as bench/odoo-load), then:
 *    supplier-po-export (20 supplier files, XLSX + CSV), the suppliers' answers (every line
 *    confirmed at its quantity; half of the orders slip a week: 10 distinct dates in all) dropped
 *    into the inbox as CSV, supplier-import (auto approval), supplier-load.
 * 3. Reruns supplier-load: nothing to write.
 *
 * Wall time per job is runner.runNow() from enqueue to the finished run; RPC calls are counted by
 * the server (authentication included). Ends with one JSON line of the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { createRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';
import { supplierImportJob } from '../jobs/suppliers/supplier-import.ts';
import { supplierLoadJob } from '../jobs/suppliers/supplier-load.ts';
import { supplierPoExportJob } from '../jobs/suppliers/supplier-po-export.ts';
import type { JobRun } from '../load/ops/runs.ts';
import { type OdooTestServer, seedProducts, startOdooTestServer } from '../test/support/odoo/index.ts';
import { confirmedOrder } from '../test/support/odoo/purchase.ts';
import { BENCH_DATABASE_URL, benchScratch, quietLogger } from './support/scratch.ts';

const SHAPE = { vendors: 20, ordersPerVendor: 5, linesPerOrder: 20, products: 200 };
const LINES = SHAPE.vendors * SHAPE.ordersPerVendor * SHAPE.linesPerOrder;
const LATENCY = { fixedMs: 5, perRecordMs: 0.2 };
const TARGET_CALLS_PER_1000 = 10;

const versionArg = process.argv.indexOf('--version');
const VERSION = (versionArg > 0 ? Number(process.argv[versionArg + 1]) : 19) as 18 | 19;
if (VERSION !== 18 && VERSION !== 19) throw new Error('--version must be 18 or 19');

const scratch = benchScratch('bench_suppliers');
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const round = (n: number, digits: number) => Number(n.toFixed(digits));
const out = (line = '') => process.stdout.write(`${line}\n`);

let app: App | undefined;
let runner: Runner | undefined;
let server: OdooTestServer | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-bench-suppliers-'));
scratch.onCleanup('runner stop', () => runner?.stop());
scratch.onCleanup('close', () => app?.close());
scratch.onCleanup('odoo test server', () => server?.close());
scratch.onCleanup('temp folder', () => fs.rmSync(dir, { recursive: true, force: true }));
const logLines: string[] = [];

const day = (offset: number) => new Date(Date.UTC(2027, 0, 4) + offset * 86_400_000).toISOString().slice(0, 10);

function setUp(s: OdooTestServer): void {
  const products = seedProducts(s.store, SHAPE.products, { prefix: 'BENCH-' });
  for (let v = 0; v < SHAPE.vendors; v++) {
    const vendor = s.create('res.partner', { name: `Vendor ${v + 1}`, ref: `V${String(v + 1).padStart(3, '0')}` });
    for (let o = 0; o < SHAPE.ordersPerVendor; o++) {
      const lines = Array.from({ length: SHAPE.linesPerOrder }, (_, l) => ({
        productId: products[(v * 37 + o * 11 + l) % products.length]!,
        qty: 10 + ((v + o + l) % 40),
        date: `${day(o)} 10:00:00`,
      }));
      confirmedOrder(s.store, vendor, lines);
    }
  }
}

interface Phase {
  seconds: number;
  calls: number;
  linesPerSec: number;
  callsPer1000: number;
  byMethod: Record<string, number>;
}

async function phase(job: string, params: Record<string, unknown> = {}): Promise<{ run: JobRun; m: Phase }> {
  server!.stats.reset();
  const t0 = performance.now();
  const run = await runner!.runNow(job, params);
  const seconds = (performance.now() - t0) / 1000;
  if (run.status !== 'succeeded')
    throw new Error(`${job} run ${run.id} ${run.status}: ${run.error?.message ?? ''}\n${logLines.join('\n')}`);
  const calls = server!.callCount();
  return {
    run,
    m: {
      seconds: round(seconds, 3),
      calls,
      linesPerSec: Math.round(LINES / seconds),
      callsPer1000: round((calls / LINES) * 1000, 2),
      byMethod: server!.stats.byMethod(),
    },
  };
}

/** The supplier's answer to a CSV the export wrote: every line confirmed, half of the orders a week late. */
function answer(csv: string): string {
  const rows = csv
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .map((l) => l.split(','));
  const header = rows[0]!;
  const col = (name: string) => header.indexOf(name);
  const out = [header.join(',')];
  for (const r of rows.slice(1)) {
    const requested = r[col('Requested date')]!;
    const slip = Number(r[col('PO')]!.replace(/\D/g, '')) % 2 === 0 ? 7 : 0;
    r[col('Confirmed qty')] = r[col('Ordered qty')]!;
    r[col('Confirmed date')] = new Date(Date.parse(`${requested}T00:00:00Z`) + slip * 86_400_000).toISOString().slice(0, 10);
    r[col('Your reference')] = 'AB-1';
    out.push(r.join(','));
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  server = await startOdooTestServer({ version: VERSION });
  const env: Env = {
    MFG_ETL_DATABASE_URL: BENCH_DATABASE_URL,
    MFG_ETL_SCHEMA: scratch.schema,
    MFG_ETL_TIMEZONE: 'UTC',
    MFG_ETL_LOG_LEVEL: 'warn',
    MFG_ETL_WORKER_POLL_SECONDS: '0.5',
    MFG_ETL_RETRY_LIMIT: '0',
    MFG_ETL_INBOX: path.join(dir, 'inbox'),
    MFG_ETL_OUTBOX: path.join(dir, 'outbox'),
    MFG_ETL_REPORTS: path.join(dir, 'reports'),
    MFG_ETL_INBOX_SETTLE_SECONDS: '0',
    MFG_ETL_ODOO_URL: server.url,
    MFG_ETL_ODOO_DB: server.db,
    MFG_ETL_ODOO_USER: 'admin',
    MFG_ETL_ODOO_API_KEY: server.adminApiKey,
  };
  const configFile = path.join(dir, 'mfg-etl.config.json');
  fs.writeFileSync(configFile, JSON.stringify({ suppliers: { approval: 'auto' } }));
  env.MFG_ETL_CONFIG = configFile;
  const config = loadConfig(env, process.cwd());
  app = await openApp({ env, cwd: process.cwd(), logger: quietLogger(config.redactor, logLines) });
  out(
    `bench suppliers: ${fmt(LINES)} purchase order lines (${SHAPE.vendors} vendors × ${SHAPE.ordersPerVendor} orders × ${SHAPE.linesPerOrder} lines)`,
  );
  out(
    `  Odoo test server ${VERSION}.0 (${VERSION >= 19 ? 'JSON-2' : 'XML-RPC'}), cost per call ${LATENCY.fixedMs} ms + ${LATENCY.perRecordMs} ms per record`,
  );
  const t0 = performance.now();
  setUp(server);
  out(`  set-up (orders confirmed, receipts made): ${fmt((performance.now() - t0) / 1000, 1)} s`);

  runner = new Runner({
    config: app.config,
    db: app.db,
    logger: app.logger,
    registry: createRegistry([supplierPoExportJob, supplierImportJob, supplierLoadJob]),
  });
  await runner.start();
  server.knobs.latency = { ...LATENCY };

  const exported = await phase('supplier-po-export');
  const files = exported.run.stats.files as Array<{ supplier: string; csv: string; lines: number }>;
  if (files.length !== SHAPE.vendors || files.reduce((n, f) => n + f.lines, 0) !== LINES)
    throw new Error(`export incomplete: ${JSON.stringify(exported.run.stats).slice(0, 400)}`);
  out();
  out(`supplier-po-export: ${fmt(exported.m.seconds, 2)} s, ${fmt(exported.m.linesPerSec)} lines/s, ${files.length} suppliers`);
  out(`  RPC calls: ${exported.m.calls} = ${fmt(exported.m.callsPer1000, 2)} per 1,000 lines  ${JSON.stringify(exported.m.byMethod)}`);

  const inbox = path.join(app.config.inbox, 'suppliers');
  fs.mkdirSync(inbox, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(inbox, `${f.supplier}-answer.csv`), answer(fs.readFileSync(f.csv, 'utf8')));

  const imported = await phase('supplier-import');
  if (imported.run.stats.staged !== SHAPE.vendors || imported.run.stats.rejected !== 0)
    throw new Error(`import incomplete: ${JSON.stringify(imported.run.stats).slice(0, 600)}`);
  out(
    `supplier-import: ${fmt(imported.m.seconds, 2)} s, ${fmt(imported.m.linesPerSec)} lines/s, ${SHAPE.vendors} files staged and approved`,
  );
  out(`  RPC calls: ${imported.m.calls} = ${fmt(imported.m.callsPer1000, 2)} per 1,000 lines  ${JSON.stringify(imported.m.byMethod)}`);

  const loaded = await phase('supplier-load');
  const ls = loaded.run.stats as { written: number; unchanged: number; conflicts: number; failed: number };
  if (ls.written + ls.unchanged !== LINES || ls.conflicts || ls.failed) throw new Error(`load incomplete: ${JSON.stringify(ls)}`);
  out(
    `supplier-load: ${fmt(loaded.m.seconds, 2)} s, ${fmt(loaded.m.linesPerSec)} lines/s, ${ls.written} dates written, ${ls.unchanged} already as confirmed`,
  );
  out(`  RPC calls: ${loaded.m.calls} = ${fmt(loaded.m.callsPer1000, 2)} per 1,000 lines  ${JSON.stringify(loaded.m.byMethod)}`);

  const rerun = await phase('supplier-load');
  const rerunWrites = server.calls().filter((c) => ['create', 'write', 'unlink', 'load'].includes(c.method)).length;
  if (rerunWrites !== 0) throw new Error(`rerun wrote in ${rerunWrites} calls`);
  out(`rerun of supplier-load: ${fmt(rerun.m.seconds, 2)} s, ${rerunWrites} write calls, ${rerun.m.calls} calls in all`);

  const importLoadCalls = imported.m.calls + loaded.m.calls;
  const importLoadSeconds = imported.m.seconds + loaded.m.seconds;
  const totalCalls = exported.m.calls + importLoadCalls;
  const per1000 = (calls: number) => round((calls / LINES) * 1000, 2);
  const within = {
    export: exported.m.callsPer1000 <= TARGET_CALLS_PER_1000,
    import: imported.m.callsPer1000 <= TARGET_CALLS_PER_1000,
    load: loaded.m.callsPer1000 <= TARGET_CALLS_PER_1000,
  };
  const ok = within.export && within.import && within.load;
  out();
  out(
    `calls per 1,000 lines (target ≤ ${TARGET_CALLS_PER_1000} per job): export ${fmt(exported.m.callsPer1000, 2)} ${within.export ? 'ok' : 'MISSED'}, import ${fmt(imported.m.callsPer1000, 2)} ${within.import ? 'ok' : 'MISSED'} (the lines of all ${SHAPE.vendors} files in one paged read), load ${fmt(loaded.m.callsPer1000, 2)} ${within.load ? 'ok' : 'MISSED'}; round trip ${fmt(per1000(totalCalls), 2)}`,
  );
  out(
    JSON.stringify({
      bench: 'suppliers',
      odoo: `${VERSION}.0 ${VERSION >= 19 ? 'json2' : 'xmlrpc'}`,
      latency: LATENCY,
      lines: LINES,
      suppliers: SHAPE.vendors,
      export: {
        seconds: exported.m.seconds,
        linesPerSec: exported.m.linesPerSec,
        calls: exported.m.calls,
        callsPer1000: exported.m.callsPer1000,
      },
      import: {
        seconds: imported.m.seconds,
        linesPerSec: imported.m.linesPerSec,
        calls: imported.m.calls,
        callsPer1000: imported.m.callsPer1000,
      },
      load: {
        seconds: loaded.m.seconds,
        linesPerSec: loaded.m.linesPerSec,
        calls: loaded.m.calls,
        callsPer1000: loaded.m.callsPer1000,
        written: ls.written,
        unchanged: ls.unchanged,
      },
      importAndLoad: {
        seconds: round(importLoadSeconds, 3),
        linesPerSec: Math.round(LINES / importLoadSeconds),
        calls: importLoadCalls,
        callsPer1000: per1000(importLoadCalls),
      },
      totalCallsPer1000: per1000(totalCalls),
      rerun: { seconds: rerun.m.seconds, writeCalls: rerunWrites, calls: rerun.m.calls },
      target: { callsPer1000: TARGET_CALLS_PER_1000 },
      within,
      pass: ok,
    }),
  );
}

try {
  await main();
} finally {
  await scratch.cleanup();
}
