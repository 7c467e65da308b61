/**
 * The cost rollup report finance reads: `<reports>/cost-rollup_<batch>_<date>.xlsx` and a CSV of
 * the same per-product lines beside it.
 *
 *   Summary   the batch (status, who approved, settings), totals by product category, the
 *             checkpoints with what they measured, and what Odoo recorded when it was loaded;
 *             below, a native bar chart of the revaluation impact by category (load/workbooks/chart.ts)
 *   Costs     one row per product: BoM, material / operations / overhead, new and current cost,
 *             delta, delta %, quantity on hand, revaluation impact (what Odoo will book) beside what
 *             it booked, rolled-up kinds, load status
 *   Odoo      the valuation layers / product.value records / journal entries Odoo made
 *
 * Written with exceljs' streaming writer and a file stream, page by page from staging, so memory
 * stays flat however many products there are; both files are written under a temporary name and
 * renamed, so a reader never sees half a report. Text cells are protected against formula
 * injection (a leading apostrophe before = + - @).
 */
import { once } from 'node:events';
import fs from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { csvField, escapeSpreadsheetText } from '../../core/spreadsheet-text.ts';
import { type Batch, getBatch, listCheckpoints } from '../staging/batches.ts';
import { frozenHeader, printOptions, runLabel, type SheetPrintOptions } from '../workbooks/print.ts';
import { addCharts, type ChartSpec } from '../workbooks/chart.ts';
import { categoryTotals, type CostLine, costLinePages, listValuationRecords } from './staging.ts';

/** the CSV header: the issue's required columns first, then the rest */
export const CSV_COLUMNS = [
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
  'name',
  'category',
  'kind',
  'level',
  'cost_method',
  'overhead_pct',
  'material_rolled',
  'operation_rolled',
  'overhead_rolled',
  'load_status',
  'odoo_price_before',
  'note',
  'valued_qty',
  'booked_revaluation',
] as const;

type Column = (typeof CSV_COLUMNS)[number];

const MONEY = '#,##0.00;[Red]-#,##0.00';
const UNIT_COST = '#,##0.00####;[Red]-#,##0.00####';
const QTY = '#,##0.###';
const PCT = '0.00"%";[Red]-0.00"%"';

const XLSX_COLUMNS: Array<{ key: Column; header: string; width: number; numFmt?: string }> = [
  { key: 'product', header: 'Product', width: 16 },
  { key: 'name', header: 'Name', width: 30 },
  { key: 'category', header: 'Category', width: 22 },
  { key: 'kind', header: 'Kind', width: 13 },
  { key: 'level', header: 'Level', width: 7 },
  { key: 'bom', header: 'BoM', width: 16 },
  { key: 'material_cost', header: 'Material', width: 13, numFmt: UNIT_COST },
  { key: 'operation_cost', header: 'Operations', width: 13, numFmt: UNIT_COST },
  { key: 'overhead_cost', header: 'Overhead', width: 12, numFmt: UNIT_COST },
  { key: 'new_cost', header: 'New cost', width: 13, numFmt: MONEY },
  { key: 'current_cost', header: 'Current cost', width: 13, numFmt: MONEY },
  { key: 'delta', header: 'Delta', width: 12, numFmt: MONEY },
  { key: 'delta_pct', header: 'Delta %', width: 10, numFmt: PCT },
  { key: 'qty_on_hand', header: 'Qty on hand', width: 12, numFmt: QTY },
  { key: 'revaluation_impact', header: 'Revaluation impact', width: 16, numFmt: MONEY },
  { key: 'booked_revaluation', header: 'Revaluation booked by Odoo', width: 16, numFmt: MONEY },
  { key: 'valued_qty', header: 'Qty Odoo revalues', width: 12, numFmt: QTY },
  { key: 'cost_method', header: 'Cost method', width: 11 },
  { key: 'overhead_pct', header: 'Overhead %', width: 11, numFmt: PCT },
  { key: 'material_rolled', header: 'Purchased material (all levels)', width: 16, numFmt: UNIT_COST },
  { key: 'operation_rolled', header: 'Operations (all levels)', width: 16, numFmt: UNIT_COST },
  { key: 'overhead_rolled', header: 'Overhead (all levels)', width: 16, numFmt: UNIT_COST },
  { key: 'load_status', header: 'Load status', width: 12 },
  { key: 'odoo_price_before', header: 'Odoo price before load', width: 14, numFmt: MONEY },
  { key: 'note', header: 'Note', width: 40 },
];

