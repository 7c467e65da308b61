/**
 * count-import through the real Runner on PostgreSQL, with the demo master data (warehouses P01
 * and P02, their locations, products in Units and kg): staging with location, product and unit
 * resolution, count times, every count checkpoint firing, rejection reports, XLSX counts,
 * unreadable and duplicate files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBatch, listCheckpoints } from '../../load/staging/batches.ts';
import { writeWorkbook } from '../fixtures/files.ts';
import { countCsv, dropCount, type InventoryHarness, inventoryHarness, loadDemoMasterData, runOk } from '../support/inventory.ts';

let h: InventoryHarness;
beforeAll(async () => {
  h = await inventoryHarness('inv-count');
  await loadDemoMasterData(h.app);
  await h.app.db.knex('md_products').update({ tracking: 'none' }); // as masterdata-sync stages it
  await h.app.db.knex('md_products').insert({
    odoo_id: 301,
    default_code: 'LOTTED',
    name: 'Lot part',
    uom_id: 1,
    categ_id: 5,
    categ_name: 'Finished Goods',
    standard_price: 4,
    tracking: 'lot',
    is_storable: true,
  });
});
afterAll(async () => h?.close());

interface ImportStats {
  files: number;
  staged: number;
  rejected: number;
  duplicates: number;
  batches: { file: string; batchId: number; status: string; outcome: string }[];
}

async function importOnce(): Promise<ImportStats> {
  return (await runOk(h, 'count-import', { settleSeconds: 0 })) as unknown as ImportStats;
}

async function batchOf(stats: ImportStats, file: string) {
  const entry = stats.batches.find((b) => b.file === file);
  expect(entry, JSON.stringify(stats.batches)).toBeDefined();
  const batch = await getBatch(h.app.db.knex, entry!.batchId);
  const cp = Object.fromEntries((await listCheckpoints(h.app.db.knex, batch.id)).map((c) => [c.name, c]));
  return { ...batch, cp };
}

const linesOf = (batchId: number) => h.app.db.knex('inventory_count_lines').where({ batch_id: batchId }).orderBy('line_no');

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true }))
      (e.isDirectory() ? walk : (p: string) => out.push(path.relative(dir, p)))(path.join(d, e.name));
  };
  walk(dir);
  return out.sort();
}

describe('a clean count', () => {
  it('is staged with locations by barcode, full name and name, units converted, count times kept, and waits for approval', async () => {
    const mtime = new Date('2026-01-31T20:15:00Z');
    const content = countCsv([
      { location: 'P01-STOCK', product: 'FURN_7800', quantity: '1.250,5', countedAt: '31.01.2026 18:00' },
      { location: 'p01/stock/shelf a', product: 'COMP_LEG', quantity: '2', unit: 'Dozens', countedAt: '' },
      { location: 'Shelf B', product: 'RAW_STEEL', quantity: '2500', unit: 'g' },
      { location: 'P01/Stock/Shelf B', product: 'LOTTED', lot: 'L-1', quantity: '3' },
    ]);
    dropCount(h, 'P01-count.csv', content, mtime);
    const stats = await importOnce();
    expect(stats).toMatchObject({ files: 1, staged: 1, rejected: 0 });
    const batch = await batchOf(stats, 'P01-count.csv');
    expect(batch).toMatchObject({
      kind: 'inventory_count',
      scope: 'P01',
      status: 'validated',
      version: 'P01-count',
      source: 'counts/P01-count.csv',
    });
    expect(batch.stats).toMatchObject({
      lines: 4,
      locations: 4,
      products: 4,
      errorCount: 0,
      countedAt: '2026-01-31T20:15:00Z',
      firstCountedAt: '2026-01-31T17:00:00Z',
    });
    for (const c of Object.values(batch.cp)) expect(c.passed, `${c.name}: ${c.message}`).toBe(true);
    expect(Object.keys(batch.cp)).toEqual([
      'parse_errors',
      'empty_count',
      'duplicate_keys',
      'unknown_locations',
      'unknown_products',
      'unknown_units',
      'unit_conversion',
      'negative_quantity',
      'single_warehouse',
      'lot_tracking',
    ]);

    const lines = await linesOf(batch.id);
    expect(
      lines.map((l) => [Number(l.location_id), Number(l.warehouse_id), Number(l.product_id), l.lot_name, Number(l.quantity), l.source_ref]),
    ).toEqual([
      [8, 1, 101, null, 1250.5, '2'],
      [9, 1, 201, null, 24, '3'],
      [10, 1, 204, null, 2.5, '4'],
      [10, 1, 301, 'L-1', 3, '5'],
    ]);
    // a line's own count time (plant time Europe/Berlin), else the file's modification time
    expect((lines[0]!.counted_at as Date).toISOString()).toBe('2026-01-31T17:00:00.000Z');
    expect((lines[1]!.counted_at as Date).toISOString()).toBe(mtime.toISOString());
    expect(tree(h.root).some((f) => f.startsWith('archive/') && f.endsWith('P01-count.csv'))).toBe(true);
  });

  it('reads an XLSX count with title rows, date cells and numbers', async () => {
    const file = path.join(h.root, 'P02-zaehlung.xlsx');
    await writeWorkbook(file, (wb) => {
      const ws = wb.addWorksheet('Inventur');
      ws.addRow(['Inventur Werk P02']);
      ws.addRow([]);
      ws.addRow(['Lagerplatz', 'Artikel', 'Menge', 'Zähldatum']);
      ws.addRow(['P02/Stock/Rack 1', 'COMP_TOP', 12, new Date(Date.UTC(2026, 0, 31, 18, 30))]);
      ws.addRow(['P02-R2', 'COMP_SCREW', 1500, new Date(Date.UTC(2026, 0, 31, 19, 0))]);
    });
    const stats = await importOnce();
    const batch = await batchOf(stats, 'P02-zaehlung.xlsx');
    expect(batch).toMatchObject({ scope: 'P02', status: 'validated' });
    const lines = await linesOf(batch.id);
    expect(lines.map((l) => [Number(l.location_id), Number(l.quantity), (l.counted_at as Date).toISOString(), l.source_ref])).toEqual([
      [19, 12, '2026-01-31T17:30:00.000Z', 'Inventur!4'],
      [20, 1500, '2026-01-31T18:00:00.000Z', 'Inventur!5'],
    ]);
  });
});

describe('checkpoints', () => {
  it('rejects unknown locations and products, duplicates, negatives and units that do not convert, with a report a clerk can act on', async () => {
    dropCount(
      h,
      'bad.csv',
      countCsv([
        { location: 'P01/Stock', product: 'FURN_7800', quantity: '5' },
        { location: 'P01/Stock', product: 'FURN_7800', quantity: '6' }, // duplicate key
        { location: 'P01/Nowhere', product: 'FURN_8888', quantity: '1' },
        { location: 'P01/Stock', product: 'NOPE-1', quantity: '1' },
        { location: 'P01/Stock', product: 'FURN_6666', quantity: '-2' },
        { location: 'P01/Stock', product: 'FURN_9999', quantity: '3', unit: 'kg' }, // Units product
      ]),
    );
    const stats = await importOnce();
    const batch = await batchOf(stats, 'bad.csv');
    expect(batch.status).toBe('rejected');
    const failed = Object.values(batch.cp)
      .filter((c) => !c.passed)
      .map((c) => c.name)
      .sort();
    expect(failed).toEqual(['duplicate_keys', 'negative_quantity', 'unit_conversion', 'unknown_locations', 'unknown_products']);
    expect(batch.cp.unknown_locations!.measured).toMatchObject({ unknown: 1, examples: ['P01/Nowhere'] });
    expect(batch.cp.duplicate_keys!.measured).toMatchObject({ duplicateKeys: 1, duplicateLines: 2 });
    expect(await linesOf(batch.id)).toHaveLength(0); // a rejected count keeps no lines

    const rejected = path.join(h.root, 'rejected');
    const report = fs.readFileSync(path.join(rejected, 'bad.csv.report.txt'), 'utf8');
    expect(report).toMatch(/REJECTED/);
    expect(report).toMatch(/FAILED {2}unknown_locations: 1 unknown locations: P01\/Nowhere/);
    const errors = fs.readFileSync(path.join(rejected, 'bad.csv.errors.csv'), 'utf8');
    expect(errors).toContain('4,location,P01/Nowhere,"unknown location: no active internal location');
    expect(errors).toContain('5,product,NOPE-1,unknown product');
    expect(errors).toContain("6,quantity,'-2,negative quantity"); // the value is protected against formulas
    expect(errors).toContain('7,unit,kg,unit unknown or not convertible');
  });

  it('rejects a count that spans two warehouses, and lines outside the warehouse they name', async () => {
    dropCount(
      h,
      'two.csv',
      countCsv([
        { location: 'P01/Stock', product: 'FURN_7800', quantity: 1 },
        { location: 'P02/Stock', product: 'FURN_7800', quantity: 1 },
      ]),
    );
    dropCount(h, 'declared.csv', countCsv([{ warehouse: 'P02', location: 'P01-A', product: 'FURN_7800', quantity: 1 }]));
    const stats = await importOnce();
    const two = await batchOf(stats, 'two.csv');
    expect(two.status).toBe('rejected');
    expect(two.cp.single_warehouse).toMatchObject({ passed: false });
    expect(two.cp.single_warehouse!.message).toMatch(/spans 2 warehouses: P01, P02/);
    const declared = await batchOf(stats, 'declared.csv');
    expect(declared.status).toBe('rejected');
    expect(declared.cp.single_warehouse!.message).toMatch(/1 lines name a location outside the warehouse given for them/);
  });

  it('a name two warehouses share resolves within the warehouse the line names', async () => {
    dropCount(h, 'stock-p02.csv', countCsv([{ warehouse: 'P02', location: 'Stock', product: 'FURN_7800', quantity: 1 }]));
    dropCount(h, 'stock-any.csv', countCsv([{ location: 'Stock', product: 'FURN_8888', quantity: 1 }]));
    const stats = await importOnce();
    const p02 = await batchOf(stats, 'stock-p02.csv');
    expect(p02).toMatchObject({ status: 'validated', scope: 'P02' });
    expect(Number((await linesOf(p02.id))[0]!.location_id)).toBe(18);
    // without a warehouse, "Stock" is ambiguous (P01/Stock and P02/Stock): unknown
    const any = await batchOf(stats, 'stock-any.csv');
    expect(any.status).toBe('rejected');
    expect(any.cp.unknown_locations!.measured).toMatchObject({ unknown: 1, examples: ['Stock'] });
  });

  it('warns about lots that disagree with the product tracking', async () => {
    dropCount(
      h,
      'lots.csv',
      countCsv([
        { location: 'P01/Stock', product: 'LOTTED', quantity: 2 },
        { location: 'P01/Stock', product: 'FURN_7800', lot: 'X1', quantity: 1 },
      ]),
    );
    const stats = await importOnce();
    const batch = await batchOf(stats, 'lots.csv');
    expect(batch.status).toBe('validated');
    expect(batch.cp.lot_tracking).toMatchObject({
      passed: false,
      severity: 'warning',
      measured: { lotWithoutTracking: 1, trackedWithoutLot: 1 },
    });
  });

  it('rejects a file that is not a count at all, and archives an identical file as a duplicate', async () => {
    dropCount(h, 'notes.csv', 'Hello;World\nthis;is not a count\n');
    const again = countCsv([{ location: 'P01/Stock', product: 'COMP_TOP', quantity: 9 }]);
    dropCount(h, 'first.csv', again);
    let stats = await importOnce();
    const notes = await batchOf(stats, 'notes.csv');
    expect(notes.status).toBe('rejected');
    expect(notes.cp.file_readable!.message).toMatch(/No header row found/);
    dropCount(h, 'second.csv', again);
    stats = await importOnce();
    expect(stats).toMatchObject({ files: 1, duplicates: 1 });
    expect(tree(h.root).some((f) => f.includes('duplicates') && f.endsWith('second.csv'))).toBe(true);
  });
});
