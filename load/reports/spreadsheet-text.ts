/**
 * Text that ends up in spreadsheets (XLSX cells, CSV fields): protected against formula injection.
 * A value starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`, so Excel and
 * LibreOffice show it as text instead of evaluating it, also after a CSV round trip. The rule
 * itself lives in extract/inbox.ts (the inbox's error reports use it too) and is re-exported here
 * for the report writers.
 */
import { escapeSpreadsheetText } from '../../extract/inbox.ts';

export { escapeSpreadsheetText };

/** One CSV field: escaped against formulas, quoted when it holds a delimiter, quote or line break. */
export function csvField(value: string | number | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = escapeSpreadsheetText(value);
  return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
