/**
 * The historian aggregation (pure): the plant calendar across daylight-saving changes and
 * midnight-crossing shifts, counter deltas with resets and rollovers, state intervals and downtime
 * events, analog min / max / average / time-weighted average, and the per-tag gap statistics.
 */
import { describe, expect, it } from 'vitest';
import {
  type AggregationInput,
  aggregateHistorian,
  alignedStart,
  bucketBoundaries,
  counterStep,
  type Sample,
  shiftInstances,
  type TagSeries,
  type TagSettings,
} from '../../transform/historian/index.ts';

const TZ = 'Europe/Berlin';
const H = 3_600_000;
const M = 60_000;
const SHIFTS = [
  { name: 'A', start: '06:00', end: '14:00' },
  { name: 'B', start: '14:00', end: '22:00' },
  { name: 'C', start: '22:00', end: '06:00' },
];

/** an instant given as UTC text */
const utc = (text: string): number => Date.parse(`${text}Z`);
/** an instant given as Berlin summer time (CEST, +02:00) */
const cest = (text: string): number => Date.parse(`${text}+02:00`);
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

function tag(name: string, kind: TagSettings['kind'], extra: Partial<TagSettings> = {}): TagSettings {
  return { name, nodeId: `ns=2;s=${name}`, asset: 'WC-1', kind, active: true, ...extra };
}

const stateTag = (extra: Partial<TagSettings> = {}): TagSettings =>
  tag('M1.state', 'state', {
    states: { '1': 'running', '2': { state: 'down', lossReason: 'Equipment Failure' }, '3': 'idle', '4': 'down' },
    ...extra,
  });

const samples = (...pairs: Array<[number, number]>): Sample[] => pairs.map(([ts, value]) => ({ ts, value }));

function run(series: TagSeries[], from: number, to: number, extra: Partial<AggregationInput> = {}) {
  return aggregateHistorian({
    series,
    range: { from, to },
    timezone: TZ,
    bucketMinutes: 60,
    shifts: SHIFTS,
    minDowntimeMinutes: 2,
    assetProducts: {},
    ...extra,
  });
}

