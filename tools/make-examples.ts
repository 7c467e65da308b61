/**
 * Writes the XLSX example input files under examples/inbox/ (the CSV ones are plain text, kept by
 * hand). Run once after changing them: `node --import tsx tools/make-examples.ts`; the .xlsx files
 * are committed (a few KB each). Dates are written as real date cells, the way Excel saves them.
 * The files are read back by test/examples.test.ts, which stages each against the demo master data.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';

const root = fileURLToPath(new URL('../examples/inbox/', import.meta.url));
const DAY = 86_400_000;
/** the twelve Mondays from 2027-01-04 (ISO week 2027-W01) */
const WEEKS = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2027, 0, 4) + i * 7 * DAY));

async function save(wb: ExcelJS.Workbook, folder: string, name: string): Promise<void> {
  wb.creator = 'mfg-etl examples';
  // fixed dates: the same input gives the same file
  wb.created = wb.modified = new Date(Date.UTC(2026, 11, 1));
  const file = path.join(root, folder, name);
  await wb.xlsx.writeFile(file);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

/** A planning tool's export: title rows (plant and version), then product / unit and one column per week. */
async function forecastWide(): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Forecast');
  ws.addRow(['Demand forecast – finished goods']);
  ws.addRow(['Plant: P01', '', 'Version: 2027-01b']);
  ws.addRow([]);
  ws.addRow(['Product', 'Unit', ...WEEKS]);
  ws.getRow(4).eachCell((cell, col) => {
    if (col > 2) cell.numFmt = 'dd.mm.yyyy';
  });
  const base: Record<string, number> = { FURN_7800: 42, FURN_8888: 118, FURN_6666: 16, FURN_9999: 58 };
  for (const [product, qty] of Object.entries(base)) ws.addRow([product, 'Units', ...WEEKS.map((_, i) => qty + ((i * 5) % 9))]);
  ws.getColumn(1).width = 14;
  await save(wb, 'forecasts', 'P01_2027-01_wide.xlsx');
}

/** An ERP's German export in the long layout: one row per product and week, dates as date cells. */
async function forecastLong(): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Bedarf');
  ws.addRow(['Artikel', 'Lager', 'Datum', 'Menge', 'Einheit']);
  const parts: Array<[string, string, number]> = [
    ['COMP_LEG', 'Units', 150],
    ['RAW_STEEL', 'kg', 1180.5],
  ];
  for (const [product, unit, qty] of parts) {
    WEEKS.forEach((w, i) => ws.addRow([product, 'P02', w, qty + i * 3, unit]));
  }
  ws.getColumn(3).numFmt = 'dd.mm.yyyy';
  await save(wb, 'forecasts', 'P02_2027-01_long.xlsx');
}

/** Purchasing's price list for February, German headers, a currency and a price unit per row. */
async function costUpdates(): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Preise');
  ws.addRow(['Artikelnummer', 'Standardpreis', 'Währung', 'Gültig ab', 'Preiseinheit']);
  const validFrom = new Date(Date.UTC(2027, 1, 1));
  ws.addRow(['COMP_LEG', 10.2, 'EUR', validFrom, 'Units']);
  ws.addRow(['COMP_SCREW', 0.6, 'EUR', validFrom, 'Dozens']);
  ws.addRow(['RAW_STEEL', 1.44, 'EUR', validFrom, 'kg']);
  ws.getColumn(4).numFmt = 'dd.mm.yyyy';
  await save(wb, 'costs', 'cost-updates_2027-02.xlsx');
}

/** A handheld scanner's count of plant 2, English headers, warehouse and count time per row. */
async function count(): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Count');
  ws.addRow(['Warehouse', 'Location', 'Product', 'Lot', 'Counted qty', 'UoM', 'Counted at']);
  const at = (h: number, m: number) => new Date(Date.UTC(2026, 10, 30, h, m));
  ws.addRow(['P02', 'P02-R1', 'COMP_LEG', null, 320, 'Units', at(7, 5)]);
  ws.addRow(['P02', 'P02-R1', 'COMP_TOP', null, 84, 'Units', at(7, 12)]);
  ws.addRow(['P02', 'P02/Stock/Rack 2', 'COMP_SCREW', null, 210, 'Dozens', at(7, 30)]);
  ws.addRow(['P02', 'P02/Stock/Rack 2', 'RAW_STEEL', null, 1480.25, 'kg', at(7, 41)]);
  ws.addRow(['P02', 'P02-STOCK', 'FURN_9999', null, 12, 'Units', at(7, 55)]);
  ws.getColumn(7).numFmt = 'yyyy-mm-dd hh:mm';
  await save(wb, 'counts', 'P02-count_2026-11-30.xlsx');
}

await forecastWide();
await forecastLong();
await costUpdates();
await count();
