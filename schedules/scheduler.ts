/**
 * The scheduler: node-cron decides *when*; each tick claims its (job, slot) row and enqueues the
 * run in the same transaction, so any number of schedulers running at once enqueue a slot once.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Knex } from 'knex';
import type { Logger } from '../core/logger.ts';
import type { Runner } from '../jobs/runner.ts';
import { claimScheduleSlot, linkScheduleSlot } from '../load/ops/runs.ts';
import type { JobSchedule } from './schedule.ts';

/** The slot a tick belongs to: its time truncated to the cron resolution. */
export function slotOf(date: Date, cronExpression: string): Date {
  const withSeconds = cronExpression.trim().split(/\s+/).length === 6;
  const ms = withSeconds ? 1000 : 60_000;
  return new Date(Math.floor(date.getTime() / ms) * ms);
}

/** Enqueues the run of one slot unless another scheduler already did. Returns the run id or null. */
export async function fireSlot(knex: Knex, runner: Runner, job: string, slotAt: Date): Promise<number | null> {
  return knex.transaction(async (trx) => {
    if (!(await claimScheduleSlot(trx, job, slotAt))) return null;
    const run = await runner.enqueue(job, {}, { trigger: 'schedule', slotAt, trx });
    await linkScheduleSlot(trx, job, slotAt, run.id);
    return run.id;
  });
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];

  constructor(
    private readonly knex: Knex,
    private readonly runner: Runner,
    private readonly schedules: readonly JobSchedule[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const s of this.schedules) {
      const task = cron.schedule(
        s.cron,
        async (ctx) => {
          const slotAt = slotOf(ctx.date, s.cron);
          try {
            const runId = await fireSlot(this.knex, this.runner, s.job, slotAt);
            if (runId) this.logger.info('scheduled run enqueued', { job: s.job, slotAt: slotAt.toISOString(), runId });
            else this.logger.debug('slot already enqueued by another scheduler', { job: s.job, slotAt: slotAt.toISOString() });
          } catch (err) {
            this.logger.error('could not enqueue scheduled run', {
              job: s.job,
              slotAt: slotAt.toISOString(),
              error: (err as Error).message,
            });
          }
        },
        { timezone: s.timezone, name: `mfg-etl:${s.job}`, noOverlap: true },
      );
      this.tasks.push(task);
    }
    this.logger.info('scheduler started', { jobs: this.schedules.map((s) => `${s.job} (${s.cron})`) });
  }

  async stop(): Promise<void> {
    // destroy() may return a promise (node-cron types it void | Promise<void>)
    await Promise.all(this.tasks.map((t) => Promise.resolve(t.destroy())));
    this.tasks.length = 0;
  }
}
