/**
 * mes-release against the Odoo test server as 18 (XML-RPC) and 19 (JSON-2): a released order's
 * message validates against the B2MML schemas; an unchanged order sends nothing; a changed
 * quantity sends one Change; a cancelled order one Cancel; no acknowledgment → overdue, one
 * webhook alert over two evaluations; refused → incident, acknowledged later → resolved;
 * `release <MO> --again`; a failed POST to the MES is retried by the next run. The reads are
 * batched: the calls of a run do not grow with the number of orders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvaluator } from '../../app/alerts.ts';
import { mesReleaseJob } from '../../jobs/mes/mes-release.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { messagesOf, recordAcknowledgments, releasedOrder } from '../../load/mes/releases.ts';
import { parseAcknowledgment } from '../../transform/mes/acknowledgment.ts';
import { runCli } from '../support/cli.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/http.ts';
import { confirmedProduction, type OdooTestServer, runMrp, seedMrpExecution, startOdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';
import { acknowledgeXml, HAS_XMLLINT, type MesReceiver, schemaErrors, startMesReceiver } from './release-fixtures.ts';

type Stats = {
  orders: number;
  process: number;
  change: number;
  cancel: number;
  unchanged: number;
  odooCalls: number;
  overdue: string[];
  messages: Array<{ verb: string; mo: string; file: string; messageId: string }>;
  delivered?: number;
  deliveryFailed?: number;
  retried?: number;
};

describe.each([18, 19] as const)('mes-release against Odoo %i', (version) => {
  let server: OdooTestServer;
  let app: TestApp;
  let runner: Runner;
  let hook: WebhookReceiver;
  let mes: MesReceiver;
  let evaluator: AlertEvaluator;
  let outbox: string;
  let first: number;
  let firstName: string;

  const run = async (): Promise<Stats> => {
    const r = await runner.runNow('mes-release', {});
    if (r.status !== 'succeeded') throw new Error(`mes-release ${r.status}: ${JSON.stringify(r.error)}`);
    return r.stats as unknown as Stats;
  };
  const files = () => fs.readdirSync(path.join(outbox, 'mes')).sort();
  const body = (file: string) => fs.readFileSync(file, 'utf8');
  const env = () => ({ uid: 2, now: '2026-12-05 12:00:00', context: {} });

  beforeAll(async () => {
    server = await startOdooTestServer({ version });
    seedMrpExecution(server);
    first = confirmedProduction(server, { qty: 2 });
    firstName = String(server.store.get('mrp.production', first)!.name);
    confirmedProduction(server, { qty: 1, reserve: false }); // not reserved: not released under the default policy
    hook = await startWebhookReceiver();
    mes = await startMesReceiver();
    outbox = fs.mkdtempSync(path.join(os.tmpdir(), `mfg-etl-mesodoo${version}-outbox-`));
    app = await testApp(
      `mesodoo${version}`,
      {
        MFG_ETL_OUTBOX: outbox,
        MFG_ETL_ODOO_URL: server.url,
        MFG_ETL_ODOO_DB: server.db,
        MFG_ETL_ODOO_USER: 'admin',
        MFG_ETL_ODOO_API_KEY: server.adminApiKey,
        MFG_ETL_ALERT_WEBHOOK_URL: hook.url,
        MFG_ETL_MES_TOKEN: 'mes-token-0123456789abcdef',
      },
      { mes: { plants: ['WH'], ackTimeoutMinutes: 30, url: mes.url, deliveryAttempts: 2 }, alerts: { retryDelayMs: 10 } },
    );
    const registry = createRegistry([mesReleaseJob]);
    runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
    await runner.start();
    evaluator = new AlertEvaluator({ config: app.config, db: app.db, logger: app.logger, registry });
  });
  afterAll(async () => {
    await evaluator?.stop();
    await runner?.stop();
    await app?.cleanup();
    await server?.close();
    await hook?.close();
    await mes?.close();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it('releases the reserved order as one ProcessOperationsSchedule that validates against the B2MML schemas', async () => {
    const s = await run();
    expect(s).toMatchObject({ orders: 1, process: 1, change: 0, cancel: 0, delivered: 1 });
    expect(files()).toEqual([path.basename(s.messages[0]!.file)]);
    const xml = body(s.messages[0]!.file);
    if (HAS_XMLLINT) expect(schemaErrors(xml)).toBe('');
    expect(xml).toContain(`<ID>${firstName}</ID>`);
    expect(xml).toContain('<MaterialDefinitionID>FURN_8855</MaterialDefinitionID>');
    expect(xml).toMatch(/<MaterialDefinitionID>FURN_2100<\/MaterialDefinitionID>\s*<MaterialLotID>0000000010001<\/MaterialLotID>/);
    expect(xml).toContain('<EquipmentID>Drill 1</EquipmentID>');
    expect(xml).toContain('<UnitOfMeasure>Units</UnitOfMeasure>');
    expect(mes.requests.at(-1)!.body).toBe(xml);
    expect(await releasedOrder(app.db.knex, firstName)).toMatchObject({ state: 'released', lastVerb: 'Process' });
  });

  it('reads in a fixed number of calls whatever the number of orders (batched, never per order)', async () => {
    const before = await run();
    for (let i = 0; i < 20; i++) confirmedProduction(server, { qty: 1 + i });
    const reads = [
      ['mrp.production', 'search_read'],
      ['mrp.workorder', 'read'],
      ['stock.move', 'read'],
      ['stock.move.line', 'read'],
      ['product.product', 'read'],
    ] as const;
    const counted = () => reads.map(([model, method]) => server.callCount(model, method));
    const start = counted();
    const s = await run();
    expect(s.process).toBe(20);
    // one call each for 21 orders (the released order is still found by the search: no look-up by id);
    // the rest of the run's calls is the login (XML-RPC: version + authenticate)
    expect(counted().map((n, i) => n - start[i]!)).toEqual([1, 1, 1, 1, 1]);
    expect(s.odooCalls).toBe(before.odooCalls);
    expect(s.odooCalls).toBeLessThanOrEqual(8);
    expect(files()).toHaveLength(21);
  });

  it('sends nothing for an unchanged order on the next run', async () => {
    const count = files().length;
    const s = await run();
    expect(s).toMatchObject({ process: 0, change: 0, cancel: 0, unchanged: 21 });
    expect(files()).toHaveLength(count);
  });

  it('sends one ChangeOperationsSchedule for a changed quantity, then nothing', async () => {
    server.store.transaction(() => server.store.write('mrp.production', [first], { product_qty: 3 }, env()));
    const s = await run();
    expect(s).toMatchObject({ process: 0, change: 1, cancel: 0 });
    const xml = body(s.messages[0]!.file);
    expect(path.basename(s.messages[0]!.file)).toMatch(/-Change-WH_MO_\d+\.xml$/);
    if (HAS_XMLLINT) expect(schemaErrors(xml)).toBe('');
    expect(xml).toMatch(/<MaterialUse>Produced<\/MaterialUse>\s*<Quantity>\s*<QuantityString>3<\/QuantityString>/);
    expect(await run()).toMatchObject({ change: 0, process: 0 });
  });

  it('sends one CancelOperationsSchedule for a cancelled order, then nothing', async () => {
    const cancelled = confirmedProduction(server, { qty: 4 });
    const name = String(server.store.get('mrp.production', cancelled)!.name);
    expect((await run()).process).toBe(1);
    runMrp(server, 'mrp.production', 'action_cancel', [cancelled]);
    const s = await run();
    expect(s).toMatchObject({ process: 0, change: 0, cancel: 1 });
    expect(s.messages[0]!.mo).toBe(name);
    const xml = body(s.messages[0]!.file);
    if (HAS_XMLLINT) expect(schemaErrors(xml)).toBe('');
    expect(xml).toContain('<CancelOperationsSchedule');
    expect(xml).toContain('<RequestState>Cancelled</RequestState>');
    expect(await releasedOrder(app.db.knex, name)).toMatchObject({ state: 'cancelled', lastVerb: 'Cancel' });
    expect((await run()).cancel).toBe(0);
  });

  it('marks a release without acknowledgment overdue and alerts once over two evaluations; a refusal is an incident too; acknowledging resolves', async () => {
    // everything acknowledged but the first order, which was released 45 minutes ago
    await app.db.knex('mes_releases').whereNot({ mo_name: firstName }).whereNot({ state: 'cancelled' }).update({ state: 'acknowledged' });
    await app.db
      .knex('mes_releases')
      .where({ mo_name: firstName })
      .update({ released_at: new Date(Date.now() - 45 * 60_000) });
    const s = await run();
    expect(s.overdue).toEqual([firstName]);
    await evaluator.evaluate();
    await evaluator.evaluate();
    const sent = (key: string) =>
      (hook.bodies as Array<{ text: string; mfg_etl: { key: string; event: string } }>).filter((b) => b.mfg_etl.key === key);
    expect(sent(`mes:${firstName}`).map((b) => b.mfg_etl.event)).toEqual(['opened']);
    expect(sent(`mes:${firstName}`)[0]!.text).toContain('has not been acknowledged for 45 min');

    // the MES refuses the order's current message: the incident stays open (same key), no second alert
    const current = (await releasedOrder(app.db.knex, firstName))!;
    const refused = await recordAcknowledgments(
      app.db.knex,
      parseAcknowledgment(
        acknowledgeXml({ messageId: current.lastMessageId, mo: firstName, code: 'Rejected', reason: 'no operator on Drill 1' }),
      ),
      { runId: null, file: 'refusal.xml' },
    );
    expect(refused.refused).toBe(1);
    await evaluator.evaluate();
    expect(sent(`mes:${firstName}`)).toHaveLength(1);

    // acknowledged later: resolved, one recovery message
    await recordAcknowledgments(app.db.knex, parseAcknowledgment(acknowledgeXml({ messageId: current.lastMessageId, mo: firstName })), {
      runId: null,
      file: 'ack.xml',
    });
    const e = await evaluator.evaluate();
    expect(e!.resolved.map((i) => i.key)).toEqual([`mes:${firstName}`]);
    expect(sent(`mes:${firstName}`).map((b) => b.mfg_etl.event)).toEqual(['opened', 'resolved']);
  });

  it('re-sends an acknowledged order as a Change with `mfg-etl release <MO> --again`', async () => {
    const r = await runCli(['release', firstName, '--again', '--json'], app.env, app.dir);
    expect(r.stderr).not.toContain('mes-token-0123456789abcdef');
    expect(r.code).toBe(0);
    const written = JSON.parse(r.stdout) as { verb: string; file: string; messageId: string };
    expect(written.verb).toBe('Change');
    if (HAS_XMLLINT) expect(schemaErrors(body(written.file))).toBe('');
    expect(await releasedOrder(app.db.knex, firstName)).toMatchObject({ state: 'released', lastMessageId: written.messageId });
    const missing = await runCli(['release', 'WH/MO/99999', '--again'], app.env, app.dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Odoo has no manufacturing order named "WH/MO/99999"');
  });

  it('keeps a message whose POST failed and delivers it on the next run', async () => {
    const id = confirmedProduction(server, { qty: 7 });
    const name = String(server.store.get('mrp.production', id)!.name);
    mes.failNext(2);
    const s = await run();
    expect(s).toMatchObject({ process: 1, delivered: 0, deliveryFailed: 1 });
    expect((await messagesOf(app.db.knex, name))[0]).toMatchObject({
      deliveredAt: null,
      deliveryError: expect.stringContaining('HTTP 503'),
    });
    const again = await run();
    expect(again).toMatchObject({ process: 0, retried: 1, delivered: 1 });
    const [msg] = await messagesOf(app.db.knex, name);
    expect(msg!.deliveredAt).toBeInstanceOf(Date);
    expect(mes.requests.at(-1)!.body).toBe(body(msg!.file));
    expect(mes.requests.at(-1)!.authorization).toBe('Bearer mes-token-0123456789abcdef');
  });

  it('releases an order without components under the reserved policy (nothing to reserve), as one segment per work order', async () => {
    const seed = seedMrpExecution(server);
    const bare = server.create('mrp.production', {
      product_id: seed.productId,
      product_qty: 1,
      state: 'confirmed',
      picking_type_id: seed.pickingTypeId,
    });
    const name = String(server.store.get('mrp.production', bare)!.name);
    const s = await run();
    expect(s.messages.map((m) => [m.verb, m.mo])).toEqual([['Process', name]]);
    const xml = body(s.messages[0]!.file);
    if (HAS_XMLLINT) expect(schemaErrors(xml)).toBe('');
    expect(xml).not.toContain('<MaterialUse>Consumed</MaterialUse>');
  });
});
