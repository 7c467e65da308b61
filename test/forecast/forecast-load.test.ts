/**
 * forecast-load end to end: the real job through the real Runner, on the real PostgreSQL, against
 * the Odoo test server (Odoo 18 over XML-RPC, Odoo 19 over JSON-2; Enterprise MPS or Community).
 * Forecast batches are staged and approved directly (createBatch + stageForecastLines).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../core/config.ts';
import { forecastLoadJob } from '../../jobs/forecast/forecast-load.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { listLoadErrors } from '../../load/odoo-ledger/load-errors.ts';
import { createBatch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { stageForecastLines } from '../../load/forecast/staging.ts';
import { ledgerCounts } from '../../load/odoo-ledger/ledger.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { week } from '../support/forecast.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';

interface Harness {
  app: TestApp;
  runner: Runner;
  server: OdooTestServer | undefined;
  /** product id by code, in the test server */
  product: Record<string, number>;
  close(): Promise<void>;
}

async function harness(name: string, odoo: { version: 18 | 19; enterprise: boolean } | undefined, extraEnv: Env = {}): Promise<Harness> {
  const server = odoo ? await startOdooTestServer(odoo) : undefined;
  const odooEnv: Env = server
    ? {
        MFG_ETL_ODOO_URL: server.url,
        MFG_ETL_ODOO_DB: server.db,
        MFG_ETL_ODOO_USER: 'admin',
        MFG_ETL_ODOO_API_KEY: server.adminApiKey,
        MFG_ETL_ODOO_COMPANY: '1',
      }
    : {};
  const app = await testApp(name, {
    MFG_ETL_TIMEZONE: 'UTC',
    MFG_ETL_LOG_LEVEL: 'info',
    MFG_ETL_RETRY_LIMIT: '0',
    ...odooEnv,
    ...extraEnv,
  });
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([forecastLoadJob]) });
  await runner.start();
  // the master data snapshot masterdata-sync would take of this Odoo (or a made-up one without Odoo)
  const products = server
    ? server.records('product.product').map((p) => ({ id: p.id, code: String(p.default_code), name: String(p.name) }))
    : [
        { id: 1, code: 'FURN_7800', name: 'Desk' },
        { id: 2, code: 'FURN_9666', name: 'Table' },
      ];
  const knex = app.db.knex;
  await knex('md_uoms').insert({ odoo_id: 1, name: 'Units', ref_group: 'Unit', ref_ratio: 1, rounding: 0.01 });
  await knex('md_warehouses').insert([
    { odoo_id: 1, code: 'WH', name: 'YourCompany', lot_stock_id: 8, company_id: 1 },
    { odoo_id: 2, code: 'My Co', name: 'My Company (Chicago)', lot_stock_id: 28, company_id: 2 },
  ]);
  await knex('md_products').insert(
    products.map((p) => ({ odoo_id: p.id, default_code: p.code, name: p.name, uom_id: 1, is_storable: true, company_id: 1 })),
  );
  return {
    app,
    runner,
    server,
    product: Object.fromEntries(products.map((p) => [p.code, p.id])),
    async close() {
      try {
        await runner.stop();
        await app.cleanup();
      } finally {
        await server?.close();
      }
    },
  };
}

interface Line {
  product: string;
  warehouse?: string;
  week: number;
  quantity: number;
}

/** A forecast batch staged, validated and approved (approval supersedes older approved ones of the scope). */
async function approvedBatch(h: Harness, scope: string, version: string, lines: readonly Line[]): Promise<number> {
  const knex = h.app.db.knex;
  const batch = await createBatch(knex, { kind: 'forecast', scope, version, actor: 'test' });
  await stageForecastLines(
    knex,
    batch.id,
    lines.map((l, i) => ({
      product: l.product,
      warehouse: l.warehouse ?? scope,
      periodStart: week(l.week),
      quantity: l.quantity,
      sourceRef: String(i + 2),
    })),
    1,
  );
  await transitionBatch(knex, batch.id, 'validate', { actor: 'test' });
  await transitionBatch(knex, batch.id, 'approve', { actor: 'test' });
  return batch.id;
}

