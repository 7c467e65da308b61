/**
 * forecast-load settings: the job's parameters (config file `jobs.forecast-load.params`, or
 * `--param k=v` on the command line) and their defaults, resolved in one place.
 */
import { z } from 'zod';
import { flag as bool } from '../flags.ts';

export const forecastTargetSchema = z.enum(['auto', 'mps', 'orderpoint']);
export type ForecastTargetSetting = z.infer<typeof forecastTargetSchema>;
export type ForecastTarget = Exclude<ForecastTargetSetting, 'auto'>;

const days = z.coerce.number().finite().nonnegative().max(3660);

export const forecastLoadParamsSchema = z
  .object({
    /** auto: mps when Odoo has mrp.production.schedule (Enterprise MPS), else orderpoint */
    target: forecastTargetSchema.optional(),
    /** orderpoint: days of demand added to the lead time for the minimum */
    safetyDays: days.optional(),
    /** orderpoint: days of demand between the minimum and the maximum */
    reviewDays: days.optional(),
    /** orderpoint: lead time for products where Odoo has none (no BoM lead time, no vendor delay) */
    defaultLeadDays: days.optional(),
    /** take over rules (orderpoints / MPS schedules) that mfg-etl did not create; default: leave them alone */
    manageForeignRules: bool.optional(),
    /** load (or plan) only this batch; a loaded batch is re-checked and writes only what differs */
    batch: z.coerce.number().int().positive().optional(),
    /** orderpoint: first day of the demand window (YYYY-MM-DD); default: the batch's approval day, not before its first period */
    asOf: z.iso.date().optional(),
  })
  .strict();
export type ForecastLoadParams = z.infer<typeof forecastLoadParamsSchema>;

export interface ForecastLoadSettings {
  target: ForecastTargetSetting;
  safetyDays: number;
  reviewDays: number;
  defaultLeadDays: number;
  manageForeignRules: boolean;
}

export const FORECAST_LOAD_DEFAULTS: ForecastLoadSettings = {
  target: 'auto',
  safetyDays: 7,
  reviewDays: 7,
  defaultLeadDays: 0,
  manageForeignRules: false,
};

/** Parameters over site defaults (e.g. from the configuration) over the built-in defaults. */
export function forecastLoadSettings(params: ForecastLoadParams, siteDefaults: Partial<ForecastLoadSettings> = {}): ForecastLoadSettings {
  const base = { ...FORECAST_LOAD_DEFAULTS, ...definedOnly(siteDefaults) };
  return {
    target: params.target ?? base.target,
    safetyDays: params.safetyDays ?? base.safetyDays,
    reviewDays: params.reviewDays ?? base.reviewDays,
    defaultLeadDays: params.defaultLeadDays ?? base.defaultLeadDays,
    manageForeignRules: params.manageForeignRules ?? base.manageForeignRules,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
