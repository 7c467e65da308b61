/**
 * The release side of the MES link without Odoo: release content and plan, B2MML documents that
 * validate against MESA's schemas (real xmllint), escaping, acknowledgment parsing, the release
 * state machine in PostgreSQL, the outbox, HTTP delivery to a local MES that fails first, the
 * alert evaluator (refused / overdue once, resolved by a later acknowledgment), the status page
 * section, /metrics and the `releases` command.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvaluator } from '../../app/alerts.ts';
import { mesSettings } from '../../core/config/mes.ts';
import { writeRelease } from '../../jobs/mes/mes-release.ts';
import {
  listReleases,
  markOverdue,
  messagesOf,
  recordAcknowledgments,
  releaseCounts,
  releasedFacts,
  releasedOrder,
} from '../../load/mes/releases.ts';
import { outboxFolder } from '../../load/outbox/outbox.ts';
import { readyDomain } from '../../extract/mes/orders.ts';
import { AcknowledgmentError, parseAcknowledgment } from '../../transform/mes/acknowledgment.ts';
import { againVerb, contentHash, messageFileName, planReleases, releaseContent, type ReleaseContent } from '../../transform/mes/release.ts';
import { isoDuration, scheduleXml } from '../../transform/mes/schedule-xml.ts';
import { runCli } from '../support/cli.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/http.ts';
import { registryOf } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';
import {
  acknowledgeXml,
  confirmBodXml,
  HAS_XMLLINT,
  type MesReceiver,
  order,
  schemaErrors,
  startMesReceiver,
  xpathText,
} from './release-fixtures.ts';

const content = (over: Parameters<typeof order>[0] = {}): ReleaseContent => {
  const built = releaseContent(order(over));
  if ('problem' in built) throw new Error(built.problem);
  return built.content;
};

describe('release content and plan', () => {
  it('builds the content from the order: product code, quantity and unit, UTC dates, work orders in sequence, components with lots', () => {
    const c = content({
      workOrders: [
        { id: 9, name: 'Second', workcenter: 'Assembly 1', durationExpected: 30, sequence: 2 },
        { id: 8, name: 'First', workcenter: 'Drill 1', durationExpected: 60, sequence: 1 },
      ],
    });
    expect(c).toMatchObject({ mo: 'WH/MO/00007', product: { code: 'FURN_8855' }, qty: 2, uom: 'Units', start: '2026-12-05T15:45:52Z' });
    expect(c.workOrders.map((w) => w.name)).toEqual(['First', 'Second']);
    expect(c.components[0]).toEqual({ code: 'FURN_2100', name: 'Drawer Black', qty: 2, uom: 'Units', lots: ['0000000010001'] });
  });

  it('refuses an order whose product or component has no internal reference, saying which', () => {
    expect(releaseContent(order({ productCode: null }))).toEqual({
      problem: expect.stringContaining('"Drawer" has no internal reference'),
    });
    const plan = planReleases([order({ components: [{ ...order().components[0]!, code: null }] })], [], []);
    expect(plan.messages).toHaveLength(0);
    expect(plan.skipped[0]!.problem).toContain('Drawer Black');
  });

  it('plans Process for a new order, nothing for an unchanged one, Change for a changed quantity, Cancel for a cancelled one', () => {
    const c = content();
    const released = [{ moName: c.mo, moId: c.moId, state: 'acknowledged' as const, contentHash: contentHash(c), content: c }];
    expect(planReleases([order()], [], []).messages.map((m) => m.verb)).toEqual(['Process']);
    expect(planReleases([order()], released, [])).toMatchObject({ messages: [], unchanged: 1 });
    expect(planReleases([order({ qty: 3 })], released, []).messages.map((m) => [m.verb, m.content.qty])).toEqual([['Change', 3]]);
    expect(planReleases([], released, [c.moId]).messages.map((m) => [m.verb, m.content.mo])).toEqual([['Cancel', c.mo]]);
    // a cancellation already sent is not sent again
    expect(planReleases([], [{ ...released[0]!, state: 'cancelled' }], [c.moId]).messages).toHaveLength(0);
  });

  it('hashes the same content the same way whatever float noise Odoo sends', () => {
    expect(contentHash(content({ qty: 1.6000000000000001 }))).toBe(contentHash(content({ qty: 1.6 })));
    expect(contentHash(content({ qty: 1.6 }))).not.toBe(contentHash(content({ qty: 1.7 })));
  });

  it('re-sends as Process while never acknowledged, as Change once acknowledged', () => {
    expect(againVerb(undefined, false)).toBe('Process');
    expect(againVerb('overdue', false)).toBe('Process');
    expect(againVerb('refused', true)).toBe('Change');
  });

  it('narrows the search by plant and work center, and by reservation unless the policy is any', () => {
    expect(readyDomain({ plants: ['WH'], operationTypes: [], workcenters: ['Drill 1'], reservation: 'reserved' })).toEqual([
      ['state', 'in', ['confirmed', 'progress']],
      '|',
      ['reservation_state', '=', 'assigned'],
      ['move_raw_ids', '=', false],
      ['picking_type_id.warehouse_id.code', 'in', ['WH']],
      ['workorder_ids.workcenter_id.name', 'in', ['Drill 1']],
    ]);
    expect(readyDomain({ plants: [], operationTypes: ['WH: Manufacturing'], workcenters: [], reservation: 'any' })).toEqual([
      ['state', 'in', ['confirmed', 'progress']],
    ]);
  });

  it('names files so they sort in write order', () => {
    const a = messageFileName(new Date('2026-12-05T09:59:59.999Z'), 2, 'Process', 'WH/MO/00010');
    const b = messageFileName(new Date('2026-12-05T10:00:00.000Z'), 1, 'Change', 'WH/MO/00002');
    expect(a).toBe('20261205T095959999-000002-Process-WH_MO_00010.xml');
    expect([b, a].sort()).toEqual([a, b]);
  });
});

describe.skipIf(!HAS_XMLLINT)('B2MML documents (xmllint against MESA schemas)', () => {
  const at = new Date('2026-12-05T16:00:00.123Z');
  it.each(['Process', 'Change', 'Cancel'] as const)('%sOperationsSchedule validates', (verb) => {
    const xml = scheduleXml({ verb, messageId: 'bod-1', sender: 'mfg-etl', createdAt: at, content: content() });
    expect(schemaErrors(xml)).toBe('');
    expect(xml).toContain(`<${verb}OperationsSchedule xmlns="http://www.mesa.org/xml/B2MML"`);
  });

  it('validates an order without work orders (one segment named after the order)', () => {
    const xml = scheduleXml({
      verb: 'Process',
      messageId: 'bod-2',
      sender: 'mfg-etl',
      createdAt: at,
      content: content({ workOrders: [] }),
    });
    expect(schemaErrors(xml)).toBe('');
    expect(xpathText(xml, 'SegmentRequirement')).toContain('WH/MO/00007');
  });

  it('escapes hostile names and reads them back unchanged', () => {
    const hostile = `Tom's <b>"Drawer"</b> & Co ]]> &amp;`;
    const xml = scheduleXml({
      verb: 'Process',
      messageId: 'bod-3',
      sender: 'mes & <co>',
      createdAt: at,
      content: content({
        productName: hostile,
        productCode: 'A&B<1>',
        workOrders: [{ id: 1, name: hostile, workcenter: `W"C'<1>`, durationExpected: 1.5, sequence: 1 }],
      }),
    });
    expect(schemaErrors(xml)).toBe('');
    expect(xpathText(xml, 'OperationsDefinitionID')).toBe('A&B<1>');
    expect(xpathText(xml, 'EquipmentID')).toBe(`W"C'<1>`);
    expect(xpathText(xml, 'LogicalID')).toBe('mes & <co>');
    expect(xml).not.toContain('<b>');
  });

  it('carries work center, duration, produced and consumed material with unit and reserved lot', () => {
    const xml = scheduleXml({ verb: 'Process', messageId: 'bod-4', sender: 'mfg-etl', createdAt: at, content: content() });
    expect(xml).toContain('<EquipmentID>Drill 1</EquipmentID>');
    expect(xml).toContain(`<Duration>${isoDuration(120)}</Duration>`);
    expect(isoDuration(90.5)).toBe('PT1H30M30S');
    expect(xml).toMatch(/<MaterialDefinitionID>FURN_2100<\/MaterialDefinitionID>\s*<MaterialLotID>0000000010001<\/MaterialLotID>/);
    expect(xml).toMatch(/<MaterialUse>Produced<\/MaterialUse>\s*<Quantity>\s*<QuantityString>2<\/QuantityString>/);
    expect(xml).toContain('<UnitOfMeasure>Units</UnitOfMeasure>');
    expect(xml).toContain('<BODID>bod-4</BODID>');
  });

  it('the acknowledgment and ConfirmBOD samples the tests use are valid B2MML too', () => {
    expect(schemaErrors(acknowledgeXml({ messageId: 'm1', mo: 'WH/MO/1', code: 'Rejected', reason: 'no operator' }))).toBe('');
    expect(schemaErrors(confirmBodXml({ messageId: 'm1', code: 'Accepted', note: 'ok' }))).toBe('');
  });
});

describe('parseAcknowledgment', () => {
  it('reads an accepted AcknowledgeOperationsSchedule: message id, order, time', () => {
    expect(parseAcknowledgment(acknowledgeXml({ messageId: 'm-1', mo: 'WH/MO/00007' }))).toEqual([
      { messageId: 'm-1', moName: 'WH/MO/00007', accepted: true, text: '', at: '2026-12-05T16:00:00Z' },
    ]);
  });

  it('reads a refusal with its reason', () => {
    const [a] = parseAcknowledgment(
      acknowledgeXml({ messageId: 'm-2', mo: 'WH/MO/00007', code: 'Rejected', reason: 'Drill 1 is down &amp; blocked' }),
    );
    expect(a).toMatchObject({ accepted: false, text: 'Drill 1 is down & blocked' });
  });

  it('reads ConfirmBOD answers by message id, refused when Rejected', () => {
    expect(parseAcknowledgment(confirmBodXml({ messageId: 'm-3', note: 'received' }))).toEqual([
      { messageId: 'm-3', accepted: true, text: 'received', at: '2026-12-05T16:05:00Z' },
    ]);
    expect(parseAcknowledgment(confirmBodXml({ messageId: 'm-4', code: 'Rejected', note: 'unknown product' }))[0]).toMatchObject({
      accepted: false,
      text: 'unknown product',
    });
  });

  it('throws a typed error for a file that is not an acknowledgment, is not XML, or has a DOCTYPE', () => {
    expect(() => parseAcknowledgment('<ProcessOperationsPerformance xmlns="http://www.mesa.org/xml/B2MML"/>')).toThrow(
      /root element is ProcessOperationsPerformance/,
    );
    expect(() => parseAcknowledgment('<AcknowledgeOperationsSchedule><DataArea>')).toThrow(AcknowledgmentError);
    expect(() =>
      parseAcknowledgment('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ConfirmBOD>&e;</ConfirmBOD>'),
    ).toThrow(AcknowledgmentError);
    expect(() => parseAcknowledgment('<ConfirmBOD xmlns="urn:other"/>')).toThrow(/namespace urn:other/);
  });
});

describe('mes-release without a mes section', () => {
  it('reads and sends nothing: the MES link is opt-in', async () => {
    const app = await testApp('mesoff');
    const { Runner } = await import('../../jobs/runner.ts');
    const { mesReleaseJob } = await import('../../jobs/mes/mes-release.ts');
    const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: registryOf(mesReleaseJob) });
    try {
      await runner.start();
      const r = await runner.runNow('mes-release', {});
      expect(r.status).toBe('succeeded');
      expect(r.stats).toMatchObject({ enabled: false });
    } finally {
      await runner.stop();
      await app.cleanup();
    }
  });
});

describe('release state in PostgreSQL, outbox, delivery, alerts, status, CLI', () => {
  let app: TestApp;
  let hook: WebhookReceiver;
  let mes: MesReceiver;
  let evaluator: AlertEvaluator;
  const token = 'mes-bearer-token-abcdef123456';
  const w = () => ({ config: app.config, settings: mesSettings(app.config), db: app.db.knex, logger: app.logger, runId: null });

  let outbox: string;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    mes = await startMesReceiver();
    outbox = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-mesrel-outbox-'));
    app = await testApp(
      'mesrel',
      { MFG_ETL_OUTBOX: outbox, MFG_ETL_ALERT_WEBHOOK_URL: hook.url, MFG_ETL_MES_TOKEN: token },
      { mes: { ackTimeoutMinutes: 30, url: mes.url, deliveryAttempts: 2, sender: 'erp-test' }, alerts: { retryDelayMs: 10 } },
    );
    evaluator = new AlertEvaluator({ config: app.config, db: app.db, logger: app.logger, registry: registryOf() });
  });
  afterAll(async () => {
    await evaluator?.stop();
    await app?.cleanup();
    await hook?.close();
    await mes?.close();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it('writes the message atomically into <outbox>/mes, records release and message, and POSTs it with the bearer token after a failure', async () => {
    mes.failNext(1);
    const written = await writeRelease(w(), { verb: 'Process', content: content(), hash: contentHash(content()) }, 1);
    const dir = await outboxFolder(app.config.outbox, ['mes']);
    expect(path.dirname(written.file)).toBe(dir);
    expect(fs.readdirSync(dir)).toEqual([path.basename(written.file)]); // no temp file left
    expect(path.basename(written.file)).toMatch(/^\d{8}T\d{9}-000001-Process-WH_MO_00007\.xml$/);
    expect(written).toMatchObject({ verb: 'Process', delivered: true });
    expect(mes.requests).toHaveLength(2);
    expect(mes.requests[1]).toMatchObject({ authorization: `Bearer ${token}`, contentType: 'application/xml; charset=utf-8' });
    expect(mes.requests[1]!.body).toBe(fs.readFileSync(written.file, 'utf8'));
    expect(JSON.stringify(app.logLines)).not.toContain(token);

    const release = await releasedOrder(app.db.knex, 'WH/MO/00007');
    expect(release).toMatchObject({ state: 'released', lastVerb: 'Process', lastMessageId: written.messageId, productCode: 'FURN_8855' });
    const [msg] = await messagesOf(app.db.knex, 'WH/MO/00007');
    expect(msg).toMatchObject({ messageId: written.messageId, verb: 'Process', deliveryError: null });
    expect(msg!.deliveredAt).toBeInstanceOf(Date);
  });

  it('keeps the file and records the delivery error when the MES keeps failing', async () => {
    mes.failNext(2);
    const written = await writeRelease(w(), { verb: 'Process', content: content({ id: 8, name: 'WH/MO/00008' }), hash: 'h8' }, 1);
    expect(written).toMatchObject({ delivered: false, deliveryError: 'the MES answered HTTP 503: MES busy' });
    expect(fs.existsSync(written.file)).toBe(true);
    const [msg] = await messagesOf(app.db.knex, 'WH/MO/00008');
    expect(msg).toMatchObject({ deliveredAt: null, deliveryError: 'the MES answered HTTP 503: MES busy' });
  });

  it('acknowledges by message id; an answer to an older message does not acknowledge the newer change; unknown ids are listed', async () => {
    const first = (await releasedOrder(app.db.knex, 'WH/MO/00007'))!.lastMessageId;
    const change = await writeRelease(w(), { verb: 'Change', content: content({ qty: 5 }), hash: contentHash(content({ qty: 5 })) }, 1);
    const stale = await recordAcknowledgments(app.db.knex, parseAcknowledgment(acknowledgeXml({ messageId: first, mo: 'WH/MO/00007' })), {
      runId: null,
      file: 'ack-old.xml',
    });
    expect(stale).toEqual({ acknowledged: 0, refused: 0, unknown: [], stale: [first] });
    expect((await releasedOrder(app.db.knex, 'WH/MO/00007'))!.state).toBe('released');

    const ok = await recordAcknowledgments(app.db.knex, parseAcknowledgment(confirmBodXml({ messageId: change.messageId })), {
      runId: null,
      file: 'confirm.xml',
    });
    expect(ok).toMatchObject({ acknowledged: 1, refused: 0, unknown: [] });
    const r = (await releasedOrder(app.db.knex, 'WH/MO/00007'))!;
    expect(r.state).toBe('acknowledged');
    expect(r.acknowledgedAt?.toISOString()).toBe('2026-12-05T16:05:00.000Z');
    const audit = await app.db.knex('audit_events').where({ entity: 'mes_release', entity_id: 'WH/MO/00007' });
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['acknowledged']);

    const unknown = await recordAcknowledgments(
      app.db.knex,
      parseAcknowledgment(acknowledgeXml({ messageId: 'nope', mo: 'WH/MO/99999' })),
      {
        runId: null,
        file: 'x.xml',
      },
    );
    expect(unknown.unknown).toEqual(['nope']);
  });

  it('alerts once for an overdue release, once for a refused one, and resolves when the MES acknowledges later', async () => {
    const now = new Date();
    const old = new Date(now.getTime() - 45 * 60_000);
    await writeRelease(w(), { verb: 'Process', content: content({ id: 9, name: 'WH/MO/00009' }), hash: 'h9' }, 1, old);
    await app.db.knex('mes_messages').where({ mo_name: 'WH/MO/00008' }).update({ delivery_error: null, delivered_at: now });
    await app.db.knex('mes_releases').where({ mo_name: 'WH/MO/00008' }).update({ released_at: now });

    expect(await markOverdue(app.db.knex, 30, now)).toEqual(['WH/MO/00009']);
    const first = await evaluator.evaluate(now);
    const second = await evaluator.evaluate(now);
    expect(first!.opened.map((i) => i.key)).toEqual(['mes:WH/MO/00009']);
    expect(second!.opened).toHaveLength(0);
    const sent = (key: string) =>
      (hook.bodies as Array<{ text: string; mfg_etl: { key: string; event: string } }>).filter((b) => b.mfg_etl.key === key);
    expect(sent('mes:WH/MO/00009')).toHaveLength(1);
    expect(sent('mes:WH/MO/00009')[0]!.text).toMatch(
      /MES release of WH\/MO\/00009 \(FURN_8855, Process message .+\) has not been acknowledged for 45 min \(timeout 30 min\)/,
    );
    expect((await releasedOrder(app.db.knex, 'WH/MO/00009'))!.alertedAt).toBeInstanceOf(Date);

    const m8 = (await releasedOrder(app.db.knex, 'WH/MO/00008'))!.lastMessageId;
    const refused = await recordAcknowledgments(
      app.db.knex,
      parseAcknowledgment(acknowledgeXml({ messageId: m8, mo: 'WH/MO/00008', code: 'Rejected', reason: 'Drill 1 is down' })),
      { runId: null, file: 'refuse.xml' },
    );
    expect(refused.refused).toBe(1);
    await evaluator.evaluate(now);
    await evaluator.evaluate(now);
    expect(sent('mes:WH/MO/00008').map((b) => b.text)).toEqual([expect.stringContaining('was refused by the MES: Drill 1 is down')]);

    // the status page's own light is red while refused / overdue
    const { mesReleasesView } = await import('../../app/http/mes-releases.ts');
    const view = (await mesReleasesView(app.db.knex, app.config, now))!;
    expect(view.light).toBe('red');
    expect(view.releases.map((r) => r.moName).sort()).toEqual(['WH/MO/00008', 'WH/MO/00009']);
    const { mesReleasesSection } = await import('../../app/http/mes-releases.ts');
    const page = String(mesReleasesSection(view, { timezone: 'UTC', now, usersEnabled: false, path: '/' }));
    expect(page).toContain('<h2>MES releases <span class="light light-red">red</span></h2>');
    expect(page).toMatch(/<tr data-mo="WH\/MO\/00008" class="row-red">[\s\S]*refused[\s\S]*Drill 1 is down/);
    expect(page).toContain('1 not acknowledged within 30 min: WH/MO/00009');
    const { createMetricsRegistry } = await import('../../app/http/metrics.ts');
    const metrics = await createMetricsRegistry({
      config: app.config,
      db: app.db,
      logger: app.logger,
      registry: registryOf(),
      approvalWaitHours: 24,
    }).metrics();
    expect(metrics).toContain('mfg_etl_mes_releases{state="refused"} 1');
    expect(metrics).toContain('mfg_etl_mes_releases{state="overdue"} 1');
    expect(metrics).toContain('mfg_etl_mes_releases{state="acknowledged"} 1');

    const m9 = (await releasedOrder(app.db.knex, 'WH/MO/00009'))!.lastMessageId;
    await recordAcknowledgments(app.db.knex, parseAcknowledgment(acknowledgeXml({ messageId: m9, mo: 'WH/MO/00009' })), {
      runId: null,
      file: 'late-ack.xml',
    });
    const third = await evaluator.evaluate(now);
    expect(third!.resolved.map((i) => i.key)).toEqual(['mes:WH/MO/00009']);
    expect(sent('mes:WH/MO/00009').map((b) => b.mfg_etl.event)).toEqual(['opened', 'resolved']);
    expect((await releaseCounts(app.db.knex)).find((c) => c.state === 'refused')!.count).toBe(1);
  });

  it('lists releases with `mfg-etl releases`, by state and as JSON', async () => {
    const facts = await releasedFacts(app.db.knex);
    expect(facts.map((f) => f.moName).sort()).toEqual(['WH/MO/00007', 'WH/MO/00008', 'WH/MO/00009']);
    const json = await runCli(['releases', '--state', 'refused', '--json'], app.env, app.dir);
    expect(json.code).toBe(0);
    const list = JSON.parse(json.stdout) as Array<{ moName: string; state: string; answer: string }>;
    expect(list).toEqual([expect.objectContaining({ moName: 'WH/MO/00008', state: 'refused', answer: 'Drill 1 is down' })]);
    const text = await runCli(['releases'], app.env, app.dir);
    expect(text.stdout).toMatch(/WH\/MO\/00007\s+FURN_8855\s+5 Units\s+acknowledged\s+Change/);
    const bad = await runCli(['releases', '--state', 'lost'], app.env, app.dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected one of released, acknowledged, refused, overdue, cancelled');
    expect((await listReleases(app.db.knex, { state: 'acknowledged' })).map((r) => r.moName).sort()).toEqual([
      'WH/MO/00007',
      'WH/MO/00009',
    ]);
  });
});
