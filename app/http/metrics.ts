/**
 * GET /metrics: Prometheus text format. Figures that live in the database (runs, durations, row
 * counts, queue depth, dead letters, last success, batches, checkpoint failures, workflow
 * health, open alert incidents) are read from it at scrape time, so every process answers the
 * same; the in-process ones (Odoo call latency and faults, OPC UA reads, process figures) come
 * from core/metrics.ts. When the database cannot be read, mfg_etl_database_up is 0 and the
 * database-derived families are empty, but the scrape still answers.
 */
import client from 'prom-client';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import type { Logger } from '../../core/logger.ts';
import { processRegistry } from '../../core/metrics.ts';
import { metricsSnapshot, type MetricsSnapshot } from '../../load/ops/ops.ts';
import { releaseCounts } from '../../load/mes/releases.ts';
import { ROW_STAT_KEYS, rowStage } from '../../transform/shared/health.ts';
import { type Workflow, workflows } from '../ops.ts';
import type { JobRegistry } from '../../jobs/registry.ts';

export const RUN_DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
const LIGHT_VALUE = { green: 0, amber: 1, red: 2 } as const;

interface Loaded {
  ok: boolean;
  snapshot?: MetricsSnapshot;
  workflows?: Workflow[];
  mesReleases?: Array<{ state: string; count: number }>;
}

type Value = { value: number; labels?: Record<string, string | number>; metricName?: string };
type MetricType = 'gauge' | 'counter' | 'histogram';

function dbMetric(name: string, help: string, type: MetricType, pick: (l: Loaded) => Value[], load: () => Promise<Loaded>) {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    async get() {
      const loaded = await load();
      return { name, help, type, aggregator: 'sum', values: pick(loaded) };
    },
  };
  return metric as unknown as client.Metric;
}

export interface MetricsOptions {
  config: Config;
  db: Database;
  logger: Logger;
  registry: JobRegistry;
  approvalWaitHours: number;
}

