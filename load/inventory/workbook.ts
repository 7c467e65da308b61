/**
 * The reconciliation reports finance reads, in $MFG_ETL_REPORTS:
 *
 *  - `<name>.xlsx`, streamed with exceljs' WorkbookWriter (memory stays flat for large warehouses):
 *      Summary        run metadata (sources, snapshot time, tolerances), totals, the comparison with
 *                     the previous run, a table per location and product category, and the net
 *                     value impact per location with a native bar chart of it (load/workbooks/chart.ts);
 *      Discrepancies  largest value impact first; frozen header, autofilter, number and currency
 *                     formats, short and over (and the missing classes) in distinct colours;
 *      All lines      every line in location / product / lot order, with its status;
 *  - `<name>_discrepancies.csv` (UTF-8 with BOM, CRLF): location, product, lot, uom, odoo_qty,
 *    counted_qty, difference, class, value_impact, then product_name, category, difference_pct,
 *    unit_cost, counted_at, since_previous.
 *
 * Strings are written as values, never formulas, and protected against formula injection. Both
 * files are written under a temporary name and renamed when complete.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import type { LocationSummary, ReconciliationTotals, ReportLine } from './staging.ts';
import { localParts, wallClock } from '../../transform/shared/plant-time.ts';
import { csvField, escapeSpreadsheetText } from '../../core/spreadsheet-text.ts';
import { type CellValue, type Style, StreamedSheet, streamedZipOptions } from '../workbooks/xlsx-rows.ts';
import { printOptions, runLabel, type SheetPrintOptions } from '../workbooks/print.ts';
import { addCharts, type ChartSpec } from '../workbooks/chart.ts';

export const SHEETS = { summary: 'Summary', discrepancies: 'Discrepancies', all: 'All lines' } as const;

export const CSV_HEADER = [
  'location',
  'product',
  'lot',
  'uom',
  'odoo_qty',
  'counted_qty',
  'difference',
  'class',
  'value_impact',
  'product_name',
  'category',
  'difference_pct',
  'unit_cost',
  'counted_at',
  'since_previous',
] as const;

export const FORMATS = {
  quantity: '#,##0.00#',
  difference: '+#,##0.00#;-#,##0.00#;0',
  percent: '+0.0%;-0.0%;0.0%',
  date: 'yyyy-mm-dd hh:mm',
  count: '#,##0',
  /** currency formats use the configured ISO code */
  money: (currency: string) => `#,##0.00 "${currency}";[Red]-#,##0.00 "${currency}"`,
  unitCost: (currency: string) => `#,##0.00## "${currency}"`,
} as const;

/** Fill and font per class: short and over must never look alike. */
export const CLASS_COLOURS: Record<string, { fill: string; font: string }> = {
  short: { fill: 'FFFFC7CE', font: 'FF9C0006' },
  over: { fill: 'FFC6EFCE', font: 'FF006100' },
  missing_in_odoo: { fill: 'FFFFEB9C', font: 'FF9C5700' },
  missing_in_wms: { fill: 'FFE4DFEC', font: 'FF5B3A87' },
};
const MOVED_FONT = { color: { argb: 'FF808080' }, italic: true } as const;

export interface ReportMeta {
  warehouse: { code: string; name: string };
  runId: number | null;
  reconciliationId: number;
  kind: 'daily' | 'month_end';
  period: string | null;
  generatedAt: Date;
  countBatch: { id: number; source: string | null; status: string; countedFrom: Date | null; countedTo: Date | null };
  snapshot: { id: number; takenAt: Date; source: string | null; quants: number };
  coverage: string;
  tolerances: { default: { abs: number; pct: number }; categories: Array<{ key: string; abs: number; pct: number; categories: number }> };
  previous: { id: number; at: Date | null } | null;
}

