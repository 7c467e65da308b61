import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataValidationError } from '../../core/errors.ts';
import { openTabular, type TabularRow } from '../../extract/tabular/index.ts';
import {
  ForecastLineSchema,
  labelsFromFileName,
  labelsFromTitleRows,
  parseForecastRows,
  type ForecastLine,
  type ForecastParseOptions,
  type ForecastParseSummary,
} from '../../transform/forecast/index.ts';
import { makeTmpDir, writeWorkbook } from '../fixtures/files.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTmpDir('forecast')));
afterAll(() => cleanup());

let counter = 0;

async function parseFile(
  content: string | ((wb: ExcelJS.Workbook) => void),
  options: ForecastParseOptions = {},
): Promise<{ lines: ForecastLine[]; summary: ForecastParseSummary }> {
  const path = join(dir, `f${counter++}.${typeof content === 'string' ? 'csv' : 'xlsx'}`);
  if (typeof content === 'string') await writeFile(path, content);
  else await writeWorkbook(path, content);
  const source = await openTabular(path);
  const parse = parseForecastRows(source.batches(), options);
  const lines: ForecastLine[] = [];
  for await (const batch of parse.batches()) lines.push(...batch);
  return { lines, summary: parse.summary };
}

async function parseRows(rows: TabularRow[], options: ForecastParseOptions = {}) {
  const parse = parseForecastRows(rows, options);
  const lines: ForecastLine[] = [];
  for await (const line of parse) lines.push(line);
  return { lines, summary: parse.summary };
}

const row = (ref: string, ...cells: TabularRow['cells']): TabularRow => ({ ref, cells });

