/**
 * Historian staging: raw samples (on PostgreSQL, those newer than anything staged for their tag by
 * `COPY … FROM STDIN`; the re-read overlap, and everything on embedded PGlite, through unnest
 * arrays), per-tag watermarks, and
 * the aggregates of a recomputed range (buckets, downtime events, shift summaries, scrap), each
 * SQL operation one named function over sql/historian/*.sql. Times cross the boundary as epoch
 * milliseconds (float8), converted in SQL: cheaper than Date objects per sample and exact to the ms.
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import { copyIn, CopyRowWriter, copyText } from '../staging/copy-rows.ts';
import type { AggregationResult, Sample } from '../../transform/historian/types.ts';

type Db = Knex | Knex.Transaction;

/**
 * Samples of several tags, column by column (one array per column is what unnest takes). A tag
 * travels as its 1-based number in the run's tag list, smaller to send than the repeated name.
 */
export interface SampleColumns {
  tagNo: number[];
  ts: number[];
  values: number[];
}

export function emptySampleColumns(): SampleColumns {
  return { tagNo: [], ts: [], values: [] };
}

/**
 * Serialises historian staging runs: two runs recomputing overlapping ranges at once would each
 * delete and insert the other's rows. Held until the transaction ends.
 */
export async function lockHistorianStaging(trx: Knex.Transaction): Promise<void> {
  await trx.raw(`select pg_advisory_xact_lock(hashtext('mfg-etl historian staging'))`);
}

/** Each tag's watermark (epoch ms); tags without one are absent. */
export async function readWatermarks(db: Db, tags: readonly string[]): Promise<Map<string, number>> {
  const rows = await runSql<{ tag: string; ms: number }>(db, 'historian/watermarks', [tags]);
  return new Map(rows.map((r) => [r.tag, r.ms]));
}

/** Moves watermarks forward (never back) to what `batchId` staged. */
export async function advanceWatermarks(db: Db, batchId: number, watermarks: ReadonlyMap<string, number>): Promise<void> {
  if (watermarks.size === 0) return;
  await runSql(db, 'historian/advance_watermarks', [[...watermarks.keys()], [...watermarks.values()], batchId]);
}

/**
 * Stages one chunk of samples (no (tag, ts) twice in a chunk). `fresh`: every sample is newer
 * than its tag's last staged one (lastStagedTimes, read under lockHistorianStaging, so nothing
 * else stages meanwhile) and a plain insert does; else an upsert, the value read now replacing
 * the staged one.
 */
export async function stageSamples(
  db: Db,
  batchId: number,
  tagNames: readonly string[],
  chunk: SampleColumns,
  fresh: boolean,
): Promise<void> {
  if (chunk.tagNo.length === 0) return;
  // array literals joined here: pg would quote every element, which costs both sides (numbers only, all finite)
  const literal = (a: readonly number[]) => `{${a.join(',')}}`;
  await runSql(db, fresh ? 'historian/insert_samples' : 'historian/stage_samples', [
    literal(chunk.tagNo),
    literal(chunk.ts),
    literal(chunk.values),
    batchId,
    tagNames,
  ]);
}

/**
 * Stages a run's chunks of samples (`stage`: as stageSamples, one chunk at a time). With `copy`
 * (PostgreSQL only: embedded PGlite cannot COPY FROM STDIN), a `fresh` chunk goes in by COPY
 * instead of the plain insert: the same rows, and less work for the server than unnesting arrays
 * (no array parsing, no per-row projection, batched heap inserts). A sample COPY text cannot carry
 * exactly (a time not in whole milliseconds of the years 1 to 9999) takes the plain insert.
 */
export interface SampleStager {
  stage(chunk: SampleColumns, fresh: boolean): Promise<void>;
  /** samples staged so far: by COPY, by the plain insert, by the upsert */
  readonly counts: { copied: number; inserted: number; upserted: number };
}

const COPY_SAMPLES = 'copy historian_samples (tag, ts, value, batch_id) from stdin';
/** one COPY data piece */
const SAMPLE_PIECE_BYTES = 256 * 1024;

