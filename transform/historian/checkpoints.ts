/**
 * The checkpoints of a historian batch, from what the aggregation found and what the read
 * counted. Pure. Each result records what it measured (the worst tags first, at most ten
 * examples); severities and thresholds come from `historian.checkpoints` (settings.ts), where a
 * threshold is the largest measured value that still passes.
 */
import type { CheckpointResult } from '../shared/checkpoints.ts';
import type { HistorianCheckpointSettings } from '../../core/config/historian.ts';
import type { AggregationResult } from './types.ts';

const EXAMPLES = 10;

/** what the read of one active tag gave in this run */
export interface TagReadCounts {
  tag: string;
  /** good samples returned by the read */
  samples: number;
  /** bad or uncertain samples the read left out */
  bad: number;
  /** false: not read this run (the server does not know the node, or its window was empty) */
  read: boolean;
  /** why it was not read, when it was not */
  reason?: string;
}

export interface HistorianMeasures {
  aggregation: Pick<AggregationResult, 'anomalies' | 'tagStats'>;
  /** every active tag of the run */
  reads: readonly TagReadCounts[];
  /** samples stamped after the wall clock at the start of the run */
  future: { samples: number; latest: number | null; tags: readonly string[] };
  /** the wall clock at the start of the run (epoch ms) */
  now: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100);

function gaps(m: HistorianMeasures, s: HistorianCheckpointSettings['gaps']): CheckpointResult {
  // a tag with no sample at all is the silent-tag check's business, not a gap
  const over = m.aggregation.tagStats
    .filter((t) => t.samples > 0 && t.maxGapMinutes > s.threshold)
    .sort((a, b) => b.maxGapMinutes - a.maxGapMinutes || a.tag.localeCompare(b.tag));
  const longest = m.aggregation.tagStats.filter((t) => t.samples > 0).reduce((a, t) => Math.max(a, t.maxGapMinutes), 0);
  return {
    name: 'gaps',
    severity: s.severity,
    passed: over.length === 0,
    measured: {
      thresholdMinutes: s.threshold,
      longestMinutes: Math.round(longest * 10) / 10,
      tagsOverThreshold: over.length,
      examples: over
        .slice(0, EXAMPLES)
        .map((t) => ({ tag: t.tag, minutes: Math.round(t.maxGapMinutes * 10) / 10, from: iso(t.maxGapStart) })),
    },
    message: over.length
      ? `${over.length} tag(s) without a sample for more than ${s.threshold} min; longest ${Math.round(over[0]!.maxGapMinutes)} min on ${over[0]!.tag} from ${iso(over[0]!.maxGapStart)}`
      : `no tag went more than ${s.threshold} min without a sample (longest ${Math.round(longest)} min)`,
  };
}

function counterAnomalies(m: HistorianMeasures, s: HistorianCheckpointSettings['counter_anomalies']): CheckpointResult {
  const a = m.aggregation.anomalies;
  const resets = a.filter((x) => x.kind === 'reset').length;
  const rollovers = a.length - resets;
  return {
    name: 'counter_anomalies',
    severity: s.severity,
    passed: a.length <= s.threshold,
    measured: {
      threshold: s.threshold,
      anomalies: a.length,
      resets,
      rollovers,
      tags: [...new Set(a.map((x) => x.tag))].sort(),
      examples: a.slice(0, EXAMPLES).map((x) => ({ tag: x.tag, at: iso(x.ts), kind: x.kind, previous: x.previous, value: x.value })),
    },
    message: a.length
      ? `${resets} counter reset(s) and ${rollovers} rollover(s); first on ${a[0]!.tag} at ${iso(a[0]!.ts)} (${a[0]!.previous} → ${a[0]!.value})`
      : 'no counter reset or rollover',
  };
}

function futureTimestamps(m: HistorianMeasures, s: HistorianCheckpointSettings['future_timestamps']): CheckpointResult {
  const f = m.future;
  return {
    name: 'future_timestamps',
    severity: s.severity,
    passed: f.samples <= s.threshold,
    measured: { threshold: s.threshold, samples: f.samples, now: iso(m.now), latest: iso(f.latest), tags: f.tags.slice(0, EXAMPLES) },
    message: f.samples
      ? `${f.samples} sample(s) stamped after the time of the read (${iso(m.now)}), up to ${iso(f.latest)}: a clock on the server or the PLC runs ahead`
      : 'no sample stamped in the future',
  };
}

function badQuality(m: HistorianMeasures, s: HistorianCheckpointSettings['bad_quality']): CheckpointResult {
  let good = 0;
  let bad = 0;
  for (const r of m.reads) {
    good += r.samples;
    bad += r.bad;
  }
  const share = pct(bad, good + bad);
  const worst = m.reads
    .filter((r) => r.bad > 0)
    .map((r) => ({ tag: r.tag, bad: r.bad, percent: pct(r.bad, r.bad + r.samples) }))
    .sort((a, b) => b.percent - a.percent || a.tag.localeCompare(b.tag));
  return {
    name: 'bad_quality',
    severity: s.severity,
    passed: share <= s.threshold,
    measured: {
      thresholdPercent: s.threshold,
      bad,
      total: good + bad,
      percent: share,
      tags: worst.length,
      worst: worst.slice(0, EXAMPLES),
    },
    message: `${share} % of the samples read were bad or uncertain (${bad} of ${good + bad}; at most ${s.threshold} % passes)`,
  };
}

function silentTags(m: HistorianMeasures, s: HistorianCheckpointSettings['silent_tags']): CheckpointResult {
  const silent = m.reads.filter((r) => r.samples === 0 && r.bad === 0 && (r.read || r.reason !== undefined));
  return {
    name: 'silent_tags',
    severity: s.severity,
    passed: silent.length <= s.threshold,
    measured: {
      threshold: s.threshold,
      activeTags: m.reads.length,
      silent: silent.length,
      examples: silent.slice(0, EXAMPLES).map((r) => ({ tag: r.tag, reason: r.reason ?? 'no sample in the window' })),
    },
    message: silent.length
      ? `${silent.length} active tag(s) gave no sample: ${silent
          .slice(0, 5)
          .map((r) => (r.reason ? `${r.tag} (${r.reason})` : r.tag))
          .join(', ')}${silent.length > 5 ? ', …' : ''}`
      : `every active tag gave samples (${m.reads.length})`,
  };
}

export function historianCheckpoints(m: HistorianMeasures, s: HistorianCheckpointSettings): CheckpointResult[] {
  return [
    gaps(m, s.gaps),
    counterAnomalies(m, s.counter_anomalies),
    futureTimestamps(m, s.future_timestamps),
    badQuality(m, s.bad_quality),
    silentTags(m, s.silent_tags),
  ];
}
