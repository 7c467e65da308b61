/**
 * When the reconciliation runs. Daily at 06:00 plant time, and once at month end.
 *
 * node-cron has no "L" (last day of month). The month-end job is scheduled on days 28–31 at 23:00
 * and its run checks that the cron slot falls on the last day of its month in the plant time zone;
 * on the other days it ends at once as "skipped". Checking the slot (the time the run was scheduled
 * for), not the clock, keeps a retry after midnight on the 1st from being taken for a 1st-of-month
 * run, and the scheduler's (job, slot) claim already makes each slot run once across schedulers.
 * 23:00 exists on every day in every DST regime (changes happen at night's start, 01:00–03:00).
 */
import { isLastDayOfMonth, localDate, localMonth } from './time.ts';

export const DAILY_SCHEDULE = '0 6 * * *';
export const MONTH_END_SCHEDULE = '0 23 28-31 * *';

export interface MonthEndDecision {
  run: boolean;
  /** the month being closed, "2026-01" */
  period: string;
  reason: string;
}

/**
 * Whether a month-end run proceeds. `slotAt`: the cron slot of a scheduled run (null for manual
 * runs and replays, which always proceed: an operator asked for them).
 */
export function monthEndDecision(slotAt: Date | null, now: Date, timeZone: string): MonthEndDecision {
  if (slotAt === null) return { run: true, period: localMonth(now, timeZone), reason: 'manual run' };
  const period = localMonth(slotAt, timeZone);
  if (isLastDayOfMonth(slotAt, timeZone)) return { run: true, period, reason: `last day of ${period}` };
  return { run: false, period, reason: `${localDate(slotAt, timeZone)} is not the last day of its month` };
}