export function sampleStager(db: Db, batchId: number, tagNames: readonly string[], options: { copy: boolean }): SampleStager {
  const counts = { copied: 0, inserted: 0, upserted: 0 };
  // "tag<TAB>" per tag number (1-based), "<TAB>batch<NEWLINE>" ending every row
  const tagFields = [new Uint8Array(0), ...tagNames.map((t) => CopyRowWriter.encode(`${copyText(t)}\t`))];
  const rowEnd = CopyRowWriter.encode(`\t${batchId}\n`);
  const writer = new CopyRowWriter(SAMPLE_PIECE_BYTES);
  const copyChunk = async (chunk: SampleColumns) => {
    const { tagNo, ts, values } = chunk;
    const rest = emptySampleColumns();
    let rows = 0;
    for (let i = 0; i < tagNo.length; i++) {
      const t = ts[i]!;
      if (!CopyRowWriter.timestampFits(t)) {
        rest.tagNo.push(tagNo[i]!);
        rest.ts.push(t);
        rest.values.push(values[i]!);
        continue;
      }
      writer.bytes(tagFields[tagNo[i]!]!);
      writer.timestamp(t);
      writer.tab();
      // String(n) for a fraction (round-trips through float8in); NaN and ±Infinity too, as in the array literal
      writer.number(values[i]!);
      writer.bytes(rowEnd);
      rows++;
    }
    const data = writer.take();
    if (rows > 0) {
      const copied = await copyIn(db, COPY_SAMPLES, data);
      if (copied !== rows) throw new Error(`COPY of historian samples: ${copied} rows copied, ${rows} sent`);
      counts.copied += rows;
    }
    if (rest.tagNo.length > 0) {
      await stageSamples(db, batchId, tagNames, rest, true);
      counts.inserted += rest.tagNo.length;
    }
  };
  return {
    counts,
    async stage(chunk, fresh) {
      if (chunk.tagNo.length === 0) return;
      if (fresh && options.copy) return copyChunk(chunk);
      await stageSamples(db, batchId, tagNames, chunk, fresh);
      if (fresh) counts.inserted += chunk.tagNo.length;
      else counts.upserted += chunk.tagNo.length;
    },
  };
}

/** Each tag's latest staged sample time; tags without any are absent. */
export async function lastStagedTimes(db: Db, tags: readonly string[]): Promise<Map<string, number>> {
  const rows = await runSql<{ tag: string; ms: number }>(db, 'historian/last_staged', [tags]);
  return new Map(rows.map((r) => [r.tag, r.ms]));
}

/** Staged samples of each tag inside its own [lo, hi), ascending; empty spans are skipped. */
export async function stagedSamples(db: Db, spans: ReadonlyMap<string, { lo: number; hi: number }>): Promise<Map<string, Sample[]>> {
  const tags = [...spans.keys()].filter((t) => spans.get(t)!.hi > spans.get(t)!.lo);
  const out = new Map<string, Sample[]>();
  if (tags.length === 0) return out;
  const rows = await runSql<{ tag: string; ms: number; value: number }>(db, 'historian/staged_samples', [
    tags,
    tags.map((t) => spans.get(t)!.lo),
    tags.map((t) => spans.get(t)!.hi),
  ]);
  for (const r of rows) {
    let list = out.get(r.tag);
    if (!list) out.set(r.tag, (list = []));
    list.push({ ts: r.ms, value: r.value });
  }
  return out;
}

/** Each tag's last staged sample before `at`. */
export async function samplesBefore(db: Db, tags: readonly string[], at: number): Promise<Map<string, Sample>> {
  if (tags.length === 0) return new Map();
  const rows = await runSql<{ tag: string; ms: number; value: number }>(db, 'historian/samples_before', [tags, at]);
  return new Map(rows.map((r) => [r.tag, { ts: r.ms, value: r.value }]));
}

/** Start of the earliest staged downtime event of these state tags that a recomputation from `at` would cut. */
export async function straddlingDowntimeStart(db: Db, stateTags: readonly string[], at: number): Promise<number | undefined> {
  if (stateTags.length === 0) return undefined;
  const [row] = await runSql<{ ms: number | null }>(db, 'historian/straddling_downtime_start', [stateTags, at]);
  return row?.ms ?? undefined;
}

/** End of the latest staged downtime event of these state tags that a recomputation ending at `at` would cut. */
export async function straddlingDowntimeEnd(db: Db, stateTags: readonly string[], at: number): Promise<number | undefined> {
  if (stateTags.length === 0) return undefined;
  const [row] = await runSql<{ ms: number | null }>(db, 'historian/straddling_downtime_end', [stateTags, at]);
  return row?.ms ?? undefined;
}

export interface RecomputedRange {
  from: number;
  to: number;
  /** the tags whose buckets and downtime events the recomputation replaces */
  tags: readonly string[];
  /** the assets whose shift summaries and scrap it replaces */
  assets: readonly string[];
}

