/**
 * forecast-import rejections: what a planner gets back (the file in rejected/, an errors CSV and a
 * plain-words report), and hostile inputs at job level: malicious names, files that are not what
 * they claim, truncated, empty, garbage, a zip bomb. Each is a clear rejection, nothing is staged
 * and nothing is lost.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../extract/inbox/inbox.ts';
import { minimalXlsxParts, writeWorkbook, writeZip, zeroBomb } from '../fixtures/files.ts';
import {
  addWarehouses,
  archiveMonth,
  batchOf,
  drop,
  type ForecastHarness,
  forecastHarness,
  type ImportStats,
  lineCount,
  loadMasterData,
  longCsv,
  mondayOf,
  runImport,
  series,
  tree,
  week,
  weeks,
} from '../support/forecast.ts';

let h: ForecastHarness;
beforeAll(async () => {
  h = await forecastHarness('fc-reject');
  await loadMasterData(h.app);
  await addWarehouses(h.app, ['R01', 'R02', 'R03', 'R04']);
});
afterAll(async () => h?.close());

const rejectedDir = () => path.join(h.root, 'rejected');

/** errors CSV → rows of cells (the writer quotes only fields with `"`, `,` or line breaks) */
function parseErrorsCsv(text: string): string[][] {
  expect(text.startsWith('\ufeff')).toBe(true); // BOM, so Excel shows accents
  expect(text.endsWith('\r\n')).toBe(true);
  const rows: string[][] = [];
  for (const line of text.slice(1).split('\r\n').slice(0, -1)) {
    const cells: string[] = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        let v = '';
        i++;
        for (;;) {
          if (line[i] === '"' && line[i + 1] === '"') {
            v += '"';
            i += 2;
          } else if (line[i] === '"') break;
          else v += line[i++];
        }
        cells.push(v);
        i += 2; // closing quote and comma
      } else {
        const end = line.indexOf(',', i);
        cells.push(line.slice(i, end < 0 ? line.length : end));
        i = end < 0 ? line.length + 1 : end + 1;
      }
    }
    rows.push(cells);
  }
  return rows;
}

