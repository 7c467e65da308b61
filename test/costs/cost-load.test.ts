/**
 * The costs chain against the Odoo test server as Odoo 18 (XML-RPC) and 19 (JSON-2):
 * masterdata-sync → cost-rollup → approval → cost-load. The rollup must agree to the cent with
 * Odoo's own BoM cost (button_bom_cost applied bottom-up) on the same data; cost-load writes
 * standard prices with the revaluation context on or off, never FIFO / average products, and a
 * rerun writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costLoadJob } from '../../jobs/costs/cost-load.ts';
import { costRollupJob } from '../../jobs/costs/cost-rollup.ts';
import { masterdataSyncJob } from '../../jobs/masterdata/masterdata-sync.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { OdooClient } from '../../core/odoo/index.ts';
import { getBatch, transitionBatch } from '../../load/staging/batches.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { floatRound } from '../../transform/costs/index.ts';
import { lineOf, type Row } from './cost-fixtures.ts';
import { startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';

describe.each([18, 19] as const)('costs against Odoo %i', (version) => {
  let server: OdooTestServer;
  let app: TestApp;
  let runner: Runner;
  let client: OdooClient;
  const revalueKey = version >= 19 ? 'disable_auto_revaluation' : 'disable_auto_svl';

  const id = (code: string) => server.records('product.product', [['default_code', '=', code]])[0]!.id;
  /** a float as the test server reads it (wrapped for the XML-RPC encoder) */
  const num = (v: unknown) => Number(typeof v === 'object' && v !== null && 'value' in v ? (v as { value: unknown }).value : v);
  const price = (code: string) => num(server.read('product.product', id(code), ['standard_price']).standard_price);
  const setPrice = (code: string, value: number) =>
    server.store.transaction(() =>
      server.store.write('product.product', [id(code)], { standard_price: value }, { uid: 2, now: '2030-01-01 00:00:00', context: {} }),
    );
  const run = async (job: string, params: Record<string, unknown> = {}): Promise<JobRun> => {
    const r = await runner.runNow(job, params);
    if (r.status !== 'succeeded') throw new Error(`${job} ${r.status}: ${JSON.stringify(r.error)}`);
    return r;
  };
  const sync = () => run('masterdata-sync', { full: true });
  const rollup = () => run('cost-rollup', { force: true });
  const approve = (batchId: number) =>
    transitionBatch(app.db.knex, batchId, 'approve', { actor: 'Fiona Finance', reason: 'month-end costing' });
  const writeCalls = () => server.calls('product.product', 'write');

  beforeAll(async () => {
    server = await startOdooTestServer({ version });
    // more structure on top of the demo Table: a sub-assembly made 2 at a time on a workcenter
    // with setup, cleanup and 80 % efficiency; an assembly over it and the Table; a FIFO product
    const wc = server.create('mrp.workcenter', { name: 'Paint line', costs_hour: 50, time_efficiency: 80, time_start: 10, time_stop: 5 });
    const product = (code: string, price: number, categ = 1) =>
      server.create('product.product', { default_code: code, name: code, standard_price: price, is_storable: true, categ_id: categ });
    const tmpl = (productId: number) => server.store.get('product.product', productId)!.product_tmpl_id;
    const sub = product('ETL-SUB', 0);
    const assy = product('ETL-ASSY', 100);
    const fifo = product('ETL-FIFO', 15, 2);
    const sBom = server.create('mrp.bom', {
      product_tmpl_id: tmpl(sub),
      product_qty: 2,
      bom_line_ids: [
        [0, 0, { product_id: id('FURN_7023'), product_qty: 3 }],
        [0, 0, { product_id: id('CONS_89957'), product_qty: 8 }],
      ],
    });
    server.create('mrp.routing.workcenter', { name: 'Paint', bom_id: sBom, workcenter_id: wc, time_cycle_manual: 30 });
    const aBom = server.create('mrp.bom', {
      product_tmpl_id: tmpl(assy),
      product_qty: 1,
      bom_line_ids: [
        [0, 0, { product_id: sub, product_qty: 2 }],
        [0, 0, { product_id: id('FURN_9666'), product_qty: 1 }],
        [0, 0, { product_id: id('CONS_25630'), product_qty: 4 }],
      ],
    });
    server.create('mrp.routing.workcenter', { name: 'Final assembly', bom_id: aBom, workcenter_id: 1, time_cycle_manual: 15 });
    server.create('mrp.bom', {
      product_tmpl_id: tmpl(fifo),
      product_qty: 1,
      bom_line_ids: [[0, 0, { product_id: id('FURN_2333'), product_qty: 2 }]],
    });

    app = await testApp(`costload${version}`, {
      MFG_ETL_ODOO_URL: server.url,
      MFG_ETL_ODOO_DB: server.db,
      MFG_ETL_ODOO_USER: 'admin',
      MFG_ETL_ODOO_API_KEY: server.adminApiKey,
      MFG_ETL_ODOO_COMPANY: '1',
    });
    runner = new Runner({
      config: app.config,
      db: app.db,
      logger: app.logger,
      registry: createRegistry([masterdataSyncJob, costRollupJob, costLoadJob]),
    });
    await runner.start();
    client = new OdooClient({ url: server.url, db: server.db, user: 'admin', apiKey: server.adminApiKey }, app.logger);
  });
  afterAll(async () => {
    client?.close();
    await runner?.stop();
    await app?.cleanup();
    await server?.close();
  });

  let firstBatch: number;

  it("agrees to the cent with Odoo's BoM cost applied bottom-up on the same data", async () => {
    await sync();
    const r = await rollup();
    firstBatch = Number(r.stats.batchId);
    expect(r.stats).toMatchObject({ status: 'validated', products: 5, costed: 5, maxLevel: 2 });
    const lines = (await app.db.knex('cost_rollup_lines').where({ batch_id: firstBatch }).orderBy('level', 'asc')) as Row[];
    const ours = new Map(lines.map((l) => [String(l.default_code), Number(l.new_cost)]));
    // the half cent on the sub-assembly: (3 × 80 + 8 × 0.5 + (10 + 5 + 30 × 100 / 80) / 60 × 50) / 2 = 143.875,
    // which Odoo 18 stores as 143.88 (2 decimals of "Product Price") and 19 as it is
    const sub = version >= 19 ? 143.875 : 143.88;
    expect(ours.get('ETL-SUB')).toBe(sub);

    // Odoo: button_bom_cost from the deepest sub-assembly up (level 0 first), each price stored as this version stores it
    const before = new Map(lines.map((l) => [String(l.default_code), price(String(l.default_code))]));
    for (const l of lines) await client.callAction('product.product', 'button_bom_cost', [id(String(l.default_code))]);
    for (const l of lines) {
      const code = String(l.default_code);
      expect([code, floatRound(ours.get(code)!, 2)]).toEqual([code, floatRound(price(code), 2)]);
      expect(Math.abs(ours.get(code)! - price(code))).toBeLessThan(1e-9);
    }
    expect(ours.get('FURN_9666')).toBe(283);
    expect(ours.get('ETL-ASSY')).toBeCloseTo(2 * sub + 283 + 0.4 + 10, 9);
    for (const [code, p] of before) setPrice(code, p); // back to the prices the batch was computed from
  });

  it('predicts the revaluation Odoo will book: by valuation layers on 18 (none for quants without layers), price × quantity on 19', async () => {
    // the demo stock has quants but no valuation layers: 18 revalues nothing; 19 revalues all of it
    expect(await lineOf(app.db.knex, firstBatch, 'FURN_9666')).toMatchObject({
      qty_on_hand: 1,
      valued_qty: version >= 19 ? 1 : 0,
      revaluation_impact: version >= 19 ? -7 : 0,
    });
    expect(await lineOf(app.db.knex, firstBatch, 'FURN_8522')).toMatchObject({
      qty_on_hand: 5,
      revaluation_impact: version >= 19 ? -200 : 0,
    });
    expect(await lineOf(app.db.knex, firstBatch, 'ETL-FIFO')).toMatchObject({ writable: false, revaluation_impact: null });
  });

  it('writes standard prices with the revaluation on, never on FIFO products, and a rerun writes nothing', async () => {
    // Table Top moved to the FIFO category after the rollup: Odoo's word at load time counts
    server.store.transaction(() =>
      server.store.write('product.product', [id('FURN_8522')], { categ_id: 2 }, { uid: 2, now: '2030-01-02 00:00:00', context: {} }),
    );
    await approve(firstBatch);
    const callsBefore = writeCalls().length;
    const r = await run('cost-load');
    const loaded = (r.stats.batches as Row[])[0]!;
    expect(loaded).toMatchObject({ batchId: firstBatch, status: 'loaded', revalue: true, written: 3, notStandard: 1, unchanged: 0 });
    expect((await getBatch(app.db.knex, firstBatch)).status).toBe('loaded');
    expect(price('FURN_9666')).toBe(283);
    expect(price('ETL-SUB')).toBe(version >= 19 ? 143.875 : 143.88);
    expect(price('FURN_8522')).toBe(240); // FIFO now: not written
    expect(price('ETL-FIFO')).toBe(15); // FIFO in the snapshot already: never a candidate
    const calls = writeCalls().slice(callsBefore);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.context[revalueKey]).toBeUndefined();
      expect(c.context.allowed_company_ids).toEqual([1]);
      expect(c.ids).not.toContain(id('FURN_8522'));
      expect(c.ids).not.toContain(id('ETL-FIFO'));
    }
    expect(await lineOf(app.db.knex, firstBatch, 'FURN_8522')).toMatchObject({ load_status: 'not_standard' });
    expect(await lineOf(app.db.knex, firstBatch, 'FURN_9666')).toMatchObject({ load_status: 'written', odoo_price_before: 290 });
    // every write is in the ledger
    const ledger = (await app.db.knex('load_ledger').where({ batch_id: firstBatch, odoo_model: 'product.product' })) as Row[];
    expect(ledger.map((l) => Number(l.odoo_id)).sort()).toEqual([id('FURN_9666'), id('ETL-SUB'), id('ETL-ASSY')].sort());
    // 18: the demo quants have no valuation layers, so nothing is revalued (no layer);
    // 19: one product.value row per written price
    expect(loaded).toMatchObject({ valuationModel: version >= 19 ? 'product.value' : 'stock.valuation.layer' });
    expect(loaded.valuationRecords).toBe(version >= 19 ? 3 : 0);

    const count = writeCalls().length;
    const again = await run('cost-load');
    expect(again.stats).toMatchObject({ batches: [], note: 'no approved cost batch to load' });
    const explicit = await run('cost-load', { batchId: firstBatch });
    expect((explicit.stats.batches as Row[])[0]).toMatchObject({ status: 'loaded', written: 0 });
    expect(writeCalls().length).toBe(count);
  });

  it('writes with the context that stops the revaluation when revalue is off (18), refuses the setting on 19', async () => {
    setPrice('FURN_2333', 12); // table legs cost more
    await sync();
    const r = await rollup();
    const batchId = Number(r.stats.batchId);
    expect(await lineOf(app.db.knex, batchId, 'FURN_9666')).toMatchObject({ new_cost: 291, current_cost: 283, delta: 8 });
    await approve(batchId);
    const callsBefore = writeCalls().length;
    if (version >= 19) {
      // 19 revalues standard-cost stock whatever the context: the setting is refused, nothing written
      const refused = await runner.runNow('cost-load', { revalue: 'false' });
      expect(refused.status).toBe('dead');
      expect(refused.error).toMatchObject({ class: 'ConfigError' });
      expect(refused.error?.message).toContain('cannot be honoured on Odoo 19');
      expect(writeCalls().length).toBe(callsBefore);
      const plan = await runner.runNow('cost-load', { revalue: 'false' }, { dryRun: true });
      expect(plan.status).toBe('succeeded');
      expect(String(plan.stats.refused)).toContain('cannot be honoured on Odoo 19');
      expect((plan.stats.batches as Row[])[0]).toMatchObject({ batchId, status: expect.stringMatching(/^refused: /) });
      expect(writeCalls().length).toBe(callsBefore);
      const load = await run('cost-load');
      expect((load.stats.batches as Row[])[0]).toMatchObject({ batchId, status: 'loaded', revalue: true, context: {} });
      for (const c of writeCalls().slice(callsBefore)) expect(c.context).not.toHaveProperty(revalueKey);
      expect(price('FURN_9666')).toBe(291);
      return;
    }
    const load = await run('cost-load', { revalue: 'false' });
    expect((load.stats.batches as Row[])[0]).toMatchObject({ batchId, status: 'loaded', revalue: false, context: { [revalueKey]: true } });
    const calls = writeCalls().slice(callsBefore);
    expect(
      calls
        .map((c) => c.ids)
        .flat()
        .sort(),
    ).toEqual([id('FURN_9666'), id('ETL-ASSY')].sort());
    for (const c of calls) expect(c.context[revalueKey]).toBe(true);
    expect(price('FURN_9666')).toBe(291);
  });

  it('posts the optional summary journal entry for products on periodic valuation, once', async () => {
    (app.config.file as Row).costs = { journalEntry: { journalId: 3, valuationAccountId: 1, counterpartAccountId: 4 } };
    setPrice('FURN_2333', 13);
    await sync();
    const r = await rollup();
    const batchId = Number(r.stats.batchId);
    await approve(batchId);
    const load = await run('cost-load');
    const entryId = Number((load.stats.batches as Row[])[0]!.journalEntryId);
    expect(entryId).toBeGreaterThan(0);
    const move = server.read('account.move', entryId, ['ref', 'state', 'journal_id']);
    expect(move).toMatchObject({ ref: `mfg-etl cost batch ${batchId}`, state: 'posted' });
    // one Table on hand × (295 - 291); the assembly has no stock
    const lines = server.records('account.move.line', [['move_id', '=', entryId]]).map((l) => [l.account_id, num(l.debit), num(l.credit)]);
    expect(lines).toEqual(
      expect.arrayContaining([
        [1, 4, 0],
        [4, 0, 4],
      ]),
    );
    const record = (await app.db.knex('cost_valuation_records').where({ batch_id: batchId, odoo_model: 'account.move' }).first()) as Row;
    expect([Number(record.odoo_id), Number(record.value)]).toEqual([entryId, 4]);
    const moves = server.count('account.move');
    await run('cost-load', { batchId });
    expect(server.count('account.move')).toBe(moves);
    (app.config.file as Row).costs = {};
  });
});
