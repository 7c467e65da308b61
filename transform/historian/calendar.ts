/**
 * The plant calendar: bucket and shift boundaries in the plant time zone, as UTC epoch ms. Pure.
 *
 * The zone's UTC offsets are read through Intl once per range (a probe every 6 hours, a binary
 * search to the second where the offset changes); everything after that is arithmetic on the
 * resulting offset segments, so no Date is parsed or formatted per sample.
 *
 * Buckets are k × bucketMinutes of local wall time after local midnight: every instant at which
 * the plant clock shows such a time is a boundary. On a fall-back night the repeated hour is
 * shown twice, so it gives two buckets (25 on the day with 60-minute buckets); on a spring-forward
 * night the skipped wall times are not shown at all and collapse onto the moment the clock jumps
 * (23 buckets). Shift starts and ends follow the same rule: a wall time shown twice means its first
 * occurrence, a wall time skipped means the moment of the jump.
 */
import { zoneOffsetMs } from '../shared/time-zone.ts';
import type { TimeRange } from './types.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** offsets are probed this often; real zones never change offset twice within 6 hours */
const PROBE_STEP = 6 * HOUR;

/** a shift of the plant day (the settings' Shift; only these fields matter here) */
export interface ShiftDefinition {
  name: string;
  /** HH:MM plant time */
  start: string;
  /** HH:MM plant time; end ≤ start: the shift crosses midnight (end = start: a 24-hour shift) */
  end: string;
}

export interface ShiftInstance {
  name: string;
  /** local date (YYYY-MM-DD) the shift starts on */
  shiftDate: string;
  start: number;
  end: number;
}

/** the calendar of one aggregation: bucket edges and shift occurrences over the range */
export interface PlantCalendar {
  /** bucket edges: edges[i] … edges[i+1] is bucket i; edges[0] ≤ range.from, last edge ≥ range.to */
  edges: Float64Array;
  /** number of buckets (edges.length - 1) */
  buckets: number;
  /** shift occurrences intersecting the range, ascending by start (shifts never overlap) */
  shifts: ShiftInstance[];
}

interface Segment {
  start: number;
  end: number;
  /** local wall time = UTC + offset */
  offset: number;
}

/** The zone's offsets over [from, to], as segments of constant offset (the outer ones unbounded). */
class Zone {
  private constructor(readonly segments: Segment[]) {}

  static around(timeZone: string, from: number, to: number): Zone {
    const first = Math.floor(from / 1000) * 1000;
    const segments: Segment[] = [];
    let segStart = -Infinity;
    let t = first;
    let offset = zoneOffsetMs(t, timeZone);
    while (t < to) {
      const next = t + PROBE_STEP;
      const nextOffset = zoneOffsetMs(next, timeZone);
      if (nextOffset !== offset) {
        let lo = t;
        let hi = next;
        while (hi - lo > 1000) {
          const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
          if (zoneOffsetMs(mid, timeZone) === offset) lo = mid;
          else hi = mid;
        }
        segments.push({ start: segStart, end: hi, offset });
        segStart = hi;
        offset = nextOffset;
      }
      t = next;
    }
    segments.push({ start: segStart, end: Infinity, offset });
    return new Zone(segments);
  }

  offsetAt(utc: number): number {
    for (const s of this.segments) if (utc < s.end) return s.offset;
    return this.segments[this.segments.length - 1]!.offset;
  }

  /** days since 1970-01-01 of the local date at `utc` */
  localDay(utc: number): number {
    return Math.floor((utc + this.offsetAt(utc)) / DAY);
  }

  /** the instant the plant clock shows `local` (wall time as if UTC): first occurrence; a skipped time → the jump */
  toUtc(local: number): number {
    for (const s of this.segments) {
      const u = local - s.offset;
      if (u >= s.start && u < s.end) return u;
    }
    const segs = this.segments;
    for (let i = 0; i + 1 < segs.length; i++) {
      const s = segs[i]!;
      if (local >= s.end + s.offset && local < s.end + segs[i + 1]!.offset) return s.end;
    }
    /* c8 ignore next */
    return local - this.offsetAt(local);
  }
}

function checkBucketMinutes(bucketMinutes: number): void {
  if (!Number.isInteger(bucketMinutes) || bucketMinutes < 1 || bucketMinutes > 1440) {
    throw new RangeError(`bucketMinutes must be a whole number of minutes from 1 to 1440 (got ${bucketMinutes})`);
  }
}

