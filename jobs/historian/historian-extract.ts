/**
 * historian-extract: reads the plant historian over OPC UA (HistoryRead raw) incrementally and
 * stages samples, buckets, downtime events, shift summaries and scrap as one `historian` batch
 * per run (scope: the window read).
 *
 * Windows are half-open [from, to), planned in transform/historian/windows.ts (pure). Without
 * parameters each active tag reads from its watermark minus `overlapMinutes` (a tag without one:
 * from the bucket/shift boundary at or before now − `initialLookbackHours`, so its first bucket
 * and shift are whole) up to min(now, earliest from + `maxWindowHours`); tags sharing a `from`
 * share one read. With `--param from=… --param to=…` every active tag reads that range (a
 * backfill), cut into windows of at most `backfillWindowHours`, one batch and one transaction
 * each; absurd ranges are refused before queueing (checkRun). Watermarks only ever move forward,
 * so a backfill of an older window leaves them where they are.
 *
 * Re-staging replaces, never duplicates. The aggregation is recomputed over [R, E): R is the
 * bucket/shift boundary at or before the earliest `from`, E the one at or after `to` as far as
 * staged samples reach (a backfill in the past does not cut the shift after it); both move out
 * further when a staged downtime event would be cut. Samples of [from, to) come from the read and
 * are upserted on (tag, ts) (plain insert when newer than anything staged for the tag); samples of
 * [R, from) and [to, E) and each tag's last sample before R come back from historian_samples.
 * Buckets, downtime events, shift summaries and scrap starting inside [R, E) are deleted and
 * inserted again, in ONE transaction with the samples, the batch, its checkpoints and the
 * watermarks, so watermarks advance exactly when the staging commits. A shift that began before R
 * (shifts not starting on a bucket boundary) keeps its staged figures rather than a partial one.
 *
 * A read that fails partway (the server lost for good, a node whose history the server refuses,
 * the run stopped) rolls the whole transaction back: nothing is staged, watermarks are unchanged,
 * and the run fails with the extractor's error, which says whether a retry can help (a lost
 * server is transient: the runner retries the run; a refused node is permanent).
 * A tag the server does not know is left out (its staged rows stay), named by the silent-tag
 * checkpoint; when no tag resolves the run fails. A rejected batch (future timestamps) still
 * commits its rows and watermarks: historian-load only posts rows of approved batches.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { historianSettings } from '../../core/config/historian.ts';
import { isoTime } from '../../core/config/values.ts';
import { type HistorianConnection, openHistorian, opcuaSettings } from '../../extract/historian/index.ts';
import { createBatch, recordCheckpoints, setBatchFigures } from '../../load/staging/batches.ts';
import {
  advanceWatermarks,
  emptySampleColumns,
  lastStagedTimes,
  lockHistorianStaging,
  readWatermarks,
  replaceAggregates,
  type SampleColumns,
  samplesBefore,
  sampleStager,
  stagedSamples,
  straddlingDowntimeEnd,
  straddlingDowntimeStart,
} from '../../load/historian/staging.ts';
import { type CheckpointResult, checkpointMark } from '../../transform/shared/checkpoints.ts';
import { historianCheckpoints, type TagReadCounts } from '../../transform/historian/checkpoints.ts';
import {
  aggregateHistorian,
  alignedStart,
  type HistorianSettings,
  type Sample,
  type TagSettings,
  type TimeRange,
} from '../../transform/historian/index.ts';
import { alignedEnd, backfillRefusal, backfillWindows, isoShort, planWindows } from '../../transform/historian/windows.ts';
import { EtlError, isPermanent, UsageError } from '../../core/errors.ts';
import { batchesOfRunChain } from '../../load/ops/runs.ts';
import { ACTOR, concludeBatch } from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { jobEntry } from '../catalog.ts';

// the planning moved to transform/historian/windows.ts (pure); re-exported for existing callers
export { alignedEnd, isoShort, planWindows } from '../../transform/historian/windows.ts';
export type { ExtractPlan } from '../../transform/historian/windows.ts';

const HOUR = 3_600_000;
/** samples per COPY or INSERT: large enough to amortise the round trip, small enough to overlap with the read */
const SAMPLE_CHUNK = 20_000;
/** samples held back while the chunk before is still being staged; beyond this the read waits for it */
const MAX_PENDING = 100_000;
/** a downtime event can reach back over several recomputation starts; more than this is a data problem */
const MAX_EXTENSIONS = 20;

