/**
 * Which column is which. Headers are matched case-, space- and punctuation-insensitively against
 * aliases (or the configured mapping), then the layout is decided:
 *   long: product [warehouse] period quantity [unit] — one line per row
 *   wide: product [warehouse] [unit] then one column per period (dates, ISO weeks, months)
 * A row is only a header when it makes a complete layout, so title rows above it never match.
 */
import { normalizeHeader } from '../../extract/tabular/header.ts';
import { cellRef } from '../../extract/tabular/refs.ts';
import type { Cell } from '../../extract/tabular/types.ts';
import { looksLikePeriod, type PeriodNormaliser } from './periods.ts';
import { FORECAST_FIELDS, type ColumnMapping, type ForecastField, type RowError } from './schema.ts';

export const DEFAULT_ALIASES: Readonly<Record<ForecastField, readonly string[]>> = {
  product: [
    'product',
    'product code',
    'product id',
    'sku',
    'default_code',
    'default code',
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
  warehouse: ['warehouse', 'warehouse code', 'plant', 'plant code', 'site', 'location', 'wh', 'lager', 'werk', 'standort'],
  period: ['period', 'period start', 'week', 'week start', 'date', 'month', 'bucket', 'periode', 'woche', 'kw', 'datum', 'monat'],
  quantity: ['quantity', 'qty', 'forecast', 'forecast qty', 'forecast quantity', 'demand', 'demand qty', 'menge', 'bedarf', 'prognose'],
  unit: ['unit', 'uom', 'unit of measure', 'uom code', 'einheit', 'me', 'mengeneinheit'],
};

/** normalised header name → field */
export type AliasIndex = ReadonlyMap<string, ForecastField>;

export function buildAliasIndex(mapping: ColumnMapping = {}): AliasIndex {
  const index = new Map<string, ForecastField>();
  for (const field of FORECAST_FIELDS) {
    const configured = mapping[field];
    // a configured field accepts only its configured names, not the default aliases
    const names = configured === undefined ? DEFAULT_ALIASES[field] : Array.isArray(configured) ? configured : [configured];
    for (const name of names) {
      const key = normalizeHeader(name);
      // a configured name beats a default alias of another field ("forecast" as the period column…)
      if (key && (!index.has(key) || configured !== undefined)) index.set(key, field);
    }
  }
  return index;
}

export interface PeriodColumn {
  index: number;
  header: string;
  /** bucket start, or undefined when the header is a period that cannot be used */
  start: string | undefined;
}

export interface HeaderLayout {
  layout: 'long' | 'wide';
  /** column index per field */
  columns: Partial<Record<ForecastField, number>>;
  /** display text of every header cell */
  names: string[];
  periodColumns: PeriodColumn[];
  ignored: string[];
  /** problems with the header itself (unusable period headers) */
  errors: RowError[];
}

export interface HeaderCandidate {
  found: ForecastField[];
  layout: HeaderLayout | undefined;
  /** two columns for one field: a header, but an unusable one */
  conflict: string | undefined;
}

export function headerDisplay(cell: Cell): string {
  if (cell === null) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString().slice(0, 10);
  return String(cell).trim();
}

/** Test one row as the header; `layout` is set when it makes a complete long or wide layout. */
export function analyseHeader(cells: readonly Cell[], rowRef: string, aliases: AliasIndex, periods: PeriodNormaliser): HeaderCandidate {
  const columns: Partial<Record<ForecastField, number>> = {};
  const names = cells.map(headerDisplay);
  let conflict: string | undefined;
  const periodLike: number[] = [];
  cells.forEach((cell, i) => {
    const field = aliases.get(normalizeHeader(cell));
    if (field === undefined) {
      if (looksLikePeriod(cell)) periodLike.push(i);
      return;
    }
    const previous = columns[field];
    if (previous === undefined) columns[field] = i;
    else conflict ??= `columns ${JSON.stringify(names[previous])} and ${JSON.stringify(names[i])} both look like the ${field} column`;
  });
  const found = FORECAST_FIELDS.filter((f) => columns[f] !== undefined);
  let layout: HeaderLayout['layout'] | undefined;
  if (columns.product !== undefined) {
    if (columns.period !== undefined && columns.quantity !== undefined) layout = 'long';
    // wide needs two period headers, or one beside a warehouse column: a title row such as
    // "SKU list | 2026-12-01" must not pass for a header
    else if (
      columns.period === undefined &&
      columns.quantity === undefined &&
      periodLike.length >= (columns.warehouse === undefined ? 2 : 1)
    ) {
      layout = 'wide';
    }
  }
  if (layout === undefined) return { found, layout: undefined, conflict };

  const used = new Set(Object.values(columns));
  const periodColumns: PeriodColumn[] = [];
  const errors: RowError[] = [];
  if (layout === 'wide') {
    for (const index of periodLike) {
      const result = periods.normalise(cells[index] ?? null);
      if (result.error !== undefined) {
        errors.push({
          ref: cellRef(rowRef, index),
          column: names[index]!,
          value: names[index]!,
          message: `period header ${result.error}; column skipped`,
        });
      }
      periodColumns.push({ index, header: names[index]!, start: result.start });
      used.add(index);
    }
  }
  const ignored = names.filter((name, i) => name !== '' && !used.has(i));
  return { found, conflict, layout: { layout, columns, names, periodColumns, ignored, errors } };
}
