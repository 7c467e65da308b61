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
import { DataValidationError } from '../../core/errors.ts';
import { normalizeHeader } from '../../extract/tabular/header.ts';
import { NumberReader, type NumberLocale, type NumberLocaleSetting } from '../../extract/tabular/numbers.ts';
import { cellRef } from '../../extract/tabular/refs.ts';
import type { Cell, TabularRow } from '../../extract/tabular/types.ts';
import type { RowError } from '../shared/checkpoints.ts';
import { parseCountTime } from './time.ts';
import { isBlankRow, shownCell } from '../../extract/tabular/cells.ts';

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

type AliasIndex = Map<string, CountField>;

export function buildCountAliases(mapping: CountColumnMapping = {}): AliasIndex {
  const index: AliasIndex = new Map();
  // configured names first: they win over a built-in alias of another field
  for (const field of COUNT_FIELDS) {
    const configured = mapping[field];
    const names = configured === undefined ? [] : typeof configured === 'string' ? [configured] : configured;
    for (const name of names) index.set(normalizeHeader(name), field);
  }
  for (const field of COUNT_FIELDS)
    for (const alias of COUNT_ALIASES[field]) if (!index.has(normalizeHeader(alias))) index.set(normalizeHeader(alias), field);
  return index;
}

export class CountRowParser {
  private readonly aliases: AliasIndex;
  private readonly numbers: NumberReader;
  private readonly maxErrors: number;
  private readonly maxHeaderScan: number;
  private readonly maxPending: number;
  private readonly timeZone: string;

  private columns: Partial<Record<CountField, number>> | undefined;
  private names: string[] = [];
  private ignored: string[] = [];
  private headerRef: string | undefined;
  private scanned = 0;
  private closest: { ref: string; found: CountField[] } | undefined;

  private readonly pending: TabularRow[] = [];
  private allowDefer = true;
  private readonly errors: RowError[] = [];
  private errorCount = 0;
  private rowCount = 0;
  private blankRows = 0;
  private lineCount = 0;
  private firstCountedAt: Date | undefined;
  private lastCountedAt: Date | undefined;
  private readonly timeCache = new Map<string | number, ReturnType<typeof parseCountTime>>();

  constructor(options: CountParseOptions) {
    this.aliases = buildCountAliases(options.mapping);
    this.numbers = new NumberReader(options.numberLocale ?? 'auto');
    this.maxErrors = options.maxErrors ?? 1000;
    this.maxHeaderScan = options.maxHeaderScan ?? 20;
    this.maxPending = options.maxPendingRows ?? 10_000;
    this.timeZone = options.timeZone;
  }

  push(row: TabularRow, out: CountLine[]): void {
    if (this.columns === undefined) {
      this.seekHeader(row);
      return;
    }
    const before = this.numbers.locale;
    this.readRow(row, out);
    if (before === undefined && this.numbers.locale !== undefined && this.pending.length > 0) this.releasePending(out);
  }

  finish(out: CountLine[]): void {
    if (this.columns === undefined) this.failNoHeader();
    this.releasePending(out);
  }

  summary(): CountParseSummary {
    const columns: Partial<Record<CountField, string>> = {};
    for (const [field, index] of Object.entries(this.columns ?? {})) columns[field as CountField] = this.names[index]!;
    return {
      headerRef: this.headerRef,
      columns,
      ignoredColumns: this.ignored,
      rows: this.rowCount,
      blankRows: this.blankRows,
      lines: this.lineCount,
      errors: this.errors.slice(),
      errorCount: this.errorCount,
      numberLocale: this.numbers.locale,
      firstCountedAt: this.firstCountedAt,
      lastCountedAt: this.lastCountedAt,
    };
  }

  // ---- header ---------------------------------------------------------------------------------

  private seekHeader(row: TabularRow): void {
    this.scanned++;
    const found: Partial<Record<CountField, number>> = {};
    const conflicts: string[] = [];
    const names = row.cells.map((c) => (c === null ? '' : c instanceof Date ? c.toISOString() : String(c).trim()));
    names.forEach((name, index) => {
      const field = this.aliases.get(normalizeHeader(name));
      if (field === undefined) return;
      if (found[field] !== undefined) conflicts.push(`two ${field} columns ("${names[found[field]!]}" and "${name}")`);
      else found[field] = index;
    });
    const complete = REQUIRED.every((f) => found[f] !== undefined);
    if (complete && conflicts.length > 0) {
      throw new DataValidationError(
        `Header row ${row.ref}: ${conflicts.join(', ')}; configure inventory.columns to say which one to read.`,
        { context: { ref: row.ref } },
      );
    }
    if (complete) {
      this.columns = found;
      this.names = names;
      this.headerRef = row.ref;
      const used = new Set(Object.values(found));
      this.ignored = names.filter((n, i) => n !== '' && !used.has(i));
      return;
    }
    const have = (Object.keys(found) as CountField[]).filter((f) => found[f] !== undefined);
    if (this.closest === undefined || have.length > this.closest.found.length) this.closest = { ref: row.ref, found: have };
    if (this.scanned >= this.maxHeaderScan) this.failNoHeader();
  }

