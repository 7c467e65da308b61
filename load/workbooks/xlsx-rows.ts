/**
 * Large sheets through exceljs' streaming WorkbookWriter, at the speed of the data.
 *
 * exceljs builds a Row and a Cell object model for every row it streams and renders it through
 * its XML stream: about 30 µs a row of 16 cells, 10 s and more for 300,000 rows. This writer keeps
 * exceljs for everything around the rows (zip, styles, sheet views, frozen panes, autofilter,
 * columns, the header row) and renders the data rows itself as `<row>` XML into the sheet's
 * stream, with style ids registered in the workbook's own style table: ~5× faster. A row is a
 * handful of array slots (no string per cell or row: the garbage collector has little to do), a
 * chunk of ~100 rows one join. It waits for the zip to take the data (backpressure), so memory
 * stays flat however many rows there are, and gives the event loop a turn after each chunk, so
 * the zip's deflate runs on the thread pool while the next rows are rendered. If exceljs'
 * internals it relies on are not there (another exceljs version), it falls back to exceljs' own
 * addRow and commit, slower but the same workbook.
 *
 * Every string is written as an inline string value (never a formula) and protected against
 * formula injection (load/workbooks/spreadsheet-text.ts).
 */
import { once } from 'node:events';
import type ExcelJS from 'exceljs';
import { escapeSpreadsheetText } from '../../core/spreadsheet-text.ts';
import type { SheetPrintOptions } from './print.ts';

export type CellValue = string | number | Date | null | undefined;
export type Style = Partial<ExcelJS.Style>;

const MS_PER_DAY = 86_400_000;
const EXCEL_EPOCH_DAYS = 25_569;
/** rendered XML goes to the sheet stream in chunks of about this many pieces (~100 rows of 18 cells) */
const FLUSH_PIECES = 8192;
/** the sheet stream hands the zip's deflate chunks of this size (exceljs: 64 KB) */
const ZIP_CHUNK_BYTES = 1 << 19;
/** wait for the zip when this much is waiting for it */
const HIGH_WATER_BYTES = 4 * ZIP_CHUNK_BYTES;

/**
 * zip options for a WorkbookWriter whose large sheets are StreamedSheets (a fresh object: the zip
 * library fills in its defaults): the fastest deflate level (the XML still compresses ~8×) and an
 * output buffer that takes a whole chunk. Each chunk is then one trip to libuv's thread pool, and
 * the deflate keeps pace with the rows instead of waiting for the main thread every 64 KB.
 */
export function streamedZipOptions(): { zlib: { level: number; chunkSize: number } } {
  return { zlib: { level: 1, chunkSize: ZIP_CHUNK_BYTES } };
}

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
const INVALID_XML =
  // eslint-disable-next-line no-control-regex -- control characters are what this pattern replaces
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
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
  stream: {
    write(data: string): unknown;
    /** size of the buffers exceljs' StreamBuf collects before it passes them on to the zip */
    bufSize?: number;
    pipes?: Array<{ _writableState?: { length: number; needDrain?: boolean }; _readableState?: { length: number } } & NodeJS.EventEmitter>;
  };
}

/** printable ASCII other than space: a text that starts and ends with these keeps no spaces */
const isPlainEdge = (code: number) => code > 32 && code < 127;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface StreamedSheetOptions {
  widths?: readonly number[];
  headerStyle?: Style;
  freeze?: boolean;
  autoFilterRows?: number;
  exceljsRows?: boolean;
  /**
   * Writes rows through exceljs above the header (a title, key figures with their own fonts and
   * formats); the streamed rows follow the header. Such a sheet freezes only its first
   * `frozenRows` rows (the title; none when 0).
   */
  before?: (sheet: ExcelJS.Worksheet) => void;
  frozenRows?: number;
  /** page setup and header/footer (load/workbooks/print.ts) */
  print?: SheetPrintOptions;
}

export class StreamedSheet {
  readonly sheet: ExcelJS.Worksheet;
  private readonly styles: { addStyleModel(model: Style, cellType?: number): number } | undefined;
  private readonly styleIds = new Map<Style, number>();
  private readonly letters: string[];
  private rowNumber: number;
  /**
   * The XML not yet written, as pieces (strings and numbers) in a reused array, joined once per
   * chunk: no string is built per cell or per row, which spares the garbage collector hundreds of
   * megabytes. `count` pieces are in use; the rest of the array holds empty strings.
   */
  private readonly pieces: Array<string | number> = new Array<string | number>(FLUSH_PIECES + 1024).fill('');
  private count = 0;
  private readonly fast: boolean;
  /** per column: `<c r="A` */
  private readonly cellOpen: string[];
  /** per style: what follows the cell reference up to the value, for number and text cells */
  private readonly numberAttrs = new Map<Style | undefined, string>();
  private readonly textAttrs = new Map<Style | undefined, string>();
  private readonly spacedTextAttrs = new Map<Style | undefined, string>();
  /** per column, the last text, escaped, and whether its spaces must be kept */
  private readonly lastText: Array<string | undefined>;
  private readonly lastEscaped: string[];
  private readonly lastSpaced: boolean[];

