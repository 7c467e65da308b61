/**
 * The per-shift OEE report, in $MFG_ETL_REPORTS: `oee_<date>.xlsx` (or `oee_<from>_<to>.xlsx`)
 * and a CSV of the shift rows beside it, from the staged shift summaries, downtime events and
 * scrap, with what historian-load made of them in Odoo (historian_load_status). Needs no Odoo:
 * without a load the status columns say "not loaded".
 *
 *   OEE by shift     per asset and shift: counts, running / down / idle minutes, availability,
 *                    performance, quality, OEE (percent formats; empty when not computable)
 *   Downtime events  wall-clock minutes (Odoo's own duration follows the work center calendar),
 *                    loss reason, Odoo status
 *   Scrap            quantity per (asset, product, shift), Odoo status
 *   Per asset and day availability and quality per asset and shift date (of the day's summed
 *                    counts), with two native line charts of them (load/workbooks/chart.ts)
 *
 * Times are the plant's wall clock. Text is formula-safe; both files are written under a
 * temporary name and renamed when complete.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { shiftOee, sumCounts } from '../../transform/historian/oee.ts';
import { localParts, wallClock } from '../../transform/shared/plant-time.ts';
import { csvField } from '../../core/spreadsheet-text.ts';
import { downtimeReportRows, scrapReportRows, type ShiftReportRow, shiftReportRows, type StatusEntry } from './load-staging.ts';
import { type CellValue, type Style, StreamedSheet } from '../workbooks/xlsx-rows.ts';
import { printOptions, runLabel } from '../workbooks/print.ts';
import { addCharts, type ChartSpec } from '../workbooks/chart.ts';

export const OEE_SHEETS = { shifts: 'OEE by shift', downtime: 'Downtime events', scrap: 'Scrap', days: 'Per asset and day' } as const;

/** the required columns first, then the rest */
export const OEE_CSV_HEADER = [
  'asset',
  'shift_date',
  'shift',
  'good',
  'scrap',
  'running_minutes',
  'down_minutes',
  'idle_minutes',
  'availability',
  'quality',
  'performance',
  'oee',
  'downtime_events',
  'workcenter',
  'shift_start',
  'shift_end',
  'complete',
  'ideal_rate_per_hour',
] as const;

export const OEE_FORMATS = { percent: '0.0%', minutes: '#,##0.0', count: '#,##0.###', date: 'yyyy-mm-dd hh:mm' } as const;

export interface OeeAssetSettings {
  workcenter?: string;
  idealRatePerHour?: number;
}

export interface OeeReportOptions {
  dir: string;
  /** shift dates, YYYY-MM-DD, inclusive */
  from: string;
  to: string;
  /** plant time zone: times are shown on its wall clock */
  timeZone: string;
  /** historian.assets: work center code and ideal rate per asset */
  assets?: Readonly<Record<string, OeeAssetSettings>>;
  /** the job run writing it: in every page's header */
  runId?: number;
}

export interface OeeReportFiles {
  xlsx: string;
  csv: string;
  shifts: number;
  downtimeEvents: number;
  scrapRows: number;
}

const HEADER_STYLE: Style = {
  font: { bold: true, color: { argb: 'FFFFFFFF' } },
  fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF305496' } },
  alignment: { vertical: 'middle', wrapText: true },
};
const S = {
  text: {} as Style,
  percent: { numFmt: OEE_FORMATS.percent } as Style,
  minutes: { numFmt: OEE_FORMATS.minutes } as Style,
  count: { numFmt: OEE_FORMATS.count } as Style,
  date: { numFmt: OEE_FORMATS.date } as Style,
};

/** a figure for the CSV: at most 6 decimals, empty when unknown */
const figure = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : Number(v.toFixed(6)));

