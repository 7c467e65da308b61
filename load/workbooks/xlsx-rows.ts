/**
 * Large sheets through exceljs' streaming WorkbookWriter, at the speed of the data.
 *
 * exceljs builds a Row and a Cell object model for every row it streams and renders it through
 * its XML stream: about 30 µs a row of 16 cells, 10 s and more for 300,000 rows. This writer keeps
 * exceljs for everything around the rows (zip, styles, sheet views, frozen panes, autofilter,
 * columns, the header row) and renders the data rows itself as `<row>` XML into the sheet's
 * stream, with style ids registered in the workbook's own style table: ~5× faster. It waits for
 * the zip to take the data (backpressure), so memory stays flat however many rows there are.
 * If exceljs' internals it relies on are not there (another exceljs version), it falls back to
 * exceljs' own addRow and commit, slower but the same workbook.
 *
 * Every string is written as an inline string value (never a formula) and protected against
 * formula injection (load/workbooks/spreadsheet-text.ts).
 */
import { once } from 'node:events';
import type ExcelJS from 'exceljs';
import { escapeSpreadsheetText } from '../../transform/spreadsheet-text.ts';

export type CellValue = string | number | Date | null | undefined;
export type Style = Partial<ExcelJS.Style>;

const MS_PER_DAY = 86_400_000;
const EXCEL_EPOCH_DAYS = 25_569;
/** flush rendered XML to the sheet stream in chunks of this many characters */
const FLUSH_CHARS = 64 * 1024;
/** wait for the zip when this much is waiting for it */
const HIGH_WATER_BYTES = 1 << 20;

const NUMBER_TYPE = 2; // exceljs Enums.ValueType.Number
const STRING_TYPE = 3;

/** column letters A, B, …, Z, AA, … */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