const weeks = (product: string, quantities: number | number[], n = 8, warehouse?: string): Line[] =>
  Array.from({ length: n }, (_, i) => ({
    product,
    warehouse,
    week: i,
    quantity: typeof quantities === 'number' ? quantities : (quantities[i] as number),
  }));

interface LoadStats {
  dryRun: boolean;
  dryRunReason?: string;
  target: string;
  targetReason: string;
  batches: number;
  loaded: number;
  loadFailed: number;
  rowsPlanned: number;
  rowsWritten: number;
  rowsUnchanged: number;
  rowsFailed: number;
  results: Array<{
    batchId: number;
    status: string;
    written: Record<string, number>;
    failed: number;
    errors: Array<{ ref: string; message: string }>;
    planFile?: string;
    plan: {
      writes: number;
      models: Array<{ model: string; create: number; update: number; unchanged: number; adopt: number; zeroed: number }>;
      skipped: { byKind: Record<string, number> };
    };
  }>;
}

async function run(
  h: Harness,
  params: Record<string, unknown> = {},
  options: { dryRun?: boolean } = {},
): Promise<LoadStats & { run: JobRun }> {
  const r = await h.runner.runNow('forecast-load', params, options);
  expect(r.error, JSON.stringify(r.error)).toBeNull();
  expect(r.status).toBe('succeeded');
  return { ...(r.stats as unknown as LoadStats), run: r };
}

/** A run that ends with a batch load_failed: a failed run (not retried) that keeps its stats. */
async function runLoadFailed(h: Harness, params: Record<string, unknown> = {}): Promise<LoadStats & { run: JobRun }> {
  const r = await h.runner.runNow('forecast-load', params);
  expect(r.status).toBe('failed');
  expect(r.error?.class).toBe('LoadFailedError');
  return { ...(r.stats as unknown as LoadStats), run: r };
}

/** Calls that change data in Odoo. */
function writeCalls(server: OdooTestServer): number {
  return server.calls().filter((c) => ['load', 'create', 'write', 'unlink'].includes(c.method)).length;
}

/** Rows sent through `load` to `model` since the counters were reset. */
function loadedRows(server: OdooTestServer, model: string): number {
  return server.calls(model, 'load').reduce((n, c) => n + ((c.kwargs?.data as unknown[] | undefined)?.length ?? 0), 0);
}

function modelPlan(stats: LoadStats, model: string, index = 0) {
  return stats.results[index]!.plan.models.find((m) => m.model === model);
}

// ---- mps ----------------------------------------------------------------------------------------

