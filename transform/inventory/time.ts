/**
 * Count times in files, read as plant time (the plant-time helpers are in transform/shared/plant-time.ts). Pure.
 *
 * Count times in files are wall-clock times of the plant ("2026-01-31 18:00", "31.01.2026 18:00",
 * an XLSX date cell whose UTC fields hold what was typed); only texts with an offset ("…Z",
 * "+01:00") are instants already. A date without a time means the start of that day (plant time):
 * every move on the count day then flags the line as moved since count rather than a discrepancy.
 */
import { EXCEL_EPOCH_DAYS, MS_PER_DAY, type Parts, zonedTime } from '../shared/plant-time.ts';

export { isLastDayOfMonth, localDate, localMonth, localParts, wallClock, zonedTime } from '../shared/plant-time.ts';

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