// XML 1.0 has no place for most control characters (nor for lone surrogates): they become U+FFFD
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const XML_SPECIAL = /[&<>"]/g;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

// eslint-disable-next-line no-control-regex
const NEEDS_WORK = /[&<>"\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function xmlText(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text.replace(INVALID_XML, '\uFFFD').replace(XML_SPECIAL, (c) => XML_ESCAPES[c]!);
}

/** Excel serial number of a Date whose UTC fields are the wall-clock time to show. */
export function excelSerial(date: Date): number {
  return date.getTime() / MS_PER_DAY + EXCEL_EPOCH_DAYS;
}

interface Internals {
  stream: { write(data: string): unknown; pipes?: Array<{ _writableState?: { length: number; needDrain?: boolean }; _readableState?: { length: number } } & NodeJS.EventEmitter> };
}

export class StreamedSheet {
  readonly sheet: ExcelJS.Worksheet;
  private readonly styles: { addStyleModel(model: Style, cellType?: number): number } | undefined;
  private readonly styleIds = new Map<Style, number>();
  private readonly letters: string[];
  private rowNumber: number;
  private buffer = '';
  private readonly fast: boolean;
  /** rendered inline-string XML of recent texts: locations, categories, codes repeat row after row */
  private readonly texts = new Map<string, string>();

  /**
   * The header row is written by exceljs (styled with `headerStyle`, frozen unless `freeze` is
   * false, with an autofilter over `autoFilterRows` data rows when given); `widths` per column.
   * `exceljsRows` forces exceljs' own (slow) row writing, the fallback.
   */
  constructor(
    workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    name: string,
    header: readonly string[],
    options: { widths?: readonly number[]; headerStyle?: Style; freeze?: boolean; autoFilterRows?: number; exceljsRows?: boolean } = {},
  ) {
    const views: Array<Partial<ExcelJS.WorksheetView>> = options.freeze === false ? [] : [{ state: 'frozen', ySplit: 1, xSplit: 0 }];
    this.sheet = workbook.addWorksheet(name, { views });
    if (options.widths) this.sheet.columns = options.widths.map((width) => ({ width }));
    if (options.autoFilterRows !== undefined) {
      this.sheet.autoFilter = `A1:${columnLetter(header.length - 1)}${Math.max(1, options.autoFilterRows + 1)}`;
    }
    const row = this.sheet.addRow(header.map((h) => escapeSpreadsheetText(h)));
    if (options.headerStyle) row.eachCell((cell) => (cell.style = options.headerStyle!));
    row.commit();
    this.rowNumber = 1;
    this.letters = header.map((_, i) => columnLetter(i));
    this.styles = (workbook as unknown as { styles?: StreamedSheet['styles'] }).styles;
    const stream = (this.sheet as unknown as Partial<Internals>).stream;
    this.fast = !options.exceljsRows && typeof this.styles?.addStyleModel === 'function' && typeof stream?.write === 'function';
  }

  /** The workbook's style id of a style object (registered once; keep the objects shared). */
  styleId(style: Style | undefined, cellType = NUMBER_TYPE): number {
    if (!style || !this.styles) return 0;
    let id = this.styleIds.get(style);
    if (id === undefined) {
      id = this.styles.addStyleModel(style, cellType);
      this.styleIds.set(style, id);
    }
    return id;
  }

  /** Appends a row: `values[i]` in column i with `styles[i]` (shared style objects). */
  async addRow(values: readonly CellValue[], styles: readonly (Style | undefined)[]): Promise<void> {
    this.rowNumber++;
    if (!this.fast) {
      const row = this.sheet.addRow(values.map((v) => (typeof v === 'string' ? escapeSpreadsheetText(v) : (v ?? null))));
      values.forEach((_, i) => {
        if (styles[i]) row.getCell(i + 1).style = styles[i]!;
      });
      row.commit();
      return;
    }
    const r = this.rowNumber;
    let xml = `<row r="${r}">`;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) continue;
      const ref = `${this.letters[i]}${r}`;
      const style = styles[i];
      if (typeof v === 'string') {
        const s = style ? this.styleId(style, STRING_TYPE) : 0;
        xml += `<c r="${ref}"${s ? ` s="${s}"` : ''} t="inlineStr">${this.inlineText(v)}</c>`;
      } else {
        const s = style ? this.styleId(style, NUMBER_TYPE) : 0;
        const n = typeof v === 'number' ? v : excelSerial(v);
        xml += `<c r="${ref}"${s ? ` s="${s}"` : ''}><v>${n}</v></c>`;
      }
    }
    this.buffer += `${xml}</row>`;
    if (this.buffer.length >= FLUSH_CHARS) await this.flush();
  }

  /** `<is><t>…</t></is>` of a text: formula-escaped, XML-escaped, spaces kept */
  private inlineText(value: string): string {
    let xml = this.texts.get(value);
    if (xml === undefined) {
      const text = xmlText(escapeSpreadsheetText(value));
      xml = `<is><t${/^\s|\s$/.test(text) ? ' xml:space="preserve"' : ''}>${text}</t></is>`;
      if (this.texts.size >= 50_000) this.texts.clear();
      this.texts.set(value, xml);
    }
    return xml;
  }

  private async flush(): Promise<void> {
    if (!this.buffer) return;
    const stream = (this.sheet as unknown as Internals).stream;
    stream.write(this.buffer);
    this.buffer = '';
    // the zip reads the sheet through a stream of its own: wait while it is behind
    const pipe = stream.pipes?.[0];
    const pending = (pipe?._writableState?.length ?? 0) + (pipe?._readableState?.length ?? 0);
    if (pipe && pending > HIGH_WATER_BYTES && pipe._writableState?.needDrain) await once(pipe, 'drain');
  }

  /** rows written so far, header included */
  get rows(): number {
    return this.rowNumber;
  }

  async commit(): Promise<void> {
    if (this.fast) await this.flush();
    this.sheet.commit();
  }
}
