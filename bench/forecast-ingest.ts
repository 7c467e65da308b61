/**
 * bench/forecast-ingest: end-to-end forecast import throughput and memory, against the psql \copy
 * baseline. Not a timed test: the figures depend on the machine.
 *
 *   npm run bench -- forecast-ingest [--no-breakdown]
 *
 * 1. Generates, in a temporary folder, a 1,000,000-row long CSV (2,000 products × 25 warehouses
 *    × 20 weeks; semicolon-separated, ISO dates, decimal point, so \copy reads it unchanged) and
 *    a wide XLSX (2,000 product rows × 52 ISO-week columns, title row above the header, unit
 *    column), periods starting at the current week; inserts matching master data.
 * 2. Drops each file alone into <inbox>/forecasts and runs the real forecast-import job through
 *    the real Runner (pg-boss queue, job_runs, batches, checkpoints, archive) on the real
 *    PostgreSQL, in a fresh schema `bench_<pid>`. Wall time is runner.runNow() from enqueue to
 *    the finished run (a fresh Runner per file, started before the clock); RSS is sampled every
 *    20 ms (plus the kernel's high-water mark).
 * 3. Baseline: psql \copy of the same CSV into a plain table.
 * 4. Breakdown (unless --no-breakdown), per file: sha256, parse alone, parse + staging (the job's
 *    stager and chunk size, without the job's overlap: preparing the lines (resolving them against
 *    the master data, counting them, writing their COPY rows) and sending chunks, timed apart), the
 *    measurements the job then runs, the SQL checkpoint queries it runs only when the counts
 *    staging made are not enough (timed for reference), and the commit, one by one outside the
 *    job on an emptied forecast_lines.
 * Figures swing with other work on the machine: each run prints the load average beside them.
 *
 * Ends with one JSON line of the figures. The temp folder and both schemas are removed at the
 * end, also after a failure or Ctrl-C.
 */
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { runSql } from '../core/sql.ts';
import { sha256File } from '../extract/inbox/inbox.ts';
import { openTabular } from '../extract/tabular/index.ts';
import { forecastSettings } from '../core/config/forecast.ts';
import { STAGE_CHUNK } from '../jobs/inbox-batches.ts';
import { defaultRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';
import { createBatch, getBatch, listCheckpoints } from '../load/staging/batches.ts';
import { forecastStager, measureForecast } from '../load/forecast/staging.ts';
import type { JobRun } from '../load/ops/runs.ts';
import { ForecastTally, parseForecastRows } from '../transform/forecast/index.ts';
import { createPeriodNormaliser } from '../transform/forecast/periods.ts';
import { insertMasterData, writeLongCsv, writeWideXlsx } from './support/forecast-data.ts';
import { MB, type MemoryReport, withMemorySampler } from './support/memory.ts';
import { quoteLiteral, runPsql } from './support/psql.ts';
import { BENCH_DATABASE_URL, benchScratch, withTimeout, quietLogger } from './support/scratch.ts';

const DATABASE_URL = BENCH_DATABASE_URL;
const SHAPE = { products: 2000, warehouses: 25, weeks: 20 };
const XLSX_PRODUCTS = 2000;
const XLSX_WEEKS = 52;
const TARGET_CSV_ROWS_PER_SEC = 150_000;
const TARGET_PEAK_RSS_MB = 400;

const breakdownWanted = !process.argv.includes('--no-breakdown');
const scratch = benchScratch('bench');
const schema = scratch.schema;

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const round = (n: number, digits: number) => Number(n.toFixed(digits));
const since = (t0: number) => (performance.now() - t0) / 1000;

// ---- clean-up, also on failure and signals ----------------------------------------------------

let dir: string | undefined;
let app: App | undefined;
let runner: Runner | undefined;
scratch.onCleanup('runner stop', () => runner && withTimeout(runner.stop(), 10_000));
scratch.onCleanup('close', () => app && withTimeout(app.close(), 10_000));
scratch.onCleanup('remove temp folder', () => dir && rm(dir, { recursive: true, force: true }));

// ---- the measured run -------------------------------------------------------------------------

interface FileRun {
  label: string;
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSec: number;
  jobSeconds: number | undefined;
  /** seconds from the start until the last chunk was staged (parse + insert, interleaved) */
  stagedBySeconds: number | undefined;
  /** RSS (MB) after each staged chunk: flat when nothing grows with the file */
  rssByChunk: number[];
  /** CPU seconds this Node process used (the rest of the wall time is PostgreSQL, I/O, waiting) */
  nodeCpuSeconds: number;
  /** 1-minute load average before and after: other work on the machine skews the figures */
  load: [number, number];
  memory: MemoryReport;
  batchId: number;
  status: string;
  warnings: string[];
}

const logLines: string[] = [];

async function importOne(a: App, label: string, file: string, name: string, expectedLines: number): Promise<FileRun> {
  const inbox = join(a.config.inbox, 'forecasts');
  await mkdir(inbox, { recursive: true });
  await copyFile(file, join(inbox, name));
  const bytes = (await stat(file)).size;

  let t0 = 0;
  let lastStaged: number | undefined;
  const rssByChunk: number[] = [];
  // a fresh Runner per file: its worker fetches at once instead of waiting for the next poll
  runner = new Runner({
    config: a.config,
    db: a.db,
    logger: a.logger,
    registry: defaultRegistry(),
    progress: () => {
      lastStaged = performance.now();
      rssByChunk.push(process.memoryUsage.rss() / MB);
    },
  });
  await runner.start();
  const load0 = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const { result: run, memory } = await withMemorySampler(async () => {
    t0 = performance.now();
    const r: JobRun = await runner!.runNow('forecast-import', { settleSeconds: 0 });
    return { run: r, seconds: since(t0) };
  });
  const cpu = process.cpuUsage(cpu0);
  const load1 = loadavg()[0]!;
  await runner.stop();
  runner = undefined;

  const r = run.run;
  if (r.status !== 'succeeded') throw new Error(`${label}: run ${r.id} ${r.status}: ${r.error?.message ?? ''}\n${logLines.join('\n')}`);
  const batches = (r.stats.batches ?? []) as { batchId: number; status: string; outcome: string }[];
  if (batches.length !== 1 || batches[0]!.outcome !== 'staged')
    throw new Error(`${label}: expected one staged batch, got ${JSON.stringify(r.stats)}`);
  const batch = await getBatch(a.db.knex, batches[0]!.batchId);
  // the batch's stats are counted while staging: check against what really is in the table
  const inTable = Number((await a.db.knex('forecast_lines').where({ batch_id: batch.id }).count<{ n: string }[]>('* as n'))[0]!.n);
  if (inTable !== expectedLines)
    throw new Error(`${label}: batch ${batch.id} has ${inTable} lines in forecast_lines, expected ${expectedLines}`);
  const checkpoints = await listCheckpoints(a.db.knex, batch.id);
  const failed = checkpoints.filter((c) => !c.passed);
  if (Number(batch.stats.lines) !== expectedLines || failed.some((c) => c.severity === 'error')) {
    throw new Error(
      `${label}: batch ${batch.id} ${batch.status}, ${String(batch.stats.lines)} lines (expected ${expectedLines}); failed: ${failed.map((c) => `${c.name}: ${c.message}`).join('; ')}`,
    );
  }
  const jobSeconds = r.startedAt && r.finishedAt ? (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000 : undefined;
  return {
    label,
    rows: expectedLines,
    bytes,
    seconds: run.seconds,
    rowsPerSec: expectedLines / run.seconds,
    jobSeconds,
    stagedBySeconds: lastStaged === undefined ? undefined : (lastStaged - t0) / 1000,
    rssByChunk,
    nodeCpuSeconds: (cpu.user + cpu.system) / 1e6,
    load: [load0, load1],
    memory,
    batchId: batch.id,
    status: batch.status,
    warnings: failed.map((c) => `${c.name}: ${c.message}`),
  };
}

function describeRun(f: FileRun): string {
  const m = f.memory;
  const lines = [
    `${f.label}: ${fmt(f.rows)} rows (${fmt(f.bytes / MB, 1)} MB) in ${fmt(f.seconds, 2)} s wall = ${fmt(f.rowsPerSec)} rows/s` +
      ` → batch ${f.batchId} ${f.status}`,
    `  job body ${f.jobSeconds === undefined ? '?' : fmt(f.jobSeconds, 2)} s (job_runs started→finished; the rest is queue/enqueue/poll)` +
      (f.stagedBySeconds === undefined
        ? ''
        : `; last chunk staged at ${fmt(f.stagedBySeconds, 2)} s, then checkpoints + commit + archive ${fmt(f.seconds - f.stagedBySeconds, 2)} s`),
    `  Node CPU ${fmt(f.nodeCpuSeconds, 2)} s of ${fmt(f.seconds, 2)} s wall (the rest: PostgreSQL and waiting); load average ${fmt(f.load[0], 1)} → ${fmt(f.load[1], 1)} on ${availableParallelism()} CPUs` +
      (Math.max(...f.load) > availableParallelism() ? ' — BUSY MACHINE, figures skewed' : ''),
    `  RSS before ${fmt(m.beforeMb)} MB, peak ${fmt(m.peakMb)} MB (+${fmt(m.peakMb - m.beforeMb)} MB)` +
      (m.hwmMb === undefined ? '' : `, kernel high-water mark ${fmt(m.hwmMb)} MB`) +
      `; ${m.samples} samples, longest gap ${fmt(m.maxGapMs)} ms`,
    `  V8 heap peak: used ${fmt(m.heapUsedPeakMb)} MB, reserved ${fmt(m.heapTotalPeakMb)} MB; outside the heap (Buffers) ${fmt(m.externalPeakMb)} MB`,
  ];
  const r = f.rssByChunk;
  if (r.length >= 2) {
    const at = (q: number) => r[Math.min(r.length - 1, Math.floor(q * (r.length - 1)))]!;
    lines.push(
      `  RSS after staged chunk 1 / 25% / 50% / 75% / last (${r.length} chunks): ` +
        `${[at(0), at(0.25), at(0.5), at(0.75), at(1)].map((v) => fmt(v)).join(' / ')} MB, max ${fmt(Math.max(...r))} MB`,
    );
  }
  if (f.warnings.length) lines.push(`  warnings: ${f.warnings.join('; ')}`);
  return lines.join('\n');
}

// ---- breakdown (outside the job) ----------------------------------------------------------------

interface Breakdown {
  sha256: number;
  parseOnly: number;
  parseOnlyPeakMb: number;
  /** parse + stage loop, one phase after the other: total, preparing the lines, sending chunks */
  stageLoop: number;
  stagePrepare: number;
  stageWrite: number;
  copied: number;
  inserted: number;
  /** what the job runs after staging (measureForecast with the staging counts) */
  measure: number;
  /** the SQL checkpoint queries (the job runs them only when the staging counts are not enough) */
  checks: Record<string, number>;
  commit: number;
}

async function breakdown(a: App, file: string, expected: number): Promise<Breakdown> {
  // an empty forecast_lines, as the job found it, so inserts and checkpoints see the same table
  await a.db.knex.raw('truncate forecast_lines');
  const s = forecastSettings(a.config);
  const periods = createPeriodNormaliser({
    bucket: a.config.forecastBucket,
    weekStart: a.config.forecastWeekStart,
    timeZone: a.config.timezone,
  });

  let t = performance.now();
  await sha256File(file);
  const sha256 = since(t);

  const { result: parseOnly, memory } = await withMemorySampler(async () => {
    const t1 = performance.now();
    const source = await openTabular(file);
    const parse = parseForecastRows(source.batches(), { periods, numberLocale: s.locale, maxErrors: s.maxErrors });
    let n = 0;
    for await (const lines of parse.batches()) n += lines.length;
    if (n !== expected) throw new Error(`breakdown parse: ${n} lines, expected ${expected}`);
    return since(t1);
  });

  const trx = await a.db.knex.transaction();
  try {
    const batch = await createBatch(trx, {
      kind: 'forecast',
      scope: 'bench-breakdown',
      version: 'breakdown',
      source: 'bench',
      actor: 'bench',
    });
    const current = periods.current(new Date());
    const horizon = s.checkpoints.horizon_coverage.threshold;
    const measureInput = { batchId: batch.id, currentPeriod: current, horizonPeriods: horizon, periodLength: '7 days' as const };
    t = performance.now();
    const tally = new ForecastTally(measureInput);
    const stager = await forecastStager(trx, batch.id, { copy: true, tally });
    let prepare = 0;
    let write = 0;
    let staged = 0;
    let pending = 0;
    const flush = async () => {
      const tw = performance.now();
      await stager.write(stager.take());
      write += since(tw);
      pending = 0;
    };
    const source = await openTabular(file);
    const parse = parseForecastRows(source.batches(), { periods, numberLocale: s.locale, maxErrors: s.maxErrors });
    for await (const lines of parse.batches()) {
      const tp = performance.now();
      stager.add(lines, staged + 1);
      prepare += since(tp);
      staged += lines.length;
      pending += lines.length;
      if (pending >= STAGE_CHUNK) await flush();
    }
    if (pending) await flush();
    const stageLoop = since(t);

    t = performance.now();
    await measureForecast(trx, measureInput, { figures: tally.figures(), master: stager.master });
    const measure = since(t);

    // the SQL checkpoint queries, one by one, with their parameters
    const checks: Record<string, number> = {};
    const timed = async (name: string, params: unknown[]) => {
      const tq = performance.now();
      await runSql(trx, `forecast/${name}`, params);
      checks[name] = since(tq);
    };
    await timed('check_lines', [batch.id, current]);
    await timed('check_duplicates', [batch.id]);
    await timed('check_references', [batch.id]);
    await timed('check_horizon', [batch.id, current, horizon, '7 days']);

    t = performance.now();
    await trx.commit();
    return {
      sha256,
      parseOnly,
      parseOnlyPeakMb: memory.peakMb,
      stageLoop,
      stagePrepare: prepare,
      stageWrite: write,
      ...stager.counts,
      measure,
      checks,
      commit: since(t),
    };
  } catch (err) {
    await trx.rollback().catch(() => {});
    throw err;
  }
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'mfg-etl-bench-forecast-'));
  const env: Env = {
    MFG_ETL_DATABASE_URL: DATABASE_URL,
    MFG_ETL_SCHEMA: schema,
    MFG_ETL_DATA_DIR: join(dir, 'data'),
    MFG_ETL_INBOX: join(dir, 'inbox'),
    MFG_ETL_REPORTS: join(dir, 'reports'),
    MFG_ETL_LOG_LEVEL: 'warn',
    MFG_ETL_FORECAST_BUCKET: 'week',
    MFG_ETL_FORECAST_WEEK_START: 'monday',
    MFG_ETL_WORKER_POLL_SECONDS: '0.5',
    MFG_ETL_RETRY_LIMIT: '0',
  };
  const config = loadConfig(env, dir);
  const firstMonday = createPeriodNormaliser({ bucket: 'week', weekStart: 'monday', timeZone: config.timezone }).current(new Date());

  console.log(`forecast-ingest bench: schema ${schema}, temp folder ${dir}, time zone ${config.timezone}, first week ${firstMonday}`);
  const files = join(dir, 'files');
  await mkdir(files, { recursive: true });
  const csv = join(files, 'forecast-long.csv');
  const xlsx = join(files, 'forecast-wide.xlsx');
  let t = performance.now();
  const csvRows = await writeLongCsv(csv, SHAPE, firstMonday);
  const csvGen = since(t);
  t = performance.now();
  const xlsxLines = await writeWideXlsx(xlsx, XLSX_PRODUCTS, XLSX_WEEKS, firstMonday);
  const xlsxGen = since(t);
  console.log(
    `generated: CSV ${fmt(csvRows)} rows, ${fmt((await stat(csv)).size / MB, 1)} MB (semicolon, ISO dates) in ${fmt(csvGen, 1)} s; ` +
      `XLSX ${fmt(XLSX_PRODUCTS)} rows × ${XLSX_WEEKS} weeks = ${fmt(xlsxLines)} lines, ${fmt((await stat(xlsx)).size / MB, 1)} MB in ${fmt(xlsxGen, 1)} s`,
  );

  app = await openApp({ env, cwd: dir, logger: quietLogger(config.redactor, logLines) });
  await insertMasterData(app.db.knex, SHAPE);
  console.log(`master data: ${SHAPE.products} products, ${SHAPE.warehouses} warehouses, 3 units`);

  const csvRun = await importOne(app, 'CSV  long', csv, 'forecast-long.csv', csvRows);
  console.log(describeRun(csvRun));
  const xlsxRun = await importOne(
    app,
    'XLSX wide (2,000 sheet rows × 52 week columns; "rows" = values = staged lines)',
    xlsx,
    'forecast-wide.xlsx',
    xlsxLines,
  );
  console.log(describeRun(xlsxRun));

  // baseline: the same bytes through psql \copy into a plain table
  await app.db.knex.raw(`create table "${schema}".copy_baseline (product text, warehouse text, period date, qty numeric)`);
  const copy = await runPsql(
    DATABASE_URL,
    `\\copy "${schema}".copy_baseline from ${quoteLiteral(csv)} with (format csv, header true, delimiter ';')`,
  );
  const copied = Number((await app.db.knex.raw(`select count(*)::int as n from "${schema}".copy_baseline`)).rows[0].n);
  if (copied !== csvRows) throw new Error(`\\copy loaded ${copied} rows, expected ${csvRows}`);
  const copyRowsPerSec = csvRows / copy.seconds;
  const ratio = csvRun.rowsPerSec / copyRowsPerSec;
  console.log(
    `baseline psql \\copy: ${fmt(csvRows)} rows in ${fmt(copy.seconds, 2)} s = ${fmt(copyRowsPerSec)} rows/s (psql start-up included)`,
  );
  console.log(`pipeline ÷ copy: ${fmt(ratio, 3)} (the import runs at ${fmt(ratio * 100, 1)}% of raw \\copy speed)`);

  if (breakdownWanted) {
    for (const [label, file, rows, run] of [
      ['CSV', csv, csvRows, csvRun],
      ['XLSX', xlsx, xlsxLines, xlsxRun],
    ] as const) {
      const b = await breakdown(app, file, rows);
      const checks = Object.values(b.checks).reduce((x, y) => x + y, 0);
      const parseInLoop = b.stageLoop - b.stagePrepare - b.stageWrite;
      console.log(`breakdown of the ${label} (timed outside the job on an emptied forecast_lines, same code, one phase at a time):`);
      console.log(`  sha256 of the file           ${fmt(b.sha256, 2)} s`);
      console.log(
        `  parse alone                  ${fmt(b.parseOnly, 2)} s = ${fmt(rows / b.parseOnly)} rows/s (peak RSS ${fmt(b.parseOnlyPeakMb)} MB)`,
      );
      console.log(
        `  parse + stage loop           ${fmt(b.stageLoop, 2)} s: parsing ${fmt(parseInLoop, 2)} s, preparing lines (resolve, count, COPY rows) ${fmt(b.stagePrepare, 2)} s, ` +
          `sending them ${fmt(b.stageWrite, 2)} s (${fmt(rows / b.stageWrite)} rows/s); ${fmt(b.copied)} lines by COPY, ${fmt(b.inserted)} by INSERT (unit conversion)`,
      );
      console.log(`  measurements after staging   ${fmt(b.measure, 2)} s (the job's; SQL only for what the staging counts leave open)`);
      console.log(
        `  SQL checkpoint queries       ${fmt(checks, 2)} s, not run by the job here (for reference): ${Object.entries(b.checks)
          .map(([k, v]) => `${k} ${fmt(v, 2)}`)
          .join(', ')}`,
      );
      console.log(`  commit                       ${fmt(b.commit, 2)} s`);
      const sum = b.sha256 + b.stageLoop + b.measure + b.commit;
      console.log(
        `  sum ${fmt(sum, 2)} s vs job body ${run.jobSeconds === undefined ? '?' : fmt(run.jobSeconds, 2)} s, wall ${fmt(run.seconds, 2)} s`,
      );
    }
  }

  const csvOk = csvRun.rowsPerSec >= TARGET_CSV_ROWS_PER_SEC;
  const rssOk = Math.max(csvRun.memory.peakMb, xlsxRun.memory.peakMb) < TARGET_PEAK_RSS_MB;
  console.log(
    `targets: CSV ≥ ${fmt(TARGET_CSV_ROWS_PER_SEC)} rows/s: ${csvOk ? 'met' : `MISSED by ${fmt(TARGET_CSV_ROWS_PER_SEC - csvRun.rowsPerSec)} rows/s (${fmt((1 - csvRun.rowsPerSec / TARGET_CSV_ROWS_PER_SEC) * 100, 1)}%)`}; ` +
      `peak RSS < ${TARGET_PEAK_RSS_MB} MB: ${rssOk ? 'met' : 'MISSED'}`,
  );

  console.log(
    JSON.stringify({
      bench: 'forecast-ingest',
      csvRows,
      csvSeconds: round(csvRun.seconds, 3),
      csvRowsPerSec: Math.round(csvRun.rowsPerSec),
      csvPeakRssMb: round(csvRun.memory.peakMb, 1),
      xlsxRows: xlsxLines,
      xlsxSeconds: round(xlsxRun.seconds, 3),
      xlsxRowsPerSec: Math.round(xlsxRun.rowsPerSec),
      xlsxPeakRssMb: round(xlsxRun.memory.peakMb, 1),
      copySeconds: round(copy.seconds, 3),
      copyRowsPerSec: Math.round(copyRowsPerSec),
      ratioVsCopy: round(ratio, 3),
      targetCsvRowsPerSec: TARGET_CSV_ROWS_PER_SEC,
      targetPeakRssMb: TARGET_PEAK_RSS_MB,
    }),
  );
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  exitCode = 1;
  process.stderr.write(`forecast-ingest bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  await scratch.cleanup();
}
process.exit(exitCode);
