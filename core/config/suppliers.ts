/**
 * Settings of the supplier jobs: the config file's `suppliers` section (all keys optional).
 * Pure: validated here (and at start by check.ts), read by jobs/suppliers/*.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { expected, parseSection } from './mistakes.ts';
import { approvalPolicySchema, checkpointSetting } from './policy.ts';

/** threshold: the largest measured count that still passes */
export const supplierCheckpointSettingsSchema = z
  .object({
    parse_errors: checkpointSetting('error', 0),
    // a PO number or line that is not an open line of a confirmed purchase order
    unknown_lines: checkpointSetting('error', 0),
    // a unit that cannot be converted to the line's unit
    unit_conversion: checkpointSetting('error', 0),
    // confirmed or shipped quantity above the ordered quantity plus quantityTolerancePct
    over_quantity: checkpointSetting('error', 0),
    // confirmed date moved more than maxDateShiftDays from the requested date
    date_shift: checkpointSetting('warning', 0),
    // a lot given for a product not tracked by lot
    lot_untracked: checkpointSetting('error', 0),
    // a ship date in the past with nothing received
    ship_date_past: checkpointSetting('warning', 0),
  })
  .strict()
  .prefault({});
export type SupplierCheckpointSettings = z.infer<typeof supplierCheckpointSettingsSchema>;

export const supplierSettingsSchema = z
  .object({
    /** vendors whose purchase orders are exported (partner ref or id); default: every vendor */
    partners: z
      .array(z.union([z.string().min(1), z.number().int().positive()]))
      .min(1)
      .optional(),
    /** approval of confirmation files; only approved files are loaded by supplier-load */
    approval: approvalPolicySchema.default('auto-unless-warnings'),
    /** confirmed / shipped quantity may exceed the ordered one by this much (percent) */
    quantityTolerancePct: z.number().nonnegative().default(0),
    /** a confirmed date further than this from the requested date is a warning */
    maxDateShiftDays: z.number().int().nonnegative().default(14),
    /** configured header names per field, e.g. { "confirmedDate": ["Liefertermin"] } */
    columns: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    locale: z.enum(['auto', 'en', 'de']).default('auto'),
    sheet: z.string().optional(),
    maxErrors: z.number().int().positive().default(1000),
    checkpoints: supplierCheckpointSettingsSchema,
    /** supplier-po-export also mails the files to the vendor's e-mail address through MFG_ETL_SMTP_URL */
    email: z
      .object({
        from: z.string().regex(/^[^\s@<>,;]+@[^\s@<>,;]+$/, expected('a sender address such as purchasing@example.com')),
        /** {code}, {name} and {date} are replaced */
        subject: z.string().min(1).default('Purchase orders {code} {date}'),
        text: z
          .string()
          .default(
            'Dear supplier,\n\nattached are our open purchase order lines. Please fill in the highlighted columns and send the file back.\n',
          ),
      })
      .strict()
      .optional(),
    /** material-shortages: weeks ahead, counted from the current week's Monday */
    shortageWeeks: z.number().int().positive().max(104).default(8),
  })
  .strict();
export type SupplierSettings = z.infer<typeof supplierSettingsSchema>;

/** The config file's `suppliers` section, validated: a ConfigError lists every mistake, one line each. */
export function supplierSettings(config: Pick<Config, 'file'>): SupplierSettings {
  return parseSection('suppliers', supplierSettingsSchema, config.file.suppliers);
}
