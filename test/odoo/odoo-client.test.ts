/**
 * The Odoo client against the test server, over both transports: XML-RPC to an Odoo 18 server
 * and JSON-2 to an Odoo 19 server (protocol picked by `auto` from the server version).
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import winston from 'winston';
import { createLogger, type Logger } from '../../core/logger.ts';
import { SecretRedactor } from '../../core/redact.ts';
import {
  OdooAccessError,
  OdooAuthError,
  OdooClient,
  OdooMissingRecordError,
  OdooNoneResultError,
  OdooServerError,
  OdooTransientError,
  OdooValidationError,
  OdooWizardError,
  type OdooError,
  type OdooOptionsInput,
} from '../../core/odoo/index.ts';
import { seedProducts, startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';

interface LogCapture {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
}

function captureLogger(level = 'debug'): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level, format: 'json', redactor: new SecretRedactor(), stream });
  // keep the console quiet: the stream transport is the one the tests read
  for (const transport of logger.transports) if (!(transport instanceof winston.transports.Stream)) transport.silent = true;
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

async function rejection(promise: Promise<unknown>): Promise<OdooError> {
  try {
    await promise;
  } catch (err) {
    return err as OdooError;
  }
  throw new Error('expected the call to fail');
}

const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

const transports = [
  { version: 18 as const, protocol: 'xmlrpc' as const },
  { version: 19 as const, protocol: 'json2' as const },
];

describe.each(transports)('OdooClient over $protocol (Odoo $version)', ({ version, protocol }) => {
  let server: OdooTestServer;
  let log: LogCapture;
  const clients: OdooClient[] = [];

  const connect = (options: Partial<OdooOptionsInput> = {}) => {
    const client = new OdooClient(
      { url: server.url, db: server.db, user: 'admin', apiKey: server.adminApiKey, retry: FAST_RETRY, ...options },
      log.logger,
    );
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    server = await startOdooTestServer({ version });
    log = captureLogger();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server.close();
  });

  it(`picks ${protocol} from the server version when the protocol is auto`, async () => {
    const client = connect();
    const info = await client.connect();
    expect(info.protocol).toBe(protocol);
    expect(info.uid).toBe(2);
    expect(info.version?.major).toBe(version);
    expect(client.protocol).toBe(protocol);
  });

  it('refuses a wrong API key with an OdooAuthError that says who was refused, without retrying', async () => {
    const client = connect({ apiKey: 'not-the-key-0000' });
    const error = await rejection(client.searchRead('product.product', [], ['name']));
    expect(error).toBeInstanceOf(OdooAuthError);
    expect(error.permanent).toBe(true);
    if (protocol === 'xmlrpc') {
      expect(error.message).toBe("Odoo authentication failed for user 'admin' on database 'mfg': wrong login or API key");
      expect(server.callCount('common', 'authenticate')).toBe(1);
    } else {
      expect(error.message).toContain('werkzeug.exceptions.Unauthorized: Invalid apikey');
    }
    expect(error.message).not.toContain('not-the-key-0000');
    expect(server.callCount('product.product')).toBe(0);
  });

  it('reads all records page by page on id, asking only for the given fields', async () => {
    seedProducts(server.store, 1205, { prefix: 'PAGE-' });
    const client = connect({ batchSize: 500 });
    const records = await client.searchReadAll('product.product', [['default_code', '=like', 'PAGE-%']], ['default_code']);
    expect(records).toHaveLength(1205);
    expect(new Set(records.map((r) => r.id)).size).toBe(1205);
    expect(records.map((r) => r.id)).toEqual([...records.map((r) => r.id)].sort((a, b) => a - b));
    expect(Object.keys(records[0] ?? {}).sort()).toEqual(['default_code', 'id']);
    const calls = server.calls('product.product', 'search_read');
    expect(calls.map((call) => call.kwargs?.limit)).toEqual([500, 500, 500]);
    expect(calls.map((call) => call.kwargs?.order)).toEqual(['id', 'id', 'id']);
    const lastIds = calls.map((call) => ((call.kwargs?.domain as unknown[])[0] as unknown[])[2]);
    expect(lastIds[0]).toBe(0);
    expect(lastIds[1]).toBe(records[499]?.id);
    expect(lastIds[2]).toBe(records[999]?.id);
    expect(calls.every((call) => call.kwargs?.offset === undefined || call.kwargs?.offset === 0)).toBe(true);
  });

  it('asks once more after a full last page and stops on the empty answer', async () => {
    seedProducts(server.store, 20, { prefix: 'FULL-' });
    const client = connect();
    const pages: number[] = [];
    for await (const page of client.searchReadPages('product.product', [['default_code', '=like', 'FULL-%']], ['name'], { batchSize: 10 }))
      pages.push(page.length);
    expect(pages).toEqual([10, 10]);
    expect(server.callCount('product.product', 'search_read')).toBe(3);
  });

  it('retries HTTP 503 answers and then succeeds', async () => {
    const client = connect();
    await client.connect();
    server.knobs.failWith503(2, { model: 'product.product', method: 'search_read' });
    const records = await client.searchRead('product.product', [['default_code', '=', 'FURN_9666']], ['name']);
    expect(records.map((r) => r.name)).toEqual(['Table']);
    expect(server.callCount('product.product', 'search_read')).toBe(3);
    expect(log.lines().filter((line) => line.message === 'odoo call failed, retrying')).toHaveLength(2);
  });

  it('retries a Postgres serialization failure, whose transaction was rolled back', async () => {
    const client = connect();
    const [id] = await client.search('product.product', [['default_code', '=', 'FURN_2333']]);
    server.knobs.failWithSerialization(1, { model: 'product.product', method: 'write' });
    await expect(client.write('product.product', [id as number], { standard_price: 12.5 })).resolves.toBe(true);
    expect(server.callCount('product.product', 'write')).toBe(2);
    expect(server.store.get('product.product', id as number)?.standard_price).toBe(12.5);
  });

  it('gives up after the configured attempts with an OdooTransientError', async () => {
    const client = connect({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    await client.connect();
    server.knobs.failWith503(10, { model: 'product.product' });
    const error = await rejection(client.searchCount('product.product', []));
    expect(error).toBeInstanceOf(OdooTransientError);
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('HTTP 503');
    expect(server.callCount('product.product', 'search_count')).toBe(3);
  });

  it('does not retry a validation error', async () => {
    const client = connect();
    const error = await rejection(
      client.create('stock.warehouse.orderpoint', { product_id: 1, location_id: 8, product_min_qty: 10, product_max_qty: 5 }),
    );
    expect(error).toBeInstanceOf(OdooValidationError);
    expect(error.message).toContain('The minimum quantity must be less than or equal to the maximum quantity.');
    expect(error.context).toMatchObject({ model: 'stock.warehouse.orderpoint', method: 'create' });
    expect(server.callCount('stock.warehouse.orderpoint', 'create')).toBe(1);
    expect(server.count('stock.warehouse.orderpoint', [['product_id', '=', 1]])).toBe(0);
  });

  it('loads again after a response lost once committed, without duplicating records (external ids)', async () => {
    const client = connect();
    await client.connect();
    server.knobs.loseResponse(1, { model: 'product.product', method: 'load' });
    const rows = [
      ['mfg_etl.lost_a', 'Lost A', 'LOST-A', 'uom.product_uom_unit'],
      ['mfg_etl.lost_b', 'Lost B', 'LOST-B', 'uom.product_uom_unit'],
      ['mfg_etl.lost_c', 'Lost C', 'LOST-C', 'uom.product_uom_kgm'],
    ];
    const result = await client.loadRecords('product.product', ['id', 'name', 'default_code', 'uom_id/id'], rows);
    expect(result.loaded).toBe(3);
    expect(server.calls('product.product', 'load').map((call) => call.outcome)).toEqual(['lost', 'ok']);
    expect(server.count('product.product', [['default_code', 'like', 'LOST-']])).toBe(3);
    expect(
      server.count('ir.model.data', [
        ['module', '=', 'mfg_etl'],
        ['model', '=', 'product.product'],
      ]),
    ).toBe(3);
    expect(result.ids).toEqual(['mfg_etl.lost_a', 'mfg_etl.lost_b', 'mfg_etl.lost_c'].map((xmlid) => server.xmlid(xmlid)));
  });

  it('retries a create refused with HTTP 503: the server did not run it', async () => {
    const client = connect();
    await client.connect();
    server.knobs.failWith503(1, { model: 'product.product', method: 'create' });
    const id = await client.create('product.product', { name: 'After 503', default_code: 'AFTER-503' });
    expect(server.callCount('product.product', 'create')).toBe(2);
    expect(server.records('product.product', [['default_code', '=', 'AFTER-503']]).map((r) => r.id)).toEqual([id]);
  });

  it('does not retry a create whose response was lost: it may have been committed', async () => {
    const client = connect();
    await client.connect();
    server.knobs.loseResponse(1, { model: 'product.product', method: 'create' });
    const error = await rejection(client.create('product.product', { name: 'Once only', default_code: 'ONCE' }));
    expect(error).toBeInstanceOf(OdooTransientError);
    expect((error as OdooTransientError).maybeCommitted).toBe(true);
    expect(server.callCount('product.product', 'create')).toBe(1);
    expect(server.count('product.product', [['default_code', '=', 'ONCE']])).toBe(1);
  });

  it("loads the good rows of a bad batch and reports each bad row with Odoo's message", async () => {
    const client = connect();
    const rows = Array.from({ length: 12 }, (_, i) => [
      `mfg_etl.bis_${i}`,
      i === 7 ? '' : `Bisect ${i}`,
      `BIS-${i}`,
      i === 3 ? 'uom.no_such_uom' : 'uom.product_uom_unit',
      '1',
    ]);
    const result = await client.loadRecords('product.product', ['id', 'name', 'default_code', 'uom_id/id', 'is_storable'], rows, {
      batchSize: 12,
    });
    expect(result.loaded).toBe(10);
    expect(result.failed).toBe(2);
    const unit = version >= 19 ? 'Unit' : 'Unit of Measure';
    expect(result.rows[3]).toMatchObject({
      ok: false,
      message: `No matching record found for external id 'uom.no_such_uom' in field '${unit}'`,
    });
    expect(result.rows[7]).toMatchObject({ ok: false });
    expect(result.rows[7]?.ok === false && result.rows[7].message).toMatch(/^Missing required value for the field '(name|Name)'/);
    expect(server.count('product.product', [['default_code', 'like', 'BIS-']])).toBe(10);
    expect(server.xmlid('mfg_etl.bis_3')).toBeUndefined();
    expect(server.xmlid('mfg_etl.bis_7')).toBeUndefined();
    expect(result.ids[0]).toBe(server.xmlid('mfg_etl.bis_0'));
    // every load call was sent with string cells and the UTC time zone
    const loads = server.calls('product.product', 'load');
    expect(loads.length).toBe(result.calls);
    expect(loads.every((call) => call.context.tz === 'UTC')).toBe(true);
  });

  it('turns a window action answered by an action into an OdooWizardError naming the wizard', async () => {
    const client = connect();
    const [binId] = await client.search('product.product', [['default_code', '=', 'E-COM10']]);
    const scrap = await client.create('stock.scrap', { product_id: binId, scrap_qty: 1000, location_id: 8 });
    const error = await rejection(client.callAction('stock.scrap', 'action_validate', [scrap]));
    expect(error).toBeInstanceOf(OdooWizardError);
    expect((error as OdooWizardError).resModel).toBe('stock.warn.insufficient.qty.scrap');
    expect(error.message).toContain("wizard 'stock.warn.insufficient.qty.scrap'");
    expect(server.store.get('stock.scrap', scrap)?.state).toBe('draft');
  });

  it('reports a forced wizard answer (inventory conflict) and leaves the quant as it was', async () => {
    const client = connect();
    const quant = await client.create(
      'stock.quant',
      { product_id: 1, location_id: 18, inventory_quantity: 7 },
      { context: { inventory_mode: true } },
    );
    server.knobs.forceWizard({ model: 'stock.quant', method: 'action_apply_inventory' }, 'stock.inventory.conflict', {
      name: 'Conflict in Inventory Adjustment',
    });
    const error = await rejection(client.callAction('stock.quant', 'action_apply_inventory', [quant]));
    expect(error).toBeInstanceOf(OdooWizardError);
    expect((error as OdooWizardError).resModel).toBe('stock.inventory.conflict');
    expect(server.store.get('stock.quant', quant)).toMatchObject({ quantity: 0, inventory_quantity_set: true });
    expect(server.callCount('stock.quant', 'action_apply_inventory')).toBe(1);
  });

  it('treats a method that returned None as done: callAction answers null and the count is applied', async () => {
    const client = connect();
    const quant = await client.create(
      'stock.quant',
      { product_id: 1, location_id: 18, inventory_quantity: 9 },
      { context: { inventory_mode: true } },
    );
    await expect(
      client.callAction('stock.quant', 'action_apply_inventory', [quant], { context: { inventory_mode: true } }),
    ).resolves.toBeNull();
    expect(server.store.get('stock.quant', quant)).toMatchObject({ quantity: 9, inventory_quantity_set: false });
    expect(server.callCount('stock.quant', 'action_apply_inventory')).toBe(1);
  });

  it('sends the company as allowed_company_ids on every call', async () => {
    const client = connect({ company: 1 });
    const [productId] = await client.search('product.product', [['default_code', '=', 'FURN_8522']]);
    await client.read('product.product', [productId as number], ['name']);
    await client.searchRead('stock.location', [['usage', '=', 'internal']], ['complete_name']);
    await client.fieldsGet('product.product', { attributes: ['type'] });
    const id = await client.create('product.product', { name: 'Company ctx' });
    await client.write('product.product', [id], { standard_price: 3 });
    await client.loadRecords('product.product', ['id', 'name'], [['mfg_etl.ctx', 'Ctx']]);
    await client.callAction('product.product', 'action_archive', [id]);
    await client.call('product.product', 'search_count', [], { domain: [] });
    await client.modelExists('stock.warehouse.orderpoint');
    // XML-RPC's common service (version, authenticate) takes no context
    const rpcCalls = server.stats.log.filter((call) => call.model !== 'common');
    expect(rpcCalls.length).toBeGreaterThanOrEqual(10);
    for (const call of rpcCalls) expect(call.context.allowed_company_ids, `${call.model}.${call.method}`).toEqual([1]);
  });

  it('sees only the configured company, and refuses a company the user may not use', async () => {
    const chicago = connect({ company: 2 });
    const warehouses = await chicago.searchRead('stock.warehouse', [], ['name']);
    expect(warehouses.map((w) => w.name)).toEqual(['My Company (Chicago)']);
    const error = await rejection(connect({ company: 999 }).searchRead('stock.warehouse', [], ['name']));
    expect(error).toBeInstanceOf(OdooAccessError);
    expect(error.message).toContain('Access to unauthorized or invalid companies.');
  });

  it('normalises results: create answers an id for one dict and ids for a list; many2one as [id, name]; empty as false', async () => {
    const client = connect();
    const one = await client.create('product.product', { name: 'Norm one' });
    const many = await client.create('product.product', [{ name: 'Norm two' }, { name: 'Norm three' }]);
    expect(typeof one).toBe('number');
    expect(many).toHaveLength(2);
    const [record] = await client.read('product.product', [one], ['uom_id', 'barcode', 'standard_price', 'bom_ids']);
    expect(record).toEqual({ id: one, uom_id: [1, 'Units'], barcode: false, standard_price: 0, bom_ids: [] });
    expect(await client.read('product.product', [999_999], ['name'])).toEqual([]);
  });

  it('keeps the traceback out of the error message and logs it at debug level', async () => {
    const client = connect();
    const error = await rejection(client.create('product.product', { name: 'Bad field', no_such_field: 1 }));
    expect(error).toBeInstanceOf(OdooServerError);
    expect(error.message).toMatch(/ValueError: Invalid field 'no_such_field' (on model|in) 'product.product'/);
    expect(error.message).not.toContain('Traceback');
    const debug = log.lines().find((line) => line.message === 'odoo traceback');
    expect(debug?.level).toBe('debug');
    expect(String(debug?.traceback)).toContain('Traceback (most recent call last):');
  });

  it('knows which models are installed: MPS only on Enterprise', async () => {
    const client = connect();
    expect(await client.existingModels(['mrp.production.schedule', 'stock.warehouse.orderpoint'])).toEqual(
      new Set(['stock.warehouse.orderpoint']),
    );
    const enterprise = await startOdooTestServer({ version, enterprise: true });
    const other = new OdooClient({ url: enterprise.url, db: enterprise.db, user: 'admin', apiKey: enterprise.adminApiKey }, log.logger);
    try {
      expect(await other.modelExists('mrp.production.schedule')).toBe(true);
      expect(await other.modelExists('mrp.product.forecast')).toBe(true);
    } finally {
      other.close();
      await enterprise.close();
    }
  });

  it(`describes units of measure the Odoo ${version} way`, async () => {
    const client = connect();
    const fields = await client.fieldsGet('uom.uom', { attributes: ['type', 'relation', 'required'] });
    if (version >= 19) {
      expect(fields.relative_uom_id).toEqual({ relation: 'uom.uom', required: false, type: 'many2one' });
      expect(fields.relative_factor).toMatchObject({ type: 'float', required: true });
      expect(fields.category_id).toBeUndefined();
      expect(await client.modelExists('uom.category')).toBe(false);
      const [kg] = await client.searchRead('uom.uom', [['name', '=', 'kg']], ['relative_uom_id', 'relative_factor', 'factor']);
      expect(kg).toMatchObject({ relative_uom_id: [15, 'g'], relative_factor: 1000, factor: 1000 });
    } else {
      expect(fields.category_id).toEqual({ relation: 'uom.category', required: true, type: 'many2one' });
      expect(fields.relative_uom_id).toBeUndefined();
      expect(await client.modelExists('uom.category')).toBe(true);
      const [dozen] = await client.searchRead('uom.uom', [['name', '=', 'Dozens']], ['uom_type', 'factor', 'factor_inv']);
      expect(dozen).toMatchObject({ uom_type: 'bigger', factor_inv: 12 });
    }
  });

  it('answers a hung call with a transient timeout error', async () => {
    const client = connect({ timeoutMs: 150, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await client.connect();
    server.knobs.latency = { fixedMs: 400, perRecordMs: 0 };
    const error = await rejection(client.searchCount('product.product', []));
    expect(error).toBeInstanceOf(OdooTransientError);
    expect(error.message).toContain('no answer from Odoo within 150 ms');
  });

  it('bounds the calls in flight by the concurrency setting', async () => {
    const client = connect({ concurrency: 2 });
    await client.connect();
    server.knobs.latency = { fixedMs: 30, perRecordMs: 0 };
    server.stats.reset();
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => client.searchCount('product.product', [])));
    expect(server.stats.peakInFlight).toBe(2);
    // 6 calls of >= 30 ms, two at a time: three rounds
    expect(Date.now() - started).toBeGreaterThanOrEqual(85);
  });
});

describe('the same Odoo errors map to the same classes on Odoo 18 (XML-RPC) and Odoo 19 (JSON-2)', () => {
  const servers: OdooTestServer[] = [];
  const clients: OdooClient[] = [];
  const logger = captureLogger('error').logger;

  beforeEach(async () => {
    for (const version of [18, 19] as const) {
      const server = await startOdooTestServer({ version });
      servers.push(server);
    }
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const server of servers.splice(0)) await server.close();
  });

  const as = (user: 'admin' | 'demo') =>
    servers.map((server) => {
      const client = new OdooClient(
        { url: server.url, db: server.db, user, apiKey: user === 'admin' ? server.adminApiKey : server.demoApiKey, retry: FAST_RETRY },
        logger,
      );
      clients.push(client);
      return client;
    });

  it.each<[string, abstract new (...args: never[]) => OdooError, (c: OdooClient) => Promise<unknown>, 'admin' | 'demo']>([
    ['write on a missing record', OdooMissingRecordError, (c) => c.write('product.product', [999_999], { name: 'x' }), 'admin'],
    [
      'a Python constraint',
      OdooValidationError,
      (c) => c.create('stock.warehouse.orderpoint', { product_id: 1, location_id: 8, product_min_qty: 9, product_max_qty: 1 }),
      'admin',
    ],
    ['a missing required field', OdooValidationError, (c) => c.create('product.product', { type: 'consu' }), 'admin'],
    ['a UserError', OdooValidationError, (c) => c.unlink('uom.uom', [1]), 'admin'],
    ['an ACL refusal', OdooAccessError, (c) => c.write('product.product', [1], { standard_price: 1 }), 'demo'],
    [
      'a company not allowed',
      OdooAccessError,
      (c) => c.searchRead('stock.location', [], ['name'], { context: { allowed_company_ids: [999] } }),
      'admin',
    ],
    ['an unknown field', OdooServerError, (c) => c.searchRead('product.product', [], ['no_such_field']), 'admin'],
    ['an unknown model', OdooServerError, (c) => c.searchRead('x_no.such.model', [], ['name']), 'admin'],
    [
      'a non-string load cell',
      OdooServerError,
      (c) => c.call('product.product', 'load', [], { fields: ['id', 'name', 'sale_ok'], data: [['mfg_etl.f', 'F', true]] }),
      'admin',
    ],
  ])('%s', async (_label, type, act, user) => {
    const [on18, on19] = as(user) as [OdooClient, OdooClient];
    const [error18, error19] = await Promise.all([rejection(act(on18)), rejection(act(on19))]);
    expect(on18.protocol).toBe('xmlrpc');
    expect(on19.protocol).toBe('json2');
    expect(error18).toBeInstanceOf(type);
    expect(error19).toBeInstanceOf(type);
    expect(error18.permanent && error19.permanent).toBe(true);
  });

  it('a None result is a committed success on both: null from callAction, an error from a plain call', async () => {
    const [on18, on19] = as('admin') as [OdooClient, OdooClient];
    const [a, b] = await Promise.all([
      on18.create('product.product', { name: 'Arch 18' }),
      on19.create('product.product', { name: 'Arch 19' }),
    ]);
    await expect(on18.callAction('product.product', 'action_archive', [a])).resolves.toBeNull();
    await expect(on19.callAction('product.product', 'action_archive', [b])).resolves.toBeNull();
    expect(servers[0]?.store.get('product.product', a)?.active).toBe(false);
    expect(servers[1]?.store.get('product.product', b)?.active).toBe(false);
    // a generic call on XML-RPC surfaces the fault as OdooNoneResultError, never retried
    const error = await rejection(on18.call('product.product', 'action_unarchive', [[a]]));
    expect(error).toBeInstanceOf(OdooNoneResultError);
    expect(servers[0]?.callCount('product.product', 'action_unarchive')).toBe(1);
    expect(servers[0]?.store.get('product.product', a)?.active).toBe(true);
  });
});

describe('protocol choice', () => {
  it('can be forced to XML-RPC on Odoo 19 (legacy endpoints still answer)', async () => {
    const server = await startOdooTestServer({ version: 19 });
    const client = new OdooClient(
      { url: server.url, db: server.db, user: 'admin', apiKey: server.adminApiKey, protocol: 'xmlrpc' },
      captureLogger().logger,
    );
    try {
      await client.connect();
      expect(client.protocol).toBe('xmlrpc');
      const ids = await client.create('product.product', [{ name: 'Legacy' }]);
      expect(ids).toHaveLength(1);
      expect(server.calls('product.product', 'create')[0]?.protocol).toBe('xmlrpc');
    } finally {
      client.close();
      await server.close();
    }
  });

  it('refuses JSON-2 on an Odoo 18 server with a clear message', async () => {
    const server = await startOdooTestServer({ version: 18 });
    const client = new OdooClient(
      { url: server.url, db: server.db, user: 'admin', apiKey: server.adminApiKey, protocol: 'json2' },
      captureLogger().logger,
    );
    try {
      const error = await rejection(client.connect());
      expect(error).toBeInstanceOf(OdooServerError);
      expect(error.message).toContain('no JSON-2 API');
    } finally {
      client.close();
      await server.close();
    }
  });
});