describe('error report of a rejected file', () => {
  it('moves a CSV with bad rows to rejected/ with errors.csv (file line numbers, formula text escaped) and a report in plain words', async () => {
    const rows = [
      ...series('FURN_7800', 'R01', 6),
      { product: 'FURN_7800', warehouse: 'R01', period: week(12), quantity: '=1+2' }, // line 14
      { product: 'FURN_7800', warehouse: 'R01', period: 'someday', quantity: 4 }, // line 15
      { product: 'FURN_7800', warehouse: '', period: week(13), quantity: 4 }, // line 16
    ];
    const content = longCsv(rows);
    drop(h, 'bad-rows.csv', content);
    const stats = await runImport(h);
    expect(stats).toMatchObject({ files: 1, staged: 0, rejected: 1, rowsStaged: 0 });
    const batch = await batchOf(h, stats, 'bad-rows.csv');
    expect(batch).toMatchObject({ status: 'rejected', rejectedBy: 'mfg-etl', rejectReason: 'failed checkpoints: parse_errors' });
    expect(batch.stats).toMatchObject({ errorCount: 3, errorsListed: 3, rows: 15 });
    expect(await lineCount(h, batch.id)).toBe(0);

    const file = path.join(rejectedDir(), 'bad-rows.csv');
    expect(fs.readFileSync(file, 'utf8')).toBe(content); // the original, untouched
    expect(fs.existsSync(path.join(h.root, 'bad-rows.csv'))).toBe(false);
    const csv = parseErrorsCsv(fs.readFileSync(`${file}.errors.csv`, 'utf8'));
    expect(csv[0]).toEqual(['row_or_cell', 'column', 'value', 'message']);
    expect(csv.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['14', 'Quantity', "'=1+2"], // a formula would run in Excel: escaped with an apostrophe
      ['15', 'Period', 'someday'],
      ['16', 'Warehouse', ''],
      ['(check)', 'parse_errors', 'error'],
    ]);
    expect(csv[1]![3]).toMatch(/^quantity /);
    expect(csv[2]![3]).toMatch(/^period /);
    expect(csv[3]![3]).toBe('warehouse is empty');
    expect(csv[4]![3]).toBe('3 of 15 rows could not be read (see the error report)');
    for (const r of csv) expect(r).toHaveLength(4);

    const report = fs.readFileSync(`${file}.report.txt`, 'utf8');
    expect(report).toMatch(
      new RegExp(`^Forecast file: bad-rows\\.csv\\nBatch ${batch.id}: REJECTED: nothing was staged\\. Fix the problems below`),
    );
    expect(report).toContain('  FAILED  parse_errors: 3 of 15 rows could not be read (see the error report)\n');
    expect(report).toContain('  OK      duplicate_keys: each product, warehouse and period appears once\n');
    expect(report).toContain('The 3 row problems are listed in bad-rows.csv.errors.csv (row or cell, column, value, what is wrong).');
    expect(report).not.toMatch(/\{|\[object/); // words, not JSON
  });

  it('lists the lines behind failed line checks (unknown product, negative quantity) by file line', async () => {
    const rows = [...series('FURN_7800', 'R04', 5), { product: 'NOT_IN_ODOO', warehouse: 'R04', period: week(0), quantity: 3 }];
    rows[2] = { ...rows[2]!, quantity: -7 }; // line 4
    drop(h, 'line-problems.csv', longCsv(rows));
    const stats = await runImport(h);
    const batch = await batchOf(h, stats, 'line-problems.csv');
    expect(batch.status).toBe('rejected');
    expect(batch.rejectReason).toBe('failed checkpoints: unknown_products, negative_quantity');
    expect(batch.stats).toMatchObject({ errorCount: 2, errorsListed: 2 });
    expect(stats.rowsStaged).toBe(0);
    const csv = parseErrorsCsv(fs.readFileSync(path.join(rejectedDir(), 'line-problems.csv.errors.csv'), 'utf8'));
    expect(csv.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['4', 'quantity', "'-7"], // a leading minus is escaped like any formula start
      ['14', 'product', 'NOT_IN_ODOO'],
      ['(check)', 'unknown_products', 'error'],
      ['(check)', 'negative_quantity', 'error'],
      ['(check)', 'horizon_coverage', 'warning'], // NOT_IN_ODOO has one week only
    ]);
    expect(csv[3]![3]).toBe('1 unknown products: NOT_IN_ODOO');
  });

  it('refers to XLSX problems by cell (quoted sheet name) and escapes cell text a spreadsheet would run', async () => {
    const file = path.join(h.root, 'bad-cells.xlsx');
    await writeWorkbook(file, (wb) => {
      const ws = wb.addWorksheet('Plan 2026');
      ws.addRow(['Forecast plant R02']);
      ws.addRow(['Product', 'Warehouse', ...weeks(12).map((w) => mondayOf(w))]);
      ws.addRow(['FURN_8888', 'R02', ...weeks(12).map(() => 3)]);
      ws.addRow(['FURN_9999', 'R02', ...weeks(12).map(() => 4)]);
      ws.getCell('E4').value = '@SUM(A1:A2)';
      ws.getCell('F4').value = "=cmd|' /C calc'!A0";
      ws.getCell('C3').value = 'tbd, "soon"';
    });
    const stats = await runImport(h);
    const batch = await batchOf(h, stats, 'bad-cells.xlsx');
    expect(batch.status).toBe('rejected');
    expect(await lineCount(h, batch.id)).toBe(0);
    const csv = parseErrorsCsv(fs.readFileSync(path.join(rejectedDir(), 'bad-cells.xlsx.errors.csv'), 'utf8'));
    const [c3, w1, w2] = [week(0), week(2), week(3)].map((w) => w); // headers are the week start dates
    expect(csv.slice(1, 4).map((r) => r.slice(0, 3))).toEqual([
      ["'Plan 2026'!C3", c3, 'tbd, "soon"'], // quoted in the CSV because of the comma and quotes
      ["'Plan 2026'!E4", w1, "'@SUM(A1:A2)"],
      ["'Plan 2026'!F4", w2, "'=cmd|' /C calc'!A0"],
    ]);
    const raw = fs.readFileSync(path.join(rejectedDir(), 'bad-cells.xlsx.errors.csv'), 'utf8');
    expect(raw).toContain('"tbd, ""soon"""');
    expect(raw).not.toMatch(/,=cmd/);
    expect(fs.existsSync(path.join(rejectedDir(), 'bad-cells.xlsx.report.txt'))).toBe(true);
  });

  it('never overwrites an earlier rejection of a file with the same name', async () => {
    const first = longCsv([{ product: 'FURN_7800', warehouse: 'R03', period: week(0), quantity: -1 }]);
    drop(h, 'again.csv', first);
    await runImport(h);
    const second = longCsv([{ product: 'FURN_7800', warehouse: 'R03', period: week(0), quantity: -2 }]);
    drop(h, 'again.csv', second);
    const stats = await runImport(h);
    expect(stats.rejected).toBe(1);
    const names = fs.readdirSync(rejectedDir()).filter((n) => n.startsWith('again.'));
    expect(names).toHaveLength(6); // two files, each with its errors CSV and report
    expect(fs.readFileSync(path.join(rejectedDir(), 'again.csv'), 'utf8')).toBe(first);
    const other = names.find((n) => /^again\.\d{8}T\d{9}Z\.csv$/.test(n))!;
    expect(fs.readFileSync(path.join(rejectedDir(), other), 'utf8')).toBe(second);
    expect(names).toEqual(expect.arrayContaining([`${other}.errors.csv`, `${other}.report.txt`]));
  });
});

