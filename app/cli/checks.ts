/** The start-up check of the long-running commands: the whole configuration, every mistake at once (ConfigError, exit 2). */
import type { Config } from '../../core/config.ts';
import { throwMistakes } from '../../core/config/mistakes.ts';
import { jobsConfigMistakes } from '../../jobs/checks.ts';
import type { JobRegistry } from '../../jobs/registry.ts';

export function checkConfiguration(config: Config, registry: JobRegistry): void {
  throwMistakes(jobsConfigMistakes(registry, config));
}
