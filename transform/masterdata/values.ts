/** Odoo field values → staging column values (pure), shared by the per-model mappers. */
import { emptyToNull, type OdooRecord } from '../../core/odoo/values.ts';
import { parseOdooDateTime } from './incremental.ts';

export type Fields = ReadonlySet<string>;

export function text(value: unknown): string | null {
  const v = emptyToNull(value as string | false);
  return typeof v === 'string' && v !== '' ? v : null;
}

export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function int(value: unknown): number | null {
  const n = num(value);
  return n === null ? null : Math.trunc(n);
}

export function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** `active` when the model has it (archived = false); models without it are always active. */
export function active(record: OdooRecord, fields: Fields): boolean {
  return fields.has('active') ? record.active !== false : true;
}

export function writeDate(record: OdooRecord): string | null {
  return parseOdooDateTime(record.write_date)?.toISOString() ?? null;
}

/** 12 significant digits: 1 / (1/12) is 12, not 12.000000000000002. */
export function roundRatio(value: number): number {
  return Number(value.toPrecision(12));
}

/** Odoo 18 `manual_periodic` and Odoo 19 `periodic` mean the same: stored as `periodic`. */
export function normaliseValuation(value: unknown): string | null {
  const v = text(value);
  return v === 'manual_periodic' ? 'periodic' : v;
}