export const historianExtractParams = z
  .object({
    /** backfill / manual window: both or neither */
    from: isoTime.optional(),
    to: isoTime.optional(),
  })
  .strict()
  .refine((p) => (p.from === undefined) === (p.to === undefined), { message: 'give both from and to (a backfill window), or neither' })
  // (a refinement also runs when from or to failed above: only compare two real times)
  .refine((p) => typeof p.from !== 'number' || typeof p.to !== 'number' || p.from < p.to, { message: 'from must be before to' });
type Params = z.infer<typeof historianExtractParams>;

const calendarOf = (s: HistorianSettings, timezone: string) => ({ timezone, bucketMinutes: s.bucketMinutes, shifts: s.shifts });

/**
 * The range the aggregation is recomputed over: from the boundary at or before the earliest read
 * start, to the boundary at or after `to` as far as staged samples reach (`known`), each moved out
 * further when a staged downtime event would be cut.
 */
async function recomputeRange(
  trx: Knex.Transaction,
  s: HistorianSettings,
  timezone: string,
  stateTags: readonly string[],
  from: number,
  to: number,
  known: number,
): Promise<TimeRange> {
  const cal = calendarOf(s, timezone);
  let start = alignedStart(from, cal);
  for (let i = 0; i < MAX_EXTENSIONS; i++) {
    const event = await straddlingDowntimeStart(trx, stateTags, start);
    if (event === undefined || event >= start) break;
    start = alignedStart(event, cal);
  }
  let end = known > to ? Math.min(known, alignedEnd(to, s, timezone)) : to;
  for (let i = 0; i < MAX_EXTENSIONS && end < known; i++) {
    const event = await straddlingDowntimeEnd(trx, stateTags, end);
    if (event === undefined || event <= end) break;
    end = Math.min(known, alignedEnd(event, s, timezone));
  }
  return { from: start, to: end };
}

interface ReadOutcome {
  samples: number;
  bad: number;
  future: { samples: number; latest: number | null; tags: string[] };
  perTag: Map<string, { samples: number; bad: number }>;
  readMs: number;
  /** time the read waited for a staging COPY or INSERT still in flight */
  stageWaitMs: number;
  /** time the staging COPYs and INSERTs took, from sending to their answer (overlapping the read) */
  stageMs: number;
  /** samples staged by COPY, by the plain insert, by the upsert */
  staged: { copied: number; inserted: number; upserted: number };
}

/**
 * Reads every group of tags sharing a `from`, appending good samples to `series` and staging them
 * while the next pages are read: one chunk in flight at a time (they share the transaction's
 * connection), sent once SAMPLE_CHUNK samples are waiting and the one before is done; the read
 * only waits for PostgreSQL when MAX_PENDING are waiting. Samples newer than their tag's last
 * staged one go in by COPY (`copy`: PostgreSQL) or a plain insert, the re-read overlap with an upsert.
 */
