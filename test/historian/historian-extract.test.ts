/**
 * historian-extract end to end: the plant simulator (node-opcua, 2 machines, a sample every 15 s,
 * a downtime stretch, a counter reset, a bad-quality stretch, history reaching 3 h past the wall
 * clock) on a free port, the real Runner and PostgreSQL. Small pages and few nodes per request
 * force continuation points. One app for the whole file: each test builds on what the runs
 * before it staged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgQuery } from '../../core/sql.ts';
import { OpcuaReadError } from '../../extract/historian/index.ts';
import { historianExtractJob, historianExtractParams, isoShort, planWindows } from '../../jobs/historian/historian-extract.ts';
import { housekeepingJob } from '../../jobs/housekeeping/housekeeping.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { getBatch, listCheckpoints } from '../../load/staging/batches.ts';
import { stageSamples } from '../../load/historian/staging.ts';
import { createRun, type JobRun } from '../../load/ops/runs.ts';
import { shiftInstances } from '../../transform/historian/calendar.ts';
import { parseHistorianSettings } from '../../core/config/historian.ts';
import { runCli } from '../support/cli.ts';
import { startTestPlant, type TestPlant } from '../support/opcua.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const hourNow = Math.floor(Date.now() / HOUR) * HOUR;
const SIM = { from: hourNow - 12 * HOUR, to: hourNow + 3 * HOUR };
const SHIFTS = [
  { name: 'A', start: '06:00', end: '14:00' },
  { name: 'B', start: '14:00', end: '22:00' },
  { name: 'C', start: '22:00', end: '06:00' },
];
/** configured, but no such node on the server */
const MISSING_TAG = { name: 'M9.good', nodeId: 'ns=2;i=9111', asset: 'WC-MACHINE9', kind: 'good-counter' };

let plant: TestPlant;
let app: TestApp;
let runner: Runner;
let section: Record<string, unknown>;
let simTags: string[];
/** what the first two runs read */
let first: Record<string, unknown>;
let second: Record<string, unknown>;

const knex = () => app.db.knex;
const iso = (ms: number) => new Date(ms).toISOString();

async function runOk(params: Record<string, unknown> = {}): Promise<JobRun> {
  const run = await runner.runNow('historian-extract', params);
  if (run.status !== 'succeeded') throw new Error(`run ${run.id} ${run.status}: ${run.error?.message ?? ''}`);
  return run;
}

function expectedSamples(from: number, to: number): { good: number; bad: number } {
  let good = 0;
  let bad = 0;
  for (const tag of simTags) {
    const e = plant.sim.expected(tag, { from, to });
    good += e.samples.length;
    bad += e.bad;
  }
  return { good, bad };
}

async function watermarks(): Promise<Record<string, string>> {
  const rows = await knex()('historian_watermarks').select('tag', 'watermark').orderBy('tag');
  return Object.fromEntries(rows.map((r) => [r.tag as string, (r.watermark as Date).toISOString()]));
}

/** every aggregate row, without the batch that wrote it */
async function aggregates(): Promise<{ buckets: unknown[]; downtime: unknown[]; shifts: unknown[]; scrap: unknown[] }> {
  const strip = (rows: Record<string, unknown>[]) => rows.map(({ batch_id: _b, ...rest }) => rest);
  return {
    buckets: strip(await knex()('historian_buckets').orderBy(['tag', 'bucket_start'])),
    downtime: strip(await knex()('historian_downtime').orderBy(['asset', 'start_at'])),
    shifts: strip(await knex()('historian_shifts').orderBy(['asset', 'start_at'])),
    scrap: strip(await knex()('historian_scrap').orderBy(['asset', 'product', 'start_at'])),
  };
}

/** how many samples are staged, and an order-independent checksum of their values */
async function sampleFigures(): Promise<{ n: number; sum: string }> {
  const [row] = (
    await pgQuery<{ n: string; sum: string }>(
      knex(),
      'select count(*) as n, coalesce(sum(value::numeric), 0)::text as sum from historian_samples',
    )
  ).rows;
  return { n: Number(row!.n), sum: row!.sum };
}

