import { describe, expect, it } from 'vitest';
import { countKnownHeaders, findHeaderRow, normalizeHeader } from '../../extract/tabular/header.ts';
import { cellRef, columnLetters, quoteSheetName } from '../../extract/tabular/refs.ts';
import type { Cell, TabularRow } from '../../extract/tabular/types.ts';

async function* stream(rows: TabularRow[]): AsyncIterable<TabularRow> {
  yield* rows;
}

const known = new Set(['product', 'warehouse', 'qty', 'period'].map(normalizeHeader));
const isHeader = (cells: readonly Cell[]): boolean => countKnownHeaders(cells, known) >= 3;

describe('header detection', () => {
  it('normalises case, spaces and punctuation, keeping letters of any script', () => {
    expect(normalizeHeader('  Part Number ')).toBe('partnumber');
    expect(normalizeHeader('default_code')).toBe('defaultcode');
    expect(normalizeHeader('Menge (Stück)')).toBe('mengestück');
    expect(normalizeHeader(null)).toBe('');
  });

  it('finds the header below title rows and continues with the data rows', async () => {
    const rows: TabularRow[] = [
      { ref: '1', cells: ['Forecast December 2026'] },
      { ref: '2', cells: ['Plant', 'P01'] },
      { ref: '4', cells: ['Product', 'Ware house', 'QTY', 'Period'] },
      { ref: '5', cells: ['A', 'W', '1', '2026-W01'] },
      { ref: '6', cells: ['B', 'W', '2', '2026-W01'] },
    ];
    const match = await findHeaderRow(stream(rows), isHeader);
    expect(match?.header.ref).toBe('4');
    expect(match?.skipped.map((r) => r.ref)).toEqual(['1', '2']);
    const rest: string[] = [];
    for await (const row of match!.rest) rest.push(row.ref);
    expect(rest).toEqual(['5', '6']);
  });

  it('gives up after the scan limit', async () => {
    const rows = Array.from({ length: 30 }, (_, i): TabularRow => ({ ref: String(i + 1), cells: ['title'] }));
    rows.push({ ref: '31', cells: ['product', 'warehouse', 'qty'] });
    expect(await findHeaderRow(stream(rows), isHeader, 20)).toBeUndefined();
    expect((await findHeaderRow(stream(rows), isHeader, 40))?.header.ref).toBe('31');
  });
});

describe('cell references', () => {
  it('writes Excel column letters', () => {
    expect([0, 25, 26, 51, 52, 701, 702].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('quotes sheet names like Excel and keeps CSV line numbers as they are', () => {
    expect(quoteSheetName('Sheet1')).toBe('Sheet1');
    expect(quoteSheetName("Plan Q1's")).toBe("'Plan Q1''s'");
    expect(cellRef('Sheet1!12', 1)).toBe('Sheet1!B12');
    expect(cellRef("'Plan 2026'!7", 27)).toBe("'Plan 2026'!AB7");
    expect(cellRef('12', 3)).toBe('12');
  });
});