describe('mps target (Odoo 19 Enterprise, JSON-2)', () => {
  let h: Harness;
  let server: OdooTestServer;
  beforeAll(async () => {
    h = await harness('fload_mps', { version: 19, enterprise: true });
    server = h.server!;
  });
  afterAll(async () => h?.close());

  const forecastsOf = (product: string) =>
    new Map(
      server
        .records('mrp.product.forecast')
        .filter(
          (f) =>
            server.records('mrp.production.schedule').find((s) => s.id === f.production_schedule_id)?.product_id === h.product[product],
        )
        .map((f) => [String(f.date), Number(f.forecast_qty)]),
    );

  it('auto picks MPS and loads a schedule per (product, warehouse) and a forecast per period, with the company context on every call', async () => {
    const desk = [10, 11, 12, 13, 14, 15, 16, 17];
    const v1 = await approvedBatch(h, 'WH', 'v1', [...weeks('FURN_7800', desk), ...weeks('FURN_9666', 70)]);
    server.stats.reset();
    const stats = await run(h);

    expect(stats).toMatchObject({ dryRun: false, target: 'mps', loaded: 1, loadFailed: 0, rowsWritten: 18, rowsFailed: 0 });
    expect(stats.targetReason).toMatch(/mrp\.production\.schedule exists/);
    const schedules = server.records('mrp.production.schedule');
    expect(schedules.map((s) => [s.product_id, s.warehouse_id, s.company_id]).sort()).toEqual(
      [
        [h.product.FURN_7800, 1, 1],
        [h.product.FURN_9666, 1, 1],
      ].sort(),
    );
    expect(server.xmlid(`mfg_etl.fc_mps_w1_p${h.product.FURN_7800}`)).toBe(schedules.find((s) => s.product_id === h.product.FURN_7800)!.id);
    expect(server.count('mrp.product.forecast')).toBe(16);
    expect([...forecastsOf('FURN_7800')]).toEqual(desk.map((q, i) => [week(i), q]));
    expect([...forecastsOf('FURN_9666').values()]).toEqual(Array(8).fill(70));

    expect((await getBatch(h.app.db.knex, v1)).status).toBe('loaded');
    expect(await ledgerCounts(h.app.db.knex, v1)).toEqual([
      { model: 'mrp.product.forecast', operation: 'create', rows: 16 },
      { model: 'mrp.production.schedule', operation: 'create', rows: 2 },
    ]);
    // one load call per model for 18 rows: batched, not one call per row
    expect(server.callCount('mrp.production.schedule', 'load')).toBe(1);
    expect(server.callCount('mrp.product.forecast', 'load')).toBe(1);
    const calls = server.calls().filter((c) => c.model !== 'common');
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.every((c) => c.protocol === 'json2')).toBe(true);
    for (const c of calls) expect(c.context.allowed_company_ids, `${c.model}.${c.method}`).toEqual([1]);
  });

  it('a new version writes only what changed and zeroes dropped periods inside its horizon only', async () => {
    // desk: weeks 0-5 (6 dropped, 7 is after the new horizon); table: week 3 changed, weeks 0-6; a new product
    const v2 = await approvedBatch(h, 'WH', 'v2', [
      ...weeks('FURN_7800', [10, 11, 12, 13, 14, 15], 6),
      ...weeks('FURN_9666', [70, 70, 70, 99, 70, 70, 70], 7),
      ...weeks('FURN_8522', 5, 7),
    ]);
    server.stats.reset();
    const stats = await run(h);

    expect(stats.results.map((r) => [r.batchId, r.status])).toEqual([[v2, 'loaded']]);
    expect(modelPlan(stats, 'mrp.production.schedule')).toMatchObject({ create: 1, update: 0, unchanged: 2 });
    expect(modelPlan(stats, 'mrp.product.forecast')).toMatchObject({ create: 7, update: 2, unchanged: 12, zeroed: 1 });
    expect(loadedRows(server, 'mrp.production.schedule')).toBe(1);
    expect(loadedRows(server, 'mrp.product.forecast')).toBe(9);

    const desk = forecastsOf('FURN_7800');
    expect(desk.get(week(5))).toBe(15);
    expect(desk.get(week(6))).toBe(0); // dropped, inside the new horizon (weeks 0-6)
    expect(desk.get(week(7))).toBe(17); // after the new horizon: left as it was
    expect(forecastsOf('FURN_9666').get(week(3))).toBe(99);
    expect(forecastsOf('FURN_9666').get(week(7))).toBe(70);
    expect(forecastsOf('FURN_8522').size).toBe(7);
    expect(server.count('mrp.product.forecast')).toBe(16 + 7);
    expect(server.count('mrp.production.schedule')).toBe(3);
  });

  it('a rerun of a loaded batch, asked for by id or not, performs zero writes', async () => {
    const latest = Number((await h.app.db.knex('batches').where({ status: 'loaded' }).max('id as id').first())!.id);
    server.stats.reset();
    const nothing = await run(h);
    expect(nothing).toMatchObject({ batches: 0, rowsWritten: 0 });
    const again = await run(h, { batch: latest });
    expect(again.results[0]).toMatchObject({ batchId: latest, status: 'loaded', written: {} });
    expect(again).toMatchObject({ rowsPlanned: 0, rowsWritten: 0, rowsUnchanged: 3 + 21 }); // 3 schedules, 20 forecasts + the zeroed week
    expect(writeCalls(server)).toBe(0);
    expect(server.calls().some((c) => c.method === 'search_read')).toBe(true); // it did look
    // an older loaded version cannot be reloaded over the newer one
    const older = await h.runner.runNow('forecast-load', { batch: latest - 1 });
    expect(older.status).toBe('dead');
    expect(older.error?.message).toMatch(/is newer: reloading .* would undo it/);
    expect(writeCalls(server)).toBe(0);
  });

  it('a response lost after the commit is retried without creating a duplicate', async () => {
    const v = await approvedBatch(h, 'My Co', 'v1', weeks('FURN_7800', 4, 5, 'My Co'));
    server.stats.reset();
    server.knobs.loseResponse(1, { model: 'mrp.product.forecast', method: 'load' });
    const before = server.count('mrp.product.forecast');
    const stats = await run(h);

    expect(stats.results[0]).toMatchObject({ batchId: v, status: 'loaded' });
    expect(server.calls('mrp.product.forecast', 'load').map((c) => c.outcome)).toEqual(['lost', 'ok']);
    expect(server.count('mrp.product.forecast')).toBe(before + 5);
    const schedule = server.records('mrp.production.schedule').find((s) => s.warehouse_id === 2)!;
    expect(schedule.company_id).toBe(2); // the warehouse's company
    expect(server.records('mrp.product.forecast', [['production_schedule_id', '=', schedule.id]])).toHaveLength(5);
    expect(
      server.records('ir.model.data', [
        ['module', '=', 'mfg_etl'],
        ['model', '=', 'mrp.product.forecast'],
      ]),
    ).toHaveLength(23 + 5);
  });
});

