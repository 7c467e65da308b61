/**
 * The matching SQL (sql/inventory/reconciliation.sql) on the real PostgreSQL, fed straight through
 * the staging functions (count lines resolved against the demo master data, a quant snapshot):
 * every class, unit conversion, lots, tolerance edges (absolute and %), moved since count,
 * unresolved count lines, value impact, the comparison with the previous run, and the SQL rule
 * against its TypeScript specification (`classify`) over a grid of edge cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuantRow } from '../../extract/inventory/odoo-quants.ts';
import { createBatch } from '../../load/staging/batches.ts';
import {
  createReconciliation,
  createSnapshot,
  finishReconciliation,
  finishSnapshot,
  listCategories,
  matchCount,
  reconciliationByLocation,
  reconciliationTotals,
  stageCountLines,
  stageQuants,
} from '../../load/inventory/staging.ts';
import { classify, type CountLine, resolveTolerances, type Tolerance } from '../../transform/inventory/index.ts';
import { lineOf, type LineRow, loadDemoMasterData } from '../support/inventory.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
const P01 = { id: 1, code: 'P01', name: 'Plant 1 - Assembly' };
const COUNTED_AT = new Date('2026-01-31T17:00:00Z');
const BEFORE = new Date('2026-01-20T08:00:00Z');
const AFTER = new Date('2026-01-31T19:00:00Z');
const TOLERANCES: Record<string, Tolerance> = { 'All / Components': { abs: 2, pct: 0 }, 'Raw Materials': { abs: 0, pct: 10 } };

beforeAll(async () => {
  app = await testApp('inv-match');
  await loadDemoMasterData(app);
  // a lot-tracked product in Finished Goods
  await app.db.knex('md_products').insert({
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
afterAll(async () => app?.cleanup());

let quantSeq = 1000;
const quant = (locationId: number, productId: number, quantity: number, extra: Partial<QuantRow> = {}): QuantRow => ({
  quantId: quantSeq++,
  productId,
  productName: null,
  locationId,
  locationName: null,
  lotId: null,
  lotName: null,
  quantity,
  reservedQuantity: 0,
  uomId: null,
  uomName: null,
  inDate: BEFORE,
  writeDate: BEFORE,
  inventoryQuantity: null,
  inventoryQuantitySet: false,
  ...extra,
});
const line = (location: string, product: string, quantity: number, extra: Partial<CountLine> = {}): CountLine => ({
  location,
  warehouse: undefined,
  product,
  lot: undefined,
  quantity,
  unit: undefined,
  countedAt: COUNTED_AT,
  sourceRef: String(quantSeq++),
  ...extra,
});

async function reconcile(
  lines: CountLine[],
  quants: QuantRow[],
  previousId: number | null,
  tolerances = TOLERANCES,
  defaultTolerance: Tolerance = { abs: 0, pct: 0 },
) {
  const knex = app.db.knex;
  const batch = await createBatch(knex, { kind: 'inventory_count', scope: 'P01', version: `v${quantSeq}`, actor: 'test' });
  await stageCountLines(knex, batch.id, lines, 1, COUNTED_AT);
  const snapshotId = await createSnapshot(knex, {
    warehouseId: 1,
    warehouseCode: 'P01',
    purpose: 'reconciliation',
    takenAt: new Date(),
    source: 'test',
    runId: null,
  });
  await stageQuants(knex, snapshotId, quants);
  await finishSnapshot(knex, snapshotId);
  const { byCategory } = resolveTolerances(await listCategories(knex), tolerances);
  const id = await createReconciliation(knex, {
    runId: null,
    warehouse: P01,
    kind: 'daily',
    countBatchId: batch.id,
    snapshotId,
    previousId,
    coverage: 'warehouse',
    settings: {},
  });
  await matchCount(knex, {
    reconciliationId: id,
    countBatchId: batch.id,
    snapshotId,
    previousId,
    defaultTolerance,
    tolerances: byCategory,
    coverage: 'warehouse',
    warehouseId: 1,
  });
  const totals = await reconciliationTotals(knex, id, previousId);
  await finishReconciliation(knex, id, totals, { xlsx: null, csv: null });
  const rows = (await knex('inventory_reconciliation_lines').where({ reconciliation_id: id }).orderBy('line_no')) as LineRow[];
  return { id, totals, lines: rows, batchId: batch.id };
}

const n = (v: unknown) => (v === null ? null : Number(v));

describe('one reconciliation with every case', () => {
  let r: Awaited<ReturnType<typeof reconcile>>;
  beforeAll(async () => {
    r = await reconcile(
      [
        line('P01/Stock', 'FURN_7800', 10), // match
        line('P01/Stock', 'FURN_8888', 12), // over +2
        line('P01/Stock', 'FURN_6666', 7), // short −3
        line('P01-A', 'COMP_TOP', 5), // by barcode: missing in Odoo
        line('p01 / stock / shelf a', 'COMP_LEG', 2, { unit: 'Dozens' }), // full name, any case and spacing: 24 units
        line('Shelf A', 'RAW_STEEL', 2500, { unit: 'g' }), // short name (unique): 2.5 kg
        line('P01/Stock/Shelf B', 'LOTTED', 5, { lot: 'L1' }),
        line('P01/Stock/Shelf B', 'LOTTED', 4, { lot: 'L2' }),
        line('P01/Stock/Shelf B', 'LOTTED', 1, { lot: 'L3' }),
        line('P01/Stock/Shelf B', 'COMP_LEG', 12), // Components: abs 2, at the edge
        line('P01/Stock/Shelf B', 'COMP_TOP', 12.5), // Components: beyond
        line('P01/Stock', 'RAW_STEEL', 44), // Raw Materials: 10 % of 40, at the edge
        line('P01/Stock/Shelf B', 'RAW_STEEL', 35.9), // 4.1 > 4
        line('P01/Stock/Shelf A', 'FURN_8888', 3), // Odoo changed after the count
        line('NOWHERE', 'FURN_7800', 1), // unknown location
        line('P01/Stock', 'NO_SUCH', 2), // unknown product
      ],
      [
        quant(8, 101, 10),
        quant(8, 102, 10),
        quant(8, 103, 10),
        quant(10, 203, 100), // not counted
        quant(9, 201, 24),
        quant(9, 204, 2.5),
        quant(10, 301, 5, { lotId: 1, lotName: 'L1' }),
        quant(10, 301, 5, { lotId: 2, lotName: 'L2' }),
        quant(10, 301, 3), // the same product without lot: a key of its own
        quant(10, 201, 10),
        quant(10, 202, 10),
        quant(8, 204, 40),
        quant(10, 204, 40),
        quant(9, 102, 5, { writeDate: AFTER }),
        quant(18, 101, 99), // another warehouse's location in the snapshot is still read as this warehouse's stock
      ].filter((q) => q.locationId !== 18),
      null,
    );
  });

  it('classifies each line', () => {
    const cls = (loc: string, code: string, lot: string | null = null) => lineOf(r.lines, loc, code, lot).class;
    expect(cls('P01/Stock', 'FURN_7800')).toBe('match');
    expect(cls('P01/Stock', 'FURN_8888')).toBe('over');
    expect(cls('P01/Stock', 'FURN_6666')).toBe('short');
    expect(cls('P01/Stock/Shelf A', 'COMP_TOP')).toBe('missing_in_odoo');
    expect(cls('P01/Stock/Shelf B', 'COMP_SCREW')).toBe('missing_in_wms');
    const over = lineOf(r.lines, 'P01/Stock', 'FURN_8888');
    expect([n(over.odoo_qty), n(over.counted_qty), n(over.difference)]).toEqual([10, 12, 2]);
    const wms = lineOf(r.lines, 'P01/Stock/Shelf B', 'COMP_SCREW');
    expect([n(wms.odoo_qty), wms.counted_qty, n(wms.difference)]).toEqual([100, null, -100]);
  });

  it('converts units to the product unit before comparing', () => {
    const dozens = lineOf(r.lines, 'P01/Stock/Shelf A', 'COMP_LEG');
    expect([dozens.class, n(dozens.counted_qty), n(dozens.odoo_qty), dozens.uom]).toEqual(['match', 24, 24, 'Units']);
    const grams = lineOf(r.lines, 'P01/Stock/Shelf A', 'RAW_STEEL');
    expect([grams.class, n(grams.counted_qty), grams.uom]).toEqual(['match', 2.5, 'kg']);
  });

  it('matches lots by name, and a lot-less quant separately', () => {
    expect(lineOf(r.lines, 'P01/Stock/Shelf B', 'LOTTED', 'L1').class).toBe('match');
    expect(lineOf(r.lines, 'P01/Stock/Shelf B', 'LOTTED', 'L2')).toMatchObject({ class: 'short' });
    expect(n(lineOf(r.lines, 'P01/Stock/Shelf B', 'LOTTED', 'L2').difference)).toBe(-1);
    expect(lineOf(r.lines, 'P01/Stock/Shelf B', 'LOTTED', 'L3').class).toBe('missing_in_odoo');
    expect(lineOf(r.lines, 'P01/Stock/Shelf B', 'LOTTED', null).class).toBe('missing_in_wms');
  });

  it('applies tolerances per category, edges included', () => {
    const edge = lineOf(r.lines, 'P01/Stock/Shelf B', 'COMP_LEG');
    expect([edge.class, n(edge.difference), n(edge.tolerance_abs)]).toEqual(['match', 2, 2]);
    expect(lineOf(r.lines, 'P01/Stock/Shelf B', 'COMP_TOP').class).toBe('over');
    const pctEdge = lineOf(r.lines, 'P01/Stock', 'RAW_STEEL');
    expect([pctEdge.class, n(pctEdge.difference), n(pctEdge.tolerance_pct)]).toEqual(['match', 4, 10]);
    expect(lineOf(r.lines, 'P01/Stock/Shelf B', 'RAW_STEEL').class).toBe('short');
    // Finished Goods has no tolerance configured: exact
    expect(n(lineOf(r.lines, 'P01/Stock', 'FURN_7800').tolerance_abs)).toBe(0);
  });

  it('flags stock that moved after the count instead of counting it as a discrepancy', () => {
    const moved = lineOf(r.lines, 'P01/Stock/Shelf A', 'FURN_8888');
    expect(moved).toMatchObject({ class: 'short', moved_since_count: true, is_discrepancy: false, disc_no: null });
    expect(lineOf(r.lines, 'P01/Stock', 'FURN_6666')).toMatchObject({ moved_since_count: false, is_discrepancy: true });
    expect(r.totals.moved_since_count).toBe(1);
  });

  it('keeps count lines it cannot resolve, as missing in Odoo, under the file texts', () => {
    const nowhere = r.lines.find((l) => l.location_name === 'NOWHERE')!;
    expect(nowhere).toMatchObject({ class: 'missing_in_odoo', product_code: 'FURN_7800', location_id: null });
    const unknownProduct = r.lines.find((l) => l.product_code === 'NO_SUCH')!;
    expect(unknownProduct).toMatchObject({ class: 'missing_in_odoo', location_name: 'P01/Stock', product_id: null });
    expect(r.totals.unresolved_lines).toBe(2);
  });

  it('values the differences at standard price and totals them', () => {
    expect(n(lineOf(r.lines, 'P01/Stock', 'FURN_8888').value_impact)).toBeCloseTo(2 * 38.5, 9);
    expect(n(lineOf(r.lines, 'P01/Stock', 'FURN_6666').value_impact)).toBeCloseTo(-3 * 287, 9);
    const discrepancies = r.lines.filter((l) => l.is_discrepancy);
    expect(r.totals.discrepancies).toBe(discrepancies.length);
    expect(r.totals.value_impact_net).toBeCloseTo(
      discrepancies.reduce((s, l) => s + (n(l.value_impact) ?? 0), 0),
      6,
    );
    expect(r.totals.value_impact_abs).toBeCloseTo(
      discrepancies.reduce((s, l) => s + Math.abs(n(l.value_impact) ?? 0), 0),
      6,
    );
    expect(r.totals.matched + r.totals.discrepancies + r.totals.moved_since_count).toBe(r.totals.lines);
    expect(r.totals.by_class).toMatchObject({ over: 2, short: 3 });
    // the Discrepancies order: largest value impact first
    const ordered = discrepancies.sort((a, b) => Number(a.disc_no) - Number(b.disc_no));
    expect(ordered[0]).toMatchObject({ product_code: 'FURN_6666' });
    for (let i = 1; i < ordered.length; i++)
      expect(Math.abs(n(ordered[i - 1]!.value_impact) ?? 0)).toBeGreaterThanOrEqual(Math.abs(n(ordered[i]!.value_impact) ?? 0));
  });

  it('sums per location and category for the Summary sheet', async () => {
    const rows = await reconciliationByLocation(app.db.knex, r.id);
    const stock = rows.filter((x) => x.location_name === 'P01/Stock');
    expect(stock.map((x) => x.category).sort()).toEqual(['(no category)', 'All / Finished Goods', 'All / Raw Materials']);
    const fg = stock.find((x) => x.category === 'All / Finished Goods')!;
    expect(fg).toMatchObject({ lines: 3, matched: 1, discrepancies: 2 });
    expect(fg.value_impact_net).toBeCloseTo(77 - 861, 6);
    expect(rows.reduce((s, x) => s + x.lines, 0)).toBe(r.totals.lines);
  });
});

describe('comparison with the previous run', () => {
  it('says which discrepancies are new, persisting and resolved', async () => {
    const first = await reconcile(
      [line('P01/Stock', 'FURN_7800', 10), line('P01/Stock', 'FURN_8888', 12), line('P01/Stock', 'FURN_6666', 7)],
      [quant(8, 101, 10), quant(8, 102, 10), quant(8, 103, 10), quant(10, 203, 100)],
      null,
    );
    expect(first.totals).toMatchObject({ discrepancies: 3, new_discrepancies: 3, persisting: 0, resolved: 0 });
    const second = await reconcile(
      // FURN_8888 now agrees, FURN_6666 is still short, FURN_7800 is short now; the screws are gone
      [line('P01/Stock', 'FURN_7800', 10), line('P01/Stock', 'FURN_8888', 12), line('P01/Stock', 'FURN_6666', 7)],
      [quant(8, 101, 11), quant(8, 102, 12), quant(8, 103, 10)],
      first.id,
    );
    expect(lineOf(second.lines, 'P01/Stock', 'FURN_7800').since_previous).toBe('new');
    expect(lineOf(second.lines, 'P01/Stock', 'FURN_6666').since_previous).toBe('persisting');
    expect(lineOf(second.lines, 'P01/Stock', 'FURN_8888').since_previous).toBe('resolved');
    // resolved counts the screws too: no longer on either side
    expect(second.totals).toMatchObject({ discrepancies: 2, new_discrepancies: 1, persisting: 1, resolved: 2 });
  });
});

describe('the SQL rule against its specification', () => {
  it('agrees with classify() on a grid of edges', async () => {
    const knex = app.db.knex;
    const tolerances: Array<Tolerance> = [
      { abs: 0, pct: 0 },
      { abs: 0.5, pct: 0 },
      { abs: 0, pct: 5 },
      { abs: 1, pct: 10 },
    ];
    // one category and product per tolerance and case
    const cases: Array<{ odoo: number | null; counted: number | null; tol: number; moved: boolean }> = [];
    const values = [null, 0, 0.5, 1, 9.5, 10, 10.5, 11, 20];
    for (let tol = 0; tol < tolerances.length; tol++) {
      for (const odoo of values)
        for (const counted of values)
          if (!(odoo === null && counted === null)) cases.push({ odoo, counted, tol, moved: cases.length % 7 === 0 });
    }
    const catRows = tolerances.map((_, i) => ({ odoo_id: 900 + i, name: `Grid ${i}`, complete_name: `All / Grid ${i}`, parent_id: 1 }));
    await knex('md_product_categories').insert(catRows);
    await knex.batchInsert(
      'md_products',
      cases.map((c, i) => ({
        odoo_id: 10_000 + i,
        default_code: `GRID-${i}`,
        name: `Grid ${i}`,
        uom_id: 1,
        categ_id: 900 + c.tol,
        categ_name: `Grid ${c.tol}`,
        standard_price: 1,
      })),
      500,
    );
    const configured = Object.fromEntries(tolerances.map((t, i) => [`All / Grid ${i}`, t]));
    const r = await reconcile(
      cases.flatMap((c, i) => (c.counted === null ? [] : [line('P01/Stock', `GRID-${i}`, c.counted)])),
      cases.flatMap((c, i) => (c.odoo === null ? [] : [quant(8, 10_000 + i, c.odoo, { writeDate: c.moved ? AFTER : BEFORE })])),
      null,
      configured,
    );
    expect(r.lines).toHaveLength(cases.length);
    const mismatches: string[] = [];
    cases.forEach((c, i) => {
      const got = r.lines.find((l) => l.product_code === `GRID-${i}`)!;
      const want = classify({
        odooQty: c.odoo,
        countedQty: c.counted,
        tolerance: tolerances[c.tol]!,
        countedAt: COUNTED_AT,
        odooChangedAt: c.odoo === null ? null : c.moved ? AFTER : BEFORE,
      });
      if (
        got.class !== want.class ||
        Number(got.difference) !== want.difference ||
        got.moved_since_count !== want.movedSinceCount ||
        got.is_discrepancy !== want.isDiscrepancy
      ) {
        mismatches.push(
          `${JSON.stringify(c)}: sql ${got.class}/${String(got.difference)}/${got.moved_since_count} ts ${want.class}/${want.difference}/${want.movedSinceCount}`,
        );
      }
    });
    expect(mismatches).toEqual([]);
    // the grid reaches every class
    expect(new Set(r.lines.map((l) => l.class))).toEqual(new Set(['match', 'over', 'short', 'missing_in_odoo', 'missing_in_wms']));
  });
});
