/**
 * Component cost update files (CSV / XLSX rows in, canonical lines out): product code, cost,
 * currency, valid from, optional unit. The header is found among the first rows (title rows
 * above it are fine); costs are read with the file's number style; a cost in a currency without
 * a configured rate is an error, never taken as is. Pure: rows come from extract/tabular.
 */
import { DataValidationError } from '../../core/errors.ts';
import { normalizeHeader } from '../../extract/tabular/header.ts';
import { NumberReader, type NumberLocaleSetting } from '../../extract/tabular/numbers.ts';
import { cellRef } from '../../extract/tabular/refs.ts';
import type { Cell, TabularRow } from '../../extract/tabular/types.ts';
import type { RowError } from '../shared/checkpoints.ts';
import { isBlankRow, shownCell } from '../../extract/tabular/cells.ts';

export const COST_UPDATE_FIELDS = ['product', 'cost', 'currency', 'validFrom', 'unit'] as const;
export type CostUpdateField = (typeof COST_UPDATE_FIELDS)[number];

export const COST_UPDATE_ALIASES: Readonly<Record<CostUpdateField, readonly string[]>> = {
  product: [
    'product',
    'product code',
    'sku',
    'default_code',
    'default code',
    'item',
    'item code',
    'item number',
    'part',
    'part number',
    'part no',
    'internal reference',
    'reference',
    'material',
    'material number',
    'artikel',
    'artikelnummer',
    'component',
    'component code',
  ],
  cost: [
    'cost',
    'unit cost',
    'standard cost',
    'standard price',
    'standard_price',
    'cost price',
    'price',
    'unit price',
    'kosten',
    'preis',
    'standardpreis',
  ],
  currency: ['currency', 'cur', 'ccy', 'curr', 'currency code', 'waehrung', 'währung'],
  validFrom: [
    'valid from',
    'valid_from',
    'validfrom',
    'effective',
    'effective from',
    'effective date',
    'from',
    'start date',
    'gueltig ab',
    'gültig ab',
  ],
  unit: ['unit', 'uom', 'per unit', 'price unit', 'unit of measure', 'einheit', 'me', 'preiseinheit'],
};

export interface CostUpdateLine {
  lineNo: number;
  productCode: string;
  sourceCost: number;
  /** upper case; null = the company currency */
  currency: string | null;
  /** company currency per unit of `currency` */
  rate: number;
  /** cost in the company currency, per `sourceUnit` (or the product's unit) */
  companyCost: number;
  sourceUnit: string | null;
  /** YYYY-MM-DD */
  validFrom: string;
  sourceRef: string;
}

export interface CostUpdateParseOptions {
  mapping?: Partial<Record<CostUpdateField, string | string[]>>;
  numberLocale?: NumberLocaleSetting;
  maxErrors?: number;
  maxHeaderScan?: number;
  /** company currency per unit of a currency code; undefined = no rate configured */
  rate: (currency: string | null) => number | undefined;
  /** valid from when the file has no such column (YYYY-MM-DD) */
  defaultValidFrom: string;
}

export interface CostUpdateSummary {
  headerRef: string | undefined;
  columns: Partial<Record<CostUpdateField, string>>;
  rows: number;
  lines: number;
  errors: RowError[];
  /** every row problem, currency ones included */
  errorCount: number;
  /** rows whose currency has no configured rate */
  currencyErrors: number;
  currencies: string[];
}

type AliasIndex = ReadonlyMap<string, CostUpdateField>;

function buildAliases(mapping: CostUpdateParseOptions['mapping'] = {}): AliasIndex {
  const index = new Map<string, CostUpdateField>();
  for (const field of COST_UPDATE_FIELDS) {
    const configured = mapping[field];
    const names = configured === undefined ? COST_UPDATE_ALIASES[field] : Array.isArray(configured) ? configured : [configured];
    for (const name of names) {
      const key = normalizeHeader(name);
      if (key && (!index.has(key) || configured !== undefined)) index.set(key, field);
    }
  }
  return index;
}

function validDate(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1900 || y > 2999) return undefined;
  return date.toISOString().slice(0, 10);
}

/** A valid-from cell as YYYY-MM-DD: XLSX dates, ISO dates, DD.MM.YYYY; anything else is refused. */
export function parseValidFrom(cell: Cell): string | undefined {
  if (cell instanceof Date)
    return Number.isNaN(cell.getTime()) ? undefined : validDate(cell.getUTCFullYear(), cell.getUTCMonth() + 1, cell.getUTCDate());
  if (typeof cell !== 'string') return undefined;
  const text = cell.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?$/.exec(text) ?? /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(text);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  if (m) return validDate(Number(m[3]), Number(m[2]), Number(m[1]));
  return undefined;
}

/**
 * The synchronous core: push rows, take lines. Errors are collected (capped at maxErrors, all
 * counted); only a file without a usable header throws.
 */
export class CostUpdateParser {
  private readonly aliases: AliasIndex;
  private readonly numbers: NumberReader;
  private readonly maxErrors: number;
  private readonly maxHeaderScan: number;
  private columns: Partial<Record<CostUpdateField, number>> | undefined;
  private names: string[] = [];
  private headerRef: string | undefined;
  private scanned = 0;
  private closest: { ref: string; found: CostUpdateField[] } | undefined;
  private readonly errors: RowError[] = [];
  private errorCount = 0;
  private currencyErrors = 0;
  private rowCount = 0;
  private lineCount = 0;
  private readonly currencies = new Set<string>();

  constructor(private readonly options: CostUpdateParseOptions) {
    this.aliases = buildAliases(options.mapping);
    this.numbers = new NumberReader(options.numberLocale ?? 'auto');
    this.maxErrors = options.maxErrors ?? 1000;
    this.maxHeaderScan = options.maxHeaderScan ?? 20;
  }