// ---- bad rows, interrupted loads ------------------------------------------------------------------

describe('rejected rows and interrupted loads (Odoo 18 Enterprise, XML-RPC)', () => {
  let h: Harness;
  let server: OdooTestServer;
  beforeAll(async () => {
    h = await harness('fload_bad', { version: 18, enterprise: true }, { MFG_ETL_RETRY_LIMIT: '1', MFG_ETL_RETRY_DELAY_SECONDS: '1' });
    server = h.server!;
    // a product the snapshot knows but this Odoo does not (deleted, or another database)
    await h.app.db
      .knex('md_products')
      .insert({ odoo_id: 9999, default_code: 'GHOST', name: 'Ghost', uom_id: 1, is_storable: true, company_id: 1 });
  });
  afterAll(async () => h?.close());

  it('records each rejected row with Odoo’s message, loads the good ones, and after the fix loads only the rest', async () => {
    const id = await approvedBatch(h, 'WH', 'v1', [...weeks('FURN_7800', 7, 4), ...weeks('GHOST', 3, 4)]);
    server.stats.reset();
    const first = await runLoadFailed(h);

    expect(first.results[0]).toMatchObject({ batchId: id, status: 'load_failed', failed: 5 });
    expect(first.results[0]!.written).toEqual({ 'mrp.production.schedule': 1, 'mrp.product.forecast': 4 });
    const batch = await getBatch(h.app.db.knex, id);
    expect(batch.status).toBe('load_failed');
    const errors = await listLoadErrors(h.app.db.knex, id);
    expect(errors).toHaveLength(5);
    expect(errors[0]).toMatchObject({ model: 'mrp.production.schedule', key: 'fc_mps_w1_p9999', ref: 'GHOST @ WH' });
    expect(errors[0]!.message).toBe("No matching record found for database id '9999' in field 'Product'");
    expect(errors.slice(1).map((e) => e.ref)).toEqual([0, 1, 2, 3].map((w) => `GHOST @ WH ${week(w)}`));
    for (const e of errors.slice(1)) expect(e.message).toMatch(/^not sent: fc_mps_w1_p9999 was rejected \(No matching record found/);
    expect(server.records('mrp.product.forecast')).toHaveLength(4);
    const audit = await h.app.db
      .knex('audit_events')
      .where({ entity: 'batch', entity_id: String(id), action: 'load_failed' })
      .first();
    expect(audit.details.reason).toMatch(/5 row\(s\) rejected, e\.g\. GHOST @ WH: No matching record/);

    // the fix: the product exists in Odoo and masterdata-sync has its id
    const ghost = server.create('product.product', { default_code: 'GHOST', name: 'Ghost', is_storable: true });
    await h.app.db.knex('md_products').where({ default_code: 'GHOST' }).update({ odoo_id: ghost });
    server.stats.reset();
    const second = await run(h);
    expect(second.results[0]).toMatchObject({ batchId: id, status: 'loaded', failed: 0 });
    expect(second.results[0]!.written).toEqual({ 'mrp.production.schedule': 1, 'mrp.product.forecast': 4 });
    expect(loadedRows(server, 'mrp.production.schedule')).toBe(1);
    expect(loadedRows(server, 'mrp.product.forecast')).toBe(4); // the desk's 4 were not sent again
    expect(server.records('mrp.product.forecast')).toHaveLength(8);
    expect((await getBatch(h.app.db.knex, id)).status).toBe('loaded');
  });

  it('a load that fails midway leaves the batch load_failed with what landed in the ledger; the retry loads the rest', async () => {
    const id = await approvedBatch(h, 'My Co', 'v1', [...weeks('FURN_9666', 2, 3, 'My Co'), ...weeks('FURN_8522', 6, 3, 'My Co')]);
    server.stats.reset();
    // every try of the client (4) answers 503: the first run attempt gives up after the schedules landed
    server.knobs.failWith503(4, { model: 'mrp.product.forecast', method: 'load' });
    const r = await h.runner.runNow('forecast-load', {});
    expect(r.status).toBe('succeeded');
    expect(r.attempt).toBe(2);
    expect((r.stats as unknown as LoadStats).results[0]).toMatchObject({ batchId: id, status: 'loaded' });

    const actions = (await h.app.db
      .knex('audit_events')
      .where({ entity: 'batch', entity_id: String(id) })
      .orderBy('id')
      .select('action', 'details')) as Array<{ action: string; details: { reason?: string } }>;
    expect(actions.map((a) => a.action)).toEqual(['received', 'validated', 'approved', 'loading', 'load_failed', 'loading', 'loaded']);
    expect(actions[4]!.details.reason).toMatch(/load interrupted: .*503.*a rerun loads what is left/);
    // the schedules were written once: the retry found them in the ledger
    expect(server.calls('mrp.production.schedule', 'load').map((c) => c.outcome)).toEqual(['ok']);
    expect(server.calls('mrp.product.forecast', 'load').map((c) => c.outcome)).toEqual(['http503', 'http503', 'http503', 'http503', 'ok']);
    const schedules = server.records('mrp.production.schedule', [['warehouse_id', '=', 2]]);
    expect(schedules).toHaveLength(2);
    const forecasts = server.records('mrp.product.forecast', [['production_schedule_id', 'in', schedules.map((s) => s.id)]]);
    expect(forecasts.map((f) => Number(f.forecast_qty)).sort()).toEqual([2, 2, 2, 6, 6, 6]);
  });
});

// ---- orderpoint ---------------------------------------------------------------------------------

describe('orderpoint target (Odoo 18 Community, XML-RPC)', () => {
  let h: Harness;
  let server: OdooTestServer;
  let legRule: number;
  beforeAll(async () => {
    h = await harness('fload_op', { version: 18, enterprise: false });
    server = h.server!;
    // Odoo 17+ keeps the manufacturing lead time on the BoM (produce_delay, days_to_prepare_mo);
    // the test server's mrp.bom lacks the two fields, so they are added here
    const bom = server.store.models.get('mrp.bom')!;
    bom.fields.produce_delay = { type: 'integer', string: 'Manufacturing Lead Time' };
    bom.fields.days_to_prepare_mo = { type: 'integer', string: 'Days to prepare Manufacturing Order' };
    const tableTmpl = server.records('product.product', [['id', '=', h.product.FURN_9666]])[0]!.product_tmpl_id;
    const tableBom = server.records('mrp.bom').find((b) => b.product_tmpl_id === tableTmpl)!;
    Object.assign(tableBom, { produce_delay: 10, days_to_prepare_mo: 4 });
    legRule = server.records('stock.warehouse.orderpoint', [['product_id', '=', h.product.FURN_2333]])[0]!.id;
  });
  afterAll(async () => h?.close());

  const ruleOf = (product: string) =>
    server.records('stock.warehouse.orderpoint', [
      ['product_id', '=', h.product[product]],
      ['location_id', '=', 8],
    ]);

  it('auto picks replenishment rules; min = demand over lead time + safety days, max = min + review demand', async () => {
    const id = await approvedBatch(h, 'WH', 'v1', [
      ...weeks('FURN_9666', 70, 12),
      ...weeks('FURN_7800', 35, 12),
      ...weeks('FURN_2333', 14, 12),
    ]);
    server.stats.reset();
    const stats = await run(h, { defaultLeadDays: 3, safetyDays: 7, reviewDays: 7 });

    expect(stats).toMatchObject({ target: 'orderpoint', loaded: 1, rowsWritten: 2 });
    expect(stats.targetReason).toMatch(/no mrp\.production\.schedule/);
    // table: BoM lead 10 + 4 days, 10/day → min 10 × (14 + 7) = 210, max 210 + 70
    expect(ruleOf('FURN_9666').map((r) => [r.product_min_qty, r.product_max_qty, r.warehouse_id, r.company_id])).toEqual([
      [210, 280, 1, 1],
    ]);
    // desk: no BoM, no vendor → default lead 3 days, 5/day → min 5 × 10 = 50, max 50 + 35
    expect(ruleOf('FURN_7800').map((r) => [r.product_min_qty, r.product_max_qty])).toEqual([[50, 85]]);
    expect(server.xmlid(`mfg_etl.fc_op_w1_p${h.product.FURN_9666}`)).toBe(ruleOf('FURN_9666')[0]!.id);
    // the leg's rule was made by someone else: left alone
    expect(ruleOf('FURN_2333').map((r) => [r.id, r.product_min_qty, r.product_max_qty])).toEqual([[legRule, 5, 10]]);
    expect(stats.results[0]!.plan.skipped.byKind).toEqual({ foreign: 1 });
    expect((await getBatch(h.app.db.knex, id)).status).toBe('loaded');
    expect(server.calls().every((c) => c.protocol === 'xmlrpc')).toBe(true);
    expect(server.calls('product.product', 'fields_get').length + server.calls('mrp.bom', 'fields_get').length).toBeGreaterThanOrEqual(2);
  });

  it('rounds to the rule’s multiple, takes foreign rules over when configured, and zeroes rules of dropped products', async () => {
    // someone sets the desk's rule to order in multiples of 20
    const desk = ruleOf('FURN_7800')[0]!;
    desk.qty_multiple = 20;
    const id = await approvedBatch(h, 'WH', 'v2', [...weeks('FURN_7800', 35.7, 12), ...weeks('FURN_2333', 14, 12)]);
    server.stats.reset();
    const stats = await run(h, { defaultLeadDays: 3, safetyDays: 7, reviewDays: 7, manageForeignRules: true });

    expect(stats.results[0]).toMatchObject({ batchId: id, status: 'loaded' });
    expect(modelPlan(stats, 'stock.warehouse.orderpoint')).toMatchObject({ create: 0, update: 3, adopt: 1, zeroed: 1 });
    // 5.1/day × 10 = 51 → 60; 60 + 35.7 → 100
    expect(ruleOf('FURN_7800').map((r) => [r.id, r.product_min_qty, r.product_max_qty])).toEqual([[desk.id, 60, 100]]);
    // the leg's rule is now managed: same record, external id added, 2/day × 10 = 20, + 14
    expect(ruleOf('FURN_2333').map((r) => [r.id, r.product_min_qty, r.product_max_qty])).toEqual([[legRule, 20, 34]]);
    expect(server.xmlid(`mfg_etl.fc_op_w1_p${h.product.FURN_2333}`)).toBe(legRule);
    // the table is not in v2: no forecast demand
    expect(ruleOf('FURN_9666').map((r) => [r.product_min_qty, r.product_max_qty])).toEqual([[0, 0]]);
    expect(server.count('stock.warehouse.orderpoint')).toBe(3);
  });

  it('loads the oldest approved version per scope first and skips superseded ones', async () => {
    const a = await approvedBatch(h, 'My Co', 'a', weeks('FURN_7800', 7, 4, 'My Co'));
    const b = await approvedBatch(h, 'WH', 'v3', [
      ...weeks('FURN_7800', 35.7, 12),
      ...weeks('FURN_2333', 14, 12),
      ...weeks('FURN_9666', 7, 12),
    ]);
    const c = await approvedBatch(h, 'WH', 'v4', [
      ...weeks('FURN_7800', 35.7, 12),
      ...weeks('FURN_2333', 14, 12),
      ...weeks('FURN_9666', 14, 12),
    ]);
    expect((await getBatch(h.app.db.knex, b)).status).toBe('superseded');
    const stats = await run(h, { defaultLeadDays: 3 });
    expect(stats.results.map((r) => [r.batchId, r.status])).toEqual([
      [a, 'loaded'],
      [c, 'loaded'],
    ]);
    expect((await getBatch(h.app.db.knex, b)).status).toBe('superseded');
    expect(ruleOf('FURN_9666').map((r) => [r.product_min_qty, r.product_max_qty])).toEqual([[42, 56]]); // 2/day × 21, + 14
    expect(server.records('stock.warehouse.orderpoint', [['location_id', '=', 28]]).map((r) => [r.company_id, r.product_min_qty])).toEqual([
      [2, 10],
    ]);
  });
});

describe('auto target on Odoo 19 Community (JSON-2)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('fload_auto19', { version: 19, enterprise: false });
  });
  afterAll(async () => h?.close());

  it('picks replenishment rules (no qty_multiple on 19: rounded to the unit) and refuses a configured mps target', async () => {
    const server = h.server!;
    await approvedBatch(h, 'WH', 'v1', weeks('FURN_7800', 35.35, 12));
    const refused = await h.runner.runNow('forecast-load', { target: 'mps' });
    expect(refused.status).toBe('dead');
    expect(refused.error?.message).toMatch(/no mrp\.production\.schedule/);
    expect(writeCalls(server)).toBe(0);

    const stats = await run(h, { safetyDays: 7, reviewDays: 7 });
    expect(stats).toMatchObject({ target: 'orderpoint', loaded: 1 });
    expect(
      server
        .calls()
        .filter((c) => c.model !== 'common')
        .every((c) => c.protocol === 'json2'),
    ).toBe(true);
    // 5.05/day × 7 = 35.35 (lead 0 + safety 7), + 35.35
    const rules = server.records('stock.warehouse.orderpoint', [['product_id', '=', h.product.FURN_7800]]);
    expect(rules.map((r) => [r.product_min_qty, r.product_max_qty])).toEqual([[35.35, 70.7]]);
    expect('qty_multiple' in rules[0]!).toBe(false);
  });
});

