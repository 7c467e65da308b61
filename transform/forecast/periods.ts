/**
 * Period normalisation: every period cell or header becomes the ISO date (YYYY-MM-DD) of the start
 * of its bucket, a week (starting on the configured weekday) or a calendar month.
 *
 * Accepted: ISO dates ("2026-12-07", "2026/12/07"), dotted dates ("07.12.2026"), Excel serial
 * numbers (numbers, or 5-digit text), Date cells, ISO weeks ("2026-W49", "2026W49", "W49 2026",
 * "KW 49/2026"), months ("2026-12", "12/2026", "Dec 2026", "December 2026", "Dez 2026").
 * Refused with a reason: slashed day/month dates (12/07/2026 is ambiguous), months in weekly buckets
 * (a month cannot be placed in one week), weeks that do not exist (2027-W53).
 *
 * Days are handled as integers (days since 1970-01-01) so bucketing is plain arithmetic. Date
 * cells from the tabular readers are wall-clock values (UTC fields = the calendar date typed into
 * the sheet); only timestamps with an offset ("…T23:30:00Z") are instants, converted into the plant
 * time zone.
 */
import { ConfigError } from '../../core/errors.ts';

export type Bucket = 'week' | 'month';
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type WeekStart = (typeof WEEKDAYS)[number];

export interface PeriodOptions {
  bucket?: Bucket;
  weekStart?: WeekStart;
  /** IANA name of the plant time zone, e.g. "Europe/Berlin" (default UTC) */
  timeZone?: string;
}

export type PeriodValue = string | number | Date | null;

/** What a period text or cell means before bucketing. */
export type ParsedPeriod =
  { kind: 'day'; day: number } | { kind: 'week'; year: number; week: number } | { kind: 'month'; year: number; month: number };

export type PeriodResult = { start: string; error?: undefined } | { start?: undefined; error: string };

const MS_PER_DAY = 86_400_000;
/** Excel serial of 1970-01-01 (1900 date system, after the fake 1900-02-29) */
const EXCEL_EPOCH = 25_569;
/** plausible planning range for serial numbers: 1990-01-01 … 2099-12-31 */
const SERIAL_MIN = 32_874;
const SERIAL_MAX = 73_050;

const MONTHS: ReadonlyMap<string, number> = new Map(
  (
    [
      ['jan', 1],
      ['january', 1],
      ['januar', 1],
      ['jän', 1],
      ['feb', 2],
      ['february', 2],
      ['februar', 2],
      ['mar', 3],
      ['march', 3],
      ['mär', 3],
      ['mrz', 3],
      ['märz', 3],
      ['apr', 4],
      ['april', 4],
      ['may', 5],
      ['mai', 5],
      ['jun', 6],
      ['june', 6],
      ['juni', 6],
      ['jul', 7],
      ['july', 7],
      ['juli', 7],
      ['aug', 8],
      ['august', 8],
      ['sep', 9],
      ['sept', 9],
      ['september', 9],
      ['oct', 10],
      ['october', 10],
      ['okt', 10],
      ['oktober', 10],
      ['nov', 11],
      ['november', 11],
      ['dec', 12],
      ['december', 12],
      ['dez', 12],
      ['dezember', 12],
    ] as const
  ).map(([name, month]) => [name, month]),
);

// ---- day arithmetic -------------------------------------------------------------------------

