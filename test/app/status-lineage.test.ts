/**
 * Lineage on the status page and through the real `mfg-etl lineage` binary: a record's writes
 * and a file's lines, behind the login like every page, escaped, with the strict CSP and no
 * script; a link from the batch page; clear answers for an unknown record or file; secrets in a
 * recorded source never shown.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../app/http/auth.ts';
import { StatusServer } from '../../app/http/server.ts';
import { appendLedger } from '../../load/odoo-ledger/ledger.ts';
import { stageForecastLines } from '../../load/forecast/staging.ts';
import { createBatch, transitionBatch } from '../../load/staging/batches.ts';
import { runCli } from '../support/cli.ts';
import { hiddenField, request, setCookies } from '../support/http.ts';
import { registryOf } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const XSS = '<script>alert("x")</script>';
const SHA = 'c'.repeat(64);
let app: TestApp;
let server: StatusServer;
let base: string;
let usersDir: string;
let viewer: string;
let batchId: number;
let runId: number;

beforeAll(async () => {
  usersDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-users-'));
  const usersFile = path.join(usersDir, 'users');
  fs.writeFileSync(usersFile, `bob:${await hashPassword('bobs password 1')}\n`);
  app = await testApp('status_lineage', { MFG_ETL_HTTP_USERS_FILE: usersFile });
  server = new StatusServer({ config: app.config, db: app.db, logger: app.logger, registry: registryOf(), port: 0 });
  base = await server.listen();
  const form = await request(`${base}/login`);
  const reply = await request(`${base}/login`, {
    headers: { cookie: `mfg_etl_login=${setCookies(form).get('mfg_etl_login')!.value}` },
    form: { csrf: hiddenField(form.text, 'csrf')!, next: '/', login: 'bob', password: 'bobs password 1' },
  });
  viewer = `mfg_etl_session=${setCookies(reply).get('mfg_etl_session')!.value}`;

  const knex = app.db.knex;
  const [run] = (await knex('job_runs')
    .insert({ job: 'forecast-load', trigger: 'schedule', status: 'succeeded', started_at: new Date(), host: 'plant-etl-1' })
    .returning('id')) as Array<{ id: number }>;
  runId = Number(run!.id);
  const batch = await createBatch(knex, {
    kind: 'forecast',
    scope: 'WH',
    version: XSS,
    source: 'sftp://planner:Hunter2secret@files.example/forecast.csv',
    sourceSha256: SHA,
    actor: 'test',
  });
  batchId = batch.id;
  await stageForecastLines(
    knex,
    batch.id,
    [
      { product: 'FURN_7800', warehouse: 'WH', periodStart: '2026-01-05', quantity: 3, sourceRef: 'Plan!D12' },
      { product: 'FURN_7800', warehouse: 'WH', periodStart: '2026-01-12', quantity: 4, sourceRef: 'Plan!E12' },
    ],
    1,
  );
  await transitionBatch(knex, batch.id, 'validate', { actor: 'test' });
  await transitionBatch(knex, batch.id, 'approve', { actor: 'Paula Planner', reason: XSS });
  await appendLedger(knex, [
    {
      batchId: batch.id,
      businessKey: 'fc_mps_w1_p5_d20260105',
      odooModel: 'mrp.product.forecast',
      odooId: 41,
      externalId: 'mfg_etl.fc_mps_w1_p5_d20260105',
      operation: 'create',
      payloadHash: 'h',
      runId,
      sourceBatchId: batch.id,
      sourceLines: [1],
    },
  ]);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await app?.cleanup();
  fs.rmSync(usersDir, { recursive: true, force: true });
});

const asViewer = (url: string) => request(url, { headers: { cookie: viewer } });

describe('the lineage page', () => {
  it('needs a login like every page', async () => {
    const r = await request(`${base}/lineage?model=mrp.product.forecast&id=41`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toMatch(/^\/login\?next=/);
  });

  it("shows a record's file, line, batch, approval and run; escaped, no script, strict CSP, no secret", async () => {
    const r = await asViewer(`${base}/lineage?model=mrp.product.forecast&id=41`);
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(r.text).not.toMatch(/<script/i);
    expect(r.text).toContain('&lt;script&gt;');
    expect(r.text).toContain('Plan!D12');
    expect(r.text).toContain(`href="/batches/${batchId}"`);
    expect(r.text).toContain(`href="/runs/${runId}"`);
    expect(r.text).toContain('by Paula Planner');
    expect(r.text).not.toContain('Hunter2secret');
    expect(r.text).toContain(`href="/lineage?file=${SHA}"`);
  });

  it("lists a file's lines with where they went or why not, and the batch page links to it", async () => {
    const r = await asViewer(`${base}/lineage?file=${SHA}`);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(
      /Plan!D12<\/td>\s*<td>\s*<a href="\/lineage\?model=mrp\.product\.forecast&amp;id=41"\s*>create mrp\.product\.forecast 41<\/a\s*>/,
    );
    expect(r.text).toMatch(/Plan!E12<\/td>[\s\S]*?not loaded yet: batch \d+ is approved/);
    expect(r.text).not.toContain('Hunter2secret');
    const page = await asViewer(`${base}/batches/${batchId}`);
    expect(page.text).toContain(`href="/lineage?file=${SHA}" id="file-lineage"`);
  });

  it('answers an unknown record or file with what to do, not an error page', async () => {
    const r = await asViewer(`${base}/lineage?model=res.partner&id=7`);
    expect(r.status).toBe(404);
    expect(r.text).toContain('no record of res.partner id 7 was written by mfg-etl');
    const f = await asViewer(`${base}/lineage?file=nothing.csv`);
    expect(f.status).toBe(404);
    expect(f.text).toContain('no batch was made from nothing.csv');
    const bad = await asViewer(`${base}/lineage?model=res.partner&id=abc`);
    expect(bad.status).toBe(400);
  });
});

describe('writes without a file line', () => {
  it('a historian write says its source is OPC UA tags, not a file', async () => {
    const knex = app.db.knex;
    const batch = await createBatch(knex, {
      kind: 'historian',
      scope: 'line 1',
      version: '2026-12-05',
      source: 'opc.tcp://plc:4840',
      actor: 'test',
    });
    await appendLedger(knex, [
      {
        batchId: batch.id,
        businessKey: 'oee_wc1_20261205',
        odooModel: 'mrp.workcenter.productivity',
        odooId: 9,
        externalId: null,
        operation: 'create',
        payloadHash: 'h',
        runId,
      },
    ]);
    const r = await asViewer(`${base}/lineage?model=mrp.workcenter.productivity&id=9`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('no file: historian data (opc.tcp://plc:4840');
  });
});

describe('mfg-etl lineage', () => {
  const cli = (args: string[]) => runCli(args, { ...app.env, MFG_ETL_LOG_LEVEL: 'warn' }, app.dir);

  it('prints a record, a file, and --json; an unknown record exits 1 with the reason', async () => {
    const text = await cli(['lineage', 'mrp.product.forecast', '41']);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^mrp\.product\.forecast 41: 1 write\(s\) by mfg-etl/);
    expect(text.stdout).toMatch(/line\s+Plan!D12/);
    expect(text.stdout).toMatch(new RegExp(`run\\s+${runId}: forecast-load \\(schedule, attempt 1\\) started .* on plant-etl-1`));
    expect(text.stdout).not.toContain('Hunter2secret');
    const json = await cli(['lineage', 'mrp.product.forecast', '41', '--json']);
    const parsed = JSON.parse(json.stdout) as { writes: Array<{ lines: Array<{ ref: string }>; batch: { id: number } }> };
    expect(parsed.writes[0]!.lines[0]!.ref).toBe('Plan!D12');
    expect(parsed.writes[0]!.batch.id).toBe(batchId);
    const file = await cli(['lineage', '--file', SHA]);
    expect(file.stdout).toMatch(/^Plan!E12\s+not loaded yet: batch \d+ is approved \(its load job takes it next\)$/m);
    const none = await cli(['lineage', 'res.partner', '7']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no record of res\.partner id 7 was written by mfg-etl — lineage covers writes since migration 016/);
  });
});
