/**
 * What a job is: a name, a description, a default schedule, a zod schema of its parameters and
 * a run function. The run function gets the resources it needs through its context (Dagster
 * style) and returns the figures it measured, which end up in the run's stats.
 */
import type { z } from 'zod';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import type { RunStats } from '../load/ops/runs.ts';

export interface JobContext {
  config: Config;
  db: Database;
  logger: Logger;
  /** aborted when the process is asked to stop: long work should check it between steps */
  signal: AbortSignal;
  runId: number;
  attempt: number;
  dryRun: boolean;
  /** progress for a person watching a terminal; no-op in JSON and piped output */
  progress: (message: string, done?: number, total?: number) => void;
}

export interface JobDefinition<P extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** default cron expression (5 or 6 fields) in the plant time zone, or null for manual-only jobs */
  schedule: string | null;
  params: P;
  /**
   * For a cron that cannot say it (node-cron has no "L"): whether a scheduled slot is a real run.
   * A slot it refuses still fires and the run ends at once as skipped; `mfg-etl jobs` shows the
   * next slot it accepts as the next run.
   */
  runsOn?: (slot: Date, timeZone: string) => boolean;
  /** overrides the global retry settings (e.g. jobs whose failures need a person, not a retry) */
  retryLimit?: number;
  /**
   * Validates the job's section of the config file (throws ConfigError), so `mfg-etl start`,
   * `worker` and `scheduler` refuse a wrong section at start instead of at the first run.
   */
  checkSettings?(config: Config): unknown;
  /**
   * Refuses parameters the settings make unacceptable (throws UsageError, one line), before the
   * run is queued and again when it starts; the parameters passed the `params` schema already.
   */
  checkRun?(config: Config, params: z.infer<P>): void;
  /**
   * Parameters that make a run a dry run by themselves (inventory-adjust without apply=true): the
   * run is recorded as one, like `--dry-run`, so it never dead-letters, alerts or colours a workflow.
   */
  dryRunWith?(params: z.infer<P>): boolean;
  run(ctx: JobContext, params: z.infer<P>): Promise<RunStats>;
}

/** Keeps the parameter type checked at the definition while the registry stores them uniformly. */
export function defineJob<P extends z.ZodType>(job: JobDefinition<P>): JobDefinition {
  return job as unknown as JobDefinition;
}
