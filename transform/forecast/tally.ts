/**
 * The checkpoint figures of a forecast version, counted in one pass over its lines while they
 * are staged, so a clean million-line file needs no SQL pass over forecast_lines afterwards.
 * Each figure is exactly what sql/forecast/check_*.sql would measure on the staged lines:
 *  - check_lines: counts, distinct products / warehouses / periods, first and last period,
 *    negatives (the first ten by line), past periods, and the total of the staged quantities,
 *    summed exactly as numeric does (PostgreSQL reads a quantity as the text String(n));
 *  - check_duplicates and check_horizon: through a compact set of (series, period) keys;
 *  - check_references: from how each line was resolved against the master data, when the
 *    caller resolved every line itself (`resolved`).
 * What needs PostgreSQL's own ordering (the examples of duplicates, gaps, unknown codes) is left
 * to SQL, which the caller runs only when such a figure is not zero.
 *
 * Memory grows with the distinct products, warehouses, series (product, warehouse) and periods,
 * not with the lines: one bit per series and period (two once a duplicate shows). Past `limits`
 * the tally gives up (`overflowed`), frees what it holds, and the caller measures in SQL instead.
 */
import type { ForecastLine } from './schema.ts';

export interface TallyOptions {
  /** ISO start of the current period */
  currentPeriod: string;
  /** periods ahead each series must cover (the horizon checkpoint's threshold) */
  horizonPeriods: number;
  periodLength: '7 days' | '1 month';
  limits?: Partial<TallyLimits>;
}

export interface TallyLimits {
  /** 32-bit words of the (series, period) bits: series × periods / 32, twice that once a duplicate shows */
  keyWords: number;
  products: number;
  warehouses: number;
  /** distinct (product, warehouse) */
  series: number;
  periods: number;
  units: number;
}

export const DEFAULT_TALLY_LIMITS: TallyLimits = {
  keyWords: 8_000_000,
  products: 250_000,
  warehouses: 100_000,
  series: 1_000_000,
  periods: 100_000,
  units: 10_000,
};

/** How one line was staged; undefined when SQL resolved it (the caller does not know) */
export interface LineResolution {
  productKnown: boolean;
  warehouseKnown: boolean;
  /** the line's unit names an active unit (true when the line has no unit) */
  unitKnown: boolean;
  /** the staged quantity is NULL (unit not convertible) rather than the line's own quantity */
  quantityNull: boolean;
}

/** = sql/forecast/check_lines.sql */
export interface LinesFigures {
  lines: number;
  total_quantity: number;
  products: number;
  warehouses: number;
  periods: number;
  first_period: string | null;
  last_period: string | null;
  negative_lines: number;
  negative_examples: string[] | null;
  past_periods: number;
  past_lines: number;
  only_warehouse: string | null;
}

export interface TallyFigures {
  /** total_quantity is exact only when `resolved` (else SQL staged some quantities) */
  lines: LinesFigures;
  duplicates: { duplicate_keys: number; duplicate_lines: number };
  horizon: { series: number; series_with_gaps: number; missing_periods: number };
  /** every line resolved by the caller: the reference figures below are exact */
  resolved: boolean;
  references: {
    units_used: number;
    unknown_products: number;
    unknown_product_lines: number;
    unknown_warehouses: number;
    unknown_units: number;
    unconvertible_lines: number;
  };
}

