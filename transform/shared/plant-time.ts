/**
 * Plant time: wall-clock fields, dates and months of an instant in the plant's time zone, and back.
 * Pure; shared by the inventory schedule and count times and by the report workbooks.
 */
import { zoneOffsetMs } from './time-zone.ts';

export const MS_PER_DAY = 86_400_000;
export const EXCEL_EPOCH_DAYS = 25_569; // serial of 1970-01-01

export interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// UTC offsets per time zone and quarter of an hour: reports convert hundreds of thousands of times
const QUARTER_MS = 900_000;
const offsets = new Map<string, Map<number, number>>();

function offsetMs(instant: Date, timeZone: string): number {
  const ms = instant.getTime();
  const bucket = Math.floor(ms / QUARTER_MS);
  let zone = offsets.get(timeZone);
  if (!zone) offsets.set(timeZone, (zone = new Map()));
  const cached = zone.get(bucket);
  if (cached !== undefined) return cached;
  const start = zoneOffsetMs(bucket * QUARTER_MS, timeZone);
  // a transition inside this quarter (not on its edge): no caching, ask each time
  if (zoneOffsetMs(bucket * QUARTER_MS + QUARTER_MS - 1000, timeZone) !== start) return zoneOffsetMs(ms, timeZone);
  if (zone.size > 100_000) zone.clear();
  zone.set(bucket, start);
  return start;
}

/** The wall-clock fields of `instant` in `timeZone`. */
export function localParts(instant: Date, timeZone: string): Parts {
  const d = new Date(instant.getTime() + offsetMs(instant, timeZone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** The instant at which the plant's clock shows this wall-clock time (the later one in a DST gap). */
export function zonedTime(p: Parts, timeZone: string): Date {
  const guess = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  let t = guess - offsetMs(new Date(guess), timeZone);
  t = guess - offsetMs(new Date(t), timeZone);
  return new Date(t);
}

/** YYYY-MM-DD of `instant` in the plant time zone. */
export function localDate(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** A Date whose UTC fields are the plant's wall clock at `instant` (what Excel shows as-is). */
export function wallClock(instant: Date, timeZone: string): Date {
  return new Date(instant.getTime() + offsetMs(instant, timeZone));
}

/** True when `instant` falls on the last day of its month in the plant time zone. */
export function isLastDayOfMonth(instant: Date, timeZone: string): boolean {
  const p = localParts(instant, timeZone);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day) + MS_PER_DAY);
  return next.getUTCDate() === 1;
}

/** "2026-01" of `instant` in the plant time zone. */
export function localMonth(instant: Date, timeZone: string): string {
  return localDate(instant, timeZone).slice(0, 7);
}