describe('long layout', () => {
  it('turns a long CSV into canonical lines with file line numbers', async () => {
    const csv = 'Product,Warehouse,Period,Quantity,UoM\nA-1,WH1,2026-W49,120,Units\nA-1,WH1,2026-12-09,80.5,Units\nB-2,WH2,2027-W01,0,kg\n';
    const { lines, summary } = await parseFile(csv);
    expect(lines).toEqual([
      { product: 'A-1', warehouse: 'WH1', periodStart: '2026-11-30', quantity: 120, unit: 'Units', sourceRef: '2' },
      { product: 'A-1', warehouse: 'WH1', periodStart: '2026-12-07', quantity: 80.5, unit: 'Units', sourceRef: '3' },
      { product: 'B-2', warehouse: 'WH2', periodStart: '2027-01-04', quantity: 0, unit: 'kg', sourceRef: '4' },
    ]);
    for (const line of lines) expect(ForecastLineSchema.safeParse(line).success).toBe(true);
    expect(summary).toMatchObject({ layout: 'long', headerRef: '1', rows: 3, lines: 3, errorCount: 0, warehouses: ['WH1', 'WH2'] });
    expect(summary.columns).toEqual({ product: 'Product', warehouse: 'Warehouse', period: 'Period', quantity: 'Quantity', unit: 'UoM' });
  });

  it('matches header aliases whatever their case, spacing and punctuation', async () => {
    const csv = 'PART NUMBER;plant ;Week_Start;Forecast Qty\nX;P1;2026-12-07;5\n';
    const { lines, summary } = await parseFile(csv);
    expect(lines[0]).toMatchObject({ product: 'X', warehouse: 'P1', periodStart: '2026-12-07', quantity: 5 });
    expect(summary.columns.product).toBe('PART NUMBER');
  });

  it('reads a semicolon CSV with decimal commas and thousands separators', async () => {
    const csv = 'Artikel;Werk;Woche;Menge\nA;P1;2026-W49;1.234,5\nB;P1;2026-W49;0,75\nC;P1;2026-W49;12\n';
    const { lines, summary } = await parseFile(csv);
    expect(lines.map((l) => l.quantity)).toEqual([1234.5, 0.75, 12]);
    expect(summary.numberLocale).toBe('de');
  });

  it('holds rows with ambiguous numbers until a later row shows the number style', async () => {
    const csv = 'sku;site;period;qty\nA;P1;2026-W49;1.500\nB;P1;2026-W49;2.000\nC;P1;2026-W49;2,5\n';
    const { lines, summary } = await parseFile(csv);
    expect(new Map(lines.map((l) => [l.product, l.quantity]))).toEqual(
      new Map([
        ['A', 1500],
        ['B', 2000],
        ['C', 2.5],
      ]),
    );
    expect(summary.errorCount).toBe(0);
  });

  it('reports numbers that stay ambiguous, asking for the locale', async () => {
    const { lines, summary } = await parseFile('sku,site,period,qty\nA,P1,2026-W49,"1,500"\nB,P1,2026-W49,7\n');
    expect(lines.map((l) => l.product)).toEqual(['B']);
    expect(summary.errors).toEqual([
      {
        ref: '2',
        column: 'qty',
        value: '1,500',
        message: 'quantity "1,500" could be read as 1500 or 1.5; set the number locale (en or de) for this file',
      },
    ]);
  });

  it('uses the configured number locale', async () => {
    const { lines } = await parseFile('sku,site,period,qty\nA,P1,2026-W49,"1,500"\n', { numberLocale: 'en' });
    expect(lines[0]!.quantity).toBe(1500);
  });

  it('reads Excel serials, Date cells and text dates as periods', async () => {
    const { lines } = await parseFile((wb) => {
      const ws = wb.addWorksheet('Data');
      ws.addRow(['Item', 'Location', 'Date', 'Demand']);
      ws.addRow(['A', 'W', new Date(Date.UTC(2026, 11, 9)), 1]);
      ws.addRow(['A', 'W', 46363, 2]);
      ws.addRow(['A', 'W', '09.12.2026', 3]);
      ws.addRow(['A', 'W', '2026-W51', '4']);
    });
    expect(lines.map((l) => [l.periodStart, l.quantity, l.sourceRef])).toEqual([
      ['2026-12-07', 1, 'Data!2'],
      ['2026-12-07', 2, 'Data!3'],
      ['2026-12-07', 3, 'Data!4'],
      ['2026-12-14', 4, 'Data!5'],
    ]);
  });

  it('collects every row error (not fail-fast) with XLSX cell references', async () => {
    const { lines, summary } = await parseFile((wb) => {
      const ws = wb.addWorksheet('Plan');
      ws.addRow(['product', 'warehouse', 'period', 'qty']);
      ws.addRow(['A', 'W', '2026-W49', 'lots']);
      ws.addRow([null, 'W', '2027-W53', 5]);
      ws.addRow(['C', 'W', '2026-W49', 3]);
      ws.addRow(['D', 'W', '2026-13-01', null]);
    });
    expect(lines.map((l) => l.product)).toEqual(['C']);
    expect(summary.errorCount).toBe(5);
    expect(summary.errors).toEqual([
      { ref: 'Plan!D2', column: 'qty', value: 'lots', message: 'quantity "lots" is not a number' },
      { ref: 'Plan!A3', column: 'product', value: '', message: 'product is empty' },
      { ref: 'Plan!C3', column: 'period', value: '2027-W53', message: 'period is not a week: 2027 has 52 ISO weeks' },
      { ref: 'Plan!C5', column: 'period', value: '2026-13-01', message: 'period is not a valid calendar date' },
      { ref: 'Plan!D5', column: 'qty', value: '', message: 'quantity is empty' },
    ]);
  });

  it('caps the stored errors but counts them all', async () => {
    const body = Array.from({ length: 50 }, (_, i) => `P${i},W,2026-W49,x`).join('\n');
    const { summary } = await parseFile(`product,warehouse,period,qty\n${body}\n`, { maxErrors: 10 });
    expect(summary.errors).toHaveLength(10);
    expect(summary.errorCount).toBe(50);
    expect(summary.errors[9]!.ref).toBe('11');
  });

  it('skips blank rows', async () => {
    const { lines, summary } = await parseRows([
      row('1', 'product', 'warehouse', 'period', 'qty'),
      row('2', 'A', 'W', '2026-W49', 1),
      row('3', null, ' ', null, ''),
      row('4', 'B', 'W', '2026-W49', 2),
    ]);
    expect(lines).toHaveLength(2);
    expect(summary).toMatchObject({ rows: 2, blankRows: 1, errorCount: 0 });
  });
});

