/**
 * The daily quality-holds report for quality and finance: `quality-holds-<date>.xlsx` (sheets
 * "By reason": value on hold per reason; "Open holds": one row per hold with its lots, quantity,
 * value at cost, age and what it blocked) and the same holds as `quality-holds-<date>.csv`.
 * Written beside the other reports, through a partial file renamed at the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import { printOptions } from '../workbooks/print.ts';
import { csvField } from '../../core/spreadsheet-text.ts';
import { StreamedSheet, streamedZipOptions } from '../workbooks/xlsx-rows.ts';
import type { OpenHold } from './staging.ts';

const HEADER_STYLE = { font: { bold: true }, fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } } } as const;
const MONEY = { numFmt: '#,##0.00' };
const HOLD_COLUMNS = [
  'Nonconformance',
  'Status',
  'Warehouse',
  'Product',
  'Lots',
  'Quantity',
  'Value',
  'Reason',
  'Received',
  'Age (h)',
  'Blocked',
];

export interface ReasonTotal {
  reason: string;
  holds: number;
  quantity: number;
  value: number;
}

/** Value on hold per reason, largest first. Pure. */
export function valueByReason(holds: readonly OpenHold[]): ReasonTotal[] {
  const by = new Map<string, ReasonTotal>();
  for (const h of holds) {
    const reason = h.reason || '(no reason)';
    const t = by.get(reason) ?? { reason, holds: 0, quantity: 0, value: 0 };
    t.holds++;
    t.quantity += h.quantity;
    t.value += h.value;
    by.set(reason, t);
  }
  return [...by.values()].sort((a, b) => b.value - a.value || a.reason.localeCompare(b.reason));
}

function holdCells(h: OpenHold): Array<string | number | Date> {
  return [
    h.nonconformance,
    h.status,
    h.warehouse,
    h.product,
    h.lots.join(' '),
    h.quantity,
    Math.round(h.value * 100) / 100,
    h.reason,
    h.receivedAt,
    Math.round(h.ageSeconds / 36) / 100,
    h.blocked.map((b) => b.name).join(' '),
  ];
}

const HOLD_WIDTHS = [16, 10, 10, 14, 24, 10, 12, 24, 20, 8, 30];

export async function writeHoldsReport(dir: string, date: string, holds: readonly OpenHold[]): Promise<{ xlsx: string; csv: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const xlsx = path.join(dir, `quality-holds-${date}.xlsx`);
  const csv = path.join(dir, `quality-holds-${date}.csv`);
  const partial = (file: string) => path.join(dir, `.${path.basename(file)}.${process.pid}.partial`);
  const { stream } = (await import('exceljs')).default; // loaded when a workbook is written (CLI start-up)
  const wb = new stream.xlsx.WorkbookWriter({
    filename: partial(xlsx),
    useStyles: true,
    useSharedStrings: false,
    zip: streamedZipOptions(),
  } as unknown as Partial<ExcelJS.stream.xlsx.WorkbookStreamWriterOptions>);
  wb.creator = 'mfg-etl';
  const byReason = new StreamedSheet(wb, 'By reason', ['Reason', 'Holds', 'Quantity', 'Value'], {
    widths: [30, 10, 12, 14],
    headerStyle: HEADER_STYLE,
    print: printOptions({ title: `Quality holds: value on hold by reason`, run: date, widths: [30, 10, 12, 14] }),
  });
  for (const t of valueByReason(holds))
    await byReason.addRow([t.reason, t.holds, t.quantity, Math.round(t.value * 100) / 100], [undefined, undefined, undefined, MONEY]);
  await byReason.commit();
  const sheet = new StreamedSheet(wb, 'Open holds', HOLD_COLUMNS, {
    widths: HOLD_WIDTHS,
    headerStyle: HEADER_STYLE,
    autoFilterRows: holds.length,
    print: printOptions({ title: `Quality holds: open holds`, run: date, widths: HOLD_WIDTHS }),
  });
  const dateStyle = { numFmt: 'yyyy-mm-dd hh:mm' };
  for (const h of holds)
    await sheet.addRow(holdCells(h), [undefined, undefined, undefined, undefined, undefined, undefined, MONEY, undefined, dateStyle]);
  await sheet.commit();
  await wb.commit();
  const lines = [
    HOLD_COLUMNS.join(','),
    ...holds.map((h) =>
      holdCells(h)
        .map((v) => csvField(v instanceof Date ? v.toISOString() : v))
        .join(','),
    ),
  ];
  fs.writeFileSync(partial(csv), `\ufeff${lines.join('\r\n')}\r\n`);
  fs.renameSync(partial(xlsx), xlsx);
  fs.renameSync(partial(csv), csv);
  return { xlsx, csv };
}
