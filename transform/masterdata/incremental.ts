/** Incremental reads of master data (pure): write_date watermarks, the incremental domain, when to read everything. */
import type { OdooDomain, OdooRecord } from '../../core/odoo/values.ts';

/** Odoo datetime ('YYYY-MM-DD HH:MM:SS', UTC) → Date; false/empty → null. */
export function parseOdooDateTime(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  const date = new Date(`${value.replace(' ', 'T')}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Date → Odoo datetime literal for a domain ('YYYY-MM-DD HH:MM:SS', UTC). */
export function formatOdooDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Highest write_date of a page (null when none has one). */
export function maxWriteDate(records: readonly OdooRecord[], current: Date | null = null): Date | null {
  let max = current;
  for (const record of records) {
    const date = parseOdooDateTime(record.write_date);
    if (date && (!max || date > max)) max = date;
  }
  return max;
}

/**
 * Records changed since the watermark: `write_date > watermark - lookback`. The lookback
 * re-reads a few recent records (harmless: unchanged rows are not rewritten) to catch records
 * Odoo committed late: write_date is the time their transaction started, not when it committed.
 * With parent ids, the children of those parents are read as well.
 */
export function incrementalDomain(
  watermark: Date,
  lookbackSeconds: number,
  parent?: { field: string; ids: readonly number[] },
): OdooDomain {
  const since: [string, string, unknown] = ['write_date', '>', formatOdooDateTime(new Date(watermark.getTime() - lookbackSeconds * 1000))];
  if (!parent || parent.ids.length === 0) return [since];
  return ['|', since, [parent.field, 'in', [...parent.ids]]];
}

/** Whether a model needs a complete read: asked for, never done, or older than the configured hours. */
export function needsFullRefresh(input: {
  forced: boolean;
  alwaysFull?: boolean;
  lastFullAt: Date | null;
  watermark: Date | null;
  now: Date;
  hours: number;
}): boolean {
  if (input.forced || input.alwaysFull || !input.lastFullAt || !input.watermark) return true;
  return input.now.getTime() - input.lastFullAt.getTime() >= input.hours * 3_600_000;
}