describe('plant calendar', () => {
  it('has 23 hourly buckets on the spring-forward day and 25 on the fall-back day, the repeated hour twice', () => {
    // 2026-03-29: local midnight is 23:00Z the day before, the next midnight 22:00Z
    const spring = bucketBoundaries({ from: utc('2026-03-28T23:00'), to: utc('2026-03-29T22:00') }, TZ, 60);
    expect(spring).toHaveLength(23);
    expect(spring.slice(0, 3).map(iso)).toEqual(['2026-03-28T23:00', '2026-03-29T00:00', '2026-03-29T01:00']); // 01:00 CET, then 03:00 CEST

    const fall = bucketBoundaries({ from: utc('2026-10-24T22:00'), to: utc('2026-10-25T23:00') }, TZ, 60);
    expect(fall).toHaveLength(25);
    // 02:00 CEST (00:00Z) and 02:00 CET (01:00Z) are two distinct buckets
    expect(fall.slice(2, 5).map(iso)).toEqual(['2026-10-25T00:00', '2026-10-25T01:00', '2026-10-25T02:00']);
    for (let i = 1; i < fall.length; i++) expect(fall[i]! - fall[i - 1]!).toBe(H);
  });

  it('makes a 1440-minute bucket a local day (23 and 25 hours long on the change days)', () => {
    const days = bucketBoundaries({ from: utc('2026-03-28T23:00'), to: utc('2026-03-30T22:00') }, TZ, 1440);
    expect(days.map(iso)).toEqual(['2026-03-28T23:00', '2026-03-29T22:00']);
    const fall = bucketBoundaries({ from: utc('2026-10-25T12:00'), to: utc('2026-10-26T12:00') }, TZ, 1440);
    expect(fall.map(iso)).toEqual(['2026-10-24T22:00', '2026-10-25T23:00']);
  });

  it('puts a boundary the spring-forward jump skips on the moment of the jump', () => {
    // Santiago skips local midnight on 2026-09-06 (00:00 → 01:00): that day starts at 01:00 -03
    const days = bucketBoundaries({ from: utc('2026-09-05T12:00'), to: utc('2026-09-06T12:00') }, 'America/Santiago', 1440);
    expect(days.map(iso)).toEqual(['2026-09-05T04:00', '2026-09-06T04:00']);
    // Berlin, 2-hour buckets: 02:00 does not exist, the jump (03:00 CEST) is the boundary instead
    const two = bucketBoundaries({ from: utc('2026-03-28T23:00'), to: utc('2026-03-29T04:00') }, TZ, 120);
    expect(two.map(iso)).toEqual(['2026-03-28T23:00', '2026-03-29T01:00', '2026-03-29T02:00']);
  });

  it('starts the first bucket at or before range.from', () => {
    const b = bucketBoundaries({ from: cest('2026-06-01T10:17'), to: cest('2026-06-01T12:00') }, TZ, 60);
    expect(b).toEqual([cest('2026-06-01T10:00'), cest('2026-06-01T11:00')]);
    expect(bucketBoundaries({ from: cest('2026-06-01T10:17'), to: cest('2026-06-01T10:50') }, TZ, 15)[0]).toBe(cest('2026-06-01T10:15'));
  });

  it('makes night shift C 7 hours on the spring-forward night and 9 hours on the fall-back night', () => {
    const spring = shiftInstances({ from: utc('2026-03-28T23:00'), to: utc('2026-03-29T01:00') }, TZ, SHIFTS);
    expect(spring).toEqual([{ name: 'C', shiftDate: '2026-03-28', start: utc('2026-03-28T21:00'), end: utc('2026-03-29T04:00') }]);
    expect((spring[0]!.end - spring[0]!.start) / H).toBe(7);

    const fall = shiftInstances({ from: utc('2026-10-25T00:00'), to: utc('2026-10-25T01:00') }, TZ, SHIFTS);
    expect(fall.map((s) => [s.name, s.shiftDate, (s.end - s.start) / H])).toEqual([['C', '2026-10-24', 9]]);
  });

  it('dates a midnight-crossing shift by the local day it starts on', () => {
    // 02:00 local on June 2nd is inside C of June 1st (22:00–06:00)
    const night = shiftInstances({ from: cest('2026-06-02T02:00'), to: cest('2026-06-02T07:00') }, TZ, SHIFTS);
    expect(night.map((s) => [s.name, s.shiftDate, iso(s.start), iso(s.end)])).toEqual([
      ['C', '2026-06-01', '2026-06-01T20:00', '2026-06-02T04:00'],
      ['A', '2026-06-02', '2026-06-02T04:00', '2026-06-02T12:00'],
    ]);
  });

  it('aligns a recomputation to the start of the shift holding ts, else to the bucket start', () => {
    const ts = cest('2026-06-01T10:17');
    expect(alignedStart(ts, { timezone: TZ, bucketMinutes: 60, shifts: SHIFTS })).toBe(cest('2026-06-01T06:00'));
    expect(alignedStart(cest('2026-06-02T03:40'), { timezone: TZ, bucketMinutes: 60, shifts: SHIFTS })).toBe(cest('2026-06-01T22:00'));
    // no shift holds ts: the bucket start
    expect(alignedStart(ts, { timezone: TZ, bucketMinutes: 60, shifts: [{ name: 'N', start: '22:00', end: '06:00' }] })).toBe(
      cest('2026-06-01T10:00'),
    );
    // a shift starting inside a bucket: never later than that bucket's start
    expect(alignedStart(ts, { timezone: TZ, bucketMinutes: 60, shifts: [{ name: 'D', start: '06:30', end: '15:00' }] })).toBe(
      cest('2026-06-01T06:00'),
    );
  });
});

