/**
 * POST /api/quality-events on the status server, with the quality-apply worker running and the
 * test Odoo server (18, XML-RPC): bearer tokens kept hashed (401 without a valid one, 403 without
 * the scope), 201 once staged with the event id, the same event again 200 with the same id, other
 * content 409, a failed check 422 with the reason, 429 over the client's rate, an audit event per
 * call; the staged event moves the stock at once; the same event from a file afterwards moves
 * nothing more; 200 concurrent posts of one event make one hold and one transfer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusServer } from '../../app/http/server.ts';
import { qualityApplyJob } from '../../jobs/quality/quality-apply.ts';
import { qualityImportJob } from '../../jobs/quality/quality-import.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { writeHoldsReport, valueByReason } from '../../load/quality/report.ts';
import { addToken, getEvent, listOpenHolds, tokenHash } from '../../load/quality/staging.ts';
import { runCli } from '../support/cli.ts';
import { request } from '../support/http.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';
import { dropQualityFile, lotStock, type QualityHarness, qualityHarness, STOCK } from '../support/quality.ts';

const EXAMPLE = path.join(import.meta.dirname, '../../examples/inbox/quality/holds.csv');

let server: OdooTestServer;
let h: QualityHarness;
let status: StatusServer;
let token: string;

const hold = (nonconformance: string, extra: Record<string, unknown> = {}) => ({
  nonconformance,
  action: 'hold',
  product: 'FURN_8855',
  lots: ['L-030'],
  warehouse: 'WH',
  location: null,
  quantity: null,
  reason: 'porosity',
  decidedBy: 'J. Ortiz',
  decidedAt: '2026-12-05T09:14:00Z',
  ...extra,
});

const post = (body: unknown, bearer: string | null = token) =>
  request(`${status.url}/api/quality-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });

async function appliedEvent(id: number, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const e = await getEvent(h.app.db.knex, id);
    if (e?.status === 'applied') return e;
    if (Date.now() > until) throw new Error(`event ${id} not applied: ${JSON.stringify(e)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const transfersOf = (nc: string) => server.store.all('stock.picking').filter((p) => String(p.origin ?? '').includes(` ${nc} `));

beforeAll(async () => {
  server = await startOdooTestServer({ version: 18 });
  h = await qualityHarness('quality-endpoint', server, {}, { rateLimitPerMinute: 1000 });
  await h.runner.work(['quality-apply', 'quality-import']);
  status = new StatusServer({
    config: h.app.config,
    db: h.app.db,
    logger: h.app.logger,
    registry: createRegistry([qualityImportJob, qualityApplyJob]),
    port: 0,
    runner: h.runner,
  });
  await status.listen();
  token = await addToken(h.app.db.knex, 'qms', ['quality:write']);
});
afterAll(async () => {
  await status?.close();
  await h?.close();
  await server?.close();
});

describe('POST /api/quality-events', () => {
  it('keeps only the sha256 of a token', async () => {
    const rows = await h.app.db.knex('api_tokens').select('token_hash');
    expect(rows).toEqual([{ token_hash: tokenHash(token) }]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('answers 401 without a token or with a wrong one, 403 for a token without the scope', async () => {
    expect((await post(hold('NC-A'), null)).status).toBe(401);
    const wrong = await post(hold('NC-A'), `${token}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    const reader = await addToken(h.app.db.knex, 'dashboard', ['reports:read']);
    const forbidden = await post(hold('NC-A'), reader);
    expect(forbidden.status).toBe(403);
    expect(forbidden.json().error).toMatch(/lacks the scope quality:write/);
    expect(await h.app.db.knex('quality_events').select('id')).toEqual([]);
  });

  it('stages a hold (201 with its id) and the stock is in quarantine moments later', async () => {
    const started = Date.now();
    const reply = await post(hold('NC-2041'));
    expect(reply.status, reply.text).toBe(201);
    const { id } = reply.json<{ id: number }>();
    const event = await appliedEvent(id);
    expect(lotStock(h, 'L-030')).toEqual({ [h.quarantineId]: 63 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(event.result?.latencyMs).toBeGreaterThanOrEqual(0);
    const audit = await h.app.db.knex('audit_events').where({ entity: 'quality_event', entity_id: String(id) });
    expect(audit.map((a: { actor: string; action: string }) => [a.actor, a.action])).toEqual([['api:qms', 'api_staged']]);
  });

  it('answers the same id for the same event, 409 for other content under its nonconformance + action', async () => {
    const first = (await h.app.db.knex('quality_events').where({ nonconformance: 'NC-2041' }).first('id')) as { id: string };
    const again = await post(hold('NC-2041'));
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ id: Number(first.id), repeat: true });
    const other = await post(hold('NC-2041', { reason: 'cracks' }));
    expect(other.status).toBe(409);
    expect(other.json().id).toBe(Number(first.id));
  });

  it('the same event from a file afterwards moves nothing more', async () => {
    const line = `nonconformance,action,product,lot,warehouse,location,quantity,reason,decided_by,decided_at\nNC-2041,hold,FURN_8855,L-030,WH,,,porosity,J. Ortiz,2026-12-05T09:14:00Z\n`;
    dropQualityFile(h, 'qms-2041.csv', line);
    const run = await h.runner.runNow('quality-import', { settleSeconds: 0 });
    expect(run.status).toBe('succeeded');
    expect(run.stats.batches).toMatchObject([{ file: 'qms-2041.csv', status: 'approved' }]);
    const [batch] = await h.app.db.knex('batches').where({ kind: 'quality_events' });
    expect(batch.stats).toMatchObject({ repeats: 1, staged: 0 });
    expect(transfersOf('NC-2041')).toHaveLength(1);
    expect(lotStock(h, 'L-030')).toEqual({ [h.quarantineId]: 63 });
  });

  it('answers 422 with the reason for a failed check, and stages nothing', async () => {
    const unknownLot = await post(hold('NC-B', { lots: ['L-777'] }));
    expect(unknownLot.status).toBe(422);
    expect(unknownLot.json().problems).toEqual(['unknown lot "L-777" of product FURN_8855']);
    const noHold = await post({ ...hold('NC-B'), action: 'release' });
    expect(noHold.status).toBe(422);
    expect(noHold.json().error).toBe('there is no hold for nonconformance NC-B to release');
    const badBody = await post({ nonconformance: 'NC-B', action: 'freeze' });
    expect(badBody.status).toBe(422);
    expect(await h.app.db.knex('quality_events').where({ nonconformance: 'NC-B' })).toEqual([]);
  });

  it('survives 200 concurrent posts of one event: one hold, one transfer, every answer the same id', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, () => post(hold('NC-C', { lots: ['L-029'] }))));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(199);
    const ids = new Set(replies.map((r) => r.json<{ id: number }>().id));
    expect(ids.size).toBe(1);
    await appliedEvent([...ids][0]!);
    expect(await h.app.db.knex('quality_events').where({ nonconformance: 'NC-C' }).select('action')).toEqual([{ action: 'hold' }]);
    expect(transfersOf('NC-C')).toHaveLength(1);
    expect(lotStock(h, 'L-029')).toEqual({ [h.quarantineId]: 80 });
  });

  it('shows the open holds on the status page, in mfg-etl holds and in the daily report with value by reason', async () => {
    const page = await request(`${status.url}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Quality holds (2 open)');
    expect(page.text).toMatch(/NC-C<\/td>[\s\S]*?L-029[\s\S]*?>80<\/td>/);

    const cli = await runCli(['holds', '--json'], h.app.env, h.app.dir);
    expect(cli.code, cli.stderr).toBe(0);
    const listed = JSON.parse(cli.stdout) as Array<{ nonconformance: string; quantity: number; value: number; latencyMs: number }>;
    expect(listed.map((x) => [x.nonconformance, x.quantity, x.value])).toEqual([
      ['NC-2041', 63, 63 * 25],
      ['NC-C', 80, 80 * 25],
    ]);
    expect(listed.every((x) => x.latencyMs >= 0)).toBe(true);

    const files = await writeHoldsReport(h.app.config.reports, '2026-12-05', await listOpenHolds(h.app.db.knex));
    const csv = fs.readFileSync(files.csv, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('\ufeffNonconformance,Status,Warehouse,Product,Lots,Quantity,Value,Reason,Received,Age (h),Blocked');
    expect(csv).toContain('NC-C,applied,WH,FURN_8855,L-029,80,2000,porosity');
    expect(valueByReason(await listOpenHolds(h.app.db.knex))).toEqual([{ reason: 'porosity', holds: 2, quantity: 143, value: 143 * 25 }]);
    expect(fs.statSync(files.xlsx).size).toBeGreaterThan(1000);
  });

  it('answers 429 over the client rate of the minute', async () => {
    const flood = await addToken(h.app.db.knex, 'flood', ['quality:write']);
    await h.app.db.knex.raw(
      `insert into api_rate_windows (client, window_start, calls) values ('flood', date_trunc('minute', now()), 1000)`,
    );
    const reply = await post(hold('NC-D'), flood);
    expect(reply.status).toBe(429);
    expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a revoked token answers 401', async () => {
    await h.app.db.knex('api_tokens').where({ client: 'qms' }).update({ revoked_at: h.app.db.knex.fn.now() });
    expect((await post(hold('NC-E'))).status).toBe(401);
  });

  it('the example file of the README releases NC-2041 and NC-C', async () => {
    fs.copyFileSync(EXAMPLE, path.join(h.root, 'holds.csv'));
    const run = await h.runner.runNow('quality-import', { settleSeconds: 0 });
    expect(run.status).toBe('succeeded');
    expect(run.stats.batches).toMatchObject([{ file: 'holds.csv', status: 'approved' }]);
    expect(run.stats.applied).toBe(2);
    expect(lotStock(h, 'L-030')).toEqual({ [STOCK]: 63 });
    expect(lotStock(h, 'L-029')).toEqual({ [STOCK]: 80 });
  });

  it('takes JSON lines of the endpoint event from the inbox too (one event a line)', async () => {
    fs.writeFileSync(path.join(h.root, 'holds.jsonl'), `${JSON.stringify(hold('NC-J1', { lots: ['L-030'] }))}\n`);
    const run = await h.runner.runNow('quality-import', { settleSeconds: 0 });
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(run.stats.batches).toMatchObject([{ file: 'holds.jsonl', status: 'approved' }]);
    expect(lotStock(h, 'L-030')).toEqual({ [h.quarantineId]: 63 });
    expect(transfersOf('NC-J1')).toHaveLength(1);
  });
});
