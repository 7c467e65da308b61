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
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead';
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

export async function markRunning(db: Db, runId: number, attempt: number, queueJobId: string | null): Promise<void> {
  await db('job_runs')
    .where({ id: runId })
    .update({ status: 'running', attempt, started_at: new Date(), host: os.hostname(), pid: process.pid, queue_job_id: queueJobId });
}

export async function finishRun(
  db: Db,
  runId: number,
  status: 'succeeded' | 'failed' | 'dead',
  stats: RunStats,
  error: RunError | null,
): Promise<void> {
  // an Odoo answer may echo a key ("invalid bearer …"): masked before it is stored, so the run
  // page, dead-letters and every later reader show it masked
  const safeError = error ? redactSecretsDeep(error) : null;
  await db('job_runs')
    .where({ id: runId })
    .update({ status, finished_at: new Date(), stats: JSON.stringify(stats), error: safeError ? JSON.stringify(safeError) : null });
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
  const q = db('job_runs').whereIn('status', ['succeeded', 'failed', 'dead']).where('finished_at', '<', cutoff);
  if (dryRun) {
    const [{ count }] = (await q.clone().count({ count: '*' })) as [{ count: string | number }];
    return Number(count);
  }
  await db('schedule_slots').where('slot_at', '<', cutoff).delete();
  return q.delete();
}