describe('wide layout', () => {
  it('reads a realistic export: title rows, then product/plant and one column per week date', async () => {
    const weeks = [0, 7, 14].map((d) => new Date(Date.UTC(2026, 11, 7 + d)));
    const { lines, summary } = await parseFile((wb) => {
      const ws = wb.addWorksheet('Forecast');
      ws.addRow(['Demand forecast export']);
      ws.addRow(['Version:', 'FC-2026-12']);
      ws.addRow([]);
      ws.addRow(['Item code', 'Description', 'Plant', ...weeks, 'Total']);
      ws.addRow(['A-1', 'Widget', 'P01', 10, null, 30, 40]);
      ws.addRow(['B-2', 'Gadget', 'P01', '1,5', 2, 0, 3.5]);
    });
    expect(summary).toMatchObject({ layout: 'wide', headerRef: 'Forecast!4', periodColumns: 3, version: 'FC-2026-12', scope: 'P01' });
    expect(summary.ignoredColumns).toEqual(['Description', 'Total']);
    expect(lines.map((l) => [l.product, l.periodStart, l.quantity, l.sourceRef])).toEqual([
      ['A-1', '2026-12-07', 10, 'Forecast!D5'],
      ['A-1', '2026-12-21', 30, 'Forecast!F5'],
      ['B-2', '2026-12-07', 1.5, 'Forecast!D6'],
      ['B-2', '2026-12-14', 2, 'Forecast!E6'],
      ['B-2', '2026-12-21', 0, 'Forecast!F6'],
    ]);
  });

  it('reads ISO week headers across the year end from CSV', async () => {
    const csv = 'sku;warehouse;2026-W52;2026-W53;2027-W01\nA;W1;1;2;3\n';
    const { lines } = await parseFile(csv);
    expect(lines.map((l) => [l.periodStart, l.quantity])).toEqual([
      ['2026-12-21', 1],
      ['2026-12-28', 2],
      ['2027-01-04', 3],
    ]);
  });

  it('reads month headers into monthly buckets', async () => {
    const csv = 'product,plant,Dec 2026,January 2027,2027-02\nA,P1,1,2,3\n';
    const { lines } = await parseFile(csv, { periods: { bucket: 'month' } });
    expect(lines.map((l) => l.periodStart)).toEqual(['2026-12-01', '2027-01-01', '2027-02-01']);
  });

  it('reports a period header that cannot be used once, not once per row', async () => {
    const csv = 'product,plant,2026-W49,Dec 2026\nA,P1,1,2\nB,P1,3,4\n';
    const { lines, summary } = await parseFile(csv);
    expect(lines.map((l) => l.quantity)).toEqual([1, 3]);
    expect(summary.errors).toEqual([
      {
        ref: '1',
        column: 'Dec 2026',
        value: 'Dec 2026',
        message: 'period header is a month; monthly figures cannot be placed in weekly buckets; column skipped',
      },
    ]);
  });
});

