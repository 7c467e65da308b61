/**
 * bench/historian-extract: the historian extract end to end against the raw HistoryRead alone,
 * from an in-process plant simulator. Not a timed test: the figures depend on the machine.
 *
 *   npm run bench -- historian-extract
 *
 * 1. Starts the plant simulator (jobs/plant-simulator) in this process: 25 machines × 4 tags =
 *    100 tags, 24 hours ending at the last full hour, one sample every 10 s: 864,000 samples.
 * 2. Raw: opens the extract's connection, resolves the tags and drains readRaw over the window
 *    (the job's page size and nodes per request), counting samples; nothing else. After a small
 *    warm-up read, and once more after the end-to-end run (the faster of the two counts).
 * 3. End to end: the real historian-extract job through the real Runner (pg-boss queue, job_runs,
 *    batch, checkpoints, watermarks) on the real PostgreSQL, in a fresh schema `bench_<pid>`:
 *    read, aggregate (hourly buckets, shifts, downtime) and stage. Wall time is runner.runNow()
 *    from enqueue to the finished run (a Runner started before the clock); the job's own
 *    breakdown (read with staging overlapped, waiting for staging, aggregation, writes) and how
 *    the samples went in (COPY on PostgreSQL, INSERT, upsert) come from its stats.
 * RSS is sampled every 20 ms (plus the kernel's high-water mark). The simulator shares the event
 * loop with the client, so both figures include the server's encoding work.
 *
 * Ends with one JSON line of the figures. The schemas and the temp folder are removed at the end,
 * also after a failure or Ctrl-C.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { openHistorian, opcuaSettings, type ReadNode } from '../extract/historian/index.ts';
import { historianExtractJob } from '../jobs/historian/historian-extract.ts';
import { type PlantSimulator, startPlantSimulator } from '../tools/plant-simulator/server.ts';
import { createRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';
import { getBatch } from '../load/staging/batches.ts';
import { parseHistorianSettings } from '../core/config/historian.ts';
import { type MemoryReport, withMemorySampler } from './support/memory.ts';
import { BENCH_DATABASE_URL, benchScratch, withTimeout, quietLogger } from './support/scratch.ts';

const MACHINES = 25;
const SAMPLE_SECONDS = 10;
const HOURS = 24;
const HOUR = 3_600_000;
const TARGET_SAMPLES_PER_SEC = 50_000;
const TARGET_RATIO = 2;

const scratch = benchScratch('bench');
const schema = scratch.schema;

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const round = (n: number, digits: number) => Number(n.toFixed(digits));
const since = (t0: number) => (performance.now() - t0) / 1000;

let dir: string | undefined;
let sim: PlantSimulator | undefined;
let app: App | undefined;
let runner: Runner | undefined;
scratch.onCleanup('runner stop', () => runner && withTimeout(runner.stop(), 10_000));
scratch.onCleanup('close', () => app && withTimeout(app.close(), 10_000));
scratch.onCleanup('simulator stop', () => sim && withTimeout(sim.stop(), 10_000));
scratch.onCleanup('remove temp folder', () => dir && rm(dir, { recursive: true, force: true }));

const logLines: string[] = [];

interface Measured {
  seconds: number;
  samples: number;
  samplesPerSec: number;
  nodeCpuSeconds: number;
  load: [number, number];
  memory: MemoryReport;
}

async function measure(work: () => Promise<number>): Promise<Measured> {
  const load0 = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  let seconds = 0;
  const { result: samples, memory } = await withMemorySampler(async () => {
    const t0 = performance.now();
    const n = await work();
    seconds = since(t0);
    return n;
  });
  const cpu = process.cpuUsage(cpu0);
  return {
    seconds,
    samples,
    samplesPerSec: samples / seconds,
    nodeCpuSeconds: (cpu.user + cpu.system) / 1e6,
    load: [load0, loadavg()[0]!],
    memory,
  };
}

function describe(label: string, m: Measured): string {
  const busy = Math.max(...m.load) > availableParallelism() ? ' — BUSY MACHINE, figures skewed' : '';
  return [
    `${label}: ${fmt(m.samples)} samples in ${fmt(m.seconds, 2)} s = ${fmt(m.samplesPerSec)} samples/s`,
    `  Node CPU ${fmt(m.nodeCpuSeconds, 2)} s (client and in-process server); load average ${fmt(m.load[0], 1)} → ${fmt(m.load[1], 1)} on ${availableParallelism()} CPUs${busy}`,
    `  RSS before ${fmt(m.memory.beforeMb)} MB, peak ${fmt(m.memory.peakMb)} MB` +
      (m.memory.hwmMb === undefined ? '' : `, kernel high-water mark ${fmt(m.memory.hwmMb)} MB`) +
      `; V8 heap used peak ${fmt(m.memory.heapUsedPeakMb)} MB; longest sampler gap ${fmt(m.memory.maxGapMs)} ms`,
  ].join('\n');
}

async function main(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'mfg-etl-bench-historian-'));
  const to = Math.floor(Date.now() / HOUR) * HOUR;
  const window = { from: to - HOURS * HOUR, to };
  let t = performance.now();
  sim = await startPlantSimulator({
    port: 0,
    machines: MACHINES,
    from: window.from,
    to: window.to,
    sampleSeconds: SAMPLE_SECONDS,
    pkiDir: join(dir, 'server-pki'),
    securityModes: ['None'],
  });
  const tags = sim.historianTags();
  const expected = tags.reduce((n, tag) => n + sim!.expected(tag.name, window).samples.length, 0);
  console.log(
    `historian-extract bench: ${tags.length} tags × ${HOURS} h × one sample every ${SAMPLE_SECONDS} s = ${fmt(expected)} good samples ` +
      `(${new Date(window.from).toISOString()} → ${new Date(window.to).toISOString()}); simulator ${sim.endpointUrl} up in ${fmt(since(t), 1)} s; schema ${schema}`,
  );

  const section = {
    bucketMinutes: 60,
    initialLookbackHours: HOURS,
    shifts: [
      { name: 'A', start: '06:00', end: '14:00' },
      { name: 'B', start: '14:00', end: '22:00' },
      { name: 'C', start: '22:00', end: '06:00' },
    ],
    tags,
  };
  const settings = parseHistorianSettings(section);
  const configFile = join(dir, 'mfg-etl.config.json');
  await writeFile(configFile, JSON.stringify({ historian: section }));
  const env: Env = {
    MFG_ETL_DATABASE_URL: BENCH_DATABASE_URL,
    MFG_ETL_SCHEMA: schema,
    MFG_ETL_CONFIG: configFile,
    MFG_ETL_DATA_DIR: join(dir, 'data'),
    MFG_ETL_INBOX: join(dir, 'inbox'),
    MFG_ETL_REPORTS: join(dir, 'reports'),
    MFG_ETL_TIMEZONE: 'Europe/Berlin',
    MFG_ETL_OPCUA_ENDPOINT: sim.endpointUrl,
    MFG_ETL_LOG_LEVEL: 'warn',
    MFG_ETL_WORKER_POLL_SECONDS: '0.5',
    MFG_ETL_RETRY_LIMIT: '0',
  };
  const config = loadConfig(env, dir);
  const logger = quietLogger(config.redactor, logLines);
  app = await openApp({ env, cwd: dir, logger });
  const read = { pageSize: settings.pageSize, nodesPerRequest: settings.nodesPerRequest };
  console.log(`HistoryRead: ${read.pageSize} values per node per page, ${read.nodesPerRequest} nodes per request`);

  // raw: the same connection, tag resolution and reads the job does, the samples only counted
  const raw = async (range: { from: number; to: number }): Promise<number> => {
    const conn = await openHistorian(opcuaSettings(app!.config, settings), logger);
    try {
      const nodes = await conn.resolveTags(tags);
      const list: ReadNode[] = tags.map((tag) => ({ tag: tag.name, nodeId: nodes.get(tag.name)! }));
      let n = 0;
      for await (const page of conn.readRaw(list, range, read)) n += page.samples.length;
      return n;
    } finally {
      await conn.close();
    }
  };
  t = performance.now();
  await raw({ from: window.from, to: window.from + HOUR });
  console.log(`warm-up: one hour of every tag read in ${fmt(since(t), 2)} s`);

  const raw1 = await measure(() => raw(window));
  if (raw1.samples !== expected) throw new Error(`raw read: ${raw1.samples} samples, expected ${expected}`);
  console.log(describe('raw HistoryRead (1)', raw1));

  runner = new Runner({ config: app.config, db: app.db, logger, registry: createRegistry([historianExtractJob]) });
  await runner.start();
  let stats: Record<string, unknown> = {};
  let jobSeconds: number | undefined;
  let batchStatus = '';
  const e2e = await measure(async () => {
    const run = await runner!.runNow('historian-extract', {});
    if (run.status !== 'succeeded') throw new Error(`run ${run.id} ${run.status}: ${run.error?.message ?? ''}\n${logLines.join('\n')}`);
    stats = run.stats;
    jobSeconds = run.startedAt && run.finishedAt ? (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000 : undefined;
    return Number(stats.samples);
  });
  await runner.stop();
  runner = undefined;
  if (e2e.samples !== expected)
    throw new Error(`end to end: ${e2e.samples} samples staged, expected ${expected}: ${JSON.stringify(stats)}`);
  const staged = await app.db.knex('historian_samples').count({ n: '*' }).first();
  if (Number(staged?.n) !== expected) throw new Error(`end to end: ${String(staged?.n)} rows in historian_samples, expected ${expected}`);
  batchStatus = (await getBatch(app.db.knex, Number(stats.batchId))).status;
  const timings = stats.timings as Record<string, number>;
  const staging = (stats.sampleStaging ?? {}) as { copied?: number; inserted?: number; upserted?: number };
  console.log(describe('end to end (read + aggregate + stage, through the Runner)', e2e));
  console.log(
    `  job body ${jobSeconds === undefined ? '?' : fmt(jobSeconds, 2)} s: read with staging overlapped ${fmt(timings.readMs! / 1000, 2)} s ` +
      `(staging ${fmt(timings.stageMs! / 1000, 2)} s in all: ${fmt(staging.copied ?? 0)} samples by COPY, ${fmt(staging.inserted ?? 0)} by INSERT, ${fmt(staging.upserted ?? 0)} upserted; ` +
      `the read waiting for it ${fmt(timings.stageWaitMs! / 1000, 2)} s), aggregate ${fmt(timings.aggregateMs! / 1000, 2)} s, ` +
      `buckets/downtime/shifts/checkpoints/watermarks ${fmt(timings.writeMs! / 1000, 2)} s; the rest is the queue, the batch and the commit`,
  );
  console.log(
    `  batch ${String(stats.batchId)} ${batchStatus}: ${fmt(Number(stats.buckets))} buckets, ${fmt(Number(stats.downtimeEvents))} downtime events, ${fmt(Number(stats.shifts))} shift summaries`,
  );

  const raw2 = await measure(() => raw(window));
  console.log(describe('raw HistoryRead (2)', raw2));
  const rawBest = raw1.seconds <= raw2.seconds ? raw1 : raw2;
  const ratio = e2e.seconds / rawBest.seconds;
  const peakRssMb = Math.max(raw1.memory.peakMb, e2e.memory.peakMb, raw2.memory.peakMb);
  const met = { samplesPerSec: e2e.samplesPerSec >= TARGET_SAMPLES_PER_SEC, ratio: ratio <= TARGET_RATIO };
  console.log(
    `\nend to end ${fmt(e2e.samplesPerSec)} samples/s (target ≥ ${fmt(TARGET_SAMPLES_PER_SEC)}: ${met.samplesPerSec ? 'met' : 'MISSED'}); ` +
      `raw ${fmt(rawBest.samplesPerSec)} samples/s; end to end / raw = ${fmt(ratio, 2)}× (target ≤ ${TARGET_RATIO}×: ${met.ratio ? 'met' : 'MISSED'}); ` +
      `peak RSS ${fmt(peakRssMb)} MB`,
  );
  console.log(
    JSON.stringify({
      bench: 'historian-extract',
      tags: tags.length,
      samples: expected,
      pageSize: read.pageSize,
      nodesPerRequest: read.nodesPerRequest,
      raw: {
        seconds: round(rawBest.seconds, 3),
        samplesPerSec: Math.round(rawBest.samplesPerSec),
        runs: [round(raw1.seconds, 3), round(raw2.seconds, 3)],
      },
      endToEnd: {
        seconds: round(e2e.seconds, 3),
        samplesPerSec: Math.round(e2e.samplesPerSec),
        jobSeconds: jobSeconds === undefined ? null : round(jobSeconds, 3),
        timings,
        sampleStaging: staging,
        batchStatus,
        buckets: stats.buckets,
        downtimeEvents: stats.downtimeEvents,
      },
      ratio: round(ratio, 3),
      peakRssMb: round(peakRssMb, 1),
      rssMb: {
        raw: round(raw1.memory.peakMb, 1),
        endToEnd: round(e2e.memory.peakMb, 1),
        endToEndHwm: e2e.memory.hwmMb === undefined ? null : round(e2e.memory.hwmMb, 1),
      },
      load: [round(e2e.load[0], 2), round(e2e.load[1], 2)],
      cpus: availableParallelism(),
      targets: { samplesPerSec: TARGET_SAMPLES_PER_SEC, ratio: TARGET_RATIO },
      met,
    }),
  );
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  exitCode = 1;
  process.stderr.write(`historian-extract bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  await scratch.cleanup();
}
process.exit(exitCode);
