/**
 * Supplier confirmation / ASN files (the returned purchase order file, or the supplier's own
 * sheet): the header is found under title rows, columns in any order (aliases, or the configured
 * `suppliers.columns`). A line is identified by PO number and the line (number, Odoo line id, our
 * product code or the supplier's), and carries what the supplier filled in: confirmed quantity
 * and date, shipped quantity, ship date, lot, their reference. Rows with a PO but nothing filled
 * in are skipped (the supplier did not answer for that line), as are lines marked cancelled or
 * received.
 * Pure: rows come from extract/tabular.
 */
import { isBlankRow, shownCell } from '../../extract/tabular/cells.ts';
import { type ColumnMapping, HeaderColumns, RowErrors } from '../../extract/tabular/columns.ts';
import { parseDateCell } from '../../extract/tabular/dates.ts';
import { NumberReader, type NumberLocaleSetting } from '../../extract/tabular/numbers.ts';
import type { Cell, TabularRow } from '../../extract/tabular/types.ts';
import type { RowError } from '../shared/checkpoints.ts';

export const SUPPLIER_FIELDS = [
  'status',
  'po',
  'line',
  'lineId',
  'product',
  'supplierCode',
  'unit',
  'confirmedQty',
  'confirmedDate',
  'shippedQty',
  'shipDate',
  'lot',
  'reference',
] as const;
export type SupplierField = (typeof SUPPLIER_FIELDS)[number];

export const SUPPLIER_ALIASES: Readonly<Record<SupplierField, readonly string[]>> = {
  status: ['status'],
  po: ['po', 'po number', 'po no', 'purchase order', 'order', 'order number', 'order no', 'bestellung', 'bestellnummer'],
  line: ['line', 'line no', 'line number', 'pos', 'position', 'item', 'item no'],
  lineId: ['line id', 'po line id', 'odoo line'],
  product: ['product', 'our code', 'product code', 'internal reference', 'part number', 'artikel', 'artikelnummer'],
  supplierCode: ['supplier code', 'vendor code', 'your code', 'vendor product code', 'supplier product code', 'lieferantenartikel'],
  unit: ['unit', 'uom', 'unit of measure', 'einheit', 'me'],
  confirmedQty: ['confirmed qty', 'confirmed quantity', 'qty confirmed', 'bestaetigte menge', 'bestätigte menge'],
  confirmedDate: ['confirmed date', 'confirmed delivery', 'delivery date', 'liefertermin', 'bestaetigter termin', 'bestätigter termin'],
  shippedQty: ['shipped qty', 'shipped quantity', 'qty shipped', 'asn qty', 'versandmenge', 'gelieferte menge'],
  shipDate: ['ship date', 'shipped on', 'shipping date', 'dispatch date', 'versanddatum'],
  lot: ['lot', 'lot number', 'batch', 'charge', 'chargennummer'],
  reference: ['your reference', 'supplier reference', 'reference', 'asn', 'asn number', 'delivery note', 'lieferschein'],
};

export interface SupplierLine {
  lineNo: number;
  sourceRef: string;
  poName: string;
  lineId: number | null;
  linePos: number | null;
  productCode: string | null;
  supplierCode: string | null;
  unit: string | null;
  confirmedQty: number | null;
  /** YYYY-MM-DD */
  confirmedDate: string | null;
  shippedQty: number | null;
  shipDate: string | null;
  lot: string | null;
  reference: string | null;
}

export interface SupplierParseOptions {
  mapping?: ColumnMapping<SupplierField>;
  numberLocale?: NumberLocaleSetting;
  maxErrors?: number;
  maxHeaderScan?: number;
}

export interface SupplierParseSummary {
  headerRef: string | undefined;
  columns: Partial<Record<SupplierField, string>>;
  rows: number;
  lines: number;
  /** rows with a PO and nothing filled in */
  untouched: number;
  errors: RowError[];
  errorCount: number;
}

const text = (cell: Cell): string | null => {
  if (cell === null) return null;
  const t = (cell instanceof Date ? shownCell(cell) : String(cell)).trim();
  return t === '' ? null : t;
};

export class SupplierFileParser {
  private readonly header: HeaderColumns<SupplierField>;
  private readonly numbers: NumberReader;
  private readonly errors: RowErrors;
  private rowCount = 0;
  private lineCount = 0;
  private untouched = 0;

