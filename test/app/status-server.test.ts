/**
 * The status server on the real PostgreSQL: health, readiness (with Odoo and the database
 * stopped), metrics after real runs through the Runner, the status pages, escaping, reports,
 * and login / CSRF / approval through the audit trail.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../core/config.ts';
import { openDatabase } from '../../core/db.ts';
import { DataValidationError } from '../../core/errors.ts';
import { recordOdooCall } from '../../core/metrics.ts';
import { hashPassword } from '../../app/http/auth.ts';
import { StatusServer } from '../../app/http/server.ts';
import { defineJob } from '../../jobs/job.ts';
import { Runner } from '../../jobs/runner.ts';
import { OdooClient } from '../../core/odoo/index.ts';
import { createBatch, getBatch, recordCheckpoints, transitionBatch } from '../../load/staging/batches.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { closedPort, hiddenField, type Reply, request, setCookies } from '../support/http.ts';
import { registryOf } from '../support/jobs.ts';
import { startOdooTestServer } from '../support/odoo/index.ts';
import { TEST_DATABASE_URL, type TestApp, testApp } from '../support/staging.ts';

const XSS = '<script>alert("x")</script>';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

const importJob = defineJob({
  name: 'import-ok',
  description: 'reads and stages rows',
  schedule: '*/5 * * * *',
  params: z.object({}),
  async run(ctx) {
    ctx.logger.info(`read the file ${XSS}`, { file: 'plan.csv' });
    ctx.logger.warn('two rows rejected');
    return { rowsRead: 10, rowsStaged: 8, rowsRejected: 2 };
  },
});
const badJob = defineJob({
  name: 'bad-data',
  description: 'always fails for good',
  schedule: '0 3 * * *',
  params: z.object({}),
  async run() {
    throw new DataValidationError(`the data is wrong ${XSS}`);
  },
});
const idleJob = defineJob({
  name: 'never-worked',
  description: 'queued, never worked here',
  schedule: null,
  params: z.object({}),
  run: async () => ({}),
});
const registry = registryOf(importJob, badJob, idleJob);

let app: TestApp;
let server: StatusServer;
let base: string;
let usersDir: string;
const closers: (() => Promise<void> | void)[] = [];
let okRun: JobRun;
let deadRun: JobRun;
let batchId: number;
/** session cookie of a logged-in viewer (bob): with users configured every page needs one */
let viewer: string;

async function login(user: string, password: string, next = '/'): Promise<{ cookie: string; reply: Reply }> {
  const form = await request(`${base}/login?next=${encodeURIComponent(next)}`);
  expect(form.status).toBe(200);
  const loginCookie = setCookies(form).get('mfg_etl_login')!.value;
  const reply = await request(`${base}/login`, {
    headers: { cookie: `mfg_etl_login=${loginCookie}` },
    form: { csrf: hiddenField(form.text, 'csrf')!, next: hiddenField(form.text, 'next')!, login: user, password },
  });
  const session = setCookies(reply).get('mfg_etl_session');
  return { cookie: session ? `mfg_etl_session=${session.value}` : '', reply };
}

type RequestOptions = Parameters<typeof request>[1];
/** a request with the viewer's session */
const asViewer = (url: string, o: RequestOptions = {}) => request(url, { ...o, headers: { cookie: viewer, ...o?.headers } });
/** a request as the monitoring system (metrics token) */
const asMonitor = (url: string, o: RequestOptions = {}) =>
  request(url, { ...o, headers: { authorization: `Bearer ${METRICS_TOKEN}`, ...o?.headers } });

