import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import {
  createPeriodNormaliser,
  isoWeekMonday,
  isoWeeksInYear,
  looksLikePeriod,
  parsePeriodText,
} from '../../transform/forecast/periods.ts';

const weekly = createPeriodNormaliser();
const start = (value: string | number | Date | null, n = weekly): string | undefined => n.normalise(value).start;
const error = (value: string | number | Date | null, n = weekly): string | undefined => n.normalise(value).error;

describe('ISO weeks', () => {
  it('knows which years have 53 weeks', () => {
    expect(isoWeeksInYear(2026)).toBe(53); // starts on a Thursday
    expect(isoWeeksInYear(2020)).toBe(53); // leap year starting on a Wednesday
    expect(isoWeeksInYear(2027)).toBe(52);
    expect(isoWeeksInYear(2025)).toBe(52);
  });

  it('places weeks across the year boundary', () => {
    expect(start('2026-W49')).toBe('2026-11-30');
    expect(start('2026-W53')).toBe('2026-12-28');
    expect(start('2027-W01')).toBe('2027-01-04');
    expect(start('2025-W01')).toBe('2024-12-30'); // week 1 of 2025 starts in 2024
    expect(start('2021-W01')).toBe('2021-01-04');
    expect(start('2020-W53')).toBe('2020-12-28');
  });

  it('refuses weeks that do not exist, saying how many the year has', () => {
    expect(error('2027-W53')).toBe('is not a week: 2027 has 52 ISO weeks');
    expect(error('2026-W00')).toMatch(/not a week/);
    expect(isoWeekMonday(2026, 54)).toBeUndefined();
  });

  it('reads the usual spellings of a week', () => {
    for (const text of ['2026-W49', '2026W49', '2026-w49', 'W49 2026', 'KW 49/2026', 'CW49-2026', '2026 KW49']) {
      expect(start(text), text).toBe('2026-11-30');
    }
    expect(start('2026-W49-3')).toBe('2026-11-30'); // a weekday inside the week
  });

  it('puts a week into the month holding its Thursday when bucketing by month', () => {
    const monthly = createPeriodNormaliser({ bucket: 'month' });
    expect(start('2026-W49', monthly)).toBe('2026-12-01'); // Mon 30 Nov … Sun 6 Dec
    expect(start('2027-W01', monthly)).toBe('2027-01-01');
    expect(start('2026-W53', monthly)).toBe('2026-12-01'); // Thu 31 Dec
  });
});

describe('dates', () => {
  it('snaps a date inside a week to the week start (Monday by default)', () => {
    expect(start('2026-12-07')).toBe('2026-12-07'); // Monday
    expect(start('2026-12-09')).toBe('2026-12-07');
    expect(start('2026-12-13')).toBe('2026-12-07'); // Sunday
    expect(start('2027-01-01')).toBe('2026-12-28'); // across the year end
  });

  it('honours another week start', () => {
    const sunday = createPeriodNormaliser({ weekStart: 'sunday' });
    expect(start('2026-12-09', sunday)).toBe('2026-12-06');
    expect(start('2026-12-06', sunday)).toBe('2026-12-06');
    expect(start('2026-W49', sunday)).toBe('2026-11-29');
  });

  it('reads Excel serial numbers, as numbers and as text', () => {
    expect(start(46363)).toBe('2026-12-07');
    expect(start(46365.75)).toBe('2026-12-07'); // time of day ignored
    expect(start('46363')).toBe('2026-12-07');
    expect(error(49)).toMatch(/is a number, not a date/);
  });

  it('reads Date cells by their wall-clock date', () => {
    expect(start(new Date(Date.UTC(2026, 11, 9, 23, 30)))).toBe('2026-12-07');
    expect(error(new Date(NaN))).toBe('is not a valid date');
  });

  it('reads text dates: ISO, with slashes year first, dotted day first', () => {
    expect(start('2026/12/09')).toBe('2026-12-07');
    expect(start('09.12.2026')).toBe('2026-12-07');
    expect(start(' 2026-12-09 00:00:00 ')).toBe('2026-12-07');
  });

  it('refuses ambiguous and impossible dates', () => {
    expect(error('12/07/2026')).toMatch(/ambiguous/);
    expect(error('2026-02-30')).toBe('is not a valid calendar date');
    expect(error('next week')).toMatch(/is not a date, ISO week/);
    expect(error(null)).toBe('is empty');
  });

  it('places timestamps with an offset in the plant time zone', () => {
    const berlin = createPeriodNormaliser({ timeZone: 'Europe/Berlin' });
    // Sunday 23:30 UTC is already Monday in Berlin
    expect(start('2026-12-06T23:30:00Z', berlin)).toBe('2026-12-07');
    expect(start('2026-12-06T23:30:00Z')).toBe('2026-11-30');
    expect(start('2026-12-07T00:30:00+0100')).toBe('2026-11-30'); // 23:30 UTC on Sunday
  });

  it('gives the current bucket in the plant time zone', () => {
    const tokyo = createPeriodNormaliser({ timeZone: 'Asia/Tokyo' });
    const now = new Date('2026-12-06T20:00:00Z'); // Monday 05:00 in Tokyo
    expect(tokyo.current(now)).toBe('2026-12-07');
    expect(weekly.current(now)).toBe('2026-11-30');
  });

  it('refuses an unknown time zone or week start as configuration errors', () => {
    expect(() => createPeriodNormaliser({ timeZone: 'Mars/Olympus' })).toThrow(ConfigError);
    // @ts-expect-error a wrong value from configuration
    expect(() => createPeriodNormaliser({ weekStart: 'mon' })).toThrow(/week start/);
  });
});

describe('months', () => {
  const monthly = createPeriodNormaliser({ bucket: 'month' });

  it('reads numeric and named months', () => {
    for (const text of ['2026-12', '2026/12', '12/2026', '12.2026', 'Dec 2026', 'December 2026', 'dec-2026', 'Dez 2026', 'Dezember 2026']) {
      expect(start(text, monthly), text).toBe('2026-12-01');
    }
    expect(start('Mär 2027', monthly)).toBe('2027-03-01');
  });

  it('snaps dates to the first of the month', () => {
    expect(start('2026-12-31', monthly)).toBe('2026-12-01');
    expect(start(46363, monthly)).toBe('2026-12-01');
  });

  it('refuses months in weekly buckets and impossible months', () => {
    expect(error('2026-12')).toMatch(/cannot be placed in weekly buckets/);
    expect(error('2026-13', monthly)).toMatch(/month outside/);
  });
});

describe('period-like headers', () => {
  it('recognises period headers and leaves other headers alone', () => {
    expect(looksLikePeriod('2026-W49')).toBe(true);
    expect(looksLikePeriod('Dec 2026')).toBe(true);
    expect(looksLikePeriod(46363)).toBe(true);
    expect(looksLikePeriod(new Date())).toBe(true);
    expect(looksLikePeriod('2027-W53')).toBe(true); // impossible, but meant as a period: reported, not ignored
    expect(looksLikePeriod('Total')).toBe(false);
    expect(looksLikePeriod('Description')).toBe(false);
    expect(looksLikePeriod(2026)).toBe(false);
    expect(parsePeriodText('Week').kind).toBe('invalid');
  });
});
