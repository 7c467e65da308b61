/**
 * The historian aggregation: one range of samples per tag → buckets per tag, downtime events,
 * summaries per (asset, shift), scrap per (asset, product, shift), counter anomalies and per-tag
 * statistics for the checkpoints. Pure: the calendar is planned once per range, then every tag's
 * samples are walked once with an index into the bucket edges and shift occurrences.
 */
import { aggregateAnalog } from './analog.ts';
import { type PlantCalendar, planCalendar } from './calendar.ts';
import { aggregateCounter } from './counters.ts';
import { aggregateState, STATE_INDEX } from './states.ts';
import type {
  AggregationInput,
  AggregationResult,
  BucketRow,
  Sample,
  ScrapRow,
  ShiftSummary,
  TagSeries,
  TagStats,
  TimeRange,
} from './types.ts';

interface PreparedSeries {
  /** the last value before the range: series.before, or a later sample that lay before the range */
  before: Sample | undefined;
  samples: readonly Sample[];
  /** samples[lo..hi) lie inside [range.from, range.to) */
  lo: number;
  hi: number;
}

/** first index whose ts ≥ t (samples ascending) */
function lowerBound(samples: readonly Sample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.ts < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The series as the walks need it. Samples are expected ascending with finite values; when they
 * are not, a sorted copy without non-finite values (and with the last of duplicate timestamps) is
 * used rather than failing the whole run on one odd value. Samples before the range only move `before`;
 * samples at or after range.to belong to the next window (half-open ranges).
 */
function prepare(series: TagSeries, range: TimeRange): PreparedSeries {
  let samples = series.samples;
  let clean = true;
  let prevTs = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (!(s.ts > prevTs) || !Number.isFinite(s.value)) {
      clean = false;
      break;
    }
    prevTs = s.ts;
  }
  if (!clean) {
    const sorted = samples.filter((s) => Number.isFinite(s.ts) && Number.isFinite(s.value)).sort((a, b) => a.ts - b.ts);
    const unique: Sample[] = [];
    for (const s of sorted) {
      if (unique.length > 0 && unique[unique.length - 1]!.ts === s.ts) unique[unique.length - 1] = s;
      else unique.push(s);
    }
    samples = unique;
  }
  const lo = lowerBound(samples, range.from);
  const hi = lowerBound(samples, range.to);
  let before = series.before && Number.isFinite(series.before.value) && series.before.ts < range.from ? series.before : undefined;
  const last = lo > 0 ? samples[lo - 1] : undefined;
  if (last && (!before || last.ts > before.ts)) before = last;
  return { before, samples, lo, hi };
}

/** samples, and the longest stretch without one: range start → first, between samples, last → range end */
function tagStats(name: string, p: PreparedSeries, range: TimeRange): TagStats {
  let prev = range.from;
  let gap = 0;
  let gapStart: number | null = null;
  for (let i = p.lo; i < p.hi; i++) {
    const ts = p.samples[i]!.ts;
    if (ts - prev > gap) {
      gap = ts - prev;
      gapStart = prev;
    }
    prev = ts;
  }
  if (range.to - prev > gap) {
    gap = range.to - prev;
    gapStart = prev;
  }
  return { tag: name, samples: p.hi - p.lo, maxGapMinutes: gap / 60_000, maxGapStart: gapStart };
}

function emptyRow(series: TagSeries, cal: PlantCalendar, j: number, samples: number): BucketRow {
  return {
    tag: series.tag.name,
    asset: series.tag.asset,
    kind: series.tag.kind,
    bucketStart: cal.edges[j]!,
    bucketEnd: cal.edges[j + 1]!,
    samples,
    delta: null,
    min: null,
    max: null,
    avg: null,
    twa: null,
    runningSeconds: null,
    downSeconds: null,
    idleSeconds: null,
    unknownSeconds: null,
  };
}

const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

interface AssetShifts {
  good: Float64Array;
  scrap: Float64Array;
  /** [running, down, idle] ms × shift, from the asset's first state tag */
  stateMs: Float64Array | null;
  /** from when all its counters and states are known (a sample before the range: from the start) */
  knownFrom: number;
}