export interface ReplacedCounts {
  removed: { buckets: number; downtime: number; shifts: number; scrap: number };
  inserted: { buckets: number; downtime: number; shifts: number; scrap: number };
}

const col = <T, V>(rows: readonly T[], pick: (r: T) => V): V[] => rows.map(pick);

async function insertBuckets(db: Db, batchId: number, rows: AggregationResult['buckets']): Promise<void> {
  if (rows.length === 0) return;
  await runSql(db, 'historian/insert_buckets', [
    batchId,
    col(rows, (r) => r.tag),
    col(rows, (r) => r.bucketStart),
    col(rows, (r) => r.bucketEnd),
    col(rows, (r) => r.asset),
    col(rows, (r) => r.kind),
    col(rows, (r) => r.samples),
    col(rows, (r) => r.delta),
    col(rows, (r) => r.min),
    col(rows, (r) => r.max),
    col(rows, (r) => r.avg),
    col(rows, (r) => r.twa),
    col(rows, (r) => r.runningSeconds),
    col(rows, (r) => r.downSeconds),
    col(rows, (r) => r.idleSeconds),
    col(rows, (r) => r.unknownSeconds),
  ]);
}

async function insertDowntime(db: Db, batchId: number, rows: AggregationResult['downtime']): Promise<void> {
  if (rows.length === 0) return;
  await runSql(db, 'historian/insert_downtime', [
    batchId,
    col(rows, (r) => r.asset),
    col(rows, (r) => r.start),
    col(rows, (r) => r.end),
    col(rows, (r) => r.open),
    col(rows, (r) => r.tag),
    col(rows, (r) => r.stateCode),
    col(rows, (r) => r.lossReason),
    col(rows, (r) => r.minutes),
    col(rows, (r) => r.shiftDate),
    col(rows, (r) => r.shift),
  ]);
}

async function insertShifts(db: Db, batchId: number, rows: AggregationResult['shifts']): Promise<void> {
  if (rows.length === 0) return;
  await runSql(db, 'historian/insert_shifts', [
    batchId,
    col(rows, (r) => r.asset),
    col(rows, (r) => r.shiftDate),
    col(rows, (r) => r.shift),
    col(rows, (r) => r.start),
    col(rows, (r) => r.end),
    col(rows, (r) => r.good),
    col(rows, (r) => r.scrap),
    col(rows, (r) => r.runningMinutes),
    col(rows, (r) => r.downMinutes),
    col(rows, (r) => r.idleMinutes),
    col(rows, (r) => r.complete),
  ]);
}

async function insertScrap(db: Db, batchId: number, rows: AggregationResult['scrap']): Promise<void> {
  if (rows.length === 0) return;
  await runSql(db, 'historian/insert_scrap', [
    batchId,
    col(rows, (r) => r.asset),
    col(rows, (r) => r.product),
    col(rows, (r) => r.shiftDate),
    col(rows, (r) => r.shift),
    col(rows, (r) => r.start),
    col(rows, (r) => r.end),
    col(rows, (r) => r.quantity),
    col(rows, (r) => r.complete),
  ]);
}

/**
 * Replaces the aggregates of a recomputed range: deletes what the range held for its tags and
 * assets, inserts the new rows under `batchId`. Run it in the transaction that stages the samples.
 */
export async function replaceAggregates(
  db: Db,
  batchId: number,
  range: RecomputedRange,
  result: Pick<AggregationResult, 'buckets' | 'downtime' | 'shifts' | 'scrap'>,
): Promise<ReplacedCounts> {
  const [removed] = await runSql<ReplacedCounts['removed']>(db, 'historian/delete_range', [range.tags, range.assets, range.from, range.to]);
  await insertBuckets(db, batchId, result.buckets);
  await insertDowntime(db, batchId, result.downtime);
  await insertShifts(db, batchId, result.shifts);
  await insertScrap(db, batchId, result.scrap);
  return {
    removed: removed!,
    inserted: {
      buckets: result.buckets.length,
      downtime: result.downtime.length,
      shifts: result.shifts.length,
      scrap: result.scrap.length,
    },
  };
}

/** Retention: removes (or, on a dry run, counts) raw samples stamped before `before`. */
export async function pruneHistorianSamples(db: Db, before: Date, dryRun: boolean): Promise<number> {
  const [row] = await runSql<{ samples: string }>(db, 'historian/prune_samples', [before.getTime(), dryRun]);
  return Number(row?.samples ?? 0);
}
