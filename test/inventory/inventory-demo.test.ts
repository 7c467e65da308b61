/**
 * The demo's inventory part on the real PostgreSQL: sample locations, a staged snapshot (no Odoo),
 * the bundled count file imported by the reconciliation itself, and `--param snapshot=<id>`.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COUNT_FILE, prepareInventoryDemo } from '../../examples/inventory-demo.ts';
import { DEMO_MASTERDATA_SQL, type InventoryHarness, inventoryHarness, lineOf, reconciliationLines, runOk } from '../support/inventory.ts';

let h: InventoryHarness;
beforeAll(async () => {
  h = await inventoryHarness('inv-demo');
});
afterAll(async () => h?.close());

describe('the demo', () => {
  it('reconciles the bundled count against the sample snapshot and prints where the reports are', async () => {
    await h.app.db.knex.raw(fs.readFileSync(DEMO_MASTERDATA_SQL, 'utf8'));
    const { snapshotId, countFile } = await prepareInventoryDemo(h.app.db.knex, h.app.config.inbox);
    expect(countFile.endsWith(DEMO_COUNT_FILE)).toBe(true);
    const stats = await runOk(h, 'inventory-reconciliation', { warehouse: 'P01', snapshot: snapshotId });
    expect(stats.counts).toMatchObject({ staged: 1, rejected: 0 });
    const wh = (stats.warehouses as Record<string, unknown>[])[0]!;
    expect(wh).toMatchObject({
      warehouse: 'P01',
      snapshotId,
      quants: 8,
      lines: 9,
      discrepancies: 5,
      byClass: { short: 2, over: 1, missing_in_odoo: 1, missing_in_wms: 1 },
    });
    const lines = await reconciliationLines(h, wh.reconciliationId as number);
    expect(lineOf(lines, 'P01/Stock/Shelf A', 'COMP_LEG')).toMatchObject({ class: 'short' });
    expect(Number(lineOf(lines, 'P01/Stock/Shelf A', 'COMP_LEG').counted_qty)).toBe(156); // 13 dozens
    expect(lineOf(lines, 'P01/Stock/Shelf B', 'RAW_STEEL').class).toBe('match');
    expect(lineOf(lines, 'P01/Stock/Shelf A', 'COMP_SCREW').class).toBe('missing_in_wms'); // nobody counted them there
    expect(lineOf(lines, 'P01/Stock/Shelf B', 'COMP_SCREW').class).toBe('missing_in_odoo');
    for (const file of stats.reports as string[]) expect(fs.existsSync(file)).toBe(true);
    expect((stats.summary as string[]).some((l) => l.startsWith('report: '))).toBe(true);
  });
});