async function readAndStage(
  ctx: Pick<JobContext, 'signal' | 'progress'>,
  trx: Knex.Transaction,
  s: HistorianSettings,
  historian: HistorianConnection,
  nodes: ReadonlyMap<string, string>,
  groups: ReadonlyMap<number, TagSettings[]>,
  to: number,
  now: number,
  batchId: number,
  series: Map<string, Sample[]>,
  copy: boolean,
): Promise<ReadOutcome> {
  const started = performance.now();
  const tagNames = [...series.keys()];
  const tagNo = new Map(tagNames.map((t, i) => [t, i + 1]));
  const lastStaged = await lastStagedTimes(trx, tagNames);
  const stager = sampleStager(trx, batchId, tagNames, { copy });
  const perTag = new Map<string, { samples: number; bad: number }>();
  const futureTags = new Set<string>();
  let total = 0;
  let bad = 0;
  let future = 0;
  let latest: number | null = null;
  let stageWaitMs = 0;
  let stageMs = 0;
  let fresh: SampleColumns = emptySampleColumns();
  let overlap: SampleColumns = emptySampleColumns();
  let inflight: Promise<void> = Promise.resolve();
  let busy = false;
  const flush = async () => {
    const chunks = [fresh, overlap] as const;
    fresh = emptySampleColumns();
    overlap = emptySampleColumns();
    const t0 = performance.now();
    await inflight;
    stageWaitMs += performance.now() - t0;
    busy = true;
    inflight = (async () => {
      const sent = performance.now();
      try {
        await stager.stage(chunks[0], true);
        await stager.stage(chunks[1], false);
      } finally {
        busy = false;
        stageMs += performance.now() - sent;
      }
    })();
    inflight.catch(() => {}); // observed at the next flush or in finally; never an unhandled rejection meanwhile
    ctx.progress('historian samples read', total);
  };
  try {
    for (const [from, tags] of groups) {
      const pages = historian.readRaw(
        tags.map((t) => ({ tag: t.name, nodeId: nodes.get(t.name)! })),
        { from, to },
        { pageSize: s.pageSize, nodesPerRequest: s.nodesPerRequest },
      );
      for await (const page of pages) {
        ctx.signal.throwIfAborted();
        const counts = perTag.get(page.tag) ?? { samples: 0, bad: 0 };
        perTag.set(page.tag, counts);
        counts.bad += page.bad;
        bad += page.bad;
        const list = series.get(page.tag)!;
        const no = tagNo.get(page.tag)!;
        const staged = lastStaged.get(page.tag) ?? -Infinity;
        let last = list.length ? list[list.length - 1]!.ts : -Infinity;
        for (const sample of page.samples) {
          // pages come ascending and deduped; a repeat here would make the upsert touch a row twice
          if (!(sample.ts > last)) continue;
          last = sample.ts;
          list.push(sample);
          const into = sample.ts > staged ? fresh : overlap;
          into.tagNo.push(no);
          into.ts.push(sample.ts);
          into.values.push(sample.value);
          counts.samples++;
          if (sample.ts > now) {
            future++;
            futureTags.add(page.tag);
            if (latest === null || sample.ts > latest) latest = sample.ts;
          }
        }
        total += page.samples.length;
        // the read goes on while the chunk before is busy, up to MAX_PENDING: PostgreSQL then gets a larger chunk
        const pending = fresh.tagNo.length + overlap.tagNo.length;
        if ((pending >= SAMPLE_CHUNK && !busy) || pending >= MAX_PENDING) await flush();
      }
    }
    if (fresh.tagNo.length + overlap.tagNo.length) await flush();
  } finally {
    const t0 = performance.now();
    await inflight;
    stageWaitMs += performance.now() - t0;
  }
  return {
    samples: [...perTag.values()].reduce((n, c) => n + c.samples, 0),
    bad,
    future: { samples: future, latest, tags: [...futureTags].sort() },
    perTag,
    readMs: performance.now() - started,
    stageWaitMs,
    stageMs,
    staged: { ...stager.counts },
  };
}

interface Staged {
  batchId: number;
  status: string;
  stats: Record<string, unknown>;
  checkpoints: Pick<CheckpointResult, 'name' | 'passed' | 'severity' | 'message'>[];
}

const iso = (ms: number) => new Date(ms).toISOString();

