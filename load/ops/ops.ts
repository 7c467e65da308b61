/**
 * Operations reads and writes: the facts behind the status page, metrics and alerts (set-based
 * SQL in sql/ops/), alert incident state, and a run's stored log lines.
 */
import type { Knex } from 'knex';
import { redactSecrets, redactSecretsDeep } from '../../core/redact.ts';
import { pgQuery, runSql, sqlText } from '../../core/sql.ts';
import type {
  AlertCondition,
  AlertFacts,
  AlertKind,
  MesReleaseFact,
  ReconciliationFact,
  RunFact,
  WorkflowFacts,
} from '../../transform/shared/health.ts';
import { type JobRun, listRuns, type RunStatus } from './runs.ts';

type Db = Knex | Knex.Transaction;

const num = (v: unknown): number => Number(v ?? 0);
const date = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));

interface FactRow {
  job: string;
  last_success_at: Date | null;
  running: number;
  queued: number;
  /** null when the job has only dry runs */
  last_id: number | null;
  last_status: string | null;
  last_at: Date | null;
  last_error: string | null;
  finished_id: number | null;
  finished_status: string | null;
  finished_at: Date | null;
  finished_error: string | null;
  finished_error_class: string | null;
  dead_letters: number;
  dead_id: number | null;
  dead_at: Date | null;
  dead_error: string | null;
}

const withClass = (f: RunFact | null, errorClass: string | null): RunFact | null => (f && errorClass ? { ...f, errorClass } : f);

export interface JobExpectation {
  job: string;
  expectedEveryMinutes: number | null;
}

export async function installedAt(db: Db): Promise<Date> {
  const [row] = await runSql<{ installed_at: Date | null }>(db, 'ops/installed_at');
  return date(row?.installed_at) ?? new Date();
}

/** Facts of each job in `jobs` (registry order), runs or not. */
export async function workflowFacts(db: Db, jobs: readonly JobExpectation[]): Promise<WorkflowFacts[]> {
  const [rows, approvals, since] = await Promise.all([
    runSql<FactRow>(db, 'ops/workflow_facts'),
    runSql<{ job: string; pending: number; oldest: Date | null }>(db, 'ops/pending_approvals'),
    installedAt(db),
  ]);
  const byJob = new Map(rows.map((r) => [r.job, r]));
  const pending = new Map(approvals.map((a) => [a.job, a]));
  return jobs.map(({ job, expectedEveryMinutes }) => {
    const r = byJob.get(job);
    const fact = (
      id: number | null | undefined,
      status: string | null | undefined,
      at: unknown,
      error: string | null | undefined,
    ): RunFact | null => (id ? { id: num(id), status: status ?? '', at: date(at), error: error ?? null } : null);
    const p = pending.get(job);
    return {
      job,
      expectedEveryMinutes,
      lastRun: r ? fact(r.last_id, r.last_status, r.last_at, r.last_error) : null,
      lastFinished: r ? withClass(fact(r.finished_id, r.finished_status, r.finished_at, r.finished_error), r.finished_error_class) : null,
      lastSuccessAt: date(r?.last_success_at),
      running: num(r?.running),
      queued: num(r?.queued),
      deadLetters: num(r?.dead_letters),
      lastDead: r ? fact(r.dead_id, 'dead', r.dead_at, r.dead_error) : null,
      pendingApprovals: num(p?.pending),
      oldestApprovalSince: date(p?.oldest),
      since,
    };
  });
}

export async function alertFacts(db: Db, jobs: readonly JobExpectation[]): Promise<AlertFacts> {
  const [workflows, dead, waiting, impact, releases] = await Promise.all([
    workflowFacts(db, jobs),
    runSql<{ id: number; job: string; finished_at: Date | null; error: string | null }>(db, 'ops/dead_runs'),
    runSql<{ id: number; kind: string; scope: string; version: string; since: Date }>(db, 'ops/waiting_batches'),
    reconciliationFacts(db),
    mesReleaseFacts(db),
  ]);
  return {
    workflows,
    deadRuns: dead.map((d) => ({ id: num(d.id), job: d.job, finishedAt: date(d.finished_at), error: d.error })),
    waitingBatches: waiting.map((b) => ({ id: num(b.id), kind: b.kind, scope: b.scope, version: b.version, since: date(b.since)! })),
    reconciliations: impact,
    mesReleases: releases,
  };
}

