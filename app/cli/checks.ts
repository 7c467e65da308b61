/**
 * The start-up check of `config`, `start`, `serve`, `worker` and `scheduler`: the whole
 * configuration, every mistake at once (ConfigError, exit 2), before anything starts.
 */
import type { Config } from '../../core/config.ts';
import { configMistakes } from '../../core/config/check.ts';
import { collect, throwMistakes } from '../../core/config/mistakes.ts';
import { jobsConfigMistakes } from '../../jobs/checks.ts';
import type { JobRegistry } from '../../jobs/registry.ts';
import { effectiveSchedules } from '../../schedules/schedule.ts';

export function checkConfiguration(config: Config, registry: JobRegistry): void {
  const lines = [...configMistakes(config), ...jobsConfigMistakes(registry, config)];
  collect(lines, () => effectiveSchedules(registry, config));
  throwMistakes(lines);
}
