/**
 * What operations need to know about the registered jobs: how often each is expected to succeed
 * (config file `jobs.<name>.expectedEveryMinutes`, else derived from its schedule), and the
 * current health of every workflow.
 */
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import { type JobExpectation, workflowFacts } from '../load/ops/ops.ts';
import { effectiveSchedules, scheduleIntervalMinutes } from '../schedules/schedule.ts';
import { assessWorkflow, defaultExpectedMinutes, type WorkflowFacts, type WorkflowHealth } from '../transform/shared/health.ts';
import type { JobRegistry } from '../jobs/registry.ts';

// the cron maths walks the calendar: once per expression is enough
const intervals = new Map<string, number | null>();

export function jobExpectations(registry: JobRegistry, config: Config): JobExpectation[] {
  const schedules = new Map(effectiveSchedules(registry, config).map((s) => [s.job, s]));
  return [...registry.values()].map((job) => {
    const configured = config.jobs[job.name]?.expectedEveryMinutes;
    if (configured !== undefined) return { job: job.name, expectedEveryMinutes: configured };
    const schedule = schedules.get(job.name);
    let interval: number | null = null;
    if (schedule) {
      const key = `${schedule.cron}|${schedule.timezone}`;
      if (!intervals.has(key)) intervals.set(key, scheduleIntervalMinutes(schedule));
      interval = intervals.get(key) ?? null;
    }
    return { job: job.name, expectedEveryMinutes: interval === null ? null : defaultExpectedMinutes(interval) };
  });
}

export interface Workflow {
  facts: WorkflowFacts;
  health: WorkflowHealth;
  description: string;
}

export async function workflows(
  db: Database,
  registry: JobRegistry,
  config: Config,
  approvalWaitHours: number,
  now = new Date(),
): Promise<Workflow[]> {
  const facts = await workflowFacts(db.knex, jobExpectations(registry, config));
  return facts.map((f) => ({
    facts: f,
    health: assessWorkflow(f, now, { approvalWaitHours }),
    description: registry.get(f.job)?.description ?? '',
  }));
}
