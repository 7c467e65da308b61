/**
 * The synchronous core of forecast parsing: rows in, canonical lines and row errors out.
 * Pure and allocation-aware (it sees every row of million-row files):
 *  - the header is found among the first rows (title rows above it are read for labels);
 *  - period texts are normalised once per distinct value (cache), numbers read with the file's
 *    number style, which `auto` learns from the first unambiguous value. Rows whose quantity is
 *    ambiguous before that ("1,500") wait in a bounded queue and are read once the style is known;
 *  - errors are collected, not thrown, up to `maxErrors`, with a total count.
 * Only problems that make the whole file unreadable (no header, two quantity columns…) throw.
 */
import { DataValidationError } from '../../core/errors.ts';
import { cellRef } from '../../extract/tabular/refs.ts';
import { NumberReader, type NumberLocale, type NumberLocaleSetting } from '../../extract/tabular/numbers.ts';
import type { Cell, TabularRow } from '../../extract/tabular/types.ts';
import { createPeriodNormaliser, type PeriodNormaliser, type PeriodOptions, type PeriodResult } from './periods.ts';
import { analyseHeader, buildAliasIndex, type AliasIndex, type HeaderLayout } from './columns.ts';
import { labelsFromTitleRows, type ScopeLabels } from './labels.ts';
import type { ColumnMapping, ForecastField, ForecastLine, RowError } from './schema.ts';
import { isBlankRow, shownCell } from '../../extract/tabular/cells.ts';

export interface ForecastParseOptions {
  /** bucket / week start / time zone, or a ready normaliser */
  periods?: PeriodOptions | PeriodNormaliser;
  mapping?: ColumnMapping;
  numberLocale?: NumberLocaleSetting;
  /** row errors kept (the count goes on); default 1000 */
  maxErrors?: number;
  /** rows searched for the header; default 20 */
  maxHeaderScan?: number;
  /** scope and version from outside the data (file-name pattern, configuration); they win over the data */
  scope?: string;
  version?: string;
  /** rows held while the number style is still unknown; default 10 000 */
  maxPendingRows?: number;
}

export interface ForecastParseSummary {
  layout: 'long' | 'wide' | undefined;
  headerRef: string | undefined;
  /** header text of each mapped column */
  columns: Partial<Record<ForecastField, string>>;
  periodColumns: number;
  ignoredColumns: string[];
  /** data rows read (blank rows not counted) */
  rows: number;
  blankRows: number;
  lines: number;
  errors: RowError[];
  errorCount: number;
  scope: string | undefined;
  version: string | undefined;
  /** distinct warehouses seen (at most 1000 listed) */
  warehouses: string[];
  numberLocale: NumberLocale | undefined;
}

const MAX_WAREHOUSES = 1000;
const PERIOD_CACHE_LIMIT = 50_000;

export class ForecastRowParser {
  private readonly periods: PeriodNormaliser;
  private readonly aliases: AliasIndex;
  private readonly numbers: NumberReader;
  private readonly maxErrors: number;
  private readonly maxHeaderScan: number;
  private readonly maxPending: number;

  private header: HeaderLayout | undefined;
  private headerRef: string | undefined;
  private readonly titleRows: Cell[][] = [];
  private labels: ScopeLabels = {};
  private scanned = 0;
  private closest: { ref: string; found: ForecastField[]; conflict: string | undefined } | undefined;

  // column indexes, copied out of `header` for the hot loop
  private cProduct = -1;
  private cWarehouse = -1;
  private cPeriod = -1;
  private cQuantity = -1;
  private cUnit = -1;
  private fallbackWarehouse: string | undefined;

  private readonly stringPeriods = new Map<string, PeriodResult>();
  private readonly numberPeriods = new Map<number, PeriodResult>();
  private readonly pending: TabularRow[] = [];
  // per-row scratch, reused: a row's lines and errors are committed only when the row is done
  private readonly rowLines: ForecastLine[] = [];
  private readonly rowErrors: RowError[] = [];
  private deferRow = false;
  private allowDefer = true;

  private readonly errors: RowError[] = [];
  private errorCount = 0;
  private rowCount = 0;
  private blankRows = 0;
  private lineCount = 0;
  private readonly warehouses = new Set<string>();
  private lastWarehouse: string | undefined;

  constructor(private readonly options: ForecastParseOptions = {}) {
    const p = options.periods;
    this.periods = p !== undefined && 'normalise' in p ? p : createPeriodNormaliser(p);
    this.aliases = buildAliasIndex(options.mapping);
    this.numbers = new NumberReader(options.numberLocale ?? 'auto');
    this.maxErrors = options.maxErrors ?? 1000;
    this.maxHeaderScan = options.maxHeaderScan ?? 20;
    this.maxPending = options.maxPendingRows ?? 10_000;
  }

  /** feed one row; lines for it (and for rows released from waiting) are appended to `out` */
  push(row: TabularRow, out: ForecastLine[]): void {
    if (this.header === undefined) {
      this.seekHeader(row);
      return;
    }
    const before = this.numbers.locale;
    this.readRow(row, out);
    if (before === undefined && this.numbers.locale !== undefined && this.pending.length > 0) this.releasePending(out);
  }