export function createMetricsRegistry(o: MetricsOptions): client.Registry {
  const registry = new client.Registry();
  let pending: Promise<Loaded> | undefined;
  // one set of queries per scrape, shared by every family
  const load = (): Promise<Loaded> => {
    if (!pending) {
      pending = (async (): Promise<Loaded> => {
        try {
          // one cheap query first: with the database down, a dozen queries would only queue up for connections
          await o.db.knex.raw('select 1');
          const [snapshot, flows, mesReleases] = await Promise.all([
            metricsSnapshot(o.db.knex, o.db.schema, RUN_DURATION_BUCKETS, Object.values(ROW_STAT_KEYS).flat()),
            workflows(o.db, o.registry, o.config, o.approvalWaitHours),
            releaseCounts(o.db.knex),
          ]);
          return { ok: true, snapshot, workflows: flows, mesReleases };
        } catch (err) {
          o.logger.warn('metrics: the database could not be read', { error: (err as Error).message });
          return { ok: false };
        }
      })();
      const done = pending;
      void done.finally(() => setTimeout(() => (pending === done ? (pending = undefined) : undefined), 250));
    }
    return pending;
  };
  const s = (l: Loaded) => l.snapshot;
  const metrics = [
    dbMetric(
      'mfg_etl_database_up',
      'Whether the staging database answered the metric queries (1) or not (0)',
      'gauge',
      (l) => [{ value: l.ok ? 1 : 0 }],
      load,
    ),
    dbMetric(
      'mfg_etl_job_runs',
      'Runs in the history (one per attempt) by job and status',
      'gauge',
      (l) => (s(l)?.runsByStatus ?? []).map((r) => ({ labels: { job: r.job, status: r.status }, value: r.count })),
      load,
    ),
    dbMetric(
      'mfg_etl_job_run_duration_seconds',
      'Duration of finished runs in the history, by job and status',
      'histogram',
      (l) => {
        const out: Value[] = [];
        const groups = new Map<string, { job: string; status: string; count: number; sum: number }>();
        for (const d of s(l)?.durations ?? []) {
          out.push({
            metricName: 'mfg_etl_job_run_duration_seconds_bucket',
            labels: { job: d.job, status: d.status, le: d.le },
            value: d.leCount,
          });
          groups.set(`${d.job}\u0000${d.status}`, { job: d.job, status: d.status, count: d.count, sum: d.sum });
        }
        for (const g of groups.values()) {
          out.push({
            metricName: 'mfg_etl_job_run_duration_seconds_bucket',
            labels: { job: g.job, status: g.status, le: '+Inf' },
            value: g.count,
          });
          out.push({ metricName: 'mfg_etl_job_run_duration_seconds_sum', labels: { job: g.job, status: g.status }, value: g.sum });
          out.push({ metricName: 'mfg_etl_job_run_duration_seconds_count', labels: { job: g.job, status: g.status }, value: g.count });
        }
        return out;
      },
      load,
    ),
    dbMetric(
      'mfg_etl_job_rows_total',
      'Rows read, staged, rejected and loaded by successful runs in the history, by job and stage',
      'counter',
      (l) => {
        const sums = new Map<string, { job: string; stage: string; value: number }>();
        for (const r of s(l)?.rows ?? []) {
          const stage = rowStage(r.key);
          if (!stage) continue;
          const k = `${r.job}\u0000${stage}`;
          const cur = sums.get(k) ?? { job: r.job, stage, value: 0 };
          cur.value += r.total;
          sums.set(k, cur);
        }
        return [...sums.values()].map((v) => ({ labels: { job: v.job, stage: v.stage }, value: v.value }));
      },
      load,
    ),
    dbMetric(
      'mfg_etl_queue_depth',
      'Runs waiting in the job queue (queued or waiting for a retry), by queue',
      'gauge',
      (l) => (s(l)?.queueDepth ?? []).map((q) => ({ labels: { job: q.job }, value: q.count })),
      load,
    ),
    dbMetric(
      'mfg_etl_dead_letters',
      'Runs that failed for good and were not replayed, by job',
      'gauge',
      (l) => (l.workflows ?? []).map((w) => ({ labels: { job: w.facts.job }, value: w.facts.deadLetters })),
      load,
    ),
    dbMetric(
      'mfg_etl_last_success_timestamp_seconds',
      'End of the last successful (non dry-run) run, Unix time, by job',
      'gauge',
      (l) =>
        (l.workflows ?? [])
          .filter((w) => w.facts.lastSuccessAt)
          .map((w) => ({ labels: { job: w.facts.job }, value: w.facts.lastSuccessAt!.getTime() / 1000 })),
      load,
    ),
    dbMetric(
      'mfg_etl_workflow_health',
      'Traffic light of each workflow: 0 green, 1 amber, 2 red',
      'gauge',
      (l) => (l.workflows ?? []).map((w) => ({ labels: { job: w.facts.job }, value: LIGHT_VALUE[w.health.light] })),
      load,
    ),
    dbMetric(
      'mfg_etl_batches',
      'Staged batches by kind and state',
      'gauge',
      (l) => (s(l)?.batches ?? []).map((b) => ({ labels: { kind: b.kind, status: b.status }, value: b.count })),
      load,
    ),
    dbMetric(
      'mfg_etl_checkpoint_failures_total',
      'Checkpoint results that did not pass, by checkpoint and severity',
      'counter',
      (l) => (s(l)?.checkpointFailures ?? []).map((c) => ({ labels: { checkpoint: c.name, severity: c.severity }, value: c.count })),
      load,
    ),
    dbMetric(
      'mfg_etl_alert_incidents_open',
      'Alert incidents open now, by kind',
      'gauge',
      (l) => (s(l)?.openIncidents ?? []).map((i) => ({ labels: { kind: i.kind }, value: i.count })),
      load,
    ),
    dbMetric(
      'mfg_etl_mes_releases',
      'Manufacturing orders released to the MES, by state (released, acknowledged, refused, overdue, cancelled)',
      'gauge',
      (l) => (l.mesReleases ?? []).map((r) => ({ labels: { state: r.state }, value: r.count })),
      load,
    ),
  ];
  for (const m of metrics) registry.registerMetric(m);
  for (const m of processRegistry.getMetricsAsArray()) registry.registerMetric(m as unknown as client.Metric);
  return registry;
}