async function stageRun(
  ctx: JobContext,
  trx: Knex.Transaction,
  s: HistorianSettings,
  historian: HistorianConnection,
  nodes: ReadonlyMap<string, string>,
  active: readonly TagSettings[],
  params: Params,
  source: string,
): Promise<Staged | { nothing: string }> {
  const { timezone } = ctx.config;
  // INSERTs of 20,000 rows trip JIT, whose compile time would dwarf its gain
  await trx.raw('set local jit = off');
  await lockHistorianStaging(trx);
  const now = Math.floor(Date.now() / 1000) * 1000;
  // a tag the server does not know is left out of reading and recomputing (its staged rows stay)
  const tags = active.filter((t) => nodes.has(t.name));
  const names = tags.map((t) => t.name);
  const watermarks = await readWatermarks(trx, names);
  const plan = planWindows(s, timezone, tags, watermarks, params, now);
  if (!(plan.to > plan.from)) return { nothing: `nothing to read: every tag is staged up to ${isoShort(plan.to)}` };

  // staged samples reach each tag's watermark: a recomputation may end there, not later
  const known = Math.min(...tags.map((t) => Math.max(watermarks.get(t.name) ?? plan.to, plan.to)));
  const stateTags = tags.filter((t) => t.kind === 'state').map((t) => t.name);
  const range = await recomputeRange(trx, s, timezone, stateTags, plan.from, plan.to, known);
  const batch = await createBatch(trx, {
    kind: 'historian',
    scope: `${isoShort(plan.from)}/${isoShort(plan.to)}`,
    version: `${isoShort(now)} run ${ctx.runId}`,
    source,
    runId: ctx.runId,
    actor: ACTOR,
    stats: { from: iso(plan.from), to: iso(plan.to) },
  });

  // what the read does not bring: [range.from, each tag's from), [to, range.to), the last sample before
  const readFrom = new Map(plan.windows.map((w) => [w.tag.name, Math.min(w.from, plan.to)]));
  const head = await stagedSamples(trx, new Map(names.map((n) => [n, { lo: range.from, hi: readFrom.get(n)! }])));
  const before = await samplesBefore(trx, names, range.from);
  const series = new Map(names.map((n) => [n, head.get(n) ?? []]));
  const groups = new Map<number, TagSettings[]>();
  for (const w of [...plan.windows].sort((a, b) => a.from - b.from)) {
    if (w.from >= plan.to) continue;
    const group = groups.get(w.from) ?? [];
    group.push(w.tag);
    groups.set(w.from, group);
  }
  // PostgreSQL: new samples by COPY; embedded PGlite cannot COPY FROM STDIN: unnest INSERT
  const read = await readAndStage(ctx, trx, s, historian, nodes, groups, plan.to, now, batch.id, series, !ctx.db.embedded);
  ctx.signal.throwIfAborted();
  const tail =
    range.to > plan.to
      ? await stagedSamples(trx, new Map(names.map((n) => [n, { lo: plan.to, hi: range.to }])))
      : new Map<string, Sample[]>();
  for (const [tag, samples] of tail) for (const sample of samples) series.get(tag)!.push(sample);

  const aggStarted = performance.now();
  const result = aggregateHistorian({
    series: tags.map((tag) => ({ tag, before: before.get(tag.name), samples: series.get(tag.name)! })),
    range,
    timezone,
    bucketMinutes: s.bucketMinutes,
    shifts: s.shifts,
    minDowntimeMinutes: s.minDowntimeMinutes,
    // a shift whose data starts later than a gap would be is not final (a backfill from mid-shift)
    coverageToleranceMinutes: s.checkpoints.gaps.threshold,
    assetProducts: Object.fromEntries(Object.entries(s.assets).flatMap(([asset, a]) => (a.product ? [[asset, a.product]] : []))),
  });
  // a shift that began before the recomputation is only partly inside it: its staged figures stay
  const shifts = result.shifts.filter((r) => r.start >= range.from);
  const scrap = result.scrap.filter((r) => r.start >= range.from);
  const aggregateMs = performance.now() - aggStarted;

  const writeStarted = performance.now();
  const replaced = await replaceAggregates(
    trx,
    batch.id,
    { from: range.from, to: range.to, tags: names, assets: [...new Set(tags.map((t) => t.asset))] },
    { buckets: result.buckets, downtime: result.downtime, shifts, scrap },
  );

  const windowOf = new Map(plan.windows.map((w) => [w.tag.name, w.from]));
  const reads: TagReadCounts[] = active.map((t) => {
    const c = read.perTag.get(t.name);
    if (!nodes.has(t.name))
      return { tag: t.name, samples: 0, bad: 0, read: false, reason: `not found on the server: ${t.nodeId ?? t.browsePath}` };
    return { tag: t.name, samples: c?.samples ?? 0, bad: c?.bad ?? 0, read: windowOf.get(t.name)! < plan.to };
  });
  const results = historianCheckpoints({ aggregation: result, reads, future: read.future, now }, s.checkpoints);
  await recordCheckpoints(trx, batch.id, results);
  await advanceWatermarks(trx, batch.id, new Map(reads.filter((r) => r.read).map((r) => [r.tag, Math.min(plan.to, now)])));

  const stats: Record<string, unknown> = {
    from: iso(plan.from),
    to: iso(plan.to),
    recomputedFrom: iso(range.from),
    recomputedTo: iso(range.to),
    backfill: plan.backfill,
    behind: plan.behindMs > 0,
    ...(plan.behindMs > 0 ? { behindHours: Math.round((plan.behindMs / HOUR) * 10) / 10 } : {}),
    tags: active.length,
    tagsRead: reads.filter((r) => r.read).length,
    samples: read.samples,
    badQuality: read.bad,
    futureSamples: read.future.samples,
    buckets: result.buckets.length,
    downtimeEvents: result.downtime.length,
    openDowntimeEvents: result.downtime.filter((e) => e.open).length,
    shifts: shifts.length,
    scrapRows: scrap.length,
    counterAnomalies: result.anomalies.length,
    sampleStaging: read.staged,
    replaced: replaced.removed,
    perTag: Object.fromEntries(
      reads.map((r) => [
        r.tag,
        { from: iso(readFrom.get(r.tag) ?? plan.to), samples: r.samples, bad: r.bad, ...(r.reason ? { problem: r.reason } : {}) },
      ]),
    ),
    timings: {
      readMs: Math.round(read.readMs),
      stageWaitMs: Math.round(read.stageWaitMs),
      stageMs: Math.round(read.stageMs),
      aggregateMs: Math.round(aggregateMs),
      writeMs: Math.round(performance.now() - writeStarted),
    },
  };
  await setBatchFigures(trx, batch.id, { stats });
  const concluded = await concludeBatch(trx, batch.id, results, s.approval);
  return {
    batchId: concluded.id,
    status: concluded.status,
    stats,
    checkpoints: results.map((r) => ({ name: r.name, passed: r.passed, severity: r.severity, message: r.message })),
  };
}