  constructor(options: SupplierParseOptions = {}) {
    this.header = new HeaderColumns({
      fields: SUPPLIER_FIELDS,
      aliases: SUPPLIER_ALIASES,
      mapping: options.mapping,
      mappingMode: 'replace',
      duplicates: 'first',
      accepts: (found) =>
        found.po !== undefined && (found.confirmedQty !== undefined || found.confirmedDate !== undefined || found.shippedQty !== undefined),
      expected:
        'a PO column (PO, purchase order…) and at least one of confirmed qty, confirmed date or shipped qty, beside the line (line, line id, product or supplier code)',
      configKey: 'suppliers.columns',
      maxScan: options.maxHeaderScan,
    });
    this.numbers = new NumberReader(options.numberLocale ?? 'auto');
    this.errors = new RowErrors(options.maxErrors ?? 1000);
  }

  push(row: TabularRow, out: SupplierLine[]): void {
    if (this.header.columns === undefined) {
      this.header.seek(row);
      return;
    }
    if (isBlankRow(row.cells)) return;
    this.rowCount++;
    const cell = (field: SupplierField): Cell => this.header.cell(row, field);
    const problems: RowError[] = [];
    const fail = (field: SupplierField, value: Cell, message: string) => problems.push(this.header.problem(row, field, value, message));
    const status = text(cell('status'))?.toLowerCase();
    if (status === 'cancelled' || status === 'received') return;
    const qty = (field: SupplierField): number | null => {
      const v = cell(field);
      if (v === null || (typeof v === 'string' && v.trim() === '')) return null;
      const n = typeof v === 'number' ? v : typeof v === 'string' ? this.numbers.read(v.trim()) : NaN;
      if (!Number.isFinite(n)) {
        fail(field, v, typeof v === 'string' ? this.numbers.describe(v) : 'not a number');
        return null;
      }
      if (n < 0) fail(field, v, 'a quantity cannot be negative');
      return n;
    };
    const date = (field: SupplierField): string | null => {
      const v = cell(field);
      if (v === null || (typeof v === 'string' && v.trim() === '')) return null;
      const d = parseDateCell(v);
      if (d === undefined) fail(field, v, 'not a date: write it as YYYY-MM-DD (or DD.MM.YYYY)');
      return d ?? null;
    };
    const whole = (field: SupplierField): number | null => {
      const v = cell(field);
      if (v === null || (typeof v === 'string' && v.trim() === '')) return null;
      const n = typeof v === 'number' ? v : Number(String(v).trim());
      if (!Number.isInteger(n) || n <= 0) {
        fail(field, v, 'expected a whole number');
        return null;
      }
      return n;
    };

    const poName = text(cell('po'));
    const confirmedQty = qty('confirmedQty');
    const confirmedDate = date('confirmedDate');
    const shippedQty = qty('shippedQty');
    const shipDate = date('shipDate');
    const lot = text(cell('lot'));
    if (poName === null) {
      if (problems.length === 0 && confirmedQty === null && confirmedDate === null && shippedQty === null) return; // a note row
      fail('po', cell('po'), 'the PO number is empty');
    }
    if (problems.length === 0 && confirmedQty === null && confirmedDate === null && shippedQty === null) {
      this.untouched++;
      return;
    }
    if (shippedQty === null && lot !== null) fail('lot', cell('lot'), 'a lot without a shipped quantity');
    const lineId = whole('lineId');
    const linePos = whole('line');
    const productCode = text(cell('product'));
    const supplierCode = text(cell('supplierCode'));
    if (lineId === null && linePos === null && productCode === null && supplierCode === null && problems.length === 0)
      fail('line', null, 'the line is not identified: give the line number, our product code or your product code');
    if (problems.length > 0) {
      this.errors.add(...problems);
      return;
    }
    this.lineCount++;
    out.push({
      lineNo: this.lineCount,
      sourceRef: row.ref,
      poName: poName!,
      lineId,
      linePos,
      productCode,
      supplierCode,
      unit: text(cell('unit')),
      confirmedQty,
      confirmedDate,
      shippedQty,
      shipDate,
      lot,
      reference: text(cell('reference')),
    });
  }

  finish(): void {
    this.header.requireHeader();
  }

  summary(): SupplierParseSummary {
    return {
      headerRef: this.header.headerRef,
      columns: this.header.columnNames(),
      rows: this.rowCount,
      lines: this.lineCount,
      untouched: this.untouched,
      errors: this.errors.list(),
      errorCount: this.errors.count,
    };
  }
}
