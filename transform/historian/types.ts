/**
 * What the historian aggregation takes and gives. Times are epoch milliseconds (UTC) throughout;
 * dates of the plant calendar (shift dates) are YYYY-MM-DD strings in the plant time zone.
 */
import type { TagKind, TagSettings } from '../../core/config/historian.ts';

import type { Sample } from '../../extract/historian/sample.ts';

export type { Sample };

/** a tag's samples over the range being aggregated, ascending by ts, no duplicate ts */
export interface TagSeries {
  tag: TagSettings;
  /** the last sample before the range, when known: a state holds from it, a counter counts from it */
  before?: Sample;
  samples: readonly Sample[];
}

/** half-open [from, to); `from` should sit on a bucket and shift boundary (see alignedStart) */
export interface TimeRange {
  from: number;
  to: number;
}

export interface AggregationInput {
  series: readonly TagSeries[];
  range: TimeRange;
  /** IANA zone of the plant calendar */
  timezone: string;
  bucketMinutes: number;
  shifts: readonly { name: string; start: string; end: string }[];
  minDowntimeMinutes: number;
  /** a shift counts as complete when its asset's data starts at most this long after the shift (default 0) */
  coverageToleranceMinutes?: number;
  /** asset → product scrapped there when the scrap tag names none */
  assetProducts: Readonly<Record<string, string>>;
}

/** one tag over one bucket; which measures are set depends on the tag's kind */
export interface BucketRow {
  tag: string;
  asset: string;
  kind: TagKind;
  bucketStart: number;
  bucketEnd: number;
  /** samples inside the bucket */
  samples: number;
  /** counters: counted units in the bucket (resets and rollovers accounted for) */
  delta: number | null;
  /** analog */
  min: number | null;
  max: number | null;
  avg: number | null;
  /** time-weighted average: each value holds until the next sample */
  twa: number | null;
  /** states: seconds in each state inside the bucket (unknown: before the first sample, unmapped codes) */
  runningSeconds: number | null;
  downSeconds: number | null;
  idleSeconds: number | null;
  unknownSeconds: number | null;
}

/** a stretch of one "down" state, split at shift boundaries, at least minDowntimeMinutes long */
export interface DowntimeEvent {
  asset: string;
  tag: string;
  start: number;
  /** the range's end while the machine is still down (open) */
  end: number;
  /** still down at the range's end: not final, not loaded */
  open: boolean;
  stateCode: string;
  lossReason: string | null;
  /** wall-clock minutes (Odoo's own duration follows the work center calendar) */
  minutes: number;
  shiftDate: string | null;
  shift: string | null;
}

/** one asset over one shift */
export interface ShiftSummary {
  asset: string;
  shiftDate: string;
  shift: string;
  start: number;
  end: number;
  good: number;
  scrap: number;
  runningMinutes: number;
  downMinutes: number;
  idleMinutes: number;
  /** the shift ended inside the range (its figures are final) */
  complete: boolean;
}

/** scrap counted per (asset, product, shift); product null: find the work order in progress */
export interface ScrapRow {
  asset: string;
  product: string | null;
  shiftDate: string;
  shift: string;
  start: number;
  end: number;
  quantity: number;
  complete: boolean;
}

export interface CounterAnomaly {
  tag: string;
  ts: number;
  kind: 'reset' | 'rollover';
  previous: number;
  value: number;
}

/** per tag: what the checkpoints look at */
export interface TagStats {
  tag: string;
  samples: number;
  /** longest stretch without a sample inside the range (from the range start, and to its end), minutes */
  maxGapMinutes: number;
  maxGapStart: number | null;
}

export interface AggregationResult {
  buckets: BucketRow[];
  downtime: DowntimeEvent[];
  shifts: ShiftSummary[];
  scrap: ScrapRow[];
  anomalies: CounterAnomaly[];
  tagStats: TagStats[];
}
