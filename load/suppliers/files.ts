/**
 * The supplier pipeline's spreadsheets: small workbooks (a purchase order file, a shortage
 * report) built in memory with exceljs, and the same tables as CSV (UTF-8 with BOM, CRLF). Text is
 * written as values, never formulas, and protected against formula injection.
 */
import type ExcelJS from 'exceljs';
import { csvField, escapeSpreadsheetText } from '../../core/spreadsheet-text.ts';
import { printOptions } from '../workbooks/print.ts';

export type Value = string | number | null;

export interface SheetSpec {
  name: string;
  /** rows above the header (a title a person reads; the import skips them) */
  title?: string[];
  header: readonly string[];
  rows: ReadonlyArray<readonly Value[]>;
  /** header columns from this index on are highlighted (what the reader fills in) */
  fillFrom?: number;
  /** number format per column index */
  formats?: Record<number, string>;
}

function cell(v: Value): ExcelJS.CellValue {
  if (v === null) return null;
  return typeof v === 'number' ? v : escapeSpreadsheetText(v);
}

export async function workbookBuffer(sheets: readonly SheetSpec[]): Promise<Buffer> {
  const { Workbook } = (await import('exceljs')).default; // loaded when a workbook is written (CLI start-up)
  const wb = new Workbook();
  wb.creator = 'mfg-etl';
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    for (const t of s.title ?? []) ws.addRow([escapeSpreadsheetText(t)]).font = { bold: true };
    if (s.title?.length) ws.addRow([]);
    const headerRow = ws.addRow([...s.header]);
    headerRow.font = { bold: true };
    if (s.fillFrom !== undefined)
      for (let i = s.fillFrom; i < s.header.length; i++)
        headerRow.getCell(i + 1).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' } };
    ws.views = [{ state: 'frozen', ySplit: headerRow.number }];
    // prints like the other workbooks: fit to one page wide, the header row on every page
    const widths = s.header.map((h) => Math.max(10, Math.min(40, h.length + 4)));
    const print = printOptions({ title: s.title?.[0] ?? s.name, run: s.title?.[1] ?? 'mfg-etl', widths, headerRow: headerRow.number });
    ws.pageSetup = { ...ws.pageSetup, ...print.pageSetup };
    ws.headerFooter = { ...ws.headerFooter, ...print.headerFooter };
    for (const r of s.rows) ws.addRow(r.map(cell));
    s.header.forEach((h, i) => {
      ws.getColumn(i + 1).width = Math.max(10, Math.min(40, h.length + 4));
      const fmt = s.formats?.[i];
      if (fmt) ws.getColumn(i + 1).numFmt = fmt;
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function csvText(header: readonly string[], rows: ReadonlyArray<readonly Value[]>): string {
  const lines = [header.map((h) => csvField(h)).join(','), ...rows.map((r) => r.map((v) => csvField(v)).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