export interface InventoryReportInput {
  dir: string;
  /** file name without extension, e.g. inventory-reconciliation_P01_2026-01-31 */
  baseName: string;
  timeZone: string;
  currency: string;
  meta: ReportMeta;
  totals: ReconciliationTotals;
  byLocation: readonly LocationSummary[];
  lines(which: 'all' | 'discrepancies'): AsyncIterable<ReportLine[]>;
  /** called after each page of lines (progress, abort checks) */
  onPage?: (written: number) => void;
}

export interface InventoryReportFiles {
  xlsx: string;
  csv: string;
  discrepancyRows: number;
  allRows: number;
}

const COLUMNS: Array<{ header: string; width: number; onlyAll?: boolean }> = [
  { header: 'Location', width: 28 },
  { header: 'Product', width: 16 },
  { header: 'Product name', width: 30 },
  { header: 'Category', width: 22 },
  { header: 'Lot', width: 14 },
  { header: 'UoM', width: 8 },
  { header: 'Odoo qty', width: 12 },
  { header: 'Counted qty', width: 12 },
  { header: 'Difference', width: 12 },
  { header: 'Difference %', width: 12 },
  { header: 'Class', width: 16 },
  { header: 'Status', width: 18, onlyAll: true },
  { header: 'Tolerance', width: 16 },
  { header: 'Unit cost', width: 14 },
  { header: 'Value impact', width: 16 },
  { header: 'Counted at', width: 17 },
  { header: 'Odoo changed at', width: 17 },
  { header: 'Since previous run', width: 14 },
];

const HEADER_STYLE: Style = {
  font: { bold: true, color: { argb: 'FFFFFFFF' } },
  fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF305496' } },
  alignment: { vertical: 'middle', wrapText: true },
};

function statusOf(l: ReportLine): string {
  if (l.moved_since_count) return 'moved since count';
  return l.is_discrepancy ? 'discrepancy' : 'match';
}

function toleranceText(abs: number, pct: number): string {
  if (abs === 0 && pct === 0) return 'exact';
  const parts = [];
  if (abs > 0) parts.push(`±${abs}`);
  if (pct > 0) parts.push(`±${pct}%`);
  return parts.join(' or ');
}

/** Style objects per column kind and class, built once and shared by every cell. */
function buildStyles(currency: string) {
  const plain = {
    text: {} as Style,
    quantity: { numFmt: FORMATS.quantity } as Style,
    difference: { numFmt: FORMATS.difference } as Style,
    percent: { numFmt: FORMATS.percent } as Style,
    money: { numFmt: FORMATS.money(currency) } as Style,
    unitCost: { numFmt: FORMATS.unitCost(currency) } as Style,
    date: { numFmt: FORMATS.date } as Style,
  };
  type Kind = keyof typeof plain;
  const coloured = new Map<string, Record<Kind, Style>>();
  for (const [cls, c] of Object.entries(CLASS_COLOURS)) {
    const extra = {
      fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: c.fill } },
      font: { color: { argb: c.font }, bold: cls === 'short' },
    } as Style;
    coloured.set(cls, Object.fromEntries(Object.entries(plain).map(([k, s]) => [k, { ...s, ...extra }])) as Record<Kind, Style>);
  }
  const moved = Object.fromEntries(Object.entries(plain).map(([k, s]) => [k, { ...s, font: MOVED_FONT }])) as Record<Kind, Style>;
  // per class (and moved), the style of each column, in COLUMNS order
  const rowStyles = (cls: string, isMoved: boolean, withStatus: boolean): Style[] => {
    const hi = isMoved ? moved : (coloured.get(cls) ?? plain);
    const base = isMoved ? moved : plain;
    const out = [
      base.text,
      base.text,
      base.text,
      base.text,
      base.text,
      base.text,
      base.quantity,
      base.quantity,
      hi.difference,
      hi.percent,
      hi.text,
    ];
    if (withStatus) out.push(hi.text);
    out.push(base.text, base.unitCost, hi.money, base.date, base.date, base.text);
    return out;
  };
  const cache = new Map<string, Style[][]>();
  return (cls: string, isMoved: boolean, withStatus: boolean): Style[] => {
    let variants = cache.get(cls);
    if (!variants)
      cache.set(
        cls,
        (variants = [rowStyles(cls, false, false), rowStyles(cls, false, true), rowStyles(cls, true, false), rowStyles(cls, true, true)]),
      );
    return variants[(isMoved ? 2 : 0) + (withStatus ? 1 : 0)]!;
  };
}

