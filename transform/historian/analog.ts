/**
 * Analog tags: per bucket min, max and average of the samples in the bucket, and the time-weighted
 * average, where each value holds until the next sample. Pure.
 */
import type { PlantCalendar } from './calendar.ts';
import type { Sample } from './types.ts';

export interface AnalogAggregate {
  samples: Uint32Array;
  /** NaN where the bucket has no sample */
  min: Float64Array;
  max: Float64Array;
  avg: Float64Array;
  /** NaN where no value is known anywhere in the bucket's part of the range */
  twa: Float64Array;
}

/**
 * One analog tag over the calendar's range [from, to). The time-weighted average covers the part
 * of each bucket inside the range during which a value is known: the value held from `before`
 * at the start, when known; before the first sample otherwise, the time is left out (not zero).
 */
export function aggregateAnalog(
  before: Sample | undefined,
  samples: readonly Sample[],
  lo: number,
  hi: number,
  range: { from: number; to: number },
  cal: PlantCalendar,
): AnalogAggregate {
  const { edges, buckets } = cal;
  const counts = new Uint32Array(buckets);
  const min = new Float64Array(buckets).fill(NaN);
  const max = new Float64Array(buckets).fill(NaN);
  const sum = new Float64Array(buckets);
  const area = new Float64Array(buckets);
  const known = new Float64Array(buckets);
  let b = 0; // bucket of the current sample
  let h = 0; // first bucket the held value's interval can touch

  const hold = (start: number, end: number, value: number): void => {
    if (end <= start) return;
    while (h + 1 < buckets && edges[h + 1]! <= start) h++;
    for (let j = h; j < buckets && edges[j]! < end; j++) {
      const dt = Math.min(end, edges[j + 1]!) - Math.max(start, edges[j]!);
      area[j]! += value * dt;
      known[j]! += dt;
    }
  };

  let held = before ? before.value : NaN;
  let since = range.from;
  for (let i = lo; i < hi; i++) {
    const s = samples[i]!;
    const ts = s.ts;
    const v = s.value;
    if (!Number.isNaN(held)) hold(since, ts, held);
    held = v;
    since = ts;
    while (b + 1 < buckets && edges[b + 1]! <= ts) b++;
    const c = counts[b]!++;
    sum[b]! += v;
    if (c === 0 || v < min[b]!) min[b] = v;
    if (c === 0 || v > max[b]!) max[b] = v;
  }
  if (!Number.isNaN(held)) hold(since, range.to, held);

  const avg = new Float64Array(buckets);
  const twa = new Float64Array(buckets);
  for (let j = 0; j < buckets; j++) {
    avg[j] = counts[j]! > 0 ? sum[j]! / counts[j]! : NaN;
    twa[j] = known[j]! > 0 ? area[j]! / known[j]! : NaN;
  }
  return { samples: counts, min, max, avg, twa };
}
