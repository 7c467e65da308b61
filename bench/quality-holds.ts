/**
 * bench/quality-holds: event received → stock moved in Odoo, through the real path: POST
 * /api/quality-events on the status server (token, rate limit, checks against Odoo, staging,
 * audit) → quality-apply queued at once through the real Runner (pg-boss) → the quarantine
 * transfer in the Odoo test server. Not a timed test: the figures depend on the machine.
 *
 *   npm run bench -- quality-holds [--version 18|19] [--singles 40] [--burst 1000]
 *
 * 1. Odoo test server (default 18, XML-RPC) with a lot-tracked product, one lot per event (the
 *    singles' lots and the burst's), each in WH/Stock; the quarantine location set up; a cost
 *    per Odoo call of 2 ms. A fresh PostgreSQL schema `bench_quality_<pid>`.
 * 2. Singles: one hold at a time; latency = from sending the POST to the lot's stock showing in
 *    WH/Quarantine (the test server's store polled every 5 ms). Aim: p99 < 2 s.
 * 3. Burst: 1,000 holds posted at once (50 connections); latency per event the same way.
 *
 * Ends with one JSON line: {"bench":"quality-holds",...}.
 */
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { qualitySettings } from '../core/config/quality.ts';
import { OdooClient } from '../core/odoo/index.ts';
import { odooOptionsFromConfig } from '../core/odoo/config.ts';
import { StatusServer } from '../app/http/server.ts';
import { qualityApplyJob } from '../jobs/quality/quality-apply.ts';
import { setupQuarantine } from '../jobs/quality/setup.ts';
import { createRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';
import { addToken } from '../load/quality/staging.ts';
import { type OdooTestServer, seedLotStock, startOdooTestServer } from '../test/support/odoo/index.ts';
import { BENCH_DATABASE_URL, benchScratch, quietLogger } from './support/scratch.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const VERSION = arg('version', 18) as 18 | 19;
const SINGLES = arg('singles', 40);
const BURST = arg('burst', 1000);
const CONNECTIONS = 50;
const LATENCY = { fixedMs: 2, perRecordMs: 0 };
const TARGET_P99_SINGLE_MS = 2000;

const scratch = benchScratch('bench_quality');
const out = (line = '') => process.stdout.write(`${line}\n`);
const logLines: string[] = [];
let app: App | undefined;
let runner: Runner | undefined;
let odoo: OdooTestServer | undefined;
let status: StatusServer | undefined;
let client: OdooClient | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-quality-'));
scratch.onCleanup('status server', () => status?.close());
scratch.onCleanup('runner stop', () => runner?.stop());
scratch.onCleanup('odoo client', () => client?.close());
scratch.onCleanup('close', () => app?.close());
scratch.onCleanup('odoo test server', () => odoo?.close());
scratch.onCleanup('temp dir', () => fs.rmSync(dir, { recursive: true, force: true }));

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
function post(url: string, token: string, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

async function main(): Promise<void> {
  odoo = await startOdooTestServer({ version: VERSION });
  const lots = Array.from({ length: SINGLES + BURST }, (_, i) => [`BL-${String(i).padStart(5, '0')}`, 8, 10] as const);
  const seeded = seedLotStock(odoo.store, { code: 'BENCH-Q', name: 'Bench drawer', price: 12 }, lots);
  const env: Env = {
    MFG_ETL_DATABASE_URL: BENCH_DATABASE_URL,
    MFG_ETL_SCHEMA: scratch.schema,
    MFG_ETL_DATA_DIR: path.join(dir, 'data'),
    MFG_ETL_INBOX: path.join(dir, 'inbox'),
    MFG_ETL_REPORTS: path.join(dir, 'reports'),
    MFG_ETL_WORKER_POLL_SECONDS: '0.5',
    MFG_ETL_ODOO_URL: odoo.url,
    MFG_ETL_ODOO_DB: odoo.db,
    MFG_ETL_ODOO_USER: 'admin',
    MFG_ETL_ODOO_API_KEY: odoo.adminApiKey,
    MFG_ETL_CONFIG: path.join(dir, 'config.json'),
  };
  fs.writeFileSync(env.MFG_ETL_CONFIG!, JSON.stringify({ quality: { rateLimitPerMinute: 100_000 } }));
  const config = loadConfig(env, dir);
  app = await openApp({ env, cwd: dir, logger: quietLogger(config.redactor, logLines) });
  const registry = createRegistry([qualityApplyJob]);
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
  await runner.work(['quality-apply']);
  status = new StatusServer({ config: app.config, db: app.db, logger: app.logger, registry, port: 0, runner });
  await status.listen();
  client = new OdooClient(odooOptionsFromConfig(app.config)!, app.logger);
  const [q] = await setupQuarantine(client, qualitySettings(app.config), ['WH']);
  const quarantine = q!.locationId;
  const token = await addToken(app.db.knex, 'bench-qms', ['quality:write']);
  odoo.knobs.latency = { ...LATENCY };
  const url = `${status.url}/api/quality-events`;
  const lotId = (name: string) => seeded.lotIds.get(name)!;
  /** lot ids with stock in quarantine now: one pass over the quants */
  const heldLots = () =>
    new Set(
      odoo!.store
        .all('stock.quant')
        .filter((x) => x.location_id === quarantine && Number(x.quantity) > 0)
        .map((x) => Number(x.lot_id)),
    );
  const event = (nc: string, lot: string) => ({
    nonconformance: nc,
    action: 'hold',
    product: 'BENCH-Q',
    lots: [lot],
    warehouse: 'WH',
    reason: 'bench',
  });

  /** waits until every lot of `pending` is in quarantine; records when each arrived */
  async function watch(pending: Map<string, number>, latencies: number[], timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (pending.size > 0) {
      const now = performance.now();
      const held = heldLots();
      for (const [lot, sent] of pending) {
        if (held.has(lotId(lot))) {
          latencies.push(now - sent);
          pending.delete(lot);
        }
      }
      if (now > until) throw new Error(`${pending.size} holds not moved after ${timeoutMs} ms; log: ${logLines.slice(-3).join(' | ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  out(`quality-holds bench: Odoo ${VERSION} test server (${LATENCY.fixedMs} ms per call), ${SINGLES} single holds, burst of ${BURST}`);
  const singles: number[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < SINGLES; i++) {
    const lot = lots[i]![0];
    const sent = performance.now();
    const code = await post(url, token, event(`NC-S${i}`, lot));
    statuses.set(code, (statuses.get(code) ?? 0) + 1);
    await watch(new Map([[lot, sent]]), singles, 30_000);
  }
  out(`singles: p50 ${percentile(singles, 50).toFixed(0)} ms, p99 ${percentile(singles, 99).toFixed(0)} ms`);

  const burst: number[] = [];
  const sentAt = new Map<string, number>();
  const done = new Set<string>();
  const t0 = performance.now();
  let next = 0;
  const senders = Array.from({ length: CONNECTIONS }, async () => {
    while (next < BURST) {
      const i = next++;
      const lot = lots[SINGLES + i]![0];
      sentAt.set(lot, performance.now());
      const code = await post(url, token, event(`NC-B${i}`, lot));
      statuses.set(code, (statuses.get(code) ?? 0) + 1);
    }
  });
  const watching = (async () => {
    while (done.size < BURST) {
      const held = heldLots();
      for (const [lot, sent] of sentAt) {
        if (!done.has(lot) && held.has(lotId(lot))) {
          burst.push(performance.now() - sent);
          done.add(lot);
        }
      }
      if (performance.now() - t0 > 600_000) throw new Error(`burst: ${BURST - done.size} holds not moved after 600 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await Promise.all(senders);
  const postedS = (performance.now() - t0) / 1000;
  await watching;
  const burstS = (performance.now() - t0) / 1000;
  out(
    `burst: ${BURST} posted in ${postedS.toFixed(1)} s, all moved in ${burstS.toFixed(1)} s; p50 ${percentile(burst, 50).toFixed(0)} ms, p99 ${percentile(burst, 99).toFixed(0)} ms`,
  );
  const runs = await app.db.knex('job_runs').where({ job: 'quality-apply' }).count({ n: '*' });
  const calls = odoo.stats.requests;
  const result = {
    bench: 'quality-holds',
    odoo: VERSION,
    odooCallMs: LATENCY.fixedMs,
    singles: SINGLES,
    singleP50Ms: Math.round(percentile(singles, 50)),
    singleP99Ms: Math.round(percentile(singles, 99)),
    singleTargetP99Ms: TARGET_P99_SINGLE_MS,
    singleTargetMet: percentile(singles, 99) < TARGET_P99_SINGLE_MS,
    burst: BURST,
    burstPostedSeconds: Number(postedS.toFixed(2)),
    burstAllMovedSeconds: Number(burstS.toFixed(2)),
    burstP50Ms: Math.round(percentile(burst, 50)),
    burstP99Ms: Math.round(percentile(burst, 99)),
    httpStatuses: Object.fromEntries(statuses),
    applyRuns: Number((runs[0] as { n: string | number }).n),
    odooRequests: calls,
  };
  out(JSON.stringify(result));
}

try {
  await main();
} catch (err) {
  process.stderr.write(`quality-holds bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  agent.destroy();
  await scratch.cleanup();
}
process.exit();
