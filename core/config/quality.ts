/**
 * Settings of the quality pipeline: the config file's `quality` section (all keys optional).
 * Read by jobs/quality/*, the `POST /api/quality-events` endpoint and `mfg-etl quality setup`.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { expected, parseSection } from './mistakes.ts';
import { approvalPolicySchema } from './policy.ts';

export { QUALITY_SCOPE } from './scopes.ts';

export const qualitySettingsSchema = z
  .object({
    /**
     * The quarantine location per warehouse code, by full name ("WH/Quarantine"). A warehouse not
     * listed uses `<view location>/<quarantineName>`. `mfg-etl quality setup` creates the missing ones
     * beside the warehouse's stock location (never inside it: no route reserves from there).
     */
    quarantine: z.record(z.string().min(1), z.string(expected('a full location name such as "WH/Quarantine"')).min(1)).default({}),
    quarantineName: z.string().min(1).default('Quarantine'),
    /** calls per API client and minute on POST /api/quality-events; more answer 429 */
    rateLimitPerMinute: z.number().int().positive().max(100_000).default(600),
    /** approval of quality files; `auto`: a file whose lines all pass is applied at once */
    approval: approvalPolicySchema.default('auto'),
    /** row problems listed per rejected file */
    maxErrors: z.number().int().positive().default(1000),
    /** events applied per quality-apply run (the rest waits for the next run) */
    applyLimit: z.number().int().positive().default(5000),
  })
  .strict();
export type QualitySettings = z.infer<typeof qualitySettingsSchema>;

/** The config file's `quality` section, validated: a ConfigError lists every mistake, one line each. */
export function qualitySettings(config: Pick<Config, 'file'>): QualitySettings {
  return parseSection('quality', qualitySettingsSchema, config.file.quality ?? {});
}
