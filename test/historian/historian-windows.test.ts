/**
 * Window planning of historian-extract, pure (transform/historian/windows.ts): the incremental
 * windows, the backfill windows (bounded, aligned to buckets and shifts, covering the range
 * exactly) and the refusal of absurd backfill ranges.
 */
import { describe, expect, it } from 'vitest';
import { parseHistorianSettings } from '../../core/config/historian.ts';
import { alignedStart } from '../../transform/historian/calendar.ts';
import { BACKFILL_EARLIEST, backfillRefusal, backfillWindows } from '../../transform/historian/windows.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHIFTS = [
  { name: 'A', start: '06:00', end: '14:00' },
  { name: 'B', start: '14:00', end: '22:00' },
  { name: 'C', start: '22:00', end: '06:00' },
];
const s = parseHistorianSettings({ shifts: SHIFTS });
const iso = (ms: number) => new Date(ms).toISOString();
const now = Date.parse('2026-11-26T10:20:30Z');

describe('backfill windows', () => {
  it('cuts a long range into windows of at most backfillWindowHours on bucket and shift boundaries, covering it exactly', () => {
    const from = Date.parse('2026-11-01T05:00Z');
    const to = Date.parse('2026-11-11T12:30Z');
    const windows = backfillWindows(from, to, s, 'Europe/Berlin');
    expect(s.backfillWindowHours).toBe(24);
    expect(windows.length).toBeGreaterThanOrEqual(10);
    expect(windows.length).toBeLessThanOrEqual(12);
    expect(windows[0]!.from).toBe(from);
    expect(windows.at(-1)!.to).toBe(to);
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      expect(w.to).toBeGreaterThan(w.from);
      expect(w.to - w.from).toBeLessThanOrEqual(DAY);
      if (i > 0) expect(w.from).toBe(windows[i - 1]!.to);
      // inner cuts start a bucket and a shift: no bucket or shift is split between two batches
      if (i > 0) expect(alignedStart(w.from, { timezone: 'Europe/Berlin', bucketMinutes: 60, shifts: SHIFTS })).toBe(w.from);
    }
    // 05:00Z + 24 h is 06:00 Berlin, the start of shift A: already a boundary
    expect(iso(windows[1]!.from)).toBe('2026-11-02T05:00:00.000Z');
  });

  it('keeps a short range as one window and honours a smaller backfillWindowHours', () => {
    const from = Date.parse('2026-11-20T06:00Z');
    expect(backfillWindows(from, from + 2 * HOUR, s, 'UTC')).toEqual([{ from, to: from + 2 * HOUR }]);
    const hourly = parseHistorianSettings({ backfillWindowHours: 6 });
    const windows = backfillWindows(from, from + DAY, hourly, 'UTC');
    expect(windows.map((w) => (w.to - w.from) / HOUR)).toEqual([6, 6, 6, 6]);
  });

  it('plans a year of windows without materialising anything large', () => {
    const from = Date.parse('2025-11-26T00:00Z');
    const windows = backfillWindows(from, from + 365 * DAY, s, 'Europe/Berlin');
    expect(windows.length).toBeGreaterThanOrEqual(365);
    expect(windows.length).toBeLessThanOrEqual(367);
  });
});

describe('absurd backfill ranges', () => {
  const refuse = (from: string, to: string) => backfillRefusal(Date.parse(from), Date.parse(to), now, s);

  it('refuses a `to` far in the future, a `from` before the earliest sane date and a range over backfillMaxDays', () => {
    expect(refuse('1970-01-01T00:00Z', '2100-01-01T00:00Z')).toMatch(
      /^historian-extract: to 2100-01-01T00:00Z lies \d+ days in the future/,
    );
    expect(refuse('1970-01-01T00:00Z', '2026-11-01T00:00Z')).toMatch(
      new RegExp(`^historian-extract: from 1970-01-01T00:00Z is before ${iso(BACKFILL_EARLIEST).slice(0, 10)}`),
    );
    expect(refuse('2024-01-01T00:00Z', '2026-11-01T00:00Z')).toMatch(
      /^historian-extract: from 2024-01-01T00:00Z to 2026-11-01T00:00Z spans 1035 days, more than historian\.backfillMaxDays \(366\); split it/,
    );
    for (const text of [refuse('1970-01-01T00:00Z', '2100-01-01T00:00Z'), refuse('2024-01-01T00:00Z', '2026-11-01T00:00Z')]) {
      expect(text!.split('\n')).toHaveLength(1);
    }
  });

  it('accepts a sane range, including one reaching a few hours past the wall clock', () => {
    expect(refuse('2026-11-20T00:00Z', '2026-11-21T00:00Z')).toBeNull();
    expect(refuse('2026-11-26T08:00Z', '2026-11-26T12:00Z')).toBeNull();
    expect(refuse('2025-11-26T00:00Z', '2026-11-26T00:00Z')).toBeNull();
  });
});
