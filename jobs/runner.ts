/**
 * The runner: every run, scheduled, manual, retried or replayed, goes through here.
 * pg-boss decides who runs it and how it is retried: one queue per job with the `singleton`
 * policy (never two active at once, across processes and machines), retries with exponential
 * backoff, and a dead-letter queue. job_runs keeps the history, one row per attempt.
 *
 * A running run sends a heartbeat (job_runs.heartbeat_at, every `heartbeatSeconds`). A run silent
 * for four periods lost its worker (SIGKILL, power cut): any runner working that job takes it over
 * (marks it failed and frees its queue job) instead of the job staying blocked until the queue's
 * expiry (`runTimeoutMinutes`, fixed when the run was queued).
 */
import os from 'node:os';
import PgBoss from 'pg-boss';
import type { Knex } from 'knex';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import { bossDb } from '../core/boss-db.ts';
import { withSessionLock } from '../core/locks.ts';
import { DataValidationError, describeError, InterruptedError, isPermanent, LoadFailedError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import {
  beat,
  cancelQueuedRun,
  createRun,
  findRunByQueueJob,
  finishRun,
  getRun,
  type JobRun,
  type LoadFailedBatch,
  loadFailedBatches,
  markReplayed,
  markRunning,
  type RunStats,
  type RunTrigger,
  runningRunOf,
  setQueueJobId,
  takeOverStaleRuns,
} from '../load/ops/runs.ts';
import { waitingNotice } from '../transform/shared/health.ts';
import type { JobDefinition } from './job.ts';
import { findJob, type JobRegistry } from './registry.ts';

export const DEAD_LETTER_QUEUE = 'dead-letters';

interface QueuedRun {
  runId: number;
  job: string;
  params: Record<string, unknown>;
  dryRun: boolean;
}

export interface EnqueueOptions {
  trigger: RunTrigger;
  dryRun?: boolean;
  slotAt?: Date;
  replayOf?: number;
  /** enqueue inside this transaction (the scheduler claims its slot in the same one) */
  trx?: Knex.Transaction;
}

export interface RunnerOptions {
  config: Config;
  db: Database;
  logger: Logger;
  registry: JobRegistry;
  progress?: (message: string, done?: number, total?: number) => void;
  /** one-line notices for the person waiting (what a run waits for, a run taken over); CLI stderr */
  notice?: (line: string) => void;
}

const TERMINAL = new Set(['succeeded', 'dead', 'cancelled']);
/** heartbeats a run may miss before it counts as abandoned */
const MISSED_BEATS = 4;

/** seconds between two progress lines of one step in a run's log (first and last always logged) */
const PROGRESS_LOG_SECONDS = 10;

type Progress = (message: string, done?: number, total?: number) => void;

/**
 * A run's progress goes to the terminal (when one watches) and, every few seconds per step, to the
 * run's log lines (the status page's run page and the worker's log): step, counts, total and rate.
 */
function progressFor(logger: Logger, terminal: Progress | undefined): Progress {
  const steps = new Map<string, { started: number; logged: number }>();
  return (message, done, total) => {
    terminal?.(message, done, total);
    const now = Date.now();
    let step = steps.get(message);
    const first = !step;
    if (!step) steps.set(message, (step = { started: now, logged: 0 }));
    const finished = done !== undefined && total !== undefined && done >= total;
    if (!first && !finished && now - step.logged < PROGRESS_LOG_SECONDS * 1000) return;
    step.logged = now;
    const seconds = (now - step.started) / 1000;
    const perSecond = done !== undefined && seconds >= 1 ? Math.round(done / seconds) : undefined;
    logger.info(`progress: ${message}`, { done, total, perSecond });
  };
}

/** The wait before retry n (1-based) as pg-boss computes it with backoff: between base and twice base seconds. */
export function retryWait(retryDelaySeconds: number, backoff: boolean, retry: number): { min: number; max: number } {
  if (!backoff) return { min: retryDelaySeconds, max: retryDelaySeconds };
  const base = retryDelaySeconds * 2 ** Math.min(16, retry - 1);
  return { min: base, max: 2 * base };
}

interface ActiveRun {
  controller: AbortController;
  queueJobId: string;
}

export class Runner {
  private readonly boss: PgBoss;
  private readonly active = new Map<number, ActiveRun>();
  private readonly workers: string[] = [];
  /** queue jobs of the runs this runner was asked to run and wait for (runNow): an interrupt cancels them */
  private readonly owned = new Map<string, string>();
  private supervisor: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;
  private cancelling = false;

  constructor(private readonly o: RunnerOptions) {
    this.boss = new PgBoss({
      db: bossDb(o.db.knex),
      schema: `${o.db.schema}_queue`,
      schedule: false, // node-cron decides when; pg-boss only queues and retries
      supervise: true,
    });
    this.boss.on('error', (err: Error) => o.logger.error('queue error', { error: err.message }));
  }

  async start(): Promise<void> {
    if (this.started) return;
    // pg-boss installs its schema and queues with plain CREATEs: one process at a time
    await withSessionLock(this.o.db.knex, `mfg-etl queue start ${this.o.db.schema}`, async () => {
      await this.boss.start();
      await this.boss.createQueue(DEAD_LETTER_QUEUE);
      for (const job of this.o.registry.values()) {
        const options = this.queueOptions(job);
        await this.boss.createQueue(job.name, options);
        await this.boss.updateQueue(job.name, options);
      }
    });
    this.started = true;
  }

  private queueOptions(job: JobDefinition): PgBoss.Queue {
    const settings = this.o.config.jobs[job.name] ?? {};
    return {
      name: job.name,
      policy: 'singleton',
      retryLimit: settings.retryLimit ?? job.retryLimit ?? this.o.config.retryLimit,
      retryDelay: settings.retryDelaySeconds ?? this.o.config.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.o.config.runTimeoutMinutes * 60,
      deadLetter: DEAD_LETTER_QUEUE,
    };
  }

  /** Parameters for a run: the config file's `jobs.<name>.params` overlaid by the caller's. */
  private params(job: JobDefinition, params: Record<string, unknown>): Record<string, unknown> {
    return { ...(this.o.config.jobs[job.name]?.params ?? {}), ...params };
  }

  /** Records a queued run and hands it to the workers. */
  async enqueue(jobName: string, params: Record<string, unknown>, options: EnqueueOptions): Promise<JobRun> {
    const job = findJob(this.o.registry, jobName);
    const merged = this.params(job, params);
    // refuse bad parameters now rather than in a worker: the caller is still there to read it
    const checked = checkParams(job, merged, this.o.config);
    const dryRun = options.dryRun === true || job.dryRunWith?.(checked) === true;
    const work = async (trx: Knex.Transaction): Promise<JobRun> => {
      const run = await createRun(trx, {
        job: job.name,
        trigger: options.trigger,
        params: merged,
        dryRun,
        slotAt: options.slotAt,
        replayOf: options.replayOf,
      });
      const data: QueuedRun = { runId: run.id, job: job.name, params: merged, dryRun };
      const queueJobId = await this.boss.send(job.name, data as unknown as object, { db: bossDb(trx) });
      if (!queueJobId) throw new Error(`queue refused run ${run.id} of ${job.name}`);
      await setQueueJobId(trx, run.id, queueJobId);
      return { ...run, queueJobId };
    };
    return options.trx ? work(options.trx) : this.o.db.knex.transaction(work);
  }

  /** Seconds without a heartbeat after which a running run counts as abandoned. */
  get staleSeconds(): number {
    return this.o.config.heartbeatSeconds * MISSED_BEATS;
  }

  /**
   * Takes over the runs of these jobs whose worker stopped sending heartbeats: marked failed, and
   * their queue job cancelled when a queued run of the job replaces it, else failed so the queue
   * retries it. Returns how many it took over.
   */
  async takeOverAbandoned(jobNames: readonly string[] = this.workers): Promise<number> {
    const taken = await takeOverStaleRuns(this.o.db.knex, jobNames, this.staleSeconds);
    for (const t of taken) {
      if (t.queueJobId) {
        if (t.waiting) await this.boss.cancel(t.job, t.queueJobId);
        else await this.boss.fail(t.job, t.queueJobId, { message: `run ${t.id} abandoned: its worker stopped sending heartbeats` });
      }
      const since = t.heartbeatAt
        ? t.heartbeatAt
            .toISOString()
            .replace('T', ' ')
            .replace(/\.\d+Z$/, 'Z')
        : 'its start';
      this.o.logger.warn('run taken over: its worker stopped sending heartbeats', {
        runId: t.id,
        job: t.job,
        host: t.host,
        pid: t.pid,
        heartbeatAt: t.heartbeatAt,
        replacedByQueuedRun: t.waiting,
      });
      this.o.notice?.(`run ${t.id} of ${t.job} taken over: no heartbeat since ${since} from ${t.host ?? '?'}/${t.pid ?? '?'}`);
    }
    return taken.length;
  }

  private superviseAbandoned(): void {
    if (this.supervisor) return;
    const check = () => {
      if (this.stopping) return;
      this.takeOverAbandoned().catch((err: unknown) => this.o.logger.warn('take-over check failed', { error: describeError(err).message }));
    };
    check();
    this.supervisor = setInterval(check, this.o.config.heartbeatSeconds * 1000);
    this.supervisor.unref();
  }

  /** Starts workers for the given jobs (default: all). */
  async work(jobNames: readonly string[] = [...this.o.registry.keys()]): Promise<void> {
    this.superviseAbandoned();
    for (const name of jobNames) {
      findJob(this.o.registry, name);
      if (this.workers.includes(name)) continue;
      this.workers.push(name);
      await this.boss.work<QueuedRun>(
        name,
        { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: this.o.config.workerPollSeconds },
        async ([queued]) => (queued ? this.execute(queued) : undefined),
      );
    }
  }

  private async execute(queued: PgBoss.JobWithMetadata<QueuedRun>): Promise<object> {
    const job = findJob(this.o.registry, queued.data.job);
    const attempt = queued.retryCount + 1;
    const knex = this.o.db.knex;
    let runId = queued.data.runId;
    if (attempt > 1) {
      // an earlier attempt may have died with its worker: close it before starting the next
      await knex('job_runs')
        .where({ queue_job_id: queued.id, status: 'running' })
        .update({
          status: 'failed',
          finished_at: new Date(),
          error: JSON.stringify({ message: 'worker stopped during the run', class: 'InterruptedError' }),
        });
      const first = await getRun(knex, queued.data.runId);
      const retry = await createRun(knex, { job: job.name, trigger: 'retry', params: first.params, dryRun: first.dryRun, attempt });
      runId = retry.id;
    }
    if (this.cancelling && this.owned.has(queued.id)) {
      await cancelQueuedRun(knex, runId, 'cancelled by the operator before it started');
      return { runId, cancelled: true };
    }
    if (!(await markRunning(knex, runId, attempt, queued.id))) {
      // cancelled between the queue handing it out and now
      this.o.logger.info('run not started: it is no longer queued', { runId, job: job.name });
      return { runId, cancelled: true };
    }
    const logger = this.o.logger.child({ runId, job: job.name, attempt });
    const controller = new AbortController();
    this.active.set(runId, { controller, queueJobId: queued.id });
    const heartbeat = setInterval(() => {
      beat(knex, runId).then(
        (running) => {
          if (!running && !controller.signal.aborted) controller.abort(new InterruptedError(`run ${runId} was taken over`));
        },
        (err: unknown) => logger.warn('heartbeat not recorded', { error: describeError(err).message }),
      );
    }, this.o.config.heartbeatSeconds * 1000);
    heartbeat.unref();
    const started = Date.now();
    logger.info('run started', { trigger: attempt > 1 ? 'retry' : undefined });
    let stats: RunStats = {};
    try {
      const params = checkParams(job, queued.data.params, this.o.config);
      stats = await job.run(
        {
          config: this.o.config,
          db: this.o.db,
          logger,
          signal: controller.signal,
          runId,
          attempt,
          dryRun: queued.data.dryRun,
          progress: progressFor(logger, this.o.progress),
        },
        params,
      );
      if (controller.signal.aborted) throw new InterruptedError(`run ${runId} was interrupted by shutdown`);
      if (!queued.data.dryRun) {
        // a batch Odoo refused in part is a failure of the run, whatever the job returned
        const refused = await loadFailedBatches(knex, runId);
        if (refused.length) throw loadFailedError(runId, refused);
      }
      await finishRun(knex, runId, 'succeeded', stats, null);
      logger.info('run succeeded', { ms: Date.now() - started, stats });
      return { runId, stats };
    } catch (err) {
      const error = describeError(err);
      if (this.cancelling && this.owned.has(queued.id)) {
        // the operator interrupted the `run` that asked for it: over, not retried
        const reason = { message: 'cancelled by the operator (interrupted while running)', class: 'CancelledError' };
        await finishRun(knex, runId, 'cancelled', stats, reason);
        logger.warn('run cancelled by the operator', { ms: Date.now() - started });
        return { runId, cancelled: true };
      }
      if (queued.data.dryRun || err instanceof LoadFailedError) {
        // a dry run changed nothing, and a batch Odoo refused needs a person, not a retry: the run
        // failed, once; no retry, no dead letter (the status page shows it until a later success)
        await finishRun(knex, runId, 'failed', stats, error);
        logger.warn(queued.data.dryRun ? 'dry run failed' : 'run failed: batches ended load_failed', {
          ms: Date.now() - started,
          error: error.message,
          class: error.class,
        });
        return { runId, failed: true };
      }
      const lastAttempt = attempt > queued.retryLimit;
      const dead = isPermanent(err) || lastAttempt;
      await finishRun(knex, runId, dead ? 'dead' : 'failed', stats, error);
      const level = err instanceof InterruptedError && !dead ? 'warn' : 'error';
      const wait = retryWait(queued.retryDelay, queued.retryBackoff, attempt);
      const retrying = wait.min === wait.max ? `${wait.min} s` : `${wait.min}–${wait.max} s`;
      logger.log(
        level,
        dead ? 'run failed for good' : `attempt ${attempt} of ${queued.retryLimit + 1} failed: ${error.message}; retrying in ${retrying}`,
        {
          ms: Date.now() - started,
          error: error.message,
          class: error.class,
          permanent: isPermanent(err),
          ...(dead ? {} : { retryInSeconds: wait }),
        },
      );
      if (dead && !lastAttempt) {
        // retrying cannot help: straight to the dead letters instead of spending the retries
        await this.boss.send(DEAD_LETTER_QUEUE, { ...queued.data, runId } as unknown as object);
        return { runId, dead: true };
      }
      throw err;
    } finally {
      clearInterval(heartbeat);
      this.active.delete(runId);
    }
  }

  /** Waits until the run chain started by `runId` succeeds or dies; returns its last attempt. */
  async waitFor(runId: number, pollMs = 200): Promise<JobRun> {
    const knex = this.o.db.knex;
    const first = await getRun(knex, runId);
    let noticed: number | undefined;
    let retryNoticed: number | undefined;
    for (;;) {
      const latest = first.queueJobId
        ? ((await knex('job_runs').where({ queue_job_id: first.queueJobId }).orderBy('id', 'desc').first('id')) as
            { id: number } | undefined)
        : undefined;
      const run = await getRun(knex, latest?.id ?? runId);
      if (run.status === 'queued' && this.o.notice) {
        // say at once what it waits for, and until when at most
        const blocker = await runningRunOf(knex, run.job);
        // (the run may have started between the two reads: then it is no blocker of itself)
        if (blocker && blocker.id !== noticed && blocker.queueJobId !== run.queueJobId) {
          noticed = blocker.id;
          const [{ now }] = (await knex.select(knex.raw('now() as now'))) as [{ now: Date }];
          this.o.notice(waitingNotice(blocker, now, this.staleSeconds));
        }
      }
      if (TERMINAL.has(run.status) || (run.status === 'failed' && (await this.queueJobOver(run)))) return run;
      if (run.status === 'failed' && run.id !== retryNoticed && this.o.notice && run.queueJobId) {
        // what failed and when the next attempt comes, at once, instead of minutes of silence
        const queued = await this.boss.getJobById(run.job, run.queueJobId);
        if (queued?.state === 'retry') {
          retryNoticed = run.id;
          const seconds = Math.max(0, Math.round((new Date(queued.startAfter).getTime() - Date.now()) / 1000));
          this.o.notice(
            `attempt ${run.attempt} of ${queued.retryLimit + 1} failed: ${(run.error?.message ?? 'unknown error').split('\n')[0]}; retrying in ${seconds} s`,
          );
        }
      }
      if (this.stopping) return run;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** True when the queue job carrying the run will not run again (completed, cancelled or failed for good). */
  private async queueJobOver(run: JobRun): Promise<boolean> {
    if (!run.queueJobId) return true;
    const job = await this.boss.getJobById(run.job, run.queueJobId);
    return !job || ['completed', 'cancelled', 'failed'].includes(job.state);
  }

  /** A manual run in this process, through the same queue, history, lock and retries. */
  async runNow(
    jobName: string,
    params: Record<string, unknown>,
    options: { dryRun?: boolean; trigger?: RunTrigger } = {},
  ): Promise<JobRun> {
    const run = await this.enqueue(jobName, params, { trigger: options.trigger ?? 'manual', dryRun: options.dryRun });
    if (run.queueJobId) this.owned.set(run.queueJobId, jobName);
    await this.work([jobName]);
    return this.waitFor(run.id);
  }

  /** Runs a dead run again with the same parameters, as a new run with trigger `replay`. */
  async replay(deadRunId: number): Promise<JobRun> {
    const dead = await getRun(this.o.db.knex, deadRunId);
    if (dead.status !== 'dead') {
      throw new DataValidationError(`run ${deadRunId} is ${dead.status}; only dead runs are replayed (see: mfg-etl dead-letters)`, {
        context: { runId: deadRunId },
      });
    }
    if (dead.replayedBy) {
      throw new DataValidationError(`run ${deadRunId} was already replayed as run ${dead.replayedBy}`, { context: { runId: deadRunId } });
    }
    return this.o.db.knex.transaction(async (trx) => {
      const run = await this.enqueue(dead.job, dead.params, { trigger: 'replay', dryRun: dead.dryRun, replayOf: dead.id, trx });
      await markReplayed(trx, dead.id, run.id);
      return run;
    });
  }

  /** Number of runs queued (not yet active) per job, for `mfg-etl jobs` and metrics. */
  async queueSize(jobName: string): Promise<number> {
    return this.boss.getQueueSize(jobName);
  }

  /**
   * Graceful stop: no new work, running jobs are told to stop (abort signal) and get up to the
   * shutdown timeout to finish; what is still running then is failed so pg-boss retries it.
   * `cancel` (the operator interrupted `mfg-etl run`): the runs this runner was asked to run are
   * cancelled instead, queued or running, so nothing of them is left to run later.
   */
  async stop(options: { cancel?: boolean } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.cancelling = Boolean(options.cancel);
    if (this.supervisor) clearInterval(this.supervisor);
    if (this.cancelling) await this.cancelOwned();
    for (const { controller } of this.active.values()) controller.abort(new InterruptedError('shutting down'));
    if (this.started) {
      await this.boss.stop({ graceful: true, close: false, timeout: this.o.config.shutdownTimeoutSeconds * 1000, wait: true });
    }
    for (const [runId, { queueJobId }] of this.active) {
      if (this.cancelling && this.owned.has(queueJobId)) {
        await finishRun(this.o.db.knex, runId, 'cancelled', {}, { message: 'cancelled by the operator', class: 'CancelledError' });
        await this.boss.cancel(this.owned.get(queueJobId)!, queueJobId);
        continue;
      }
      await finishRun(
        this.o.db.knex,
        runId,
        'failed',
        {},
        { message: 'interrupted by shutdown; it will be retried', class: 'InterruptedError' },
      );
    }
    this.o.logger.debug('runner stopped', { host: os.hostname(), pid: process.pid });
  }

  /** Cancels the queued (or retry-pending) runs this runner was asked to run; running ones stop via their signal. */
  private async cancelOwned(): Promise<void> {
    const knex = this.o.db.knex;
    for (const [queueJobId, job] of this.owned) {
      const run = await findRunByQueueJob(knex, queueJobId);
      if (!run || TERMINAL.has(run.status)) continue;
      if (run.status === 'running') {
        if (run.host !== os.hostname() || run.pid !== process.pid) {
          this.o.notice?.(`run ${run.id} of ${job} goes on in ${run.host ?? '?'}/${run.pid ?? '?'}: it was already running there`);
        }
        continue;
      }
      // queued, or failed with a retry pending: nothing of it may run later
      if (run.status === 'queued') await cancelQueuedRun(knex, run.id, 'cancelled by the operator while it waited');
      await this.boss.cancel(job, queueJobId);
      this.o.notice?.(`run ${run.id} of ${job} cancelled: nothing left queued`);
    }
  }
}

function loadFailedError(runId: number, batches: LoadFailedBatch[]): LoadFailedError {
  const label = (b: LoadFailedBatch) => `batch ${b.id} (${b.kind} ${b.scope} ${b.version})`;
  const because = (b: LoadFailedBatch) => (b.reason ? `: ${b.reason}` : '');
  const what =
    batches.length === 1
      ? `${label(batches[0]!)} ended load_failed${because(batches[0]!)}`
      : `${batches.length} batches ended load_failed: ${batches.map((b) => `${label(b)}${because(b)}`).join('; ')}`;
  return new LoadFailedError(
    `${what}; fix the cause (mfg-etl batch <id> shows what was refused), then run the job again: rows already written are not written twice`,
    { context: { runId, batches: batches.map((b) => ({ id: b.id, kind: b.kind, scope: b.scope, version: b.version, reason: b.reason })) } },
  );
}

function checkParams(job: JobDefinition, params: Record<string, unknown>, config: Config): Record<string, unknown> {
  const parsed = job.params.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DataValidationError(`job ${job.name}: parameter ${issue.path.join('.') || '(params)'}: ${issue.message}`, {
      context: { job: job.name, params },
    });
  }
  job.checkRun?.(config, parsed.data);
  return parsed.data as Record<string, unknown>;
}