beforeAll(async () => {
  plant = await startTestPlant({ machines: 2, from: SIM.from, to: SIM.to, sampleSeconds: 15, badQuality: true, securityModes: ['None'] });
  const tags = plant.sim.historianTags();
  simTags = tags.map((t) => t.name);
  section = {
    bucketMinutes: 60,
    overlapMinutes: 15,
    initialLookbackHours: 10,
    shifts: SHIFTS,
    tags: [...tags, MISSING_TAG],
    pageSize: 200,
    nodesPerRequest: 3,
    retentionDays: 30,
    checkpoints: { bad_quality: { threshold: 0.5 } },
  };
  app = await testApp(
    'historian-extract',
    { MFG_ETL_TIMEZONE: 'Europe/Berlin', MFG_ETL_OPCUA_ENDPOINT: plant.sim.endpointUrl, MFG_ETL_LOG_LEVEL: 'info' },
    { historian: section },
  );
  runner = new Runner({
    config: app.config,
    db: app.db,
    logger: app.logger,
    registry: createRegistry([historianExtractJob, housekeepingJob]),
  });
  await runner.start();
});

afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
  await plant?.cleanup();
});

describe('planning the windows', () => {
  const s = parseHistorianSettings({ shifts: SHIFTS, maxWindowHours: 24, overlapMinutes: 15 });
  const tag = (name: string) => parseHistorianSettings({ tags: [{ name, nodeId: 'ns=2;i=1', asset: 'A', kind: 'analog' }] }).tags[0]!;
  const now = Date.parse('2026-11-26T10:20:30Z');

  it('reads each tag from its watermark less the overlap, one read per start, and says when maxWindowHours leaves it behind', () => {
    const wm = new Map([
      ['a', Date.parse('2026-11-26T10:00Z')],
      ['b', Date.parse('2026-11-26T10:00Z')],
      ['c', Date.parse('2026-11-23T00:00Z')],
    ]);
    const plan = planWindows(s, 'Europe/Berlin', ['a', 'b', 'c', 'new'].map(tag), wm, {}, now);
    expect(plan.windows.map((w) => [w.tag.name, iso(w.from)])).toEqual([
      ['a', '2026-11-26T09:45:00.000Z'],
      ['b', '2026-11-26T09:45:00.000Z'],
      ['c', '2026-11-22T23:45:00.000Z'],
      // no watermark: now − 24 h, back to the start of its shift (C, 22:00 Berlin = 21:00 UTC)
      ['new', '2026-11-25T05:00:00.000Z'],
    ]);
    expect(iso(plan.from)).toBe('2026-11-22T23:45:00.000Z');
    expect(iso(plan.to)).toBe('2026-11-23T23:45:00.000Z');
    expect(plan.behindMs).toBe(now - plan.to);
  });

  it('gives every tag the backfill window', () => {
    const params = historianExtractParams.parse({ from: '2026-11-20T06:00Z', to: '2026-11-20T08:00+01:00' });
    const plan = planWindows(s, 'Europe/Berlin', [tag('a'), tag('b')], new Map([['a', now]]), params, now);
    expect(plan.windows.map((w) => iso(w.from))).toEqual(['2026-11-20T06:00:00.000Z', '2026-11-20T06:00:00.000Z']);
    expect([iso(plan.to), plan.backfill, plan.behindMs]).toEqual(['2026-11-20T07:00:00.000Z', true, 0]);
    expect(() => historianExtractParams.parse({ from: '2026-11-20T06:00Z' })).toThrow(/both from and to/);
    expect(() => historianExtractParams.parse({ from: '2026-11-20T07:00Z', to: '2026-11-20T06:00Z' })).toThrow(/before/);
    expect(() => historianExtractParams.parse({ from: '2026-11-20T06:00', to: '2026-11-20T07:00' })).toThrow(/offset/);
  });
});

