/**
 * inventory-reconciliation end to end: the real Runner and PostgreSQL, master data synced by
 * masterdata-sync from the Odoo test server (Odoo 19, JSON-2), a count file in the inbox, quants
 * read page by page, the matching, and the reports read back with exceljs: sheets, header,
 * values, number formats, colours, frozen header and autofilter, formula injection in product
 * names and lots, the CSV, the comparison with the previous run, the month-end job and dry runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTabular } from '../../extract/tabular/index.ts';
import { localDate } from '../../transform/inventory/index.ts';
import { CSV_HEADER, FORMATS } from '../../load/inventory/workbook.ts';
import {
  countCsv,
  type CountRow,
  dropCount,
  type InventoryHarness,
  inventoryHarness,
  lineOf,
  type LineRow,
  odooEnv,
  reconciliationLines,
  runOk,
} from '../support/inventory.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';

const SEEDED = '2026-01-10 08:00:00';
const COUNTED = '2026-01-31 18:00'; // Berlin: 17:00 UTC
const MOVED_AT = '2026-01-31 17:30:00'; // UTC, after the count
const EVIL_NAME = '=HYPERLINK("http://evil.example","click")';
const EVIL_LOT = '-5+5';

let server: OdooTestServer;
let h: InventoryHarness;
let stats: Record<string, unknown>;
let lines: LineRow[];
let reconciliationId: number;
const ids: Record<string, number> = {};

const pid = (code: string) => server.records('product.product', [['default_code', '=', code]])[0]!.id;

beforeAll(async () => {
  server = await startOdooTestServer({ version: 19 });
  const uom = (name: string) => server.records('uom.uom', [['name', '=', name]])[0]!.id;
  const tolerant = server.create('product.category', { name: 'Tolerant', parent_id: 1 });
  const raw = server.create('product.category', { name: 'Raw', parent_id: 1 });
  const rawFullName = String(server.read('product.category', raw, ['complete_name']).complete_name);
  const product = (code: string, name: string, extra: Record<string, unknown> = {}) =>
    (ids[code] = server.create('product.product', { default_code: code, name, is_storable: true, standard_price: 10, ...extra }));
  product('STEEL', 'Steel sheet', { uom_id: uom('kg'), standard_price: 1.5 });
  product('LOTP', 'Lot part', { tracking: 'lot', standard_price: 4 });
  product('EVIL-1', EVIL_NAME, { standard_price: 2 });
  product('MOVED-1', 'Moving part');
  product('TOLA', 'Tolerant A', { categ_id: tolerant });
  product('TOLB', 'Tolerant B', { categ_id: tolerant });
  product('RAWA', 'Raw A', { categ_id: raw });
  product('RAWB', 'Raw B', { categ_id: raw });
  const lot1 = server.create('stock.lot', { name: 'L-1', product_id: ids.LOTP });
  const lot2 = server.create('stock.lot', { name: 'L-2', product_id: ids.LOTP });
  const quant = (code: string, location: number, quantity: number, lot?: number) =>
    server.create('stock.quant', { product_id: pid(code), location_id: location, quantity, ...(lot ? { lot_id: lot } : {}) });
  quant('STEEL', 17, 2.5);
  quant('LOTP', 18, 10, lot1);
  quant('LOTP', 18, 5, lot2);
  quant('EVIL-1', 17, 3);
  ids.movedQuant = quant('MOVED-1', 17, 20);
  quant('TOLA', 17, 10);
  quant('TOLB', 17, 10);
  quant('RAWA', 17, 40);
  quant('RAWB', 17, 40);
  for (const q of server.store.all('stock.quant')) {
    q.write_date = SEEDED;
    q.in_date = SEEDED;
  }
  // stock moved after the count
  server.store.transaction(() =>
    server.store.write('stock.quant', [ids.movedQuant!], { quantity: 18 }, { uid: 2, now: MOVED_AT, context: {} }),
  );

  h = await inventoryHarness('inv-recon', odooEnv(server), {
    inventory: { tolerances: { categories: { Tolerant: { abs: 2 }, [rawFullName]: { pct: 10 } } }, currency: 'EUR' },
  });
  await runOk(h, 'masterdata-sync');

  const row = (location: string, product: string, quantity: number | string, extra: Partial<CountRow> = {}): CountRow => ({
    location,
    product,
    quantity,
    countedAt: COUNTED,
    ...extra,
  });
  dropCount(
    h,
    'WH-2026-01-31.csv',
    countCsv([
      row('WH/Stock', 'FURN_7800', 60), // match
      row('WH/Stock', 'FURN_9666', 3), // over: Odoo 1
      row('WH/Stock', 'FURN_8522', 2), // short: Odoo 5
      row('WH/Stock/Shelf 1', 'FURN_2333', 4), // missing in Odoo (the legs are in WH/Stock: missing in the count)
      row('WH/Stock', 'FURN_7023', 1, { unit: 'Dozens' }), // 12 units = Odoo 12
      row('WH/Stock/Shelf 2', 'STEEL', 2500, { unit: 'g' }), // 2.5 kg
      row('WH/Stock/Shelf 1', 'LOTP', 10, { lot: 'L-1' }),
      row('WH/Stock/Shelf 1', 'LOTP', 4, { lot: 'L-2' }),
      row('WH/Stock/Shelf 2', 'EVIL-1', 1, { lot: EVIL_LOT }),
      row('WH/Stock/Shelf 2', 'MOVED-1', 15),
      row('WH/Stock/Shelf 2', 'TOLA', 12),
      row('WH/Stock/Shelf 2', 'TOLB', 12.5),
      row('WH/Stock/Shelf 2', 'RAWA', 44),
      row('WH/Stock/Shelf 2', 'RAWB', 35.9),
    ]),
  );
  stats = await runOk(h, 'inventory-reconciliation');
  const wh = (stats.warehouses as Record<string, unknown>[])[0]!;
  reconciliationId = wh.reconciliationId as number;
  lines = await reconciliationLines(h, reconciliationId);
}, 60_000);

afterAll(async () => {
  await h?.close();
  await server?.close();
});

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const reportDate = () => localDate(new Date(), 'Europe/Berlin');

describe('the run', () => {
  it('imports the waiting count, reads the warehouse quants from Odoo and leaves a plain-text summary and the report paths', async () => {
    expect(stats.counts).toMatchObject({ files: 1, staged: 1, rejected: 0 });
    const wh = (stats.warehouses as Record<string, unknown>[])[0]!;
    expect(wh).toMatchObject({ warehouse: 'WH', countStatus: 'validated', previousId: null });
    // WH's internal locations only: the leg in "My Co/Stock" is another warehouse's
    const quantsInWh = server.records('stock.quant', [
      ['location_id.warehouse_id', '=', 1],
      ['location_id.usage', '=', 'internal'],
    ]).length;
    expect(wh.quants).toBe(quantsInWh);
    expect(server.calls('stock.quant', 'search_read').length).toBeGreaterThan(0);
    const dir = h.app.config.reports;
    const xlsx = path.join(dir, `inventory-reconciliation_WH_${reportDate()}.xlsx`);
    const csv = path.join(dir, `inventory-reconciliation_WH_${reportDate()}_discrepancies.csv`);
    expect(stats.reports).toEqual([xlsx, csv]);
    expect(fs.existsSync(xlsx) && fs.existsSync(csv)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    const summary = stats.summary as string[];
    expect(summary[0]).toMatch(
      /^WH: \d+ lines, \d+ matched, 9 discrepancies \(over 2, short 3, missing_in_odoo 2, missing_in_wms 2\), 1 moved since count$/,
    );
    expect(summary).toContain(`report: ${xlsx}`);
    expect(summary).toContain(`discrepancies: ${csv}`);
    expect(summary).toContain('WH: first reconciliation of this warehouse');
  });

  it('classifies every line, converting units and matching lots', () => {
    const cls = (loc: string, code: string, lot: string | null = null) => lineOf(lines, loc, code, lot).class;
    expect(cls('WH/Stock', 'FURN_7800')).toBe('match');
    expect(cls('WH/Stock', 'FURN_9666')).toBe('over');
    expect(cls('WH/Stock', 'FURN_8522')).toBe('short');
    expect(cls('WH/Stock/Shelf 1', 'FURN_2333')).toBe('missing_in_odoo');
    expect(cls('WH/Stock', 'FURN_2333')).toBe('missing_in_wms');
    expect([cls('WH/Stock', 'FURN_7023'), num(lineOf(lines, 'WH/Stock', 'FURN_7023').counted_qty)]).toEqual(['match', 12]);
    expect([cls('WH/Stock/Shelf 2', 'STEEL'), num(lineOf(lines, 'WH/Stock/Shelf 2', 'STEEL').counted_qty)]).toEqual(['match', 2.5]);
    expect(cls('WH/Stock/Shelf 1', 'LOTP', 'L-1')).toBe('match');
    expect(cls('WH/Stock/Shelf 1', 'LOTP', 'L-2')).toBe('short');
    expect(cls('WH/Stock/Shelf 2', 'EVIL-1', EVIL_LOT)).toBe('missing_in_odoo');
    expect(cls('WH/Stock/Shelf 2', 'EVIL-1')).toBe('missing_in_wms');
    // tolerances from the config file: Tolerant ±2 by name, Raw ±10 % by full name, edges pass
    expect([cls('WH/Stock/Shelf 2', 'TOLA'), cls('WH/Stock/Shelf 2', 'TOLB')]).toEqual(['match', 'over']);
    expect([cls('WH/Stock/Shelf 2', 'RAWA'), cls('WH/Stock/Shelf 2', 'RAWB')]).toEqual(['match', 'short']);
    expect(lines.some((l) => l.location_name === 'My Co/Stock')).toBe(false);
  });

  it('flags the line whose stock moved after the count', () => {
    const moved = lineOf(lines, 'WH/Stock/Shelf 2', 'MOVED-1');
    expect(moved).toMatchObject({ class: 'short', moved_since_count: true, is_discrepancy: false });
    expect((moved.odoo_changed_at as Date).toISOString()).toBe('2026-01-31T17:30:00.000Z');
    expect((moved.counted_at as Date).toISOString()).toBe('2026-01-31T17:00:00.000Z');
  });
});

describe('the XLSX report', () => {
  let wb: ExcelJS.Workbook;
  beforeAll(async () => {
    wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((stats.reports as string[])[0]!);
  });
  const rowsOf = (ws: ExcelJS.Worksheet) => {
    const out: unknown[][] = [];
    ws.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
    return out;
  };
  const header = (ws: ExcelJS.Worksheet) => (ws.getRow(1).values as unknown[]).slice(1);
  const find = (ws: ExcelJS.Worksheet, product: string, lot?: string) => {
    const cols = header(ws);
    const p = cols.indexOf('Product') + 1;
    const l = cols.indexOf('Lot') + 1;
    for (let r = 2; r <= ws.rowCount; r++) {
      const row = ws.getRow(r);
      if (row.getCell(p).value === product && (lot === undefined || row.getCell(l).value === lot)) return row;
    }
    throw new Error(`no row for ${product} ${lot ?? ''}`);
  };
  const cell = (ws: ExcelJS.Worksheet, row: ExcelJS.Row, column: string) => row.getCell(header(ws).indexOf(column) + 1);

  it('has the three sheets with frozen headers and autofilters', () => {
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Discrepancies', 'All lines']);
    for (const name of ['Discrepancies', 'All lines']) {
      const ws = wb.getWorksheet(name)!;
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(String(ws.autoFilter)).toMatch(/^A1:[A-Z]+\d+$/);
    }
    expect(header(wb.getWorksheet('Discrepancies')!)).toEqual([
      'Location',
      'Product',
      'Product name',
      'Category',
      'Lot',
      'UoM',
      'Odoo qty',
      'Counted qty',
      'Difference',
      'Difference %',
      'Class',
      'Tolerance',
      'Unit cost',
      'Value impact',
      'Counted at',
      'Odoo changed at',
      'Since previous run',
    ]);
    expect(header(wb.getWorksheet('All lines')!)).toContain('Status');
  });

  it('lists the discrepancies, largest value impact first, and every line in All lines', () => {
    const disc = wb.getWorksheet('Discrepancies')!;
    expect(disc.rowCount - 1).toBe(lines.filter((l) => l.is_discrepancy).length);
    expect(disc.autoFilter).toBe(`A1:Q${disc.rowCount}`);
    const impacts = rowsOf(disc)
      .slice(1)
      .map((r) => Math.abs(Number(r[13])));
    expect(impacts).toEqual([...impacts].sort((a, b) => b - a));
    const all = wb.getWorksheet('All lines')!;
    expect(all.rowCount - 1).toBe(lines.length);
    const moved = find(all, 'MOVED-1');
    expect(cell(all, moved, 'Status').value).toBe('moved since count');
    expect(cell(all, find(all, 'FURN_7800'), 'Status').value).toBe('match');
  });

  it('writes values with number and currency formats', () => {
    const ws = wb.getWorksheet('Discrepancies')!;
    const over = find(ws, 'FURN_9666');
    expect([
      cell(ws, over, 'Location').value,
      cell(ws, over, 'Odoo qty').value,
      cell(ws, over, 'Counted qty').value,
      cell(ws, over, 'Difference').value,
      cell(ws, over, 'Class').value,
    ]).toEqual(['WH/Stock', 1, 3, 2, 'over']);
    expect(cell(ws, over, 'Value impact').value).toBe(580);
    expect(cell(ws, over, 'Difference %').value).toBe(2);
    expect(cell(ws, over, 'Odoo qty').numFmt).toBe(FORMATS.quantity);
    expect(cell(ws, over, 'Difference').numFmt).toBe(FORMATS.difference);
    expect(cell(ws, over, 'Difference %').numFmt).toBe(FORMATS.percent);
    expect(cell(ws, over, 'Value impact').numFmt).toBe(FORMATS.money('USD')); // the company's (Odoo), not the configured EUR
    expect(cell(ws, over, 'Unit cost').numFmt).toBe(FORMATS.unitCost('USD'));
    expect(cell(ws, over, 'Counted at').numFmt).toBe(FORMATS.date);
    // dates in plant time: counted 18:00 in Berlin
    const counted = cell(ws, over, 'Counted at').value as Date;
    expect(counted.toISOString()).toBe('2026-01-31T18:00:00.000Z');
    const short = find(ws, 'FURN_8522');
    expect(cell(ws, short, 'Value impact').value).toBe(-720);
  });

  it('shows short and over in distinct colours', () => {
    const ws = wb.getWorksheet('Discrepancies')!;
    const fill = (row: ExcelJS.Row, column: string) => (cell(ws, row, column).fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb;
    const over = fill(find(ws, 'FURN_9666'), 'Class');
    const short = fill(find(ws, 'FURN_8522'), 'Class');
    const missingOdoo = fill(find(ws, 'FURN_2333', undefined), 'Class');
    expect(over).toBeDefined();
    expect(short).toBeDefined();
    expect(over).not.toBe(short);
    expect(missingOdoo).not.toBe(short);
    expect(fill(find(ws, 'FURN_9666'), 'Difference')).toBe(over);
    expect(fill(find(ws, 'FURN_8522'), 'Value impact')).toBe(short);
  });

  it('writes hostile product names and lots as protected text, never as formulas', () => {
    for (const name of ['Discrepancies', 'All lines']) {
      const ws = wb.getWorksheet(name)!;
      const row = find(ws, 'EVIL-1', `'${EVIL_LOT}`);
      const productName = cell(ws, row, 'Product name');
      expect(productName.type).toBe(ExcelJS.ValueType.String);
      expect(productName.value).toBe(`'${EVIL_NAME}`);
      expect(productName.formula).toBeUndefined();
      expect(cell(ws, row, 'Lot').value).toBe(`'${EVIL_LOT}`);
    }
  });

  it('is read the same by the streaming XLSX reader of extract/tabular (hostile-file guards included)', async () => {
    const source = await openTabular((stats.reports as string[])[0]!, { xlsx: { sheet: 'All lines' } });
    const rows: unknown[][] = [];
    for await (const row of source.rows()) rows.push(row.cells);
    expect(rows).toHaveLength(lines.length + 1);
    expect(rows[0]!.slice(0, 3)).toEqual(['Location', 'Product', 'Product name']);
    expect(rows.find((r) => r[1] === 'EVIL-1' && r[4] === `'${EVIL_LOT}`)?.[2]).toBe(`'${EVIL_NAME}`);
  });

  it('sums up per location and category, with the run metadata and tolerances', () => {
    const ws = wb.getWorksheet('Summary')!;
    const rows = rowsOf(ws);
    const value = (label: string) => rows.find((r) => r[0] === label)?.[1];
    expect(rows[0]![0]).toBe('Inventory reconciliation WH');
    expect(value('Discrepancies')).toBe(9);
    expect(value('Moved since count (not counted as discrepancies)')).toBe(1);
    expect(value('Lines')).toBe(lines.length);
    expect(String(value('Count (source)'))).toMatch(/counts\/WH-2026-01-31\.csv \(validated\)/);
    expect(String(value('Odoo snapshot (source)'))).toContain(server.url);
    expect(value('Tolerance: Tolerant')).toBe('±2 (1 categories)');
    expect(value('Previous reconciliation')).toBe('none: first reconciliation of this warehouse');
    const net = lines.filter((l) => l.is_discrepancy).reduce((s, l) => s + Number(l.value_impact), 0);
    expect(value('Net value impact')).toBeCloseTo(net, 6);
    const tableHeader = rows.findIndex((r) => r[0] === 'Location' && r[1] === 'Category');
    expect(rows[tableHeader]).toEqual([
      'Location',
      'Category',
      'Lines',
      'Matched',
      'Discrepancies',
      'Moved since count',
      'Absolute value impact',
      'Net value impact',
    ]);
    const total = rows.find((r) => r[0] === 'Total')!;
    expect(total[2]).toBe(lines.length);
    expect(total[4]).toBe(9);
    let totalRow = 0;
    ws.eachRow((row, n) => (totalRow ||= row.getCell(1).value === 'Total' ? n : 0));
    const netCell = ws.getRow(totalRow).getCell(8);
    expect(netCell.numFmt).toBe(FORMATS.money('USD'));
    // below the table, the net value impact per location the Summary's chart reads
    const block = rows.slice(rows.findIndex((r) => r[0] === 'Location' && r[1] === 'Net value impact') + 1);
    expect(block.length).toBeGreaterThan(0);
    expect(block.reduce((sum, r) => sum + Number(r[1]), 0)).toBeCloseTo(net, 6);
  });
});

describe('the discrepancies CSV', () => {
  it('has the columns finance needs and protected text', () => {
    const text = fs.readFileSync((stats.reports as string[])[1]!, 'utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    const rows = text.slice(1).trimEnd().split('\r\n');
    expect(rows[0]!.split(',')).toEqual([...CSV_HEADER]);
    expect(rows[0]).toMatch(/^location,product,lot,uom,odoo_qty,counted_qty,difference,class,value_impact/);
    expect(rows).toHaveLength(1 + 9);
    expect(rows).toContain('WH/Stock,FURN_9666,,Units,1,3,2,over,580,Table,Goods,200,290,2026-01-31 18:00:00,new');
    const evil = rows.find((r) => r.includes('EVIL-1') && r.includes('missing_in_odoo'))!;
    expect(evil).toContain(`,'${EVIL_LOT},`);
    expect(evil).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
  });
});

describe('the next run', () => {
  it('compares with the previous run: new, resolved and persisting discrepancies', async () => {
    // in Odoo: the table count is booked (over resolved), a desk goes missing (new)
    const quantOf = (code: string, location: number) =>
      server.records('stock.quant', [
        ['product_id', '=', pid(code)],
        ['location_id', '=', location],
      ])[0]!.id;
    server.store.transaction(() =>
      server.store.write('stock.quant', [quantOf('FURN_9666', 8)], { quantity: 3 }, { uid: 2, now: SEEDED, context: {} }),
    );
    server.store.transaction(() =>
      server.store.write('stock.quant', [quantOf('FURN_7800', 8)], { quantity: 59 }, { uid: 2, now: SEEDED, context: {} }),
    );
    const second = await runOk(h, 'inventory-reconciliation', { warehouse: 'WH' });
    const wh = (second.warehouses as Record<string, unknown>[])[0]!;
    expect(wh).toMatchObject({ previousId: reconciliationId, newDiscrepancies: 1, resolved: 1, persisting: 8, discrepancies: 9 });
    const next = await reconciliationLines(h, wh.reconciliationId as number);
    expect(lineOf(next, 'WH/Stock', 'FURN_7800').since_previous).toBe('new');
    expect(lineOf(next, 'WH/Stock', 'FURN_9666').since_previous).toBe('resolved');
    expect(lineOf(next, 'WH/Stock', 'FURN_8522').since_previous).toBe('persisting');
    expect(second.summary as string[]).toContain(`WH: against run ${reconciliationId}: 1 new, 1 resolved, 8 persisting`);
    // the same day: the report is replaced, both runs stay in staging
    expect(second.reports).toEqual(stats.reports);
    const [done] = await h.app.db
      .knex('inventory_reconciliations')
      .where({ warehouse_id: 1, status: 'done' })
      .count<{ n: string }[]>('* as n');
    expect(Number(done!.n)).toBe(2);
  });

  it('a dry run says what it would reconcile and writes nothing', async () => {
    const before = await h.app.db.knex('inventory_reconciliations').count<{ n: string }[]>('* as n');
    const reads = server.calls('stock.quant', 'search_read').length;
    const dry = await runOk(h, 'inventory-reconciliation', {}, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, warehouses: [{ warehouse: 'WH', countStatus: 'validated' }] });
    expect(await h.app.db.knex('inventory_reconciliations').count<{ n: string }[]>('* as n')).toEqual(before);
    expect(server.calls('stock.quant', 'search_read').length).toBe(reads);
  });
});

describe('the month-end job', () => {
  it('a manual run writes the month-end report', async () => {
    const run = await runOk(h, 'inventory-reconciliation-month-end', { warehouse: 'WH' });
    expect(run).toMatchObject({ kind: 'month_end', period: reportDate().slice(0, 7) });
    expect((run.reports as string[])[0]).toBe(
      path.join(h.app.config.reports, `inventory-reconciliation_WH_${reportDate()}_month-end.xlsx`),
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((run.reports as string[])[0]!);
    const runRow = (wb.getWorksheet('Summary')!.getRow(4).values as unknown[]).slice(1);
    expect(runRow).toEqual(['Run', `month-end ${reportDate().slice(0, 7)}`]);
  });

  it('a scheduled slot that is not the last day of its month ends at once, and the last day proceeds', async () => {
    const runs = await h.app.db.knex('inventory_reconciliations').count<{ n: string }[]>('* as n');
    const slot = new Date('2026-01-29T22:00:00Z'); // 23:00 in Berlin on the 29th
    const queued = await h.runner.enqueue('inventory-reconciliation-month-end', { warehouse: 'WH' }, { trigger: 'schedule', slotAt: slot });
    await h.runner.work(['inventory-reconciliation-month-end']);
    const done = await h.runner.waitFor(queued.id);
    expect(done.status).toBe('succeeded');
    expect(done.stats).toMatchObject({ skipped: '2026-01-29 is not the last day of its month' });
    expect(await h.app.db.knex('inventory_reconciliations').count<{ n: string }[]>('* as n')).toEqual(runs);

    const last = await h.runner.enqueue(
      'inventory-reconciliation-month-end',
      { warehouse: 'WH' },
      { trigger: 'schedule', slotAt: new Date('2026-01-31T22:00:00Z') },
    );
    const proceeded = await h.runner.waitFor(last.id);
    expect(proceeded.status).toBe('succeeded');
    expect(proceeded.stats).toMatchObject({ kind: 'month_end', period: '2026-01' });
  });
});

describe('without Odoo', () => {
  it('fails for good with a message naming the settings', async () => {
    const bare = await inventoryHarness('inv-recon-bare');
    try {
      const app = bare.app;
      await app.db.knex.raw(`insert into md_warehouses (odoo_id, code, name) values (1, 'WH', 'Warehouse')`);
      await app.db.knex('batches').insert({ kind: 'inventory_count', scope: 'WH', version: 'v', status: 'validated', created_by: 'test' });
      const run = await bare.runner.runNow('inventory-reconciliation', { importCounts: false });
      expect(run.status).toBe('dead');
      expect(run.error?.message).toMatch(/MFG_ETL_ODOO_URL/);
    } finally {
      await bare.close();
    }
  });

  it('the config file section is validated when the job starts', async () => {
    const bad = await inventoryHarness('inv-recon-badcfg', {}, { inventory: { tolerances: { default: { abs: 'lots' } } } });
    try {
      const run = await bad.runner.runNow('inventory-reconciliation', {});
      expect(run.status).toBe('dead');
      expect(run.error?.message).toMatch(/inventory\.tolerances\.default\.abs/);
    } finally {
      await bad.close();
    }
  });
});