/** MES releases waiting for an answer, refused or overdue (sql/mes/release_alert_facts.sql). */
export async function mesReleaseFacts(db: Db): Promise<MesReleaseFact[]> {
  const rows = await runSql<{
    mo_name: string;
    product_code: string;
    state: MesReleaseFact['state'];
    last_verb: string;
    last_message_id: string;
    released_at: Date;
    answer: string | null;
  }>(db, 'mes/release_alert_facts');
  return rows.map((r) => ({
    mo: r.mo_name,
    productCode: r.product_code,
    state: r.state,
    verb: r.last_verb,
    messageId: r.last_message_id,
    releasedAt: date(r.released_at)!,
    answer: r.answer,
  }));
}

/** Latest finished inventory reconciliation per warehouse and kind; none before inventory reconciliation is installed. */
async function reconciliationFacts(db: Db): Promise<ReconciliationFact[]> {
  const { rows } = await pgQuery<{ present: string | null }>(db, "select to_regclass('inventory_reconciliations') as present");
  if (!rows[0]?.present) return [];
  const found = await runSql<{
    id: number;
    warehouse_code: string;
    kind: string;
    finished_at: Date | null;
    value_impact: number;
    currency: string | null;
  }>(db, 'ops/reconciliation_impact');
  return found.map((r) => ({
    id: num(r.id),
    warehouse: r.warehouse_code,
    kind: r.kind,
    finishedAt: date(r.finished_at),
    valueImpact: Number(r.value_impact),
    currency: r.currency,
  }));
}

// ---- metrics ------------------------------------------------------------------------------------

export interface MetricsSnapshot {
  runsByStatus: { job: string; status: string; count: number }[];
  durations: { job: string; status: string; le: number; leCount: number; count: number; sum: number }[];
  rows: { job: string; key: string; total: number }[];
  batches: { kind: string; status: string; count: number }[];
  checkpointFailures: { name: string; severity: string; count: number }[];
  queueDepth: { job: string; count: number }[];
  openIncidents: { kind: string; count: number }[];
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Runs waiting in the pg-boss queues; none when the queue schema is not installed yet. */
export async function queueDepth(db: Db, schema: string): Promise<{ job: string; count: number }[]> {
  const queueSchema = `${schema}_queue`;
  const { rows } = await pgQuery<{ present: string | null }>(db, 'select to_regclass($1) as present', [`${quoteIdent(queueSchema)}.job`]);
  if (!rows[0]?.present) return [];
  const text = sqlText('ops/queue_depth').replaceAll(':queue_schema', quoteIdent(queueSchema));
  return (await pgQuery<{ job: string; count: number }>(db, text)).rows.map((r) => ({ job: r.job, count: num(r.count) }));
}

export async function metricsSnapshot(
  db: Db,
  schema: string,
  buckets: readonly number[],
  rowKeys: readonly string[],
): Promise<MetricsSnapshot> {
  const [runsByStatus, durations, rows, batches, checkpointFailures, depth, incidents] = await Promise.all([
    runSql<{ job: string; status: string; count: number }>(db, 'ops/runs_by_status'),
    runSql<{ job: string; status: string; le: number; le_count: number; count: number; sum: number }>(db, 'ops/run_durations', [buckets]),
    runSql<{ job: string; key: string; total: number }>(db, 'ops/run_rows', [rowKeys]),
    runSql<{ kind: string; status: string; count: number }>(db, 'ops/batches_by_state'),
    runSql<{ name: string; severity: string; count: number }>(db, 'ops/checkpoint_failures'),
    queueDepth(db, schema),
    runSql<{ kind: string; count: number }>(db, 'ops/open_incidents'),
  ]);
  return {
    runsByStatus: runsByStatus.map((r) => ({ ...r, count: num(r.count) })),
    durations: durations.map((d) => ({
      job: d.job,
      status: d.status,
      le: Number(d.le),
      leCount: num(d.le_count),
      count: num(d.count),
      sum: Number(d.sum),
    })),
    rows: rows.map((r) => ({ job: r.job, key: r.key, total: Number(r.total) })),
    batches: batches.map((b) => ({ ...b, count: num(b.count) })),
    checkpointFailures: checkpointFailures.map((c) => ({ ...c, count: num(c.count) })),
    queueDepth: depth,
    openIncidents: incidents.map((i) => ({ ...i, count: num(i.count) })),
  };
}

// ---- alert incidents ----------------------------------------------------------------------------

export interface Incident {
  id: number;
  key: string;
  kind: AlertKind;
  subject: string;
  message: string;
  details: Record<string, unknown>;
  openedAt: Date;
  resolvedAt: Date | null;
  resolution: string | null;
  notifiedAt: Date | null;
  recoveryNotifiedAt: Date | null;
  attempts: number;
  lastError: string | null;
}

interface IncidentRow {
  id: number;
  key: string;
  kind: AlertKind;
  subject: string;
  message: string;
  details: Record<string, unknown>;
  opened_at: Date;
  resolved_at: Date | null;
  resolution: string | null;
  notified_at: Date | null;
  recovery_notified_at: Date | null;
  attempts: number;
  last_error: string | null;
}

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    key: r.key,
    kind: r.kind,
    subject: r.subject,
    message: r.message,
    details: r.details,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
    notifiedAt: r.notified_at,
    recoveryNotifiedAt: r.recovery_notified_at,
    attempts: r.attempts,
    lastError: r.last_error,
  };
}