const MS_PER_DAY = 86_400_000;
const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/** milliseconds at 00:00 UTC of a calendar date, also for years 0–99 (which Date.UTC reads as 19xx) */
function utc(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/** `date + interval * n` as PostgreSQL computes it, for the two period lengths (ISO dates of years 1–9999) */
export function addPeriods(iso: string, n: number, length: '7 days' | '1 month'): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  let ms: number;
  if (length === '7 days') ms = utc(y, m, d) + 7 * n * MS_PER_DAY;
  else {
    // months are added to the month; the day is clamped to the length of the month reached
    const months = y * 12 + (m - 1) + n;
    const year = Math.floor(months / 12);
    const month = months - year * 12 + 1;
    const last = new Date(utc(year, month + 1, 0)).getUTCDate();
    ms = utc(year, month, Math.min(d, last));
  }
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Exact sum of JS numbers as numeric adds them: each read as the decimal text String(n).
 * Small integers and short decimals add as plain integers per scale; the rest through BigInt.
 */
export class DecimalSum {
  private small = 0;
  /** per scale s ≥ 1: the sum of coefficients c for values c·10^-s */
  private readonly scaled: number[] = [];
  private big = 0n;
  private bigScale = 0;

  add(q: number): void {
    if (Number.isInteger(q) && q > -2_147_483_648 && q < 2_147_483_648) {
      this.small += q;
      if (this.small > 2 ** 52 || this.small < -(2 ** 52)) this.flushSmall();
      return;
    }
    // a short decimal (as most quantities): its text is c·10^-k for the smallest k where c/10^k
    // gives q back, unique while 10^-k is wider than q's float spacing (|q| < 1e9, k ≤ 6)
    if (q > -1e9 && q < 1e9) {
      for (let k = 1; k <= 6; k++) {
        const p = POW10[k]!;
        const c = Math.round(q * p);
        if (c / p === q) {
          const sum = (this.scaled[k] ?? 0) + c;
          this.scaled[k] = sum;
          if (sum > 2 ** 52 || sum < -(2 ** 52)) this.addBig(BigInt(this.scaled.splice(k, 1, 0)[0]!), k);
          return;
        }
      }
    }
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(q));
    if (m === null) throw new Error(`not a finite number: ${q}`);
    const frac = m[3] ?? '';
    const digits = m[2]! + frac;
    const scale = frac.length - Number(m[4] ?? 0);
    const negative = m[1] === '-';
    if (scale >= 1 && scale <= 20 && digits.length <= 15) {
      const c = Number(digits);
      const sum = (this.scaled[scale] ?? 0) + (negative ? -c : c);
      this.scaled[scale] = sum;
      if (sum > 2 ** 52 || sum < -(2 ** 52)) this.addBig(BigInt(this.scaled.splice(scale, 1, 0)[0]!), scale);
      return;
    }
    const c = BigInt(digits);
    this.addBig(negative ? -c : c, scale);
  }

  private flushSmall(): void {
    this.addBig(BigInt(this.small), 0);
    this.small = 0;
  }

  /** adds c·10^-scale */
  private addBig(c: bigint, scale: number): void {
    if (scale < 0) {
      c *= 10n ** BigInt(-scale);
      scale = 0;
    }
    if (scale > this.bigScale) {
      this.big *= 10n ** BigInt(scale - this.bigScale);
      this.bigScale = scale;
    }
    this.big += c * 10n ** BigInt(this.bigScale - scale);
  }

  /** the exact sum as decimal text */
  text(): string {
    let big = this.big;
    let scale = this.bigScale;
    const add = (c: bigint, s: number) => {
      if (s > scale) {
        big *= 10n ** BigInt(s - scale);
        scale = s;
      }
      big += c * 10n ** BigInt(scale - s);
    };
    add(BigInt(this.small), 0);
    this.scaled.forEach((c, s) => c !== 0 && add(BigInt(c), s));
    const negative = big < 0n;
    let digits = (negative ? -big : big).toString();
    if (scale > 0) {
      digits = digits.padStart(scale + 1, '0');
      digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    }
    return negative ? `-${digits}` : digits;
  }

  /** the sum as float8, rounded once from the exact value (as numeric::float8 does) */
  value(): number {
    return Number(this.text());
  }
}

/**
 * Which (series, period) pairs were seen, once or more than once: one row of bits per series, one
 * bit per period (periods are few: a horizon of weeks or months), so a line costs a bit test.
 * Rows widen when a new period needs another word; `words` tells the memory in use.
 */
class PairBits {
  private once: Uint32Array = new Uint32Array(1024);
  /** pairs seen a second time (allocated at the first duplicate) */
  private twice: Uint32Array | undefined;
  private rows = 1024;
  private width = 1;

  /** `maxWords`: the most 32-bit words both bit arrays may take together */
  constructor(private readonly maxWords: number) {}

