/**
 * Canonical forecast records. Everything downstream (checkpoints, staging, Odoo) works on these,
 * whatever the file layout was.
 */
import { z } from 'zod';

export const FORECAST_FIELDS = ['product', 'warehouse', 'period', 'quantity', 'unit'] as const;
export const ForecastFieldSchema = z.enum(FORECAST_FIELDS);
export type ForecastField = z.infer<typeof ForecastFieldSchema>;

export const ForecastLineSchema = z.object({
  /** product code as in the file (matched against master data later) */
  product: z.string().min(1).max(256),
  /** warehouse or plant code */
  warehouse: z.string().min(1).max(128),
  /** ISO date of the start of the bucket (week or month) */
  periodStart: z.iso.date(),
  quantity: z.number().finite(),
  unit: z.string().min(1).max(64).optional(),
  /** where the value came from: CSV line ("12") or XLSX cell ("Sheet1!D12") */
  sourceRef: z.string().min(1),
});
export type ForecastLine = z.infer<typeof ForecastLineSchema>;

export { RowErrorSchema, type RowError } from '../shared/checkpoints.ts';

/** configured header names per field; a configured field accepts only these names */
export const ColumnMappingSchema = z
  .object({
    product: z.union([z.string(), z.array(z.string())]),
    warehouse: z.union([z.string(), z.array(z.string())]),
    period: z.union([z.string(), z.array(z.string())]),
    quantity: z.union([z.string(), z.array(z.string())]),
    unit: z.union([z.string(), z.array(z.string())]),
  })
  .partial()
  .strict();
export type ColumnMapping = z.infer<typeof ColumnMappingSchema>;
