/**
 * Files read by column name (cost updates, counts, supplier answers): what they share. The header
 * is the first row, under any title rows, that names the columns a caller needs (`HeaderColumns`);
 * after it, a field's cell is found by name and a problem names the cell, its column and its value.
 * `RowErrors` keeps the problems a report lists (capped) and counts them all.
 */
import { DataValidationError } from '../../core/errors.ts';
import { shownCell } from './cells.ts';
import { DEFAULT_HEADER_SCAN_ROWS, normalizeHeader } from './header.ts';
import { cellRef } from './refs.ts';
import type { Cell, TabularRow } from './types.ts';

/** One problem of a row: the cell (A1 reference), its column's header text, its value, what is wrong. */
export interface RowError {
  ref: string;
  column: string;
  value: string;
  message: string;
}

/** Header names a config file gives per field (one name or several). */
export type ColumnMapping<F extends string> = Partial<Record<F, string | readonly string[]>>;

export interface HeaderSpec<F extends string> {
  fields: readonly F[];
  aliases: Readonly<Record<F, readonly string[]>>;
  mapping?: ColumnMapping<F>;
  /** `replace`: a configured field is known only by its configured names; `add`: by those and its aliases */
  mappingMode: 'replace' | 'add';
  /** `refuse`: two columns for one field in the header row is an error; `first`: the first one is read */
  duplicates: 'refuse' | 'first';
  /** does a row with these fields found make the header? */
  accepts: (found: Partial<Record<F, number>>) => boolean;
  /** what the header must name, for the error when none is found ("a product column (product, sku…) and …") */
  expected: string;
  /** the config key that maps columns, named when a header has two columns for one field */
  configKey: string;
  maxScan?: number;
}

/** normalised header name → field; a configured name wins over a built-in alias of another field */
export function aliasIndex<F extends string>(spec: Pick<HeaderSpec<F>, 'fields' | 'aliases' | 'mapping' | 'mappingMode'>): Map<string, F> {
  const index = new Map<string, F>();
  const configured = (field: F): readonly string[] => {
    const names = spec.mapping?.[field];
    return names === undefined ? [] : typeof names === 'string' ? [names] : names;
  };
  for (const field of spec.fields) for (const name of configured(field)) if (normalizeHeader(name)) index.set(normalizeHeader(name), field);
  for (const field of spec.fields) {
    if (spec.mappingMode === 'replace' && spec.mapping?.[field] !== undefined) continue;
    for (const alias of spec.aliases[field]) if (!index.has(normalizeHeader(alias))) index.set(normalizeHeader(alias), field);
  }
  return index;
}

/** The header row of a file read by column name, and the cells of later rows by field. */
export class HeaderColumns<F extends string> {
  private readonly aliases: Map<string, F>;
  private readonly maxScan: number;
  private found: Partial<Record<F, number>> | undefined;
  private headerNames: string[] = [];
  private ref: string | undefined;
  private scanned = 0;
  private closest: { ref: string; fields: F[] } | undefined;

  constructor(private readonly spec: HeaderSpec<F>) {
    this.aliases = aliasIndex(spec);
    this.maxScan = spec.maxScan ?? DEFAULT_HEADER_SCAN_ROWS;
  }

  /** the column index of each field found, once the header is known */
  get columns(): Partial<Record<F, number>> | undefined {
    return this.found;
  }

  get headerRef(): string | undefined {
    return this.ref;
  }

  /** Offer a row before the header is known: it is the header, or a title row skipped. Throws after maxScan rows. */
  seek(row: TabularRow): void {
    this.scanned++;
    const names = row.cells.map((c) => (c === null ? '' : c instanceof Date ? c.toISOString() : String(c).trim()));
    const found: Partial<Record<F, number>> = {};
    const conflicts: string[] = [];
    names.forEach((name, index) => {
      const field = this.aliases.get(normalizeHeader(name));
      if (field === undefined) return;
      if (found[field] === undefined) found[field] = index;
      else conflicts.push(`two ${field} columns ("${names[found[field]]}" and "${name}")`);
    });
    if (this.spec.accepts(found)) {
      if (conflicts.length > 0 && this.spec.duplicates === 'refuse')
        throw new DataValidationError(
          `Header row ${row.ref}: ${conflicts.join(', ')}; configure ${this.spec.configKey} to say which one to read.`,
          {
            context: { ref: row.ref },
          },
        );
      this.found = found;
      this.headerNames = names;
      this.ref = row.ref;
      return;
    }
    const fields = Object.keys(found) as F[];
    if (this.closest === undefined || fields.length > this.closest.fields.length) this.closest = { ref: row.ref, fields };
    if (this.scanned >= this.maxScan) this.failNoHeader();
  }

  /** At the end of the file: a file without a header is unreadable. */
  requireHeader(): void {
    if (this.found === undefined) this.failNoHeader();
  }

  /** The field's cell of a data row (null when the file has no such column). */
  cell(row: TabularRow, field: F): Cell {
    const index = this.found?.[field];
    return index === undefined ? null : (row.cells[index] ?? null);
  }

  /** A problem with a field of a row, naming its cell and column. */
  problem(row: TabularRow, field: F, value: Cell, message: string, withTime = false): RowError {
    const index = this.found?.[field];
    return {
      ref: index === undefined ? row.ref : cellRef(row.ref, index),
      column: index === undefined ? field : (this.headerNames[index] ?? field),
      value: shownCell(value, withTime),
      message,
    };
  }

  /** header text of each mapped column */
  columnNames(): Partial<Record<F, string>> {
    const out: Partial<Record<F, string>> = {};
    for (const [field, index] of Object.entries(this.found ?? {}) as [F, number][]) out[field] = this.headerNames[index]!;
    return out;
  }

  /** header cells no field reads */
  ignoredColumns(): string[] {
    const used = new Set(Object.values(this.found ?? {}));
    return this.headerNames.filter((name, index) => name !== '' && !used.has(index));
  }

  private failNoHeader(): never {
    const hint =
      this.closest && this.closest.fields.length > 0 ? ` Closest was row ${this.closest.ref}, with ${this.closest.fields.join(', ')}.` : '';
    throw new DataValidationError(`No header row found in the first ${this.maxScan} rows: expected ${this.spec.expected}.${hint}`, {
      context: { scannedRows: this.scanned },
    });
  }
}

/** The row problems of a file: every one counted, the first `max` kept for the report. */
export class RowErrors {
  private readonly kept: RowError[] = [];
  private total = 0;

  constructor(private readonly max: number) {}

  add(...problems: RowError[]): void {
    this.total += problems.length;
    for (const p of problems) if (this.kept.length < this.max) this.kept.push(p);
  }

  get count(): number {
    return this.total;
  }

  list(): RowError[] {
    return this.kept.slice();
  }
}
