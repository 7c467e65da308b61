/**
 * The streamed sheet writer behind the inventory report (load/workbooks/xlsx-rows.ts): rows
 * rendered as XML into exceljs' WorkbookWriter read back by exceljs exactly like rows exceljs wrote
 * itself (values, types, number formats, fills, dates), text protected against formulas, XML
 * specials and control characters escaped, spaces kept.
 */
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { columnLetter, excelSerial, type Style, StreamedSheet, xmlText } from '../../load/workbooks/xlsx-rows.ts';
import { makeTmpDir } from '../fixtures/files.ts';

const tmp = await makeTmpDir('xlsx-rows');
afterAll(() => tmp.cleanup());

const money: Style = { numFmt: '#,##0.00 "EUR";[Red]-#,##0.00 "EUR"' };
const red: Style = {
  numFmt: '0.00',
  fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } },
  font: { bold: true, color: { argb: 'FF9C0006' } },
};
const date: Style = { numFmt: 'yyyy-mm-dd hh:mm' };
const ROWS: Array<[string | null, number | null, number, Date | null, string]> = [
  ['plain', 12.5, -3, new Date(Date.UTC(2026, 0, 31, 18, 0)), 'a'],
  ['=HYPERLINK("http://x","y")', null, 0.1, null, '+1-2'],
  ['  spaced  ', 1e6, 7, new Date(Date.UTC(2026, 6, 1, 0, 0)), '@SUM(A1)'],
  ['<b>&"quotes"</b>\u0001bell', -0.5, 1, null, '-'],
  [null, 0, 2, null, '\tTab'],
];

async function write(file: string, exceljsRows: boolean): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: true, useSharedStrings: false });
  const sheet = new StreamedSheet(wb, 'Rows', ['Text', 'Money', 'Number', 'When', 'Code'], {
    autoFilterRows: ROWS.length,
    headerStyle: { font: { bold: true } },
    exceljsRows,
  });
  for (const r of ROWS) await sheet.addRow(r, [undefined, money, red, date, undefined]);
  await sheet.commit();
  await wb.commit();
}

async function read(file: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.getWorksheet('Rows')!;
  const rows = [];
  for (let r = 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    rows.push(
      [1, 2, 3, 4, 5].map((c) => {
        const cell = row.getCell(c);
        return {
          value: cell.value instanceof Date ? cell.value.toISOString() : cell.value,
          type: cell.type,
          numFmt: cell.numFmt,
          fill: (cell.fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb,
          bold: cell.font?.bold,
        };
      }),
    );
  }
  return { rows, views: ws.views, autoFilter: ws.autoFilter };
}

describe('StreamedSheet', () => {
  it('writes what exceljs itself would write, and protects text', async () => {
    const fast = path.join(tmp.dir, 'fast.xlsx');
    const slow = path.join(tmp.dir, 'slow.xlsx');
    await write(fast, false);
    await write(slow, true);
    const a = await read(fast);
    const b = await read(slow);
    // the same workbook, except: exceljs keeps a style on empty cells (they are left out here) and
    // drops control characters (shown as U+FFFD here)
    const normal = (x: typeof a) => ({
      ...x,
      rows: x.rows.map((r) =>
        r.map((c) =>
          c.value === null ? { value: null } : { ...c, value: typeof c.value === 'string' ? c.value.replace(/\ufffd/g, '') : c.value },
        ),
      ),
    });
    expect(normal(a)).toEqual(normal(b));
    expect(a.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(a.autoFilter).toBe('A1:E6');
    expect(a.rows[0]!.map((c) => c.value)).toEqual(['Text', 'Money', 'Number', 'When', 'Code']);
    expect(a.rows[0]![0]!.bold).toBe(true);
    const [plain, evil, spaced, specials, empty] = a.rows.slice(1);
    expect(plain!.map((c) => c.value)).toEqual(['plain', 12.5, -3, '2026-01-31T18:00:00.000Z', 'a']);
    expect(plain![1]).toMatchObject({ numFmt: money.numFmt, type: ExcelJS.ValueType.Number });
    expect(plain![2]).toMatchObject({ numFmt: '0.00', fill: 'FFFFC7CE', bold: true });
    expect(plain![3]).toMatchObject({ numFmt: 'yyyy-mm-dd hh:mm', type: ExcelJS.ValueType.Date });
    expect(evil!.map((c) => c.value)).toEqual([`'=HYPERLINK("http://x","y")`, null, 0.1, null, "'+1-2"]);
    expect(evil![0]!.type).toBe(ExcelJS.ValueType.String);
    expect(spaced!.map((c) => c.value)).toEqual(['  spaced  ', 1e6, 7, '2026-07-01T00:00:00.000Z', "'@SUM(A1)"]);
    expect(specials![0]!.value).toBe('<b>&"quotes"</b>\ufffdbell');
    expect(specials![4]!.value).toBe("'-");
    expect(empty!.map((c) => c.value)).toEqual([null, 0, 2, null, "'\tTab"]);
  });

  it('has helpers that get the edges right', () => {
    expect(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA'].map((_, i) => columnLetter([0, 25, 26, 51, 52, 701, 702][i]!))).toEqual([
      'A',
      'Z',
      'AA',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
    ]);
    expect(excelSerial(new Date(Date.UTC(2026, 0, 31, 18, 0)))).toBe(46053.75);
    expect(xmlText('a&b<c>"d"')).toBe('a&amp;b&lt;c&gt;&quot;d&quot;');
    expect(xmlText('x\u0000y\ud800z')).toBe('x\ufffdy\ufffdz');
    expect(xmlText('😀 fine')).toBe('😀 fine');
  });
});
