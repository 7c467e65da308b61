/** The config file's `forecast` section: how forecast files are read, approved and checked. */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { parseSection, regexMistakes } from './mistakes.ts';
import { approvalPolicySchema, checkpointSetting } from './policy.ts';

/** threshold: the largest measured value that still passes (counts, or percent for the deltas). */
export const forecastCheckpointSettingsSchema = z
  .object({
    parse_errors: checkpointSetting('error', 0),
    duplicate_keys: checkpointSetting('error', 0),
    unknown_products: checkpointSetting('error', 0),
    unknown_warehouses: checkpointSetting('error', 0),
    unknown_units: checkpointSetting('error', 0),
    unit_conversion: checkpointSetting('error', 0),
    negative_quantity: checkpointSetting('error', 0),
    zero_total: checkpointSetting('error', 0),
    // threshold: periods ahead (from the current one) that each product must cover without gaps
    horizon_coverage: checkpointSetting('warning', 12),
    past_periods: checkpointSetting('warning', 0),
    // threshold: total change in percent against the previous approved version
    version_delta: checkpointSetting('warning', 25),
    // threshold: per-product change in percent; the top movers are listed
    product_delta: checkpointSetting('warning', 50),
  })
  .strict()
  .prefault({});
export type ForecastCheckpointSettings = z.infer<typeof forecastCheckpointSettingsSchema>;

export const forecastSettingsSchema = z
  .object({
    /** configured header names per field, e.g. { "product": ["Artikel", "Material"] } */
    columns: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    /** regex with named groups `scope` and `version`, matched against the file name */
    fileNamePattern: z.string().optional(),
    /** number style: auto (detect), en (1,234.5) or de (1.234,5) */
    locale: z.enum(['auto', 'en', 'de']).default('auto'),
    /** sheet to read in XLSX files (default: the first visible one) */
    sheet: z.string().optional(),
    /** row errors kept per file (the total is always counted) */
    maxErrors: z.number().int().positive().default(1000),
    approval: approvalPolicySchema.default('auto-unless-warnings'),
    checkpoints: forecastCheckpointSettingsSchema,
  })
  .strict();
export type ForecastSettings = z.infer<typeof forecastSettingsSchema>;

/** The config file's `forecast` section, validated: a ConfigError lists every mistake, one line each. */
export function forecastSettings(config: Pick<Config, 'file'>): ForecastSettings {
  return parseSection('forecast', forecastSettingsSchema, config.file.forecast, (raw) =>
    regexMistakes('forecast.fileNamePattern', (raw as { fileNamePattern?: unknown }).fileNamePattern),
  );
}