const fmt = (n: unknown) => Number(n ?? 0).toLocaleString('en');

function summaryLines(staged: Staged): string[] {
  const st = staged.stats;
  const total = Number(st.samples) + Number(st.badQuality);
  const badPct = total === 0 ? 0 : Math.round((Number(st.badQuality) / total) * 1000) / 10;
  const lines = [
    `window ${isoShort(Date.parse(String(st.from)))} → ${isoShort(Date.parse(String(st.to)))}${st.backfill ? ' (backfill)' : ''}; ${String(st.tagsRead)} of ${String(st.tags)} tags read; aggregates recomputed from ${isoShort(Date.parse(String(st.recomputedFrom)))}`,
    `samples ${fmt(st.samples)} good, ${fmt(st.badQuality)} bad or uncertain (${badPct} %)`,
    `buckets ${fmt(st.buckets)}, downtime events ${fmt(st.downtimeEvents)} (${fmt(st.openDowntimeEvents)} still open), shift summaries ${fmt(st.shifts)}, scrap rows ${fmt(st.scrapRows)}`,
    `batch ${staged.batchId} ${staged.status}`,
  ];
  if (st.behind)
    lines.push(
      `behind: read up to ${isoShort(Date.parse(String(st.to)))}, ${String(st.behindHours)} h still to read (maxWindowHours); the next runs catch up`,
    );
  for (const c of staged.checkpoints) if (!c.passed) lines.push(`${checkpointMark(c).trim()} ${c.name}: ${c.message}`);
  return lines;
}

/** A backfill window failed after earlier windows committed: says what is staged and how to resume. */
export class BackfillWindowError extends EtlError {
  override readonly permanent: boolean;
  constructor(message: string, options: { context: Record<string, unknown>; cause: unknown }) {
    super(message, options);
    this.permanent = isPermanent(options.cause);
  }
}

interface WindowResult {
  window: string;
  batchId: number | null;
  status: string;
  samples: number;
  /** staged by an earlier attempt of this run (a retry resumes after it) */
  resumed?: boolean;
}

/**
 * A backfill (from/to): one batch per window of at most `backfillWindowHours`, each committed in
 * its own transaction, so memory stays flat and a failure keeps the windows before it. A retry of
 * the same run skips the windows its earlier attempts staged; the error names the rerun that
 * does the rest.
 */
