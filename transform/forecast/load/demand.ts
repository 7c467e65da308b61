/**
 * Min/max maths for replenishment rules. A forecast period's quantity is spread evenly over its
 * days (a week: 7, a month: its calendar days); the demand over a window is the sum of the parts
 * of the periods the window overlaps. Days outside the forecast count as no demand.
 *
 *   min = demand over [anchor, anchor + leadDays + safetyDays)
 *   max = min + demand over the review period that follows
 *   both rounded up to the rule's multiple (so min ≤ max still holds)
 */
import type { Bucket } from '../periods.ts';

const MS_PER_DAY = 86_400_000;

export interface PeriodDemand {
  /** ISO date of the period start */
  periodStart: string;
  quantity: number;
}

function dayNumber(iso: string): number {
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (!Number.isFinite(ms)) throw new RangeError(`not an ISO date: ${iso}`);
  return ms / MS_PER_DAY;
}

/** Days in the period that starts on `periodStart`. */
export function periodDays(periodStart: string, bucket: Bucket): number {
  if (bucket === 'week') return 7;
  const d = new Date(`${periodStart}T00:00:00Z`);
  return (Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()) - d.getTime()) / MS_PER_DAY;
}

/** Demand over [anchor + fromDay, anchor + toDay), days may be fractional. */
export function demandBetween(periods: readonly PeriodDemand[], bucket: Bucket, anchor: string, fromDay: number, toDay: number): number {
  if (toDay <= fromDay) return 0;
  const start = dayNumber(anchor) + fromDay;
  const end = dayNumber(anchor) + toDay;
  let total = 0;
  for (const p of periods) {
    const length = periodDays(p.periodStart, bucket);
    const pStart = dayNumber(p.periodStart);
    const overlap = Math.min(end, pStart + length) - Math.max(start, pStart);
    if (overlap > 0) total += (p.quantity * overlap) / length;
  }
  return total;
}

/** Rounds up to a multiple of `multiple` (no rounding when it is not positive). */
export function roundUpToMultiple(quantity: number, multiple: number): number {
  if (!(multiple > 0)) return quantity;
  // the epsilon keeps 12.000000001 (float noise) from becoming the next multiple
  const steps = Math.ceil(quantity / multiple - 1e-9);
  return Number((Math.max(0, steps) * multiple).toFixed(6));
}

export interface OrderpointInput {
  periods: readonly PeriodDemand[];
  bucket: Bucket;
  /** first day of the demand window */
  anchor: string;
  leadDays: number;
  safetyDays: number;
  reviewDays: number;
  /** the rule's multiple (Odoo 18 qty_multiple, Odoo 19 replenishment unit), or the unit's rounding */
  multiple: number;
}

export interface OrderpointLevels {
  min: number;
  max: number;
  /** unrounded demand over lead time + safety days, and over the review period after it */
  coverDemand: number;
  reviewDemand: number;
}

export function orderpointLevels(input: OrderpointInput): OrderpointLevels {
  const cover = input.leadDays + input.safetyDays;
  const coverDemand = demandBetween(input.periods, input.bucket, input.anchor, 0, cover);
  const reviewDemand = demandBetween(input.periods, input.bucket, input.anchor, cover, cover + input.reviewDays);
  const min = roundUpToMultiple(coverDemand, input.multiple);
  const max = Math.max(min, roundUpToMultiple(min + reviewDemand, input.multiple));
  return { min, max, coverDemand, reviewDemand };
}

/** The day the demand window starts: the given day, but not before the version's first period. */
export function windowAnchor(firstPeriod: string, day: string): string {
  return day > firstPeriod ? day : firstPeriod;
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
