/**
 * Machine state tags: intervals (a code holds until the next sample, the last one until the end of
 * the range), seconds per state clipped to buckets and shifts, and downtime events. Pure.
 */
import type { PlantCalendar, ShiftInstance } from './calendar.ts';
import type { TagSettings } from '../../core/config/historian.ts';
import type { DowntimeEvent, Sample } from './types.ts';

export type MachineState = 'running' | 'down' | 'idle' | 'unknown';
/** index of each state in the per-state accumulators */
export const STATE_INDEX = { running: 0, down: 1, idle: 2, unknown: 3 } as const;

export interface StateMeaning {
  state: MachineState;
  code: string;
  lossReason: string | null;
}

/** What a state tag's value means: its code (String(value)) looked up in tag.states; unmapped: unknown. */
export function stateMeaning(tag: Pick<TagSettings, 'states'>, value: number): StateMeaning {
  const code = String(value);
  const m = tag.states && Object.hasOwn(tag.states, code) ? tag.states[code] : undefined;
  if (m === undefined) return { state: 'unknown', code, lossReason: null };
  if (typeof m === 'string') return { state: m, code, lossReason: null };
  return { state: m.state, code, lossReason: m.lossReason ?? null };
}

export interface StateAggregate {
  samples: Uint32Array;
  /** ms per bucket in each state, indexed by STATE_INDEX */
  ms: [Float64Array, Float64Array, Float64Array, Float64Array];
  /** ms per shift occurrence: [running, down, idle] × shift, at 3 × shift + state */
  shiftMs: Float64Array;
  downtime: DowntimeEvent[];
}

const UNKNOWN: StateMeaning = { state: 'unknown', code: '', lossReason: null };

/** the pieces of [start, end) inside and between the shift occurrences */
export function splitAtShifts(
  start: number,
  end: number,
  shifts: readonly ShiftInstance[],
): Array<{ start: number; end: number; shift: ShiftInstance | null }> {
  const out: Array<{ start: number; end: number; shift: ShiftInstance | null }> = [];
  let t = start;
  for (const s of shifts) {
    if (s.end <= t) continue;
    if (s.start >= end) break;
    if (s.start > t) out.push({ start: t, end: s.start, shift: null });
    const pieceEnd = Math.min(end, s.end);
    out.push({ start: Math.max(t, s.start), end: pieceEnd, shift: s });
    t = pieceEnd;
  }
  if (t < end) out.push({ start: t, end, shift: null });
  return out;
}

/**
 * One state tag over the calendar's range [from, to). From `from` to the first sample the state is
 * `before`'s, else unknown. Consecutive samples with the same code are one interval; a "down"
 * interval becomes downtime events, split at shift boundaries, kept when at least
 * minDowntimeMinutes long or still open at `to`.
 */
export function aggregateState(
  tag: Pick<TagSettings, 'name' | 'asset' | 'states'>,
  before: Sample | undefined,
  samples: readonly Sample[],
  lo: number,
  hi: number,
  range: { from: number; to: number },
  cal: PlantCalendar,
  minDowntimeMinutes: number,
): StateAggregate {
  const { edges, buckets, shifts } = cal;
  const counts = new Uint32Array(buckets);
  const ms: StateAggregate['ms'] = [
    new Float64Array(buckets),
    new Float64Array(buckets),
    new Float64Array(buckets),
    new Float64Array(buckets),
  ];
  const shiftMs = new Float64Array(shifts.length * 3);
  const downtime: DowntimeEvent[] = [];
  const minMs = minDowntimeMinutes * 60_000;
  let b = 0; // first bucket the next interval can touch
  let k = 0; // first shift the next interval can touch

  const interval = (start: number, end: number, m: StateMeaning): void => {
    if (end <= start) return;
    const idx = STATE_INDEX[m.state];
    const acc = ms[idx];
    while (b + 1 < buckets && edges[b + 1]! <= start) b++;
    for (let j = b; j < buckets && edges[j]! < end; j++) {
      acc[j]! += Math.min(end, edges[j + 1]!) - Math.max(start, edges[j]!);
    }
    while (k < shifts.length && shifts[k]!.end <= start) k++;
    if (idx < 3) {
      for (let j = k; j < shifts.length && shifts[j]!.start < end; j++) {
        const s = shifts[j]!;
        const overlap = Math.min(end, s.end) - Math.max(start, s.start);
        if (overlap > 0) shiftMs[3 * j + idx]! += overlap;
      }
    }
    if (m.state !== 'down') return;
    const open = end >= range.to;
    const pieces = splitAtShifts(start, end, shifts);
    for (let p = 0; p < pieces.length; p++) {
      const piece = pieces[p]!;
      const pieceOpen = open && p === pieces.length - 1;
      // an open stretch is kept however short: it is not final, and the next run recomputes it
      if (!pieceOpen && piece.end - piece.start < minMs) continue;
      downtime.push({
        asset: tag.asset,
        tag: tag.name,
        start: piece.start,
        end: piece.end,
        open: pieceOpen,
        stateCode: m.code,
        lossReason: m.lossReason,
        minutes: (piece.end - piece.start) / 60_000,
        shiftDate: piece.shift?.shiftDate ?? null,
        shift: piece.shift?.name ?? null,
      });
    }
  };

  let currentValue = before ? before.value : NaN;
  let current = before ? stateMeaning(tag, before.value) : UNKNOWN;
  let since = range.from;
  let bc = 0;
  for (let i = lo; i < hi; i++) {
    const s = samples[i]!;
    while (bc + 1 < buckets && edges[bc + 1]! <= s.ts) bc++;
    counts[bc]!++;
    if (s.value === currentValue) continue; // same code: the interval goes on (merged)
    interval(since, s.ts, current);
    currentValue = s.value;
    current = stateMeaning(tag, s.value);
    since = s.ts;
  }
  interval(since, range.to, current);
  return { samples: counts, ms, shiftMs, downtime };
}
