/**
 * Count files: rows in, count lines and row errors out. Pure and synchronous (the job feeds it the
 * rows of extract/tabular). One line per row: location (barcode, full name or name), product code,
 * lot (optional), quantity, unit (optional), counted at (optional), warehouse (optional).
 *
 *  - the header is the first row (among the first 20) naming a location, a product and a quantity
 *    column; title rows above it are skipped. Header names are matched ignoring case, spaces and
 *    punctuation, against built-in aliases and the configured `inventory.columns`;
 *  - quantities are read with the file's number style (`auto` learns it from the first unambiguous
 *    value; rows with an ambiguous value before that wait, bounded, and are read once it is known);
 *  - count times are plant wall-clock times (transform/inventory/time.ts);
 *  - errors are collected, not thrown, up to `maxErrors` (the total is counted). Only a file
 *    without a usable header throws (DataValidationError: the file is rejected as unreadable).
 */
import { HeaderColumns, RowErrors } from '../../extract/tabular/columns.ts';
import { NumberReader, type NumberLocale, type NumberLocaleSetting } from '../../extract/tabular/numbers.ts';
import type { Cell, TabularRow } from '../../extract/tabular/types.ts';
import type { RowError } from '../shared/checkpoints.ts';
import { parseCountTime } from './time.ts';
import { isBlankRow } from '../../extract/tabular/cells.ts';

export const COUNT_FIELDS = ['location', 'warehouse', 'product', 'lot', 'quantity', 'unit', 'counted_at'] as const;
export type CountField = (typeof COUNT_FIELDS)[number];
export type CountColumnMapping = Partial<Record<CountField, string | readonly string[]>>;

export const COUNT_ALIASES: Readonly<Record<CountField, readonly string[]>> = {
  location: [
    'location',
    'location code',
    'location barcode',
    'location name',
    'full location name',
    'loc',
    'bin',
    'bin location',
    'storage location',
    'stock location',
    'source location',
    'lagerplatz',
    'lagerort',
    'stellplatz',
  ],
  warehouse: ['warehouse', 'warehouse code', 'plant', 'site', 'werk'],
  product: [
    'product',
    'product code',
    'sku',
    'default_code',
    'item',
    'item code',
    'item number',
    'item no',
    'part',
    'part number',
    'part no',
    'internal reference',
    'reference',
    'material',
    'material number',
    'article',
    'article number',
    'artikel',
    'artikelnummer',
    'materialnummer',
    'sachnummer',
  ],
  lot: [
    'lot',
    'lot number',
    'lot no',
    'lot/serial',
    'lot/serial number',
    'serial',
    'serial number',
    'batch',
    'batch number',
    'charge',
    'chargennummer',
    'charge/serie',
  ],
  quantity: [
    'quantity',
    'qty',
    'counted',
    'counted quantity',
    'counted qty',
    'quantity counted',
    'count',
    'on hand',
    'on hand quantity',
    'stock',
    'menge',
    'bestand',
    'gezählt',
    'zählmenge',
    'istmenge',
    'ist-menge',
  ],
  unit: ['unit', 'uom', 'unit of measure', 'einheit', 'me', 'mengeneinheit'],
  counted_at: [
    'counted at',
    'counted on',
    'count date',
    'count time',
    'date',
    'datetime',
    'timestamp',
    'zähldatum',
    'zählzeitpunkt',
    'gezählt am',
    'datum',
  ],
};

const REQUIRED: readonly CountField[] = ['location', 'product', 'quantity'];

export interface CountLine {
  location: string;
  warehouse: string | undefined;
  product: string;
  lot: string | undefined;
  quantity: number;
  unit: string | undefined;
  countedAt: Date | undefined;
  sourceRef: string;
}

export interface CountParseOptions {
  mapping?: CountColumnMapping;
  numberLocale?: NumberLocaleSetting;
  /** plant time zone for count times without an offset */
  timeZone: string;
  maxErrors?: number;
  maxHeaderScan?: number;
  maxPendingRows?: number;
}

