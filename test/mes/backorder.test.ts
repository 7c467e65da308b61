/**
 * A partial completion closed with a backorder continues the same OperationsRequest (Odoo 18 over
 * XML-RPC, 19 over JSON-2, captures 054-058): Odoo renames WH/MO/0000n to -001 (done) and makes
 * -002 (the rest) in the same group; the release moves to -002, later reports naming the request
 * post there, the checks measure against what -002 has left, and mes-release sends one Change under
 * the request ID instead of a Process for -002. Under mes.partialCompletion 'close' nothing continues.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mesLoadJob } from '../../jobs/mes/mes-load.ts';
import { mesReleaseJob } from '../../jobs/mes/mes-release.ts';
import { mesReportJob } from '../../jobs/mes/mes-report.ts';
import { releasedOrder } from '../../load/mes/releases.ts';
import { runCli } from '../support/cli.ts';
import { confirmedProduction, seedMrpExecution } from '../support/odoo/mrp.ts';
import { type MesWorld, mesWorld, performanceXml, type ResponseSpec } from './fixtures.ts';
import { acknowledgeXml, HAS_XMLLINT, schemaErrors } from './release-fixtures.ts';

type Row = Record<string, unknown>;
type Message = { verb: string; mo: string; file: string; messageId: string };
const n = (v: unknown) => Number((v as { value?: number })?.value ?? v);

const report = (tx: string, mo: string, produced: number, extra: Partial<ResponseSpec> = {}): ResponseSpec => ({
  id: tx,
  mo,
  state: 'Completed',
  produced,
  lot: `LOT-${tx}`,
  consumed: [
    { code: 'FURN_2100', qty: produced, lot: '0000000010001' },
    { code: 'FURN_5623', qty: produced, lot: '0000000020045' },
  ],
  segments: [{ wo: 'Packing', workcenter: 'Drill 1', start: '2026-12-05T08:00:00Z', end: '2026-12-05T08:45:00Z' }],
  ...extra,
});

async function world(name: string, version: 18 | 19, partialCompletion: 'backorder' | 'close') {
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), `mfg-etl-${name}-outbox-`));
  const w = await mesWorld(
    name,
    version,
    [mesReportJob, mesLoadJob, mesReleaseJob],
    { mes: { approval: 'auto', partialCompletion, consumptionDifference: 'accept' } },
    { MFG_ETL_OUTBOX: outbox },
  );
  seedMrpExecution(w.server, { withUntracked: false });
  return { w, outbox };
}

/** An order of `qty` Drawers released by mes-release and acknowledged by the MES (through mes-report). */
async function releasedAndAcknowledged(w: MesWorld, qty: number): Promise<{ id: number; name: string; summary: string[] }> {
  const id = confirmedProduction(w.server, { qty });
  const name = String(w.server.read('mrp.production', id, ['name']).name);
  const released = await w.run('mes-release');
  expect((released.stats.messages as Message[]).map((m) => [m.verb, m.mo])).toEqual([['Process', name]]);
  const release = (await releasedOrder(w.app.db.knex, name))!;
  w.drop(`ack-${id}.xml`, acknowledgeXml({ messageId: release.lastMessageId, mo: name }));
  const acked = await w.run('mes-report');
  expect((await releasedOrder(w.app.db.knex, name))!.state).toBe('acknowledged');
  return { id, name, summary: acked.stats.summary as string[] };
}

