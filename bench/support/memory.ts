/**
 * Peak resident memory of this process while something runs: `process.memoryUsage.rss()`
 * sampled every ~20 ms on a timer, cross-checked by the kernel's own high-water mark (VmHWM in
 * /proc/self/status, reset through /proc/self/clear_refs), which also catches peaks between
 * samples or while the event loop is busy. The kernel figure is omitted where /proc is missing.
 */
import fs from 'node:fs';

export const MB = 2 ** 20;

export interface MemoryReport {
  /** RSS just before the run (after a GC when --expose-gc is on) */
  beforeMb: number;
  /** highest sampled RSS */
  peakMb: number;
  /** kernel high-water mark over the run, if available */
  hwmMb: number | undefined;
  samples: number;
  /** largest gap between two samples: the sampler's blind spot (a busy event loop) */
  maxGapMs: number;
  /** where the memory is: peaks of V8's heap (used, reserved) and of memory outside it (Buffers…) */
  heapUsedPeakMb: number;
  heapTotalPeakMb: number;
  externalPeakMb: number;
}

function resetHighWaterMark(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function highWaterMarkMb(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `work` while sampling RSS every `intervalMs`. */
export async function withMemorySampler<T>(work: () => Promise<T>, intervalMs = 20): Promise<{ result: T; memory: MemoryReport }> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage.rss();
  const kernel = resetHighWaterMark();
  let peak = before;
  let samples = 0;
  let last = performance.now();
  let maxGap = 0;
  let heapUsed = 0;
  let heapTotal = 0;
  let external = 0;
  const detail = () => {
    // the full breakdown walks V8's heap spaces: every 5th sample is enough
    const m = process.memoryUsage();
    heapUsed = Math.max(heapUsed, m.heapUsed);
    heapTotal = Math.max(heapTotal, m.heapTotal);
    external = Math.max(external, m.external);
  };
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    samples++;
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
    if (samples % 5 === 0) detail();
  }, intervalMs);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    detail();
    return {
      result,
      memory: {
        beforeMb: before / MB,
        peakMb: peak / MB,
        hwmMb: kernel ? highWaterMarkMb() : undefined,
        samples,
        maxGapMs: maxGap,
        heapUsedPeakMb: heapUsed / MB,
        heapTotalPeakMb: heapTotal / MB,
        externalPeakMb: external / MB,
      },
    };
  } finally {
    clearInterval(timer);
  }
}
