/**
 * Data for bench/forecast-ingest, generated on the spot (nothing binary is committed):
 *  - a long CSV (semicolon, ISO dates, decimal point) that psql's \copy can load unchanged into
 *    (product text, warehouse text, period date, qty numeric), so the baseline reads the very same
 *    bytes as the pipeline;
 *  - a wide XLSX written with exceljs' streaming WorkbookWriter (title row, header with ISO week
 *    labels such as 2026-W49, one row per product, a unit column);
 *  - the matching master data (units, products, warehouses) so the referential joins do real work.
 * Periods start at the current week (in the plant time zone), so horizon and past-period
 * checkpoints pass.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Knex } from 'knex';

const MS_PER_DAY = 86_400_000;

export interface ForecastShape {
  products: number;
  warehouses: number;
  weeks: number;
}

export const productCode = (p: number): string => `SKU-${String(p).padStart(5, '0')}`;
export const warehouseCode = (w: number): string => `WH-${String(w).padStart(2, '0')}`;

export function dayFromIso(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / MS_PER_DAY);
}

export function isoFromDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** ISO 8601 week label ("2026-W49") of the week holding `day` (days since 1970-01-01) */
export function isoWeekLabel(day: number): string {
  const weekday = (((day + 3) % 7) + 7) % 7; // 0 = Monday
  const thursday = day - weekday + 3;
  const year = new Date(thursday * MS_PER_DAY).getUTCFullYear();
  const jan1 = Math.floor(Date.UTC(year, 0, 1) / MS_PER_DAY);
  const week = Math.floor((thursday - jan1) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** a quantity that is never zero or negative, with a decimal part now and then */
function quantity(p: number, w: number, k: number): string {
  const q = ((p * 7 + w * 3 + k * 11) % 997) + 1;
  return k % 4 === 0 ? `${q}.5` : String(q);
}

/**
 * Long layout, `product;warehouse;period;quantity`, periods as ISO dates (Mondays from
 * `firstMonday`). Returns the number of data rows.
 */
export async function writeLongCsv(path: string, shape: ForecastShape, firstMonday: string): Promise<number> {
  const first = dayFromIso(firstMonday);
  const periods = Array.from({ length: shape.weeks }, (_, k) => isoFromDay(first + 7 * k));
  const out = createWriteStream(path);
  out.write('product;warehouse;period;quantity\n');
  let rows = 0;
  for (let p = 0; p < shape.products; p++) {
    let chunk = '';
    const product = productCode(p);
    for (let w = 0; w < shape.warehouses; w++) {
      const warehouse = warehouseCode(w);
      for (let k = 0; k < shape.weeks; k++) {
        chunk += `${product};${warehouse};${periods[k]};${quantity(p, w, k)}\n`;
        rows++;
      }
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

/**
 * Wide layout as planners export it: a title row, then `Item | Plant | UoM | 2026-W49 | …`, one
 * row per product, all in warehouse WH-00; every 10th product is planned in dozens. Streamed
 * with WorkbookWriter (shared strings, as Excel writes them). Returns the number of values
 * (= forecast lines).
 */
export async function writeWideXlsx(path: string, products: number, weeks: number, firstMonday: string): Promise<number> {
  const first = dayFromIso(firstMonday);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  const ws = wb.addWorksheet('Forecast');
  ws.addRow([`Demand forecast ${warehouseCode(0)}`, `exported ${new Date().toISOString().slice(0, 10)}`]).commit();
  ws.addRow(['Item', 'Plant', 'UoM', ...Array.from({ length: weeks }, (_, k) => isoWeekLabel(first + 7 * k))]).commit();
  for (let p = 0; p < products; p++) {
    const values: (string | number)[] = [productCode(p), warehouseCode(0), p % 10 === 0 ? 'Dozens' : 'Units'];
    for (let k = 0; k < weeks; k++) values.push(((p * 13 + k * 7) % 500) + 1);
    ws.addRow(values).commit();
  }
  ws.commit();
  await wb.commit();
  return products * weeks;
}

/** Units, products (all in Units) and warehouses, as masterdata-sync would snapshot them. */
export async function insertMasterData(knex: Knex, shape: ForecastShape): Promise<void> {
  await knex('md_uoms').insert([
    { odoo_id: 1, name: 'Units', ref_group: 'Unit', ref_ratio: 1, rounding: 0.01 },
    { odoo_id: 2, name: 'Dozens', ref_group: 'Unit', ref_ratio: 12, rounding: 0.01 },
    { odoo_id: 12, name: 'kg', ref_group: 'Weight', ref_ratio: 1, rounding: 0.001 },
  ]);
  await knex('md_warehouses').insert(
    Array.from({ length: shape.warehouses }, (_, w) => ({ odoo_id: w + 1, code: warehouseCode(w), name: `Warehouse ${w}`, company_id: 1 })),
  );
  const products = Array.from({ length: shape.products }, (_, p) => ({
    odoo_id: 1000 + p,
    default_code: productCode(p),
    name: `Product ${p}`,
    uom_id: 1,
    categ_id: 5,
    categ_name: 'Finished Goods',
    cost_method: 'standard',
    valuation: 'real_time',
    is_storable: true,
    standard_price: 10 + (p % 90),
    company_id: 1,
  }));
  await knex.batchInsert('md_products', products, 1000);
  await knex.raw('analyze md_uoms, md_warehouses, md_products');
}
