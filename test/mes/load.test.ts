/**
 * mes-report → mes-load against the Odoo test server as 18 (XML-RPC) and 19 (JSON-2): a report
 * posts work order times, consumption with lots, the finished lot and quantity, scrap, and closes
 * the order; a report posted twice (same file again, same transaction in another file, retry after
 * a crash between the Odoo write and its record) changes Odoo once; partial completion and a
 * consumption difference take the configured path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { odooOptionsFromConfig } from '../../core/odoo/config.ts';
import { OdooClient } from '../../core/odoo/index.ts';
import { mesLoadJob } from '../../jobs/mes/mes-load.ts';
import { mesReportJob } from '../../jobs/mes/mes-report.ts';
import { lineageOfRecord } from '../../load/odoo-ledger/lineage.ts';
import { getBatch } from '../../load/staging/batches.ts';
import { confirmedProduction, seedMrpExecution } from '../support/odoo/mrp.ts';
import { EXAMPLES, type MesWorld, mesWorld, performanceXml, type ResponseSpec } from './fixtures.ts';

type Row = Record<string, unknown>;
const n = (v: unknown) => Number((v as { value?: number })?.value ?? v);

/** A confirmed, reserved MO of 2 Drawers released to the MES; its name and work orders. */
async function releasedMo(w: MesWorld, qty = 2): Promise<{ id: number; name: string; wos: Array<{ id: number; name: string }> }> {
  const id = confirmedProduction(w.server, { qty });
  const name = String(w.server.read('mrp.production', id, ['name']).name);
  const wos = w.server.records('mrp.workorder', [['production_id', '=', id]]).map((r) => ({ id: r.id, name: String(r.name) }));
  await w.release(name, id, {
    product: { code: 'FURN_8855' },
    qty,
    uom: 'Units',
    workOrders: wos.map((wo) => ({ ...wo, workcenter: '' })),
    components: [
      { code: 'FURN_2100', qty },
      { code: 'FURN_5623', qty },
    ],
  });
  return { id, name, wos };
}

const fullReport = (
  tx: string,
  mo: string,
  produced: number,
  state: string | undefined,
  extra: Partial<ResponseSpec> = {},
): ResponseSpec => ({
  id: tx,
  mo,
  state,
  produced,
  lot: `LOT-${tx}`,
  consumed: [
    { code: 'FURN_2100', qty: produced, lot: '0000000010001' },
    { code: 'FURN_5623', qty: produced, lot: '0000000020045' },
  ],
  segments: [
    { wo: 'Packing', workcenter: 'Drill 1', start: '2026-12-05T08:00:00Z', end: '2026-12-05T08:45:00Z' },
    { wo: 'Testing', workcenter: 'Assembly 1', start: '2026-12-05T09:00:00Z', end: '2026-12-05T10:30:00Z' },
  ],
  ...extra,
});

