/**
 * What is checked before any run is queued: a job's parameters (the config file's
 * `jobs.<job>.params` under the command line's `--param`) and the config sections jobs read
 * (each job's checkSettings). Every mistake is one line naming where it was written:
 * `--param runsDays: …` or `jobs.housekeeping.params.runsDays: …`.
 */
import type { Config } from '../core/config.ts';
import { type ConfigMistake, collect, zodMistakes } from '../core/config/mistakes.ts';
import { UsageError } from '../core/errors.ts';
import type { JobDefinition } from './job.ts';
import { type JobRegistry, unknownJobs } from './registry.ts';

/** The mistakes in a job's parameters: the configured defaults overlaid by the caller's. */
export function paramMistakes(job: JobDefinition, config: Config, given: Record<string, unknown> = {}): ConfigMistake[] {
  const configured = config.jobs[job.name]?.params ?? {};
  const merged = { ...configured, ...given };
  const parsed = job.params.safeParse(merged, { reportInput: true });
  if (parsed.success) return [];
  const keyOf = (path: readonly PropertyKey[]) => {
    const first = path[0];
    if (first === undefined) return Object.keys(given).length ? '--param' : `jobs.${job.name}.params`;
    const rest = path.map(String).join('.');
    return first in given || !(first in configured) ? `--param ${rest}` : `jobs.${job.name}.params.${rest}`;
  };
  return zodMistakes(job.params, parsed.error, { keyOf, input: merged });
}

/**
 * Refuses a run before it is queued: its parameters (UsageError, exit 2) and the config sections
 * the job reads (ConfigError, exit 2), every mistake on its own line.
 */
export function checkRun(job: JobDefinition, config: Config, given: Record<string, unknown>): void {
  job.checkSettings?.(config);
  const mistakes = paramMistakes(job, config, given);
  if (mistakes.length > 0) {
    const lines = [...new Set(mistakes.map((m) => `${m.key}: ${m.message}`))];
    throw new UsageError(lines.join('\n'), { context: { mistakes: lines } });
  }
}

/** Every mistake in what the jobs read from the configuration: job names under `jobs`, their sections and `jobs.<job>.params`. */
export function jobsConfigMistakes(registry: JobRegistry, config: Config): string[] {
  const lines = unknownJobs(registry, config);
  for (const job of registry.values()) {
    collect(lines, () => job.checkSettings?.(config));
    if (config.jobs[job.name]?.params) lines.push(...paramMistakes(job, config).map((m) => `${m.key}: ${m.message}`));
  }
  return [...new Set(lines)];
}