export interface CountParseSummary {
  headerRef: string | undefined;
  /** header text of each mapped column */
  columns: Partial<Record<CountField, string>>;
  ignoredColumns: string[];
  rows: number;
  blankRows: number;
  lines: number;
  errors: RowError[];
  errorCount: number;
  numberLocale: NumberLocale | undefined;
  /** earliest and latest count time given in the file */
  firstCountedAt: Date | undefined;
  lastCountedAt: Date | undefined;
}

const MAX_TEXT: Record<CountField, number> = {
  location: 512,
  warehouse: 128,
  product: 256,
  lot: 256,
  quantity: 0,
  unit: 64,
  counted_at: 0,
};

export class CountRowParser {
  private readonly header: HeaderColumns<CountField>;
  private readonly numbers: NumberReader;
  private readonly maxPending: number;
  private readonly timeZone: string;

  private readonly pending: TabularRow[] = [];
  private allowDefer = true;
  private readonly errors: RowErrors;
  private rowCount = 0;
  private blankRows = 0;
  private lineCount = 0;
  private firstCountedAt: Date | undefined;
  private lastCountedAt: Date | undefined;
  private readonly timeCache = new Map<string | number, ReturnType<typeof parseCountTime>>();

  constructor(options: CountParseOptions) {
    this.header = new HeaderColumns({
      fields: COUNT_FIELDS,
      aliases: COUNT_ALIASES,
      mapping: options.mapping,
      mappingMode: 'add',
      duplicates: 'refuse',
      accepts: (found) => REQUIRED.every((f) => found[f] !== undefined),
      expected:
        'a location column (location, bin, lagerplatz…), a product column (product, sku, item…) and a quantity column (quantity, qty, counted…)',
      configKey: 'inventory.columns',
      maxScan: options.maxHeaderScan,
    });
    this.numbers = new NumberReader(options.numberLocale ?? 'auto');
    this.errors = new RowErrors(options.maxErrors ?? 1000);
    this.maxPending = options.maxPendingRows ?? 10_000;
    this.timeZone = options.timeZone;
  }

  push(row: TabularRow, out: CountLine[]): void {
    if (this.header.columns === undefined) {
      this.header.seek(row);
      return;
    }
    const before = this.numbers.locale;
    this.readRow(row, out);
    if (before === undefined && this.numbers.locale !== undefined && this.pending.length > 0) this.releasePending(out);
  }

  finish(out: CountLine[]): void {
    this.header.requireHeader();
    this.releasePending(out);
  }

  summary(): CountParseSummary {
    return {
      headerRef: this.header.headerRef,
      columns: this.header.columnNames(),
      ignoredColumns: this.header.ignoredColumns(),
      rows: this.rowCount,
      blankRows: this.blankRows,
      lines: this.lineCount,
      errors: this.errors.list(),
      errorCount: this.errors.count,
      numberLocale: this.numbers.locale,
      firstCountedAt: this.firstCountedAt,
      lastCountedAt: this.lastCountedAt,
    };
  }

  // ---- rows -----------------------------------------------------------------------------------

  private readRow(row: TabularRow, out: CountLine[]): void {
    const cells = row.cells;
    if (isBlankRow(cells)) {
      this.blankRows++;
      return;
    }
    const errors: RowError[] = [];
    const location = this.text(row, 'location', true, errors);
    const product = this.text(row, 'product', true, errors);
    const warehouse = this.text(row, 'warehouse', false, errors);
    const lot = this.text(row, 'lot', false, errors);
    const unit = this.text(row, 'unit', false, errors);
    const countedAt = this.countTime(row, errors);
    const q = this.quantity(row, errors);
    if (q === 'defer') {
      this.pending.push(row);
      return;
    }
    this.rowCount++;
    if (errors.length > 0) {
      this.errors.add(...errors);
      return;
    }
    out.push({ location: location!, warehouse, product: product!, lot, quantity: q!, unit, countedAt, sourceRef: row.ref });
    this.lineCount++;
    if (countedAt) {
      if (!this.firstCountedAt || countedAt < this.firstCountedAt) this.firstCountedAt = countedAt;
      if (!this.lastCountedAt || countedAt > this.lastCountedAt) this.lastCountedAt = countedAt;
    }
  }

