/**
 * Text that ends up in spreadsheets (XLSX cells, CSV fields), protected against formula
 * injection: a value starting with `=`, `+`, `-`, `@`, tab or CR gets a leading apostrophe, so
 * Excel and LibreOffice show it as text instead of running it, also after a CSV round trip.
 * One rule for the inbox's error reports and every report writer.
 */

export function escapeSpreadsheetText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One CSV field: escaped against formulas, quoted when it holds a delimiter, quote or line break. */
export function csvField(value: string | number | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = escapeSpreadsheetText(value);
  return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