  private failNoHeader(): never {
    const hint =
      this.closest && this.closest.found.length > 0 ? ` Closest was row ${this.closest.ref}, with ${this.closest.found.join(', ')}.` : '';
    throw new DataValidationError(
      `No header row found in the first ${this.maxHeaderScan} rows: expected a location column (location, bin, lagerplatz…), a product column (product, sku, item…) and a quantity column (quantity, qty, counted…).${hint}`,
      { context: { scannedRows: this.scanned } },
    );
  }

  // ---- rows -----------------------------------------------------------------------------------

  private readRow(row: TabularRow, out: CountLine[]): void {
    const cells = row.cells;
    if (isBlankRow(cells)) {
      this.blankRows++;
      return;
    }
    const errors: RowError[] = [];
    const c = this.columns!;
    const location = this.text(cells, c.location, row, 'location', true, errors);
    const product = this.text(cells, c.product, row, 'product', true, errors);
    const warehouse = this.text(cells, c.warehouse, row, 'warehouse', false, errors);
    const lot = this.text(cells, c.lot, row, 'lot', false, errors);
    const unit = this.text(cells, c.unit, row, 'unit', false, errors);
    const countedAt = this.countTime(cells, c.counted_at, row, errors);
    const q = this.quantity(cells, c.quantity!, row, errors);
    if (q === 'defer') {
      this.pending.push(row);
      return;
    }
    this.rowCount++;
    if (errors.length > 0) {
      for (const e of errors) this.addError(e);
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

  private error(row: TabularRow, index: number, cell: Cell, message: string, errors: RowError[]): void {
    errors.push({ ref: cellRef(row.ref, Math.max(index, 0)), column: this.names[index] ?? '', value: shownCell(cell, true), message });
  }

  private text(
    cells: readonly Cell[],
    index: number | undefined,
    row: TabularRow,
    field: CountField,
    required: boolean,
    errors: RowError[],
  ): string | undefined {
    if (index === undefined) return undefined;
    const cell = cells[index] ?? null;
    let value: string | undefined;
    if (typeof cell === 'string') value = cell.trim();
    else if (typeof cell === 'number' && Number.isFinite(cell)) value = String(cell);
    else if (cell instanceof Date) {
      this.error(row, index, cell, `${field} is a date, not a code`, errors);
      return undefined;
    }
    if (value === undefined || value === '') {
      if (required) this.error(row, index, cell, `${field} is empty`, errors);
      return undefined;
    }
    if (value.length > MAX_TEXT[field]) {
      this.error(row, index, cell, `${field} is longer than ${MAX_TEXT[field]} characters`, errors);
      return undefined;
    }
    return value;
  }

  private countTime(cells: readonly Cell[], index: number | undefined, row: TabularRow, errors: RowError[]): Date | undefined {
    if (index === undefined) return undefined;
    const cell = cells[index] ?? null;
    if (cell === null || (typeof cell === 'string' && cell.trim() === '')) return undefined;
    const key = cell instanceof Date ? cell.getTime() : cell;
    let parsed = this.timeCache.get(key);
    if (parsed === undefined) {
      if (this.timeCache.size > 10_000) this.timeCache.clear();
      parsed = parseCountTime(cell, this.timeZone);
      this.timeCache.set(key, parsed);
    }
    if (parsed.at) return parsed.at;
    this.error(row, index, cell, `counted at ${parsed.error}`, errors);
    return undefined;
  }

  private quantity(cells: readonly Cell[], index: number, row: TabularRow, errors: RowError[]): number | undefined | 'defer' {
    const cell = cells[index] ?? null;
    if (typeof cell === 'number') {
      if (Number.isFinite(cell)) return cell;
      this.error(row, index, cell, 'quantity is not a finite number', errors);
      return undefined;
    }
    if (typeof cell === 'string' && cell.trim() !== '') {
      const value = this.numbers.read(cell);
      if (!Number.isNaN(value)) return value;
      if (this.numbers.problem === 'ambiguous' && this.allowDefer && this.pending.length < this.maxPending) return 'defer';
      this.error(row, index, cell, `quantity ${this.numbers.describe(cell)}`, errors);
      return undefined;
    }
    if (cell instanceof Date) {
      this.error(row, index, cell, 'quantity is a date, not a number', errors);
      return undefined;
    }
    this.error(row, index, cell, 'quantity is empty', errors);
    return undefined;
  }

  private addError(error: RowError): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) this.errors.push(error);
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
