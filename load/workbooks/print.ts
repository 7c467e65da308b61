/**
 * Page setup for every sheet we write, so a workbook prints as a person expects: A4, landscape when
 * the columns are wider than a portrait page, scaled to one page wide (as many pages down as the
 * rows need), the header row repeated on every page, and a header and footer saying what it is
 * (title, run) and where (sheet, page n of m). Frozen panes are the sheet's views (see
 * `frozenHeader`). exceljs writes all of it with its streaming writer too: the page setup at the
 * sheet's end, the print titles as the workbook's `_xlnm.Print_Titles` defined names.
 */
import type ExcelJS from 'exceljs';

/** width units (about characters at the default font) that fit across portrait A4 at 100 % */
const PORTRAIT_WIDTH = 95;

export interface PrintLayout {
  /** the report, e.g. "Cost rollup batch 12": left of the page header */
  title: string;
  /** which run wrote it, e.g. "run 345 · 2026-01-31": right of the page header */
  run: string;
  /** column widths (exceljs units): their sum decides portrait or landscape */
  widths: readonly number[];
  /** the row repeated at the top of every printed page (1-based); default 1 */
  headerRow?: number;
}

export interface SheetPrintOptions {
  pageSetup: Partial<ExcelJS.PageSetup>;
  headerFooter: Partial<ExcelJS.HeaderFooter>;
}

/** `&` starts a header/footer code: a literal one is doubled; line breaks have no place there */
const hf = (text: string): string => text.replace(/[\r\n]+/g, ' ').replace(/&/g, '&&');

export function isWide(widths: readonly number[]): boolean {
  return widths.reduce((a, b) => a + b, 0) > PORTRAIT_WIDTH;
}

/** The worksheet options (pass them to addWorksheet: the streaming writer needs them up front). */
export function printOptions(layout: PrintLayout): SheetPrintOptions {
  const row = layout.headerRow ?? 1;
  return {
    pageSetup: {
      paperSize: 9, // A4
      orientation: isWide(layout.widths) ? 'landscape' : 'portrait',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0, // as many pages down as needed
      printTitlesRow: `${row}:${row}`,
      margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.25, footer: 0.25 },
    },
    headerFooter: {
      oddHeader: `&L&"-,Bold"${hf(layout.title)}&R${hf(layout.run)}`,
      oddFooter: `&L&A&CPage &P of &N&Rmfg-etl`,
    },
  };
}

/** The view of a sheet whose rows 1..`rows` stay on screen while scrolling (and `columns` columns). */
export function frozenHeader(rows = 1, columns = 0): Array<Partial<ExcelJS.WorksheetView>> {
  return [{ state: 'frozen', ySplit: rows, xSplit: columns }];
}

/** "run 12 · batch 3 · 2026-01-31" without the parts that are unknown */
export function runLabel(parts: { runId?: number | null; batchId?: number | null; date?: string | null }): string {
  const out: string[] = [];
  if (parts.runId !== undefined && parts.runId !== null) out.push(`run ${parts.runId}`);
  if (parts.batchId !== undefined && parts.batchId !== null) out.push(`batch ${parts.batchId}`);
  if (parts.date) out.push(parts.date);
  return out.join(' · ') || 'mfg-etl';
}