beforeAll(async () => {
  usersDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-users-'));
  const usersFile = path.join(usersDir, 'users');
  fs.writeFileSync(
    usersFile,
    `# status page users\nanna:${await hashPassword('correct horse battery')}:Anna Planner\n\nbob:${await hashPassword('bobs password 1')}\n`,
  );
  app = await testApp('status', {
    MFG_ETL_HTTP_USERS_FILE: usersFile,
    MFG_ETL_RETRY_LIMIT: '0',
    MFG_ETL_HTTP_METRICS_TOKEN: METRICS_TOKEN,
  });
  server = new StatusServer({ config: app.config, db: app.db, logger: app.logger, registry, port: 0 });
  base = await server.listen();
  viewer = (await login('bob', 'bobs password 1')).cookie;
  expect(viewer).not.toBe('');

  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  closers.push(() => runner.stop());
  await runner.start();
  okRun = await runner.runNow('import-ok', {});
  deadRun = await runner.runNow('bad-data', {});
  await runner.enqueue('never-worked', {}, { trigger: 'manual' });

  const batch = await createBatch(app.db.knex, {
    kind: 'forecast',
    scope: XSS,
    version: 'v1',
    source: 'plan.csv',
    actor: 'forecast-import',
    runId: okRun.id,
    stats: { lines: 8, errorCount: 1 },
  });
  await recordCheckpoints(app.db.knex, batch.id, [
    {
      name: 'horizon_coverage',
      severity: 'warning',
      passed: false,
      measured: { weeks: 4, threshold: 12 },
      message: 'covers 4 weeks, fewer than 12',
    },
    { name: 'parse_errors', severity: 'error', passed: true, measured: { errors: 0 }, message: 'no parse errors' },
  ]);
  await app.db.knex('batch_row_errors').insert({
    batch_id: batch.id,
    seq: 1,
    ref: 'Sheet1!B7',
    col: 'product',
    value: '<img src=x onerror=alert(1)>',
    message: '=HYPERLINK("evil") unknown product',
  });
  await transitionBatch(app.db.knex, batch.id, 'validate', { actor: 'forecast-import' });
  batchId = batch.id;
});

afterAll(async () => {
  await server?.close();
  for (const close of closers.reverse()) await close();
  await app?.cleanup();
  fs.rmSync(usersDir, { recursive: true, force: true });
});