describe('header and mapping', () => {
  it('finds the header under title rows', async () => {
    const csv = 'Forecast for December\nexported 2026-12-01\n\nproduct,warehouse,period,qty\nA,W,2026-W49,1\n';
    const { lines, summary } = await parseFile(csv);
    expect(summary.headerRef).toBe('4');
    expect(lines[0]!.sourceRef).toBe('5');
  });

  it('fails clearly when no header is found, naming the closest row', async () => {
    const rows = [row('1', 'Item', 'Qty'), ...Array.from({ length: 25 }, (_, i) => row(String(i + 2), 'A', 1))];
    const err = await parseRows(rows).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataValidationError);
    expect((err as Error).message).toMatch(/No header row found in the first 20 rows.*Closest was row 1, with product, quantity/);
  });

  it('does not take a title row with one alias and a date for a wide header', async () => {
    const rows = [row('1', 'Item', new Date(Date.UTC(2026, 11, 1))), row('2', 'Product', 'Plant', '2026-W49'), row('3', 'A', 'P1', 4)];
    const { lines, summary } = await parseRows(rows);
    expect(summary.headerRef).toBe('2');
    expect(lines).toEqual([{ product: 'A', warehouse: 'P1', periodStart: '2026-11-30', quantity: 4, unit: undefined, sourceRef: '3' }]);
  });

  it('skips a legend row naming two aliases of one field and finds the header below', async () => {
    const rows = [row('1', 'Product', 'Item'), row('2', 'Product', 'Plant', 'Week', 'Qty'), row('3', 'A', 'P1', '2026-W49', 4)];
    const { summary } = await parseRows(rows);
    expect(summary).toMatchObject({ headerRef: '2', lines: 1 });
  });

  it('fails clearly on a file that ends before any header', async () => {
    const err = await parseRows([row('1', 'just a title')]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/No header row found/);
  });

  it('refuses two columns for the same field instead of guessing', async () => {
    const err = await parseRows([row('1', 'sku', 'item', 'warehouse', 'week', 'qty')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataValidationError);
    expect((err as Error).message).toMatch(/"sku" and "item" both look like the product column/);
  });

  it('uses a configured mapping instead of the aliases', async () => {
    const rows = [row('1', 'Mat.-Nr.', 'Lagerort', 'Bucket', 'Plan Menge', 'qty'), row('2', 'M1', 'L1', '2026-W49', 5, 99)];
    const { lines, summary } = await parseRows(rows, { mapping: { product: 'Mat.-Nr.', warehouse: ['Lagerort'], quantity: 'Plan Menge' } });
    expect(lines[0]).toMatchObject({ product: 'M1', warehouse: 'L1', quantity: 5 });
    expect(summary.ignoredColumns).toEqual(['qty']);
  });

  it('takes the warehouse from the scope when the file has no warehouse column', async () => {
    const rows = [row('1', 'product', 'period', 'qty'), row('2', 'A', '2026-W49', 5)];
    const { lines, summary } = await parseRows(rows, { scope: 'P07', version: 'v3' });
    expect(lines[0]!.warehouse).toBe('P07');
    expect(summary).toMatchObject({ scope: 'P07', version: 'v3' });
    const err = await parseRows(rows).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/no warehouse\/plant column and no scope/);
  });

  it('takes the scope from a "Plant: …" title row', async () => {
    const rows = [row('1', 'Plant: P09'), row('2', 'product', 'period', 'qty'), row('3', 'A', '2026-W49', 5)];
    const { lines, summary } = await parseRows(rows);
    expect(lines[0]!.warehouse).toBe('P09');
    expect(summary.scope).toBe('P09');
  });
});

describe('scope and version labels', () => {
  it('reads scope and version from the file name with a configured pattern', () => {
    const pattern = /^forecast_(?<scope>[A-Z0-9]+)_(?<version>[^.]+)\.(csv|xlsx)$/i;
    expect(labelsFromFileName('forecast_P01_2026-W49.xlsx', pattern)).toEqual({ scope: 'P01', version: '2026-W49' });
    expect(labelsFromFileName('other.csv', pattern)).toEqual({});
    expect(labelsFromFileName('fc-P02.csv', '^fc-(?<scope>\\w+)')).toEqual({ scope: 'P02' });
  });

  it('reads labelled title rows, inline or in the next cell', () => {
    expect(labelsFromTitleRows([['Forecast version = V7'], ['Site', null, 'S1']])).toEqual({ version: 'V7', scope: 'S1' });
    expect(labelsFromTitleRows([['Monthly forecast'], ['prepared by: Ann']])).toEqual({});
  });
});