export function dayFromYmd(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

export function dayToIso(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday) */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function validYmd(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day ? Math.floor(d.getTime() / MS_PER_DAY) : undefined;
}

/** ISO 8601 weeks: week 1 holds the year's first Thursday; 52 or 53 weeks a year */
export function isoWeeksInYear(year: number): number {
  const jan1 = weekdayOf(dayFromYmd(year, 1, 1));
  const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}

/** day of the Monday of ISO week `week` of `year`, or undefined when the week does not exist */
export function isoWeekMonday(year: number, week: number): number | undefined {
  if (!Number.isInteger(week) || week < 1 || week > isoWeeksInYear(year)) return undefined;
  const jan4 = dayFromYmd(year, 1, 4);
  const week1Monday = jan4 - ((weekdayOf(jan4) + 6) % 7);
  return week1Monday + (week - 1) * 7;
}

export function excelSerialToDay(serial: number): number {
  return Math.floor(serial) - EXCEL_EPOCH;
}

// ---- parsing --------------------------------------------------------------------------------

const ISO_DATE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;
const DOTTED_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const SLASHED_DATE = /^\d{1,2}\/\d{1,2}\/\d{2,4}$/;
const ISO_WEEK = /^(\d{4})\s*-?\s*(?:w|kw|cw)\s*(\d{1,2})(?:-(\d))?$/i;
const WEEK_FIRST = /^(?:w|kw|cw|wk|week)\s*(\d{1,2})\s*[-/ ]\s*(\d{4})$/i;
const YEAR_MONTH = /^(\d{4})[-/.](\d{1,2})$/;
const MONTH_YEAR = /^(\d{1,2})[-/.](\d{4})$/;
const NAMED_MONTH = /^(\p{L}+)\.?[\s-]+(\d{4})$/u;
const SERIAL_TEXT = /^\d{5}(?:\.\d+)?$/;

export type PeriodParse =
  | ParsedPeriod
  | { kind: 'instant'; ms: number }
  /** `shaped`: written like a period but impossible (2027-W53, 2026-13, 12/07/2026) */
  | { kind: 'invalid'; reason: string; shaped: boolean };

type Invalid = Extract<PeriodParse, { kind: 'invalid' }>;

function invalid(reason: string, shaped = true): Invalid {
  return { kind: 'invalid', reason, shaped };
}

/** What a period label means, independent of bucket and time zone. */
export function parsePeriodText(raw: string): PeriodParse {
  const text = raw.trim();
  let m = ISO_DATE.exec(text);
  if (m) {
    const [, y, mo, d, hh, mi, ss, offset] = m;
    const day = validYmd(Number(y), Number(mo), Number(d));
    if (day === undefined) return invalid('is not a valid calendar date');
    if (offset === undefined) return { kind: 'day', day };
    // a timestamp with an offset is an instant: its day depends on the plant time zone
    const zone = offset.toUpperCase() === 'Z' ? 'Z' : offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
    const ms = Date.parse(`${dayToIso(day)}T${hh!.padStart(2, '0')}:${mi}:${ss ?? '00'}${zone}`);
    return Number.isNaN(ms) ? invalid('is not a valid timestamp') : { kind: 'instant', ms };
  }
  if ((m = DOTTED_DATE.exec(text))) {
    const day = validYmd(Number(m[3]), Number(m[2]), Number(m[1]));
    return day === undefined ? invalid('is not a valid calendar date') : { kind: 'day', day };
  }
  if (SLASHED_DATE.test(text)) return invalid('is ambiguous (day/month or month/day?); write dates as YYYY-MM-DD');
  if ((m = ISO_WEEK.exec(text))) return checkWeek(Number(m[1]), Number(m[2]), m[3]);
  if ((m = WEEK_FIRST.exec(text))) return checkWeek(Number(m[2]), Number(m[1]), undefined);
  if ((m = YEAR_MONTH.exec(text))) return checkMonth(Number(m[1]), Number(m[2]));
  if ((m = MONTH_YEAR.exec(text))) return checkMonth(Number(m[2]), Number(m[1]));
  if ((m = NAMED_MONTH.exec(text))) {
    const month = MONTHS.get(m[1]!.toLowerCase());
    if (month !== undefined) return { kind: 'month', year: Number(m[2]), month };
  }
  if (SERIAL_TEXT.test(text)) return serialPeriod(Number(text));
  return invalid('is not a date, ISO week (2026-W49) or month (2026-12)', false);
}

function checkWeek(year: number, week: number, weekday: string | undefined): ParsedPeriod | Invalid {
  const monday = isoWeekMonday(year, week);
  if (monday === undefined) return invalid(`is not a week: ${year} has ${isoWeeksInYear(year)} ISO weeks`);
  if (weekday === undefined) return { kind: 'week', year, week };
  const d = Number(weekday);
  return d >= 1 && d <= 7 ? { kind: 'day', day: monday + d - 1 } : invalid('has a weekday outside 1–7');
}

function checkMonth(year: number, month: number): ParsedPeriod | Invalid {
  return month >= 1 && month <= 12 ? { kind: 'month', year, month } : invalid('has a month outside 1–12');
}

function serialPeriod(serial: number): ParsedPeriod | Invalid {
  if (!Number.isFinite(serial) || serial < SERIAL_MIN || serial > SERIAL_MAX) {
    return invalid('is a number, not a date (Excel date serials for 1990–2099 are accepted)', false);
  }
  return { kind: 'day', day: excelSerialToDay(serial) };
}

/** header cells that name a period (wide layout), including impossible ones worth reporting */
export function looksLikePeriod(value: PeriodValue): boolean {
  if (value === null) return false;
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  if (typeof value === 'number') return serialPeriod(value).kind === 'day';
  const parsed = parsePeriodText(value);
  return parsed.kind !== 'invalid' || parsed.shaped;
}

// ---- bucketing ------------------------------------------------------------------------------

export interface PeriodNormaliser {
  readonly bucket: Bucket;
  readonly weekStart: WeekStart;
  readonly timeZone: string;
  /** bucket start of a cell value, or a reason it is not a period */
  normalise(value: PeriodValue): PeriodResult;
  /** bucket start (ISO date) of a day number */
  bucketOfDay(day: number): string;
  /** the bucket containing `now` in the plant time zone */
  current(now: Date): string;
  /** day number of an instant in the plant time zone */
  dayInZone(ms: number): number;
}

export function createPeriodNormaliser(options: PeriodOptions = {}): PeriodNormaliser {
  const bucket = options.bucket ?? 'week';
  const weekStart = options.weekStart ?? 'monday';
  const timeZone = options.timeZone ?? 'UTC';
  if (bucket !== 'week' && bucket !== 'month') throw new ConfigError(`Unknown forecast bucket ${JSON.stringify(bucket)} (week or month).`);
  const startDow = WEEKDAYS.indexOf(weekStart);
  if (startDow < 0) throw new ConfigError(`Unknown week start ${JSON.stringify(weekStart)} (a weekday name, e.g. monday).`);
  let zoneFormat: Intl.DateTimeFormat;
  try {
    zoneFormat = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch (cause) {
    throw new ConfigError(`Unknown time zone ${JSON.stringify(timeZone)} (an IANA name such as Europe/Berlin).`, { cause });
  }

  function dayInZone(ms: number): number {
    const parts = zoneFormat.formatToParts(new Date(ms));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
    return dayFromYmd(get('year'), get('month'), get('day'));
  }

  function bucketDay(day: number): number {
    if (bucket === 'week') return day - ((weekdayOf(day) - startDow + 7) % 7);
    const d = new Date(day * MS_PER_DAY);
    return dayFromYmd(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }

  function fromParsed(p: ParsedPeriod): PeriodResult {
    switch (p.kind) {
      case 'day':
        return { start: dayToIso(bucketDay(p.day)) };
      case 'week': {
        const monday = isoWeekMonday(p.year, p.week)!;
        // a week in monthly buckets belongs to the month holding most of its days (its Thursday)
        return { start: dayToIso(bucketDay(bucket === 'week' ? monday : monday + 3)) };
      }
      case 'month':
        if (bucket === 'week') return { error: 'is a month; monthly figures cannot be placed in weekly buckets' };
        return { start: dayToIso(dayFromYmd(p.year, p.month, 1)) };
    }
  }

  function normalise(value: PeriodValue): PeriodResult {
    if (value === null) return { error: 'is empty' };
    if (value instanceof Date) {
      const ms = value.getTime();
      if (Number.isNaN(ms)) return { error: 'is not a valid date' };
      return { start: dayToIso(bucketDay(Math.floor(ms / MS_PER_DAY))) };
    }
    if (typeof value === 'number') {
      const p = serialPeriod(value);
      return p.kind === 'invalid' ? { error: p.reason } : fromParsed(p);
    }
    const p = parsePeriodText(value);
    if (p.kind === 'invalid') return { error: p.reason };
    if (p.kind === 'instant') return { start: dayToIso(bucketDay(dayInZone(p.ms))) };
    return fromParsed(p);
  }

  return {
    bucket,
    weekStart,
    timeZone,
    normalise,
    bucketOfDay: (day) => dayToIso(bucketDay(day)),
    current: (now) => dayToIso(bucketDay(dayInZone(now.getTime()))),
    dayInZone,
  };
}
