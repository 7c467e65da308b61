/**
 * The cost report read back with exceljs (and the CSV beside it): sheets, header, frozen pane,
 * autofilter, number formats, values, the summary by category with the checkpoints, the Odoo
 * sheet, and text that a spreadsheet would run as a formula kept as text.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costRollupJob } from '../../jobs/costs/cost-rollup.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { CSV_COLUMNS, writeCostReport } from '../../load/costs/workbook.ts';
import { saveValuationRecords } from '../../load/costs/staging.ts';
import { CostFixture } from './cost-fixtures.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
let runner: Runner;
let batchId: number;
let files: { xlsx: string; csv: string };

const cellText = (v: ExcelJS.CellValue) =>
  v === null || v === undefined ? null : typeof v === 'object' && 'richText' in v ? v.richText.map((r) => r.text).join('') : v;

beforeAll(async () => {
  app = await testApp('costreport');
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([costRollupJob]) });
  await runner.start();
  const md = new CostFixture(app.db.knex);
  await md.reset();
  await md.products(
    { id: 1, code: 'DESK', price: 150, categName: 'Finished goods', categ: 5 },
    { id: 2, code: '=HYPERLINK("http://evil","x")', price: 0, categName: '+Sub assemblies', categ: 6 },
    { id: 3, code: 'BOARD', price: 20, categName: 'Raw', categ: 7 },
    { id: 4, code: 'SCREW', price: 0.05, categName: 'Raw', categ: 7 },
  );
  await md.workcenter(1, { costsHour: 36 });
  await md.bom({
    id: 1,
    product: 2,
    code: '@risky',
    lines: [
      [3, 2],
      [4, 8],
    ],
    ops: [{ workcenter: 1, minutes: 10 }],
  });
  await md.bom({ id: 2, product: 1, lines: [[2, 3]] });
  const run = await runner.runNow('cost-rollup', {});
  expect(run.status).toBe('succeeded');
  batchId = Number(run.stats.batchId);
  files = run.stats.report as { xlsx: string; csv: string };
});
afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
});

describe('cost report', () => {
  it('is written beside the batch as cost-rollup_<batch>_<date>.xlsx and .csv', () => {
    expect(path.dirname(files.xlsx)).toBe(path.resolve(app.config.reports));
    expect(path.basename(files.xlsx)).toMatch(new RegExp(`^cost-rollup_${batchId}_\\d{4}-\\d{2}-\\d{2}\\.xlsx$`));
    expect(fs.existsSync(files.csv)).toBe(true);
    expect(fs.readdirSync(app.config.reports).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads back with exceljs: header, frozen pane, autofilter, number formats, values', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(files.xlsx);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Costs']);
    const ws = wb.getWorksheet('Costs')!;
    const header = (ws.getRow(1).values as ExcelJS.CellValue[]).slice(1);
    expect(header.slice(0, 15)).toEqual([
      'Product',
      'Name',
      'Category',
      'Kind',
      'Level',
      'BoM',
      'Material',
      'Operations',
      'Overhead',
      'New cost',
      'Current cost',
      'Delta',
      'Delta %',
      'Qty on hand',
      'Revaluation impact',
    ]);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
    expect(ws.rowCount).toBe(3);
    const col = (name: string) => header.indexOf(name) + 1;
    const rows = new Map<string, ExcelJS.Row>();
    ws.eachRow((row, n) => {
      if (n > 1) rows.set(String(cellText(row.getCell(1).value)), row);
    });
    const desk = rows.get('DESK')!;
    // sub-assembly: 2 × 20 + 8 × 0.05 + 10 min at 36/h = 46.40; desk = 3 × 46.40
    expect(desk.getCell(col('New cost')).value).toBe(139.2);
    expect(desk.getCell(col('Current cost')).value).toBe(150);
    expect(desk.getCell(col('Delta')).value).toBe(-10.8);
    expect(desk.getCell(col('Delta %')).value).toBe(-7.2);
    expect(desk.getCell(col('New cost')).numFmt).toBe('#,##0.00;[Red]-#,##0.00');
    expect(desk.getCell(col('Delta %')).numFmt).toContain('"%"');
    expect(desk.getCell(col('Category')).value).toBe('Finished goods');
  });

  it('keeps text that a spreadsheet would run as a formula as text', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(files.xlsx);
    const ws = wb.getWorksheet('Costs')!;
    const texts: unknown[] = [];
    ws.eachRow((row) => row.eachCell((c) => texts.push(c.value)));
    expect(texts).toContain(`'=HYPERLINK("http://evil","x")`);
    expect(texts).toContain("'+Sub assemblies");
    expect(texts).toContain("'@risky (BoM 1)");
    for (const t of texts) if (typeof t === 'object' && t !== null) expect(t).not.toHaveProperty('formula');
    const csv = fs.readFileSync(files.csv, 'utf8');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it("has the CSV header with the issue's columns first, product being the internal reference", () => {
    const [header, ...rows] = fs
      .readFileSync(files.csv, 'utf8')
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(header!.split(',').slice(0, 11)).toEqual([
      'product',
      'bom',
      'material_cost',
      'operation_cost',
      'overhead_cost',
      'new_cost',
      'current_cost',
      'delta',
      'delta_pct',
      'qty_on_hand',
      'revaluation_impact',
    ]);
    expect(header!.split(',')).toEqual([...CSV_COLUMNS]);
    const desk = rows.find((r) => r.startsWith('DESK,'))!.split(',');
    expect(desk.slice(0, 9)).toEqual(['DESK', 'BoM 2', '139.2', '0', '0', '139.2', '150', '-10.8', '-7.2']);
  });

  it('sums by category and lists the checkpoints on the summary sheet; the Odoo sheet shows what Odoo recorded', async () => {
    await saveValuationRecords(app.db.knex, batchId, null, [
      {
        productId: 1,
        odooModel: 'stock.valuation.layer',
        odooId: 77,
        value: -21.6,
        quantity: 0,
        accountMoveId: 12,
        description: 'Product value manually modified (from 150.0 to 139.2)',
      },
    ]);
    const again = await writeCostReport(app.db.knex, app.config.reports, batchId, { date: '2030-01-31' });
    expect(path.basename(again.xlsx)).toBe(`cost-rollup_${batchId}_2030-01-31.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(again.xlsx);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Costs', 'Odoo']);
    const summary: unknown[][] = [];
    wb.getWorksheet('Summary')!.eachRow((row) => summary.push((row.values as unknown[]).slice(1)));
    expect(summary[0]).toEqual([`Cost rollup batch ${batchId}`]);
    expect(summary.find((r) => r[0] === 'Finished goods')).toEqual(['Finished goods', 1, 1, 1, 0, 0, 0]);
    expect(summary.find((r) => r[0] === 'Total')?.slice(0, 4)).toEqual(['Total', 2, 2, 2]);
    expect(summary.find((r) => r[0] === 'bom_cycles')).toEqual(['bom_cycles', 'error', 'passed', 'no BoM cycles']);
    expect(summary.find((r) => r[0] === 'cost_delta')?.[2]).toBe('WARNING');
    const odoo = wb.getWorksheet('Odoo')!;
    expect((odoo.getRow(2).values as unknown[]).slice(1)).toEqual([
      'DESK',
      'stock.valuation.layer',
      77,
      -21.6,
      0,
      12,
      'Product value manually modified (from 150.0 to 139.2)',
    ]);
  });
});
