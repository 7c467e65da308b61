/**
 * historian-load against the Odoo test server, as Odoo 18 (XML-RPC) and Odoo 19 (JSON-2):
 * downtime into mrp.workcenter.productivity through `load` with tz UTC (read back equal to the
 * staged UTC times), loss reasons by external id and by name, work centers by code (or the
 * asset's mapping); scrap validated, the insufficient-quantity answer detected (the scrap stays
 * draft, a rerun validates the same one), the product of the work order in progress; unknown work
 * centers, loss reasons and products reported, not fatal; a rerun writes nothing; a changed
 * event updates its record; a validated scrap is never modified; the dry run sends nothing.
 * The staged rows are inserted directly, as historian-extract would stage them.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historianLoadJob } from '../../jobs/historian/historian-load.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { createBatch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { downtimeKey, scrapKey } from '../../load/historian/load-staging.ts';
import { OEE_SHEETS } from '../../load/historian/oee-workbook.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';

type Stats = Record<string, unknown> & {
  dryRun: boolean;
  downtime: Record<string, number>;
  scrap: Record<string, number>;
  batches: Array<{ batchId: number; status: string; reason?: string }>;
  summary: string[];
  report?: { xlsx: string; csv: string };
  planFile?: string;
};

const HISTORIAN = {
  assets: { M2: { workcenter: 'DRILL' }, M1: { idealRatePerHour: 60 } },
  scrapLocation: 'WH/Stock',
};

const WRITES = ['load', 'create', 'write', 'unlink', 'action_validate'];

describe.each([
  { version: 18 as const, protocol: 'xmlrpc' },
  { version: 19 as const, protocol: 'json2' },
])('historian-load into Odoo $version ($protocol)', ({ version, protocol }) => {
  let server: OdooTestServer;
  let app: TestApp;
  let runner: Runner;
  let batch1: number;
  const ids: Record<string, number> = {};

  const writes = () => WRITES.reduce((n, m) => n + server.callCount(undefined, m), 0);
  /** `load_failed`: a batch ends load_failed, so the run fails (not retried) and keeps its stats */
  const run = async (
    params: Record<string, unknown> = {},
    options: { dryRun?: boolean } = {},
    outcome: 'succeeded' | 'load_failed' = 'succeeded',
  ): Promise<Stats> => {
    const r = await runner.runNow('historian-load', params, options);
    if (outcome === 'load_failed') {
      expect(r.status).toBe('failed');
      expect(r.error?.class).toBe('LoadFailedError');
    } else {
      expect(r.error, JSON.stringify(r.error)).toBeNull();
      expect(r.status).toBe('succeeded');
    }
    return r.stats as unknown as Stats;
  };
  const productivity = (key: string) =>
    server.records('mrp.workcenter.productivity', [['id', '=', server.xmlid(`mfg_etl.${key}`) ?? 0]])[0];
  const scrapRec = (key: string) => server.records('stock.scrap', [['id', '=', server.xmlid(`mfg_etl.${key}`) ?? 0]])[0];
  const status = async (model: string, key: string) =>
    (await app.db.knex('historian_load_status').where({ odoo_model: model, business_key: key }).first()) as
      Record<string, unknown> | undefined;

  async function approvedBatch(scope: string): Promise<number> {
    const b = await createBatch(app.db.knex, { kind: 'historian', scope, version: scope, actor: 'historian-extract' });
    await transitionBatch(app.db.knex, b.id, 'validate', { actor: 'historian-extract' });
    await transitionBatch(app.db.knex, b.id, 'approve', { actor: 'auto' });
    return b.id;
  }
  const down = (
    batchId: number,
    asset: string,
    start: string,
    end: string,
    lossReason: string | null,
    extra: Record<string, unknown> = {},
  ) => ({
    asset,
    start_at: start,
    end_at: end,
    open: false,
    tag: `${asset}.state`,
    state_code: '2',
    loss_reason: lossReason,
    minutes: (Date.parse(end) - Date.parse(start)) / 60_000,
    shift_date: '2026-01-24',
    shift: 'A',
    batch_id: batchId,
    ...extra,
  });
  const scrap = (batchId: number, asset: string, product: string, quantity: number, extra: Record<string, unknown> = {}) => ({
    asset,
    product,
    shift_date: '2026-01-24',
    shift: 'A',
    start_at: '2026-01-24T05:00:00Z',
    end_at: '2026-01-24T13:00:00Z',
    quantity,
    complete: true,
    batch_id: batchId,
    ...extra,
  });

  beforeAll(async () => {
    server = await startOdooTestServer({ version });
    // work center codes (seeded false): M1 = Assembly 1, DRILL = Drill 1 (asset M2), M3 = Assembly 2
    server.store.transaction(() => {
      const env = { uid: 1, now: '2026-01-20 00:00:00', context: {} };
      server.store.write('mrp.workcenter', [1], { code: 'M1' }, env);
      server.store.write('mrp.workcenter', [2], { code: 'DRILL' }, env);
      server.store.write('mrp.workcenter', [3], { code: 'M3' }, env);
    });
    const product = (code: string) => server.records('product.product', [['default_code', '=', code]])[0]!.id;
    ids.desk = product('FURN_7800'); // 60 in WH/Stock
    ids.bin = product('E-COM10'); // none in stock
    ids.top = product('FURN_8522'); // 5 in WH/Stock
    ids.leg = product('FURN_2333');
    // on Assembly 2 (M3): a leg order finished early in the shift, then the table top order, still running
    ids.moLeg = server.create('mrp.production', { product_id: ids.leg, product_qty: 10, state: 'done', date_start: '2026-01-24 04:00:00' });
    server.create('mrp.workorder', {
      name: 'Cut legs',
      workcenter_id: 3,
      production_id: ids.moLeg,
      state: 'done',
      date_start: '2026-01-24 04:00:00',
      date_finished: '2026-01-24 06:00:00',
    });
    ids.moTop = server.create('mrp.production', {
      product_id: ids.top,
      product_qty: 4,
      state: 'progress',
      date_start: '2026-01-24 06:00:00',
    });
    server.create('mrp.workorder', {
      name: 'Assemble top',
      workcenter_id: 3,
      production_id: ids.moTop,
      state: 'progress',
      date_start: '2026-01-24 06:00:00',
      date_finished: false,
    });
    app = await testApp(
      `hist-load-${version}`,
      {
        MFG_ETL_TIMEZONE: 'Europe/Berlin',
        MFG_ETL_LOG_LEVEL: 'info',
        MFG_ETL_ODOO_URL: server.url,
        MFG_ETL_ODOO_DB: server.db,
        MFG_ETL_ODOO_USER: 'admin',
        MFG_ETL_ODOO_API_KEY: server.adminApiKey,
      },
      { historian: HISTORIAN },
    );
    runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([historianLoadJob]) });
    await runner.start();

    batch1 = await approvedBatch('2026-01-24T05:00Z/2026-01-24T13:00Z');
    const knex = app.db.knex;
    await knex('historian_downtime').insert([
      down(batch1, 'M1', '2026-01-24T07:00:00Z', '2026-01-24T07:42:00Z', 'Equipment Failure'), // by name
      down(batch1, 'M1', '2026-01-24T09:00:00Z', '2026-01-24T09:10:00Z', 'mrp.block_reason0'), // by external id (Material Availability)
      down(batch1, 'M2', '2026-01-24T08:00:00Z', '2026-01-24T08:30:00Z', 'Setup and Adjustments'), // asset M2 → work center DRILL
      down(batch1, 'M9', '2026-01-24T08:00:00Z', '2026-01-24T08:20:00Z', 'Equipment Failure'), // no such work center
      down(batch1, 'M1', '2026-01-24T10:00:00Z', '2026-01-24T10:05:00Z', 'Spindle jam'), // no such loss reason
      down(batch1, 'M1', '2026-01-24T12:30:00Z', '2026-01-24T13:00:00Z', 'Equipment Failure', { open: true }), // still down: not loaded
    ]);
    await knex('historian_scrap').insert([
      scrap(batch1, 'M1', 'FURN_7800', 3),
      scrap(batch1, 'M1', 'E-COM10', 2), // no stock: Odoo answers the insufficient-quantity wizard
      scrap(batch1, 'M3', '', 1), // product of the work order that ran on M3
      scrap(batch1, 'M2', '', 4), // nothing ran on DRILL
      scrap(batch1, 'M1', 'NO-SUCH', 1), // unknown product
      scrap(batch1, 'M1', 'FURN_9666', 0), // nothing scrapped: nothing to post
      scrap(batch1, 'M1', 'FURN_2333', 5, {
        shift: 'B',
        start_at: '2026-01-24T13:00:00Z',
        end_at: '2026-01-24T21:00:00Z',
        complete: false,
      }), // shift not over
    ]);
    await knex('historian_shifts').insert([
      {
        asset: 'M1',
        shift_date: '2026-01-24',
        shift: 'A',
        start_at: '2026-01-24T05:00:00Z',
        end_at: '2026-01-24T13:00:00Z',
        good: 300,
        scrap: 6,
        running_minutes: 400,
        down_minutes: 57,
        idle_minutes: 23,
        complete: true,
        batch_id: batch1,
      },
    ]);
  }, 60_000);

  afterAll(async () => {
    await runner?.stop();
    await app?.cleanup();
    await server?.close();
  });

  it('a dry run writes a plan and sends nothing to Odoo', async () => {
    const stats = await run({ dryRun: true });
    expect(stats.dryRun).toBe(true);
    expect(writes()).toBe(0);
    expect((await getBatch(app.db.knex, batch1)).status).toBe('approved');
    const plan = fs.readFileSync(stats.planFile!, 'utf8');
    expect(plan).toContain(`mfg_etl.${downtimeKey('M1', new Date('2026-01-24T07:00:00Z'))}`);
    // CSV-quoted: the message's quotes are doubled
    expect(plan).toMatch(/work center ""M9"" \(asset M9\) not found/);
    expect(plan).toMatch(/scrap_M1_FURN_7800_20260124_A,\d+,[^\n]*,create,/);
    expect(stats.summary[0]).toMatch(/^DRY RUN/);
    // --dry-run of the runner does the same
    expect((await run({}, { dryRun: true })).dryRun).toBe(true);
    expect(writes()).toBe(0);
  });

  it('loads downtime with tz UTC: the stored times equal the staged UTC times, loss by name and by external id', async () => {
    const stats = await run({}, {}, 'load_failed'); // batch 1 stays load_failed (work center M9, loss reason)
    expect(stats.downtime).toMatchObject({ written: 3, skipped: 2 });
    const loads = server.calls('mrp.workcenter.productivity', 'load');
    expect(loads.length).toBeGreaterThan(0);
    for (const call of loads) {
      expect(call.context.tz).toBe('UTC');
      expect(call.protocol).toBe(protocol);
    }
    const a = productivity(downtimeKey('M1', new Date('2026-01-24T07:00:00Z')))!;
    expect(a).toBeDefined();
    expect([a.date_start, a.date_end]).toEqual(['2026-01-24 07:00:00', '2026-01-24 07:42:00']);
    expect(a.workcenter_id).toBe(1);
    expect(a.loss_id).toBe(2); // Equipment Failure, by name
    expect(String(a.description)).toMatch(/^M1\.state code 2 \(Equipment Failure\), 42\.0 min wall clock, historian batch \d+$/);
    const b = productivity(downtimeKey('M1', new Date('2026-01-24T09:00:00Z')))!;
    expect(b.loss_id).toBe(1); // mrp.block_reason0 = Material Availability
    expect([b.date_start, b.date_end]).toEqual(['2026-01-24 09:00:00', '2026-01-24 09:10:00']);
    const c = productivity(downtimeKey('M2', new Date('2026-01-24T08:00:00Z')))!;
    expect(c.workcenter_id).toBe(2); // DRILL
    // the open event is not loaded
    expect(productivity(downtimeKey('M1', new Date('2026-01-24T12:30:00Z')))).toBeUndefined();
    expect(server.records('mrp.workcenter.productivity')).toHaveLength(3);
  });

  it('reports an unknown work center and an unknown loss reason (with the valid ones); the batch is load_failed, so the run failed', async () => {
    const wc = await status('mrp.workcenter.productivity', downtimeKey('M9', new Date('2026-01-24T08:00:00Z')));
    expect(wc).toMatchObject({ status: 'skipped' });
    expect(String(wc!.message)).toMatch(/work center "M9" \(asset M9\) not found in Odoo/);
    const loss = await status('mrp.workcenter.productivity', downtimeKey('M1', new Date('2026-01-24T10:00:00Z')));
    expect(loss).toMatchObject({ status: 'skipped' });
    expect(String(loss!.message)).toMatch(/loss reason "Spindle jam" not found in Odoo/);
    expect(String(loss!.message)).toContain('Equipment Failure, Setup and Adjustments');
    const b = await getBatch(app.db.knex, batch1);
    expect(b.status).toBe('load_failed');
    const errors = await app.db.knex('load_row_errors').where({ batch_id: batch1 }).pluck('business_key');
    expect(errors).toContain(downtimeKey('M9', new Date('2026-01-24T08:00:00Z')));
  });

  it('validates scrap, detects the insufficient-quantity answer (scrap left draft), takes the work order product', async () => {
    const ok = scrapRec(scrapKey('M1', 'FURN_7800', '2026-01-24', 'A'))!;
    expect(ok).toMatchObject({ state: 'done', product_id: ids.desk, scrap_qty: 3, location_id: 8 });
    expect(await status('stock.scrap', scrapKey('M1', 'FURN_7800', '2026-01-24', 'A'))).toMatchObject({
      status: 'validated',
      odoo_id: ok.id,
    });
    const short = scrapRec(scrapKey('M1', 'E-COM10', '2026-01-24', 'A'))!;
    expect(short).toMatchObject({ state: 'draft', product_id: ids.bin, scrap_qty: 2 });
    const shortStatus = await status('stock.scrap', scrapKey('M1', 'E-COM10', '2026-01-24', 'A'));
    expect(shortStatus).toMatchObject({ status: 'insufficient_quantity', odoo_id: short.id });
    expect(String(shortStatus!.message)).toMatch(/stock\.warn\.insufficient\.qty\.scrap/);
    // M3's shift: the leg order ran 1 h of it, the table top order the other 7 h
    const wo = scrapRec(scrapKey('M3', '', '2026-01-24', 'A'))!;
    expect(wo).toMatchObject({ state: 'done', product_id: ids.top });
    expect(String(wo.origin)).toMatch(/^WH\/MO\/\d+ - Assemble top$/);
    const none = await status('stock.scrap', scrapKey('M2', '', '2026-01-24', 'A'));
    expect(none).toMatchObject({ status: 'skipped' });
    expect(String(none!.message)).toMatch(/no work order in progress on work center "DRILL"/);
    expect(await status('stock.scrap', scrapKey('M1', 'NO-SUCH', '2026-01-24', 'A'))).toMatchObject({ status: 'skipped' });
    // nothing for a zero quantity or a shift still running
    expect(scrapRec(scrapKey('M1', 'FURN_9666', '2026-01-24', 'A'))).toBeUndefined();
    expect(scrapRec(scrapKey('M1', 'FURN_2333', '2026-01-24', 'B'))).toBeUndefined();
    expect(server.records('stock.scrap')).toHaveLength(3);
  });

  it('a rerun writes nothing new: only the draft scrap is validated again, and no second scrap is made', async () => {
    server.stats.reset();
    const stats = await run({}, {}, 'load_failed'); // batch 1 stays load_failed (work center M9, loss reason)
    expect(server.callCount(undefined, 'load')).toBe(0);
    expect(server.callCount(undefined, 'create')).toBe(0);
    expect(server.callCount(undefined, 'write')).toBe(0);
    expect(server.calls('stock.scrap', 'action_validate').map((c) => c.ids)).toEqual([
      [scrapRec(scrapKey('M1', 'E-COM10', '2026-01-24', 'A'))!.id],
    ]);
    expect(server.records('stock.scrap')).toHaveLength(3);
    expect(stats.downtime).toMatchObject({ unchanged: 3, skipped: 2 });
    expect(stats.scrap).toMatchObject({ unchanged: 2, insufficient_quantity: 1 });
    expect(stats.summary.join('\n')).toMatch(/insufficient quantity/);
  });

  it('validates the same draft scrap once stock arrived', async () => {
    server.create('stock.quant', { product_id: ids.bin, location_id: 8, quantity: 10 });
    await run({}, {}, 'load_failed'); // batch 1 stays load_failed (work center M9, loss reason)
    const short = scrapRec(scrapKey('M1', 'E-COM10', '2026-01-24', 'A'))!;
    expect(short.state).toBe('done');
    expect(server.records('stock.scrap')).toHaveLength(3);
    expect(await status('stock.scrap', scrapKey('M1', 'E-COM10', '2026-01-24', 'A'))).toMatchObject({
      status: 'validated',
      odoo_id: short.id,
    });
  });

  it('updates a changed downtime event in place and never modifies a validated scrap (reported instead)', async () => {
    const knex = app.db.knex;
    const batch2 = await approvedBatch('2026-01-24T07:00Z/2026-01-24T15:00Z');
    const start = new Date('2026-01-24T07:00:00Z');
    const before = productivity(downtimeKey('M1', start))!;
    // the next extract re-stages the event, longer, and the scrap of the shift, larger
    await knex('historian_downtime')
      .where({ asset: 'M1', start_at: start })
      .update({ end_at: '2026-01-24T07:45:00Z', minutes: 45, batch_id: batch2 });
    await knex('historian_scrap').where({ asset: 'M1', product: 'FURN_7800' }).update({ quantity: 7, batch_id: batch2 });
    server.stats.reset();
    const stats = await run({}, {}, 'load_failed'); // batch 1 stays load_failed (work center M9, loss reason)
    const after = productivity(downtimeKey('M1', start))!;
    expect(after.id).toBe(before.id);
    expect(after.date_end).toBe('2026-01-24 07:45:00');
    expect(server.records('mrp.workcenter.productivity')).toHaveLength(3);
    expect(stats.downtime).toMatchObject({ updated: 1, unchanged: 2 });
    const done = scrapRec(scrapKey('M1', 'FURN_7800', '2026-01-24', 'A'))!;
    expect(done.scrap_qty).toBe(3);
    expect(server.calls('stock.scrap', 'load')).toHaveLength(0);
    const st = await status('stock.scrap', scrapKey('M1', 'FURN_7800', '2026-01-24', 'A'));
    expect(st).toMatchObject({ status: 'validated' });
    expect(String(st!.message)).toMatch(/staged quantity is now 7 .* Odoo validated 3; a done scrap cannot change, not modified/);
    expect(stats.scrap.changed_after_validation).toBe(1);
    // batch 2's rows all reached Odoo (or are reported as unchangeable): loaded
    expect(stats.batches).toContainEqual({ batchId: batch2, status: 'loaded' });
    // the event's ledger entry says update
    const ops = await knex('load_ledger')
      .where({ business_key: downtimeKey('M1', start) })
      .orderBy('id')
      .pluck('operation');
    expect(ops).toEqual(['create', 'update']);
  });

  it('writes the OEE report with the Odoo statuses; with nothing new, sends nothing at all', async () => {
    server.stats.reset();
    const stats = await run({ from: '2026-01-24' }, {}, 'load_failed');
    expect(writes()).toBe(0);
    if (process.env.SHOW_SUMMARY) console.log(stats.summary.join('\n'));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(stats.report!.xlsx);
    expect(path.basename(stats.report!.xlsx)).toBe('oee_2026-01-24.xlsx');
    const wd = wb.getWorksheet(OEE_SHEETS.downtime)!;
    const header = (wd.getRow(1).values as unknown[]).slice(1);
    const statuses: Record<string, unknown> = {};
    wd.eachRow((row, n) => {
      if (n > 1)
        statuses[String(row.getCell(header.indexOf('External id') + 1).value)] = row.getCell(header.indexOf('Odoo status') + 1).value;
    });
    expect(statuses[`mfg_etl.${downtimeKey('M1', new Date('2026-01-24T07:00:00Z'))}`]).toBe('loaded');
    expect(statuses[`mfg_etl.${downtimeKey('M9', new Date('2026-01-24T08:00:00Z'))}`]).toBe('skipped');
    expect(statuses[`mfg_etl.${downtimeKey('M1', new Date('2026-01-24T12:30:00Z'))}`]).toBe('open');
    const sc = wb.getWorksheet(OEE_SHEETS.scrap)!;
    const sh = (sc.getRow(1).values as unknown[]).slice(1);
    const scrapStatuses: unknown[] = [];
    sc.eachRow((row, n) => {
      if (n > 1) scrapStatuses.push(row.getCell(sh.indexOf('Odoo status') + 1).value);
    });
    expect(scrapStatuses).toEqual(expect.arrayContaining(['validated', 'skipped']));
    const csv = fs.readFileSync(stats.report!.csv, 'utf8');
    expect(csv.slice(1).split('\r\n')[0]).toMatch(
      /^asset,shift_date,shift,good,scrap,running_minutes,down_minutes,idle_minutes,availability,quality/,
    );
    expect(stats.summary.join('\n')).toContain(stats.report!.xlsx);
  });
});
