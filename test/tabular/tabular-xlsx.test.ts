import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTabular, openXlsx, TabularFormatError, type TabularRow } from '../../extract/tabular/index.ts';
import { makeTmpDir, measure, minimalXlsxParts, sheetXml, writeWorkbook, writeZip, zeroBomb } from '../fixtures/files.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTmpDir('xlsx')));
afterAll(() => cleanup());

let counter = 0;
const path = (name = `w${counter++}.xlsx`): string => join(dir, name);

async function rowsOf(file: string, sheet?: string): Promise<TabularRow[]> {
  const out: TabularRow[] = [];
  for await (const row of (await openXlsx(file, sheet === undefined ? {} : { sheet })).rows()) out.push(row);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<TabularFormatError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TabularFormatError);
  return err as TabularFormatError;
}

const SHEET = 'xl/worksheets/sheet1.xml';

describe('XLSX cells', () => {
  it('reads dates, numbers, numeric text, formulas (cached result), rich text, links and errors', async () => {
    const file = await writeWorkbook(path(), (wb) => {
      const ws = wb.addWorksheet('Forecast');
      ws.addRow(['product', 'date', 'qty', 'text qty', 'formula', 'rich', 'link', 'error', 'date formula']);
      ws.addRow([
        'A-1',
        new Date(Date.UTC(2026, 11, 7)),
        12.5,
        '1.234,5',
        { formula: 'C2*2', result: 25 },
        { richText: [{ text: 'Gr' }, { font: { bold: true }, text: 'öße' }] },
        { text: 'see', hyperlink: 'https://example.com' },
        { error: '#N/A' },
        { formula: 'DATE(2026,12,7)', result: 46363 },
      ] as ExcelJS.CellValue[]);
      ws.getCell('I2').numFmt = 'yyyy-mm-dd';
    });
    const [header, row] = await rowsOf(file);
    expect(header!.ref).toBe('Forecast!1');
    expect(row!.ref).toBe('Forecast!2');
    expect(row!.cells).toEqual([
      'A-1',
      new Date(Date.UTC(2026, 11, 7)),
      12.5,
      '1.234,5',
      25,
      'Größe',
      'see',
      '#N/A',
      new Date(Date.UTC(2026, 11, 7)),
    ]);
  });

  it('trims empty trailing columns and skips empty (styled) rows, keeping sheet row numbers', async () => {
    const file = await writeWorkbook(path(), (wb) => {
      const ws = wb.addWorksheet('S');
      ws.addRow(['a', 'b']);
      ws.getCell('F1').style = { font: { bold: true } };
      ws.getRow(2).getCell(1).style = { font: { italic: true } };
      ws.getCell('A3').value = 'c';
      ws.getCell('C3').value = 3;
      ws.getCell('A40').style = { font: { bold: true } };
    });
    const rows = await rowsOf(file);
    expect(rows.map((r) => [r.ref, r.cells])).toEqual([
      ['S!1', ['a', 'b']],
      ['S!3', ['c', null, 3]],
    ]);
  });

  it('keeps non-ASCII text intact across stream chunk boundaries (exceljs decodes chunks separately)', async () => {
    const file = await writeWorkbook(path(), (wb) => {
      const ws = wb.addWorksheet('S');
      for (let i = 0; i < 4000; i++) {
        ws.addRow([`Größe-中文-ÄÖÜ-${i}`, { formula: '"x"', result: `Maß-日本-${i}` } as ExcelJS.CellValue]);
      }
    });
    const rows = await rowsOf(file);
    expect(rows).toHaveLength(4000);
    const broken = rows.filter((r) => r.cells.some((c) => typeof c === 'string' && c.includes('\ufffd')));
    expect(broken).toEqual([]);
    expect(rows[3999]!.cells).toEqual(['Größe-中文-ÄÖÜ-3999', 'Maß-日本-3999']);
  });

  it('shows a formula that has no cached result as its text instead of an empty cell', async () => {
    const data = sheetXml([['product', '2026-W49']]).replace(
      '</sheetData>',
      '<row r="2"><c r="A2" t="inlineStr"><is><t>A</t></is></c><c r="B2"><f>SUM(1,2)</f></c></row></sheetData>',
    );
    const file = await writeZip(path(), minimalXlsxParts({ name: SHEET, data }));
    const rows = await rowsOf(file);
    expect(rows[1]!.cells).toEqual(['A', '=SUM(1,2)']);
  });
});

describe('XLSX sheets', () => {
  const book = (): Promise<string> =>
    writeWorkbook(path(), (wb) => {
      wb.addWorksheet('Notes', { state: 'hidden' }).addRow(['hidden']);
      wb.addWorksheet('Plan 2026').addRow(['visible']);
      wb.addWorksheet('Other').addRow(['other']);
    });

  it('reads the first visible sheet by default', async () => {
    const source = await openXlsx(await book());
    expect(source.sheet.name).toBe('Plan 2026');
    const rows: TabularRow[] = [];
    for await (const r of source.rows()) rows.push(r);
    expect(rows.map((r) => [r.ref, r.cells[0]])).toEqual([["'Plan 2026'!1", 'visible']]);
  });

  it('reads the configured sheet, case-insensitively', async () => {
    const rows = await rowsOf(await book(), 'other');
    expect(rows[0]!.cells).toEqual(['other']);
  });

  it('names the available sheets when the configured one is missing', async () => {
    const err = await failure(openXlsx(await book(), { sheet: 'Forecast' }));
    expect(err.code).toBe('sheet-not-found');
    expect(err.message).toContain('"Plan 2026"');
  });

  it('is detected by content through openTabular', async () => {
    const file = await book();
    const renamed = path('plan.csv');
    await writeFile(renamed, await readFile(file));
    expect((await openTabular(renamed)).format).toBe('xlsx');
  });
});

