/**
 * The shop-floor path in one file: the plant simulator (node-opcua, 2 machines, one sample a
 * minute over three plant days including the Europe/Berlin fall-back day, a downtime stretch, a
 * counter reset, a bad-quality stretch) → `historian-extract` (backfill window, pages of 200
 * values so every tag goes through continuation points) → staging in PostgreSQL →
 * `historian-load` → the Odoo 18 test server (XML-RPC) and the OEE report. Then both jobs again:
 * re-staging the same window changes nothing and the loads send nothing more to Odoo.
 *
 * One app, one simulator and one Odoo server for the whole file; each test builds on the runs
 * before it.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgQuery } from '../../core/sql.ts';
import { historianExtractJob } from '../../jobs/historian/historian-extract.ts';
import { historianLoadJob } from '../../jobs/historian/historian-load.ts';
import { STATE_DOWN } from '../../tools/plant-simulator/machines.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { getBatch, listCheckpoints } from '../../load/staging/batches.ts';
import { downtimeKey, scrapKey } from '../../load/historian/load-staging.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { OEE_CSV_HEADER } from '../../load/historian/oee-workbook.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';
import { startTestPlant, type TestPlant } from '../support/opcua.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;

// The window: shift C of Friday 23 Oct 2026 (22:00 CEST) to the end of shift A on Monday 26 Oct
// (14:00 CET). Clocks go back on Sunday 25 Oct at 03:00 CEST (01:00 UTC) → 02:00 CET.
const FROM_PARAM = '2026-10-23T22:00+02:00';
const TO_PARAM = '2026-10-26T14:00+01:00';
const FROM = Date.parse(FROM_PARAM); // 2026-10-23T20:00Z
const TO = Date.parse(TO_PARAM); // 2026-10-26T13:00Z
/** the fall-back day, local midnight to local midnight */
const FALL_BACK_DAY = { from: Date.parse('2026-10-25T00:00+02:00'), to: Date.parse('2026-10-26T00:00+01:00') };

const SHIFTS = [
  { name: 'A', start: '06:00', end: '14:00' },
  { name: 'B', start: '14:00', end: '22:00' },
  { name: 'C', start: '22:00', end: '06:00' },
];
const ASSETS = ['WC-ASSEMBLY', 'WC-DRILL'];
/** Odoo work center ids of the seeded work centers given the asset codes below */
const WORKCENTER_ID: Record<string, number> = { 'WC-ASSEMBLY': 1, 'WC-DRILL': 2 };
/** scrap products: M1's named on its scrap tag, M2's through historian.assets */
const SCRAP_PRODUCT: Record<string, string> = { 'WC-ASSEMBLY': 'FURN_7800', 'WC-DRILL': 'FURN_8522' };
const EQUIPMENT_FAILURE = 2; // mrp.block_reason1 in the seeded loss reasons
const WRITES = ['load', 'create', 'write', 'unlink', 'action_validate'];

let plant: TestPlant;
let odoo: OdooTestServer;
let app: TestApp;
let runner: Runner;
let simTags: string[];
const productId: Record<string, number> = {};
/** stats of the first extract and the first load */
let extract1: Record<string, unknown>;
let load1: Record<string, unknown>;

const knex = () => app.db.knex;
const odooTime = (at: Date | number) => new Date(at).toISOString().slice(0, 19).replace('T', ' ');
const writes = () => WRITES.reduce((n, m) => n + odoo.callCount(undefined, m), 0);

async function runOk(job: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const run: JobRun = await runner.runNow(job, params);
  if (run.status !== 'succeeded') throw new Error(`${job} run ${run.id} ${run.status}: ${run.error?.message ?? ''}`);
  return run.stats;
}

const extract = () => runOk('historian-extract', { from: FROM_PARAM, to: TO_PARAM });

/** what the simulator holds over the window, all tags */
function generated(): { good: number; bad: number } {
  let good = 0;
  let bad = 0;
  for (const tag of simTags) {
    const e = plant.sim.expected(tag, { from: FROM, to: TO });
    good += e.samples.length;
    bad += e.bad;
  }
  return { good, bad };
}