  /** end of input: rows still waiting for the number style are read now (their ambiguity becomes an error) */
  finish(out: ForecastLine[]): void {
    if (this.header === undefined) this.failNoHeader();
    this.releasePending(out);
  }

  summary(): ForecastParseSummary {
    const h = this.header;
    const columns: Partial<Record<ForecastField, string>> = {};
    if (h) for (const [field, index] of Object.entries(h.columns)) columns[field as ForecastField] = h.names[index]!;
    const warehouses = [...this.warehouses].sort();
    return {
      layout: h?.layout,
      headerRef: this.headerRef,
      columns,
      periodColumns: h?.periodColumns.length ?? 0,
      ignoredColumns: h?.ignored ?? [],
      rows: this.rowCount,
      blankRows: this.blankRows,
      lines: this.lineCount,
      errors: this.errors.slice(),
      errorCount: this.errorCount,
      scope: this.options.scope ?? this.labels.scope ?? (warehouses.length === 1 ? warehouses[0] : undefined),
      version: this.options.version ?? this.labels.version,
      warehouses,
      numberLocale: this.numbers.locale,
    };
  }

  // ---- header ---------------------------------------------------------------------------------

  private seekHeader(row: TabularRow): void {
    this.scanned++;
    const candidate = analyseHeader(row.cells, row.ref, this.aliases, this.periods);
    if (candidate.layout !== undefined && candidate.conflict === undefined) {
      this.useHeader(row.ref, candidate.layout);
      return;
    }
    // a complete header with two columns for one field: refuse rather than guess which one
    if (candidate.conflict !== undefined && candidate.layout !== undefined) {
      throw new DataValidationError(`Header row ${row.ref}: ${candidate.conflict}; configure the column mapping.`, {
        context: { ref: row.ref },
      });
    }
    if (this.closest === undefined || candidate.found.length > this.closest.found.length) {
      this.closest = { ref: row.ref, found: candidate.found, conflict: candidate.conflict };
    }
    if (this.titleRows.length < this.maxHeaderScan) this.titleRows.push(row.cells);
    if (this.scanned >= this.maxHeaderScan) this.failNoHeader();
  }

  private failNoHeader(): never {
    const expected =
      'a product column (product, sku, item, part number…) and either period + quantity columns (long layout) or period headers such as 2026-W49, 2026-12-07 or Dec 2026 (wide layout)';
    const hint =
      this.closest && this.closest.found.length > 0 ? ` Closest was row ${this.closest.ref}, with ${this.closest.found.join(', ')}.` : '';
    throw new DataValidationError(`No header row found in the first ${this.maxHeaderScan} rows: expected ${expected}.${hint}`, {
      context: { scannedRows: this.scanned },
    });
  }

  private useHeader(ref: string, layout: HeaderLayout): void {
    this.header = layout;
    this.headerRef = ref;
    this.labels = labelsFromTitleRows(this.titleRows);
    this.cProduct = layout.columns.product ?? -1;
    this.cWarehouse = layout.columns.warehouse ?? -1;
    this.cPeriod = layout.columns.period ?? -1;
    this.cQuantity = layout.columns.quantity ?? -1;
    this.cUnit = layout.columns.unit ?? -1;
    if (this.cWarehouse < 0) {
      this.fallbackWarehouse = this.options.scope ?? this.labels.scope;
      if (this.fallbackWarehouse === undefined) {
        throw new DataValidationError(
          'The file has no warehouse/plant column and no scope was given (file-name pattern or a "Plant: …" title row).',
          { context: { ref } },
        );
      }
    }
    for (const e of layout.errors) this.addError(e);
  }

  // ---- rows -----------------------------------------------------------------------------------

  private readRow(row: TabularRow, out: ForecastLine[]): void {
    const cells = row.cells;
    const product = this.text(cells, this.cProduct, row, 'product', 256, true);
    if (product === undefined && isBlankRow(cells)) {
      this.blankRows++;
      this.rowErrors.length = 0;
      return;
    }
    this.rowCount++;
    const warehouse = this.cWarehouse < 0 ? this.fallbackWarehouse : this.text(cells, this.cWarehouse, row, 'warehouse', 128, true);
    const unit = this.cUnit < 0 ? undefined : this.text(cells, this.cUnit, row, 'unit', 64, false);
    if (this.header!.layout === 'long') {
      // hot path: at most one line, pushed straight to `out` (no scratch array)
      const periodStart = this.period(cells, this.cPeriod, row);
      const quantity = this.quantity(cells[this.cQuantity] ?? null, row, this.cQuantity, true);
      if (this.deferRow) return this.defer(row, out);
      if (this.rowErrors.length > 0) return this.commitErrors();
      if (product !== undefined && warehouse !== undefined && periodStart !== undefined && quantity !== undefined) {
        this.emit({ product, warehouse, periodStart, quantity, unit, sourceRef: row.ref }, out);
      }
      return;
    }
    const lines = this.rowLines;
    for (const col of this.header!.periodColumns) {
      if (col.start === undefined) continue;
      const cell = cells[col.index] ?? null;
      if (cell === null || (typeof cell === 'string' && cell.trim() === '')) continue; // no figure for this period
      const quantity = this.quantity(cell, row, col.index, false);
      if (product !== undefined && warehouse !== undefined && quantity !== undefined) {
        lines.push({ product, warehouse, periodStart: col.start, quantity, unit, sourceRef: cellRef(row.ref, col.index) });
      }
    }
    if (this.deferRow) return this.defer(row, out);
    if (this.rowErrors.length > 0) this.commitErrors();
    for (const line of lines) this.emit(line, out);
    lines.length = 0;
  }

