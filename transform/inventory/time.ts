/**
 * Plant-time helpers for counts, report names and the month-end schedule. Pure.
 *
 * Count times in files are wall-clock times of the plant ("2026-01-31 18:00", "31.01.2026 18:00",
 * an XLSX date cell whose UTC fields hold what was typed); only texts with an offset ("…Z",
 * "+01:00") are instants already. A date without a time means the start of that day (plant time):
 * every move on the count day then flags the line as moved since count rather than a discrepancy.
 */
import { zoneOffsetMs } from '../shared/time-zone.ts';

const MS_PER_DAY = 86_400_000;
const EXCEL_EPOCH_DAYS = 25_569; // serial of 1970-01-01

interface Parts {
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

function valid(p: Parts): boolean {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31 || p.hour > 23 || p.minute > 59 || p.second > 59) return false;
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day));
  return d.getUTCMonth() === p.month - 1 && d.getUTCDate() === p.day && p.year >= 1990 && p.year <= 2099;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

export type CountTime = { at: Date; error?: undefined } | { at?: undefined; error: string };

/**
 * A count time from a cell: ISO text (with or without time and offset), dotted day-first dates
 * ("31.01.2026 18:00"), XLSX dates and Excel serial numbers. Slashed dates are refused (ambiguous).
 */
export function parseCountTime(cell: string | number | Date, timeZone: string): CountTime {
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return { error: 'is not a valid date' };
    const p = {
      year: cell.getUTCFullYear(),
      month: cell.getUTCMonth() + 1,
      day: cell.getUTCDate(),
      hour: cell.getUTCHours(),
      minute: cell.getUTCMinutes(),
      second: cell.getUTCSeconds(),
    };
    return valid(p) ? { at: zonedTime(p, timeZone) } : { error: 'is outside the years 1990–2099' };
  }
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell) || cell < 32_874 || cell > 73_051) return { error: 'is a number, not a date' };
    const ms = Math.round(((cell - EXCEL_EPOCH_DAYS) * MS_PER_DAY) / 1000) * 1000;
    return parseCountTime(new Date(ms), timeZone);
  }
  const text = cell.trim();
  let m = ISO.exec(text);
  if (m) {
    const p = {
      year: Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4] ?? 0),
      minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0),
    };
    if (!valid(p)) return { error: 'is not a valid date' };
    if (m[7]) {
      const at = new Date(text.replace(' ', 'T'));
      return Number.isNaN(at.getTime()) ? { error: 'is not a valid date' } : { at };
    }
    return { at: zonedTime(p, timeZone) };
  }
  m = DOTTED.exec(text);
  if (m) {
    const p = {
      year: Number(m[3]),
      month: Number(m[2]),
      day: Number(m[1]),
      hour: Number(m[4] ?? 0),
      minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0),
    };
    return valid(p) ? { at: zonedTime(p, timeZone) } : { error: 'is not a valid date' };
  }
  if (/^\d{1,2}\/\d{1,2}\/\d{4}/.test(text))
    return { error: 'is ambiguous (day/month or month/day?): write it as 2026-01-31 or 31.01.2026' };
  return { error: 'is not a date (expected e.g. 2026-01-31 18:00 or 31.01.2026 18:00)' };
}