function metric(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('health, readiness and metrics', () => {
  it('GET /healthz answers 200 while the process is alive, and other methods 405', async () => {
    const r = await request(`${base}/healthz`);
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ status: 'ok', pid: process.pid });
    expect((await request(`${base}/healthz`, { method: 'POST', body: '' })).status).toBe(405);
  });

  it('GET /readyz answers 200 with the database up and its latency', async () => {
    const r = await request(`${base}/readyz`);
    expect(r.status).toBe(200);
    const body = r.json<{ status: string; checks: Record<string, { status: string; latencyMs: number; required: boolean }> }>();
    expect(body.status).toBe('ready');
    expect(body.checks.database).toMatchObject({ status: 'up', required: true });
    expect(body.checks.database!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.checks.odoo).toBeUndefined();
  });

  it('GET /readyz answers 503 naming Odoo when Odoo is configured but nothing answers, without the API key', async () => {
    const port = await closedPort();
    const config = loadConfig(
      {
        ...app.env,
        MFG_ETL_ODOO_URL: `http://127.0.0.1:${port}`,
        MFG_ETL_ODOO_DB: 'mfg',
        MFG_ETL_ODOO_USER: 'etl',
        MFG_ETL_ODOO_API_KEY: 'odoo-api-key-very-secret',
      },
      app.dir,
    );
    const other = new StatusServer({ config, db: app.db, logger: app.logger, registry, port: 0 });
    const url = await other.listen();
    try {
      const r = await asMonitor(`${url}/readyz`);
      expect(r.status).toBe(503);
      const body = r.json<{ status: string; reason: string; checks: Record<string, { status: string; detail: string }> }>();
      expect(body.status).toBe('not ready');
      expect(body.checks.database!.status).toBe('up');
      expect(body.checks.odoo!.status).toBe('down');
      expect(body.reason).toMatch(/^odoo is down: .*(ECONNREFUSED|refused)/i);
      expect(r.text).not.toContain('odoo-api-key-very-secret');
    } finally {
      await other.close();
    }
  });

  it('GET /readyz, /healthz and /metrics never show the password of a URL with credentials (Odoo up or down)', async () => {
    const odoo = await startOdooTestServer({ version: 18 });
    const port = await closedPort();
    try {
      for (const target of [odoo.url, `http://127.0.0.1:${port}`]) {
        const withCredentials = target.replace('http://', 'http://etl:url-pass-Secret9@');
        const config = loadConfig(
          {
            ...app.env,
            MFG_ETL_ODOO_URL: withCredentials,
            MFG_ETL_ODOO_DB: odoo.db,
            MFG_ETL_ODOO_USER: 'admin',
            MFG_ETL_ODOO_API_KEY: odoo.adminApiKey,
          },
          app.dir,
        );
        const other = new StatusServer({ config, db: app.db, logger: app.logger, registry, port: 0 });
        const url = await other.listen();
        try {
          const ready = await asMonitor(`${url}/readyz`);
          expect(ready.json<{ checks: Record<string, unknown> }>().checks.odoo).toBeDefined();
          for (const r of [ready, await request(`${url}/healthz`), await request(`${url}/metrics`)]) {
            expect(r.text).not.toContain('url-pass-Secret9');
            expect(r.text).not.toContain(odoo.adminApiKey);
          }
        } finally {
          await other.close();
        }
      }
    } finally {
      await odoo.close();
    }
  });

  it('GET /readyz reports Odoo up with its version when the Odoo test server answers', async () => {
    const odoo = await startOdooTestServer({ version: 18 });
    const config = loadConfig(
      {
        ...app.env,
        MFG_ETL_ODOO_URL: odoo.url,
        MFG_ETL_ODOO_DB: odoo.db,
        MFG_ETL_ODOO_USER: 'admin',
        MFG_ETL_ODOO_API_KEY: odoo.adminApiKey,
      },
      app.dir,
    );
    const other = new StatusServer({ config, db: app.db, logger: app.logger, registry, port: 0 });
    const url = await other.listen();
    try {
      const r = await asMonitor(`${url}/readyz`);
      expect(r.status).toBe(200);
      expect(r.json<{ checks: Record<string, { status: string; detail: string }> }>().checks.odoo).toMatchObject({
        status: 'up',
        detail: expect.stringMatching(/^Odoo 18/),
      });
    } finally {
      await other.close();
      await odoo.close();
    }
  });

  it('GET /readyz answers 503 when the database stops, while /healthz and /metrics still answer', async () => {
    // a TCP proxy in front of PostgreSQL that the test can stop
    const target = new URL(TEST_DATABASE_URL);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = new URL(TEST_DATABASE_URL);
    proxied.port = String((proxy.address() as net.AddressInfo).port);
    const db = await openDatabase({ databaseUrl: proxied.toString(), dataDir: app.dir, schema: app.config.schema, logger: app.logger });
    const other = new StatusServer({ config: app.config, db, logger: app.logger, registry, port: 0 });
    const url = await other.listen();
    try {
      expect((await asMonitor(`${url}/readyz`)).status).toBe(200);
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      const r = await asMonitor(`${url}/readyz`);
      expect(r.status).toBe(503);
      const body = r.json<{ reason: string; checks: Record<string, { status: string }> }>();
      expect(body.checks.database!.status).toBe('down');
      expect(body.reason).toMatch(/^database is down: /);
      expect((await request(`${url}/healthz`)).status).toBe(200);
      const m = await asMonitor(`${url}/metrics`);
      expect(m.status).toBe(200);
      expect(metric(m.text, 'mfg_etl_database_up')).toBe(0);
    } finally {
      await other.close();
      await db.close();
    }
  });

  it('GET /metrics shows runs, durations, rows, dead letters, last success, queue depth, batches and checkpoint failures from real runs', async () => {
    const r = await asMonitor(`${base}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const t = r.text;
    expect(metric(t, 'mfg_etl_database_up')).toBe(1);
    expect(metric(t, 'mfg_etl_job_runs{job="import-ok",status="succeeded"}')).toBe(1);
    expect(metric(t, 'mfg_etl_job_runs{job="bad-data",status="dead"}')).toBe(1);
    expect(metric(t, 'mfg_etl_job_runs{job="never-worked",status="queued"}')).toBe(1);
    expect(metric(t, 'mfg_etl_job_run_duration_seconds_count{job="import-ok",status="succeeded"}')).toBe(1);
    expect(
      metric(t, 'mfg_etl_job_run_duration_seconds_bucket{le="+Inf",job="import-ok",status="succeeded"}') ??
        metric(t, 'mfg_etl_job_run_duration_seconds_bucket{job="import-ok",status="succeeded",le="+Inf"}'),
    ).toBe(1);
    expect(metric(t, 'mfg_etl_job_run_duration_seconds_bucket{job="import-ok",status="succeeded",le="60"}')).toBe(1);
    expect(metric(t, 'mfg_etl_job_rows_total{job="import-ok",stage="read"}')).toBe(10);
    expect(metric(t, 'mfg_etl_job_rows_total{job="import-ok",stage="staged"}')).toBe(8);
    expect(metric(t, 'mfg_etl_job_rows_total{job="import-ok",stage="rejected"}')).toBe(2);
    expect(metric(t, 'mfg_etl_dead_letters{job="bad-data"}')).toBe(1);
    expect(metric(t, 'mfg_etl_dead_letters{job="import-ok"}')).toBe(0);
    expect(metric(t, 'mfg_etl_last_success_timestamp_seconds{job="import-ok"}')).toBeCloseTo(okRun.finishedAt!.getTime() / 1000, 0);
    expect(metric(t, 'mfg_etl_last_success_timestamp_seconds{job="bad-data"}')).toBeUndefined();
    expect(metric(t, 'mfg_etl_queue_depth{job="never-worked"}')).toBe(1);
    expect(metric(t, 'mfg_etl_workflow_health{job="bad-data"}')).toBe(2);
    expect(metric(t, 'mfg_etl_batches{kind="forecast",status="validated"}')).toBe(1);
    expect(metric(t, 'mfg_etl_checkpoint_failures_total{checkpoint="horizon_coverage",severity="warning"}')).toBe(1);
    expect(metric(t, 'mfg_etl_checkpoint_failures_total{checkpoint="parse_errors",severity="error"}')).toBeUndefined();
    for (const family of [
      'mfg_etl_odoo_call_duration_seconds',
      'mfg_etl_odoo_faults_total',
      'mfg_etl_opcua_read_duration_seconds',
      'mfg_etl_opcua_samples_read_total',
    ]) {
      expect(t).toContain(`# TYPE ${family} `);
    }
  });

  it('GET /metrics shows Odoo call latency and faults by class from a client with the metrics observer', async () => {
    const odoo = await startOdooTestServer({ version: 18 });
    const client = new OdooClient(
      { url: odoo.url, db: odoo.db, user: 'admin', apiKey: odoo.adminApiKey, retry: { attempts: 1 } },
      app.logger,
      { observer: recordOdooCall },
    );
    try {
      const before = await asMonitor(`${base}/metrics`);
      const okBefore =
        metric(before.text, 'mfg_etl_odoo_call_duration_seconds_count{model="product.product",method="search_read",outcome="ok"}') ?? 0;
      const faultsBefore = metric(before.text, 'mfg_etl_odoo_faults_total{class="OdooServerError"}') ?? 0;
      await client.searchRead('product.product', [], ['name'], { limit: 2 });
      await expect(client.searchRead('x_no.such.model', [], ['name'])).rejects.toThrow();
      const after = (await asMonitor(`${base}/metrics`)).text;
      expect(metric(after, 'mfg_etl_odoo_call_duration_seconds_count{model="product.product",method="search_read",outcome="ok"}')).toBe(
        okBefore + 1,
      );
      expect(metric(after, 'mfg_etl_odoo_faults_total{class="OdooServerError"}')).toBe(faultsBefore + 1);
    } finally {
      client.close();
      await odoo.close();
    }
  });
});