  private emit(line: ForecastLine, out: ForecastLine[]): void {
    out.push(line);
    this.lineCount++;
    // consecutive lines mostly share a warehouse: skip the set lookup then
    if (line.warehouse !== this.lastWarehouse && this.warehouses.size < MAX_WAREHOUSES) {
      this.warehouses.add(line.warehouse);
      this.lastWarehouse = line.warehouse;
    }
  }

  private commitErrors(): void {
    for (const e of this.rowErrors) this.addError(e);
    this.rowErrors.length = 0;
  }

  /** an ambiguous number while the style is unknown: read the row again later */
  private defer(row: TabularRow, out: ForecastLine[]): void {
    this.deferRow = false;
    this.rowLines.length = 0;
    this.rowErrors.length = 0;
    this.rowCount--;
    if (this.numbers.locale !== undefined)
      this.readRow(row, out); // a later cell of the same row settled the style
    else this.pending.push(row);
  }

  private releasePending(out: ForecastLine[]): void {
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

  private text(
    cells: readonly Cell[],
    index: number,
    row: TabularRow,
    column: ForecastField,
    max: number,
    required: boolean,
  ): string | undefined {
    const cell = cells[index] ?? null;
    if (typeof cell === 'string') {
      const value = cell.trim();
      if (value.length > 0 && value.length <= max) return value;
      if (value.length > max) this.rowError(row, index, cell, `${column} is longer than ${max} characters`);
      else if (required) this.rowError(row, index, cell, `${column} is empty`);
      return undefined;
    }
    if (typeof cell === 'number') {
      if (Number.isFinite(cell)) return String(cell);
      this.rowError(row, index, cell, `${column} is not a valid code`);
      return undefined;
    }
    if (cell instanceof Date) {
      this.rowError(row, index, cell, `${column} is a date, not a code`);
      return undefined;
    }
    if (required) this.rowError(row, index, cell, `${column} is empty`);
    return undefined;
  }

  private period(cells: readonly Cell[], index: number, row: TabularRow): string | undefined {
    const cell = cells[index] ?? null;
    let result: PeriodResult | undefined;
    if (typeof cell === 'string') {
      result = this.stringPeriods.get(cell);
      if (result === undefined) {
        if (this.stringPeriods.size >= PERIOD_CACHE_LIMIT) this.stringPeriods.clear();
        result = this.periods.normalise(cell.trim() === '' ? null : cell);
        this.stringPeriods.set(cell, result);
      }
    } else if (cell !== null) {
      const key = typeof cell === 'number' ? cell : cell.getTime();
      result = this.numberPeriods.get(key);
      if (result === undefined) {
        if (this.numberPeriods.size >= PERIOD_CACHE_LIMIT) this.numberPeriods.clear();
        result = this.periods.normalise(cell);
        this.numberPeriods.set(key, result);
      }
    } else result = this.periods.normalise(null);
    if (result.start !== undefined) return result.start;
    this.rowError(row, index, cell, `period ${result.error}`);
    return undefined;
  }

  private quantity(cell: Cell, row: TabularRow, index: number, required: boolean): number | undefined {
    if (typeof cell === 'number') {
      if (Number.isFinite(cell)) return cell;
      this.rowError(row, index, cell, 'quantity is not a finite number');
      return undefined;
    }
    if (typeof cell === 'string') {
      const value = this.numbers.read(cell);
      if (!Number.isNaN(value)) return value;
      if (this.numbers.problem === 'ambiguous' && this.allowDefer && this.pending.length < this.maxPending) {
        this.deferRow = true;
        return undefined;
      }
      if (cell.trim() !== '') {
        this.rowError(row, index, cell, `quantity ${this.numbers.describe(cell)}`);
        return undefined;
      }
    }
    if (cell instanceof Date) {
      this.rowError(row, index, cell, 'quantity is a date, not a number');
      return undefined;
    }
    if (required) this.rowError(row, index, cell, 'quantity is empty');
    return undefined;
  }

  private rowError(row: TabularRow, index: number, cell: Cell, message: string): void {
    const column = index >= 0 ? (this.header?.names[index] ?? '') : '';
    this.rowErrors.push({ ref: cellRef(row.ref, Math.max(index, 0)), column, value: shownCell(cell), message });
  }

  private addError(error: RowError): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) this.errors.push(error);
  }
}