/** Plant wall-clock time of epoch milliseconds, remembering the last one: times repeat line after line. */
function wallClockOf(timeZone: string): (ms: number | null) => Date | null {
  let lastMs = NaN;
  let last: Date | null = null;
  return (ms) => {
    if (ms === null) return null;
    if (ms !== lastMs) {
      lastMs = ms;
      last = wallClock(new Date(ms), timeZone);
    }
    return last;
  };
}

/** The cells of a line in COLUMNS order (Status only `withStatus`), for one sheet. */
function lineCells(withStatus: boolean, timeZone: string): (l: ReportLine) => CellValue[] {
  const countedAt = wallClockOf(timeZone);
  const changedAt = wallClockOf(timeZone);
  let tolerance = { abs: NaN, pct: NaN, text: '' };
  return (l) => {
    const pct = l.odoo_qty !== null && l.odoo_qty !== 0 ? l.difference / Math.abs(l.odoo_qty) : null;
    if (l.tolerance_abs !== tolerance.abs || l.tolerance_pct !== tolerance.pct) {
      tolerance = { abs: l.tolerance_abs, pct: l.tolerance_pct, text: toleranceText(l.tolerance_abs, l.tolerance_pct) };
    }
    const values: CellValue[] = [
      l.location_name,
      l.product_code,
      l.product_name,
      l.category,
      l.lot_name,
      l.uom,
      l.odoo_qty,
      l.counted_qty,
      l.difference,
      pct,
      l.class,
    ];
    if (withStatus) values.push(statusOf(l));
    values.push(tolerance.text, l.standard_price, l.value_impact, countedAt(l.counted_at), changedAt(l.odoo_changed_at), l.since_previous);
    return values;
  };
}