async function sampleFigures(): Promise<{ n: number; distinct: number; sum: string }> {
  const [row] = (
    await pgQuery<{ n: string; distinct: string; sum: string }>(
      knex(),
      'select count(*) as n, count(distinct (tag, ts)) as distinct, coalesce(sum(value::numeric), 0)::text as sum from historian_samples',
    )
  ).rows;
  return { n: Number(row!.n), distinct: Number(row!.distinct), sum: row!.sum };
}

/** every aggregate row, without the batch that wrote it */
async function aggregates(): Promise<Record<string, unknown[]>> {
  const strip = (rows: Record<string, unknown>[]) => rows.map(({ batch_id: _b, ...rest }) => rest);
  return {
    buckets: strip(await knex()('historian_buckets').orderBy(['tag', 'bucket_start'])),
    downtime: strip(await knex()('historian_downtime').orderBy(['asset', 'start_at'])),
    shifts: strip(await knex()('historian_shifts').orderBy(['asset', 'start_at'])),
    scrap: strip(await knex()('historian_scrap').orderBy(['asset', 'product', 'start_at'])),
  };
}

/** per tag: buckets, samples and the sums of each measure */
async function bucketSums(): Promise<Record<string, unknown>[]> {
  const { rows } = await pgQuery<Record<string, unknown>>(
    knex(),
    `select tag, count(*)::int as buckets, sum(samples)::int as samples, sum(delta) as delta, sum(avg) as avg, sum(twa) as twa,
            sum(running_seconds) as running, sum(down_seconds) as down, sum(idle_seconds) as idle
       from historian_buckets group by tag order by tag`,
  );
  return rows;
}

/** Odoo's downtime and scrap records, as the tests compare them */
function odooRecords(): { productivity: unknown[]; scrap: unknown[] } {
  return {
    productivity: odoo
      .records('mrp.workcenter.productivity')
      .map((r) => [r.id, r.workcenter_id, r.loss_id, r.date_start, r.date_end, r.description])
      .sort((a, b) => Number(a[0]) - Number(b[0])),
    scrap: odoo
      .records('stock.scrap')
      .map((r) => [r.id, r.product_id, r.scrap_qty, r.state, r.name, r.origin])
      .sort((a, b) => Number(a[0]) - Number(b[0])),
  };
}

beforeAll(async () => {
  plant = await startTestPlant({
    machines: 2,
    from: FROM,
    to: TO,
    sampleSeconds: 60,
    badQuality: true,
    securityModes: ['None'],
    assets: ASSETS,
  });
  const tags = plant.sim.historianTags().map((t) => (t.name === 'M1.scrap' ? { ...t, product: SCRAP_PRODUCT['WC-ASSEMBLY'] } : t));
  simTags = tags.map((t) => t.name);

  odoo = await startOdooTestServer({ version: 18 });
  odoo.store.transaction(() => {
    const env = { uid: 1, now: '2026-10-01 00:00:00', context: {} };
    for (const [code, id] of Object.entries(WORKCENTER_ID)) odoo.store.write('mrp.workcenter', [id], { code }, env);
  });
  for (const [asset, code] of Object.entries(SCRAP_PRODUCT)) {
    productId[asset] = odoo.records('product.product', [['default_code', '=', code]])[0]!.id as number;
    // three days of scrap of both machines, with room to spare (the seeded 60 / 5 would not do)
    odoo.create('stock.quant', { product_id: productId[asset], location_id: 8, quantity: 100_000 });
  }
  const historian = {
    bucketMinutes: 60,
    overlapMinutes: 15,
    initialLookbackHours: 24,
    maxWindowHours: 168,
    // the whole fall-back weekend (65 h) in one backfill window, one batch: this file is about the calendar
    backfillWindowHours: 72,
    shifts: SHIFTS,
    tags,
    assets: { 'WC-DRILL': { product: SCRAP_PRODUCT['WC-DRILL'] }, 'WC-ASSEMBLY': { idealRatePerHour: 900 } },
    pageSize: 200,
    nodesPerRequest: 3,
  };
  app = await testApp(
    'historian-e2e',
    {
      MFG_ETL_TIMEZONE: 'Europe/Berlin',
      MFG_ETL_LOG_LEVEL: 'info',
      MFG_ETL_OPCUA_ENDPOINT: plant.sim.endpointUrl,
      MFG_ETL_ODOO_URL: odoo.url,
      MFG_ETL_ODOO_DB: odoo.db,
      MFG_ETL_ODOO_USER: 'admin',
      MFG_ETL_ODOO_API_KEY: odoo.adminApiKey,
    },
    { historian },
  );
  runner = new Runner({
    config: app.config,
    db: app.db,
    logger: app.logger,
    registry: createRegistry([historianExtractJob, historianLoadJob]),
  });
  await runner.start();
});

afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
  await plant?.cleanup();
  await odoo?.close();
});

describe('historian-extract over the fall-back weekend', () => {
  it('stages exactly the good samples the simulator generated, read through continuation points, and auto-approves the batch', async () => {
    // the server holds continuation points while the pages of 200 are being read
    let held = 0;
    const watch = setInterval(() => (held = Math.max(held, plant.sim.continuationPoints())), 2);
    try {
      extract1 = await extract();
    } finally {
      clearInterval(watch);
    }
    expect(held).toBeGreaterThan(0);
    const want = generated();
    expect(want.bad).toBeGreaterThan(0);
    expect(extract1).toMatchObject({
      backfill: true,
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
      samples: want.good,
      badQuality: want.bad,
      tagsRead: 8,
    });
    const staged = await sampleFigures();
    expect(staged.n).toBe(want.good);
    expect(staged.distinct).toBe(staged.n);
    // every tag holds far more than a page of 200, and came back complete, in order, without a duplicate
    for (const tag of simTags) {
      const rows = await knex()('historian_samples').where({ tag }).orderBy('ts').select('ts', 'value');
      const expected = plant.sim.expected(tag, { from: FROM, to: TO }).samples;
      expect(expected.length, tag).toBeGreaterThan(10 * 200);
      expect(
        rows.map((r) => [(r.ts as Date).getTime(), r.value]),
        tag,
      ).toEqual(expected.map((s) => [s.ts, s.value]));
    }
    // and every continuation point was released
    expect(plant.sim.continuationPoints()).toBe(0);
    const batch = await getBatch(knex(), Number(extract1.batchId));
    expect(batch).toMatchObject({ kind: 'historian', status: 'approved', approvalComment: 'auto-approved (policy auto)' });
  });

  it('gives the fall-back day 25 hourly buckets per tag, the repeated 02:00 hour twice', async () => {
    const { rows } = await pgQuery<{ tag: string; n: number; minutes: number }>(
      knex(),
      `select tag, count(*)::int as n, (sum(extract(epoch from bucket_end - bucket_start)) / 60)::int as minutes
         from historian_buckets where bucket_start >= $1 and bucket_start < $2 group by tag order by tag`,
      [new Date(FALL_BACK_DAY.from), new Date(FALL_BACK_DAY.to)],
    );
    expect(rows.map((r) => r.tag)).toEqual([...simTags].sort());
    for (const r of rows) expect([r.tag, r.n, r.minutes]).toEqual([r.tag, 25, 25 * 60]);
    // 02:00 local is shown twice: at 00:00 UTC (CEST) and at 01:00 UTC (CET)
    const twice = await knex()('historian_buckets')
      .where({ tag: 'M1.good' })
      .whereIn('bucket_start', [new Date('2026-10-25T00:00:00Z'), new Date('2026-10-25T01:00:00Z')])
      .count({ n: '*' })
      .first();
    expect(Number(twice!.n)).toBe(2);
    // the days around it have 24
    const before = await knex()('historian_buckets')
      .where({ tag: 'M1.good' })
      .where('bucket_start', '>=', new Date('2026-10-24T00:00+02:00'))
      .where('bucket_start', '<', new Date(FALL_BACK_DAY.from))
      .count({ n: '*' })
      .first();
    expect(Number(before!.n)).toBe(24);
  });

  it('makes shift C of the night 24→25 October nine hours long (22:00 CEST to 06:00 CET), the other shifts eight', async () => {
    const shifts = await knex()('historian_shifts')
      .orderBy(['asset', 'start_at'])
      .select('asset', knex().raw('shift_date::text as shift_date'), 'shift', 'start_at', 'end_at', 'complete');
    // per asset: C of the 23rd, A B C of the 24th and the 25th, A of the 26th
    expect(shifts).toHaveLength(ASSETS.length * 8);
    const hours = (r: Record<string, unknown>) => ((r.end_at as Date).getTime() - (r.start_at as Date).getTime()) / HOUR;
    for (const asset of ASSETS) {
      const night = shifts.find((r) => r.asset === asset && r.shift_date === '2026-10-24' && r.shift === 'C');
      expect(night, asset).toBeDefined();
      expect([(night!.start_at as Date).toISOString(), (night!.end_at as Date).toISOString(), hours(night!)]).toEqual([
        '2026-10-24T20:00:00.000Z',
        '2026-10-25T05:00:00.000Z',
        9,
      ]);
      const others = shifts.filter((r) => r.asset === asset && r !== night);
      for (const r of others) expect(`${r.shift_date} ${r.shift}: ${hours(r)}`).toBe(`${r.shift_date} ${r.shift}: 8`);
      // the window ends with shift A of the 26th: every shift is whole
      expect(shifts.filter((r) => r.asset === asset).every((r) => r.complete)).toBe(true);
    }
    // running + down + idle fills the shift (the state holds from the window's first sample)
    const { rows } = await pgQuery<{ asset: string; shift_date: string; shift: string; total: number; length: number }>(
      knex(),
      `select asset, shift_date::text, shift, running_minutes + down_minutes + idle_minutes as total, extract(epoch from end_at - start_at) / 60 as length from historian_shifts`,
    );
    for (const r of rows) expect(r.total, `${r.asset} ${r.shift_date} ${r.shift}`).toBeCloseTo(Number(r.length), 6);
  });

  it('reports the counter reset in the counter_anomalies checkpoint and counts on from zero, never a negative good count', async () => {
    const checks = Object.fromEntries((await listCheckpoints(knex(), Number(extract1.batchId))).map((c) => [c.name, c]));
    const anomalies = checks.counter_anomalies!;
    expect(anomalies).toMatchObject({ passed: false, severity: 'warning' });
    expect(anomalies.measured).toMatchObject({ rollovers: 0 });
    expect(anomalies.measured.tags).toEqual(expect.arrayContaining(['M1.good', 'M2.good']));
    expect(Number(anomalies.measured.resets)).toBeGreaterThanOrEqual(2);
    for (const e of anomalies.measured.examples as { tag: string; kind: string; previous: number; value: number }[]) {
      expect(e.kind).toBe('reset');
      expect(e.value).toBeLessThan(e.previous);
    }
    expect(extract1.counterAnomalies).toBe(anomalies.measured.anomalies);

    // M2.good has no bad samples: its bucket deltas must add up to what the counter counted,
    // the reset counted from 0 (value after it), not as a drop
    const samples = plant.sim.expected('M2.good', { from: FROM, to: TO }).samples;
    let counted = 0;
    let drops = 0;
    for (let i = 1; i < samples.length; i++) {
      const [a, b] = [samples[i - 1]!.value, samples[i]!.value];
      if (b < a) drops++;
      counted += b >= a ? b - a : b;
    }
    expect(drops).toBe(1);
    const [m2] = (await pgQuery<{ delta: number }>(knex(), `select sum(delta) as delta from historian_buckets where tag = 'M2.good'`)).rows;
    expect(Number(m2!.delta)).toBe(counted);
    const negative = await knex()('historian_buckets')
      .whereIn('kind', ['good-counter', 'scrap-counter'])
      .where('delta', '<', 0)
      .count({ n: '*' })
      .first();
    expect(Number(negative!.n)).toBe(0);
    const shiftsNegative = await knex()('historian_shifts').where('good', '<', 0).orWhere('scrap', '<', 0).count({ n: '*' }).first();
    expect(Number(shiftsNegative!.n)).toBe(0);
    const [shiftGood] = (await pgQuery<{ good: number }>(knex(), `select sum(good) as good from historian_shifts where asset = 'WC-DRILL'`))
      .rows;
    expect(Number(shiftGood!.good)).toBe(counted);
  });

  it('counts the bad and uncertain stretch in the bad_quality checkpoint, per tag', async () => {
    const checks = Object.fromEntries((await listCheckpoints(knex(), Number(extract1.batchId))).map((c) => [c.name, c]));
    const bad = checks.bad_quality!;
    const want = generated();
    expect(bad.measured).toMatchObject({ bad: want.bad, total: want.good + want.bad });
    const worst = Object.fromEntries((bad.measured.worst as { tag: string; bad: number }[]).map((w) => [w.tag, w.bad]));
    expect(worst).toEqual({
      'M1.good': plant.sim.expected('M1.good', { from: FROM, to: TO }).bad,
      'M1.temp': plant.sim.expected('M1.temp', { from: FROM, to: TO }).bad,
      'M2.temp': plant.sim.expected('M2.temp', { from: FROM, to: TO }).bad,
    });
    expect(worst['M1.temp']).toBe(30); // 20 bad + 10 uncertain minutes
  });

  it('stages downtime events with the loss reason of the down state, covering every down minute the simulator generated', async () => {
    const events = await knex()('historian_downtime').orderBy(['asset', 'start_at']);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(Number(extract1.downtimeEvents)).toBe(events.length);
    for (const e of events)
      expect([e.tag, e.state_code, e.loss_reason]).toEqual([e.asset === 'WC-ASSEMBLY' ? 'M1.state' : 'M2.state', '2', 'Equipment Failure']);
    for (const [n, asset] of ASSETS.entries()) {
      const state = plant.sim.expected(`M${n + 1}.state`, { from: FROM, to: TO }).samples;
      const downMinutes = state.filter((s) => s.value === STATE_DOWN).length; // one sample a minute
      const mine = events.filter((e) => e.asset === asset);
      expect(
        mine.reduce((m, e) => m + Number(e.minutes), 0),
        asset,
      ).toBeCloseTo(downMinutes, 6);
      // the 45-minute stretch: a down run of at least 45 samples, staged from its first minute
      let run = 0;
      let longest = { start: 0, length: 0 };
      state.forEach((s, i) => {
        run = s.value === STATE_DOWN ? run + 1 : 0;
        if (run > longest.length) longest = { start: state[i - run + 1]!.ts, length: run };
      });
      expect(longest.length, asset).toBeGreaterThanOrEqual(45);
      expect(
        mine.some((e) => (e.start_at as Date).getTime() === longest.start),
        asset,
      ).toBe(true);
      for (const e of mine)
        expect(Number(e.minutes)).toBeCloseTo(((e.end_at as Date).getTime() - (e.start_at as Date).getTime()) / MINUTE, 6);
    }
  });
});