describe.each([18, 19] as const)('a backorder continues the MES request on Odoo %i', (version) => {
  let w: MesWorld;
  let outbox: string;
  beforeAll(async () => {
    ({ w, outbox } = await world(`mesbo${version}`, version, 'backorder'));
  });
  afterAll(async () => {
    await w?.close();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it('posts a later report naming the request on the backorder, checks it against what is left, and sends one Change instead of a Process', async () => {
    const { id, name, summary } = await releasedAndAcknowledged(w, 3);
    // an acknowledgment file says what it did, not "next: mes-load"
    expect(summary.join('\n')).toContain('1 acknowledgment recorded: 1 acknowledged, 0 refused');
    expect(summary.join('\n')).not.toContain('next: mfg-etl run mes-load');

    // 1 of 3 made, the MES says complete: Odoo closes 1 (renamed -001) and backorders 2 (-002, same group, 058)
    w.drop('part1.xml', performanceXml([report(`BO-1-${version}`, name, 1)], `BO-1-${version}`));
    await w.run('mes-report');
    expect((await w.run('mes-load')).stats).toMatchObject({ posted: 1, failed: 0 });
    expect(w.server.read('mrp.production', id, ['name', 'state', 'product_qty'])).toMatchObject({ name: `${name}-001`, state: 'done' });
    const [bo] = w.server.records('mrp.production', [['name', '=', `${name}-002`]]);
    expect([bo!.state, n(bo!.product_qty)]).toEqual(['confirmed', 2]);
    const group = version >= 19 ? 'production_group_id' : 'procurement_group_id';
    expect(n(bo![group])).toBe(n(w.server.store.get('mrp.production', id)![group]));
    // the release keeps the request ID and now points at the backorder
    const row = (await w.app.db.knex('mes_releases').where({ mo_name: name }).first()) as Row;
    expect(Number(row.mo_id)).toBe(bo!.id);
    expect((row.previous_mo_ids as Array<string | number>).map(Number)).toEqual([id]);
    expect(row.continued_name).toBe(`${name}-002`);
    expect((await w.app.db.knex('mes_releases').where({ mo_name: `${name}-002` })).length).toBe(0);

    // before the Change goes out, a report for more than the backorder has left is refused (2 left, not 3)
    w.drop('over.xml', performanceXml([report(`BO-OVER-${version}`, name, 3)], `BO-OVER-${version}`));
    const over = await w.run('mes-report');
    expect(over.stats).toMatchObject({ rejected: 1 });
    expect(fs.readFileSync(path.join(w.inbox, 'rejected', 'over.xml.report.txt'), 'utf8')).toContain(
      `order ${name} is for 2; 0 reported before, so at most 2 more`,
    );

    // mes-release: exactly one Change under the request ID with the backorder's quantity; no Process for -002
    const released = await w.run('mes-release');
    const messages = released.stats.messages as Message[];
    expect(messages.map((m) => [m.verb, m.mo])).toEqual([['Change', name]]);
    const xml = fs.readFileSync(messages[0]!.file, 'utf8');
    if (HAS_XMLLINT) expect(schemaErrors(xml)).toBe('');
    expect(xml).toContain(`<ID>${name}</ID>`);
    expect(xml).not.toContain(`${name}-002`);
    expect(xml).toMatch(/<MaterialUse>Produced<\/MaterialUse>\s*<Quantity>\s*<QuantityString>2<\/QuantityString>/);
    const after = (await releasedOrder(w.app.db.knex, name))!;
    expect(after).toMatchObject({ moId: bo!.id, lastVerb: 'Change', state: 'released' });
    expect(after.content).toMatchObject({ mo: name, moId: bo!.id, qty: 2 });
    expect((await w.run('mes-release')).stats).toMatchObject({ process: 0, change: 0, cancel: 0 });
    // `release --again` by either name sends the backorder under the request ID
    for (const asked of [name, `${name}-002`]) {
      const again = await runCli(['release', asked, '--again', '--json'], w.app.env, w.app.dir);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ verb: 'Change', mo: name });
    }
    expect(await w.app.db.knex('mes_releases').where({ mo_name: `${name}-002` })).toEqual([]);

    // the MES reports the rest under the request ID: posted on -002, which closes; nothing more is backordered
    w.drop('part2.xml', performanceXml([report(`BO-2-${version}`, name, 2)], `BO-2-${version}`));
    expect((await w.run('mes-report')).stats).toMatchObject({ staged: 1, rejected: 0 });
    expect((await w.run('mes-load')).stats).toMatchObject({ posted: 1, failed: 0 });
    expect(w.server.read('mrp.production', bo!.id, ['state', 'qty_producing'])).toMatchObject({ state: 'done' });
    expect(n(w.server.read('mrp.production', bo!.id, ['qty_producing']).qty_producing)).toBe(2);
    expect(n(w.server.read('mrp.production', id, ['qty_producing']).qty_producing)).toBe(1);
    expect(w.server.records('mrp.production', [['name', '=like', `${name}-%`]]).map((m) => [m.name, m.state])).toEqual([
      [`${name}-001`, 'done'],
      [`${name}-002`, 'done'],
    ]);
    const line = (await w.app.db
      .knex('mes_report_lines')
      .where({ transaction_id: `BO-2-${version}` })
      .first()) as Row;
    expect([line.status, Number(line.mo_id)]).toEqual(['posted', bo!.id]);
    // a done order sends nothing more
    expect((await w.run('mes-release')).stats).toMatchObject({ process: 0, change: 0, cancel: 0 });
  });

  it('posts two reports of one file across the backorder: the second lands on the backorder made by the first', async () => {
    const { id, name } = await releasedAndAcknowledged(w, 3);
    w.drop('both.xml', performanceXml([report(`BO-A-${version}`, name, 1), report(`BO-B-${version}`, name, 2)], `BO-AB-${version}`));
    expect((await w.run('mes-report')).stats).toMatchObject({ staged: 1, rejected: 0 });
    expect((await w.run('mes-load')).stats).toMatchObject({ posted: 2, failed: 0 });
    const [bo] = w.server.records('mrp.production', [['name', '=', `${name}-002`]]);
    expect(w.server.read('mrp.production', id, ['state']).state).toBe('done');
    expect(bo!.state).toBe('done');
    expect(n(bo!.qty_producing)).toBe(2);
    expect(w.server.records('mrp.production', [['name', '=', `${name}-003`]])).toEqual([]);
  });

  it('takes a segment naming a work order of the closed order (sent before the Change) as the backorder work order of that name', async () => {
    const { id, name } = await releasedAndAcknowledged(w, 3);
    const oldWos = w.server.records('mrp.workorder', [['production_id', '=', id]]);
    const oldTesting = oldWos.find((wo) => wo.name === 'Testing')!;
    w.drop('wo1.xml', performanceXml([report(`BO-WO-1-${version}`, name, 1)], `BO-WO-1-${version}`));
    await w.run('mes-report');
    expect((await w.run('mes-load')).stats).toMatchObject({ posted: 1, failed: 0 });
    const segments = [{ wo: String(oldTesting.id), workcenter: '', start: '2026-12-05T11:00:00Z', end: '2026-12-05T11:30:00Z' }];
    w.drop('wo2.xml', performanceXml([report(`BO-WO-2-${version}`, name, 2, { segments })], `BO-WO-2-${version}`));
    expect((await w.run('mes-report')).stats).toMatchObject({ staged: 1, rejected: 0 });
    expect((await w.run('mes-load')).stats).toMatchObject({ posted: 1, failed: 0 });
    const [bo] = w.server.records('mrp.production', [['name', '=', `${name}-002`]]);
    const boTesting = w.server.records('mrp.workorder', [['production_id', '=', bo!.id]]).find((wo) => wo.name === 'Testing')!;
    const rows = w.server.records('mrp.workcenter.productivity', [['workorder_id', '=', boTesting.id]]);
    expect(rows.map((r) => [r.date_start, r.date_end])).toEqual([['2026-12-05 11:00:00', '2026-12-05 11:30:00']]);
    expect(bo!.state).toBe('done');
  });

  it('finds the backorder again after a crash between the close in Odoo and its record, and does not close the backorder', async () => {
    const { id, name } = await releasedAndAcknowledged(w, 3);
    w.drop('crash.xml', performanceXml([report(`BO-CRASH-${version}`, name, 1)], `BO-CRASH-${version}`));
    await w.run('mes-report');
    // Odoo makes the backorder, the answer is lost: the line fails before the close is recorded
    w.server.knobs.loseResponse(1, { model: 'mrp.production.backorder', method: 'action_backorder' });
    expect((await w.runner.runNow('mes-load', {})).status).toBe('failed');
    expect(Number(((await w.app.db.knex('mes_releases').where({ mo_name: name }).first()) as Row).mo_id)).toBe(id);
    const closes = w.server.calls('mrp.production', 'button_mark_done').length;
    expect((await w.run('mes-load')).stats).toMatchObject({ posted: 1, failed: 0 });
    const [bo] = w.server.records('mrp.production', [['name', '=', `${name}-002`]]);
    expect(bo!.state).toBe('confirmed');
    expect(w.server.calls('mrp.production', 'button_mark_done')).toHaveLength(closes);
    const row = (await w.app.db.knex('mes_releases').where({ mo_name: name }).first()) as Row;
    expect([Number(row.mo_id), (row.previous_mo_ids as Array<string | number>).map(Number)]).toEqual([bo!.id, [id]]);
  });
});

describe.each([18, 19] as const)('mes.partialCompletion close on Odoo %i', (version) => {
  let w: MesWorld;
  let outbox: string;
  beforeAll(async () => {
    ({ w, outbox } = await world(`mesclose${version}`, version, 'close'));
  });
  afterAll(async () => {
    await w?.close();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it('closes the order short: no backorder, the release stays on the order and nothing more is sent', async () => {
    const { id, name } = await releasedAndAcknowledged(w, 2);
    w.drop('short.xml', performanceXml([report(`CL-1-${version}`, name, 1)], `CL-1-${version}`));
    await w.run('mes-report');
    expect((await w.run('mes-load')).stats).toMatchObject({ posted: 1, failed: 0 });
    expect(w.server.read('mrp.production', id, ['name', 'state'])).toMatchObject({ name, state: 'done' });
    expect(w.server.records('mrp.production', [['name', '=like', `${name}-%`]])).toEqual([]);
    const row = (await w.app.db.knex('mes_releases').where({ mo_name: name }).first()) as Row;
    expect([Number(row.mo_id), row.previous_mo_ids, row.continued_name]).toEqual([id, [], null]);
    expect((await w.run('mes-release')).stats).toMatchObject({ process: 0, change: 0, cancel: 0 });
  });
});
