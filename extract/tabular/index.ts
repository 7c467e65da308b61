/**
 * Tabular files (CSV, XLSX) as streams of rows. `openTabular` decides the format from the
 * file's first bytes, not its name (names are planner-supplied data), and fails early with a
 * TabularFormatError a planner can act on.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { openCsv, type CsvOptions, type CsvSource } from './csv.ts';
import { TabularFormatError } from './errors.ts';
import { openXlsx, type XlsxOptions, type XlsxSource } from './xlsx.ts';

export * from './csv.ts';
export { CSV_DELIMITERS, detectDelimiter, type CsvDelimiter } from './csv-dialect.ts';
export * from './errors.ts';
export * from './header.ts';
export * from './numbers.ts';
export * from './refs.ts';
export * from './types.ts';
export { openXlsx, toCell, type XlsxOptions, type XlsxSource } from './xlsx.ts';
export { chooseSheet, listSheets, type SheetInfo } from './xlsx-workbook.ts';
export { DEFAULT_ZIP_LIMITS, inspectZip, type ZipLimits } from './zip-guard.ts';

export interface TabularOptions {
  /** name the planner gave the file (for its extension); default: the path's base name */
  fileName?: string;
  csv?: CsvOptions;
  xlsx?: XlsxOptions;
}

export async function openTabular(path: string, options: TabularOptions = {}): Promise<CsvSource | XlsxSource> {
  const fileName = options.fileName ?? basename(path);
  const fh = await open(path, 'r');
  const head = Buffer.alloc(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  const zip = head[0] === 0x50 && head[1] === 0x4b;
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (zip) return openXlsx(path, options.xlsx);
  if (extension === 'xlsx' || extension === 'xlsm') {
    throw new TabularFormatError('not-zip', 'The file is named .xlsx but is not an XLSX workbook (not a zip archive).');
  }
  if (extension !== undefined && !['csv', 'txt', 'tsv'].includes(extension)) {
    throw new TabularFormatError('unsupported-format', `Files of type .${extension} are not accepted; drop CSV (UTF-8) or XLSX files.`);
  }
  return openCsv(path, options.csv);
}