/** "06:30" → 390 */
export function clockMinutes(clock: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(clock);
  if (!m) throw new RangeError(`a shift time is HH:MM (00:00–23:59), got "${clock}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function isoDay(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** all bucket edges of the zone between window.from and window.to, ascending, no duplicates */
function edgesIn(zone: Zone, window: TimeRange, bucketMinutes: number): number[] {
  const step = bucketMinutes * MINUTE;
  const out: number[] = [];
  const segs = zone.segments;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const start = Math.max(s.start, window.from);
    const end = Math.min(s.end, window.to);
    if (start < end) {
      const lStart = start + s.offset;
      const lEnd = end + s.offset;
      for (let day = Math.floor(lStart / DAY) * DAY; day < lEnd; day += DAY) {
        for (let m = 0; m < DAY; m += step) {
          const local = day + m;
          if (local >= lStart && local < lEnd) out.push(local - s.offset);
        }
      }
    }
    // a spring-forward jump at s.end skips wall times; when a boundary is among them, the jump is one
    const next = segs[i + 1];
    if (next && next.offset > s.offset && s.end >= window.from && s.end < window.to) {
      const gapFrom = s.end + s.offset;
      const gapTo = s.end + next.offset;
      const day = Math.floor(gapFrom / DAY) * DAY;
      const firstBoundary = Math.min(day + Math.ceil((gapFrom - day) / step) * step, day + DAY);
      if (firstBoundary < gapTo) out.push(s.end);
    }
  }
  out.sort((a, b) => a - b);
  let w = 0;
  for (let r = 0; r < out.length; r++) if (r === 0 || out[r] !== out[w - 1]) out[w++] = out[r]!;
  out.length = w;
  return out;
}

/** bucket edges covering the range: first ≤ range.from, last ≥ range.to, at least one bucket */
function rangeEdges(zone: Zone, range: TimeRange, bucketMinutes: number): number[] {
  const all = edgesIn(zone, { from: range.from - 2 * DAY, to: range.to + 2 * DAY }, bucketMinutes);
  let first = 0;
  while (first + 1 < all.length && all[first + 1]! <= range.from) first++;
  let last = first + 1;
  while (last < all.length - 1 && all[last]! < range.to) last++;
  return all.slice(first, last + 1);
}

function instancesIn(zone: Zone, range: TimeRange, shifts: readonly ShiftDefinition[]): ShiftInstance[] {
  const defs = shifts.map((s) => ({ name: s.name, start: clockMinutes(s.start), end: clockMinutes(s.end) }));
  const out: ShiftInstance[] = [];
  const lastDay = zone.localDay(range.to);
  for (let day = zone.localDay(range.from) - 1; day <= lastDay; day++) {
    for (const d of defs) {
      const start = zone.toUtc(day * DAY + d.start * MINUTE);
      const end = zone.toUtc((d.end <= d.start ? day + 1 : day) * DAY + d.end * MINUTE);
      if (start < range.to && end > range.from) out.push({ name: d.name, shiftDate: isoDay(day), start, end });
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * Bucket starts covering the range (the first ≤ range.from); a bucket is k × bucketMinutes of local
 * wall time after local midnight in the plant zone. 60-minute buckets: 23 on a spring-forward day,
 * 25 on a fall-back day; 1440: one bucket per local day.
 */
export function bucketBoundaries(range: TimeRange, timezone: string, bucketMinutes: number): number[] {
  checkBucketMinutes(bucketMinutes);
  const zone = Zone.around(timezone, range.from - 3 * DAY, range.to + 3 * DAY);
  return rangeEdges(zone, range, bucketMinutes).slice(0, -1);
}

/**
 * Shift occurrences intersecting the range, ascending by start. shiftDate is the local date the
 * shift starts on; a shift whose end ≤ start crosses midnight (22:00–06:00 lasts 9 h on a
 * fall-back night, 7 h on a spring-forward night).
 */
export function shiftInstances(range: TimeRange, timezone: string, shifts: readonly ShiftDefinition[]): ShiftInstance[] {
  const zone = Zone.around(timezone, range.from - 3 * DAY, range.to + 3 * DAY);
  return instancesIn(zone, range, shifts);
}

/**
 * Where a recomputation that must include `ts` should start so that it cuts neither a bucket nor
 * the shift holding ts: the start of that shift when ts is inside one, else the start of ts's
 * bucket — and in both cases never later than the start of the bucket holding that time (when
 * shifts do not start on bucket boundaries, the bucket wins: buckets are what every tag stores).
 */
export function alignedStart(ts: number, o: { timezone: string; bucketMinutes: number; shifts: readonly ShiftDefinition[] }): number {
  checkBucketMinutes(o.bucketMinutes);
  const zone = Zone.around(o.timezone, ts - 4 * DAY, ts + 3 * DAY);
  const shift = instancesIn(zone, { from: ts, to: ts + 1 }, o.shifts)[0];
  const t = shift ? Math.min(shift.start, ts) : ts;
  return rangeEdges(zone, { from: t, to: t + 1 }, o.bucketMinutes)[0]!;
}

/** Local date (YYYY-MM-DD) of an instant in the plant zone (one Intl lookup; not for hot loops). */
export function localDateOf(ts: number, timezone: string): string {
  return isoDay(Math.floor((ts + zoneOffsetMs(ts, timezone)) / DAY));
}

/** Bucket edges and shift occurrences of one aggregation range, from one reading of the zone. */
export function planCalendar(range: TimeRange, timezone: string, bucketMinutes: number, shifts: readonly ShiftDefinition[]): PlantCalendar {
  checkBucketMinutes(bucketMinutes);
  const zone = Zone.around(timezone, range.from - 3 * DAY, range.to + 3 * DAY);
  const edges = Float64Array.from(rangeEdges(zone, range, bucketMinutes));
  return { edges, buckets: edges.length - 1, shifts: instancesIn(zone, range, shifts) };
}