export async function listOpenIncidents(db: Db): Promise<Incident[]> {
  return ((await db('alert_incidents').whereNull('resolved_at').orderBy('id')) as IncidentRow[]).map(toIncident);
}

export async function listIncidents(db: Db, limit = 50): Promise<Incident[]> {
  return ((await db('alert_incidents').orderBy('id', 'desc').limit(limit)) as IncidentRow[]).map(toIncident);
}

/** Opens an incident for the condition unless one is open for its key; the new one, or undefined. */
export async function openIncident(db: Db, c: AlertCondition, now: Date): Promise<Incident | undefined> {
  const rows = (await db('alert_incidents')
    .insert({
      key: c.key,
      kind: c.kind,
      subject: c.subject,
      message: redactSecrets(c.message),
      details: JSON.stringify(redactSecretsDeep(c.details)),
      opened_at: now,
    })
    .onConflict(db.raw('(key) where resolved_at is null'))
    .ignore()
    .returning('*')) as IncidentRow[];
  return rows[0] ? toIncident(rows[0]) : undefined;
}

export async function resolveIncident(db: Db, id: number, resolution: string, now: Date): Promise<Incident | undefined> {
  const rows = (await db('alert_incidents')
    .where({ id })
    .whereNull('resolved_at')
    .update({ resolved_at: now, resolution: redactSecrets(resolution) })
    .returning('*')) as IncidentRow[];
  return rows[0] ? toIncident(rows[0]) : undefined;
}

/** Incidents with a message still to send: the alert of an open one, or the recovery of a resolved one whose alert went out. */
export async function pendingNotifications(db: Db): Promise<Incident[]> {
  const rows = (await db('alert_incidents')
    // knex calls these grouping callbacks for their side effect; the builder they return is not awaited (nor meant to be)
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    .where((q) => q.whereNull('notified_at').whereNull('resolved_at'))
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    .orWhere((q) => q.whereNotNull('notified_at').whereNotNull('resolved_at').whereNull('recovery_notified_at'))
    .orderBy('id')) as IncidentRow[];
  return rows.map(toIncident);
}

