/**
 * bench/mes: 5,000 manufacturing orders released, reported by the MES and closed in Odoo, through
 * the real jobs (Runner, PostgreSQL, inbox, ledger), against a naive loader measured in the same
 * run. Not a timed test: the figures depend on the machine.
 *
 *   npm run bench -- mes [--version 18|19] [--orders 5000]
 *
 * 1. Starts the Odoo test server (default 19 = JSON-2; 18 = XML-RPC) with the execution captures'
 *    Drawer BoM (2 lot-tracked components, 3 operations) and N confirmed, reserved MOs of 2.
 * 2. mes-release writes one ProcessOperationsSchedule per order into <outbox>/mes/.
 * 3. 50 ProcessOperationsPerformance files (N/50 responses each: produced 2 in a new lot, both
 *    components consumed from their reserved lots, 3 work order times, Completed) into <inbox>/mes,
 *    then mes-report (auto approval) and mes-load; then mes-load again (nothing to write).
 * 4. A naive loader posts the same kind of report for N/10 further (unreleased) orders, each field of each
 *    order in its own call (search the MO, each work order, each move; write each value apart).
 *
 * Cost per call on the server: 5 ms + 0.2 ms per record (as bench/odoo-load). RPC calls are
 * counted by the server. Ends with one JSON line of the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { OdooClient } from '../core/odoo/index.ts';
import { odooOptionsFromConfig } from '../core/odoo/config.ts';
import { mesLoadJob } from '../jobs/mes/mes-load.ts';
import { mesReleaseJob } from '../jobs/mes/mes-release.ts';
import { mesReportJob } from '../jobs/mes/mes-report.ts';
import { createRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';
import type { JobRun } from '../load/ops/runs.ts';
import { type OdooTestServer, startOdooTestServer } from '../test/support/odoo/index.ts';
import { confirmedProduction, seedMrpExecution } from '../test/support/odoo/mrp.ts';
import { BENCH_DATABASE_URL, benchScratch, quietLogger } from './support/scratch.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const VERSION = arg('--version', 19) as 18 | 19;
if (VERSION !== 18 && VERSION !== 19) throw new Error('--version must be 18 or 19');
const ORDERS = arg('--orders', 5000);
const FILES = Math.min(50, ORDERS);
const NAIVE = Math.max(1, Math.round(ORDERS / 10));
const LATENCY = { fixedMs: 5, perRecordMs: 0.2 };
const TARGET_CALLS_PER_ORDER = 6;

const scratch = benchScratch('bench_mes');
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const round = (n: number, digits: number) => Number(n.toFixed(digits));
const out = (line = '') => process.stdout.write(`${line}\n`);

let app: App | undefined;
let runner: Runner | undefined;
let server: OdooTestServer | undefined;
let naiveClient: OdooClient | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-bench-mes-'));
scratch.onCleanup('runner stop', () => runner?.stop());
scratch.onCleanup('naive client', () => naiveClient?.close());
scratch.onCleanup('close', () => app?.close());
scratch.onCleanup('odoo test server', () => server?.close());
scratch.onCleanup('temp folder', () => fs.rmSync(dir, { recursive: true, force: true }));
const logLines: string[] = [];

interface Order {
  id: number;
  name: string;
  wos: string[];
}

function makeOrders(s: OdooTestServer, count: number): Order[] {
  const ids = Array.from({ length: count }, () => confirmedProduction(s, { qty: 2 }));
  const names = new Map(s.store.all('mrp.production').map((r) => [r.id, String(r.name)]));
  const wos = new Map<number, string[]>();
  for (const wo of s.store.all('mrp.workorder')) {
    const mo = Number(wo.production_id);
    wos.set(mo, [...(wos.get(mo) ?? []), String(wo.name)]);
  }
  return ids.map((id) => ({ id, name: names.get(id)!, wos: wos.get(id) ?? [] }));
}

const t = (minutes: number) => new Date(Date.UTC(2027, 0, 4, 6) + minutes * 60_000).toISOString().replace('.000Z', 'Z');

function response(o: Order, i: number): string {
  const segments = o.wos
    .map((wo, k) => {
      const materials =
        k === o.wos.length - 1
          ? `<MaterialActual><ID>P</ID><MaterialDefinitionID>FURN_8855</MaterialDefinitionID><MaterialLotID>BENCH-${i}</MaterialLotID><MaterialUse>Produced</MaterialUse><Quantity><QuantityString>2</QuantityString><UnitOfMeasure>Units</UnitOfMeasure></Quantity></MaterialActual>` +
            `<MaterialActual><ID>C1</ID><MaterialDefinitionID>FURN_2100</MaterialDefinitionID><MaterialLotID>0000000010001</MaterialLotID><MaterialUse>Consumed</MaterialUse><Quantity><QuantityString>2</QuantityString></Quantity></MaterialActual>` +
            `<MaterialActual><ID>C2</ID><MaterialDefinitionID>FURN_5623</MaterialDefinitionID><MaterialLotID>0000000020045</MaterialLotID><MaterialUse>Consumed</MaterialUse><Quantity><QuantityString>2</QuantityString></Quantity></MaterialActual>`
          : '';
      return `<SegmentResponse><ID>S${k + 1}</ID><ActualStartTime>${t(i + k * 30)}</ActualStartTime><ActualEndTime>${t(i + k * 30 + 25)}</ActualEndTime><SegmentRequirementID>${wo}</SegmentRequirementID>${materials}</SegmentResponse>`;
    })
    .join('');
  return `<OperationsResponse><ID>BENCH-TX-${i}</ID><OperationsRequestID>${o.name}</OperationsRequestID><ResponseState>Completed</ResponseState>${segments}</OperationsResponse>`;
}

function performanceFile(orders: readonly Order[], first: number, bodId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ProcessOperationsPerformance xmlns="http://www.mesa.org/xml/B2MML" releaseID="1.0"><ApplicationArea><CreationDateTime>2027-01-04T12:00:00Z</CreationDateTime><BODID>${bodId}</BODID></ApplicationArea><DataArea><Process/><OperationsPerformance><ID>${bodId}</ID>\n${orders.map((o, k) => response(o, first + k)).join('\n')}\n</OperationsPerformance></DataArea></ProcessOperationsPerformance>\n`;
}

async function phase(
  job: string,
  params: Record<string, unknown> = {},
): Promise<{ run: JobRun; seconds: number; calls: number; byMethod: Record<string, number> }> {
  server!.stats.reset();
  const t0 = performance.now();
  const run = await runner!.runNow(job, params);
  const seconds = (performance.now() - t0) / 1000;
  if (run.status !== 'succeeded')
    throw new Error(`${job} run ${run.id} ${run.status}: ${run.error?.message ?? ''}\n${logLines.slice(-20).join('\n')}`);
  return { run, seconds: round(seconds, 3), calls: server!.callCount(), byMethod: server!.stats.byMethod() };
}

/** Each field of each order in its own call: what the job avoids. */
async function naiveLoad(client: OdooClient, orders: readonly Order[], lossId: number, v19: boolean): Promise<void> {
  let n = 0;
  for (const o of orders) {
    n++;
    const [mo] = await client.searchRead('mrp.production', [['name', '=', o.name]], ['product_id']);
    const productId = (mo!.product_id as [number, string])[0];
    for (const [k, name] of o.wos.entries()) {
      const [wo] = await client.searchRead(
        'mrp.workorder',
        [
          ['production_id', '=', mo!.id],
          ['name', '=', name],
        ],
        ['workcenter_id'],
      );
      const id = await client.create('mrp.workcenter.productivity', {
        workorder_id: wo!.id,
        workcenter_id: (wo!.workcenter_id as [number, string])[0],
        loss_id: lossId,
        date_start: t(k * 30)
          .replace('T', ' ')
          .replace('Z', ''),
      });
      await client.write('mrp.workcenter.productivity', [id], {
        date_end: t(k * 30 + 25)
          .replace('T', ' ')
          .replace('Z', ''),
      });
    }
    await client.write('mrp.production', [mo!.id], { qty_producing: 2 });
    const lot = v19
      ? await client.create('stock.lot', { name: `NAIVE-${n}`, product_id: productId })
      : (await client.loadRecords('stock.lot', ['name', 'product_id/.id'], [[`NAIVE-${n}`, productId]])).ids[0]!;
    await client.write('mrp.production', [mo!.id], v19 ? { lot_producing_ids: [[6, 0, [lot]]] } : { lot_producing_id: lot });
    for (const move of await client.searchRead('stock.move', [['raw_material_production_id', '=', mo!.id]], ['product_id'])) {
      const [line] = await client.searchRead('stock.move.line', [['move_id', '=', move.id]], ['quantity']);
      await client.write('stock.move.line', [line!.id], { quantity: 2 });
      await client.write('stock.move', [move.id], { picked: true });
    }
    await client.callAction('mrp.production', 'button_mark_done', [mo!.id]);
  }
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
  fs.writeFileSync(configFile, JSON.stringify({ mes: { approval: 'auto', consumptionDifference: 'accept' } }));
  env.MFG_ETL_CONFIG = configFile;
  const config = loadConfig(env, process.cwd());
  app = await openApp({ env, cwd: process.cwd(), logger: quietLogger(config.redactor, logLines) });
  out(`bench mes: ${fmt(ORDERS)} manufacturing orders reported and closed, ${FILES} report files; naive loader on ${fmt(NAIVE)} more`);
  out(
    `  Odoo test server ${VERSION}.0 (${VERSION >= 19 ? 'JSON-2' : 'XML-RPC'}), cost per call ${LATENCY.fixedMs} ms + ${LATENCY.perRecordMs} ms per record`,
  );

  const t0 = performance.now();
  seedMrpExecution(server, { withUntracked: false });
  const orders = makeOrders(server, ORDERS);
  out(`  set-up (${fmt(ORDERS)} MOs confirmed and reserved): ${fmt((performance.now() - t0) / 1000, 1)} s`);

  runner = new Runner({
    config: app.config,
    db: app.db,
    logger: app.logger,
    registry: createRegistry([mesReleaseJob, mesReportJob, mesLoadJob]),
  });
  await runner.start();
  server.knobs.latency = { ...LATENCY };

  // release: one ProcessOperationsSchedule per order into <outbox>/mes/ (the release side's job)
  const release = await phase('mes-release');
  if (Number(release.run.stats.process) !== ORDERS)
    throw new Error(`mes-release incomplete: ${JSON.stringify(release.run.stats).slice(0, 600)}`);
  out();
  out(
    `mes-release: ${fmt(release.seconds, 2)} s, ${fmt(ORDERS / release.seconds)} orders/s, ${release.calls} RPC calls = ${fmt(release.calls / ORDERS, 2)} per order ${JSON.stringify(release.byMethod)}`,
  );
  // the naive loader's orders, made after the release (they are not released)
  const naiveOrders = makeOrders(server, NAIVE).slice(-NAIVE);

  const inbox = path.join(app.config.inbox, 'mes');
  fs.mkdirSync(inbox, { recursive: true });
  const per = Math.ceil(ORDERS / FILES);
  for (let f = 0; f < FILES; f++) {
    const part = orders.slice(f * per, (f + 1) * per);
    if (part.length)
      fs.writeFileSync(path.join(inbox, `perf-${String(f).padStart(3, '0')}.xml`), performanceFile(part, f * per, `BENCH-${f}`));
  }

  const report = await phase('mes-report');
  if (report.run.stats.rejected !== 0 || Number(report.run.stats.rowsStaged) !== ORDERS)
    throw new Error(`mes-report incomplete: ${JSON.stringify(report.run.stats).slice(0, 800)}`);
  out();
  out(
    `mes-report: ${fmt(report.seconds, 2)} s, ${fmt(ORDERS / report.seconds)} reports/s, ${report.calls} RPC calls ${JSON.stringify(report.byMethod)}`,
  );

  const load = await phase('mes-load');
  const ls = load.run.stats as { posted: number; held: number; failed: number };
  if (ls.posted !== ORDERS || ls.failed || ls.held) throw new Error(`mes-load incomplete: ${JSON.stringify(ls).slice(0, 800)}`);
  const done = server.store.all('mrp.production').filter((m) => m.state === 'done').length;
  out(
    `mes-load: ${fmt(load.seconds, 2)} s, ${fmt(ORDERS / load.seconds)} orders/s, ${load.calls} RPC calls = ${fmt(load.calls / ORDERS, 2)} per order ${JSON.stringify(load.byMethod)}`,
  );
  out(`  orders done in Odoo: ${fmt(done)}`);

  const rerun = await phase('mes-load');
  const rerunWrites = server.calls().filter((c) => ['create', 'write', 'unlink', 'load', 'button_mark_done'].includes(c.method)).length;
  if (rerunWrites !== 0) throw new Error(`rerun wrote in ${rerunWrites} calls`);
  out(`rerun of mes-load: ${fmt(rerun.seconds, 2)} s, ${rerunWrites} write calls, ${rerun.calls} calls in all`);

  // the naive loader, same server, same latency
  naiveClient = new OdooClient(odooOptionsFromConfig(app.config)!, app.logger);
  const [loss] = await naiveClient.searchRead('mrp.workcenter.productivity.loss', [['loss_type', '=', 'productive']], ['name'], {
    limit: 1,
  });
  server.stats.reset();
  const n0 = performance.now();
  await naiveLoad(naiveClient, naiveOrders, loss!.id, VERSION >= 19);
  const naiveSeconds = (performance.now() - n0) / 1000;
  const naiveCalls = server.callCount();
  const naivePerOrder = naiveCalls / NAIVE;

  const callsPerOrder = (release.calls + report.calls + load.calls) / ORDERS;
  const ordersPerSec = ORDERS / (release.seconds + report.seconds + load.seconds);
  const naiveOrdersPerSec = NAIVE / naiveSeconds;
  out(
    `naive loader: ${fmt(naiveSeconds, 2)} s for ${fmt(NAIVE)} orders, ${fmt(naiveOrdersPerSec, 1)} orders/s, ${fmt(naivePerOrder, 2)} calls per order`,
  );
  out();
  const within = callsPerOrder <= TARGET_CALLS_PER_ORDER;
  out(
    `release + report + load + close: ${fmt(callsPerOrder, 2)} RPC calls per order (target ≤ ${TARGET_CALLS_PER_ORDER}: ${within ? 'ok' : 'MISSED'}), ${fmt(ordersPerSec, 1)} orders/s; naive ${fmt(naivePerOrder, 1)} calls per order: ${fmt(naivePerOrder / callsPerOrder, 1)}× the calls and ${fmt(ordersPerSec / naiveOrdersPerSec, 1)}× the time per order`,
  );
  out(
    JSON.stringify({
      bench: 'mes',
      odoo: `${VERSION}.0 ${VERSION >= 19 ? 'json2' : 'xmlrpc'}`,
      latency: LATENCY,
      orders: ORDERS,
      files: FILES,
      release: { seconds: release.seconds, calls: release.calls, callsPerOrder: round(release.calls / ORDERS, 2) },
      report: { seconds: report.seconds, calls: report.calls, reportsPerSec: Math.round(ORDERS / report.seconds) },
      load: {
        seconds: load.seconds,
        calls: load.calls,
        callsPerOrder: round(load.calls / ORDERS, 2),
        ordersPerSec: round(ORDERS / load.seconds, 1),
      },
      callsPerOrder: round(callsPerOrder, 2),
      ordersPerSec: round(ordersPerSec, 1),
      rerun: { seconds: rerun.seconds, writeCalls: rerunWrites, calls: rerun.calls },
      naive: {
        orders: NAIVE,
        seconds: round(naiveSeconds, 3),
        callsPerOrder: round(naivePerOrder, 2),
        ordersPerSec: round(naiveOrdersPerSec, 1),
      },
      ratio: { calls: round(naivePerOrder / callsPerOrder, 2), speed: round(ordersPerSec / naiveOrdersPerSec, 2) },
      target: { callsPerOrder: TARGET_CALLS_PER_ORDER },
      within,
    }),
  );
}

try {
  await main();
} finally {
  await scratch.cleanup();
}
