/**
 * Text that ends up in spreadsheets (XLSX cells, CSV fields), protected against formula
 * injection: a value starting with `=`, `+`, `-`, `@`, tab or CR gets a leading apostrophe, so
 * Excel and LibreOffice show it as text instead of running it, also after a CSV round trip.
 * One rule for the inbox's error reports and every report writer.
 */

export function escapeSpreadsheetText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * The list separators a spreadsheet program may split a CSV line on (Excel uses the locale's:
 * `;` in much of Europe), and line breaks: a field holding one of them may be read as several cells.
 */
const SEPARATORS = /[,;\t|\r\n]/;
// a formula trigger right after a separator (spaces allowed between): it would start a cell of its own
const FORMULA_AFTER_SEPARATOR = /([,;\t|\r\n][ ]*)([=+\-@])/g;

/**
 * One CSV field, safe whatever separator the reader splits on: escaped against a formula at its
 * start and after any separator inside it (`x;=cmd` becomes `x;'=cmd`), and quoted when it holds a
 * separator (`,` `;` tab `|`), a quote or a line break. `delimiter` is the file's own separator
 * (always quoted when present).
 */
export function csvField(value: string | number | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = escapeSpreadsheetText(value).replace(FORMULA_AFTER_SEPARATOR, "$1'$2");
  return text.includes(delimiter) || SEPARATORS.test(text) || text.includes('"') ? `"${text.replace(/"/g, '""')}"` : text;
}
