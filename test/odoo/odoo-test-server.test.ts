/**
 * The Odoo test server's own behaviour, as the captures describe Odoo: domains, `load`
 * (external ids, many2one columns, time zones, all-or-nothing), one transaction per call,
 * Odoo 18 / 19 differences, the inventory and cost actions, and the MPS models.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import winston from 'winston';
import { OdooClient, OdooValidationError, OdooWizardError } from '../../core/odoo/index.ts';
import { seedProducts, startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';

const logger = winston.createLogger({ silent: true });

describe('domains', () => {
  let server: OdooTestServer;
  beforeEach(async () => {
    server = await startOdooTestServer({ version: 18, seed: true });
    seedProducts(server.store, 6, { prefix: 'DOM-', price: 10 });
  });
  afterEach(() => server.close());

  const codes = (domain: unknown[]) =>
    server
      .records('product.product', [['default_code', '=like', 'DOM-%'], ...domain])
      .map((r) => r.default_code)
      .sort();

  it.each<[string, unknown[], string[]]>([
    ['=', [['default_code', '=', 'DOM-0002']], ['DOM-0002']],
    ['!=', [['default_code', '!=', 'DOM-0002']], ['DOM-0001', 'DOM-0003', 'DOM-0004', 'DOM-0005', 'DOM-0006']],
    ['in', [['default_code', 'in', ['DOM-0001', 'DOM-0006']]], ['DOM-0001', 'DOM-0006']],
    ['not in', [['default_code', 'not in', ['DOM-0001', 'DOM-0002', 'DOM-0003']]], ['DOM-0004', 'DOM-0005', 'DOM-0006']],
    ['<', [['default_code', '<', 'DOM-0003']], ['DOM-0001', 'DOM-0002']],
    ['>', [['default_code', '>', 'DOM-0004']], ['DOM-0005', 'DOM-0006']],
    ['<=', [['default_code', '<=', 'DOM-0001']], ['DOM-0001']],
    ['>=', [['default_code', '>=', 'DOM-0006']], ['DOM-0006']],
    ['like', [['name', 'like', 'product 3']], ['DOM-0003']],
    ['ilike', [['name', 'ilike', 'PRODUCT 4']], ['DOM-0004']],
    ['| (or)', ['|', ['default_code', '=', 'DOM-0001'], ['default_code', '=', 'DOM-0005']], ['DOM-0001', 'DOM-0005']],
    ['& (and)', ['&', ['default_code', '>', 'DOM-0002'], ['default_code', '<', 'DOM-0005']], ['DOM-0003', 'DOM-0004']],
    ['! (not)', ['!', ['default_code', '=', 'DOM-0001']], ['DOM-0002', 'DOM-0003', 'DOM-0004', 'DOM-0005', 'DOM-0006']],
    ['many2one by id', [['uom_id', '=', 1]], ['DOM-0001', 'DOM-0002', 'DOM-0003', 'DOM-0004', 'DOM-0005', 'DOM-0006']],
    ['many2one by name', [['uom_id', '=', 'kg']], []],
    ['dotted path', [['uom_id.name', '=', 'Units']], ['DOM-0001', 'DOM-0002', 'DOM-0003', 'DOM-0004', 'DOM-0005', 'DOM-0006']],
    ['empty with = false', [['barcode', '=', false]], ['DOM-0001', 'DOM-0002', 'DOM-0003', 'DOM-0004', 'DOM-0005', 'DOM-0006']],
  ])('%s', (_op, domain, expected) => {
    expect(codes(domain)).toEqual(expected);
  });

  it('leaves archived records out unless the domain or context asks for them', async () => {
    const client = new OdooClient({ url: server.url, db: server.db, user: 'admin', apiKey: server.adminApiKey }, logger);
    try {
      const [first] = await client.search('product.product', [['default_code', '=', 'DOM-0001']]);
      await client.write('product.product', [first as number], { active: false });
      expect(await client.searchCount('product.product', [['default_code', '=like', 'DOM-%']])).toBe(5);
      expect(await client.searchCount('product.product', [['default_code', '=like', 'DOM-%']], { context: { active_test: false } })).toBe(
        6,
      );
      expect(
        await client.searchCount('product.product', [
          ['default_code', '=like', 'DOM-%'],
          ['active', '=', false],
        ]),
      ).toBe(1);
    } finally {
      client.close();
    }
  });
});

describe.each([18, 19] as const)('the test server as Odoo %i', (version) => {
  let server: OdooTestServer;
  let client: OdooClient;
  beforeEach(async () => {
    server = await startOdooTestServer({ version, enterprise: true });
    client = new OdooClient(
      { url: server.url, db: server.db, user: 'admin', apiKey: server.adminApiKey, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
      logger,
    );
  });
  afterEach(async () => {
    client.close();
    await server.close();
  });

  it('load creates records with external ids (and the product template id), and updates them on a second load', async () => {
    const fields = ['id', 'name', 'default_code', 'uom_id/id', 'categ_id/.id', 'is_storable', 'standard_price'];
    const first = await client.loadRecords('product.product', fields, [
      ['mfg_etl.product_a', 'Load A', 'LA', 'uom.product_uom_kgm', '2', 'yes', '5.0'],
    ]);
    const again = await client.loadRecords('product.product', fields, [
      ['mfg_etl.product_a', 'Load A renamed', 'LA', 'uom.product_uom_kgm', '2', 'yes', '6.5'],
    ]);
    expect(again.ids).toEqual(first.ids);
    const id = first.ids[0] as number;
    const [record] = await client.read(
      'product.product',
      [id],
      ['name', 'uom_id', 'categ_id', 'is_storable', 'standard_price', 'product_tmpl_id'],
    );
    expect(record).toMatchObject({
      name: 'Load A renamed',
      uom_id: [version >= 19 ? 16 : 12, 'kg'],
      categ_id: [2, version >= 19 ? 'Goods / FIFO' : 'All / FIFO'],
      is_storable: true,
      standard_price: 6.5,
    });
    const imd = await client.searchRead('ir.model.data', [['module', '=', 'mfg_etl']], ['name', 'model', 'res_id', 'noupdate'], {
      order: 'id',
    });
    expect(imd.map((row) => [row.name, row.model, row.noupdate])).toEqual([
      ['product_a_product_template', 'product.template', false],
      ['product_a', 'product.product', false],
    ]);
    expect(imd[1]?.res_id).toBe(id);
  });

  it('load reads datetimes in the context time zone, else in the user time zone (Europe/Brussels)', async () => {
    const fields = ['id', 'workcenter_id/id', 'loss_id/id', 'date_start', 'date_end'];
    const utc = await client.loadRecords('mrp.workcenter.productivity', fields, [
      ['mfg_etl.dt_utc', 'mrp.mrp_workcenter_3', 'mrp.block_reason1', '2026-11-24 07:00:00', '2026-11-24 15:00:00'],
    ]);
    const local = await client.call('mrp.workcenter.productivity', 'load', [], {
      fields,
      data: [['mfg_etl.dt_local', 'mrp.mrp_workcenter_3', 'mrp.block_reason1', '2026-11-24 07:00:00', '2026-11-24 15:00:00']],
      context: { tz: false },
    });
    const localId = (local as { ids: number[] }).ids[0] as number;
    const rows = await client.read(
      'mrp.workcenter.productivity',
      [utc.ids[0] as number, localId],
      ['date_start', 'date_end', 'duration', 'loss_type'],
    );
    expect(rows[0]).toMatchObject({
      date_start: '2026-11-24 07:00:00',
      date_end: '2026-11-24 15:00:00',
      duration: 480,
      loss_type: 'availability',
    });
    expect(rows[1]).toMatchObject({ date_start: '2026-11-24 06:00:00', date_end: '2026-11-24 14:00:00' });
  });

  it('load is all-or-nothing: one bad row leaves nothing of the call behind', async () => {
    const answer = (await client.call('product.product', 'load', [], {
      fields: ['id', 'name', 'uom_id/id'],
      data: [
        ['mfg_etl.ok_row', 'Fine', 'uom.product_uom_unit'],
        ['mfg_etl.bad_row', 'Bad', 'uom.no_such_uom'],
      ],
    })) as { ids: unknown; messages: Array<Record<string, unknown>> };
    expect(answer.ids).toBe(false);
    expect(answer.messages).toHaveLength(1);
    expect(answer.messages[0]).toMatchObject({ type: 'error', record: 1, rows: { from: 1, to: 1 }, field: 'uom_id' });
    expect(server.xmlid('mfg_etl.ok_row')).toBeUndefined();
    expect(server.count('product.product', [['name', '=', 'Fine']])).toBe(0);
  });

  it('a batch create with one bad dict creates nothing (one transaction per call)', async () => {
    await expect(
      client.create('product.product', [{ name: 'Txn good', default_code: 'TXN-GOOD' }, { default_code: 'TXN-BAD' }]),
    ).rejects.toBeInstanceOf(OdooValidationError);
    expect(server.count('product.product', [['default_code', 'in', ['TXN-GOOD', 'TXN-BAD']]])).toBe(0);
    expect(server.count('product.template', [['name', '=', 'Txn good']])).toBe(0);
  });

  it('orderpoints: sequence names, and the fields of the version (qty_multiple only on 18)', async () => {
    const fields = await client.fieldsGet('stock.warehouse.orderpoint', { attributes: ['type'] });
    expect('qty_multiple' in fields).toBe(version < 19);
    expect('replenishment_uom_id' in fields).toBe(version >= 19);
    const result = await client.loadRecords(
      'stock.warehouse.orderpoint',
      ['id', 'product_id/id', 'location_id/.id', 'warehouse_id/.id', 'product_min_qty', 'product_max_qty', 'trigger'],
      [['mfg_etl.op_bin', 'product.product_product_9', '8', '1', '5', '20', 'manual']],
    );
    const [op] = await client.read(
      'stock.warehouse.orderpoint',
      [result.ids[0] as number],
      ['name', 'product_id', 'location_id', 'trigger'],
    );
    expect(op).toMatchObject({
      name: 'OP/00002',
      product_id: [server.xmlid('product.product_product_9'), '[E-COM10] Pedal Bin'],
      location_id: [8, 'WH/Stock'],
      trigger: 'manual',
    });
  });

  it('MPS (Enterprise): schedules and forecasts load by external id', async () => {
    const schedule = await client.loadRecords(
      'mrp.production.schedule',
      ['id', 'product_id/id', 'warehouse_id/.id'],
      [['mfg_etl.mps_table', 'mrp.product_product_computer_desk', '1']],
    );
    const forecasts = await client.loadRecords(
      'mrp.product.forecast',
      ['id', 'production_schedule_id/id', 'date', 'forecast_qty'],
      [
        ['mfg_etl.fc_1', 'mfg_etl.mps_table', '2026-12-01', '10'],
        ['mfg_etl.fc_2', 'mfg_etl.mps_table', '2026-12-08', '12.5'],
      ],
    );
    expect(forecasts.loaded).toBe(2);
    const [row] = await client.read('mrp.production.schedule', [schedule.ids[0] as number], ['forecast_ids', 'product_id']);
    expect(row?.forecast_ids).toEqual(forecasts.ids);
    const duplicate = await client.loadRecords(
      'mrp.production.schedule',
      ['id', 'product_id/id', 'warehouse_id/.id'],
      [['mfg_etl.mps_table_2', 'mrp.product_product_computer_desk', '1']],
    );
    expect(duplicate.rows[0]).toMatchObject({ ok: false });
  });

  it('an inventory count made before stock moved answers the conflict wizard and applies nothing', async () => {
    const quant = await client.create('stock.quant', { product_id: 1, location_id: 18, quantity: 20 });
    await client.write('stock.quant', [quant], { inventory_quantity: 15 }, { context: { inventory_mode: true } });
    await client.write('stock.quant', [quant], { quantity: 17 }); // stock moved after the count
    const error = await client.callAction('stock.quant', 'action_apply_inventory', [quant]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OdooWizardError);
    expect((error as OdooWizardError).action.context).toMatchObject({ default_quant_to_fix_ids: [quant] });
    expect(server.store.get('stock.quant', quant)?.quantity).toBe(17);
  });

  it('BoM cost actions roll components and operations up into standard_price (captures 135-139)', async () => {
    const [top, table] = [
      server.xmlid('mrp.product_product_computer_desk_head') as number,
      server.xmlid('mrp.product_product_computer_desk') as number,
    ];
    await expect(client.callAction('product.product', 'button_bom_cost', [table])).resolves.toBeNull();
    expect(server.store.get('product.product', table)?.standard_price).toBe(323); // 240 + 4x10 + 4x0.5 + 10x0.1 + 60 min x 40/h
    await client.callAction('product.product', 'action_bom_cost', [top, table]);
    expect(server.store.get('product.product', top)?.standard_price).toBe(200); // 2x80 + 40
    expect(server.store.get('product.product', table)?.standard_price).toBe(283); // uses the new 200
  });
});