// ---- dry run ------------------------------------------------------------------------------------

describe('dry run', () => {
  let h: Harness;
  let bare: Harness;
  beforeAll(async () => {
    [h, bare] = await Promise.all([harness('fload_dry', { version: 19, enterprise: true }), harness('fload_noodoo', undefined)]);
  });
  afterAll(async () => {
    await Promise.all([h?.close(), bare?.close()]);
  });

  it('--dry-run computes the plan, writes it to the reports folder and nothing to Odoo', async () => {
    const server = h.server!;
    const id = await approvedBatch(h, 'WH', 'v1', [...weeks('FURN_7800', 3, 6), ...weeks('FURN_9666', 4, 6)]);
    server.stats.reset();
    const stats = await run(h, {}, { dryRun: true });

    expect(stats).toMatchObject({ dryRun: true, dryRunReason: 'requested (--dry-run)', target: 'mps', rowsPlanned: 14, rowsWritten: 0 });
    expect(writeCalls(server)).toBe(0);
    expect(server.callCount()).toBeGreaterThan(0); // it asked Odoo what is there
    expect(server.count('mrp.production.schedule')).toBe(0);
    const result = stats.results[0]!;
    expect(result.status).toBe('approved');
    expect((await getBatch(h.app.db.knex, id)).status).toBe('approved');
    expect(await ledgerCounts(h.app.db.knex, id)).toEqual([]);

    expect(path.dirname(result.planFile!)).toBe(path.resolve(h.app.config.reports));
    expect(path.basename(result.planFile!)).toMatch(new RegExp(`^forecast-load-plan_${id}_\\d{8}T\\d{6}Z\\.json$`));
    const plan = JSON.parse(fs.readFileSync(result.planFile!, 'utf8'));
    expect(plan.summary.models.map((m: { model: string; create: number }) => [m.model, m.create])).toEqual([
      ['mrp.production.schedule', 2],
      ['mrp.product.forecast', 12],
    ]);
    expect(plan.summary.models[1].examples.create[0]).toMatchObject({ ref: `FURN_7800 @ WH ${week(0)}`, values: { forecast_qty: 3 } });
    expect(plan.changes[1].rows).toHaveLength(12);
    expect(plan.text).toContain('mrp.product.forecast: 12 create, 0 update, 0 unchanged');

    // the real run afterwards does what the plan said
    const real = await run(h);
    expect(real.rowsWritten).toBe(14);
    expect(writeCalls(server)).toBe(2);
  });

  it('MPS schedules mfg-etl did not create are left alone, or taken over with their forecasts when configured', async () => {
    const server = h.server!;
    const bin = h.product['E-COM10']!;
    const foreign = server.create('mrp.production.schedule', { product_id: bin, warehouse_id: 1 });
    const planned = server.create('mrp.product.forecast', { production_schedule_id: foreign, date: week(1), forecast_qty: 99 });
    const id = await approvedBatch(h, 'WH', 'v2', [...weeks('FURN_7800', 3, 6), ...weeks('FURN_9666', 4, 6), ...weeks('E-COM10', 8, 4)]);
    const left = await run(h);
    expect(left.results[0]).toMatchObject({ batchId: id, status: 'loaded', failed: 0 });
    expect(left.results[0]!.plan.skipped.byKind).toEqual({ foreign: 5 });
    expect(left.rowsWritten).toBe(0);
    expect(server.records('mrp.production.schedule', [['product_id', '=', bin]]).map((r) => r.id)).toEqual([foreign]);
    expect(server.records('mrp.product.forecast', [['production_schedule_id', '=', foreign]]).map((r) => [r.id, r.forecast_qty])).toEqual([
      [planned, 99],
    ]);

    // the loaded batch again, now taking foreign records over: same schedule, week 1 updated in place
    const taken = await run(h, { batch: id, manageForeignRules: true });
    expect(taken.results[0]).toMatchObject({ batchId: id, status: 'loaded', failed: 0 });
    expect(modelPlan(taken, 'mrp.production.schedule')).toMatchObject({ update: 1, adopt: 1 });
    expect(modelPlan(taken, 'mrp.product.forecast')).toMatchObject({ create: 3, update: 1, adopt: 1 });
    expect(server.records('mrp.production.schedule', [['product_id', '=', bin]]).map((r) => r.id)).toEqual([foreign]);
    expect(server.xmlid(`mfg_etl.fc_mps_w1_p${bin}`)).toBe(foreign);
    const forecasts = server.records('mrp.product.forecast', [['production_schedule_id', '=', foreign]]);
    expect(forecasts.map((r) => [r.date, r.forecast_qty]).sort()).toEqual([0, 1, 2, 3].map((w) => [week(w), 8]));
    expect(forecasts.find((r) => r.date === week(1))!.id).toBe(planned);
    const audit = await h.app.db.knex('audit_events').where({ entity: 'batch', entity_id: String(id), action: 'load_rechecked' });
    expect(audit).toHaveLength(1);
  });

  it('without Odoo settings it plans only and says so', async () => {
    const id = await approvedBatch(bare, 'WH', 'v1', weeks('FURN_7800', 7, 4));
    const stats = await run(bare);
    expect(stats.dryRun).toBe(true);
    expect(stats.dryRunReason).toMatch(/^Odoo is not configured/);
    expect(stats.targetReason).toMatch(/auto without Odoo/);
    expect(stats.results[0]).toMatchObject({ batchId: id, status: 'approved' });
    expect(fs.existsSync(stats.results[0]!.planFile!)).toBe(true);
    expect(bare.app.logLines.some((l) => l.level === 'warn' && String(l.message).includes('Odoo is not configured'))).toBe(true);
    expect((await getBatch(bare.app.db.knex, id)).status).toBe('approved');
  });
});