describe('counters', () => {
  it('counts a reset from zero and a rollover across the top of the range', () => {
    expect(counterStep(100, 130)).toEqual({ delta: 30, anomaly: null });
    expect(counterStep(500, 20)).toEqual({ delta: 20, anomaly: 'reset' });
    expect(counterStep(4_294_967_290, 4, 4_294_967_295)).toEqual({ delta: 10, anomaly: 'rollover' });
    // a drop from the lower half is a reset even when the counter has a rollover value
    expect(counterStep(1000, 4, 4_294_967_295)).toEqual({ delta: 4, anomaly: 'reset' });
  });

  it('puts each delta in the bucket of the later sample and reports resets and rollovers', () => {
    const good = tag('M1.good', 'good-counter', { rollover: 65_535 });
    const from = cest('2026-06-01T10:00');
    const result = run(
      [
        {
          tag: good,
          before: { ts: cest('2026-06-01T09:59'), value: 100 },
          samples: samples(
            [cest('2026-06-01T10:30'), 160], // +60 (from before)
            [cest('2026-06-01T10:59'), 170], // +10
            [cest('2026-06-01T11:01'), 175], // +5, lands in 11:00
            [cest('2026-06-01T11:20'), 3], // reset: +3
            [cest('2026-06-01T11:40'), 65_530], // +65527
            [cest('2026-06-01T11:50'), 4], // rollover: 5 + 4 + 1 = 10
          ),
        },
      ],
      from,
      cest('2026-06-01T12:00'),
    );
    expect(result.buckets.map((b) => [iso(b.bucketStart), b.samples, b.delta])).toEqual([
      ['2026-06-01T08:00', 2, 70],
      ['2026-06-01T09:00', 4, 5 + 3 + 65_527 + 10],
    ]);
    expect(result.anomalies).toEqual([
      { tag: 'M1.good', ts: cest('2026-06-01T11:20'), kind: 'reset', previous: 175, value: 3 },
      { tag: 'M1.good', ts: cest('2026-06-01T11:50'), kind: 'rollover', previous: 65_530, value: 4 },
    ]);
  });

  it('lets the first sample only set the start when nothing before the range is known', () => {
    const good = tag('M1.good', 'good-counter');
    const result = run(
      [{ tag: good, samples: samples([cest('2026-06-01T10:10'), 500], [cest('2026-06-01T10:20'), 510]) }],
      cest('2026-06-01T10:00'),
      cest('2026-06-01T11:00'),
    );
    expect(result.buckets[0]!.delta).toBe(10);
    expect(result.anomalies).toEqual([]);
  });

  it('sums scrap per asset, product and shift, the asset product standing in for a tag without one', () => {
    const named = tag('M1.scrap', 'scrap-counter', { product: 'FURN_7800' });
    const unnamed = tag('M2.scrap', 'scrap-counter', { asset: 'WC-2' });
    const orphan = tag('M3.scrap', 'scrap-counter', { asset: 'WC-3' });
    const good = tag('M1.good', 'good-counter');
    const before = { ts: cest('2026-06-01T05:00'), value: 0 };
    const result = run(
      [
        { tag: named, before, samples: samples([cest('2026-06-01T08:00'), 3], [cest('2026-06-01T15:00'), 5]) },
        { tag: unnamed, before, samples: samples([cest('2026-06-01T09:00'), 4]) },
        { tag: orphan, before, samples: samples([cest('2026-06-01T09:00'), 1]) },
        { tag: good, before, samples: samples([cest('2026-06-01T13:59'), 400], [cest('2026-06-01T14:00'), 401]) },
      ],
      cest('2026-06-01T06:00'),
      cest('2026-06-01T18:00'),
      { assetProducts: { 'WC-2': 'FURN_9000' } },
    );
    expect(result.scrap.map((r) => [r.asset, r.product, r.shiftDate, r.shift, r.quantity, r.complete])).toEqual([
      ['WC-1', 'FURN_7800', '2026-06-01', 'A', 3, true],
      ['WC-1', 'FURN_7800', '2026-06-01', 'B', 2, false],
      ['WC-2', 'FURN_9000', '2026-06-01', 'A', 4, true],
      ['WC-3', null, '2026-06-01', 'A', 1, true],
    ]);
    const wc1 = result.shifts.filter((s) => s.asset === 'WC-1').map((s) => [s.shift, s.good, s.scrap, s.complete]);
    // the unit counted at 14:00 exactly belongs to shift B
    expect(wc1).toEqual([
      ['A', 400, 3, true],
      ['B', 1, 2, false],
    ]);
  });
});