describe('XLSX files that are refused before parsing', () => {
  it('refuses a file that is not a zip', async () => {
    const file = path();
    await writeFile(file, 'product,qty\nA,5\n');
    const err = await failure(openXlsx(file));
    expect(err.code).toBe('not-zip');
    expect(err.message).toMatch(/not a valid XLSX workbook/);
  });

  it('refuses a truncated workbook', async () => {
    const file = await writeWorkbook(path(), (wb) => wb.addWorksheet('S').addRow(['a']));
    await truncate(file, 600);
    const err = await failure(openXlsx(file));
    expect(err.code).toBe('not-zip');
  });

  it('refuses a zip that is not a workbook', async () => {
    const file = await writeZip(path(), [
      { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet', store: true },
      { name: 'content.xml', data: '<x/>' },
    ]);
    const err = await failure(openXlsx(file));
    expect(err.code).toBe('not-xlsx');
    expect(err.message).toMatch(/OpenDocument/);
  });

  it('refuses a part declared to expand to 2 GB, from the directory alone, in bounded time and memory', async () => {
    const file = await writeZip(
      path('bomb-declared.xlsx'),
      minimalXlsxParts({ name: SHEET, compressed: zeroBomb(2047), size: 2047 * 1024 * 1024 }),
    );
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    const run = await measure(() => openXlsx(file));
    expect((run.error as TabularFormatError).code).toBe('zip-limits');
    expect((run.error as TabularFormatError).message).toMatch(/zip bomb/);
    expect(run.ms).toBeLessThan(1000);
    expect(run.peakRssMb - rssBefore).toBeLessThan(64);
  });

  it('refuses a part whose compression ratio is too high', async () => {
    const file = await writeZip(
      path('bomb-ratio.xlsx'),
      minimalXlsxParts({ name: SHEET, compressed: zeroBomb(100), size: 100 * 1024 * 1024 }),
    );
    const err = await failure(openXlsx(file));
    expect(err.code).toBe('zip-limits');
    expect(err.message).toMatch(/compresses \d+:1/);
  });

  it('stops inflating a part that lies about its size (inflates past what it declares)', async () => {
    const file = await writeZip(path('bomb-lying.xlsx'), minimalXlsxParts({ name: SHEET, compressed: zeroBomb(1024), size: 4096 }));
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    const run = await measure(() => openXlsx(file));
    expect((run.error as TabularFormatError).code).toBe('zip-limits');
    expect((run.error as TabularFormatError).message).toMatch(/beyond its declared size/);
    expect(run.ms).toBeLessThan(1000);
    expect(run.peakRssMb - rssBefore).toBeLessThan(64);
  });

  it('refuses XML that declares entities, without resolving or echoing them', async () => {
    const prolog = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd"><!ENTITY boom "BOOM-TEXT">]>';
    const data = sheetXml(
      [
        ['product', '&boom;'],
        ['A', '&secret;'],
      ],
      prolog,
    );
    const file = await writeZip(path('entities.xlsx'), minimalXlsxParts({ name: SHEET, data }));
    const err = await failure(openXlsx(file));
    expect(err.code).toBe('xml-entities');
    expect(err.message).toMatch(/DOCTYPE or entities/);
    expect(err.message).not.toMatch(/BOOM-TEXT|passwd|secret/);
  });

  it('finds a DOCTYPE split across inflate chunks', async () => {
    const padding = `<!-- ${'p'.repeat(64 * 1024 - 60)} -->`;
    const data = sheetXml([['a']], `${padding}<!DOCTYPE x>`);
    const file = await writeZip(path(), minimalXlsxParts({ name: SHEET, data }));
    expect((await failure(openXlsx(file))).code).toBe('xml-entities');
  });

  it('refuses bytes hidden between zip entries (seen by streaming readers, not by the directory)', async () => {
    const parts = minimalXlsxParts({ name: SHEET, data: sheetXml([['a']]) });
    const file = await writeZip(path(), parts, { gapAfterFirst: Buffer.alloc(200, 0x41) });
    const err = await failure(openXlsx(file));
    expect(err.code).toBe('not-zip');
    expect(err.message).toMatch(/inconsistent/);
  });

  it('reads a minimal hand-made workbook that passes every check', async () => {
    const file = await writeZip(
      path(),
      minimalXlsxParts({
        name: SHEET,
        data: sheetXml([
          ['product', '2026-W49'],
          ['A-1', 5],
        ]),
      }),
    );
    const rows = await rowsOf(file);
    expect(rows.map((r) => r.cells)).toEqual([
      ['product', '2026-W49'],
      ['A-1', 5],
    ]);
  });
});
