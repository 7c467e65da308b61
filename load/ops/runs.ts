/**
 * Job run history (job_runs). One row per attempt: a retry is a new row with trigger `retry`
 * and the next attempt number, so the history shows every failure with its own error.
 */
import os from 'node:os';
import type { Knex } from 'knex';
import { NotFoundError } from '../../core/errors.ts';
import { redactSecretsDeep } from '../../core/redact.ts';
import { runSql } from '../../core/sql.ts';

export type RunTrigger = 'schedule' | 'manual' | 'retry' | 'replay';
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled';
export type RunStats = Record<string, unknown>;

export interface RunError {
  message: string;
  class: string;
  stack?: string;
  context?: Record<string, unknown>;
}

export interface JobRun {
  id: number;
  job: string;
  trigger: RunTrigger;
  params: Record<string, unknown>;
  status: RunStatus;
  attempt: number;
  queueJobId: string | null;
  slotAt: Date | null;
  replayOf: number | null;
  replayedBy: number | null;
  dryRun: boolean;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  stats: RunStats;
  error: RunError | null;
  host: string | null;
  pid: number | null;
  /** last sign of life of a running run (every MFG_ETL_HEARTBEAT_SECONDS) */
  heartbeatAt: Date | null;
}

interface RunRow {
  id: number;
  job: string;
  trigger: RunTrigger;
  params: Record<string, unknown>;
  status: RunStatus;
  attempt: number;
  queue_job_id: string | null;
  slot_at: Date | null;
  replay_of: number | null;
  replayed_by: number | null;
  dry_run: boolean;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  stats: RunStats;
  error: RunError | null;
  host: string | null;
  pid: number | null;
  heartbeat_at: Date | null;
}

function toRun(r: RunRow): JobRun {
  return {
    id: r.id,
    job: r.job,
    trigger: r.trigger,
    params: r.params,
    status: r.status,
    attempt: r.attempt,
    queueJobId: r.queue_job_id,
    slotAt: r.slot_at,
    replayOf: r.replay_of,
    replayedBy: r.replayed_by,
    dryRun: r.dry_run,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    stats: r.stats,
    error: r.error,
    host: r.host,
    pid: r.pid,
    heartbeatAt: r.heartbeat_at ?? null,
  };
}

type Db = Knex | Knex.Transaction;

export interface NewRun {
  job: string;
  trigger: RunTrigger;
  params?: Record<string, unknown>;
  dryRun?: boolean;
  attempt?: number;
  slotAt?: Date;
  replayOf?: number;
  status?: RunStatus;
}

export async function createRun(db: Db, run: NewRun): Promise<JobRun> {
  const [row] = await db('job_runs')
    .insert({
      job: run.job,
      trigger: run.trigger,
      params: JSON.stringify(run.params ?? {}),
      dry_run: run.dryRun ?? false,
      attempt: run.attempt ?? 1,
      slot_at: run.slotAt ?? null,
      replay_of: run.replayOf ?? null,
      status: run.status ?? 'queued',
    })
    .returning('*');
  return toRun(row as RunRow);
}

export async function setQueueJobId(db: Db, runId: number, queueJobId: string): Promise<void> {
  await db('job_runs').where({ id: runId }).update({ queue_job_id: queueJobId });
}

/** Starts a queued run; false when it is no longer queued (cancelled meanwhile). */
export async function markRunning(db: Db, runId: number, attempt: number, queueJobId: string | null): Promise<boolean> {
  const n = await db('job_runs').where({ id: runId, status: 'queued' }).update({
    status: 'running',
    attempt,
    started_at: new Date(),
    heartbeat_at: db.fn.now(),
    host: os.hostname(),
    pid: process.pid,
    queue_job_id: queueJobId,
  });
  return n === 1;
}

/** The running run's heartbeat; false when it is no longer running (taken over meanwhile). */
export async function beat(db: Db, runId: number): Promise<boolean> {
  const n = await db('job_runs').where({ id: runId, status: 'running' }).update({ heartbeat_at: db.fn.now() });
  return n === 1;
}

/**
 * Records how a run ended. Only a queued or running run changes: a run taken over meanwhile (its
 * heartbeat was late) keeps what the taker wrote; false then.
 */
export async function finishRun(
  db: Db,
  runId: number,
  status: 'succeeded' | 'failed' | 'dead' | 'cancelled',
  stats: RunStats,
  error: RunError | null,
): Promise<boolean> {
  // an Odoo answer may echo a key ("invalid bearer …"): masked before it is stored, so the run
  // page, dead-letters and every later reader show it masked
  const safeError = error ? redactSecretsDeep(error) : null;
  const n = await db('job_runs')
    .where({ id: runId })
    .whereIn('status', ['queued', 'running'])
    .update({ status, finished_at: new Date(), stats: JSON.stringify(stats), error: safeError ? JSON.stringify(safeError) : null });
  return n === 1;
}

/** The run of `job` running now (the one a queued run of the job waits for), if any. */
export async function runningRunOf(db: Db, job: string): Promise<JobRun | undefined> {
  const row = await db('job_runs').where({ job, status: 'running' }).orderBy('id', 'desc').first();
  return row ? toRun(row as RunRow) : undefined;
}

export interface AbandonedRun {
  id: number;
  job: string;
  queueJobId: string | null;
  host: string | null;
  pid: number | null;
  heartbeatAt: Date | null;
  /** a queued run of the same job is waiting (it replaces the abandoned one) */
  waiting: boolean;
}

/**
 * Marks `failed` the running runs of `jobs` whose heartbeat is older than `staleSeconds` (their
 * worker died), in one statement so two takers never take the same run; returns them.
 */