export function aggregateHistorian(input: AggregationInput): AggregationResult {
  const { range } = input;
  if (!(range.to >= range.from)) throw new RangeError(`the aggregation range ends (${range.to}) before it starts (${range.from})`);
  const result: AggregationResult = { buckets: [], downtime: [], shifts: [], scrap: [], anomalies: [], tagStats: [] };
  const cal = planCalendar(range, input.timezone, input.bucketMinutes, input.shifts);
  const nShifts = cal.shifts.length;
  const assets = new Map<string, AssetShifts>();
  const assetOf = (name: string): AssetShifts => {
    let a = assets.get(name);
    if (!a)
      assets.set(name, (a = { good: new Float64Array(nShifts), scrap: new Float64Array(nShifts), stateMs: null, knownFrom: -Infinity }));
    return a;
  };
  const scrap = new Map<string, { asset: string; product: string | null; quantity: Float64Array }>();

  for (const series of input.series) {
    const tag = series.tag;
    const p = prepare(series, range);
    result.tagStats.push(tagStats(tag.name, p, range));
    if (range.to === range.from) continue;
    // a counter or state without any sample is left to the silent-tags checkpoint: it would otherwise hold its asset's shifts back for good
    const first = p.before ? -Infinity : p.samples[p.lo]?.ts;
    if (tag.kind !== 'analog' && first !== undefined) assetOf(tag.asset).knownFrom = Math.max(assetOf(tag.asset).knownFrom, first);
    switch (tag.kind) {
      case 'good-counter':
      case 'scrap-counter': {
        const c = aggregateCounter(tag, p.before, p.samples, p.lo, p.hi, cal);
        for (let j = 0; j < cal.buckets; j++) result.buckets.push({ ...emptyRow(series, cal, j, c.samples[j]!), delta: c.deltas[j]! });
        result.anomalies.push(...c.anomalies);
        const a = assetOf(tag.asset);
        const target = tag.kind === 'good-counter' ? a.good : a.scrap;
        for (let k = 0; k < nShifts; k++) target[k]! += c.shiftDeltas[k]!;
        if (tag.kind === 'scrap-counter') {
          const product = tag.product ?? input.assetProducts[tag.asset] ?? null;
          const key = JSON.stringify([tag.asset, product]);
          let row = scrap.get(key);
          if (!row) scrap.set(key, (row = { asset: tag.asset, product, quantity: new Float64Array(nShifts) }));
          for (let k = 0; k < nShifts; k++) row.quantity[k]! += c.shiftDeltas[k]!;
        }
        break;
      }
      case 'state': {
        const s = aggregateState(tag, p.before, p.samples, p.lo, p.hi, range, cal, input.minDowntimeMinutes);
        for (let j = 0; j < cal.buckets; j++) {
          result.buckets.push({
            ...emptyRow(series, cal, j, s.samples[j]!),
            runningSeconds: s.ms[STATE_INDEX.running][j]! / 1000,
            downSeconds: s.ms[STATE_INDEX.down][j]! / 1000,
            idleSeconds: s.ms[STATE_INDEX.idle][j]! / 1000,
            unknownSeconds: s.ms[STATE_INDEX.unknown][j]! / 1000,
          });
        }
        result.downtime.push(...s.downtime);
        // one state tag describes a machine: with several on one asset, the first (in config order)
        // gives the shift minutes, so running + down + idle never exceeds the shift's length
        const a = assetOf(tag.asset);
        if (!a.stateMs) a.stateMs = s.shiftMs;
        break;
      }
      case 'analog': {
        const an = aggregateAnalog(p.before, p.samples, p.lo, p.hi, range, cal);
        for (let j = 0; j < cal.buckets; j++) {
          result.buckets.push({
            ...emptyRow(series, cal, j, an.samples[j]!),
            min: orNull(an.min[j]!),
            max: orNull(an.max[j]!),
            avg: orNull(an.avg[j]!),
            twa: orNull(an.twa[j]!),
          });
        }
        break;
      }
    }
  }

  // a shift's figures are final only when the whole shift lies inside the range and its asset's data
  // reaches back to its start (a backfill from mid-shift with nothing before it is not)
  const inside = cal.shifts.map((s) => s.start >= range.from && s.end <= range.to);
  const tolerance = (input.coverageToleranceMinutes ?? 0) * 60_000;
  const complete = (a: AssetShifts, k: number) => inside[k]! && a.knownFrom <= cal.shifts[k]!.start + tolerance;
  // summaries for assets with a counter or a state tag (an asset with analog tags only has nothing to summarise)
  for (const [asset, a] of assets) {
    cal.shifts.forEach((s, k) => {
      const minutes = (state: 0 | 1 | 2): number => (a.stateMs ? a.stateMs[3 * k + state]! / 60_000 : 0);
      const row: ShiftSummary = {
        asset,
        shiftDate: s.shiftDate,
        shift: s.name,
        start: s.start,
        end: s.end,
        good: a.good[k]!,
        scrap: a.scrap[k]!,
        runningMinutes: minutes(STATE_INDEX.running),
        downMinutes: minutes(STATE_INDEX.down),
        idleMinutes: minutes(STATE_INDEX.idle),
        complete: complete(a, k),
      };
      result.shifts.push(row);
    });
  }
  // only shifts that scrapped something: a zero row would only ask for an empty stock.scrap
  for (const row of scrap.values()) {
    const a = assetOf(row.asset);
    cal.shifts.forEach((s, k) => {
      const quantity = row.quantity[k]!;
      if (quantity <= 0) return;
      const out: ScrapRow = {
        asset: row.asset,
        product: row.product,
        shiftDate: s.shiftDate,
        shift: s.name,
        start: s.start,
        end: s.end,
        quantity,
        complete: complete(a, k),
      };
      result.scrap.push(out);
    });
  }
  result.downtime.sort(
    (x, y) => x.start - y.start || (x.asset < y.asset ? -1 : x.asset > y.asset ? 1 : 0) || (x.tag < y.tag ? -1 : x.tag > y.tag ? 1 : 0),
  );
  return result;
}