  push(row: TabularRow, out: CostUpdateLine[]): void {
    if (this.columns === undefined) {
      this.seekHeader(row);
      return;
    }
    if (isBlankRow(row.cells)) return;
    this.rowCount++;
    const c = this.columns;
    const cell = (field: CostUpdateField): Cell => (c[field] === undefined ? null : (row.cells[c[field]!] ?? null));
    const problems: RowError[] = [];
    const fail = (field: CostUpdateField, value: Cell, message: string) =>
      problems.push({
        ref: c[field] === undefined ? row.ref : cellRef(row.ref, c[field]!),
        column: this.names[c[field] ?? -1] ?? field,
        value: shownCell(value),
        message,
      });

    const productCell = cell('product');
    const productCode = productCell === null ? '' : String(productCell instanceof Date ? shownCell(productCell) : productCell).trim();
    if (productCode === '') fail('product', productCell, 'the product code is empty');

    const costCell = cell('cost');
    let cost = NaN;
    if (typeof costCell === 'number') cost = costCell;
    else if (typeof costCell === 'string' && costCell.trim() !== '') {
      cost = this.numbers.read(costCell.replace(/^\s*[$€£¥]\s*|\s*[$€£¥]\s*$/g, ''));
      if (Number.isNaN(cost)) fail('cost', costCell, this.numbers.describe(costCell));
    } else fail('cost', costCell, costCell === null || costCell === '' ? 'the cost is empty' : 'the cost is not a number');
    if (typeof costCell === 'number' && !Number.isFinite(costCell)) fail('cost', costCell, 'the cost is not a number');

    const currencyCell = cell('currency');
    let currency: string | null = null;
    if (currencyCell !== null && String(currencyCell).trim() !== '') {
      const code = String(currencyCell).trim().toUpperCase();
      if (!/^[A-Z]{3}$/.test(code)) fail('currency', currencyCell, 'not a currency code (three letters such as EUR)');
      else currency = code;
    }

    let validFrom = this.options.defaultValidFrom;
    if (c.validFrom !== undefined) {
      const v = cell('validFrom');
      const parsed = parseValidFrom(v);
      if (parsed === undefined)
        fail('validFrom', v, v === null || v === '' ? 'valid from is empty' : 'not a date: write it as YYYY-MM-DD (or DD.MM.YYYY)');
      else validFrom = parsed;
    }

    const unitCell = cell('unit');
    const sourceUnit = unitCell === null || String(unitCell).trim() === '' ? null : String(unitCell).trim();

    let rate: number | undefined = 1;
    if (problems.length === 0) {
      if (currency !== null) this.currencies.add(currency);
      rate = this.options.rate(currency);
      if (rate === undefined) {
        this.currencyErrors++;
        fail(
          'currency',
          currencyCell,
          `no exchange rate configured for ${currency}: add costs.currencyRates.${currency} (company currency per ${currency}); the cost is not taken as is`,
        );
      }
    }
    if (problems.length > 0) {
      this.errorCount += problems.length;
      for (const p of problems) if (this.errors.length < this.maxErrors) this.errors.push(p);
      return;
    }
    this.lineCount++;
    out.push({
      lineNo: this.lineCount,
      productCode,
      sourceCost: cost,
      currency,
      rate: rate!,
      companyCost: cost * rate!,
      sourceUnit,
      validFrom,
      sourceRef: c.cost === undefined ? row.ref : cellRef(row.ref, c.cost),
    });
  }

  finish(): void {
    if (this.columns === undefined) this.failNoHeader();
  }

  summary(): CostUpdateSummary {
    const columns: Partial<Record<CostUpdateField, string>> = {};
    if (this.columns) for (const [field, index] of Object.entries(this.columns)) columns[field as CostUpdateField] = this.names[index]!;
    return {
      headerRef: this.headerRef,
      columns,
      rows: this.rowCount,
      lines: this.lineCount,
      errors: this.errors.slice(),
      errorCount: this.errorCount,
      currencyErrors: this.currencyErrors,
      currencies: [...this.currencies].sort(),
    };
  }

  private seekHeader(row: TabularRow): void {
    this.scanned++;
    const found: Partial<Record<CostUpdateField, number>> = {};
    const duplicated: CostUpdateField[] = [];
    row.cells.forEach((cell, index) => {
      const field = this.aliases.get(normalizeHeader(cell));
      if (field === undefined) return;
      if (found[field] !== undefined) duplicated.push(field);
      else found[field] = index;
    });
    if (found.product !== undefined && found.cost !== undefined) {
      if (duplicated.length > 0) {
        throw new DataValidationError(`Header row ${row.ref}: two columns for ${duplicated.join(', ')}; configure costs.updates.columns.`, {
          context: { ref: row.ref },
        });
      }
      this.columns = found;
      this.names = row.cells.map((c) => shownCell(c));
      this.headerRef = row.ref;
      return;
    }
    const keys = Object.keys(found) as CostUpdateField[];
    if (this.closest === undefined || keys.length > this.closest.found.length) this.closest = { ref: row.ref, found: keys };
    if (this.scanned >= this.maxHeaderScan) this.failNoHeader();
  }

  private failNoHeader(): never {
    const hint =
      this.closest && this.closest.found.length > 0 ? ` Closest was row ${this.closest.ref}, with ${this.closest.found.join(', ')}.` : '';
    throw new DataValidationError(
      `No header row found in the first ${this.maxHeaderScan} rows: expected a product column (product, sku, part number…) and a cost column (cost, standard cost, price…), optionally currency, valid from and unit.${hint}`,
      { context: { scannedRows: this.scanned } },
    );
  }
}
