/**
 * Files read by column name (extract/tabular/columns.ts): the header under title rows, configured
 * names against built-in aliases, two columns for one field, the closest miss in the error, and
 * row problems that name cell, column and value.
 */
import { describe, expect, it } from 'vitest';
import { aliasIndex, HeaderColumns, RowErrors, type HeaderSpec } from '../../extract/tabular/columns.ts';
import type { TabularRow } from '../../extract/tabular/types.ts';

const FIELDS = ['code', 'qty', 'note'] as const;
type Field = (typeof FIELDS)[number];
const ALIASES = { code: ['code', 'sku'], qty: ['qty', 'quantity'], note: ['note', 'remark'] };

const spec = (over: Partial<HeaderSpec<Field>> = {}): HeaderSpec<Field> => ({
  fields: FIELDS,
  aliases: ALIASES,
  mappingMode: 'replace',
  duplicates: 'refuse',
  accepts: (found) => found.code !== undefined && found.qty !== undefined,
  expected: 'a code and a qty column',
  configKey: 'test.columns',
  maxScan: 3,
  ...over,
});
const row = (ref: number, ...cells: (string | number | null)[]): TabularRow => ({ ref: String(ref), cells });

describe('columns read by header name', () => {
  it('finds the header under title rows and reads cells by field', () => {
    const header = new HeaderColumns(spec());
    header.seek(row(1, 'Stock list', null));
    header.seek(row(2, null, 'SKU', 'Quantity', 'Colour'));
    expect(header.headerRef).toBe('2');
    expect(header.columnNames()).toEqual({ code: 'SKU', qty: 'Quantity' });
    expect(header.ignoredColumns()).toEqual(['Colour']);
    const data = row(3, null, 'A-1', 'five');
    expect(header.cell(data, 'code')).toBe('A-1');
    expect(header.cell(data, 'note')).toBeNull();
    // a CSV line is named by its number (the column is reported beside it); an XLSX cell as Excel names it
    expect(header.problem({ ref: 'Sheet1!3', cells: [] }, 'qty', 'five', 'x').ref).toBe('Sheet1!C3');
    expect(header.problem(data, 'qty', 'five', 'not a number')).toEqual({
      ref: '3',
      column: 'Quantity',
      value: 'five',
      message: 'not a number',
    });
  });

  it('a configured name replaces the aliases of its field, or adds to them', () => {
    const replace = aliasIndex({ fields: FIELDS, aliases: ALIASES, mapping: { qty: 'Menge' }, mappingMode: 'replace' });
    expect(replace.get('menge')).toBe('qty');
    expect(replace.has('quantity')).toBe(false);
    const add = aliasIndex({ fields: FIELDS, aliases: ALIASES, mapping: { qty: 'Menge' }, mappingMode: 'add' });
    expect(add.get('quantity')).toBe('qty');
    // a configured name wins over another field's alias
    expect(aliasIndex({ fields: FIELDS, aliases: ALIASES, mapping: { note: 'sku' }, mappingMode: 'add' }).get('sku')).toBe('note');
  });

  it('two columns for one field are refused with the config key to set, or the first is read', () => {
    expect(() => new HeaderColumns(spec()).seek(row(1, 'code', 'qty', 'quantity'))).toThrow(
      /Header row 1: two qty columns \("qty" and "quantity"\); configure test.columns/,
    );
    const first = new HeaderColumns(spec({ duplicates: 'first' }));
    first.seek(row(1, 'code', 'qty', 'quantity'));
    expect(first.columns).toEqual({ code: 0, qty: 1 });
  });

  it('no header within the scan names what was expected and the closest row', () => {
    const header = new HeaderColumns(spec());
    header.seek(row(1, 'title'));
    header.seek(row(2, 'sku', 'remark'));
    expect(() => header.seek(row(3, 'x'))).toThrow(
      'No header row found in the first 3 rows: expected a code and a qty column. Closest was row 2, with code, note.',
    );
    expect(() => new HeaderColumns(spec()).requireHeader()).toThrow(/No header row found/);
  });

  it('row errors keep the first ones and count them all', () => {
    const errors = new RowErrors(2);
    const e = (ref: string) => ({ ref, column: 'qty', value: '', message: 'empty' });
    errors.add(e('B2'), e('B3'));
    errors.add(e('B4'));
    expect(errors.count).toBe(3);
    expect(errors.list().map((x) => x.ref)).toEqual(['B2', 'B3']);
  });
});