describe('historian-load into Odoo 18', () => {
  it('posts one productivity record per closed staged downtime event, with the staged UTC times and the loss reason', async () => {
    load1 = await runOk('historian-load');
    const closed = await knex()('historian_downtime').where({ open: false }).orderBy(['asset', 'start_at']);
    expect(closed.length).toBeGreaterThan(0);
    const records = odoo.records('mrp.workcenter.productivity');
    expect(records).toHaveLength(closed.length);
    expect(load1.downtime).toEqual({ written: closed.length });
    for (const e of closed) {
      const key = downtimeKey(String(e.asset), e.start_at as Date);
      const id = odoo.xmlid(`mfg_etl.${key}`);
      const rec = records.find((r) => r.id === id);
      expect(rec, key).toBeDefined();
      expect([rec!.workcenter_id, rec!.loss_id, rec!.date_start, rec!.date_end]).toEqual([
        WORKCENTER_ID[String(e.asset)],
        EQUIPMENT_FAILURE,
        odooTime(e.start_at as Date),
        odooTime(e.end_at as Date),
      ]);
    }
    for (const call of odoo.calls('mrp.workcenter.productivity', 'load')) expect(call.context.tz).toBe('UTC');
  });

  it('creates and validates one scrap per asset and complete shift, from the product of the tag or of the asset, and loads the batch', async () => {
    const staged = await knex()('historian_scrap').where({ complete: true }).where('quantity', '>', 0).orderBy(['asset', 'start_at']);
    expect(staged.length).toBeGreaterThanOrEqual(2 * 8);
    const scraps = odoo.records('stock.scrap');
    expect(scraps).toHaveLength(staged.length);
    expect(load1.scrap).toEqual({ validated: staged.length });
    for (const s of staged) expect(s.product).toBe(SCRAP_PRODUCT[String(s.asset)]);
    const { rows } = await pgQuery<{ asset: string; product: string; shift_date: string; shift: string; quantity: number }>(
      knex(),
      `select asset, product, shift_date::text, shift, quantity from historian_scrap where complete and quantity > 0 order by asset, start_at`,
    );
    for (const s of rows) {
      const key = scrapKey(s.asset, s.product, s.shift_date, s.shift);
      const rec = scraps.find((r) => r.id === odoo.xmlid(`mfg_etl.${key}`));
      expect(rec, key).toBeDefined();
      expect([rec!.product_id, rec!.scrap_qty, rec!.state]).toEqual([productId[s.asset], s.quantity, 'done']);
    }
    expect(odoo.callCount('stock.scrap', 'action_validate')).toBe(staged.length);
    expect(load1.batches).toEqual([{ batchId: Number(extract1.batchId), status: 'loaded' }]);
  });

  it('a second load sends Odoo no write at all and leaves its records as they were', async () => {
    const before = odooRecords();
    odoo.stats.reset();
    const stats = await runOk('historian-load');
    expect(writes()).toBe(0);
    expect(odoo.callCount()).toBe(0);
    expect(odooRecords()).toEqual(before);
    expect(stats.written).toBe(0);
    expect(stats.unchanged).toBe(before.productivity.length + before.scrap.length);
  });
});