describe.each([18, 19] as const)('MES reports into Odoo %i', (version) => {
  let w: MesWorld;
  const writes = () =>
    w.server.calls().filter((c) => ['write', 'load', 'create', 'unlink', 'button_mark_done', 'action_validate'].includes(c.method)).length;
  const mo = (id: number) => w.server.read('mrp.production', id, ['state', 'qty_producing', 'product_qty', 'name']);
  const timeRows = (moId: number) =>
    w.server.records('mrp.workcenter.productivity', []).filter((r) => {
      const wo = w.server.store.get('mrp.workorder', Number(r.workorder_id));
      return wo && Number(wo.production_id) === moId;
    });
  const lineOf = async (tx: string) => (await w.app.db.knex('mes_report_lines').where({ transaction_id: tx }).first()) as Row;

  beforeAll(async () => {
    w = await mesWorld(`mesload${version}`, version, [mesReportJob, mesLoadJob], {
      mes: { approval: 'auto', partialCompletion: 'backorder', consumptionDifference: 'hold' },
    });
    seedMrpExecution(w.server, { withUntracked: false });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('posts a complete report: work order times, consumption with lots, finished lot and quantity, scrap, order closed', async () => {
    const m = await releasedMo(w);
    const xml = fs.readFileSync(path.join(EXAMPLES, 'WH_MO_00042-performance.xml'), 'utf8').replaceAll('WH/MO/00042', m.name);
    w.drop('first.xml', xml);
    const staged = await w.run('mes-report');
    expect(staged.stats).toMatchObject({ staged: 1, rejected: 0 });
    const r = await w.run('mes-load');
    expect(r.stats).toMatchObject({ posted: 1, held: 0, failed: 0 });
    expect(mo(m.id).state).toBe('done');
    const rows = timeRows(m.id);
    expect(rows.map((x) => [x.date_start, x.date_end])).toEqual(
      expect.arrayContaining([
        ['2026-12-05 08:00:00', '2026-12-05 08:45:00'],
        ['2026-12-05 09:00:00', '2026-12-05 10:30:00'],
      ]),
    );
    const lot = w.server.records('stock.lot', [['name', '=', 'LOT-DRW-0042']]);
    expect(lot).toHaveLength(1);
    const scraps = w.server.records('stock.scrap', [['production_id', '=', m.id]]);
    expect(scraps.map((s) => [s.origin, s.state, n(s.scrap_qty)])).toEqual([['MES-TX-0042-1#1', 'done', 1]]);
    const line = await lineOf('MES-TX-0042-1');
    expect(line.status).toBe('posted');
    const ledger = (await w.app.db.knex('load_ledger').where({ batch_id: line.batch_id }).orderBy('id')) as Row[];
    expect(ledger.map((l) => l.business_key)).toEqual(
      expect.arrayContaining([
        'MES-TX-0042-1:lot',
        'MES-TX-0042-1:times:1',
        'MES-TX-0042-1:times:2',
        'MES-TX-0042-1:produce',
        'MES-TX-0042-1:scrap',
        'MES-TX-0042-1:done',
      ]),
    );
    expect((await getBatch(w.app.db.knex, Number(line.batch_id))).status).toBe('loaded');
    // lineage: the time row came from line 1 of the file (its OperationsResponse and transaction)
    const [write] = await lineageOfRecord(w.app.db.knex, 'mrp.workcenter.productivity', rows[0]!.id);
    expect(write).toMatchObject({
      businessKey: expect.stringMatching(/^MES-TX-0042-1:times:/),
      lines: [{ line: 1, ref: 'OperationsResponse 1 (ID MES-TX-0042-1)' }],
    });
    expect(write!.file).toMatchObject({ kind: 'mes_report', name: 'first.xml' });

    // same file again, and the same transaction in another file: Odoo does not change
    const before = writes();
    w.drop('first-again.xml', xml);
    w.drop('first-other.xml', xml.replace('PERF-2026-12-05-0001', 'PERF-2026-12-05-0009'));
    const again = await w.run('mes-report');
    expect(again.stats).toMatchObject({ duplicates: 1, staged: 1 });
    const load = await w.run('mes-load');
    expect(load.stats).toMatchObject({ posted: 0, failed: 0 });
    expect(writes()).toBe(before);
    expect(timeRows(m.id)).toHaveLength(rows.length);
  });

  it('retries after a crash between the Odoo write and its record and changes Odoo once', async () => {
    const m = await releasedMo(w);
    w.drop(
      'crash.xml',
      performanceXml([
        fullReport(`TX-CRASH-${version}`, m.name, 2, 'Completed', {
          scrap: [{ code: 'FURN_5623', qty: 1, lot: '0000000020045', reason: 'dropped' }],
        }),
      ]),
    );
    await w.run('mes-report');
    // the time rows are committed, the answer is lost
    w.server.knobs.loseResponse(1, { model: 'mrp.workcenter.productivity', method: 'create' });
    // a batch that ends load_failed fails its run (the runner says so)
    const first = await w.runner.runNow('mes-load', {});
    expect(first.status).toBe('failed');
    const failed = await lineOf(`TX-CRASH-${version}`);
    expect(failed.status).toBe('failed');
    expect(String(failed.error)).toContain('Steps already in Odoo are recorded and not repeated');
    expect(timeRows(m.id)).toHaveLength(2);
    // then the scrap is created but its answer lost
    w.server.knobs.loseResponse(1, { model: 'stock.scrap', method: 'create' });
    expect((await w.runner.runNow('mes-load', {})).status).toBe('failed');
    expect((await lineOf(`TX-CRASH-${version}`)).result).toMatchObject({ times: expect.any(Array), produce: expect.anything() });
    // then the close is done but its answer lost
    w.server.knobs.loseResponse(1, { model: 'mrp.production', method: 'button_mark_done' });
    expect((await w.runner.runNow('mes-load', {})).status).toBe('failed');
    const last = await w.run('mes-load');
    expect(last.stats).toMatchObject({ failed: 0 });
    expect((await lineOf(`TX-CRASH-${version}`)).status).toBe('posted');
    expect(timeRows(m.id)).toHaveLength(2);
    expect(w.server.records('stock.scrap', [['production_id', '=', m.id]])).toHaveLength(1);
    expect(mo(m.id).state).toBe('done');
    // the close ran once (its answer was lost); the retry read the order's state instead of closing again
    expect(w.server.calls('mrp.production', 'button_mark_done').filter((c) => c.ids?.includes(m.id))).toHaveLength(1);
  });

  it("scraps the finished product only once the order is done, an earlier report's scrap too (Odoo scraps it from the destination then)", async () => {
    const m = await releasedMo(w);
    w.drop(
      'finished-scrap.xml',
      performanceXml([
        // progress only: its scrap of a Drawer waits for the close
        fullReport(`TX-FS1-${version}`, m.name, 1, undefined, { scrap: [{ code: 'FURN_8855', qty: 1, reason: 'cracked' }] }),
        fullReport(`TX-FS2-${version}`, m.name, 1, 'Completed', {
          lot: `LOT-TX-FS1-${version}`,
          scrap: [
            { code: 'FURN_8855', qty: 1, reason: 'scratched' },
            { code: 'FURN_5623', qty: 1, lot: '0000000020045', reason: 'dropped' },
          ],
        }),
      ]),
    );
    const staged = await w.run('mes-report');
    expect(staged.stats, JSON.stringify(staged.stats)).toMatchObject({ staged: 1, rejected: 0 });
    const r = await w.run('mes-load');
    expect(r.stats, JSON.stringify(r.stats)).toMatchObject({ posted: 2, failed: 0 });
    expect(mo(m.id).state).toBe('done');
    const scraps = w.server.records('stock.scrap', [['production_id', '=', m.id]]);
    expect(scraps.map((x) => [x.origin, x.state]).sort()).toEqual([
      [`TX-FS1-${version}#1`, 'done'],
      [`TX-FS2-${version}#1`, 'done'],
      [`TX-FS2-${version}#2`, 'done'],
    ]);
    // a second load finds them by origin and scraps nothing again
    expect((await w.run('mes-load')).stats).toMatchObject({ posted: 0, failed: 0 });
    expect(w.server.records('stock.scrap', [['production_id', '=', m.id]])).toHaveLength(3);
  });

  it('backorders the rest of a partially completed order (mes.partialCompletion backorder)', async () => {
    const m = await releasedMo(w);
    w.drop('partial.xml', performanceXml([fullReport(`TX-PART-${version}`, m.name, 1, 'Completed')]));
    await w.run('mes-report');
    const r = await w.run('mes-load');
    expect(r.stats).toMatchObject({ posted: 1, failed: 0 });
    expect(mo(m.id).state).toBe('done');
    const backorders = w.server.records('mrp.production', [['name', '=like', `${m.name}-%`]]);
    expect(backorders.map((b) => [b.name, b.state, n(b.product_qty)])).toEqual(expect.arrayContaining([[`${m.name}-002`, 'confirmed', 1]]));
  });

  it('holds an order whose consumption differs from the BoM (mes.consumptionDifference hold), saying what to do', async () => {
    const m = await releasedMo(w);
    const report = fullReport(`TX-HOLD-${version}`, m.name, 2, 'Completed');
    report.consumed![0]!.qty = 3;
    w.drop('hold.xml', performanceXml([report]));
    const staged = await w.run('mes-report');
    expect(staged.stats).toMatchObject({ staged: 1 }); // consumption_deviation is a warning: approved by policy auto
    const r = await w.run('mes-load');
    expect(r.stats).toMatchObject({ posted: 0, held: 1, failed: 0 });
    expect(mo(m.id).state).not.toBe('done');
    const line = await lineOf(`TX-HOLD-${version}`);
    expect(line.status).toBe('held');
    expect(String(line.error)).toContain(`order ${m.name} is held: what the MES consumed differs from the BoM`);
    expect(String(line.error)).toContain('mfg-etl run mes-load --param retryHeld=true');
    expect(timeRows(m.id)).toHaveLength(2); // the rest of the report is in Odoo
    // a later run leaves it held
    await w.run('mes-load');
    expect((await lineOf(`TX-HOLD-${version}`)).status).toBe('held');
    // a person confirms the consumption in Odoo (the warning's wizard), then retries the held line
    const client = new OdooClient(odooOptionsFromConfig(w.app.config)!, w.app.logger);
    try {
      const action = (await client.call('mrp.production', 'button_mark_done', [[m.id]])) as {
        res_model: string;
        context: Record<string, unknown>;
      };
      expect(action.res_model).toBe('mrp.consumption.warning');
      const [wizard] = await client.create('mrp.consumption.warning', [{}], { context: action.context });
      await client.callAction('mrp.consumption.warning', 'action_confirm', [wizard!], { context: action.context });
    } finally {
      client.close();
    }
    expect(mo(m.id).state).toBe('done');
    const closes = w.server.calls('mrp.production', 'button_mark_done').length;
    const retried = await w.run('mes-load', { retryHeld: true });
    expect(retried.stats).toMatchObject({ posted: 1, held: 0, failed: 0 });
    expect((await lineOf(`TX-HOLD-${version}`)).status).toBe('posted');
    expect(w.server.calls('mrp.production', 'button_mark_done')).toHaveLength(closes); // read back as done: not closed again
  });
});

describe.each([18, 19] as const)('MES report policies close / accept on Odoo %i', (version) => {
  let w: MesWorld;
  beforeAll(async () => {
    w = await mesWorld(`mespol${version}`, version, [mesReportJob, mesLoadJob], {
      mes: { approval: 'auto', partialCompletion: 'close', consumptionDifference: 'accept' },
    });
    seedMrpExecution(w.server, { withUntracked: false });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('closes a partially completed order short (close) and accepts a consumption difference (accept)', async () => {
    const short = await releasedMo(w);
    const over = await releasedMo(w);
    const overReport = fullReport(`TX-ACC-${version}`, over.name, 2, 'Completed');
    overReport.consumed![0]!.qty = 3;
    w.drop('policies.xml', performanceXml([fullReport(`TX-CLOSE-${version}`, short.name, 1, 'Completed'), overReport]));
    await w.run('mes-report');
    const r = await w.run('mes-load');
    expect(r.stats).toMatchObject({ posted: 2, held: 0, failed: 0 });
    expect(w.server.read('mrp.production', short.id, ['state']).state).toBe('done');
    expect(w.server.records('mrp.production', [['name', '=like', `${short.name}-%`]]).filter((b) => b.state !== 'done')).toEqual([]);
    expect(w.server.read('mrp.production', over.id, ['state']).state).toBe('done');
    expect(w.server.calls('mrp.consumption.warning', 'action_confirm').length).toBeGreaterThanOrEqual(1);
    expect(w.server.calls('mrp.production.backorder', 'action_close_mo').length).toBeGreaterThanOrEqual(1);
  });
});