  /** 0: new pair, 1: seen once before, 2: seen twice or more before; -1: over `maxWords` */
  add(series: number, period: number): -1 | 0 | 1 | 2 {
    if (period >= this.width * 32 && !this.relayout(this.rows, ((period >>> 5) + 1) * 2)) return -1;
    if (series >= this.rows && !this.relayout(Math.max(this.rows * 2, series + 1), this.width)) return -1;
    const i = series * this.width + (period >>> 5);
    const bit = 1 << (period & 31);
    const once = this.once[i]!;
    if ((once & bit) === 0) {
      this.once[i] = once | bit;
      return 0;
    }
    if (this.twice === undefined) {
      if (2 * this.once.length > this.maxWords) return -1;
      this.twice = new Uint32Array(this.once.length);
    }
    const twice = this.twice[i]!;
    if ((twice & bit) === 0) {
      this.twice[i] = twice | bit;
      return 1;
    }
    return 2;
  }

  private relayout(rows: number, width: number): boolean {
    if (rows * width * (this.twice ? 2 : 1) > this.maxWords) return false;
    const copy = (bits: Uint32Array): Uint32Array => {
      const out = new Uint32Array(rows * width);
      if (width === this.width) out.set(bits);
      else for (let r = 0; r < this.rows; r++) out.set(bits.subarray(r * this.width, (r + 1) * this.width), r * width);
      return out;
    };
    this.once = copy(this.once);
    if (this.twice) this.twice = copy(this.twice);
    this.rows = rows;
    this.width = width;
    return true;
  }
}

interface PeriodInfo {
  index: number;
  past: boolean;
  inWindow: boolean;
}

export class ForecastTally {
  private readonly limits: TallyLimits;
  private readonly current: string;
  private readonly horizon: number;
  private readonly windowEnd: string;
  private over: string | undefined;

  private lines = 0;
  private readonly total = new DecimalSum();
  private negatives = 0;
  private readonly negativeExamples: string[] = [];
  private pastLines = 0;
  private pastPeriods = 0;
  private firstPeriod: string | null = null;
  private lastPeriod: string | null = null;

  private products = new Map<string, number>();
  private warehouses = new Map<string, number>();
  private periods = new Map<string, PeriodInfo>();
  private units = new Map<string, boolean>();
  private series = new Map<number, number>();
  private covered: Int32Array = new Int32Array(1024);
  private keys: PairBits;
  private duplicateKeys = 0;
  private duplicateLines = 0;

  private resolved = true;
  private unknownProducts = 0;
  private unknownProductLines = 0;
  private unknownWarehouses = 0;
  private unknownUnits = 0;
  private unconvertible = 0;

  // the previous line's series: consecutive lines mostly share product and warehouse
  private lastProduct: string | undefined;
  private lastWarehouse: string | undefined;
  private lastSeries = -1;

  constructor(options: TallyOptions) {
    this.limits = { ...DEFAULT_TALLY_LIMITS, ...options.limits };
    this.keys = new PairBits(this.limits.keyWords);
    this.current = options.currentPeriod;
    this.horizon = options.horizonPeriods;
    // check_horizon.sql takes the threshold as int: anything else is left to it (and its errors)
    const countable =
      Number.isInteger(this.horizon) && this.horizon >= 0 && this.horizon <= 10_000 && /^\d{4}-\d{2}-\d{2}$/.test(this.current);
    this.windowEnd = countable ? addPeriods(this.current, this.horizon, options.periodLength) : '';
    if (!countable || !/^\d{4}-/.test(this.windowEnd)) this.overflow('horizon not countable here');
  }

  /** why the tally gave up (the figures must then be measured in SQL), if it did */
  get overflowed(): string | undefined {
    return this.over;
  }

  private overflow(reason: string): void {
    this.over ??= reason;
    this.products = new Map();
    this.warehouses = new Map();
    this.periods = new Map();
    this.units = new Map();
    this.series = new Map();
    this.covered = new Int32Array(0);
    this.keys = new PairBits(0);
  }