function bomLabel(l: CostLine): string {
  if (l.bomId === null) return '';
  return l.bomCode ? `${l.bomCode} (BoM ${l.bomId})` : `BoM ${l.bomId}`;
}

function values(l: CostLine): Record<Column, string | number | null> {
  return {
    product: l.defaultCode ?? `#${l.productId}`,
    bom: bomLabel(l),
    material_cost: l.materialCost,
    operation_cost: l.operationCost,
    overhead_cost: l.overheadCost,
    new_cost: l.newCost,
    current_cost: l.currentCost,
    delta: l.delta,
    delta_pct: l.deltaPct,
    qty_on_hand: l.qtyOnHand,
    revaluation_impact: l.revaluationImpact,
    booked_revaluation: l.bookedRevaluation,
    valued_qty: l.valuedQty,
    name: l.name,
    category: l.categName,
    kind: l.kind,
    level: l.level,
    cost_method: l.costMethod,
    overhead_pct: l.overheadPct,
    material_rolled: l.materialRolled,
    operation_rolled: l.operationRolled,
    overhead_rolled: l.overheadRolled,
    load_status: l.loadStatus,
    odoo_price_before: l.odooPriceBefore,
    note: l.note,
  };
}

const safe = (v: string | number | null): string | number | null => (typeof v === 'string' ? escapeSpreadsheetText(v) : v);

