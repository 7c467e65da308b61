/**
 * Streaming XLSX reader on exceljs' WorkbookReader. The file is first checked by the zip guard
 * (limits, consistency, no DOCTYPE/ENTITY), then one worksheet is streamed: the configured sheet
 * or the first visible one. Cells keep their sheet type: numbers, text, Dates (wall clock, see
 * types.ts); formulas give their cached result, rich text its plain text, errors their code.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type ExcelJS from 'exceljs';
import { TabularFormatError } from './errors.ts';
import { xlsxRowRef } from './refs.ts';
import { flattenBatches, type Cell, type TabularRow, type TabularSource } from './types.ts';
import { chooseSheet, listSheets, type SheetInfo } from './xlsx-workbook.ts';
import { DEFAULT_ZIP_LIMITS, inspectZip, type ZipLimits } from './zip-guard.ts';

export interface XlsxOptions {
  /** sheet name; default: the first visible worksheet */
  sheet?: string;
  limits?: Partial<ZipLimits>;
}

export interface XlsxSource extends TabularSource {
  readonly format: 'xlsx';
  readonly sheet: SheetInfo;
  readonly sheets: readonly SheetInfo[];
}

const WORKBOOK = 'xl/workbook.xml';
const WORKBOOK_RELS = 'xl/_rels/workbook.xml.rels';
const BATCH_ROWS = 512;
const MS_PER_DAY = 86_400_000;
const EXCEL_EPOCH = 25_569;

/** same test exceljs applies to plain cells; used for formula results it leaves as numbers */
function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  return /[ymdhMsb]/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

function plain(value: unknown, numFmt: string | undefined): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '#VALUE!'; // exceljs reads a formula's error result as NaN
    return isDateFormat(numFmt) ? new Date(Math.round((value - EXCEL_EPOCH) * MS_PER_DAY)) : value;
  }
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  return null;
}

/** exceljs cell value → Cell; object shapes per exceljs' CellValue union */
export function toCell(value: ExcelJS.CellValue, numFmt?: string): Cell {
  if (value === null || value === undefined || typeof value !== 'object' || value instanceof Date) {
    // plain numbers already carry exceljs' own date conversion; only formula results need numFmt
    return plain(value, undefined);
  }
  if ('richText' in value) return plain(value.richText.map((r) => r.text).join(''), undefined);
  if ('formula' in value || 'sharedFormula' in value) {
    const result = value.result;
    // never calculated (written by a tool, not Excel): show the formula, so it is reported, not read as empty
    if (result === undefined || result === null) return `=${'formula' in value && value.formula ? value.formula : '(shared formula)'}`;
    if (result !== null && typeof result === 'object' && !(result instanceof Date)) return result.error;
    return plain(result, numFmt);
  }
  if ('error' in value) return value.error;
  if ('hyperlink' in value) return toCell(value.text as ExcelJS.CellValue);
  return null;
}

/**
 * exceljs decodes every chunk of XML on its own, so a multi-byte character split between chunks
 * turns into U+FFFD (exceljs issues #2063, #2084). Feeding it strings decoded by one streaming
 * decoder per part avoids that. The methods patched are exceljs internals, hence the cast.
 */
interface ReaderInternals {
  _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<unknown>;
  _parseWorkbook(entry: NodeJS.ReadableStream): Promise<void>;
  _parseRels(entry: NodeJS.ReadableStream): Promise<void>;
  _parseStyles(entry: NodeJS.ReadableStream): Promise<void>;
  on(event: 'entry', listener: (entry: { type: string; id?: string }) => void): void;
}

async function* decodeUtf8(chunks: AsyncIterable<unknown>): AsyncIterable<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) yield typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
  const tail = decoder.end();
  if (tail) yield tail;
}

