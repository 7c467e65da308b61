/**
 * Deterministic machine history for the plant simulator. Each machine has four tags sampled every
 * `sampleSeconds` over [from, to): a good-parts counter (UInt32), a scrap counter, a state
 * (1 running, 2 down, 3 idle) and a temperature. The same seed gives the same values, so tests can
 * compare what the extract read with what was generated.
 *
 * Built into every machine's window: one downtime stretch (a third of the way in, shifted per
 * machine), a daily idle break at 12:00–12:30 UTC, a few random short stops, and a counter reset
 * (both counters back to 0, as after a PLC reset) at about 62 % of the window. With `badQuality`,
 * every temperature and machine 1's good counter get a bad stretch (BadSensorFailure) followed by
 * an uncertain one (UncertainLastUsableValue) at about 45 %.
 *
 * Storage is compact: timestamps and values in Float64Arrays, quality as a byte per sample.
 */

export const MACHINE_TAGS = ['GoodCount', 'ScrapCount', 'State', 'Temperature'] as const;
export type MachineTag = (typeof MACHINE_TAGS)[number];

export const STATE_RUNNING = 1;
export const STATE_DOWN = 2;
export const STATE_IDLE = 3;

/** quality of a stored sample, an index into the simulator's status code palette */
export const QUALITY_GOOD = 0;
export const QUALITY_BAD_SENSOR_FAILURE = 1;
export const QUALITY_UNCERTAIN_LAST_USABLE = 2;

/** a growable, time-sorted series */
export class Series {
  ts: Float64Array;
  values: Float64Array;
  quality: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    const n = Math.max(16, capacity);
    this.ts = new Float64Array(n);
    this.values = new Float64Array(n);
    this.quality = new Uint8Array(n);
  }

  append(ts: number, value: number, quality: number): void {
    if (this.length > 0 && ts <= this.ts[this.length - 1]!) return; // history only moves forward
    if (this.length === this.ts.length) {
      const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.ts = grow(this.ts, (n) => new Float64Array(n));
      this.values = grow(this.values, (n) => new Float64Array(n));
      this.quality = grow(this.quality, (n) => new Uint8Array(n));
    }
    this.ts[this.length] = ts;
    this.values[this.length] = value;
    this.quality[this.length] = quality;
    this.length += 1;
  }

  /** first index whose timestamp is ≥ t */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** first index whose timestamp is > t */
  upperBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** mulberry32: small, fast, deterministic (also the benches' data generators) */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlantModelOptions {
  machines: number;
  from: number;
  to: number;
  sampleSeconds: number;
  seed?: number;
  badQuality?: boolean;
}

interface Stretch {
  start: number;
  end: number;
}

const UINT32_WRAP = 4294967296;
const DAY_MS = 86_400_000;

/** One machine: steps sample by sample, so live values can continue where the history ends. */
export class MachineModel {
  readonly machine: number;
  readonly series: Record<MachineTag, Series>;
  readonly #random: () => number;
  readonly #step: number;
  readonly #from: number;
  readonly #downtime: Stretch;
  readonly #reset: number;
  readonly #bad: Stretch | null;
  readonly #uncertain: Stretch | null;
  #k = 0;
  #good: number;
  #scrap: number;
  #temperature = 25;
  #stopUntil = -1;
  #scrapCarry = 0;