describe('the same window again', () => {
  it('a second extract of the same window duplicates no sample and stages identical buckets, shifts, downtime and scrap', async () => {
    const samples = await sampleFigures();
    const sums = await bucketSums();
    const rows = await aggregates();
    const stats = await extract();
    expect(stats.batchId).not.toBe(extract1.batchId);
    expect(stats).toMatchObject({
      samples: extract1.samples,
      badQuality: extract1.badQuality,
      buckets: extract1.buckets,
      downtimeEvents: extract1.downtimeEvents,
      status: 'approved',
    });
    expect(await sampleFigures()).toEqual(samples);
    expect(await bucketSums()).toEqual(sums);
    expect(await aggregates()).toEqual(rows);
    // the rows now belong to the new batch
    const mine = await knex()('historian_buckets').where({ batch_id: stats.batchId }).count({ n: '*' }).first();
    expect(Number(mine!.n)).toBe(rows.buckets!.length);
  });

  it('a third load moves the new batch to loaded and writes nothing to Odoo', async () => {
    const before = odooRecords();
    odoo.stats.reset();
    const stats = await runOk('historian-load');
    expect(writes()).toBe(0);
    expect(odooRecords()).toEqual(before);
    const batches = stats.batches as Array<{ batchId: number; status: string }>;
    expect(batches).toHaveLength(1);
    expect(batches[0]!.status).toBe('loaded');
    expect(batches[0]!.batchId).not.toBe(Number(extract1.batchId));
  });
});