describe('a rejected file dropped again', () => {
  it('is staged again once its master data is fixed, not archived as a duplicate of the rejected batch', async () => {
    await addWarehouses(h.app, ['R28']);
    const content = longCsv([...series('FURN_7800', 'R28', 5, 4), ...series('NEW_SKU_28', 'R28', 2, 4)]);

    drop(h, 'fixed-later.csv', content);
    const first = await runImport(h);
    const rejected = await batchOf(h, first, 'fixed-later.csv');
    expect(rejected.status).toBe('rejected');
    expect(rejected.rejectReason).toBe('failed checkpoints: unknown_products');

    // the same bytes again, master data unchanged: a second rejection of its own, not a duplicate
    drop(h, 'fixed-later.csv', content);
    const second = await runImport(h);
    expect(second).toMatchObject({ rejected: 1, duplicates: 0 });
    const rejectedAgain = await batchOf(h, second, 'fixed-later.csv');
    expect(rejectedAgain.id).not.toBe(rejected.id);
    expect(rejectedAgain.status).toBe('rejected');

    // the product now exists in the master data: the identical file is staged
    await h.app.db.knex.raw(
      `insert into md_products (odoo_id, default_code, name, uom_id, categ_id, categ_name, cost_method, valuation, is_storable, standard_price, company_id)
       select 2828, 'NEW_SKU_28', 'New product', uom_id, categ_id, categ_name, cost_method, valuation, is_storable, standard_price, company_id
       from md_products where default_code = 'FURN_7800'`,
    );
    drop(h, 'fixed-later.csv', content);
    const third = await runImport(h);
    expect(third).toMatchObject({ staged: 1, rejected: 0, duplicates: 0, rowsStaged: 8 });
    const staged = await batchOf(h, third, 'fixed-later.csv');
    expect(staged.id).not.toBe(rejected.id);
    expect(staged.id).not.toBe(rejectedAgain.id);
    expect(staged.sourceSha256).toBe(rejected.sourceSha256);
    expect(['validated', 'approved']).toContain(staged.status);
    expect(await lineCount(h, staged.id)).toBe(8);
  });
});

