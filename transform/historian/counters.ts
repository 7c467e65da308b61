/**
 * Counter tags (good-counter, scrap-counter): units counted between consecutive samples, with
 * resets and rollovers detected, summed per bucket and per shift. Pure.
 */
import type { PlantCalendar } from './calendar.ts';
import type { CounterAnomaly, Sample } from './types.ts';

export interface CounterStep {
  delta: number;
  anomaly: 'reset' | 'rollover' | null;
}

/**
 * Units counted from `previous` to `value`. A drop is a rollover when the tag has a rollover value
 * and the previous value was in its upper half ((rollover − previous) + value + 1 counted);
 * any other drop is a reset and the counter counted `value` from 0.
 */
export function counterStep(previous: number, value: number, rollover?: number): CounterStep {
  if (value >= previous) return { delta: value - previous, anomaly: null };
  if (rollover !== undefined && previous > rollover / 2) {
    const delta = rollover - previous + value + 1;
    // a previous value above the configured rollover cannot have wrapped: a reset
    if (delta >= 0) return { delta, anomaly: 'rollover' };
  }
  return { delta: value, anomaly: 'reset' };
}

export interface CounterAggregate {
  /** samples per bucket */
  samples: Uint32Array;
  /** counted units per bucket */
  deltas: Float64Array;
  /** counted units per shift occurrence (calendar.shifts order) */
  shiftDeltas: Float64Array;
  anomalies: CounterAnomaly[];
}

/**
 * One counter over the calendar's range. `samples[lo..hi)` are the samples inside the range,
 * ascending; `before` is the last value before the range (the first delta counts from it; without
 * it the first sample only sets the start). A delta belongs to the bucket and shift of the later sample.
 */
export function aggregateCounter(
  tag: { name: string; rollover?: number | undefined },
  before: Sample | undefined,
  samples: readonly Sample[],
  lo: number,
  hi: number,
  cal: PlantCalendar,
): CounterAggregate {
  const { edges, buckets, shifts } = cal;
  const counts = new Uint32Array(buckets);
  const deltas = new Float64Array(buckets);
  const shiftDeltas = new Float64Array(shifts.length);
  const anomalies: CounterAnomaly[] = [];
  const rollover = tag.rollover;
  let previous = before ? before.value : NaN;
  let b = 0;
  let k = 0;
  for (let i = lo; i < hi; i++) {
    const s = samples[i]!;
    const ts = s.ts;
    const value = s.value;
    while (b + 1 < buckets && edges[b + 1]! <= ts) b++;
    counts[b]!++;
    if (Number.isNaN(previous)) {
      previous = value;
      continue;
    }
    let delta: number;
    if (value >= previous) {
      delta = value - previous;
    } else {
      const step = counterStep(previous, value, rollover);
      delta = step.delta;
      anomalies.push({ tag: tag.name, ts, kind: step.anomaly!, previous, value });
    }
    previous = value;
    if (delta === 0) continue;
    deltas[b]! += delta;
    while (k < shifts.length && shifts[k]!.end <= ts) k++;
    if (k < shifts.length && shifts[k]!.start <= ts) shiftDeltas[k]! += delta;
  }
  return { samples: counts, deltas, shiftDeltas, anomalies };
}