  constructor(machine: number, o: PlantModelOptions) {
    this.machine = machine;
    this.#random = prng(((o.seed ?? 7) * 0x9e3779b1) ^ (machine * 0x85ebca6b));
    this.#step = o.sampleSeconds * 1000;
    this.#from = o.from;
    const n = Math.max(1, Math.ceil((o.to - o.from) / this.#step));
    const perMinute = 60_000 / this.#step;
    const downLength = Math.max(2, Math.min(Math.round(45 * perMinute), Math.floor(n / 10)));
    const downStart = Math.floor(n * (0.3 + 0.03 * ((machine - 1) % 5)));
    this.#downtime = { start: downStart, end: downStart + downLength };
    this.#reset = Math.floor(n * 0.62);
    if (o.badQuality) {
      const badLength = Math.max(3, Math.min(Math.round(20 * perMinute), Math.floor(n / 20)));
      const badStart = Math.floor(n * 0.45);
      this.#bad = { start: badStart, end: badStart + badLength };
      this.#uncertain = { start: badStart + badLength, end: badStart + badLength + Math.max(2, Math.floor(badLength / 2)) };
    } else {
      this.#bad = null;
      this.#uncertain = null;
    }
    this.#good = 1000 * machine + Math.floor(this.#random() * 1000);
    this.#scrap = Math.floor(this.#random() * 50);
    this.series = {
      GoodCount: new Series(n),
      ScrapCount: new Series(n),
      State: new Series(n),
      Temperature: new Series(n),
    };
    while (this.#k < n) this.step();
  }

  /** the timestamp of the next sample */
  get nextTs(): number {
    return this.#from + this.#k * this.#step;
  }

  #state(k: number, ts: number): number {
    if (k >= this.#downtime.start && k < this.#downtime.end) return STATE_DOWN;
    if (k < this.#stopUntil) return STATE_DOWN;
    const minuteOfDay = Math.floor((((ts % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
    if (minuteOfDay >= 12 * 60 && minuteOfDay < 12 * 60 + 30) return STATE_IDLE;
    // a short random stop now and then (about one a day at one-minute samples)
    if (this.#random() < 0.0007 * (this.#step / 60_000)) {
      this.#stopUntil = k + Math.max(1, Math.round((5 + this.#random() * 15) * (60_000 / this.#step)));
      return STATE_DOWN;
    }
    return STATE_RUNNING;
  }

  /** produces the next sample of all four tags */
  step(): void {
    const k = this.#k;
    const ts = this.nextTs;
    const state = this.#state(k, ts);
    if (k === this.#reset) {
      this.#good = 0;
      this.#scrap = 0;
    }
    const minutes = this.#step / 60_000;
    if (state === STATE_RUNNING) {
      const made = Math.round((10 + this.#machineRate()) * minutes * (0.85 + 0.3 * this.#random()));
      const scrapped = made * 0.02 + this.#scrapCarry;
      const whole = Math.floor(scrapped);
      this.#scrapCarry = scrapped - whole;
      this.#good = (this.#good + made - whole) % UINT32_WRAP;
      this.#scrap = (this.#scrap + whole) % UINT32_WRAP;
      const target = 62 + 4 * Math.sin((2 * Math.PI * (ts % DAY_MS)) / DAY_MS) + this.machine * 0.5;
      this.#temperature += (target - this.#temperature) * Math.min(1, 0.2 * minutes) + (this.#random() - 0.5) * 0.6;
    } else {
      this.#temperature += (25 - this.#temperature) * Math.min(1, 0.05 * minutes) + (this.#random() - 0.5) * 0.2;
    }
    const temperature = Math.round(this.#temperature * 100) / 100;
    const quality =
      this.#bad && k >= this.#bad.start && k < this.#bad.end
        ? QUALITY_BAD_SENSOR_FAILURE
        : this.#uncertain && k >= this.#uncertain.start && k < this.#uncertain.end
          ? QUALITY_UNCERTAIN_LAST_USABLE
          : QUALITY_GOOD;
    this.series.GoodCount.append(ts, this.#good, this.machine === 1 ? quality : QUALITY_GOOD);
    this.series.ScrapCount.append(ts, this.#scrap, QUALITY_GOOD);
    this.series.State.append(ts, state, QUALITY_GOOD);
    this.series.Temperature.append(ts, temperature, quality);
    this.#k += 1;
  }

  #machineRate(): number {
    return (this.machine % 4) * 2;
  }

  /** the sample indexes of the built-in events, for tests and the demo */
  get events(): { downtime: Stretch; reset: number; bad: Stretch | null; uncertain: Stretch | null } {
    return { downtime: this.#downtime, reset: this.#reset, bad: this.#bad, uncertain: this.#uncertain };
  }
}

export function generatePlant(o: PlantModelOptions): MachineModel[] {
  if (!(o.sampleSeconds > 0)) throw new Error('sampleSeconds must be positive');
  if (!(o.to > o.from)) throw new Error('the history window needs to > from');
  return Array.from({ length: o.machines }, (_, i) => new MachineModel(i + 1, o));
}