  /**
   * The header row is written by exceljs (styled with `headerStyle`, frozen unless `freeze` is
   * false, with an autofilter over `autoFilterRows` data rows when given); `widths` per column.
   * `exceljsRows` forces exceljs' own (slow) row writing, the fallback.
   */
  constructor(workbook: ExcelJS.stream.xlsx.WorkbookWriter, name: string, header: readonly string[], options: StreamedSheetOptions = {}) {
    const frozen = options.freeze === false ? 0 : options.before ? (options.frozenRows ?? 0) : 1;
    const views: Array<Partial<ExcelJS.WorksheetView>> = frozen > 0 ? [{ state: 'frozen', ySplit: frozen, xSplit: 0 }] : [];
    this.sheet = workbook.addWorksheet(name, { views, ...options.print });
    if (options.widths) this.sheet.columns = options.widths.map((width) => ({ width }));
    options.before?.(this.sheet);
    const row = this.sheet.addRow(header.map((h) => escapeSpreadsheetText(h)));
    if (options.headerStyle) row.eachCell((cell) => (cell.style = options.headerStyle!));
    row.commit();
    this.rowNumber = row.number;
    if (options.autoFilterRows !== undefined) {
      this.sheet.autoFilter = `A${row.number}:${columnLetter(header.length - 1)}${row.number + Math.max(0, options.autoFilterRows)}`;
    }
    this.letters = header.map((_, i) => columnLetter(i));
    this.cellOpen = this.letters.map((l) => `<c r="${l}`);
    this.lastText = header.map(() => undefined);
    this.lastEscaped = header.map(() => '');
    this.lastSpaced = header.map(() => false);
    this.styles = (workbook as unknown as { styles?: StreamedSheet['styles'] }).styles;
    const stream = (this.sheet as unknown as Partial<Internals>).stream;
    this.fast = !options.exceljsRows && typeof this.styles?.addStyleModel === 'function' && typeof stream?.write === 'function';
    if (this.fast && typeof stream?.bufSize === 'number') stream.bufSize = ZIP_CHUNK_BYTES;
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

  /** `" s="7"><v>` (number), `" s="7" t="inlineStr"><is><t>` (text) or the latter keeping spaces */
  private attrs(style: Style | undefined, kind: 'number' | 'text' | 'spaced'): string {
    const cache = kind === 'number' ? this.numberAttrs : kind === 'text' ? this.textAttrs : this.spacedTextAttrs;
    let attrs = cache.get(style);
    if (attrs === undefined) {
      const s = style ? this.styleId(style, kind === 'number' ? NUMBER_TYPE : STRING_TYPE) : 0;
      attrs =
        (s ? `" s="${s}"` : '"') +
        (kind === 'number' ? '><v>' : kind === 'text' ? ' t="inlineStr"><is><t>' : ' t="inlineStr"><is><t xml:space="preserve">');
      cache.set(style, attrs);
    }
    return attrs;
  }

  /**
   * Appends a row: `values[i]` in column i with `styles[i]` (shared style objects). Returns a
   * promise only when the row completed a chunk (await it: it waits while the zip is behind).
   */
  addRow(values: readonly CellValue[], styles: readonly (Style | undefined)[]): Promise<void> | undefined {
    this.rowNumber++;
    if (!this.fast) {
      const row = this.sheet.addRow(values.map((v) => (typeof v === 'string' ? escapeSpreadsheetText(v) : (v ?? null))));
      values.forEach((_, i) => {
        if (styles[i]) row.getCell(i + 1).style = styles[i]!;
      });
      row.commit();
      return undefined;
    }
    const r = String(this.rowNumber);
    const out = this.pieces;
    let n = this.count;
    out[n++] = '<row r="';
    out[n++] = r;
    out[n++] = '">';
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (typeof v === 'string') {
        if (v !== this.lastText[i]) {
          const text = xmlText(escapeSpreadsheetText(v));
          const len = text.length;
          this.lastText[i] = v;
          this.lastEscaped[i] = text;
          // spaces at either end are kept only with xml:space="preserve"
          this.lastSpaced[i] =
            !(len > 0 && isPlainEdge(text.charCodeAt(0)) && isPlainEdge(text.charCodeAt(len - 1))) && /^\s|\s$/.test(text);
        }
        out[n++] = this.cellOpen[i]!;
        out[n++] = r;
        out[n++] = this.attrs(styles[i], this.lastSpaced[i] ? 'spaced' : 'text');
        out[n++] = this.lastEscaped[i]!;
        out[n++] = '</t></is></c>';
      } else {
        const num = typeof v === 'number' ? v : excelSerial(v);
        if (!Number.isFinite(num)) continue;
        out[n++] = this.cellOpen[i]!;
        out[n++] = r;
        out[n++] = this.attrs(styles[i], 'number');
        out[n++] = num;
        out[n++] = '</v></c>';
      }
    }
    out[n++] = '</row>';
    this.count = n;
    return n >= FLUSH_PIECES ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    if (this.count === 0) return;
    const stream = (this.sheet as unknown as Internals).stream;
    const out = this.pieces;
    // the pieces past `count` are empty strings (a wide row may have grown the array: clear it all)
    out.fill('', this.count);
    stream.write(out.join(''));
    this.count = 0;
    // the zip reads the sheet through a stream of its own: wait while it is behind
    const pipe = stream.pipes?.[0];
    const pending = (pipe?._writableState?.length ?? 0) + (pipe?._readableState?.length ?? 0);
    if (pipe && pending > HIGH_WATER_BYTES && pipe._writableState?.needDrain) await once(pipe, 'drain');
    // let the zip's deflate (on libuv's thread pool) and the file writes take the next chunk while
    // the next rows are rendered: without a turn of the event loop they only run during waits
    else await yieldToEventLoop();
  }

  /** the number of the last row written (the header and any rows above it included) */
  get rows(): number {
    return this.rowNumber;
  }

  /**
   * A manual page break after row `row` (1-based): what follows starts a printed page. exceljs'
   * streaming writer keeps the breaks and writes them when the sheet is committed.
   */
  breakPageAfter(row: number): void {
    (this.sheet as unknown as { rowBreaks: Array<{ id: number; max: number; man: number }> }).rowBreaks.push({
      id: row,
      max: 16383,
      man: 1,
    });
  }

  async commit(): Promise<void> {
    if (this.fast) await this.flush();
    this.sheet.commit();
  }
}