async function backfill(
  ctx: JobContext,
  s: HistorianSettings,
  tags: readonly TagSettings[],
  from: number,
  to: number,
): Promise<Record<string, unknown>> {
  const windows = backfillWindows(from, to, s, ctx.config.timezone);
  const scopeOf = (w: TimeRange) => `${isoShort(w.from)}/${isoShort(w.to)}`;
  if (ctx.dryRun) {
    return {
      dryRun: true,
      from: iso(from),
      to: iso(to),
      backfill: true,
      windows: windows.length,
      reads: [{ from: iso(from), tags: tags.map((t) => t.name) }],
      summary: [
        `would read ${tags.length} tags, ${isoShort(from)} → ${isoShort(to)} (backfill) in ${windows.length} window(s) of at most ${s.backfillWindowHours} h, one batch each`,
      ],
    };
  }
  const earlier = new Map((await batchesOfRunChain(ctx.db.knex, ctx.runId, 'historian')).map((b) => [b.scope, b]));
  const opcua = opcuaSettings(ctx.config, s);
  const historian = await openHistorian(opcua, ctx.logger, ctx.signal);
  const results: WindowResult[] = [];
  let last: Staged | undefined;
  try {
    const nodes = await historian.resolveTags(tags, { missing: 'omit' });
    if (nodes.size === 0) await historian.resolveTags(tags);
    for (const [i, w] of windows.entries()) {
      ctx.signal.throwIfAborted();
      const scope = scopeOf(w);
      ctx.progress(`historian backfill window ${i + 1}/${windows.length} ${scope}`, i, windows.length);
      const before = earlier.get(scope);
      if (before) {
        results.push({ window: scope, batchId: before.id, status: before.status, samples: 0, resumed: true });
        continue;
      }
      let staged: Staged | { nothing: string };
      try {
        staged = await ctx.db.knex.transaction((trx) => stageRun(ctx, trx, s, historian, nodes, tags, w, opcua.endpoint));
      } catch (err) {
        if (results.length === 0) throw err; // nothing committed: the error as it is
        const doneTo = isoShort(w.from);
        throw new BackfillWindowError(
          `backfill window ${i + 1} of ${windows.length} (${scope}) failed: ${err instanceof Error ? err.message : String(err)}; ` +
            `windows 1–${i} (${isoShort(from)} → ${doneTo}) are staged in batches ${results.map((r) => r.batchId).join(', ')}; ` +
            `the rest: mfg-etl run historian-extract --param from=${doneTo} --param to=${isoShort(to)}`,
          { context: { staged: results, failedWindow: scope, resumeFrom: doneTo, to: isoShort(to) }, cause: err },
        );
      }
      if ('nothing' in staged) {
        results.push({ window: scope, batchId: null, status: 'nothing to read', samples: 0 });
        continue;
      }
      last = staged;
      results.push({ window: scope, batchId: staged.batchId, status: staged.status, samples: Number(staged.stats.samples) });
      ctx.logger.info('historian backfill window staged', { window: scope, batchId: staged.batchId, status: staged.status });
    }
    ctx.progress('historian backfill windows', windows.length, windows.length);
  } finally {
    await historian.close();
  }
  if (windows.length === 1 && last) {
    const { perTag: _perTag, ...brief } = last.stats;
    return { ...brief, windows: 1, batchId: last.batchId, status: last.status, checkpoints: last.checkpoints, summary: summaryLines(last) };
  }
  const staged = results.filter((r) => !r.resumed && r.batchId !== null);
  const byStatus = new Map<string, number>();
  for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  return {
    backfill: true,
    from: iso(from),
    to: iso(to),
    windows: windows.length,
    windowsStaged: staged.length,
    windowsResumed: results.filter((r) => r.resumed).length,
    samples: results.reduce((n, r) => n + r.samples, 0),
    batches: results,
    summary: [
      `backfill ${isoShort(from)} → ${isoShort(to)} in ${windows.length} windows of at most ${s.backfillWindowHours} h: ${[...byStatus].map(([k, n]) => `${n} ${k}`).join(', ')}`,
      `samples ${fmt(results.reduce((n, r) => n + r.samples, 0))} good; batches ${results.map((r) => r.batchId ?? '-').join(', ')}`,
      ...results
        .filter((r) => r.status === 'rejected')
        .map((r) => `window ${r.window}: batch ${r.batchId} rejected (mfg-etl batch ${r.batchId})`),
    ],
  };
}

