/**
 * Settings of the inventory jobs: the config file's `inventory` section (all keys optional).
 * Pure: validated here, read by jobs/count-import.ts, jobs/inventory-reconciliation.ts and
 * jobs/inventory-adjust.ts.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { expected, parseSection, regexMistakes } from './mistakes.ts';
import { approvalPolicySchema, checkpointSetting } from './policy.ts';

const nonNegative = z.number().finite().nonnegative();

/** A tolerance: a difference passes as a match when |difference| ≤ abs OR |difference| ≤ pct % of Odoo's quantity. */
export const toleranceSchema = z.object({ abs: nonNegative.default(0), pct: nonNegative.default(0) }).strict();
export type Tolerance = z.infer<typeof toleranceSchema>;

/** threshold: the largest measured count that still passes */
export const countCheckpointSettingsSchema = z
  .object({
    parse_errors: checkpointSetting('error', 0),
    empty_count: checkpointSetting('error', 0),
    duplicate_keys: checkpointSetting('error', 0),
    unknown_locations: checkpointSetting('error', 0),
    unknown_products: checkpointSetting('error', 0),
    unknown_units: checkpointSetting('error', 0),
    unit_conversion: checkpointSetting('error', 0),
    negative_quantity: checkpointSetting('error', 0),
    single_warehouse: checkpointSetting('error', 0),
    // a lot given for a product without lot tracking, or a lot-tracked product counted without lot
    lot_tracking: checkpointSetting('warning', 0),
  })
  .strict()
  .prefault({});
export type CountCheckpointSettings = z.infer<typeof countCheckpointSettingsSchema>;

export const COVERAGES = ['warehouse', 'counted_locations'] as const;
export type Coverage = (typeof COVERAGES)[number];

export const inventorySettingsSchema = z
  .object({
    /** warehouse codes the scheduled reconciliation covers; default: every warehouse with a count */
    warehouses: z.array(z.string().min(1)).min(1).optional(),
    /**
     * which Odoo stock a count is compared with: every internal location of the warehouse (a full
     * count or a WMS export), or only the locations the count names (cycle counts)
     */
    coverage: z.enum(COVERAGES).default('warehouse'),
    tolerances: z
      .object({
        default: toleranceSchema.prefault({}),
        /** key: product category id, name or full name ("All / Raw Materials"); sub-categories inherit */
        categories: z.record(z.string().min(1), toleranceSchema).default({}),
      })
      .strict()
      .prefault({}),
    /** ISO code of the reports when Odoo is not configured (else the company currency Odoo has) */
    currency: z
      .string(expected('a 3-letter ISO currency code such as EUR'))
      .regex(/^[A-Z]{3}$/, expected('a 3-letter ISO currency code such as EUR'))
      .default('EUR'),
    /** approval of count batches; only approved counts can be applied by inventory-adjust */
    approval: approvalPolicySchema.default('manual'),
    /** configured header names per field, e.g. { "location": ["Lagerplatz"] } */
    columns: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    /** regex with a named group `warehouse` matched against the count file's name */
    fileNamePattern: z.string().optional(),
    locale: z.enum(['auto', 'en', 'de']).default('auto'),
    sheet: z.string().optional(),
    maxErrors: z.number().int().positive().default(1000),
    checkpoints: countCheckpointSettingsSchema,
  })
  .strict();
export type InventorySettings = z.infer<typeof inventorySettingsSchema>;

/** The settings object with every default filled in (no config section). */
export function defaultInventorySettings(): InventorySettings {
  return inventorySettingsSchema.parse({});
}

/** The config file's `inventory` section, validated: a ConfigError lists every mistake, one line each. */
export function inventorySettings(config: Pick<Config, 'file'>): InventorySettings {
  return parseSection('inventory', inventorySettingsSchema, config.file.inventory, (raw) =>
    regexMistakes('inventory.fileNamePattern', (raw as { fileNamePattern?: unknown }).fileNamePattern, ['warehouse']),
  );
}
