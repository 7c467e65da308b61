/**
 * Component cost update files (CSV / XLSX rows in, canonical lines out): product code, cost,
 * currency, valid from, optional unit. The header is found among the first rows (title rows
 * above it are fine); costs are read with the file's number style; a cost in a currency without
 * a configured rate is an error, never taken as is. Pure: rows come from extract/tabular.
 */
import { isBlankRow, shownCell } from '../../extract/tabular/cells.ts';
import { type ColumnMapping, HeaderColumns, RowErrors } from '../../extract/tabular/columns.ts';
import { parseDateCell } from '../../extract/tabular/dates.ts';
import { NumberReader, type NumberLocaleSetting } from '../../extract/tabular/numbers.ts';
import { cellRef } from '../../extract/tabular/refs.ts';
import type { Cell, TabularRow } from '../../extract/tabular/types.ts';
import type { RowError } from '../shared/checkpoints.ts';

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
  mapping?: ColumnMapping<CostUpdateField>;
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

/**
 * The synchronous core: push rows, take lines. Errors are collected (capped at maxErrors, all
 * counted); only a file without a usable header throws.
 */
export class CostUpdateParser {
  private readonly header: HeaderColumns<CostUpdateField>;
  private readonly numbers: NumberReader;
  private readonly errors: RowErrors;
  private currencyErrors = 0;
  private rowCount = 0;
  private lineCount = 0;
  private readonly currencies = new Set<string>();

  constructor(private readonly options: CostUpdateParseOptions) {
    this.header = new HeaderColumns({
      fields: COST_UPDATE_FIELDS,
      aliases: COST_UPDATE_ALIASES,
      mapping: options.mapping,
      mappingMode: 'replace',
      duplicates: 'refuse',
      accepts: (found) => found.product !== undefined && found.cost !== undefined,
      expected:
        'a product column (product, sku, part number…) and a cost column (cost, standard cost, price…), optionally currency, valid from and unit',
      configKey: 'costs.updates.columns',
      maxScan: options.maxHeaderScan,
    });
    this.numbers = new NumberReader(options.numberLocale ?? 'auto');
    this.errors = new RowErrors(options.maxErrors ?? 1000);
  }

  push(row: TabularRow, out: CostUpdateLine[]): void {
    const c = this.header.columns;
    if (c === undefined) {
      this.header.seek(row);
      return;
    }
    if (isBlankRow(row.cells)) return;
    this.rowCount++;
    const cell = (field: CostUpdateField): Cell => this.header.cell(row, field);
    const problems: RowError[] = [];
    const fail = (field: CostUpdateField, value: Cell, message: string) => problems.push(this.header.problem(row, field, value, message));

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
      const parsed = parseDateCell(v);
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
      this.errors.add(...problems);
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
    this.header.requireHeader();
  }

  summary(): CostUpdateSummary {
    return {
      headerRef: this.header.headerRef,
      columns: this.header.columnNames(),
      rows: this.rowCount,
      lines: this.lineCount,
      errors: this.errors.list(),
      errorCount: this.errors.count,
      currencyErrors: this.currencyErrors,
      currencies: [...this.currencies].sort(),
    };
  }
}
