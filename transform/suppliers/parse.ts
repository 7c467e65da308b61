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
import { DataValidationError } from '../../core/errors.ts';
import { isBlankRow, shownCell } from '../../extract/tabular/cells.ts';
import { normalizeHeader } from '../../extract/tabular/header.ts';
import { NumberReader, type NumberLocaleSetting } from '../../extract/tabular/numbers.ts';
import { cellRef } from '../../extract/tabular/refs.ts';
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
  mapping?: Partial<Record<SupplierField, string | string[]>>;
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

function validDate(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1900 || y > 2999) return undefined;
  return date.toISOString().slice(0, 10);
}

/** A date cell as YYYY-MM-DD: XLSX dates, ISO dates, DD.MM.YYYY; anything else is refused. */
export function parseDateCell(cell: Cell): string | undefined {
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

const text = (cell: Cell): string | null => {
  if (cell === null) return null;
  const t = (cell instanceof Date ? shownCell(cell) : String(cell)).trim();
  return t === '' ? null : t;
};

export class SupplierFileParser {
  private readonly aliases = new Map<string, SupplierField>();
  private readonly numbers: NumberReader;
  private readonly maxErrors: number;
  private readonly maxHeaderScan: number;
  private columns: Partial<Record<SupplierField, number>> | undefined;
  private names: string[] = [];
  private headerRef: string | undefined;
  private scanned = 0;
  private readonly errors: RowError[] = [];
  private errorCount = 0;
  private rowCount = 0;
  private lineCount = 0;
  private untouched = 0;

  constructor(options: SupplierParseOptions = {}) {
    for (const field of SUPPLIER_FIELDS) {
      const configured = options.mapping?.[field];
      const names = configured === undefined ? SUPPLIER_ALIASES[field] : Array.isArray(configured) ? configured : [configured];
      for (const name of names) {
        const key = normalizeHeader(name);
        if (key && (!this.aliases.has(key) || configured !== undefined)) this.aliases.set(key, field);
      }
    }
    this.numbers = new NumberReader(options.numberLocale ?? 'auto');
    this.maxErrors = options.maxErrors ?? 1000;
    this.maxHeaderScan = options.maxHeaderScan ?? 20;
  }

  push(row: TabularRow, out: SupplierLine[]): void {
    if (this.columns === undefined) {
      this.seekHeader(row);
      return;
    }
    if (isBlankRow(row.cells)) return;
    this.rowCount++;
    const c = this.columns;
    const cell = (field: SupplierField): Cell => (c[field] === undefined ? null : (row.cells[c[field]!] ?? null));
    const problems: RowError[] = [];
    const fail = (field: SupplierField, value: Cell, message: string) =>
      problems.push({
        ref: c[field] === undefined ? row.ref : cellRef(row.ref, c[field]!),
        column: this.names[c[field] ?? -1] ?? field,
        value: shownCell(value),
        message,
      });
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
      this.errorCount += problems.length;
      for (const p of problems) if (this.errors.length < this.maxErrors) this.errors.push(p);
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
    if (this.columns === undefined) this.failNoHeader();
  }

  summary(): SupplierParseSummary {
    const columns: Partial<Record<SupplierField, string>> = {};
    if (this.columns) for (const [field, index] of Object.entries(this.columns)) columns[field as SupplierField] = this.names[index]!;
    return {
      headerRef: this.headerRef,
      columns,
      rows: this.rowCount,
      lines: this.lineCount,
      untouched: this.untouched,
      errors: this.errors.slice(),
      errorCount: this.errorCount,
    };
  }

  private seekHeader(row: TabularRow): void {
    this.scanned++;
    const found: Partial<Record<SupplierField, number>> = {};
    row.cells.forEach((cell, index) => {
      const field = this.aliases.get(normalizeHeader(cell));
      if (field !== undefined && found[field] === undefined) found[field] = index;
    });
    const answers = found.confirmedQty !== undefined || found.confirmedDate !== undefined || found.shippedQty !== undefined;
    if (found.po !== undefined && answers) {
      this.columns = found;
      this.names = row.cells.map((c) => shownCell(c));
      this.headerRef = row.ref;
      return;
    }
    if (this.scanned >= this.maxHeaderScan) this.failNoHeader();
  }

  private failNoHeader(): never {
    throw new DataValidationError(
      `No header row found in the first ${this.maxHeaderScan} rows: expected a PO column (PO, purchase order…) and at least one of confirmed qty, confirmed date or shipped qty, beside the line (line, line id, product or supplier code).`,
      { context: { scannedRows: this.scanned } },
    );
  }
}
