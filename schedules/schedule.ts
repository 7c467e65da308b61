/**
 * Which cron expression each job runs on: the job's default, unless the config file's
 * `jobs.<name>.schedule` replaces it (or turns it "off"). Invalid expressions are a ConfigError.
 */
import cron from 'node-cron';
import type { Config } from '../core/config.ts';
import { throwMistakes } from '../core/config/mistakes.ts';
import { type JobCatalog, unknownJobs } from '../jobs/catalog.ts';

export interface JobSchedule {
  job: string;
  cron: string;
  timezone: string;
  /** the job's own rule for which slots are real runs (see JobDefinition.runsOn) */
  runsOn?: (slot: Date, timeZone: string) => boolean;
}

/** cron slots looked at for the next one a job's runsOn accepts (the month-end job has at most 4 a month) */
const MAX_SLOTS = 100;

export function effectiveSchedules(registry: JobCatalog, config: Config): JobSchedule[] {
  const out: JobSchedule[] = [];
  const mistakes = unknownJobs(registry, config);
  for (const job of registry.values()) {
    const configured = config.jobs[job.name]?.schedule;
    const expression = configured ?? job.schedule;
    if (!expression || expression === 'off') continue;
    if (!cron.validate(expression)) {
      mistakes.push(`jobs.${job.name}.schedule: expected a cron expression (5 or 6 fields) or "off", got "${expression}"`);
      continue;
    }
    out.push({ job: job.name, cron: expression, timezone: config.timezone, ...(job.runsOn ? { runsOn: job.runsOn } : {}) });
  }
  throwMistakes(mistakes);
  return out;
}

/** Next real run of a schedule, for `mfg-etl jobs`: its next cron slot that the job's runsOn accepts. */
export function nextFireTime(schedule: JobSchedule): Date | null {
  const task = cron.createTask(schedule.cron, () => {}, { timezone: schedule.timezone });
  try {
    // getNextRun() answers only for started tasks; getNextRuns() walks the calendar in the task's time zone
    if (!schedule.runsOn) return task.getNextRuns(1)[0] ?? null;
    return task.getNextRuns(MAX_SLOTS).find((slot) => schedule.runsOn!(slot, schedule.timezone)) ?? null;
  } finally {
    void task.destroy();
  }
}

/**
 * The longest gap between the schedule's next fire times, in minutes (a weekday schedule gives
 * its weekend gap), or null when it cannot be computed.
 */
export function scheduleIntervalMinutes(schedule: JobSchedule, samples = 12): number | null {
  const task = cron.createTask(schedule.cron, () => {}, { timezone: schedule.timezone });
  try {
    const runs = task.getNextRuns(samples);
    let gap = 0;
    for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i]!.getTime() - runs[i - 1]!.getTime());
    return gap > 0 ? gap / 60_000 : null;
  } finally {
    void task.destroy();
  }
}