function localText(at: Date, timeZone: string): string {
  const p = localParts(at, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}

function statusText(status: StatusEntry | undefined, fallback: string): string {
  return status?.status ?? fallback;
}

class CsvWriter {
  private readonly out;
  constructor(file: string) {
    this.out = createWriteStream(file);
    this.out.write('\ufeff'); // Excel reads UTF-8 only with the BOM
  }
  async line(fields: readonly (string | number | null)[]): Promise<void> {
    if (!this.out.write(`${fields.map((f) => csvField(f)).join(',')}\r\n`)) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish');
  }
  destroy(): void {
    this.out.destroy();
  }
}

function shiftFigures(r: ShiftReportRow, asset: OeeAssetSettings | undefined) {
  return { ...shiftOee(r, asset?.idealRatePerHour), workcenter: asset?.workcenter ?? r.asset, ideal: asset?.idealRatePerHour ?? null };
}

/** the height of each chart on the Per asset and day sheet, in rows */
const CHART_ROWS = 18;

/**
 * Per asset and day: availability and quality of each asset's summed counts per shift date (a
 * column per asset and figure), and a line chart of each below the table, one line per asset.
 */
async function writeDays(
  wb: ExcelJS.stream.xlsx.WorkbookWriter,
  shifts: readonly ShiftReportRow[],
  print: (widths: readonly number[]) => ReturnType<typeof printOptions>,
): Promise<ChartSpec[]> {
  const assets = [...new Set(shifts.map((r) => r.asset))].sort();
  const dates = [...new Set(shifts.map((r) => r.shiftDate))].sort();
  const byKey = new Map<string, ShiftReportRow[]>();
  for (const r of shifts) byKey.set(`${r.asset}\u0000${r.shiftDate}`, [...(byKey.get(`${r.asset}\u0000${r.shiftDate}`) ?? []), r]);
  const figures = (asset: string, date: string) => {
    const rows = byKey.get(`${asset}\u0000${date}`);
    return rows ? shiftOee(sumCounts(rows)) : undefined;
  };
  const header = ['Shift date', ...assets.map((a) => `${a} availability`), ...assets.map((a) => `${a} quality`)];
  const widths = header.map((_, i) => (i === 0 ? 11 : 14));
  const sheet = new StreamedSheet(wb, OEE_SHEETS.days, header, { widths, headerStyle: HEADER_STYLE, print: print(widths) });
  const styles = header.map((_, i) => (i === 0 ? S.text : S.percent));
  for (const date of dates) {
    const f = assets.map((a) => figures(a, date));
    await sheet.addRow([date, ...f.map((x) => x?.availability ?? null), ...f.map((x) => x?.quality ?? null)], styles);
  }
  await sheet.commit();
  if (dates.length === 0) return [];
  const first = 2;
  const last = dates.length + 1;
  const chart = (metric: 'availability' | 'quality', offset: number, top: number): ChartSpec => ({
    sheet: OEE_SHEETS.days,
    kind: 'line',
    title: `${metric === 'availability' ? 'Availability' : 'Quality'} per asset and day`,
    categories: { range: { col: 0, fromRow: first, toRow: last }, labels: dates },
    series: assets.map((asset, i) => ({
      name: asset,
      range: { col: offset + i, fromRow: first, toRow: last },
      values: dates.map((d) => figures(asset, d)?.[metric] ?? null),
    })),
    valueFormat: '0%',
    anchor: { fromCol: 0, fromRow: top, toCol: Math.max(7, header.length), toRow: top + CHART_ROWS },
  });
  // 0-based rows: `last` is the row after the table
  return [chart('availability', 1, last + 1), chart('quality', 1 + assets.length, last + 2 + CHART_ROWS)];
}

/** Writes the OEE report of the shift dates [from, to]; answers the paths and row counts. */
export async function writeOeeReport(db: Knex, options: OeeReportOptions): Promise<OeeReportFiles> {
  const { dir, from, to, timeZone } = options;
  const assets = options.assets ?? {};
  await mkdir(dir, { recursive: true });
  const base = path.join(dir, from === to ? `oee_${from}` : `oee_${from}_${to}`);
  const partial = (file: string) => path.join(dir, `.${path.basename(file)}.${process.pid}.partial`);
  const files = { xlsx: `${base}.xlsx`, csv: `${base}.csv` };
  const tmp = { xlsx: partial(files.xlsx), csv: partial(files.csv) };

  const shifts = await shiftReportRows(db, from, to);
  const downtime = await downtimeReportRows(db, from, to, timeZone);
  const scrap = await scrapReportRows(db, from, to);
  const clock = (at: Date) => wallClock(at, timeZone);
  const title = from === to ? `OEE by shift ${from}` : `OEE by shift ${from} to ${to}`;
  const print = (widths: readonly number[]) => printOptions({ title, run: runLabel({ runId: options.runId }), widths });

  const csv = new CsvWriter(tmp.csv);
  try {
    const { stream } = (await import('exceljs')).default; // loaded when a workbook is written (CLI start-up)
    const wb = new stream.xlsx.WorkbookWriter({ filename: tmp.xlsx, useStyles: true, useSharedStrings: false });
    wb.creator = 'mfg-etl';

    const shiftColumns: Array<[string, number, Style]> = [
      ['Asset', 16, S.text],
      ['Work center', 16, S.text],
      ['Shift date', 11, S.text],
      ['Shift', 8, S.text],
      ['Start', 16, S.date],
      ['End', 16, S.date],
      ['Complete', 9, S.text],
      ['Good', 10, S.count],
      ['Scrap', 10, S.count],
      ['Running min', 11, S.minutes],
      ['Down min', 10, S.minutes],
      ['Idle min', 10, S.minutes],
      ['Availability', 11, S.percent],
      ['Performance', 12, S.percent],
      ['Quality', 10, S.percent],
      ['OEE', 9, S.percent],
      ['Downtime events', 10, S.count],
      ['Ideal rate / h', 10, S.count],
    ];
    const ws = new StreamedSheet(
      wb,
      OEE_SHEETS.shifts,
      shiftColumns.map((c) => c[0]),
      {
        widths: shiftColumns.map((c) => c[1]),
        headerStyle: HEADER_STYLE,
        print: print(shiftColumns.map((c) => c[1])),
        autoFilterRows: shifts.length,
      },
    );
    const shiftStyles = shiftColumns.map((c) => c[2]);
    await csv.line(OEE_CSV_HEADER);
    for (const r of shifts) {
      const f = shiftFigures(r, assets[r.asset]);
      const values: CellValue[] = [
        r.asset,
        f.workcenter,
        r.shiftDate,
        r.shift,
        clock(r.start),
        clock(r.end),
        r.complete ? 'yes' : 'in progress',
        r.good,
        r.scrap,
        r.runningMinutes,
        r.downMinutes,
        r.idleMinutes,
        f.availability,
        f.performance,
        f.quality,
        f.oee,
        r.downtimeEvents,
        f.ideal,
      ];
      await ws.addRow(values, shiftStyles);
      await csv.line([
        r.asset,
        r.shiftDate,
        r.shift,
        figure(r.good),
        figure(r.scrap),
        figure(r.runningMinutes),
        figure(r.downMinutes),
        figure(r.idleMinutes),
        figure(f.availability),
        figure(f.quality),
        figure(f.performance),
        figure(f.oee),
        r.downtimeEvents,
        f.workcenter,
        localText(r.start, timeZone),
        localText(r.end, timeZone),
        r.complete ? 'true' : 'false',
        f.ideal,
      ]);
    }
    await ws.commit();
    await csv.close();

    const downColumns: Array<[string, number, Style]> = [
      ['Asset', 16, S.text],
      ['Work center', 16, S.text],
      ['Start', 16, S.date],
      ['End', 16, S.date],
      ['Wall-clock min', 12, S.minutes],
      ['Shift date', 11, S.text],
      ['Shift', 8, S.text],
      ['Tag', 20, S.text],
      ['State code', 8, S.text],
      ['Loss reason', 22, S.text],
      ['Odoo status', 14, S.text],
      ['Odoo id', 9, S.count],
      ['Message', 50, S.text],
      ['External id', 40, S.text],
    ];
    const wd = new StreamedSheet(
      wb,
      OEE_SHEETS.downtime,
      downColumns.map((c) => c[0]),
      {
        widths: downColumns.map((c) => c[1]),
        headerStyle: HEADER_STYLE,
        print: print(downColumns.map((c) => c[1])),
        autoFilterRows: downtime.length,
      },
    );
    const downStyles = downColumns.map((c) => c[2]);
    for (const d of downtime) {
      await wd.addRow(
        [
          d.asset,
          assets[d.asset]?.workcenter ?? d.asset,
          clock(d.start),
          clock(d.end),
          d.minutes,
          d.shiftDate,
          d.shift,
          d.tag,
          d.stateCode,
          d.lossReason,
          statusText(d.status, d.open ? 'open' : 'not loaded'),
          d.status?.odooId ?? null,
          d.status?.message ?? (d.open ? 'still down at the end of the window read: loaded once it ends' : null),
          `mfg_etl.${d.key}`,
        ],
        downStyles,
      );
    }
    await wd.commit();

    const scrapColumns: Array<[string, number, Style]> = [
      ['Asset', 16, S.text],
      ['Product', 16, S.text],
      ['Shift date', 11, S.text],
      ['Shift', 8, S.text],
      ['Start', 16, S.date],
      ['End', 16, S.date],
      ['Quantity', 10, S.count],
      ['Complete', 9, S.text],
      ['Odoo status', 20, S.text],
      ['Odoo id', 9, S.count],
      ['Message', 50, S.text],
      ['External id', 40, S.text],
    ];
    const wsc = new StreamedSheet(
      wb,
      OEE_SHEETS.scrap,
      scrapColumns.map((c) => c[0]),
      {
        widths: scrapColumns.map((c) => c[1]),
        headerStyle: HEADER_STYLE,
        print: print(scrapColumns.map((c) => c[1])),
        autoFilterRows: scrap.length,
      },
    );
    const scrapStyles = scrapColumns.map((c) => c[2]);
    for (const s of scrap) {
      await wsc.addRow(
        [
          s.asset,
          s.product || '(work order in progress)',
          s.shiftDate,
          s.shift,
          clock(s.start),
          clock(s.end),
          s.quantity,
          s.complete ? 'yes' : 'in progress',
          statusText(s.status, 'not loaded'),
          s.status?.odooId ?? null,
          s.status?.message ?? null,
          `mfg_etl.${s.key}`,
        ],
        scrapStyles,
      );
    }
    await wsc.commit();
    const charts = await writeDays(wb, shifts, print);
    await wb.commit();
    await addCharts(tmp.xlsx, charts);
    await rename(tmp.xlsx, files.xlsx);
    await rename(tmp.csv, files.csv);
  } catch (err) {
    csv.destroy();
    await rm(tmp.xlsx, { force: true });
    await rm(tmp.csv, { force: true });
    throw err;
  }
  return { ...files, shifts: shifts.length, downtimeEvents: downtime.length, scrapRows: scrap.length };
}
