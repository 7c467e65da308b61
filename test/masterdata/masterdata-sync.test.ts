/**
 * masterdata-sync end to end: the real Runner, the real PostgreSQL (own schema) and the Odoo
 * test server as Odoo 18 (XML-RPC, uom categories) and Odoo 19 (JSON-2, uom tree).
 * The server's records are aged to a fixed write_date first, and every change the tests make
 * carries its own write_date, so what an incremental run must read is known exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterdataSyncJob } from '../../jobs/masterdata/masterdata-sync.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const SEEDED_AT = '2026-01-01 00:00:00';
const MD_TABLES = [
  'md_uoms',
  'md_product_categories',
  'md_products',
  'md_warehouses',
  'md_locations',
  'md_workcenters',
  'md_loss_reasons',
  'md_boms',
  'md_bom_lines',
  'md_bom_operations',
  'md_sync_state',
];

type Row = Record<string, unknown>;
type ModelStats = {
  mode: string;
  read: number;
  upserted: number;
  deactivated: number;
  deleted: number;
  unavailableFields?: string[];
  watermark: string | null;
};

function modelsOf(run: JobRun): Record<string, ModelStats> {
  return run.stats.models as Record<string, ModelStats>;
}

describe.each([18, 19] as const)('masterdata-sync against Odoo %i', (version) => {
  let server: OdooTestServer;
  let app: TestApp;
  let runner: Runner;
  let kitBomId: number;

  /** Odoo write with a chosen write_date (the test server's clock for that call). */
  const odooWrite = (model: string, ids: number[], values: Record<string, unknown>, now: string) =>
    server.store.transaction(() => server.store.write(model, ids, values, { uid: 2, now, context: {} }));
  const odooCreate = (model: string, values: Record<string, unknown>, now: string) =>
    server.store.transaction(() => server.store.create(model, values, { uid: 2, now, context: {} }));
  const productId = (code: string) => server.records('product.product', [['default_code', '=', code]])[0]!.id;
  const product = async (code: string): Promise<Row> => (await app.db.knex('md_products').where({ default_code: code }).first()) as Row;
  const syncState = async (model: string): Promise<Row> => (await app.db.knex('md_sync_state').where({ model }).first()) as Row;
  const sync = (params: Record<string, unknown> = {}, dryRun = false) => runner.runNow('masterdata-sync', params, { dryRun });

  beforeAll(async () => {
    server = await startOdooTestServer({ version });
    // a kit: Desk Combination sold as a set (phantom BoM)
    const desk = server.records('product.product', [['default_code', '=', 'FURN_7800']])[0]!;
    kitBomId = server.create('mrp.bom', {
      product_tmpl_id: desk.product_tmpl_id,
      type: 'phantom',
      product_qty: 1,
      sequence: 5,
      bom_line_ids: [[0, 0, { product_id: productId('FURN_9666'), product_qty: 1 }]],
    });
    // five variants of one template in Odoo's demo; two here, named after their attribute values
    const value = (name: string) => server.create('product.template.attribute.value', { name });
    const steelWhite = server.create('product.product', {
      default_code: 'DESK0005',
      name: 'Customizable Desk',
      product_template_attribute_value_ids: [[6, 0, [value('Steel'), value('White')]]],
    });
    server.create('product.product', {
      default_code: 'DESK0006',
      name: 'Customizable Desk',
      product_tmpl_id: server.store.get('product.product', steelWhite)!.product_tmpl_id,
      product_template_attribute_value_ids: [[6, 0, [value('Aluminium'), value('Black')]]],
    });
    for (const model of server.store.models.keys()) for (const rec of server.store.all(model)) rec.write_date = SEEDED_AT;
    app = await testApp(`mdsync${version}`, {
      MFG_ETL_ODOO_URL: server.url,
      MFG_ETL_ODOO_DB: server.db,
      MFG_ETL_ODOO_USER: 'admin',
      MFG_ETL_ODOO_API_KEY: server.adminApiKey,
    });
    runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([masterdataSyncJob]) });
    await runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    await app?.cleanup();
    await server?.close();
  });

  it('a first run reads everything and stages the right values', async () => {
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(run.stats.odoo).toMatchObject({
      version: `${version}.0`,
      protocol: version >= 19 ? 'json2' : 'xmlrpc',
      units: version >= 19 ? 'tree' : 'category',
    });
    const models = modelsOf(run);
    for (const stats of Object.values(models)) expect(stats.mode).toBe('full');
    expect(models.products).toMatchObject({
      read: server.count('product.product'),
      upserted: server.count('product.product'),
      deactivated: 0,
    });
    // fields_get once per model; fields this version lacks are not asked for
    expect(server.callCount('product.product', 'fields_get')).toBe(1);
    expect(server.callCount('uom.uom', 'fields_get')).toBe(1);
    if (version >= 19) expect(models.products!.unavailableFields).toContain('uom_po_id');
    else expect(models.products!.unavailableFields ?? []).not.toContain('uom_po_id');
    const asked = server.calls('product.product', 'search_read').flatMap((c) => c.kwargs?.fields as string[]);
    expect(asked.includes('uom_po_id')).toBe(version < 19);

    // variants keep their own names (display_name without the code), not the template's
    expect([(await product('DESK0005')).name, (await product('DESK0006')).name]).toEqual([
      'Customizable Desk (Steel, White)',
      'Customizable Desk (Aluminium, Black)',
    ]);
    expect((await product('FURN_9666')).name).toBe('Table');

    // units: the same ratios from Odoo 18 factors and Odoo 19 relative factors
    const uoms = (await app.db.knex('md_uoms').select('*')) as Row[];
    const uom = (name: string) => uoms.find((u) => u.name === name)!;
    expect(Number(uom('Units').ref_ratio)).toBe(1);
    expect(Number(uom('Dozens').ref_ratio)).toBe(12);
    expect(uom('Dozens').ref_group).toBe(uom('Units').ref_group);
    expect(uom('Dozens').ref_uom_id).toBe(uom('Units').odoo_id);
    expect(Number(uom('g').ref_ratio) / Number(uom('kg').ref_ratio)).toBeCloseTo(0.001, 12);
    expect(uom('g').ref_group).toBe(uom('kg').ref_group);
    expect(uom('g').ref_group).not.toBe(uom('Units').ref_group);
    expect(Number(uom('Hours').ref_ratio) / Number(uom('Days').ref_ratio)).toBeCloseTo(1 / 8, 12);
    if (version >= 19) {
      expect(uom('km')).toMatchObject({ ref_group: 'mm', ref_ratio: '1000000', relative_factor: '1000' });
    } else {
      expect(uom('Dozens')).toMatchObject({ ref_group: 'Unit', category_id: 1, relative_uom_id: null });
    }

    // products: storable flag, units, category costing (valuation normalised), price, template
    const table = await product('FURN_9666');
    expect(table).toMatchObject({
      name: 'Table',
      is_storable: true,
      uom_id: uom('Units').odoo_id,
      cost_method: 'standard',
      valuation: 'periodic',
      active: true,
    });
    expect(Number(table.standard_price)).toBe(290);
    expect(table.product_tmpl_id).toBe(server.records('product.product', [['default_code', '=', 'FURN_9666']])[0]!.product_tmpl_id);
    expect(table.uom_po_id).toBe(version >= 19 ? null : uom('Units').odoo_id);
    expect(table.categ_name).toBe(version >= 19 ? 'Goods' : 'All');
    expect(await product('CONS_89957')).toMatchObject({ name: 'Bolt', is_storable: false });
    expect(await app.db.knex('md_product_categories').where({ name: 'FIFO' }).first()).toMatchObject({
      cost_method: 'fifo',
      valuation: 'periodic',
      parent_id: 1,
    });

    // BoMs: normal and kit, lines, operations
    const tableBom = (await app.db.knex('md_boms').where({ product_tmpl_id: table.product_tmpl_id }).first()) as Row;
    expect(tableBom).toMatchObject({ type: 'normal', is_kit: false, product_id: null, uom_id: uom('Units').odoo_id });
    expect(Number(tableBom.product_qty)).toBe(1);
    expect(await app.db.knex('md_boms').where({ odoo_id: kitBomId }).first()).toMatchObject({ type: 'phantom', is_kit: true, sequence: 5 });
    const lines = (await app.db.knex('md_bom_lines').where({ bom_id: tableBom.odoo_id }).orderBy('odoo_id')) as Row[];
    expect(lines.map((l) => [l.product_id, Number(l.product_qty)])).toEqual([
      [productId('FURN_8522'), 1],
      [productId('FURN_2333'), 4],
      [productId('CONS_89957'), 4],
      [productId('CONS_25630'), 10],
    ]);
    const operation = (await app.db.knex('md_bom_operations').where({ bom_id: tableBom.odoo_id }).first()) as Row;
    expect(operation).toMatchObject({ name: 'Assembly', workcenter_id: 1, time_mode: 'manual' });
    expect(Number(operation.time_cycle_manual)).toBe(60);

    // workcenters, loss reasons, warehouses, locations
    const assembly = (await app.db.knex('md_workcenters').where({ odoo_id: 1 }).first()) as Row;
    expect(assembly).toMatchObject({ name: 'Assembly 1', calendar_id: 1, calendar_name: 'Standard 40 hours/week', company_id: 1 });
    expect([assembly.costs_hour, assembly.time_efficiency, assembly.time_start, assembly.time_stop].map(Number)).toEqual([40, 100, 0, 0]);
    expect(await app.db.knex('md_loss_reasons').count({ n: '*' }).first()).toEqual({ n: 7 });
    expect(await app.db.knex('md_loss_reasons').where({ name: 'Equipment Failure' }).first()).toMatchObject({
      loss_type: 'availability',
      manual: true,
    });
    expect(await app.db.knex('md_warehouses').where({ code: 'WH' }).first()).toMatchObject({
      lot_stock_id: 8,
      view_location_id: 7,
      company_id: 1,
    });
    expect(await app.db.knex('md_locations').where({ odoo_id: 8 }).first()).toMatchObject({
      complete_name: 'WH/Stock',
      usage: 'internal',
      warehouse_id: 1,
      parent_id: 7,
    });

    // the watermark is the newest write_date read, and every model had its full refresh
    const state = await syncState('product.product');
    expect((state.watermark as Date).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(state.last_full_at).toBeInstanceOf(Date);
    expect(state.last_run_id).toBe(run.id);
    expect(await syncState('product.template')).toMatchObject({ watermark: new Date('2026-01-01T00:00:00Z') });
  });

  it('an incremental run reads only what changed since the watermark and updates it', async () => {
    const table = productId('FURN_9666');
    odooWrite('product.product', [table], { standard_price: 305.5 }, '2026-06-01 10:00:00');
    // a template-level change (Odoo writes the template, not the variant's write_date)
    const leg = server.records('product.product', [['default_code', '=', 'FURN_2333']])[0]!;
    odooWrite('product.template', [leg.product_tmpl_id as number], { name: 'Table Leg (oak)' }, '2026-06-01 11:00:00');
    // a BoM line removed through its BoM (the line is deleted, the BoM's write_date moves)
    const tableBom = server.records('mrp.bom', [['product_tmpl_id', '=', server.store.get('product.product', table)!.product_tmpl_id]])[0]!;
    const screwLine = server.records('mrp.bom.line', [
      ['bom_id', '=', tableBom.id],
      ['product_id', '=', productId('CONS_25630')],
    ])[0]!;
    odooWrite('mrp.bom', [tableBom.id], { bom_line_ids: [[2, screwLine.id]] }, '2026-06-01 12:00:00');
    // the category's valuation changes: products follow without being read again
    odooWrite('product.category', [1], { property_valuation: 'real_time' }, '2026-06-01 09:00:00');
    const before = server.callCount('product.product', 'search_read');

    // lookback 0: exactly `write_date > watermark` (the default lookback re-reads the last minutes, see below)
    const run = await sync({ lookbackSeconds: 0 });
    expect(run.status).toBe('succeeded');
    const models = modelsOf(run);
    expect(models.products).toMatchObject({ mode: 'incremental', read: 2, upserted: 2, changedTemplates: 1 });
    expect(models.warehouses).toMatchObject({ mode: 'incremental', read: 0, upserted: 0 });
    expect(models.workcenters).toMatchObject({ mode: 'incremental', read: 0 });
    expect(models.boms).toMatchObject({ mode: 'incremental', read: 1, upserted: 1 });
    expect(models.bom_lines).toMatchObject({ mode: 'incremental', read: 3, upserted: 0, deleted: 1 });
    // units and categories are small and always read completely; nothing changed there
    expect(models.uoms).toMatchObject({ mode: 'full', upserted: 0, deleted: 0 });
    // one product call, asking only for records written after the watermark (or of changed templates)
    const calls = server.calls('product.product', 'search_read').slice(before);
    expect(calls).toHaveLength(1);
    expect(JSON.stringify(calls[0]!.kwargs?.domain)).toContain('write_date');

    expect(models.product_categories).toMatchObject({ mode: 'full', upserted: 1, productsUpdated: server.count('product.product') });
    expect(await product('FURN_7023')).toMatchObject({ valuation: 'real_time', cost_method: 'standard' });
    expect(Number((await product('FURN_9666')).standard_price)).toBe(305.5);
    expect((await product('FURN_2333')).name).toBe('Table Leg (oak)');
    expect(await app.db.knex('md_bom_lines').where({ odoo_id: screwLine.id }).first()).toMatchObject({ active: false });
    expect((await app.db.knex('md_bom_lines').where({ odoo_id: screwLine.id }).first()).deleted_at).toBeInstanceOf(Date);
    expect((await syncState('product.product')).watermark).toEqual(new Date('2026-06-01T10:00:00Z'));
    expect((await syncState('product.template')).watermark).toEqual(new Date('2026-06-01T11:00:00Z'));

    // nothing new: the lookback (300 s by default) re-reads the latest changes, which are unchanged
    expect(modelsOf(await sync()).products).toMatchObject({ mode: 'incremental', read: 2, upserted: 0 });
    expect(modelsOf(await sync({ lookbackSeconds: 0 })).products).toMatchObject({ mode: 'incremental', read: 0, upserted: 0 });
  });

  it('keeps the watermark when staging fails, and catches up on the next run', async () => {
    const watermark = (await syncState('product.product')).watermark;
    const top = productId('FURN_8522');
    odooWrite('product.product', [top], { standard_price: 250 }, '2026-07-01 00:00:00');
    const duplicate = odooCreate(
      'product.product',
      { default_code: 'FURN_9666', name: 'Table (copy)', is_storable: true },
      '2026-07-01 00:00:00',
    );
    // staging refuses this product (a stand-in for any constraint a write can hit half-way)
    await app.db.knex.raw(`
      create function refuse_copy() returns trigger language plpgsql as $$
      begin
        if new.name = 'Table (copy)' and new.active then
          raise exception 'duplicate key value violates unique constraint "md_products_code_idx" (FURN_9666)' using errcode = 'unique_violation';
        end if;
        return new;
      end $$;
      create trigger refuse_copy before insert or update on md_products for each row execute function refuse_copy();`);

    const failed = await sync({ lookbackSeconds: 0 });
    expect(failed.status).toBe('dead'); // permanent: retrying cannot fix the data
    expect(failed.error).toMatchObject({ class: 'DataValidationError' });
    expect(failed.error!.message).toContain('md_products');
    expect(failed.error!.message).toContain('FURN_9666');
    // the product transaction rolled back: neither the rows nor the watermark moved
    expect((await syncState('product.product')).watermark).toEqual(watermark);
    expect(Number((await product('FURN_8522')).standard_price)).toBe(240);
    expect(await app.db.knex('md_products').where({ odoo_id: duplicate }).first()).toBeUndefined();

    odooWrite('product.product', [duplicate], { active: false }, '2026-07-02 00:00:00');
    const fixed = await sync({ lookbackSeconds: 0 });
    expect(fixed.status).toBe('succeeded');
    expect(modelsOf(fixed).products).toMatchObject({ mode: 'incremental', read: 2, upserted: 2 });
    expect(Number((await product('FURN_8522')).standard_price)).toBe(250);
    expect(await app.db.knex('md_products').where({ odoo_id: duplicate }).first()).toMatchObject({
      active: false,
      default_code: 'FURN_9666',
    });
    expect((await syncState('product.product')).watermark).toEqual(new Date('2026-07-02T00:00:00Z'));
  });

  it('a full refresh catches what the incremental runs cannot see: missed archives and deletions', async () => {
    // archived without its write_date moving (e.g. a transaction that committed after the watermark passed it)
    const bin = server.store.get('product.product', productId('E-COM10'))!;
    bin.active = false;
    server.store.unlink('mrp.workcenter', [3], { uid: 2, now: '2026-08-01 00:00:00', context: {} });

    const incremental = modelsOf(await sync({ lookbackSeconds: 0 }));
    expect(incremental.products!.read).toBe(0);
    expect(await product('E-COM10')).toMatchObject({ active: true });

    const run = await sync({ full: true });
    expect(run.status).toBe('succeeded');
    const models = modelsOf(run);
    expect(models.products).toMatchObject({ mode: 'full', read: server.count('product.product'), upserted: 1, deactivated: 1, deleted: 0 });
    expect(models.workcenters).toMatchObject({ mode: 'full', deleted: 1, deactivated: 1 });
    const staged = await product('E-COM10');
    expect(staged).toMatchObject({ active: false, deleted_at: null });
    const gone = (await app.db.knex('md_workcenters').where({ odoo_id: 3 }).first()) as Row;
    expect(gone).toMatchObject({ name: 'Assembly 2', active: false });
    expect(gone.deleted_at).toBeInstanceOf(Date);
    // archived records are read (active_test false), so they stay known
    const lastCall = server.calls('product.product', 'search_read').at(-1)!;
    expect(lastCall.context).toMatchObject({ active_test: false });
  });

  it('refreshes completely by itself when the last full refresh is older than fullRefreshHours', async () => {
    await app.db
      .knex('md_sync_state')
      .where({ model: 'mrp.workcenter' })
      .update({ last_full_at: new Date(Date.now() - 25 * 3_600_000) });
    await app.db
      .knex('md_sync_state')
      .where({ model: 'stock.warehouse' })
      .update({ last_full_at: new Date(Date.now() - 5 * 3_600_000) });
    const models = modelsOf(await sync({ fullRefreshHours: 24, lookbackSeconds: 0 }));
    expect(models.workcenters).toMatchObject({ mode: 'full', read: server.count('mrp.workcenter') });
    expect(models.warehouses).toMatchObject({ mode: 'incremental', read: 0 });
    expect(models.products).toMatchObject({ mode: 'incremental' });
  });

  it('a dry run reads and counts but writes nothing, sync state included', async () => {
    const snapshot = async () => {
      const out: Record<string, unknown> = {};
      for (const table of MD_TABLES)
        out[table] = await app.db
          .knex(table)
          .select('*')
          .orderBy(table === 'md_sync_state' ? 'model' : 'odoo_id');
      return JSON.stringify(out);
    };
    odooWrite('product.product', [productId('FURN_7023')], { name: 'Wood Panel 18mm' }, '2026-09-01 00:00:00');
    server.store.unlink('mrp.workcenter.productivity.loss', [7], { uid: 2, now: '2026-09-01 00:00:00', context: {} });
    const before = await snapshot();

    const incremental = await sync({ lookbackSeconds: 0 }, true);
    expect(incremental.status).toBe('succeeded');
    expect(incremental.stats).toMatchObject({ dryRun: true });
    expect(modelsOf(incremental).products).toMatchObject({ mode: 'incremental', read: 1, upserted: 0 });
    const full = await sync({ full: true }, true);
    expect(modelsOf(full).loss_reasons).toMatchObject({ mode: 'full', read: 6, deleted: 1, deactivated: 0 });

    expect(await snapshot()).toBe(before);
    expect((await product('FURN_7023')).name).toBe('Wood Panel');
  });
});

describe('masterdata-sync without Odoo', () => {
  let app: TestApp;
  let runner: Runner;
  beforeAll(async () => {
    app = await testApp('mdsync-none');
    runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([masterdataSyncJob]) });
    await runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    await app?.cleanup();
  });

  it('fails for good with a ConfigError naming the MFG_ETL_ODOO_* variables, and stages nothing', async () => {
    const run = await runner.runNow('masterdata-sync', {});
    expect(run.status).toBe('dead');
    expect(run.attempt).toBe(1);
    expect(run.error).toMatchObject({ class: 'ConfigError' });
    for (const name of ['MFG_ETL_ODOO_URL', 'MFG_ETL_ODOO_DB', 'MFG_ETL_ODOO_USER', 'MFG_ETL_ODOO_API_KEY'])
      expect(run.error!.message).toContain(name);
    expect(await app.db.knex('md_sync_state').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('refuses unknown or malformed parameters before running', async () => {
    await expect(runner.runNow('masterdata-sync', { fullRefreshHours: -1 })).rejects.toThrow(/fullRefreshHours/);
    await expect(runner.runNow('masterdata-sync', { nosuch: 1 })).rejects.toThrow(/masterdata-sync/);
  });
});
