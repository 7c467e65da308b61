/**
 * OEE of one asset over one shift, from the staged shift summary (good and scrap counts,
 * running / down / idle minutes). Pure. Every figure is a fraction (0.875 = 87.5 %), or null
 * when it cannot be computed: a division by zero or a missing ideal rate gives null, never NaN
 * or Infinity, so reports show an empty cell rather than a made-up 0 % or 100 %.
 *
 *   availability = running / (running + down)
 *   performance  = (good + scrap) / (idealRatePerHour × running hours)
 *   quality      = good / (good + scrap)
 *   oee          = availability × performance × quality (only when all three are known)
 */

export interface ShiftCounts {
  good: number;
  scrap: number;
  runningMinutes: number;
  downMinutes: number;
  idleMinutes: number;
}

export interface OeeFigures {
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
}

/** numerator / denominator, or null when the denominator is not positive or a value is not finite */
export function ratio(numerator: number, denominator: number): number | null {
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator <= 0) return null;
  const value = numerator / denominator;
  return Number.isFinite(value) ? value : null;
}

export function shiftOee(counts: ShiftCounts, idealRatePerHour?: number | null): OeeFigures {
  // Idle (no order, break, no shift planned) is not planned production time: counting it would
  // charge the machine for time nobody asked it to run. Planned time = running + down.
  const availability = ratio(counts.runningMinutes, counts.runningMinutes + counts.downMinutes);
  const quality = ratio(counts.good, counts.good + counts.scrap);
  // not clamped at 100 %: a performance above 1 means the ideal rate is set too low, and the
  // report should show it rather than hide it
  const performance =
    idealRatePerHour && idealRatePerHour > 0 ? ratio(counts.good + counts.scrap, (idealRatePerHour * counts.runningMinutes) / 60) : null;
  const oee = availability !== null && performance !== null && quality !== null ? availability * performance * quality : null;
  return { availability, performance, quality, oee };
}

/** Totals of several shifts (of one asset, say): the OEE of the sum, not the mean of the OEEs. */
export function sumCounts(shifts: readonly ShiftCounts[]): ShiftCounts {
  const total: ShiftCounts = { good: 0, scrap: 0, runningMinutes: 0, downMinutes: 0, idleMinutes: 0 };
  for (const s of shifts) {
    total.good += s.good;
    total.scrap += s.scrap;
    total.runningMinutes += s.runningMinutes;
    total.downMinutes += s.downMinutes;
    total.idleMinutes += s.idleMinutes;
  }
  return total;
}