function patchUtf8(reader: ReaderInternals): void {
  const shared = reader._parseSharedStrings.bind(reader);
  const worksheet = reader._parseWorksheet.bind(reader);
  const workbook = reader._parseWorkbook.bind(reader);
  const rels = reader._parseRels.bind(reader);
  const styles = reader._parseStyles.bind(reader);
  reader._parseSharedStrings = (entry) => shared(entry.setEncoding('utf8'));
  reader._parseWorksheet = (iterator, sheetNo) => worksheet(decodeUtf8(iterator), sheetNo);
  reader._parseWorkbook = (entry) => workbook(entry.setEncoding('utf8'));
  reader._parseRels = (entry) => rels(entry.setEncoding('utf8'));
  reader._parseStyles = (entry) => styles(entry.setEncoding('utf8'));
}

function rowCells(row: ExcelJS.Row): Cell[] {
  const cells: Cell[] = [];
  row.eachCell({ includeEmpty: false }, (cell, column) => {
    const value = toCell(cell.value, cell.numFmt);
    if (value === null) return;
    while (cells.length < column - 1) cells.push(null);
    cells[column - 1] = value;
  });
  return cells;
}

export async function openXlsx(path: string, options: XlsxOptions = {}): Promise<XlsxSource> {
  const limits = { ...DEFAULT_ZIP_LIMITS, ...options.limits };
  const { parts, entries } = await inspectZip(path, [WORKBOOK, WORKBOOK_RELS], limits);
  const workbookXml = parts.get(WORKBOOK);
  const relsXml = parts.get(WORKBOOK_RELS);
  if (workbookXml === undefined || relsXml === undefined) {
    const ods = entries.some((e) => e.name === 'content.xml');
    throw new TabularFormatError(
      'not-xlsx',
      ods
        ? 'The file is an OpenDocument spreadsheet, not XLSX; save it as .xlsx.'
        : 'The zip file is not an XLSX workbook (xl/workbook.xml is missing).',
    );
  }
  const sheets = listSheets(workbookXml, relsXml);
  const sheet = chooseSheet(sheets, options.sheet);
  const sheetNo = /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(sheet.path)?.[1];
  if (sheetNo === undefined || !entries.some((e) => e.name === sheet.path)) {
    throw new TabularFormatError(
      'not-xlsx',
      `Sheet ${JSON.stringify(sheet.name)} is stored in an unexpected place; re-save the workbook from Excel.`,
    );
  }

  async function* batches(): AsyncIterable<TabularRow[]> {
    const stream = createReadStream(path);
    // exceljs takes most of a second to load: only reading a workbook needs it (CLI start-up)
    const { stream: xlsxStream } = (await import('exceljs')).default;
    const reader = new xlsxStream.xlsx.WorkbookReader(stream, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      styles: 'cache', // needed to tell date cells from numbers
      hyperlinks: 'ignore',
      entries: 'emit',
    });
    const internals = reader as unknown as ReaderInternals;
    patchUtf8(internals);
    // exceljs announces each worksheet part just before yielding its reader
    let current: string | undefined;
    internals.on('entry', (entry) => {
      if (entry.type === 'worksheet') current = String(entry.id);
    });
    let found = false;
    try {
      for await (const worksheet of reader) {
        if (current !== sheetNo) continue;
        found = true;
        let batch: TabularRow[] = [];
        for await (const row of worksheet) {
          const cells = rowCells(row);
          if (cells.length === 0) continue; // styled but empty rows
          batch.push({ ref: xlsxRowRef(sheet.name, row.number), cells });
          if (batch.length >= BATCH_ROWS) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch;
        break;
      }
    } catch (err) {
      if (err instanceof TabularFormatError) throw err;
      const detail = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
      throw new TabularFormatError('malformed', `The workbook could not be read (${detail}); re-save it from Excel.`, {}, err);
    } finally {
      stream.destroy();
    }
    if (!found) throw new TabularFormatError('sheet-not-found', `Sheet ${JSON.stringify(sheet.name)} was not found in the workbook.`);
  }

  return {
    format: 'xlsx',
    sheet,
    sheets,
    description: `XLSX, sheet ${JSON.stringify(sheet.name)}`,
    batches,
    rows: () => flattenBatches(batches()),
  };
}