describe('states', () => {
  it('clips state intervals to bucket and shift boundaries', () => {
    const result = run(
      [
        {
          tag: stateTag(),
          before: { ts: cest('2026-06-01T12:00'), value: 1 },
          samples: samples([cest('2026-06-01T13:30'), 3], [cest('2026-06-01T14:30'), 1]),
        },
      ],
      cest('2026-06-01T13:00'),
      cest('2026-06-01T15:00'),
    );
    expect(result.buckets.map((b) => [iso(b.bucketStart), b.runningSeconds, b.idleSeconds, b.downSeconds, b.unknownSeconds])).toEqual([
      ['2026-06-01T11:00', 1800, 1800, 0, 0],
      ['2026-06-01T12:00', 1800, 1800, 0, 0],
    ]);
    expect(result.shifts.map((s) => [s.shift, s.runningMinutes, s.idleMinutes, s.downMinutes, s.complete])).toEqual([
      ['A', 30, 30, 0, false],
      ['B', 30, 30, 0, false],
    ]);
  });

  it('carries the state of the sample before the range into it, and counts it unknown without one', () => {
    const from = cest('2026-06-01T10:00');
    const to = cest('2026-06-01T11:00');
    const later = samples([cest('2026-06-01T10:20'), 3]);
    const carried = run([{ tag: stateTag(), before: { ts: cest('2026-06-01T09:00'), value: 1 }, samples: later }], from, to).buckets[0]!;
    expect([carried.runningSeconds, carried.idleSeconds, carried.unknownSeconds]).toEqual([1200, 2400, 0]);
    const blind = run([{ tag: stateTag(), samples: later }], from, to).buckets[0]!;
    expect([blind.runningSeconds, blind.idleSeconds, blind.unknownSeconds]).toEqual([0, 2400, 1200]);
  });

  it('counts a code missing from the state map as unknown', () => {
    const result = run(
      [
        {
          tag: stateTag(),
          samples: samples(
            [cest('2026-06-01T10:00'), 1],
            [cest('2026-06-01T10:15'), 7],
            [cest('2026-06-01T10:30'), 1.5],
            [cest('2026-06-01T10:45'), 3],
          ),
        },
      ],
      cest('2026-06-01T10:00'),
      cest('2026-06-01T11:00'),
    );
    const b = result.buckets[0]!;
    expect([b.runningSeconds, b.unknownSeconds, b.idleSeconds, b.samples]).toEqual([900, 1800, 900, 4]);
  });

  it('makes downtime events: split at a shift change, too short ones dropped, one still open at the end', () => {
    const result = run(
      [
        {
          tag: stateTag(),
          before: { ts: cest('2026-06-01T13:00'), value: 1 },
          samples: samples(
            [cest('2026-06-01T13:50'), 2], // down across the 14:00 shift change…
            [cest('2026-06-01T14:05'), 2], // …repeated: the same stretch
            [cest('2026-06-01T14:20'), 1],
            [cest('2026-06-01T15:00'), 4], // 1 minute: below the 2-minute minimum
            [cest('2026-06-01T15:01'), 1],
            [cest('2026-06-01T15:30'), 2], // a stretch of code 2, then code 4: two events
            [cest('2026-06-01T15:40'), 4],
            [cest('2026-06-01T15:50'), 1],
            [cest('2026-06-01T15:59'), 2], // still down at the range's end
          ),
        },
      ],
      cest('2026-06-01T13:00'),
      cest('2026-06-01T16:00'),
    );
    expect(
      result.downtime.map((e) => [iso(e.start), iso(e.end), e.minutes, e.stateCode, e.lossReason, e.shift, e.shiftDate, e.open]),
    ).toEqual([
      ['2026-06-01T11:50', '2026-06-01T12:00', 10, '2', 'Equipment Failure', 'A', '2026-06-01', false],
      ['2026-06-01T12:00', '2026-06-01T12:20', 20, '2', 'Equipment Failure', 'B', '2026-06-01', false],
      ['2026-06-01T13:30', '2026-06-01T13:40', 10, '2', 'Equipment Failure', 'B', '2026-06-01', false],
      ['2026-06-01T13:40', '2026-06-01T13:50', 10, '4', null, 'B', '2026-06-01', false],
      ['2026-06-01T13:59', '2026-06-01T14:00', 1, '2', 'Equipment Failure', 'B', '2026-06-01', true],
    ]);
    // the dropped minute still counts as down time in the buckets and the shift
    expect(result.shifts.find((s) => s.shift === 'B')!.downMinutes).toBe(20 + 1 + 10 + 10 + 1);
  });

  it('gives a downtime outside every shift no shift', () => {
    const result = run(
      [{ tag: stateTag(), samples: samples([cest('2026-06-01T21:50'), 2], [cest('2026-06-01T22:30'), 1]) }],
      cest('2026-06-01T21:00'),
      cest('2026-06-01T23:00'),
      { shifts: [{ name: 'Day', start: '06:00', end: '22:00' }] },
    );
    expect(result.downtime.map((e) => [e.shift, e.shiftDate, e.minutes])).toEqual([
      ['Day', '2026-06-01', 10],
      [null, null, 30],
    ]);
  });

  it('sums the state seconds of a fall-back day to 25 hours over 25 buckets', () => {
    const from = utc('2026-10-24T22:00');
    const to = utc('2026-10-25T23:00');
    const result = run(
      [
        {
          tag: stateTag(),
          before: { ts: from - H, value: 1 },
          samples: samples([utc('2026-10-25T00:30'), 3], [utc('2026-10-25T01:30'), 1]),
        },
      ],
      from,
      to,
    );
    expect(result.buckets).toHaveLength(25);
    const sum = (k: 'runningSeconds' | 'idleSeconds') => result.buckets.reduce((s, b) => s + b[k]!, 0);
    expect(sum('runningSeconds') + sum('idleSeconds')).toBe(25 * 3600);
    // idle from 02:30 CEST to 02:30 CET: half of each of the two 02:00 buckets
    expect(result.buckets.slice(2, 4).map((b) => b.idleSeconds)).toEqual([1800, 1800]);
    const c = result.shifts.find((s) => s.shift === 'C' && s.shiftDate === '2026-10-24')!;
    // C of the 24th lasts 9 hours; 7 of them (00:00 CEST → 06:00 CET) are inside the range
    expect([(c.end - c.start) / H, c.runningMinutes + c.idleMinutes, c.complete]).toEqual([9, 7 * 60, false]);
  });
});