  private releasePending(out: CountLine[]): void {
    if (this.pending.length === 0) return;
    const rows = this.pending.splice(0);
    const allow = this.allowDefer;
    this.allowDefer = false;
    try {
      for (const row of rows) this.readRow(row, out);
    } finally {
      this.allowDefer = allow;
    }
  }

  // ---- cells ----------------------------------------------------------------------------------

  private error(row: TabularRow, field: CountField, cell: Cell, message: string, errors: RowError[]): void {
    errors.push(this.header.problem(row, field, cell, message, true));
  }

  private text(row: TabularRow, field: CountField, required: boolean, errors: RowError[]): string | undefined {
    if (this.header.columns?.[field] === undefined) return undefined;
    const cell = this.header.cell(row, field);
    let value: string | undefined;
    if (typeof cell === 'string') value = cell.trim();
    else if (typeof cell === 'number' && Number.isFinite(cell)) value = String(cell);
    else if (cell instanceof Date) {
      this.error(row, field, cell, `${field} is a date, not a code`, errors);
      return undefined;
    }
    if (value === undefined || value === '') {
      if (required) this.error(row, field, cell, `${field} is empty`, errors);
      return undefined;
    }
    if (value.length > MAX_TEXT[field]) {
      this.error(row, field, cell, `${field} is longer than ${MAX_TEXT[field]} characters`, errors);
      return undefined;
    }
    return value;
  }

  private countTime(row: TabularRow, errors: RowError[]): Date | undefined {
    const cell = this.header.cell(row, 'counted_at');
    if (cell === null || (typeof cell === 'string' && cell.trim() === '')) return undefined;
    const key = cell instanceof Date ? cell.getTime() : cell;
    let parsed = this.timeCache.get(key);
    if (parsed === undefined) {
      if (this.timeCache.size > 10_000) this.timeCache.clear();
      parsed = parseCountTime(cell, this.timeZone);
      this.timeCache.set(key, parsed);
    }
    if (parsed.at) return parsed.at;
    this.error(row, 'counted_at', cell, `counted at ${parsed.error}`, errors);
    return undefined;
  }

  private quantity(row: TabularRow, errors: RowError[]): number | undefined | 'defer' {
    const cell = this.header.cell(row, 'quantity');
    if (typeof cell === 'number') {
      if (Number.isFinite(cell)) return cell;
      this.error(row, 'quantity', cell, 'quantity is not a finite number', errors);
      return undefined;
    }
    if (typeof cell === 'string' && cell.trim() !== '') {
      const value = this.numbers.read(cell);
      if (!Number.isNaN(value)) return value;
      if (this.numbers.problem === 'ambiguous' && this.allowDefer && this.pending.length < this.maxPending) return 'defer';
      this.error(row, 'quantity', cell, `quantity ${this.numbers.describe(cell)}`, errors);
      return undefined;
    }
    if (cell instanceof Date) {
      this.error(row, 'quantity', cell, 'quantity is a date, not a number', errors);
      return undefined;
    }
    this.error(row, 'quantity', cell, 'quantity is empty', errors);
    return undefined;
  }
}

/** Streams count lines out of tabular row batches; `summary` is complete once the iteration ends. */
export function parseCountRows(
  batches: AsyncIterable<TabularRow[]>,
  options: CountParseOptions,
): { batches(): AsyncIterable<CountLine[]>; readonly summary: CountParseSummary } {
  const parser = new CountRowParser(options);
  let summary: CountParseSummary | undefined;
  return {
    async *batches() {
      for await (const rows of batches) {
        const out: CountLine[] = [];
        for (const row of rows) parser.push(row, out);
        if (out.length) yield out;
      }
      const out: CountLine[] = [];
      parser.finish(out);
      if (out.length) yield out;
      summary = parser.summary();
    },
    get summary() {
      if (!summary) throw new Error('parseCountRows: read batches() to the end first');
      return summary;
    },
  };
}