describe('hostile inputs', () => {
  interface Hostile {
    label: string;
    name: string;
    /** sanitised name the job uses for the batch and the rejected/ file */
    safe: string;
    content: () => Promise<Buffer> | Buffer;
    code: string | RegExp;
    message: RegExp;
  }
  const garbage = () => {
    const b = randomBytes(10 * 1024 * 1024);
    b[0] = 0x80; // never a BOM or a zip signature by chance
    return b;
  };
  const cases: Hostile[] = [
    {
      label: 'a file name with control characters and dot-dot fragments (and no table inside)',
      name: 'report..\u0001..\u001b[2J.csv',
      safe: 'report.._.._[2J.csv',
      content: () => Buffer.from('a,b,c\n1,2,3\n'),
      code: 'unreadable',
      message: /^No header row found in the first/,
    },
    {
      label: 'an .xlsx that is not a zip',
      name: 'not-a-workbook.xlsx',
      safe: 'not-a-workbook.xlsx',
      content: () => Buffer.from(longCsv(series('FURN_7800', 'R04', 1))),
      code: 'not-zip',
      message: /is not an XLSX workbook \(not a zip archive\)/,
    },
    {
      label: 'a truncated CSV (a quote never closed)',
      name: 'truncated.csv',
      safe: 'truncated.csv',
      content: () => Buffer.from(`Product,Warehouse,Period,Quantity\nFURN_7800,R04,${week(0)},5\nFURN_7800,R04,"${week(1)},`),
      code: 'truncated',
      message: /^Line 3: a quoted field is never closed/,
    },
    {
      label: 'an empty file',
      name: 'empty.csv',
      safe: 'empty.csv',
      content: () => Buffer.alloc(0),
      code: 'empty',
      message: /^The file is empty\.$/,
    },
    {
      label: '10 MB of random bytes',
      name: 'garbage.csv',
      safe: 'garbage.csv',
      content: garbage,
      code: 'encoding',
      message: /not valid UTF-8 text at byte 0/,
    },
    {
      label: 'an XLSX whose worksheet inflates to 2 GB (zip bomb)',
      name: 'bomb.xlsx',
      safe: 'bomb.xlsx',
      content: async () => {
        const p = path.join(h.app.dir, 'bomb-build.xlsx');
        await writeZip(p, minimalXlsxParts({ name: 'xl/worksheets/sheet1.xml', compressed: zeroBomb(2048), size: 0 }));
        return fs.readFileSync(p);
      },
      code: 'zip-limits',
      message: /./,
    },
  ];

  let stats: ImportStats;
  let ms: number;
  const originals = new Map<string, Buffer>();
  beforeAll(async () => {
    for (const c of cases) {
      const bytes = await c.content();
      originals.set(c.name, bytes);
      drop(h, c.name, bytes);
    }
    // a dot file (e.g. "..evil\u0001.csv") is a hidden or lock file: never taken at all
    drop(h, '..evil\u0001.csv', longCsv(series('FURN_7800', 'R04', 9)));
    const start = Date.now();
    stats = await runImport(h);
    ms = Date.now() - start;
  });

  it('refuses them all in one run, in bounded time, leaving the inbox empty but for the ignored dot file', () => {
    expect(stats).toMatchObject({ files: cases.length, staged: 0, rejected: cases.length, duplicates: 0, rowsStaged: 0, ignored: 1 });
    expect(ms).toBeLessThan(20_000);
    expect(fs.readdirSync(h.root).filter((n) => !fs.statSync(path.join(h.root, n)).isDirectory())).toEqual(['..evil\u0001.csv']);
    expect(fs.readdirSync(path.join(h.root, 'processing'))).toEqual([]);
    // nothing was written outside the inbox's own folders
    for (const n of fs.readdirSync(h.root)) expect(['..evil\u0001.csv', 'archive', 'processing', 'rejected']).toContain(n);
    expect(fs.readdirSync(path.dirname(h.root))).toEqual(['forecasts']);
  });

  it.each(cases)('$label: a clear rejection, nothing staged, the original kept in rejected/', async (c) => {
    const batch = await batchOf(h, stats, c.safe);
    expect(batch).toMatchObject({ status: 'rejected', source: `forecasts/${c.safe}` });
    expect(await lineCount(h, batch.id)).toBe(0);
    const readable = batch.cp.file_readable!;
    expect(readable).toMatchObject({ severity: 'error', passed: false });
    expect(readable.measured.code).toEqual(c.code);
    expect(readable.message).toMatch(c.message);
    expect(batch.rejectReason).toBe(readable.message);

    const kept = path.join(rejectedDir(), c.safe);
    expect(await sha256File(kept)).toBe(batch.sourceSha256);
    expect(fs.readFileSync(kept).equals(originals.get(c.name)!)).toBe(true);
    const errors = parseErrorsCsv(fs.readFileSync(`${kept}.errors.csv`, 'utf8'));
    expect(errors).toEqual([
      ['row_or_cell', 'column', 'value', 'message'],
      ['(file)', '', '', readable.message],
    ]);
    const report = fs.readFileSync(`${kept}.report.txt`, 'utf8');
    expect(report.split('\n')[0]).toBe(`Forecast file: ${c.safe}`);
    expect(report).toContain('REJECTED: nothing was staged');
    expect(report).toContain(`FAILED  file_readable: ${readable.message}`);
    // control characters of the name never reach the report
    // eslint-disable-next-line no-control-regex -- the test looks for control characters
    expect(report).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it('archives a file with an absurdly long name under a shortened one that keeps its extension', async () => {
    const name = `${'forecast-for-the-assembly-plant-'.repeat(7)}R04.csv`; // 231 bytes: legal on Linux
    expect(Buffer.byteLength(name)).toBeLessThan(255);
    drop(h, name, longCsv(series('FURN_6666', 'R04', 2)));
    const s = await runImport(h);
    expect(s.batches).toHaveLength(1);
    const [entry] = s.batches;
    expect(Buffer.byteLength(entry!.file)).toBeLessThanOrEqual(150);
    expect(entry!.file.endsWith('.csv')).toBe(true);
    expect(entry!.outcome).toBe('staged');
    expect(tree(h.root)).toContain(path.join(archiveMonth(), entry!.file));
  });
});
