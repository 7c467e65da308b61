/**
 * The forecast comparison workbook a planner opens beside the batch: a staged version against the
 * previous approved version of its scope, as on the batch's status page, with native Excel charts
 * (load/workbooks/chart.ts) over its own cells:
 *   By period   total quantity per period, this version and the previous one, and a line chart
 *   Top movers  the products with the largest absolute change, and a bar chart of the change
 * Written as `<reports>/forecast-compare_<scope>_batch<id>.xlsx` (atomically, by rename).
 */
import { mkdir, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { escapeSpreadsheetText } from '../../core/spreadsheet-text.ts';
import { addCharts, type ChartSpec } from '../workbooks/chart.ts';
import { frozenHeader, printOptions, runLabel } from '../workbooks/print.ts';
import type { VersionCompare } from './staging.ts';

export const COMPARE_SHEETS = { periods: 'By period', movers: 'Top movers' } as const;

const HEADER_STYLE = { font: { bold: true }, fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } } } as const;
const QUANTITY = '#,##0.###';
const PERIOD_WIDTHS = [14, 18, 20];
const MOVER_WIDTHS = [28, 18, 18, 16];

export interface CompareWorkbookInput {
  dir: string;
  batchId: number;
  scope: string;
  version: string;
  runId: number | null;
  generatedAt: Date;
  compare: VersionCompare;
}

export async function writeCompareWorkbook(input: CompareWorkbookInput): Promise<string> {
  const { compare: c } = input;
  await mkdir(input.dir, { recursive: true });
  const dir = await realpath(input.dir);
  const file = path.join(dir, `forecast-compare_${input.scope.replace(/[^A-Za-z0-9._-]+/g, '_')}_batch${input.batchId}.xlsx`);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.partial`);
  const ExcelJS = (await import('exceljs')).default; // loaded when a workbook is written (CLI start-up)
  const wb = new ExcelJS.Workbook();
  wb.creator = 'mfg-etl';
  wb.created = input.generatedAt;
  const print = (widths: readonly number[]) =>
    printOptions({
      title: `Forecast ${input.scope} ${input.version} against the previous approved version`,
      run: runLabel({ runId: input.runId, batchId: input.batchId, date: input.generatedAt.toISOString().slice(0, 10) }),
      widths,
    });
  const thisLabel = `This version (#${input.batchId})`;
  const previousLabel = `Previous approved (#${c.previousBatchId})`;

  // the line chart sits beside the period table (columns E to L at the default width): printed landscape
  const periods = wb.addWorksheet(COMPARE_SHEETS.periods, {
    views: frozenHeader(),
    ...print([...PERIOD_WIDTHS, ...Array<number>(9).fill(9)]),
  });
  periods.columns = PERIOD_WIDTHS.map((width) => ({ width }));
  periods.addRow(['Period', thisLabel, previousLabel]).eachCell((cell) => (cell.style = HEADER_STYLE));
  for (const p of c.periods) periods.addRow([p.period, p.current, p.previous]);
  for (const col of [2, 3]) periods.getColumn(col).numFmt = QUANTITY;

  const movers = wb.addWorksheet(COMPARE_SHEETS.movers, { views: frozenHeader(), ...print(MOVER_WIDTHS) });
  movers.columns = MOVER_WIDTHS.map((width) => ({ width }));
  movers.addRow(['Product', previousLabel, thisLabel, 'Change']).eachCell((cell) => (cell.style = HEADER_STYLE));
  for (const m of c.movers) movers.addRow([escapeSpreadsheetText(m.product), m.previous, m.current, m.change]);
  for (const col of [2, 3, 4]) movers.getColumn(col).numFmt = QUANTITY;

  const charts: ChartSpec[] = [];
  const rows = (n: number) => ({ fromRow: 2, toRow: n + 1 });
  if (c.periods.length > 0) {
    charts.push({
      sheet: COMPARE_SHEETS.periods,
      kind: 'line',
      title: 'Total forecast quantity by period',
      categories: { range: { col: 0, ...rows(c.periods.length) }, labels: c.periods.map((p) => p.period) },
      series: [
        { name: thisLabel, range: { col: 1, ...rows(c.periods.length) }, values: c.periods.map((p) => p.current) },
        { name: previousLabel, range: { col: 2, ...rows(c.periods.length) }, values: c.periods.map((p) => p.previous) },
      ],
      anchor: { fromCol: 4, fromRow: 1, toCol: 12, toRow: 21 },
    });
  }
  if (c.movers.length > 0) {
    charts.push({
      sheet: COMPARE_SHEETS.movers,
      kind: 'bar',
      title: 'Change against the previous approved version, largest first',
      categories: { range: { col: 0, ...rows(c.movers.length) }, labels: c.movers.map((m) => m.product) },
      series: [{ name: 'Change', range: { col: 3, ...rows(c.movers.length) }, values: c.movers.map((m) => m.change) }],
      anchor: { fromCol: 0, fromRow: c.movers.length + 2, toCol: 4, toRow: c.movers.length + 2 + Math.max(16, c.movers.length + 6) },
    });
  }
  try {
    await wb.xlsx.writeFile(tmp);
    await addCharts(tmp, charts);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return file;
}