async function write(stream: fs.WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export interface CostReportFiles {
  xlsx: string;
  csv: string;
  lines: number;
}

export interface CostReportOptions {
  /** the report's date (file name): YYYY-MM-DD; default today (UTC) */
  date?: string;
  pageSize?: number;
  /** the job run writing it: in every page's header */
  runId?: number;
}

function statusLine(b: Batch): string {
  const who = b.approvedBy ? `, approved by ${b.approvedBy}${b.approvedAt ? ` on ${b.approvedAt.toISOString().slice(0, 10)}` : ''}` : '';
  const rejected = b.rejectedBy ? `, rejected by ${b.rejectedBy}: ${b.rejectReason ?? ''}` : '';
  return `${b.status}${who}${rejected}`;
}

const SUMMARY_WIDTHS = [34, 14, 10, 10, 18, 18, 18, 18];

async function writeSummary(
  wb: ExcelJS.stream.xlsx.WorkbookWriter,
  db: Knex,
  batch: Batch,
  print: (widths: readonly number[]) => SheetPrintOptions,
): Promise<ChartSpec | undefined> {
  const ws = wb.addWorksheet('Summary', { views: frozenHeader(1), ...print(SUMMARY_WIDTHS) });
  ws.columns = SUMMARY_WIDTHS.map((width) => ({ width }));
  const bold = { font: { bold: true } } as const;
  const add = (cells: Array<string | number | null>, style?: { font: Partial<ExcelJS.Font> }, formats: Record<number, string> = {}) => {
    const row = ws.addRow(cells.map(safe));
    if (style) row.font = style.font;
    for (const [col, fmt] of Object.entries(formats)) row.getCell(Number(col)).numFmt = fmt;
    row.commit();
    return row.number;
  };
  const s = batch.stats;
  add([`Cost rollup batch ${batch.id}`], { font: { bold: true, size: 14 } });
  add(['Status', statusLine(batch)]);
  add(['Scope / version', `${batch.scope} / ${batch.version}`]);
  add(['Created', batch.createdAt.toISOString()]);
  if (s.asOf) add(['Cost updates valid on', String(s.asOf)]);
  if (s.priceDigits !== undefined)
    add(['Price precision (decimals)', s.priceDigits === null ? 'unrounded, as Odoo stores standard_price' : Number(s.priceDigits)]);
  if (s.overheadBase) add(['Overhead base', String(s.overheadBase)]);
  if (s.onHand) add(['Quantity on hand', String(s.onHand)]);
  if (s.load && typeof s.load === 'object') {
    const l = s.load as Record<string, unknown>;
    add([
      'Loaded into Odoo',
      `${String(l.odooVersion ?? '')} revalue ${String(l.revalue)}: ${String(l.written ?? 0)} written, ${String(l.unchanged ?? 0)} unchanged, ${String(l.notStandard ?? 0)} not on standard cost`,
    ]);
    if (l.revaluationPredicted !== undefined)
      add(
        ['Revaluation of the products written', 'predicted', Number(l.revaluationPredicted), 'booked', Number(l.revaluationBooked ?? 0)],
        undefined,
        {
          3: MONEY,
          5: MONEY,
        },
      );
  }
  add([]);
  // predicted: what Odoo will book (17/18 by its valuation layers, 19 price × quantity); booked: what it did
  add(
    ['Category', 'Products', 'Costed', 'Changed', 'Stock value before', 'Stock value after', 'Revaluation impact', 'Revaluation booked'],
    bold,
  );
  const totals = await categoryTotals(db, batch.id);
  const sum = { products: 0, costed: 0, changed: 0, before: 0, after: 0, impact: 0, booked: null as number | null };
  let firstRow = 0;
  let lastRow = 0;
  for (const t of totals) {
    lastRow = add(
      [t.category, t.products, t.costed, t.changed, t.stockValueBefore, t.stockValueAfter, t.revaluationImpact, t.bookedRevaluation],
      undefined,
      {
        5: MONEY,
        6: MONEY,
        7: MONEY,
        8: MONEY,
      },
    );
    firstRow ||= lastRow;
    if (t.bookedRevaluation !== null) sum.booked = (sum.booked ?? 0) + t.bookedRevaluation;
    sum.products += t.products;
    sum.costed += t.costed;
    sum.changed += t.changed;
    sum.before += t.stockValueBefore;
    sum.after += t.stockValueAfter;
    sum.impact += t.revaluationImpact;
  }
  add(['Total', sum.products, sum.costed, sum.changed, sum.before, sum.after, sum.impact, sum.booked], bold, {
    5: MONEY,
    6: MONEY,
    7: MONEY,
    8: MONEY,
  });
  add([]);
  let lastSheetRow = add(['Checkpoint', 'Severity', 'Result', 'Message'], bold);
  for (const c of await listCheckpoints(db, batch.id)) {
    lastSheetRow = add([c.name, c.severity, c.passed ? 'passed' : c.severity === 'error' ? 'FAILED' : 'WARNING', c.message]);
  }
  ws.commit();
  if (totals.length === 0) return undefined;
  // below the checkpoints (0-based rows: lastSheetRow is the row after them)
  const top = lastSheetRow + 1;
  return {
    sheet: 'Summary',
    kind: 'bar',
    title: 'Revaluation impact by product category',
    categories: { range: { col: 0, fromRow: firstRow, toRow: lastRow }, labels: totals.map((t) => t.category) },
    series: [
      { name: 'Revaluation impact', range: { col: 6, fromRow: firstRow, toRow: lastRow }, values: totals.map((t) => t.revaluationImpact) },
    ],
    anchor: { fromCol: 0, fromRow: top, toCol: 6, toRow: top + Math.max(16, totals.length + 6) },
  };
}

const ODOO_WIDTHS = [16, 24, 10, 14, 12, 14, 60] as const;

/** Writes the XLSX and CSV of a cost_rollup batch; answers their paths. */
export async function writeCostReport(
  db: Knex,
  reportsDir: string,
  batchId: number,
  options: CostReportOptions = {},
): Promise<CostReportFiles> {
  await mkdir(reportsDir, { recursive: true });
  const batch = await getBatch(db, batchId);
  const date = options.date ?? new Date().toISOString().slice(0, 10);
  const base = path.join(reportsDir, `cost-rollup_${batchId}_${date}`);
  const xlsxTmp = `${base}.xlsx.tmp`;
  const csvTmp = `${base}.csv.tmp`;
  const { stream } = (await import('exceljs')).default; // loaded when a workbook is written (CLI start-up)
  const wb = new stream.xlsx.WorkbookWriter({ filename: xlsxTmp, useStyles: true, useSharedStrings: false });
  wb.creator = 'mfg-etl';
  const csv = fs.createWriteStream(csvTmp, { encoding: 'utf8' });
  let lines = 0;
  const run = runLabel({ runId: options.runId, batchId, date });
  const print = (widths: readonly number[]) => printOptions({ title: `Cost rollup batch ${batchId}`, run, widths });
  try {
    const chart = await writeSummary(wb, db, batch, print);

    const ws = wb.addWorksheet('Costs', { views: frozenHeader(1, 1), ...print(XLSX_COLUMNS.map((c) => c.width)) });
    ws.columns = XLSX_COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width, style: c.numFmt ? { numFmt: c.numFmt } : {} }));
    ws.getRow(1).font = { bold: true };
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: XLSX_COLUMNS.length } };
    ws.getRow(1).commit();
    await write(csv, `\ufeff${CSV_COLUMNS.join(',')}\r\n`);
    for await (const page of costLinePages(db, batchId, options.pageSize)) {
      let chunk = '';
      for (const l of page) {
        const v = values(l);
        ws.addRow(XLSX_COLUMNS.map((c) => safe(v[c.key]))).commit();
        chunk += `${CSV_COLUMNS.map((c) => csvField(v[c])).join(',')}\r\n`;
        lines++;
      }
      await write(csv, chunk);
    }
    ws.commit();

    const records = await listValuationRecords(db, batchId);
    if (records.length > 0) {
      const od = wb.addWorksheet('Odoo', { views: frozenHeader(1), ...print(ODOO_WIDTHS) });
      od.columns = [
        { header: 'Product', key: 'product', width: ODOO_WIDTHS[0] },
        { header: 'Odoo model', key: 'model', width: ODOO_WIDTHS[1] },
        { header: 'Odoo id', key: 'id', width: ODOO_WIDTHS[2] },
        { header: 'Value', key: 'value', width: ODOO_WIDTHS[3], style: { numFmt: MONEY } },
        { header: 'Quantity', key: 'quantity', width: ODOO_WIDTHS[4], style: { numFmt: QTY } },
        { header: 'Journal entry id', key: 'move', width: ODOO_WIDTHS[5] },
        { header: 'Description', key: 'description', width: ODOO_WIDTHS[6] },
      ];
      od.getRow(1).font = { bold: true };
      od.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: 7 } };
      od.getRow(1).commit();
      for (const r of records) {
        od.addRow([
          safe(r.code ?? (r.productId === null ? '' : `#${r.productId}`)),
          r.odooModel,
          r.odooId,
          r.value,
          r.quantity,
          r.accountMoveId,
          safe(r.description),
        ]).commit();
      }
      od.commit();
    }
    await wb.commit();
    if (chart) await addCharts(xlsxTmp, [chart]);
    csv.end();
    await once(csv, 'finish');
    await rename(xlsxTmp, `${base}.xlsx`);
    await rename(csvTmp, `${base}.csv`);
  } catch (err) {
    csv.destroy();
    await rm(xlsxTmp, { force: true });
    await rm(csvTmp, { force: true });
    throw err;
  }
  return { xlsx: `${base}.xlsx`, csv: `${base}.csv`, lines };
}
