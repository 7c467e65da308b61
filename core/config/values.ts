/**
 * Value schemas that settings and job parameters share, each saying what it expects: real
 * calendar dates and times (2026-13-45 is refused, not turned into NaN) and day counts with an
 * upper bound (a billion days is no date at all).
 */
import { z } from 'zod';
import { expected } from './mistakes.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** YYYY-MM-DD naming a day that exists. */
export function isRealDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(Date.UTC(y, mo - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d;
}

/** An ISO time with Z or an offset whose date and clock exist. */
export function isRealTime(value: string): boolean {
  const m = TIME.exec(value);
  if (!m || !isRealDate(m[1]!)) return false;
  const offset = m[5] === 'Z' ? null : /^[+-](\d{2}):?(\d{2})$/.exec(m[5]!);
  if (offset && (Number(offset[1]) > 14 || Number(offset[2]) > 59)) return false;
  return Number(m[2]) <= 23 && Number(m[3]) <= 59 && Number(m[4] ?? 0) <= 59 && Number.isFinite(Date.parse(value));
}

const DATE_TEXT = 'a date YYYY-MM-DD';
/** a calendar date, YYYY-MM-DD (kept as text) */
export const isoDate = z.string(expected(DATE_TEXT)).refine(isRealDate, expected(DATE_TEXT));

const TIME_TEXT = 'an ISO time with Z or an offset, e.g. 2026-11-26T06:00Z';
/** an instant, ISO with Z or an offset, as epoch milliseconds */
export const isoTime = z
  .string(expected(TIME_TEXT))
  .refine(isRealTime, expected(TIME_TEXT))
  .transform((s) => Date.parse(s));

/** the longest retention or look-back in days: a century */
export const MAX_DAYS = 36_500;
/** a whole number of days, 1–36500 */
export const days = z.coerce.number().int().positive().max(MAX_DAYS);