describe('historian-extract', () => {
  it('stages every good sample of the first window with hourly buckets, downtime and shift summaries, and advances the watermarks', async () => {
    const run = await runOk();
    first = run.stats;
    const from = Date.parse(String(first.from));
    const to = Date.parse(String(first.to));
    expect(to).toBeLessThanOrEqual(Date.now());
    expect(to - from).toBeGreaterThanOrEqual(10 * HOUR);

    const expected = expectedSamples(from, to);
    expect(first).toMatchObject({ samples: expected.good, badQuality: expected.bad, tags: 9, tagsRead: 8 });
    expect((await sampleFigures()).n).toBe(expected.good);
    // nothing staged before: every sample went in by COPY (PostgreSQL), none by INSERT
    expect(first.sampleStaging).toEqual({ copied: expected.good, inserted: 0, upserted: 0 });
    for (const tag of ['M1.good', 'M2.temp']) {
      const staged = await knex()('historian_samples').where({ tag }).orderBy('ts').select('ts', 'value');
      expect(staged.map((r) => [(r.ts as Date).getTime(), r.value])).toEqual(
        plant.sim.expected(tag, { from, to }).samples.map((s) => [s.ts, s.value]),
      );
    }

    const hours = Math.ceil((to - Date.parse(String(first.recomputedFrom))) / HOUR);
    expect(Number((await knex()('historian_buckets').count({ n: '*' }).first())!.n)).toBe(8 * hours);
    const down = await knex()('historian_downtime').where({ loss_reason: 'Equipment Failure' }).select('asset', 'minutes');
    // each machine's 45-minute stretch (maybe split at a shift boundary), plus any short stops
    for (const asset of ['WC-MACHINE1', 'WC-MACHINE2']) {
      expect(down.filter((d) => d.asset === asset).reduce((m, d) => m + (d.minutes as number), 0)).toBeGreaterThanOrEqual(44);
    }
    // complete: exactly the shifts the simulator has data for from their start (15 min gap allowed) to their end
    const shifts = await knex()('historian_shifts').select('asset', 'start_at', 'good', 'running_minutes', 'complete');
    const whole = shiftInstances({ from: Date.parse(String(first.recomputedFrom)), to }, 'Europe/Berlin', SHIFTS).filter(
      (sh) => sh.start >= SIM.from - 15 * MINUTE && sh.end <= to,
    );
    expect(
      shifts
        .filter((r) => r.complete)
        .map((r) => `${r.asset} ${(r.start_at as Date).getTime()}`)
        .sort(),
    ).toEqual(whole.flatMap((sh) => ['WC-MACHINE1', 'WC-MACHINE2'].map((a) => `${a} ${sh.start}`)).sort());
    for (const r of shifts.filter((x) => x.complete)) expect((r.good as number) > 0 && (r.running_minutes as number) > 0).toBe(true);

    const marks = await watermarks();
    expect(marks).toEqual(Object.fromEntries(simTags.map((t) => [t, iso(to)]).sort()));
    expect(marks[MISSING_TAG.name]).toBeUndefined();
    const batch = await getBatch(knex(), Number(first.batchId));
    expect(batch).toMatchObject({ kind: 'historian', status: 'approved', scope: `${isoShort(from)}/${isoShort(to)}` });
    expect((first.summary as string[]).join('\n')).toMatch(
      new RegExp(`samples ${expected.good.toLocaleString('en')} good[\\s\\S]*batch ${batch.id} approved`),
    );
  });

  it('a second run re-reads the overlap without duplicating a sample and recomputes the same buckets, downtime and shifts', async () => {
    const before = await aggregates();
    const to1 = Date.parse(String(first.to));
    const run = await runOk();
    second = run.stats;
    expect(Date.parse(String(second.from))).toBe(to1 - 15 * MINUTE);
    const to2 = Date.parse(String(second.to));
    expect(Number(second.samples)).toBeGreaterThan(0);

    // the samples of both windows exactly once: the overlap was upserted, not added
    expect((await sampleFigures()).n).toBe(expectedSamples(Date.parse(String(first.from)), to2).good);
    const after = await aggregates();
    // everything that ended before the first run's end came out the same…
    const settled = (rows: unknown[], end: string) =>
      (rows as Record<string, Date>[]).filter((r) => r[end]!.getTime() <= to1 - 15 * MINUTE);
    expect(settled(after.buckets, 'bucket_end')).toEqual(settled(before.buckets, 'bucket_end'));
    expect(settled(after.downtime, 'end_at')).toEqual(settled(before.downtime, 'end_at'));
    expect(settled(after.shifts, 'end_at')).toEqual(settled(before.shifts, 'end_at'));
    // …one bucket per tag and hour, and no two downtime events of an asset overlapping
    const hours = Math.ceil((to2 - Date.parse(String(first.recomputedFrom))) / HOUR);
    expect(after.buckets).toHaveLength(8 * hours);
    const [overlaps] = (
      await pgQuery<{ n: string }>(
        knex(),
        'select count(*) as n from historian_downtime a join historian_downtime b on a.asset = b.asset and a.start_at < b.start_at and a.end_at > b.start_at',
      )
    ).rows;
    expect(Number(overlaps!.n)).toBe(0);
    const rewritten = await knex()('historian_buckets').where({ batch_id: second.batchId }).count({ n: '*' }).first();
    expect(Number(rewritten!.n)).toBe(8 * Math.ceil((to2 - Date.parse(String(second.recomputedFrom))) / HOUR));
    expect(await watermarks()).toEqual(Object.fromEntries(simTags.map((t) => [t, iso(to2)]).sort()));
  });

  it('a tag behind the others is read from its own watermark in a second read of the same run, without a duplicate', async () => {
    const before = await aggregates();
    const to2 = Date.parse(String(second.to));
    await knex()('historian_watermarks')
      .where({ tag: 'M2.temp' })
      .update({ watermark: new Date(to2 - 3 * HOUR) });
    const dry = await runner.runNow('historian-extract', {}, { dryRun: true });
    // a dry run does not connect: the tag the server does not know is still planned (from the lookback)
    expect((dry.stats.reads as { from: string; tags: string[] }[]).filter((r) => !r.tags.includes(MISSING_TAG.name))).toEqual([
      { from: iso(to2 - 3 * HOUR - 15 * MINUTE), tags: ['M2.temp'] },
      { from: iso(to2 - 15 * MINUTE), tags: simTags.filter((t) => t !== 'M2.temp') },
    ]);

    const run = await runOk();
    const to3 = Date.parse(String(run.stats.to));
    const perTag = (await getBatch(knex(), Number(run.stats.batchId))).stats.perTag as Record<string, { from: string; samples: number }>;
    expect(perTag['M2.temp']).toMatchObject({
      from: iso(to2 - 3 * HOUR - 15 * MINUTE),
      samples: plant.sim.expected('M2.temp', { from: to2 - 3 * HOUR - 15 * MINUTE, to: to3 }).samples.length,
    });
    expect(perTag['M1.good']).toMatchObject({
      from: iso(to2 - 15 * MINUTE),
      samples: plant.sim.expected('M1.good', { from: to2 - 15 * MINUTE, to: to3 }).samples.length,
    });
    expect((await sampleFigures()).n).toBe(expectedSamples(Date.parse(String(first.from)), to3).good);
    const after = await aggregates();
    const settled = (rows: unknown[], end: string) =>
      (rows as Record<string, Date>[]).filter((r) => r[end]!.getTime() <= to2 - 15 * MINUTE);
    expect(settled(after.buckets, 'bucket_end')).toEqual(settled(before.buckets, 'bucket_end'));
    expect(settled(after.shifts, 'end_at')).toEqual(settled(before.shifts, 'end_at'));
    second = run.stats;
  });

  it('a backfill window restores what it covers, replaces rather than adds, and leaves the watermarks alone', async () => {
    const H = Math.floor(Date.parse(String(second.to)) / HOUR) * HOUR;
    const window = { from: H - 6 * HOUR, to: H - 4 * HOUR };
    const clean = await aggregates();
    const samples = await sampleFigures();
    const marks = await watermarks();
    // damage inside the window: a bucket, the downtime events, a sample, and the shift it starts in
    await knex()('historian_buckets')
      .where({ tag: 'M1.good', bucket_start: new Date(window.from + HOUR) })
      .update({ delta: 123456 });
    await knex()('historian_downtime')
      .where('start_at', '>=', new Date(window.from))
      .andWhere('start_at', '<', new Date(window.to))
      .delete();
    await knex()('historian_samples')
      .where({ tag: 'M1.temp', ts: new Date(window.from + 30 * MINUTE) })
      .update({ value: -1 });
    await knex()('historian_shifts')
      .where('start_at', '<=', new Date(window.from))
      .andWhere('end_at', '>', new Date(window.from))
      .update({ good: -1 });

    const run = await runOk({ from: iso(window.from), to: iso(window.to) });
    expect(run.stats).toMatchObject({
      backfill: true,
      from: iso(window.from),
      to: iso(window.to),
      samples: expectedSamples(window.from, window.to).good,
    });
    expect(await aggregates()).toEqual(clean);
    expect(await sampleFigures()).toEqual(samples);
    expect(await watermarks()).toEqual(marks);
    const batch = await getBatch(knex(), Number(run.stats.batchId));
    expect(batch.scope).toBe(`${iso(window.from).slice(0, 16)}Z/${iso(window.to).slice(0, 16)}Z`);
    const mine = await knex()('historian_buckets').where({ batch_id: batch.id }).count({ n: '*' }).first();
    expect(Number(mine!.n)).toBeGreaterThanOrEqual(8 * 2);
  });

  it('mfg-etl batch --json shows samples, badQuality, buckets, downtimeEvents, from and to', async () => {
    const id = Number(first.batchId);
    const cli = await runCli(['batch', String(id), '--json'], app.env, app.dir);
    expect(cli.code, cli.stderr).toBe(0);
    const shown = JSON.parse(cli.stdout) as { stats: Record<string, unknown> };
    expect(shown.stats).toMatchObject({
      samples: first.samples,
      badQuality: first.badQuality,
      buckets: first.buckets,
      downtimeEvents: first.downtimeEvents,
      from: first.from,
      to: first.to,
    });
    expect(Number(shown.stats.downtimeEvents)).toBeGreaterThan(0);
  });

  it('checkpoints measure the bad-quality stretch, the gaps it leaves, the counter reset and the tag the server does not know', async () => {
    const checks = Object.fromEntries((await listCheckpoints(knex(), Number(first.batchId))).map((c) => [c.name, c]));
    expect(checks.bad_quality).toMatchObject({
      passed: false,
      severity: 'warning',
      measured: { bad: first.badQuality, thresholdPercent: 0.5 },
    });
    expect(Number(checks.bad_quality!.measured.percent)).toBeGreaterThan(0.5);
    // 20 bad and 10 uncertain minutes on every temperature: a 30-minute hole in the good samples
    expect(checks.gaps).toMatchObject({ passed: false, severity: 'warning' });
    const gapTags = (checks.gaps!.measured.examples as { tag: string; minutes: number }[]).map((e) => e.tag);
    expect(gapTags).toEqual(expect.arrayContaining(['M1.temp', 'M2.temp']));
    expect(checks.counter_anomalies).toMatchObject({ passed: false, measured: { resets: expect.any(Number) } });
    expect(Number(checks.counter_anomalies!.measured.resets)).toBeGreaterThanOrEqual(4); // both counters of both machines
    expect(checks.silent_tags).toMatchObject({
      passed: false,
      measured: { silent: 1, examples: [{ tag: 'M9.good', reason: expect.stringMatching(/not found on the server/) }] },
    });
    expect(checks.future_timestamps).toMatchObject({ passed: true, measured: { samples: 0 } });
  });

  it('a backfill reaching past the wall clock finds future-stamped samples and the batch is rejected', async () => {
    const now = Date.now();
    const run = await runOk({ from: iso(hourNow), to: iso(hourNow + 2 * HOUR) });
    const batch = await getBatch(knex(), Number(run.stats.batchId));
    expect(batch.status).toBe('rejected');
    const future = (await listCheckpoints(knex(), batch.id)).find((c) => c.name === 'future_timestamps')!;
    expect(future).toMatchObject({ passed: false, severity: 'error' });
    const stamped = plant.sim.expected('M1.state', { from: now + 1000, to: hourNow + 2 * HOUR }).samples.length;
    expect(Number(future.measured.samples)).toBeGreaterThanOrEqual(8 * stamped);
  });

  it('a read that fails partway stages nothing and leaves the watermarks where they were', async () => {
    const samples = await sampleFigures();
    const clean = await aggregates();
    const marks = await watermarks();
    const batches = await knex()('batches').count({ n: '*' }).first();
    // the server's clock node exists but keeps no history: read last, after every machine's pages
    const broken = {
      ...section,
      nodesPerRequest: 1,
      tags: [...(section.tags as object[]), { name: 'server.time', nodeId: 'i=2258', asset: 'SERVER', kind: 'analog' }],
    };
    const run = await createRun(knex(), { job: 'historian-extract', trigger: 'manual' });
    const progress: number[] = [];
    const ctx = {
      config: { ...app.config, file: { ...app.config.file, historian: broken } },
      db: app.db,
      logger: app.logger,
      signal: new AbortController().signal,
      runId: run.id,
      attempt: 1,
      dryRun: false,
      progress: (_m: string, done?: number) => void progress.push(done ?? 0),
    };
    const params = historianExtractParams.parse({ from: iso(SIM.from), to: iso(hourNow) });
    const failed = historianExtractJob.run(ctx, params);
    await expect(failed).rejects.toBeInstanceOf(OpcuaReadError);
    await expect(failed).rejects.toThrow(/server\.time/);
    // chunks of samples were staged before the failing node was reached, then rolled back
    expect(progress.length).toBeGreaterThan(0);
    expect(await sampleFigures()).toEqual(samples);
    expect(await aggregates()).toEqual(clean);
    expect(await watermarks()).toEqual(marks);
    expect(await knex()('batches').count({ n: '*' }).first()).toEqual(batches);
  });

  it('refuses an absurd backfill range before queueing anything: exit 2, one line', async () => {
    const cli = await runCli(
      ['run', 'historian-extract', '--param', 'from=1970-01-01T00:00Z', '--param', 'to=2100-01-01T00:00Z'],
      app.env,
      app.dir,
    );
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/^mfg-etl: historian-extract: to 2100-01-01T00:00Z lies \d+ days in the future/);
    const huge = await runCli(
      ['run', 'historian-extract', '--param', 'from=2020-01-01T00:00Z', '--param', `to=${iso(hourNow).slice(0, 16)}Z`],
      app.env,
      app.dir,
    );
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/more than historian\.backfillMaxDays \(366\)/);
    const recorded = await knex()('job_runs').whereRaw("params->>'from' in ('1970-01-01T00:00Z', '2020-01-01T00:00Z')").count({ n: '*' });
    expect(Number(recorded[0]!.n)).toBe(0);
  });

  describe('a long backfill', () => {
    const range = { from: hourNow - 10 * HOUR, to: hourNow - HOUR };
    const windowed = () => ({ ...section, backfillWindowHours: 3 });
    async function backfillCtx(signal: AbortSignal, progress: string[], runId?: number) {
      const run = runId ?? (await createRun(knex(), { job: 'historian-extract', trigger: 'manual' })).id;
      return {
        config: { ...app.config, file: { ...app.config.file, historian: windowed() } },
        db: app.db,
        logger: app.logger,
        signal,
        runId: run,
        attempt: 1,
        dryRun: false,
        progress: (m: string) => void progress.push(m),
      };
    }
    const params = () => historianExtractParams.parse({ from: iso(range.from), to: iso(range.to) });
    const historianBatches = async () =>
      (await knex()('batches').where({ kind: 'historian' }).orderBy('id').select('id', 'scope', 'run_id')) as {
        id: number;
        scope: string;
        run_id: number;
      }[];

    it('goes in windows of at most backfillWindowHours, one committed batch each, with progress per window', async () => {
      const before = (await historianBatches()).length;
      const progress: string[] = [];
      const ctx = await backfillCtx(new AbortController().signal, progress);
      const stats = await historianExtractJob.run(ctx, params());
      const windows = Number(stats.windows);
      expect(windows).toBeGreaterThanOrEqual(3);
      expect(stats).toMatchObject({ backfill: true, windowsStaged: windows, samples: expectedSamples(range.from, range.to).good });
      const mine = (await historianBatches()).slice(before);
      expect(mine).toHaveLength(windows);
      for (const b of mine) {
        const [f, t] = b.scope.split('/').map((x) => Date.parse(x));
        expect(t! - f!).toBeLessThanOrEqual(3 * HOUR);
      }
      expect(mine[0]!.scope.startsWith(isoShort(range.from))).toBe(true);
      expect(mine.at(-1)!.scope.endsWith(isoShort(range.to))).toBe(true);
      expect(progress.filter((m) => /^historian backfill window \d+\/\d+ /.test(m))).toHaveLength(windows);
    });

    it('a failure mid-way keeps the windows before it, says which and how to resume; the retry resumes', async () => {
      const before = (await historianBatches()).length;
      const controller = new AbortController();
      const progress: string[] = [];
      const ctx = await backfillCtx(controller.signal, progress);
      // the run is stopped while the second window reads
      ctx.progress = (m: string) => {
        progress.push(m);
        if (m.startsWith('historian backfill window 2/')) controller.abort(new Error('stopped for the test'));
      };
      const failed = historianExtractJob.run(ctx, params());
      await expect(failed).rejects.toThrow(
        /^backfill window 2 of \d+ \(\S+\) failed: .*; windows 1–1 \(\S+ → (\S+)\) are staged in batches \d+; the rest: mfg-etl run historian-extract --param from=\1 --param to=\S+$/,
      );
      const after = (await historianBatches()).slice(before);
      expect(after).toHaveLength(1);
      // a retry of the same run (same queue job) skips the staged window and does the rest
      const retry = await historianExtractJob.run({ ...ctx, signal: new AbortController().signal, progress: () => {} }, params());
      expect(retry).toMatchObject({ windowsResumed: 1, windowsStaged: Number(retry.windows) - 1 });
      const all = (await historianBatches()).slice(before);
      expect(all).toHaveLength(Number(retry.windows));
      expect(new Set(all.map((b) => b.scope)).size).toBe(all.length);
    });
  });

  it('housekeeping removes samples older than historian.retentionDays and nothing newer', async () => {
    const old = Date.now() - 40 * 24 * HOUR;
    await stageSamples(
      knex(),
      Number(first.batchId),
      ['M1.temp'],
      { tagNo: [1, 1, 1], ts: [old, old + MINUTE, old + 2 * MINUTE], values: [1, 2, 3] },
      true,
    );
    const kept = (await sampleFigures()).n - 3;
    const run = await runner.runNow('housekeeping', {});
    expect(run.status).toBe('succeeded');
    expect(run.stats).toMatchObject({ historianSamplesRemoved: 3, retentionDays: { historianSamples: 30 } });
    expect((await sampleFigures()).n).toBe(kept);
  });
});