export async function takeOverStaleRuns(db: Db, jobs: readonly string[], staleSeconds: number): Promise<AbandonedRun[]> {
  if (jobs.length === 0) return [];
  const rows = await runSql<{
    id: string;
    job: string;
    queue_job_id: string | null;
    host: string | null;
    pid: number | null;
    heartbeat_at: Date | null;
    waiting: boolean;
  }>(db, 'ops/take_over_stale_runs', [jobs, staleSeconds]);
  return rows.map((r) => ({
    id: Number(r.id),
    job: r.job,
    queueJobId: r.queue_job_id,
    host: r.host,
    pid: r.pid,
    heartbeatAt: r.heartbeat_at,
    waiting: r.waiting,
  }));
}

/** Marks a queued run cancelled (the operator interrupted the `run` waiting for it); false if it started meanwhile. */
export async function cancelQueuedRun(db: Db, runId: number, reason: string): Promise<boolean> {
  const n = await db('job_runs')
    .where({ id: runId, status: 'queued' })
    .update({ status: 'cancelled', finished_at: new Date(), error: JSON.stringify({ message: reason, class: 'CancelledError' }) });
  return n === 1;
}

export async function findRun(db: Db, id: number): Promise<JobRun | undefined> {
  const row = await db('job_runs').where({ id }).first();
  return row ? toRun(row as RunRow) : undefined;
}

export async function getRun(db: Db, id: number): Promise<JobRun> {
  const run = await findRun(db, id);
  if (!run) throw new NotFoundError(`run ${id} does not exist; list runs with: mfg-etl history`, { context: { runId: id } });
  return run;
}

/** The newest attempt of the run chain carried by one queue job. */
export async function findRunByQueueJob(db: Db, queueJobId: string): Promise<JobRun | undefined> {
  const row = await db('job_runs').where({ queue_job_id: queueJobId }).orderBy('id', 'desc').first();
  return row ? toRun(row as RunRow) : undefined;
}

export async function listRuns(
  db: Db,
  filter: { job?: string; status?: RunStatus; limit?: number; before?: number } = {},
): Promise<JobRun[]> {
  const q = db('job_runs')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 20);
  if (filter.job) q.where('job', filter.job);
  if (filter.status) q.where('status', filter.status);
  // paging: runs older than this id
  if (filter.before) q.where('id', '<', filter.before);
  return ((await q) as RunRow[]).map(toRun);
}

export interface LoadFailedBatch {
  id: number;
  kind: string;
  scope: string;
  version: string;
  reason: string | null;
}

/** Batches this run started loading that ended load_failed. */
export async function loadFailedBatches(db: Db, runId: number): Promise<LoadFailedBatch[]> {
  const rows = await runSql<LoadFailedBatch>(db, 'ops/run_load_failures', [runId]);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** Batches of `kind` staged by the run chain of `runId` (every attempt carried by the same queue job). */
export async function batchesOfRunChain(db: Db, runId: number, kind: string): Promise<{ id: number; scope: string; status: string }[]> {
  const run = (await db('job_runs').where({ id: runId }).first('queue_job_id')) as { queue_job_id: string | null } | undefined;
  const runs = run?.queue_job_id ? db('job_runs').where({ queue_job_id: run.queue_job_id }).select('id') : [runId];
  const rows = (await db('batches').where({ kind }).whereIn('run_id', runs).orderBy('id').select('id', 'scope', 'status')) as {
    id: number;
    scope: string;
    status: string;
  }[];
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** Runs that failed for good and have not been replayed yet (a dry run never is one). */
export async function listDeadLetters(db: Db): Promise<JobRun[]> {
  const rows = await db('job_runs').where({ status: 'dead', dry_run: false }).whereNull('replayed_by').orderBy('id', 'desc');
  return (rows as RunRow[]).map(toRun);
}

export async function markReplayed(db: Db, deadRunId: number, replayRunId: number): Promise<void> {
  await db('job_runs').where({ id: deadRunId }).update({ replayed_by: replayRunId });
}

/** Last finished run of each job, for `mfg-etl jobs`. */
export async function lastRunByJob(db: Db): Promise<Map<string, JobRun>> {
  const rows = (await db('job_runs')
    .distinctOn('job')
    .orderBy([{ column: 'job' }, { column: 'id', order: 'desc' }])) as RunRow[];
  return new Map(rows.map((r) => [r.job, toRun(r)]));
}

/** Claims a cron slot; true for exactly one scheduler per (job, slot). */
export async function claimScheduleSlot(db: Db, job: string, slotAt: Date): Promise<boolean> {
  const inserted = await db('schedule_slots').insert({ job, slot_at: slotAt }).onConflict(['job', 'slot_at']).ignore().returning('job');
  return inserted.length === 1;
}

export async function linkScheduleSlot(db: Db, job: string, slotAt: Date, runId: number): Promise<void> {
  await db('schedule_slots').where({ job, slot_at: slotAt }).update({ run_id: runId });
}

/** Deletes finished runs older than the cutoff (never queued/running ones). */
export async function deleteRunsBefore(db: Db, cutoff: Date, dryRun: boolean): Promise<number> {
  const q = db('job_runs').whereIn('status', ['succeeded', 'failed', 'dead', 'cancelled']).where('finished_at', '<', cutoff);
  if (dryRun) {
    const [{ count }] = (await q.clone().count({ count: '*' })) as [{ count: string | number }];
    return Number(count);
  }
  await db('schedule_slots').where('slot_at', '<', cutoff).delete();
  return q.delete();
}
