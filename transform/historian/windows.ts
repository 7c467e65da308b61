/**
 * Window planning of historian-extract, pure: which window each tag reads in one incremental run,
 * how a backfill range is cut into bounded windows (one batch each, so memory stays flat and a
 * failure keeps what committed before it), and which backfill ranges are refused as absurd.
 * Windows are half-open [from, to).
 */
import { alignedStart, bucketBoundaries, shiftInstances } from './calendar.ts';
import type { HistorianSettings, TagSettings } from '../../core/config/historian.ts';
import type { TimeRange } from './types.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** No plant historian holds data this old: a `from` before it is a typo (1970, a missing digit…). */
export const BACKFILL_EARLIEST = Date.parse('2000-01-01T00:00:00Z');
/** How far past the wall clock a backfill may reach (future-stamped samples are then caught by a checkpoint). */
export const BACKFILL_MAX_FUTURE_HOURS = 24;

/** 2026-11-26T06:00Z when the seconds are zero, else the full ISO time */
export function isoShort(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith(':00.000Z') ? `${s.slice(0, 16)}Z` : s.endsWith('.000Z') ? `${s.slice(0, 19)}Z` : s;
}

export interface TagWindow {
  tag: TagSettings;
  /** where this tag's read starts; ≥ plan.to: nothing to read this run */
  from: number;
}

export interface ExtractPlan {
  windows: TagWindow[];
  /** the earliest from */
  from: number;
  to: number;
  backfill: boolean;
  /** how far `to` lies behind the wall clock because of maxWindowHours (0: caught up) */
  behindMs: number;
}

/** from and to (epoch ms) of a backfill: both or neither */
export interface WindowParams {
  from?: number;
  to?: number;
}

const calendarOf = (s: HistorianSettings, timezone: string) => ({ timezone, bucketMinutes: s.bucketMinutes, shifts: s.shifts });

/**
 * Per-tag windows of one run. Without from/to each tag reads from its watermark minus
 * `overlapMinutes` (a tag without one: from the bucket/shift boundary at or before
 * now − `initialLookbackHours`) up to min(now, earliest from + `maxWindowHours`). With from/to
 * every tag reads that window (a backfill). `now` is the run's wall clock.
 */
export function planWindows(
  s: HistorianSettings,
  timezone: string,
  tags: readonly TagSettings[],
  watermarks: ReadonlyMap<string, number>,
  params: WindowParams,
  now: number,
): ExtractPlan {
  if (params.from !== undefined && params.to !== undefined) {
    return { windows: tags.map((tag) => ({ tag, from: params.from! })), from: params.from, to: params.to, backfill: true, behindMs: 0 };
  }
  const fresh = alignedStart(now - s.initialLookbackHours * HOUR, calendarOf(s, timezone));
  const windows = tags.map((tag) => {
    const wm = watermarks.get(tag.name);
    return { tag, from: wm === undefined ? fresh : wm - s.overlapMinutes * MINUTE };
  });
  const from = Math.min(...windows.map((w) => w.from));
  const to = Math.min(now, from + s.maxWindowHours * HOUR);
  return { windows, from, to, backfill: false, behindMs: now - to };
}

/**
 * The first instant ≥ ts that ends both a bucket and the shift holding ts (mirror of alignedStart;
 * when shifts and buckets do not line up, a few rounds and then the bucket wins).
 */
export function alignedEnd(ts: number, s: HistorianSettings, timezone: string): number {
  let end = ts;
  for (let round = 0; round < 4; round++) {
    const shift = shiftInstances({ from: end - 1, to: end }, timezone, s.shifts).find((x) => x.start < end && x.end > end);
    if (shift) end = shift.end;
    const starts = bucketBoundaries({ from: end, to: end + s.bucketMinutes * MINUTE }, timezone, s.bucketMinutes);
    if (starts[0] === end) return end;
    end = starts[1] ?? starts[0]! + s.bucketMinutes * MINUTE;
  }
  return end;
}

/**
 * A backfill range cut into windows of at most `backfillWindowHours`, each inner cut on a
 * boundary that starts both a bucket and a shift (so no bucket or shift is split between two
 * batches); together they cover [from, to) exactly. When the calendar leaves no such boundary
 * inside a window's reach, the cut falls at the window's length.
 */
export function backfillWindows(from: number, to: number, s: HistorianSettings, timezone: string): TimeRange[] {
  const size = s.backfillWindowHours * HOUR;
  const cal = calendarOf(s, timezone);
  const out: TimeRange[] = [];
  let start = from;
  while (start < to) {
    let end = start + size;
    if (end >= to) end = to;
    else {
      const aligned = alignedStart(end, cal);
      if (aligned > start) end = aligned;
    }
    out.push({ from: start, to: end });
    start = end;
  }
  return out;
}

/** Why a backfill range is refused (one line), or null when it is sane. */
export function backfillRefusal(from: number, to: number, now: number, s: HistorianSettings): string | null {
  const range = `from ${isoShort(from)} to ${isoShort(to)}`;
  if (to > now + BACKFILL_MAX_FUTURE_HOURS * HOUR) {
    const days = Math.round((to - now) / DAY);
    return `historian-extract: to ${isoShort(to)} lies ${days} days in the future; a backfill may reach at most ${BACKFILL_MAX_FUTURE_HOURS} h past now`;
  }
  if (from < BACKFILL_EARLIEST) {
    return `historian-extract: from ${isoShort(from)} is before ${isoShort(BACKFILL_EARLIEST).slice(0, 10)}; no plant history is that old, check the date`;
  }
  const days = (to - from) / DAY;
  if (days > s.backfillMaxDays) {
    return `historian-extract: ${range} spans ${Math.ceil(days)} days, more than historian.backfillMaxDays (${s.backfillMaxDays}); split it into several backfills or raise the setting`;
  }
  return null;
}