export async function markNotified(db: Db, id: number, which: 'alert' | 'recovery', now: Date): Promise<void> {
  await db('alert_incidents')
    .where({ id })
    .update(which === 'alert' ? { notified_at: now, last_error: null } : { recovery_notified_at: now, last_error: null });
}

export async function markDeliveryFailed(db: Db, id: number, error: string): Promise<void> {
  await db('alert_incidents')
    .where({ id })
    .update({ attempts: db.raw('attempts + 1'), last_error: redactSecrets(error).slice(0, 1000) });
}

// ---- status page reads --------------------------------------------------------------------------

/** Runs newest first, optionally by job and status, older than run `before` (paging). */
export async function listRunsPage(db: Db, filter: { job?: string; status?: string; before?: number; limit: number }): Promise<JobRun[]> {
  const runs = await listRuns(db, {
    job: filter.job,
    status: filter.status as RunStatus | undefined,
    limit: filter.limit,
    before: filter.before,
  });
  return runs;
}

export interface LogLine {
  id: number;
  at: Date;
  level: string;
  message: string;
  meta: Record<string, unknown>;
}

export async function runLogLines(db: Db, runId: number, limit = 2000): Promise<LogLine[]> {
  return (await db('run_logs')
    .where({ run_id: runId })
    .orderBy('id')
    .limit(limit)
    .select('id', 'at', 'level', 'message', 'meta')) as LogLine[];
}

/**
 * The newest progress line of a run (the runner logs `progress: <step>` with done, total and
 * perSecond every few seconds per step), read apart from the page's log lines, which stop at a limit.
 */
export async function latestProgressLine(db: Db, runId: number): Promise<LogLine | undefined> {
  return (await db('run_logs')
    .where({ run_id: runId })
    .whereLike('message', 'progress: %')
    .orderBy('id', 'desc')
    .first('id', 'at', 'level', 'message', 'meta')) as LogLine | undefined;
}

export interface RowErrorLine {
  ref: string;
  col: string;
  value: string;
  message: string;
}

export async function batchRowErrors(db: Db, batchId: number, limit = 500): Promise<RowErrorLine[]> {
  return (await db('batch_row_errors')
    .where({ batch_id: batchId })
    .orderBy('seq')
    .limit(limit)
    .select('ref', 'col', 'value', 'message')) as RowErrorLine[];
}

export async function loadRowErrors(
  db: Db,
  batchId: number,
  limit = 500,
): Promise<{ runId: number | null; model: string; ref: string; message: string }[]> {
  try {
    const rows = await db('load_row_errors')
      .where({ batch_id: batchId })
      .orderBy('id', 'desc')
      .limit(limit)
      .select('run_id', 'odoo_model', 'ref', 'message');
    return rows.map((r: { run_id: number | null; odoo_model: string; ref: string; message: string }) => ({
      runId: r.run_id,
      model: r.odoo_model,
      ref: r.ref,
      message: r.message,
    }));
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  }
}

export async function batchAudit(
  db: Db,
  batchId: number,
): Promise<{ at: Date; actor: string; action: string; details: Record<string, unknown> }[]> {
  return db('audit_events')
    .where({ entity: 'batch', entity_id: String(batchId) })
    .orderBy('id')
    .select('at', 'actor', 'action', 'details');
}

export async function checkpointsOf(
  db: Db,
  batchIds: readonly number[],
): Promise<Map<number, { name: string; severity: string; passed: boolean; measured: Record<string, unknown>; message: string }[]>> {
  const out = new Map<number, { name: string; severity: string; passed: boolean; measured: Record<string, unknown>; message: string }[]>();
  if (batchIds.length === 0) return out;
  const rows = await db('checkpoint_results')
    .whereIn('batch_id', batchIds)
    .orderBy('id')
    .select('batch_id', 'name', 'severity', 'passed', 'measured', 'message');
  for (const r of rows) {
    const list = out.get(r.batch_id) ?? [];
    list.push({ name: r.name, severity: r.severity, passed: r.passed, measured: r.measured, message: r.message });
    out.set(r.batch_id, list);
  }
  return out;
}