  /** one staged line, in line order; `r`: how it was resolved, undefined when SQL resolved it */
  add(line: ForecastLine, r: LineResolution | undefined): void {
    if (this.over !== undefined) return;
    this.lines++;
    const q = line.quantity;
    if (q < 0) {
      this.negatives++;
      if (this.negativeExamples.length < 10) this.negativeExamples.push(line.sourceRef);
    }
    if (r === undefined) this.resolved = false;
    else if (!r.quantityNull) this.total.add(q);

    let series = this.lastSeries;
    if (line.product !== this.lastProduct || line.warehouse !== this.lastWarehouse) {
      let p = this.products.get(line.product);
      if (p === undefined) {
        p = this.products.size;
        if (p >= this.limits.products) return this.overflow('too many products');
        this.products.set(line.product, p);
        if (r !== undefined && !r.productKnown) this.unknownProducts++;
      }
      let w = this.warehouses.get(line.warehouse);
      if (w === undefined) {
        w = this.warehouses.size;
        if (w >= this.limits.warehouses) return this.overflow('too many warehouses');
        this.warehouses.set(line.warehouse, w);
        if (r !== undefined && !r.warehouseKnown) this.unknownWarehouses++;
      }
      const key = p * 2_097_152 + w;
      const known = this.series.get(key);
      if (known === undefined) {
        series = this.series.size;
        if (series >= this.limits.series) return this.overflow('too many series');
        this.series.set(key, series);
        if (series >= this.covered.length) {
          const grown = new Int32Array(this.covered.length * 2);
          grown.set(this.covered);
          this.covered = grown;
        }
      } else series = known;
      this.lastProduct = line.product;
      this.lastWarehouse = line.warehouse;
      this.lastSeries = series;
    }
    if (r !== undefined && !r.productKnown) this.unknownProductLines++;

    let period = this.periods.get(line.periodStart);
    if (period === undefined) {
      const start = line.periodStart;
      if (this.periods.size >= this.limits.periods) return this.overflow('too many periods');
      period = { index: this.periods.size, past: start < this.current, inWindow: start >= this.current && start < this.windowEnd };
      this.periods.set(start, period);
      if (period.past) this.pastPeriods++;
      if (this.firstPeriod === null || start < this.firstPeriod) this.firstPeriod = start;
      if (this.lastPeriod === null || start > this.lastPeriod) this.lastPeriod = start;
    }
    if (period.past) this.pastLines++;

    const seen = this.keys.add(series, period.index);
    if (seen === 0) {
      if (period.inWindow) this.covered[series]!++;
    } else if (seen === 1) {
      this.duplicateKeys++;
      this.duplicateLines += 2;
    } else if (seen === 2) this.duplicateLines++;
    else return this.overflow('too many series × periods');

    if (line.unit !== undefined) {
      let known = this.units.get(line.unit);
      if (known === undefined) {
        if (this.units.size >= this.limits.units) return this.overflow('too many units');
        known = r?.unitKnown ?? false;
        this.units.set(line.unit, known);
        if (r === undefined) this.resolved = false;
        else if (!known) this.unknownUnits++;
      }
    }
    if (r !== undefined && r.productKnown && r.quantityNull) this.unconvertible++;
  }

  /** the figures, or undefined when the tally gave up */
  figures(): TallyFigures | undefined {
    if (this.over !== undefined) return undefined;
    const total = this.total.value();
    // beyond float8: SQL says so (out of range), as it always has
    if (!Number.isFinite(total)) return undefined;
    let gaps = 0;
    let missing = 0;
    for (let s = 0; s < this.series.size; s++) {
      const covered = this.covered[s]!;
      if (covered < this.horizon) {
        gaps++;
        missing += this.horizon - covered;
      }
    }
    const onlyWarehouse = this.warehouses.size === 1 ? [...this.warehouses.keys()][0]! : null;
    return {
      lines: {
        lines: this.lines,
        total_quantity: total,
        products: this.products.size,
        warehouses: this.warehouses.size,
        periods: this.periods.size,
        first_period: this.firstPeriod,
        last_period: this.lastPeriod,
        negative_lines: this.negatives,
        negative_examples: this.negativeExamples.length > 0 ? this.negativeExamples.slice() : null,
        past_periods: this.pastPeriods,
        past_lines: this.pastLines,
        only_warehouse: onlyWarehouse,
      },
      duplicates: { duplicate_keys: this.duplicateKeys, duplicate_lines: this.duplicateLines },
      horizon: { series: this.series.size, series_with_gaps: gaps, missing_periods: missing },
      resolved: this.resolved,
      references: {
        units_used: this.units.size,
        unknown_products: this.unknownProducts,
        unknown_product_lines: this.unknownProductLines,
        unknown_warehouses: this.unknownWarehouses,
        unknown_units: this.unknownUnits,
        unconvertible_lines: this.unconvertible,
      },
    };
  }
}