describe('the OEE report', () => {
  it('writes a CSV with the documented header and one row per asset and shift, availability between 0 and 1', async () => {
    const report = load1.report as { csv: string; shifts: number };
    const text = fs.readFileSync(report.csv, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(OEE_CSV_HEADER.join(','));
    expect(lines[0]!.startsWith('asset,shift_date,shift,good,scrap,running_minutes,down_minutes,idle_minutes,availability,quality')).toBe(
      true,
    );
    const header = lines[0]!.split(',');
    const col = (name: string) => header.indexOf(name);
    const rows = lines.slice(1).map((l) => l.split(','));
    const shifts = (
      await pgQuery<{ asset: string; shift_date: string; shift: string; running: number; down: number; good: number }>(
        knex(),
        `select asset, shift_date::text, shift, running_minutes as running, down_minutes as down, good from historian_shifts order by asset, start_at`,
      )
    ).rows;
    expect(rows).toHaveLength(shifts.length);
    expect(report.shifts).toBe(shifts.length);
    const keys = rows.map((r) => `${r[col('asset')]} ${r[col('shift_date')]} ${r[col('shift')]}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(shifts.map((s) => `${s.asset} ${s.shift_date} ${s.shift}`).sort());
    for (const r of rows) {
      const key = `${r[col('asset')]} ${r[col('shift_date')]} ${r[col('shift')]}`;
      const s = shifts.find((x) => `${x.asset} ${x.shift_date} ${x.shift}` === key)!;
      const availability = Number(r[col('availability')]);
      expect(availability, key).toBeGreaterThanOrEqual(0);
      expect(availability, key).toBeLessThanOrEqual(1);
      expect(availability, key).toBeCloseTo(s.running / (s.running + s.down), 5);
      expect(Number(r[col('good')]), key).toBeCloseTo(s.good, 5);
      const quality = Number(r[col('quality')]);
      expect(quality, key).toBeGreaterThan(0.9);
      expect(quality, key).toBeLessThanOrEqual(1);
    }
    // the night of the clock change is in the report with its 9 hours
    const night = rows.find((r) => r[col('asset')] === 'WC-ASSEMBLY' && r[col('shift_date')] === '2026-10-24' && r[col('shift')] === 'C')!;
    expect([night[col('shift_start')], night[col('shift_end')]]).toEqual(['2026-10-24 22:00', '2026-10-25 06:00']);
    expect(Number(night[col('running_minutes')]) + Number(night[col('down_minutes')]) + Number(night[col('idle_minutes')])).toBeCloseTo(
      540,
      6,
    );
  });
});

describe('a backfill from the middle of a shift with nothing staged before it', () => {
  it('recomputes that shift but does not mark it complete, so its scrap is not posted as final; the next shift is complete', async () => {
    for (const table of ['historian_samples', 'historian_buckets', 'historian_downtime', 'historian_shifts', 'historian_scrap'])
      await knex()(table).delete();
    // shift A of 25 October runs 06:00–14:00 CET (05:00Z–13:00Z); the window starts two hours into it
    await runOk('historian-extract', { from: '2026-10-25T09:00+01:00', to: '2026-10-25T22:00+01:00' });
    const shifts = (
      await pgQuery<{ asset: string; shift: string; complete: boolean }>(
        knex(),
        `select asset, shift, complete from historian_shifts where shift_date = '2026-10-25' order by asset, start_at`,
      )
    ).rows;
    expect(shifts.filter((s) => s.shift === 'A').map((s) => s.complete)).toEqual([false, false]);
    expect(shifts.filter((s) => s.shift === 'B').map((s) => s.complete)).toEqual([true, true]);
    const scrapA = await knex()('historian_scrap').where({ shift_date: '2026-10-25', shift: 'A' });
    expect(scrapA.every((r) => r.complete === false)).toBe(true);
  });
});