describe('analog', () => {
  it('gives a time-weighted average that differs from the plain average on uneven sampling', () => {
    const temp = tag('M1.temp', 'analog', { unit: 'degC' });
    const result = run(
      [{ tag: temp, samples: samples([cest('2026-06-01T10:00'), 0], [cest('2026-06-01T10:50'), 60], [cest('2026-06-01T11:30'), 30]) }],
      cest('2026-06-01T10:00'),
      cest('2026-06-01T12:00'),
    );
    const [first, second] = result.buckets;
    expect([first!.min, first!.max, first!.avg]).toEqual([0, 60, 30]);
    expect(first!.twa).toBeCloseTo((0 * 50 + 60 * 10) / 60, 9); // 10
    // the next bucket starts with the value held from 10:50
    expect(second!.avg).toBe(30);
    expect(second!.twa).toBeCloseTo((60 * 30 + 30 * 30) / 60, 9); // 45
  });

  it('uses the value held from before the range, and leaves time before any known value out', () => {
    const temp = tag('M1.temp', 'analog');
    const later = samples([cest('2026-06-01T10:30'), 40]);
    const from = cest('2026-06-01T10:00');
    const to = cest('2026-06-01T12:00');
    const held = run([{ tag: temp, before: { ts: cest('2026-06-01T09:00'), value: 20 }, samples: later }], from, to).buckets;
    expect(held[0]!.twa).toBeCloseTo(30, 9);
    const blind = run([{ tag: temp, samples: later }], from, to).buckets;
    expect(blind[0]!.twa).toBeCloseTo(40, 9);
    // a bucket without samples: no min / max / avg, but the held value is its twa
    expect([blind[1]!.samples, blind[1]!.avg, blind[1]!.min, blind[1]!.twa]).toEqual([0, null, null, 40]);
  });

  it('emits a bucket reaching past range.to, computed up to range.to', () => {
    const temp = tag('M1.temp', 'analog');
    const result = run(
      [{ tag: temp, samples: samples([cest('2026-06-01T10:00'), 10], [cest('2026-06-01T10:20'), 40], [cest('2026-06-01T10:40'), 1000]) }],
      cest('2026-06-01T10:00'),
      cest('2026-06-01T10:30'),
    );
    expect(result.buckets).toHaveLength(1);
    const b = result.buckets[0]!;
    expect([iso(b.bucketEnd), b.samples, b.max]).toEqual(['2026-06-01T09:00', 2, 40]); // 10:40 belongs to the next window
    expect(b.twa).toBeCloseTo((10 * 20 + 40 * 10) / 30, 9);
  });
});

