/** Small jobs for runner and scheduler tests: they really run through pg-boss and job_runs. */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { DataValidationError, InterruptedError } from '../../core/errors.ts';
import { defineJob, type JobDefinition } from '../../jobs/job.ts';
import { createRegistry, type JobRegistry } from '../../jobs/registry.ts';

/** Fails until it has been called `failTimes` times (counted per process). */
export function flakyJob(name: string, failTimes: number): JobDefinition {
  let calls = 0;
  return defineJob({
    name,
    description: 'fails a few times, then succeeds',
    schedule: null,
    params: z.object({}).passthrough(),
    async run() {
      calls += 1;
      if (calls <= failTimes) throw new Error(`flaky failure ${calls}`);
      return { calls };
    },
  });
}

export function permanentFailureJob(name: string): JobDefinition {
  return defineJob({
    name,
    description: 'always fails with a permanent error',
    schedule: null,
    params: z.object({}),
    async run() {
      throw new DataValidationError('the data is wrong and retrying will not fix it', { context: { row: 3 } });
    },
  });
}

/** Sleeps `ms` (param), stopping early when aborted. Records overlapping executions. */
export function slowJob(name: string, tracker = { active: 0, maxActive: 0 }): JobDefinition {
  return defineJob({
    name,
    description: 'sleeps',
    schedule: '* * * * *',
    params: z.object({ ms: z.number().int().default(300), retryMs: z.number().int().optional() }),
    async run(ctx, params) {
      tracker.active += 1;
      tracker.maxActive = Math.max(tracker.maxActive, tracker.active);
      try {
        const ms = ctx.attempt > 1 ? (params.retryMs ?? params.ms) : params.ms;
        await sleep(ms, undefined, { signal: ctx.signal }).catch((err: unknown) => {
          if (ctx.signal.aborted) throw new InterruptedError('stopped while sleeping');
          throw err;
        });
        return { slept: ms };
      } finally {
        tracker.active -= 1;
      }
    },
  });
}

export function registryOf(...jobs: JobDefinition[]): JobRegistry {
  return createRegistry(jobs);
}
