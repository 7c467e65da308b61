/**
 * What the costs chain computes, predicts and refuses against the way each Odoo version really
 * stores and values a standard price (valuation captures): 18 rounds standard_price to 2
 * decimals and revalues by its layers, 19 keeps it unrounded and values stock live at price ×
 * quantity. masterdata-sync → cost-rollup → approval → cost-load on the Odoo test server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { costImportJob } from '../../jobs/costs/cost-import.ts';
import { costLoadJob } from '../../jobs/costs/cost-load.ts';
import { costRollupJob } from '../../jobs/costs/cost-rollup.ts';
import { masterdataSyncJob } from '../../jobs/masterdata/masterdata-sync.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { OdooClient } from '../../core/odoo/index.ts';
import { transitionBatch } from '../../load/staging/batches.ts';
import { categoryTotals } from '../../load/costs/staging.ts';
import { companyCurrencies } from '../../extract/shared/odoo-company.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { lineOf, type Row } from './cost-fixtures.ts';
import { runCli } from '../support/cli.ts';
import { startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const cents = (v: number) => Math.round(v * 100) / 100;

describe.each([18, 19] as const)('cost valuation against Odoo %i', (version) => {
  let server: OdooTestServer;
  let app: TestApp;
  let runner: Runner;
  let client: OdooClient;

  const id = (code: string) => server.records('product.product', [['default_code', '=', code]])[0]!.id;
  const num = (v: unknown) => Number(typeof v === 'object' && v !== null && 'value' in v ? (v as { value: unknown }).value : v);
  const price = (code: string) => num(server.read('product.product', id(code), ['standard_price']).standard_price);
  const run = async (job: string, params: Record<string, unknown> = {}, options: { dryRun?: boolean } = {}): Promise<JobRun> => {
    const r = await runner.runNow(job, params, options);
    if (r.status !== 'succeeded') throw new Error(`${job} ${r.status}: ${JSON.stringify(r.error)}`);
    return r;
  };
  const sync = () => run('masterdata-sync', { full: true });
  const approve = (batchId: number) => transitionBatch(app.db.knex, batchId, 'approve', { actor: 'Fiona Finance', reason: 'costing' });
  const writeCalls = () => server.calls('product.product', 'write');

  beforeAll(async () => {
    server = await startOdooTestServer({ version });
    const dozens = server.store.xmlidToId('uom.product_uom_dozen')!;
    const product = (code: string, price: number, extra: Record<string, unknown> = {}) =>
      server.create('product.product', { default_code: code, name: code, standard_price: price, is_storable: true, ...extra });
    const tmpl = (productId: number) => server.store.get('product.product', productId)!.product_tmpl_id;
    // a component bought by the dozen (5 a dozen), a part made of one unit of it (5/12 = 0.41666… each),
    // an assembly of 44 dozen of those parts, and a top assembly over it
    const units = server.store.xmlidToId('uom.product_uom_unit')!;
    const raw = product('VAL-RAW-DOZ', 5, { uom_id: dozens, ...(version >= 19 ? {} : { uom_po_id: dozens }) });
    const frac = product('VAL-FRAC', 0);
    const parent = product('VAL-PARENT', 0);
    const top = product('VAL-TOP', 0);
    const part = product('VAL-PART', 35.1);
    server.create('mrp.bom', {
      product_tmpl_id: tmpl(frac),
      product_qty: 1,
      bom_line_ids: [[0, 0, { product_id: raw, product_qty: 1, product_uom_id: units }]],
    });
    server.create('mrp.bom', {
      product_tmpl_id: tmpl(parent),
      product_qty: 1,
      bom_line_ids: [[0, 0, { product_id: frac, product_qty: 44, product_uom_id: dozens }]],
    });
    server.create('mrp.bom', {
      product_tmpl_id: tmpl(top),
      product_qty: 1,
      bom_line_ids: [
        [0, 0, { product_id: parent, product_qty: 1 }],
        [0, 0, { product_id: part, product_qty: 5 }],
      ],
    });

    app = await testApp(`costval${version}`, {
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
      registry: createRegistry([masterdataSyncJob, costRollupJob, costLoadJob, costImportJob]),
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

  it("rolls up a fraction of a cent used by the dozen as this Odoo stores it, to the cent of Odoo's own BoM cost", async () => {
    await sync();
    const r = await run('cost-rollup', { force: true, report: false });
    const batchId = Number(r.stats.batchId);
    const ours = async (code: string) => Number((await lineOf(app.db.knex, batchId, code)).new_cost);
    // Odoo: button_bom_cost from the bottom up, each price stored as this version stores it
    for (const code of ['VAL-FRAC', 'VAL-PARENT', 'VAL-TOP']) await client.callAction('product.product', 'button_bom_cost', [id(code)]);
    // 18 keeps 0.42 (528 × 0.42 = 221.76); 19 keeps 5/12 (528 × 5/12 = 220.00, + 5 × 35.10 = 395.50)
    expect(price('VAL-FRAC')).toBe(version >= 19 ? 5 / 12 : 0.42);
    expect(cents(price('VAL-PARENT'))).toBe(version >= 19 ? 220 : 221.76);
    expect(cents(price('VAL-TOP'))).toBe(version >= 19 ? 395.5 : 397.26);
    for (const code of ['VAL-FRAC', 'VAL-PARENT', 'VAL-TOP']) expect([code, cents(await ours(code))]).toEqual([code, cents(price(code))]);
    expect(Math.abs((await ours('VAL-FRAC')) - price('VAL-FRAC'))).toBeLessThan(1e-9);
    expect(r.stats.priceDigits).toBe(version >= 19 ? null : 2);
  });

  it("never pushes a rounded figure over Odoo's own BoM cost", async () => {
    // Odoo holds its own BoM cost now (previous test): a new rollup agrees with it, the load writes nothing
    const odoo = new Map(['VAL-FRAC', 'VAL-PARENT', 'VAL-TOP'].map((code) => [code, price(code)]));
    await sync();
    const r = await run('cost-rollup', { force: true, report: false });
    const batchId = Number(r.stats.batchId);
    for (const code of odoo.keys()) expect(await lineOf(app.db.knex, batchId, code)).toMatchObject({ delta: 0 });
    await approve(batchId);
    const before = writeCalls().length;
    const load = await run('cost-load', { batchId });
    expect((load.stats.batches as Row[])[0]).toMatchObject({ status: 'loaded' });
    const ours = [...odoo.keys()].map(id);
    expect(
      writeCalls()
        .slice(before)
        .flatMap((c) => c.ids ?? [])
        .filter((x) => ours.includes(x)),
    ).toEqual([]);
    for (const code of odoo.keys()) expect(await lineOf(app.db.knex, batchId, code)).toMatchObject({ load_status: 'unchanged' });
    for (const [code, value] of odoo) expect(price(code)).toBe(value);
  });

  it('MFG_ETL_COST_REVALUE=false: written without revaluation on 18, refused with exit 2 on 19 (nothing written)', async () => {
    server.store.transaction(() =>
      server.store.write('product.product', [id('VAL-PART')], { standard_price: 36 }, { uid: 2, now: '2030-01-01 00:00:00', context: {} }),
    );
    await sync();
    const r = await run('cost-rollup', { report: false });
    const batchId = Number(r.stats.batchId);
    await approve(batchId);
    const before = price('VAL-TOP');
    const cli = await runCli(['run', 'cost-load', '--param', `batchId=${batchId}`], { ...app.env, MFG_ETL_COST_REVALUE: 'false' }, app.dir);
    if (version >= 19) {
      expect(cli.code).toBe(2);
      expect(cli.stdout + cli.stderr).toContain('cannot be honoured on Odoo 19');
      expect(price('VAL-TOP')).toBe(before);
    } else {
      expect(cli.code).toBe(0);
      expect(price('VAL-TOP')).toBeCloseTo(before + 5 * 0.9, 6);
    }
  });

  it('predicts the revaluation Odoo books (layers on 18, price × quantity on 19), shows booked beside it, and leaves out what was not written', async () => {
    const env = { uid: 2, now: '2030-01-02 00:00:00', context: {} };
    // stock: 10 assemblies on hand, of which (18) only 3 carry valuation layers; 4 sub-assemblies
    server.create('stock.quant', { product_id: id('VAL-TOP'), location_id: 8, quantity: 10 });
    server.create('stock.quant', { product_id: id('VAL-PARENT'), location_id: 8, quantity: 4 });
    if (version < 19) {
      server.create('stock.valuation.layer', { product_id: id('VAL-TOP'), quantity: 3, unit_cost: 100, value: 300, remaining_qty: 3 });
      server.create('stock.valuation.layer', { product_id: id('VAL-PARENT'), quantity: 4, unit_cost: 200, value: 800, remaining_qty: 4 });
    }
    const read = (code: string, fields: string[]) => server.read('product.product', id(code), fields);
    const valueOf = (code: string) =>
      num(read(code, [version >= 19 ? 'total_value' : 'value_svl'])[version >= 19 ? 'total_value' : 'value_svl']);
    // the bought component gets dearer: every level above it moves
    server.store.transaction(() => server.store.write('product.product', [id('VAL-RAW-DOZ')], { standard_price: 6 }, env));
    await sync();
    const r = await run('cost-rollup', { report: false });
    const batchId = Number(r.stats.batchId);
    const top = await lineOf(app.db.knex, batchId, 'VAL-TOP');
    const topBefore = valueOf('VAL-TOP');
    // what Odoo will book: 18 one layer of round(new × quantity_svl - value_svl), 19 new × 10 - total_value
    const expected = version >= 19 ? cents(Number(top.new_cost) * 10 - topBefore) : cents(Number(top.new_cost) * 3 - 300);
    expect(top).toMatchObject({ qty_on_hand: 10, valued_qty: version >= 19 ? 10 : 3, revaluation_impact: expected });
    expect(Number((await lineOf(app.db.knex, batchId, 'VAL-PARENT')).revaluation_impact)).not.toBe(0);

    await approve(batchId);
    // after approval the sub-assembly moves to FIFO: cost-load rightly skips it
    server.store.transaction(() => server.store.write('product.product', [id('VAL-PARENT')], { categ_id: 2 }, env));
    const load = await run('cost-load', { batchId });
    const loaded = (load.stats.batches as Row[])[0]!;
    expect(await lineOf(app.db.knex, batchId, 'VAL-PARENT')).toMatchObject({ load_status: 'not_standard' });
    expect(await lineOf(app.db.knex, batchId, 'VAL-TOP')).toMatchObject({
      load_status: 'written',
      revaluation_impact: expected,
      booked_revaluation: expected,
    });
    expect(cents(valueOf('VAL-TOP') - topBefore)).toBe(expected);
    expect(loaded.revaluationBooked).toBe(loaded.revaluationPredicted);

    // the summary counts only what was written: the skipped sub-assembly predicts nothing and keeps its value
    const written = (await app.db.knex('cost_rollup_lines').where({ batch_id: batchId, load_status: 'written' })) as Row[];
    const predictedWritten = cents(written.reduce((sum, l) => sum + Number(l.revaluation_impact ?? 0), 0));
    const totals = await categoryTotals(app.db.knex, batchId);
    const sum = (f: (t: (typeof totals)[number]) => number) => cents(totals.reduce((acc, t) => acc + f(t), 0));
    expect(sum((t) => t.revaluationImpact)).toBe(predictedWritten);
    expect(sum((t) => t.stockValueAfter - t.stockValueBefore)).toBe(predictedWritten);
    expect(sum((t) => t.bookedRevaluation ?? 0)).toBe(predictedWritten);
  });

  it('right after a load, a rollup that changes nothing says so and leaves nothing waiting for finance', async () => {
    await sync();
    const waiting = () => app.db.knex('batches').where({ kind: 'cost_rollup', status: 'validated' }).count('* as n').first();
    const before = Number(((await waiting()) as Row).n);
    const r = await run('cost-rollup', { report: false });
    expect(r.stats).toMatchObject({ nothingChanged: true });
    expect(r.stats.batchId).toBeUndefined();
    expect(Number(((await waiting()) as Row).n)).toBe(before);
  });

  it("takes a cost file in the company's currency (read from Odoo, per company) without a rate", async () => {
    // company 2 keeps its books in EUR; the ETL works in company 1 (USD), and no rate is configured
    server.store.transaction(() =>
      server.store.write('res.company', [2], { currency_id: 125 }, { uid: 1, now: '2030-01-03 00:00:00', context: {} }),
    );
    const companies = await companyCurrencies(client);
    expect([companies.get(1)?.currency, companies.get(2)?.currency]).toEqual(['USD', 'EUR']);
    (app.config.file as Row).costs = {};
    const inbox = path.join(app.config.inbox, 'costs');
    fs.mkdirSync(inbox, { recursive: true });
    fs.writeFileSync(path.join(inbox, 'usd-costs.csv'), 'sku,cost,currency\nVAL-PART,36.50,USD\n');
    fs.writeFileSync(path.join(inbox, 'eur-costs.csv'), 'sku,cost,currency\nVAL-PART,33.00,EUR\n');
    const r = await run('cost-import', { settleSeconds: 0 });
    const outcome = (file: string) => (r.stats.batches as Row[]).find((b) => b.file === file)!;
    expect(outcome('usd-costs.csv')).toMatchObject({ status: 'approved' });
    // EUR is another company's currency, not this one's: it needs a rate like any foreign one
    expect(outcome('eur-costs.csv')).toMatchObject({ status: 'rejected' });
    const line = (await app.db
      .knex('cost_update_lines')
      .where({ batch_id: Number(outcome('usd-costs.csv').batchId) })
      .first()) as Row;
    expect([line.currency, Number(line.rate), Number(line.cost)]).toEqual(['USD', 1, 36.5]);
  });
});
