/**
 * In-process metrics (prom-client): what only the process doing the work can measure, such as
 * the latency of each Odoo call and OPC UA read. Everything that lives in the database (runs,
 * batches, checkpoints, dead letters, queue depth) is read from it at scrape time instead
 * (jobs/http/metrics.ts), so every process shows the same numbers.
 * Recorders never throw: a metrics problem must not fail a call.
 */
import client from 'prom-client';

export const processRegistry = new client.Registry();
client.collectDefaultMetrics({ register: processRegistry, prefix: 'mfg_etl_' });

const odooCallSeconds = new client.Histogram({
  name: 'mfg_etl_odoo_call_duration_seconds',
  help: 'Odoo RPC calls (each attempt), by model, method and outcome',
  labelNames: ['model', 'method', 'outcome'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [processRegistry],
});

const odooFaults = new client.Counter({
  name: 'mfg_etl_odoo_faults_total',
  help: 'Odoo calls that failed, by error class (OdooTransientError, OdooValidationError, OdooAccessError…)',
  labelNames: ['class'] as const,
  registers: [processRegistry],
});

const opcuaReadSeconds = new client.Histogram({
  name: 'mfg_etl_opcua_read_duration_seconds',
  help: 'OPC UA HistoryRead requests (each continuation included), by outcome',
  labelNames: ['outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [processRegistry],
});

const opcuaSamples = new client.Counter({
  name: 'mfg_etl_opcua_samples_read_total',
  help: 'OPC UA samples read, by quality (good samples are used, bad ones excluded and counted)',
  labelNames: ['quality'] as const,
  registers: [processRegistry],
});

export interface OdooCallEvent {
  model?: string;
  method: string;
  /** how long the attempt took */
  ms: number;
  /** what it threw, if it failed */
  error?: unknown;
}

function errorClass(err: unknown): string {
  if (err instanceof Error) return err.constructor?.name || err.name || 'Error';
  return typeof err;
}

/** Observer for OdooClient (load/odoo/client.ts): one event per RPC attempt. */
export function recordOdooCall(event: OdooCallEvent): void {
  try {
    const outcome = event.error === undefined ? 'ok' : 'error';
    odooCallSeconds.observe({ model: event.model ?? '', method: event.method, outcome }, event.ms / 1000);
    if (event.error !== undefined) odooFaults.inc({ class: errorClass(event.error) });
  } catch {
    // never let metrics break a call
  }
}

/** For the historian extract: one HistoryRead request and what it returned. */
export function recordOpcuaRead(event: { ms: number; good?: number; bad?: number; error?: unknown }): void {
  try {
    opcuaReadSeconds.observe({ outcome: event.error === undefined ? 'ok' : 'error' }, event.ms / 1000);
    if (event.good) opcuaSamples.inc({ quality: 'good' }, event.good);
    if (event.bad) opcuaSamples.inc({ quality: 'bad' }, event.bad);
  } catch {
    // never let metrics break a read
  }
}