describe('status pages', () => {
  it('the overview lists every workflow with its light and reason, escaped', async () => {
    const r = await asViewer(`${base}/`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    const row = /<tr data-job="bad-data" class="row-(\w+)">([\s\S]*?)<\/tr>/.exec(r.text);
    expect(row?.[1]).toBe('red');
    expect(row?.[2]).toContain('<span class="light light-red">red</span>');
    expect(row?.[2]).toContain('failed for good');
    expect(row?.[2]).toContain('the data is wrong &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(/<tr data-job="import-ok" class="row-(\w+)">/.exec(r.text)?.[1]).toBe('amber'); // a batch waits for approval
    expect(r.text).not.toMatch(/<script/i);
  });

  it('the runs page lists runs with rows and errors; a run page shows its stored log lines', async () => {
    const runs = await asViewer(`${base}/runs?job=import-ok`);
    expect(runs.status).toBe(200);
    expect(runs.text).toContain(`data-run="${okRun.id}"`);
    expect(runs.text).toContain('10 read, 8 staged, 2 rejected');
    expect(runs.text).not.toContain(`data-run="${deadRun.id}"`);

    let page: Reply | undefined;
    for (let i = 0; i < 40; i++) {
      page = await asViewer(`${base}/runs/${okRun.id}`);
      if (page.text.includes('two rows rejected')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(page!.status).toBe(200);
    expect(page!.text).toContain('read the file &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page!.text).toMatch(/<tr class="level-warn">[\s\S]*?two rows rejected/);
    expect(page!.text).not.toMatch(/<script/i);

    const dead = await asViewer(`${base}/runs/${deadRun.id}`);
    expect(dead.text).toMatch(
      /<p class="notice notice-red" id="run-error"><strong>DataValidationError<\/strong>: the data is wrong &lt;script&gt;/,
    );
    expect(dead.text).toContain(`mfg-etl replay ${deadRun.id}`);
  });

  it('answers 404 for unknown pages, runs and batches, and 405 for a wrong method', async () => {
    expect((await asViewer(`${base}/runs/99999999`)).status).toBe(404);
    expect((await asViewer(`${base}/batches/99999999`)).status).toBe(404);
    expect((await asViewer(`${base}/batches/abc`)).status).toBe(404);
    expect((await asViewer(`${base}/no-such-page`)).status).toBe(404);
    const wrong = await asViewer(`${base}/runs`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, HEAD');
    const head = await asViewer(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('a batch page shows checkpoints with what they measured and the error report, all escaped; the report downloads as CSV', async () => {
    const r = await asViewer(`${base}/batches/${batchId}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('horizon_coverage');
    expect(r.text).toContain('{&quot;weeks&quot;:4,&quot;threshold&quot;:12}');
    expect(r.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(r.text).not.toContain('<img');
    expect(r.text).not.toMatch(/<script/i);
    // the viewer is logged in: the decision forms are there
    expect(r.text).toContain(`<form method="post" action="/batches/${batchId}/approve" class="decision">`);

    const csv = await asViewer(`${base}/batches/${batchId}/errors.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="batch-${batchId}-errors.csv"`);
    // a cell that starts like a formula is opened as text
    expect(csv.text).toContain(`Sheet1!B7,product,<img src=x onerror=alert(1)>,"'=HYPERLINK(""evil"") unknown product"`);
  });

  it('lists the reports folder newest first and downloads a report, never a file outside it', async () => {
    const reports = app.config.reports;
    fs.mkdirSync(path.join(reports, '2026', '03'), { recursive: true });
    fs.writeFileSync(path.join(reports, 'old.csv'), 'a,b\n');
    fs.utimesSync(path.join(reports, 'old.csv'), new Date('2026-01-01'), new Date('2026-01-01'));
    fs.writeFileSync(path.join(reports, '2026', '03', 'recon <P01>.csv'), 'product,diff\nX,1\n');
    fs.writeFileSync(path.join(reports, '.hidden'), 'no');
    fs.writeFileSync(path.join(app.dir, 'secret.txt'), 'outside');
    fs.symlinkSync(path.join(app.dir, 'secret.txt'), path.join(reports, 'link.txt'));

    const list = await asViewer(`${base}/reports`);
    expect(list.status).toBe(200);
    const newer = list.text.indexOf('2026/03/recon &lt;P01&gt;.csv');
    expect(newer).toBeGreaterThan(0);
    expect(list.text.indexOf('old.csv')).toBeGreaterThan(newer);
    expect(list.text).not.toContain('.hidden');
    expect(list.text).not.toContain('link.txt');

    const file = await asViewer(`${base}/reports/2026/03/recon%20%3CP01%3E.csv`);
    expect(file.status).toBe(200);
    expect(file.text).toBe('product,diff\nX,1\n');
    expect(file.headers['content-disposition']).toMatch(/^attachment; /);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');

    for (const bad of [
      '/reports/..%2Fsecret.txt',
      '/reports/%2E%2E/secret.txt',
      '/reports/link.txt',
      '/reports/.hidden',
      '/reports/2026',
      '/reports/nope.csv',
    ]) {
      const r = await asViewer(`${base}${bad}`);
      expect(r.status, bad).toBe(404);
      expect(r.text).not.toContain('outside');
    }
  });
});

describe('login, CSRF and approval', () => {
  it('refuses approving without a session and leaves the batch as it was', async () => {
    const r = await request(`${base}/batches/${batchId}/approve`, { form: { csrf: 'x', comment: 'sneaky' } });
    expect(r.status).toBe(401);
    expect((await getBatch(app.db.knex, batchId)).status).toBe('validated');
  });

  it('refuses a wrong password (401) and a login form without its CSRF cookie (403)', async () => {
    const wrong = await login('anna', 'not her password');
    expect(wrong.reply.status).toBe(401);
    expect(wrong.reply.text).toContain('Wrong user name or password.');
    expect(wrong.cookie).toBe('');
    const unknown = await login('mallory', 'correct horse battery');
    expect(unknown.reply.status).toBe(401);

    const form = await request(`${base}/login`);
    const r = await request(`${base}/login`, {
      form: { csrf: hiddenField(form.text, 'csrf')!, login: 'anna', password: 'correct horse battery' },
    });
    expect(r.status).toBe(403);
    expect(setCookies(r).has('mfg_etl_session')).toBe(false);
  });

  it('logs in with an HttpOnly SameSite=Strict session; approving needs the session CSRF token and the same origin; the audit trail names the approver', async () => {
    const { cookie, reply } = await login('anna', 'correct horse battery', `/batches/${batchId}`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe(`/batches/${batchId}`);
    const attrs = setCookies(reply).get('mfg_etl_session')!.attributes;
    expect(attrs).toContain('HttpOnly');
    expect(attrs).toContain('SameSite=Strict');

    const page = await request(`${base}/batches/${batchId}`, { headers: { cookie } });
    expect(page.text).toContain('Anna Planner');
    const csrf = hiddenField(page.text, 'csrf')!;
    expect(csrf.length).toBeGreaterThan(20);

    const forged = await request(`${base}/batches/${batchId}/approve`, {
      headers: { cookie },
      form: { csrf: 'not-the-token', comment: 'x' },
    });
    expect(forged.status).toBe(403);
    const crossSite = await request(`${base}/batches/${batchId}/approve`, {
      headers: { cookie, origin: 'https://evil.example' },
      form: { csrf, comment: 'x' },
    });
    expect(crossSite.status).toBe(403);
    const noReason = await request(`${base}/batches/${batchId}/reject`, { headers: { cookie }, form: { csrf, reason: '  ' } });
    expect(noReason.status).toBe(400);
    expect((await getBatch(app.db.knex, batchId)).status).toBe('validated');

    const ok = await request(`${base}/batches/${batchId}/approve`, {
      headers: { cookie, origin: base },
      form: { csrf, comment: `promo week ${XSS}` },
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/batches/${batchId}?done=approved`);
    const batch = await getBatch(app.db.knex, batchId);
    expect(batch).toMatchObject({ status: 'approved', approvedBy: 'Anna Planner', approvalComment: `promo week ${XSS}` });
    const audit = await app.db
      .knex('audit_events')
      .where({ entity: 'batch', entity_id: String(batchId), action: 'approved' })
      .first();
    expect(audit).toMatchObject({
      actor: 'Anna Planner',
      details: { from: 'validated', to: 'approved', via: 'status page', login: 'anna' },
    });

    const after = await request(`${base}/batches/${batchId}?done=approved`, { headers: { cookie } });
    expect(after.text).toContain(`Batch ${batchId} approved.`);
    expect(after.text).toContain('promo week &lt;script&gt;');
    expect(after.text).not.toMatch(/<script/i);

    // approving twice is refused by the batch life cycle, shown on the page
    const again = await request(`${base}/batches/${batchId}/approve`, { headers: { cookie }, form: { csrf } });
    expect(again.status).toBe(409);
    expect(again.text).toContain(`batch ${batchId} is approved; cannot approve`);

    // logging out ends the session on the server
    const out = await request(`${base}/logout`, { headers: { cookie }, form: { csrf } });
    expect(out.status).toBe(303);
    const gone = await request(`${base}/batches/${batchId}/reject`, { headers: { cookie }, form: { csrf, reason: 'late' } });
    expect(gone.status).toBe(401);
  });

  it('with users configured every page, report and CSV needs a session; health stays open, readiness shows no details, metrics need a session or the token', async () => {
    fs.mkdirSync(app.config.reports, { recursive: true });
    fs.writeFileSync(path.join(app.config.reports, 'private.csv'), 'secret figures\n');
    for (const p of [
      '/',
      '/runs?job=import-ok',
      `/runs/${okRun.id}`,
      '/batches',
      `/batches/${batchId}`,
      `/batches/${batchId}/errors.csv`,
      '/reports',
      '/reports/private.csv',
    ]) {
      const r = await request(`${base}${p}`);
      expect(r.status, p).toBe(303);
      expect(r.headers.location, p).toBe(`/login?${new URLSearchParams({ next: p })}`);
      expect(r.text, p).toBe('');
    }
    expect((await asViewer(`${base}/reports/private.csv`)).text).toBe('secret figures\n');
    expect((await request(`${base}/batches/${batchId}/reject`, { form: { reason: 'x' } })).status).toBe(401);

    expect((await request(`${base}/healthz`)).status).toBe(200);
    expect((await request(`${base}/login`)).status).toBe(200);
    const ready = await request(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.json<{ checks: { database: Record<string, unknown> } }>().checks.database).not.toHaveProperty('detail');
    expect((await asViewer(`${base}/readyz`)).json<{ checks: { database: Record<string, unknown> } }>().checks.database).toHaveProperty(
      'detail',
    );

    const anonymous = await request(`${base}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(anonymous.text).not.toContain('mfg_etl_job_runs');
    expect((await request(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    expect((await asMonitor(`${base}/metrics`)).status).toBe(200);
    expect((await asViewer(`${base}/metrics`)).status).toBe(200);
  });

  it('ten wrong passwords for a user do not lock them (or anyone at that address) out: the right password still logs in, after a short delay', async () => {
    const other = new StatusServer({
      config: app.config,
      db: app.db,
      logger: app.logger,
      registry,
      port: 0,
      loginThrottle: { freeFailures: 3, baseDelayMs: 50, maxDelayMs: 400 },
    });
    const url = await other.listen();
    const attempt = async (user: string, password: string) => {
      const form = await request(`${url}/login`);
      const loginCookie = setCookies(form).get('mfg_etl_login')!.value;
      const started = Date.now();
      const reply = await request(`${url}/login`, {
        headers: { cookie: `mfg_etl_login=${loginCookie}` },
        form: { csrf: hiddenField(form.text, 'csrf')!, next: '/', login: user, password },
      });
      return { status: reply.status, ms: Date.now() - started };
    };
    try {
      const wrong = [];
      for (let i = 0; i < 10; i++) wrong.push(await attempt('anna', `guess ${i}`));
      expect(wrong.map((w) => w.status)).toEqual(Array(10).fill(401));
      expect(wrong[9]!.ms).toBeGreaterThanOrEqual(300);
      const right = await attempt('anna', 'correct horse battery');
      expect(right.status).toBe(303);
      expect(right.ms).toBeGreaterThanOrEqual(300);
      expect((await attempt('bob', 'bobs password 1')).status).toBe(303);
      // success forgets the failures (read from the shared table: a timing would depend on the machine's load)
      expect(await app.db.knex('http_login_failures').where({ login: 'anna' }).first()).toBeUndefined();
      expect((await attempt('anna', 'correct horse battery')).status).toBe(303);
    } finally {
      await other.close();
    }
  });

  it('http.loginRequired false is refused with users configured (login is always required then)', async () => {
    const file = path.join(usersDir, 'login-not-required.json');
    fs.writeFileSync(file, JSON.stringify({ http: { loginRequired: false } }));
    const config = loadConfig({ ...app.env, MFG_ETL_CONFIG: file }, app.dir);
    expect(() => new StatusServer({ config, db: app.db, logger: app.logger, registry, port: 0 })).toThrow(/loginRequired/);
  });

  it('without a users file the page is read-only: no login, no decisions', async () => {
    const config = loadConfig({ ...app.env, MFG_ETL_HTTP_USERS_FILE: undefined }, app.dir);
    const other = new StatusServer({ config, db: app.db, logger: app.logger, registry, port: 0 });
    const url = await other.listen();
    try {
      expect((await request(`${url}/login`)).status).toBe(404);
      const b = await createBatch(app.db.knex, { kind: 'forecast', scope: 'RO', version: 'v1', actor: 'test' });
      await transitionBatch(app.db.knex, b.id, 'validate', { actor: 'test' });
      const page = await request(`${url}/batches/${b.id}`);
      expect(page.text).toContain(`mfg-etl approve ${b.id} --by NAME`);
      expect(page.text).not.toContain('<form method="post" action="/batches/');
      expect((await request(`${url}/batches/${b.id}/approve`, { form: { comment: 'x' } })).status).toBe(403);
      expect((await getBatch(app.db.knex, b.id)).status).toBe('validated');
    } finally {
      await other.close();
    }
  });
});

describe('Host header (DNS rebinding)', () => {
  /** a raw request, so the Host header is exactly what the test says (or missing) */
  function raw(url: string, hostHeader: string | undefined): Promise<number> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(`GET /healthz HTTP/1.1\r\n${hostHeader === undefined ? '' : `Host: ${hostHeader}\r\n`}Connection: close\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
      socket.on('error', reject);
    });
  }

  it('answers 421 to a Host that is not this server (a rebound DNS name), 400 without Host, and serves local names and addresses', async () => {
    const port = new URL(base).port;
    expect(await raw(base, `evil.example:${port}`)).toBe(421);
    expect(await raw(base, `attacker.test`)).toBe(421);
    expect(await raw(base, undefined)).toBe(400);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `10.1.2.3:${port}`, 'LOCALHOST']) {
      expect(await raw(base, host), host).toBe(200);
    }
    const page = await request(`${base}/`, { headers: { host: `evil.example:${port}`, cookie: viewer } });
    expect(page.status).toBe(421);
    expect(page.text).not.toContain('import-ok');
  });

  it('serves the host of the configured public URL, and accepts forms whose Origin is the public URL behind a proxy that rewrites Host', async () => {
    const file = path.join(usersDir, 'public-url.json');
    fs.writeFileSync(file, JSON.stringify({ http: { publicUrl: 'https://etl.example.com/' } }));
    const config = loadConfig({ ...app.env, MFG_ETL_CONFIG: file }, app.dir);
    const other = new StatusServer({ config, db: app.db, logger: app.logger, registry, port: 0 });
    const url = await other.listen();
    try {
      expect(await raw(url, 'etl.example.com')).toBe(200);
      expect(await raw(url, 'other.example.com')).toBe(421);
      const b = await createBatch(app.db.knex, { kind: 'forecast', scope: 'PROXY', version: 'v1', actor: 'test' });
      await transitionBatch(app.db.knex, b.id, 'validate', { actor: 'test' });
      const page = await asViewer(`${url}/batches/${b.id}`);
      const csrf = hiddenField(page.text, 'csrf')!;
      // the proxy forwards to 127.0.0.1:<port> and rewrites Host; the browser sends the public origin
      const ok = await asViewer(`${url}/batches/${b.id}/approve`, {
        headers: { origin: 'https://etl.example.com' },
        form: { csrf, comment: 'via proxy' },
      });
      expect(ok.status).toBe(303);
      expect((await getBatch(app.db.knex, b.id)).status).toBe('approved');
      const b2 = await createBatch(app.db.knex, { kind: 'forecast', scope: 'PROXY2', version: 'v1', actor: 'test' });
      await transitionBatch(app.db.knex, b2.id, 'validate', { actor: 'test' });
      const evil = await asViewer(`${url}/batches/${b2.id}/approve`, {
        headers: { origin: 'https://evil.example' },
        form: { csrf, comment: 'x' },
      });
      expect(evil.status).toBe(403);
      expect((await getBatch(app.db.knex, b2.id)).status).toBe('validated');
    } finally {
      await other.close();
    }
  });
});