/** historian.shifts is optional, but without it two of the outputs are never made: say so */
export const NO_SHIFTS_WARNING =
  'no shifts in the historian section of the config file: no shift summaries and no scrap rows are made; add historian.shifts, e.g. [{"name":"early","start":"06:00","end":"14:00"}, …]';

async function extract(ctx: JobContext, params: Params): Promise<Record<string, unknown>> {
  const result = await extractRun(ctx, params);
  const s = historianSettings(ctx.config);
  if (s.shifts.length > 0 || s.tags.every((t) => !t.active)) return result;
  ctx.logger.warn(NO_SHIFTS_WARNING);
  const summary = Array.isArray(result.summary) ? (result.summary as string[]) : [];
  return { ...result, warnings: [NO_SHIFTS_WARNING], summary: [...summary, `warning: ${NO_SHIFTS_WARNING}`] };
}

async function extractRun(ctx: JobContext, params: Params): Promise<Record<string, unknown>> {
  const s = historianSettings(ctx.config);
  const tags = s.tags.filter((t) => t.active);
  if (tags.length === 0) return { samples: 0, summary: ['no active tag in the historian section of the config file: nothing to read'] };
  if (params.from !== undefined && params.to !== undefined) return backfill(ctx, s, tags, params.from, params.to);
  if (ctx.dryRun) {
    const now = Math.floor(Date.now() / 1000) * 1000;
    const plan = planWindows(
      s,
      ctx.config.timezone,
      tags,
      await readWatermarks(
        ctx.db.knex,
        tags.map((t) => t.name),
      ),
      params,
      now,
    );
    // tags are not resolved on a dry run: one the server does not know is planned like the others
    const froms = [...new Set(plan.windows.map((w) => w.from))].filter((f) => f < plan.to).sort((a, b) => a - b);
    return {
      dryRun: true,
      from: iso(plan.from),
      to: iso(plan.to),
      backfill: plan.backfill,
      reads: froms.map((f) => ({ from: iso(f), tags: plan.windows.filter((w) => w.from === f).map((w) => w.tag.name) })),
      summary: [
        `would read ${tags.length} tags, ${isoShort(plan.from)} → ${isoShort(plan.to)} in ${froms.length} read(s)${plan.behindMs > 0 ? `; ${Math.round(plan.behindMs / HOUR)} h behind` : ''}`,
      ],
    };
  }

  const opcua = opcuaSettings(ctx.config, s);
  const historian = await openHistorian(opcua, ctx.logger, ctx.signal);
  try {
    // a tag the server does not know must not stop the others: the silent-tag checkpoint names it;
    // when none resolves, the tag map (or the server) is wrong and the run fails with every reason
    const nodes = await historian.resolveTags(tags, { missing: 'omit' });
    if (nodes.size === 0) await historian.resolveTags(tags);
    const staged = await ctx.db.knex.transaction((trx) => stageRun(ctx, trx, s, historian, nodes, tags, params, opcua.endpoint));
    if ('nothing' in staged) return { samples: 0, summary: [staged.nothing] };
    ctx.logger.info('historian batch staged', {
      batchId: staged.batchId,
      status: staged.status,
      from: staged.stats.from,
      to: staged.stats.to,
      samples: staged.stats.samples,
    });
    const { perTag: _perTag, ...brief } = staged.stats;
    return { ...brief, batchId: staged.batchId, status: staged.status, checkpoints: staged.checkpoints, summary: summaryLines(staged) };
  } finally {
    await historian.close();
  }
}

export const historianExtractJob = defineJob({
  ...jobEntry('historian-extract'),
  params: historianExtractParams,
  checkSettings: historianSettings,
  checkRun(config, params) {
    if (params.from === undefined || params.to === undefined) return;
    const refused = backfillRefusal(params.from, params.to, Date.now(), historianSettings(config));
    if (refused) throw new UsageError(refused, { context: { from: isoShort(params.from), to: isoShort(params.to) } });
  },
  run: (ctx, params) => extract(ctx, params),
});