describe('shift completeness', () => {
  it("a shift inside the range is complete only when its asset's data reaches back to its start", () => {
    // shift A of 2026-07-01 runs 06:00–14:00 CEST; the counter's first sample comes two hours in
    const from = cest('2026-07-01T06:00');
    const good = tag('M1.good', 'good-counter');
    const late = samples([cest('2026-07-01T08:00'), 10], [cest('2026-07-01T13:00'), 50], [cest('2026-07-01T15:00'), 70]);
    const partial = run([{ tag: good, samples: late }], from, cest('2026-07-01T22:00'), { coverageToleranceMinutes: 15 });
    expect(partial.shifts.map((x) => [x.shift, x.complete])).toEqual([
      ['A', false],
      ['B', true],
    ]);
    // the same samples with one known before the range: shift A is whole
    const known = run([{ tag: good, before: { ts: cest('2026-07-01T05:59'), value: 0 }, samples: late }], from, cest('2026-07-01T22:00'), {
      coverageToleranceMinutes: 15,
    });
    expect(known.shifts.map((x) => [x.shift, x.complete])).toEqual([
      ['A', true],
      ['B', true],
    ]);
    // a first sample within the tolerance of the shift start still counts as covering it
    const onTime = samples([cest('2026-07-01T06:10'), 10], [cest('2026-07-01T13:00'), 50]);
    expect(
      run([{ tag: good, samples: onTime }], from, cest('2026-07-01T14:00'), { coverageToleranceMinutes: 15 }).shifts[0]!.complete,
    ).toBe(true);
  });
});

describe('tag statistics', () => {
  it('reports the longest gap, from the range start, between samples and to the range end', () => {
    const temp = tag('M1.temp', 'analog');
    const from = cest('2026-06-01T10:00');
    const to = cest('2026-06-01T11:00');
    const between = run(
      [
        {
          tag: temp,
          samples: samples(
            [cest('2026-06-01T10:02'), 1],
            [cest('2026-06-01T10:05'), 1],
            [cest('2026-06-01T10:40'), 1],
            [cest('2026-06-01T10:59'), 1],
          ),
        },
      ],
      from,
      to,
    );
    expect(between.tagStats).toEqual([{ tag: 'M1.temp', samples: 4, maxGapMinutes: 35, maxGapStart: cest('2026-06-01T10:05') }]);
    const atStart = run([{ tag: temp, samples: samples([cest('2026-06-01T10:25'), 1], [cest('2026-06-01T10:50'), 1]) }], from, to)
      .tagStats[0]!;
    expect([atStart.maxGapMinutes, atStart.maxGapStart]).toEqual([25, from]);
    const atEnd = run([{ tag: temp, samples: samples([cest('2026-06-01T10:00'), 1], [cest('2026-06-01T10:10'), 1]) }], from, to)
      .tagStats[0]!;
    expect([atEnd.maxGapMinutes, atEnd.maxGapStart]).toEqual([50, cest('2026-06-01T10:10')]);
    const silent = run([{ tag: temp, samples: [] }], from, to).tagStats[0]!;
    expect([silent.samples, silent.maxGapMinutes, silent.maxGapStart]).toEqual([0, 60, from]);
  });

  it('reads unordered samples and skips values that are not numbers', () => {
    const temp = tag('M1.temp', 'analog');
    const result = run(
      [{ tag: temp, samples: samples([cest('2026-06-01T10:30'), 5], [cest('2026-06-01T10:10'), 1], [cest('2026-06-01T10:20'), NaN]) }],
      cest('2026-06-01T10:00'),
      cest('2026-06-01T11:00'),
    );
    expect([result.buckets[0]!.samples, result.buckets[0]!.min, result.buckets[0]!.max]).toEqual([2, 1, 5]);
    expect(result.tagStats[0]!.maxGapMinutes).toBe(30);
  });
});

describe('aggregation size', () => {
  it('produces one bucket row per tag and bucket, and buckets that tile the range', () => {
    const from = cest('2026-06-01T06:00');
    const to = from + 24 * H;
    const series: TagSeries[] = ['good-counter', 'state', 'analog'].map((kind, i) => ({
      tag: kind === 'state' ? stateTag({ name: `t${i}` }) : tag(`t${i}`, kind as TagSettings['kind']),
      samples: Array.from({ length: 24 * 60 }, (_, k) => ({ ts: from + k * M, value: kind === 'state' ? 1 + (k % 3) : k })),
    }));
    const result = run(series, from, to);
    expect(result.buckets).toHaveLength(3 * 24);
    const first = result.buckets.filter((b) => b.tag === 't0');
    for (let i = 1; i < first.length; i++) expect(first[i]!.bucketStart).toBe(first[i - 1]!.bucketEnd);
    expect(first.reduce((s, b) => s + b.delta!, 0)).toBe(24 * 60 - 1);
    expect(result.shifts.map((s) => `${s.shiftDate} ${s.shift} ${s.complete}`)).toEqual([
      '2026-06-01 A true',
      '2026-06-01 B true',
      '2026-06-01 C true',
    ]);
  });
});