function localText(ms: number | null, timeZone: string): string {
  if (ms === null) return '';
  const p = localParts(new Date(ms), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

function csvLine(l: ReportLine, timeZone: string): string {
  const pct = l.odoo_qty !== null && l.odoo_qty !== 0 ? Number(((l.difference / Math.abs(l.odoo_qty)) * 100).toFixed(4)) : null;
  return [
    l.location_name,
    l.product_code,
    l.lot_name,
    l.uom,
    l.odoo_qty,
    l.counted_qty,
    l.difference,
    l.class,
    l.value_impact === null ? null : Number(l.value_impact.toFixed(6)),
    l.product_name,
    l.category,
    pct,
    l.standard_price,
    localText(l.counted_at, timeZone),
    l.since_previous,
  ]
    .map((v) => csvField(v))
    .join(',');
}

class CsvWriter {
  private readonly out;
  private buffer = '';
  constructor(file: string) {
    this.out = createWriteStream(file);
  }
  async line(text: string): Promise<void> {
    this.buffer += `${text}\r\n`;
    if (this.buffer.length > 64 * 1024) await this.flush();
  }
  private async flush(): Promise<void> {
    if (!this.buffer) return;
    const ok = this.out.write(this.buffer);
    this.buffer = '';
    if (!ok) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
  }
  destroy(): void {
    this.out.destroy();
  }
}

/** The Summary above its table: run metadata, sources, tolerances, totals, the previous run. */
function writeSummaryHead(ws: ExcelJS.Worksheet, input: InventoryReportInput): void {
  const { meta, totals, currency, timeZone } = input;
  const t = (v: unknown) => (typeof v === 'string' ? escapeSpreadsheetText(v) : v);
  const money = FORMATS.money(currency);
  const bold = { bold: true } as const;
  const add = (values: unknown[], style?: { font?: Partial<ExcelJS.Font>; numFmt?: Record<number, string> }) => {
    const row = ws.addRow(values.map(t));
    if (style?.font) row.font = style.font;
    for (const [col, fmt] of Object.entries(style?.numFmt ?? {})) row.getCell(Number(col)).numFmt = fmt;
    row.commit();
  };
  const local = (d: Date | null) => (d ? wallClock(d, timeZone) : '-');
  const dateFmt = { 2: FORMATS.date };

  add([`Inventory reconciliation ${meta.warehouse.code}`, meta.warehouse.name], { font: { bold: true, size: 14 } });
  add([]);
  add(['Warehouse', `${meta.warehouse.code} – ${meta.warehouse.name}`]);
  add(['Run', meta.kind === 'month_end' ? `month-end ${meta.period ?? ''}`.trim() : 'daily']);
  add(['Job run id', meta.runId ?? '-']);
  add(['Reconciliation id', meta.reconciliationId]);
  add(['Generated at (plant time)', local(meta.generatedAt)], { numFmt: dateFmt });
  add(['Count (source)', `batch ${meta.countBatch.id}: ${meta.countBatch.source ?? '-'} (${meta.countBatch.status})`]);
  add(['Counted from', local(meta.countBatch.countedFrom)], { numFmt: dateFmt });
  add(['Counted to', local(meta.countBatch.countedTo)], { numFmt: dateFmt });
  add(['Odoo snapshot (source)', `snapshot ${meta.snapshot.id}: ${meta.snapshot.source ?? '-'}, ${meta.snapshot.quants} quants`]);
  add(['Odoo snapshot time', local(meta.snapshot.takenAt)], { numFmt: dateFmt });
  add(['Coverage', meta.coverage === 'warehouse' ? 'every internal location of the warehouse' : 'only the locations the count names']);
  add(['Tolerance (default)', toleranceText(meta.tolerances.default.abs, meta.tolerances.default.pct)]);
  for (const c of meta.tolerances.categories) add([`Tolerance: ${c.key}`, `${toleranceText(c.abs, c.pct)} (${c.categories} categories)`]);
  add(['Value impact', `difference × standard price, ${currency}; discrepancies only`]);
  add([]);
  add(['Totals'], { font: bold });
  add(['Lines', totals.lines], { numFmt: { 2: FORMATS.count } });
  add(['Matched (within tolerance)', totals.matched], { numFmt: { 2: FORMATS.count } });
  add(['Discrepancies', totals.discrepancies], { numFmt: { 2: FORMATS.count } });
  for (const cls of ['over', 'short', 'missing_in_odoo', 'missing_in_wms'])
    add([`  ${cls}`, totals.by_class[cls] ?? 0], { numFmt: { 2: FORMATS.count } });
  add(['Moved since count (not counted as discrepancies)', totals.moved_since_count], { numFmt: { 2: FORMATS.count } });
  add(['Absolute value impact', totals.value_impact_abs], { numFmt: { 2: money } });
  add(['Net value impact', totals.value_impact_net], { numFmt: { 2: money } });
  add([]);
  add(['Compared with the previous run'], { font: bold });
  if (meta.previous) {
    add(['Previous reconciliation', `${meta.previous.id}`, meta.previous.at ? wallClock(meta.previous.at, timeZone) : null], {
      numFmt: { 3: FORMATS.date },
    });
    add(['New discrepancies', totals.new_discrepancies], { numFmt: { 2: FORMATS.count } });
    add(['Resolved discrepancies', totals.resolved], { numFmt: { 2: FORMATS.count } });
    add(['Persisting discrepancies', totals.persisting], { numFmt: { 2: FORMATS.count } });
  } else {
    add(['Previous reconciliation', 'none: first reconciliation of this warehouse']);
  }
  add([]);
}

const SUMMARY_TABLE = [
  'Location',
  'Category',
  'Lines',
  'Matched',
  'Discrepancies',
  'Moved since count',
  'Absolute value impact',
  'Net value impact',
];

/** Summary: the head through exceljs, then the table per location and category streamed (thousands of rows). */
const SUMMARY_WIDTHS = [34, 26, 12, 12, 14, 18, 22, 22];

/** The page setup of a sheet of this report: the warehouse and run in every page's header. */
function printFor(input: InventoryReportInput, widths: readonly number[]): SheetPrintOptions {
  const { meta } = input;
  const what = meta.kind === 'month_end' ? `month-end ${meta.period ?? ''}`.trim() : 'daily';
  return printOptions({
    title: `Inventory reconciliation ${meta.warehouse.code} (${what})`,
    run: runLabel({ runId: meta.runId, date: meta.generatedAt.toISOString().slice(0, 10) }),
    widths,
  });
}

/** the Summary's chart shows at most this many locations, the largest net value impact first */
export const CHART_LOCATIONS = 25;
/** the chart's height in rows (at least) */
const CHART_ROWS = 22;

/**
 * Summary: the head through exceljs, the table per location and category streamed (thousands of
 * rows), then the net value impact per location (the largest first) that the Summary's native
 * bar chart below it reads. Returns that chart.
 */
async function writeSummary(wb: ExcelJS.stream.xlsx.WorkbookWriter, input: InventoryReportInput): Promise<ChartSpec | undefined> {
  const table = new StreamedSheet(wb, SHEETS.summary, SUMMARY_TABLE, {
    widths: SUMMARY_WIDTHS,
    headerStyle: HEADER_STYLE,
    before: (ws) => writeSummaryHead(ws, input),
    frozenRows: 1,
    print: printFor(input, SUMMARY_WIDTHS),
  });
  const bold = { bold: true } as const;
  const count: Style = { numFmt: FORMATS.count };
  const money: Style = { numFmt: FORMATS.money(input.currency) };
  const rowStyles = [undefined, undefined, count, count, count, count, money, money];
  const totalStyles = rowStyles.map((st): Style => ({ ...st, font: bold }));
  const sum = { lines: 0, matched: 0, discrepancies: 0, moved: 0, abs: 0, net: 0 };
  for (const r of input.byLocation) {
    await table.addRow(
      [r.location_name, r.category, r.lines, r.matched, r.discrepancies, r.moved, r.value_impact_abs, r.value_impact_net],
      rowStyles,
    );
    sum.lines += r.lines;
    sum.matched += r.matched;
    sum.discrepancies += r.discrepancies;
    sum.moved += r.moved;
    sum.abs += r.value_impact_abs;
    sum.net += r.value_impact_net;
  }
  await table.addRow(['Total', '', sum.lines, sum.matched, sum.discrepancies, sum.moved, sum.abs, sum.net], totalStyles);

  const net = new Map<string, number>();
  for (const r of input.byLocation) net.set(r.location_name, (net.get(r.location_name) ?? 0) + r.value_impact_net);
  const locations = [...net].sort(([a, x], [b, y]) => Math.abs(y) - Math.abs(x) || a.localeCompare(b)).slice(0, CHART_LOCATIONS);
  let chart: ChartSpec | undefined;
  if (locations.length > 0) {
    const heading = `Net value impact per location, largest first${net.size > CHART_LOCATIONS ? ` (the ${CHART_LOCATIONS} largest)` : ''}`;
    await table.addRow([], []);
    await table.addRow([heading], [{ font: bold }]);
    await table.addRow(['Location', 'Net value impact'], [HEADER_STYLE, HEADER_STYLE]);
    const first = table.rows + 1;
    for (const [location, value] of locations) await table.addRow([location, value], [undefined, money]);
    const last = table.rows;
    // the chart starts a printed page of its own, so a page break never cuts through it (it is at
    // most CHART_LOCATIONS + 6 rows high, well inside one page)
    table.breakPageAfter(last + 1);
    chart = {
      sheet: SHEETS.summary,
      kind: 'bar',
      title: `Stock value impact by location (${input.currency})`,
      categories: { range: { col: 0, fromRow: first, toRow: last }, labels: locations.map(([l]) => l) },
      series: [{ name: 'Net value impact', range: { col: 1, fromRow: first, toRow: last }, values: locations.map(([, v]) => v) }],
      // below the block, as wide as the table (0-based rows: `last` is the row after the block)
      anchor: { fromCol: 0, fromRow: last + 2, toCol: 6, toRow: last + 2 + Math.max(CHART_ROWS, locations.length + 6) },
    };
  }
  await table.commit();
  return chart;
}

export async function writeInventoryReport(input: InventoryReportInput): Promise<InventoryReportFiles> {
  await mkdir(input.dir, { recursive: true });
  const xlsx = path.join(input.dir, `${input.baseName}.xlsx`);
  const csv = path.join(input.dir, `${input.baseName}_discrepancies.csv`);
  const partial = (file: string) => path.join(input.dir, `.${path.basename(file)}.${process.pid}.partial`);
  const tmpXlsx = partial(xlsx);
  const tmpCsv = partial(csv);
  const csvOut = new CsvWriter(tmpCsv);
  try {
    const { stream } = (await import('exceljs')).default; // loaded when a workbook is written (CLI start-up)
    const wb = new stream.xlsx.WorkbookWriter({
      filename: tmpXlsx,
      useStyles: true,
      useSharedStrings: false,
      zip: streamedZipOptions(),
    } as unknown as Partial<ExcelJS.stream.xlsx.WorkbookStreamWriterOptions>);
    wb.creator = 'mfg-etl';
    wb.created = input.meta.generatedAt;
    const chart = await writeSummary(wb, input);

    const styles = buildStyles(input.currency);
    const headers = (withStatus: boolean) => COLUMNS.filter((c) => withStatus || !c.onlyAll);
    let written = 0;

    const disc = new StreamedSheet(
      wb,
      SHEETS.discrepancies,
      headers(false).map((c) => c.header),
      {
        widths: headers(false).map((c) => c.width),
        headerStyle: HEADER_STYLE,
        print: printFor(
          input,
          headers(false).map((c) => c.width),
        ),
        autoFilterRows: input.totals.discrepancies,
      },
    );
    await csvOut.line(`\ufeff${CSV_HEADER.join(',')}`);
    const discCells = lineCells(false, input.timeZone);
    for await (const page of input.lines('discrepancies')) {
      for (const l of page) {
        await disc.addRow(discCells(l), styles(l.class, l.moved_since_count, false));
        await csvOut.line(csvLine(l, input.timeZone));
      }
      written += page.length;
      input.onPage?.(written);
    }
    await disc.commit();
    await csvOut.close();

    const all = new StreamedSheet(
      wb,
      SHEETS.all,
      headers(true).map((c) => c.header),
      {
        widths: headers(true).map((c) => c.width),
        headerStyle: HEADER_STYLE,
        print: printFor(
          input,
          headers(true).map((c) => c.width),
        ),
        autoFilterRows: input.totals.lines,
      },
    );
    const allCells = lineCells(true, input.timeZone);
    for await (const page of input.lines('all')) {
      for (const l of page) await all.addRow(allCells(l), styles(l.class, l.moved_since_count, true));
      written += page.length;
      input.onPage?.(written);
    }
    await all.commit();
    await wb.commit();
    if (chart) await addCharts(tmpXlsx, [chart]);
    await rename(tmpXlsx, xlsx);
    await rename(tmpCsv, csv);
    return { xlsx, csv, discrepancyRows: disc.rows - 1, allRows: all.rows - 1 };
  } catch (err) {
    csvOut.destroy();
    await rm(tmpXlsx, { force: true });
    await rm(tmpCsv, { force: true });
    throw err;
  }
}
