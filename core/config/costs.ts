/**
 * The config file's `costs` section: rollup, approval, overhead, currencies, the cost update
 * files of the inbox and the checkpoints of both batch kinds. Pure zod; jobs read it with
 * `costSettings` (a ConfigError listing every mistake, one line each).
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { type ConfigMistake, checkSection, expected, throwMistakes } from './mistakes.ts';
import { approvalPolicySchema, checkpointSetting } from './policy.ts';

/** threshold: the largest measured value that still passes. */
export const rollupCheckpointSettingsSchema = z
  .object({
    /** BoM cycles (count of cycles; the paths are listed) */
    bom_cycles: checkpointSetting('error', 0),
    /** components without a cost (no update, and a standard price that is null, or 0) */
    missing_cost: checkpointSetting('error', 0),
    /** BoM lines or BoMs whose unit cannot be converted to the product's, unknown components */
    unit_conversion: checkpointSetting('error', 0),
    /** operations whose workcenter is not in the snapshot or has no efficiency */
    operation_data: checkpointSetting('error', 0),
    /** products with a BoM that could not be costed for another reason (a component that could not) */
    not_costed: checkpointSetting('error', 0),
    /** percent: products whose cost moves more than this; the top movers are listed */
    cost_delta: checkpointSetting('warning', 20),
    /** amount in company currency: Σ |qty on hand × delta| of the products that are written */
    revaluation_impact: checkpointSetting('warning', 10_000),
    /** count of products on FIFO / average cost: noted (their cost is not written); default never fails */
    cost_method: checkpointSetting('warning', Number.MAX_SAFE_INTEGER),
  })
  .strict()
  .prefault({});
export type RollupCheckpointSettings = z.infer<typeof rollupCheckpointSettingsSchema>;

export const updateCheckpointSettingsSchema = z
  .object({
    parse_errors: checkpointSetting('error', 0),
    unknown_products: checkpointSetting('error', 0),
    /** the same product and valid-from twice in one file with different costs */
    duplicate_keys: checkpointSetting('error', 0),
    /** a cost in a currency without a configured rate (never taken as is) */
    currency_rate: checkpointSetting('error', 0),
    unit_conversion: checkpointSetting('error', 0),
    negative_cost: checkpointSetting('error', 0),
    /** percent against the product's current standard price; the top movers are listed */
    cost_delta: checkpointSetting('warning', 50),
  })
  .strict()
  .prefault({});
export type UpdateCheckpointSettings = z.infer<typeof updateCheckpointSettingsSchema>;

const currencyCode = z
  .string(expected('a 3-letter currency code such as EUR'))
  .regex(/^[A-Za-z]{3}$/, expected('a 3-letter currency code such as EUR'));

export const costUpdateSettingsSchema = z
  .object({
    /** configured header names per field: product, cost, currency, validFrom, unit */
    columns: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    locale: z.enum(['auto', 'en', 'de']).default('auto'),
    sheet: z.string().optional(),
    maxErrors: z.number().int().positive().default(1000),
    /** update files are inputs of the rollup, which finance approves: auto-approved unless a check fails */
    approval: approvalPolicySchema.default('auto-unless-warnings'),
    checkpoints: updateCheckpointSettingsSchema,
  })
  .strict()
  .prefault({});
export type CostUpdateSettings = z.infer<typeof costUpdateSettingsSchema>;

export const overheadBaseSchema = z.enum(['material_and_operations', 'operations', 'material']);
export type OverheadBase = z.infer<typeof overheadBaseSchema>;

export const journalEntrySettingsSchema = z
  .object({
    /** account.journal id (a miscellaneous journal) */
    journalId: z.number().int().positive(),
    /** account.account id debited when the stock value goes up (the stock valuation account) */
    valuationAccountId: z.number().int().positive(),
    /** account.account id on the other side (price difference / expense) */
    counterpartAccountId: z.number().int().positive(),
    /** post the entry (action_post) instead of leaving it in draft */
    post: z.boolean().default(true),
  })
  .strict();
export type JournalEntrySettings = z.infer<typeof journalEntrySettingsSchema>;

export const costSettingsSchema = z
  .object({
    /** cost_rollup batches: finance approves by default */
    approval: approvalPolicySchema.default('manual'),
    /** decimals of standard_price when Odoo is not configured (else fields_get tells: 2 on 17/18, unrounded on 19) */
    priceDigits: z.number().int().min(0).max(6).default(2),
    /** a structure deeper than this is treated like a cycle */
    maxLevels: z.number().int().min(2).max(100).default(30),
    /** a standard price of 0 counts as a missing cost */
    zeroCostIsMissing: z.boolean().default(true),
    /** overhead percent per product category (id, name or complete name); sub-categories inherit */
    overhead: z.record(z.string(), z.number().min(0).max(1000)).default({}),
    overheadBase: overheadBaseSchema.default('material_and_operations'),
    /** the company currency code when Odoo is not configured (else res.company currency_id); costs in it need no rate */
    companyCurrency: currencyCode.optional(),
    /** company currency per one unit of each foreign currency, e.g. { "USD": 0.92 } */
    currencyRates: z.record(currencyCode, z.number().positive()).default({}),
    /** cost-load: let Odoo post the revaluation of the stock on hand (MFG_ETL_COST_REVALUE) */
    revalue: z.boolean().default(true),
    /** cost-load: a summary journal entry for products on periodic valuation (optional) */
    journalEntry: journalEntrySettingsSchema.optional(),
    /** movers listed in the cost_delta checkpoint and the report */
    topMovers: z.number().int().positive().max(1000).default(10),
    /** cost-rollup reads the quantity on hand from Odoo when it is configured */
    readOnHand: z.boolean().default(true),
    checkpoints: rollupCheckpointSettingsSchema,
    updates: costUpdateSettingsSchema,
  })
  .strict();
export type CostSettings = z.infer<typeof costSettingsSchema>;

export type SettingsResult = { ok: true; settings: CostSettings } | { ok: false; key: string; message: string; mistakes: ConfigMistake[] };

/** Validates the `costs` section; on failure lists every mistake (`key`, `message`: the first). */
export function parseCostSettings(section: unknown): SettingsResult {
  const result = checkSection('costs', costSettingsSchema, section);
  if (result.ok) return { ok: true, settings: result.data };
  const [first] = result.mistakes;
  return { ok: false, key: first!.key, message: first!.message, mistakes: result.mistakes };
}

/** The validated `costs` section of the config file: a ConfigError lists every mistake, one line each. */
export function costSettings(config: Pick<Config, 'file'>): CostSettings {
  const parsed = parseCostSettings(config.file.costs);
  if (!parsed.ok) throwMistakes(parsed.mistakes);
  return (parsed as { settings: CostSettings }).settings;
}

/** Company-currency rate of a currency code (undefined: no rate configured). */
export function rateFor(
  settings: Pick<CostSettings, 'companyCurrency' | 'currencyRates'>,
  currency: string | null | undefined,
): number | undefined {
  if (currency === null || currency === undefined || currency.trim() === '') return 1;
  const code = currency.trim().toUpperCase();
  if (settings.companyCurrency && code === settings.companyCurrency.toUpperCase()) return 1;
  for (const [key, rate] of Object.entries(settings.currencyRates)) if (key.toUpperCase() === code) return rate;
  return undefined;
}

/** Parses a revalue flag from the environment or a job parameter ("true", "0", "off"…). */
export function parseFlag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return undefined;
}
