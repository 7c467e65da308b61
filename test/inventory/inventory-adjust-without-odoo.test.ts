/**
 * inventory-adjust without apply=true and without Odoo: the plan comes from the last stored read of
 * the warehouse's stock (a reconciliation's snapshot) and says so; the run is recorded as a dry run,
 * so a failing one never dead-letters, retries or alerts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuantRow } from '../../extract/inventory/odoo-quants.ts';
import { createSnapshot, finishSnapshot, stageQuants } from '../../load/inventory/staging.ts';
import { listDeadLetters } from '../../load/ops/runs.ts';
import { transitionBatch } from '../../load/staging/batches.ts';
import { countCsv, dropCount, type InventoryHarness, inventoryHarness, loadDemoMasterData, runOk } from '../support/inventory.ts';

let h: InventoryHarness;
let batchId: number;

const quant = (quantId: number, productId: number, locationId: number, quantity: number): QuantRow => ({
  quantId,
  productId,
  productName: null,
  locationId,
  locationName: null,
  lotId: null,
  lotName: null,
  quantity,
  reservedQuantity: 0,
  uomId: 1,
  uomName: 'Units',
  inDate: new Date('2026-11-01T00:00:00Z'),
  writeDate: new Date('2026-11-20T00:00:00Z'),
  inventoryQuantity: null,
  inventoryQuantitySet: false,
});

async function storeSnapshot(purpose: 'reconciliation' | 'adjust', takenAt: string, quants: QuantRow[]): Promise<number> {
  const knex = h.app.db.knex;
  const id = await createSnapshot(knex, {
    warehouseId: 1,
    warehouseCode: 'P01',
    purpose,
    takenAt: new Date(takenAt),
    source: 'test',
    runId: null,
  });
  await stageQuants(knex, id, quants);
  await finishSnapshot(knex, id);
  return id;
}

beforeAll(async () => {
  h = await inventoryHarness('inv-adjust-no-odoo');
  await loadDemoMasterData(h.app);
  dropCount(
    h,
    'P01-count.csv',
    countCsv([
      { location: 'P01-STOCK', product: 'FURN_7800', quantity: 40, countedAt: '30.11.2026 08:15' },
      { location: 'P01-STOCK', product: 'FURN_8888', quantity: 10, countedAt: '30.11.2026 08:20' },
      { location: 'P01-A', product: 'COMP_TOP', quantity: 5, countedAt: '30.11.2026 09:10' },
    ]),
  );
  const stats = await runOk(h, 'count-import', { settleSeconds: 0 });
  batchId = (stats.batches as { batchId: number; status: string }[])[0]!.batchId;
  await transitionBatch(h.app.db.knex, batchId, 'approve', { actor: 'Anna Finance' });
}, 60_000);

afterAll(async () => h?.close());

describe('inventory-adjust dry run without Odoo', () => {
  it('without a stored snapshot says that nothing could be planned, as a dry run that succeeded', async () => {
    const run = await h.runner.runNow('inventory-adjust', {});
    expect(run.status).toBe('succeeded');
    expect(run.dryRun).toBe(true);
    expect((run.stats.summary as string[])[0]).toBe(
      `DRY RUN batch ${batchId} P01 (approved): not planned, no stored stock snapshot of P01 (Odoo not configured; inventory-reconciliation stores one when Odoo is)`,
    );
  });

  it('plans from the newest stored reconciliation snapshot and says which', async () => {
    // an older read where the desks were already at 40, and a newer adjust read of other locations only
    await storeSnapshot('reconciliation', '2026-11-25T05:00:00Z', [quant(1, 101, 8, 40), quant(2, 102, 8, 10)]);
    await storeSnapshot('reconciliation', '2026-12-01T05:00:00Z', [quant(1, 101, 8, 35), quant(2, 102, 8, 10), quant(3, 201, 9, 7)]);
    await storeSnapshot('adjust', '2026-12-02T05:00:00Z', [quant(4, 104, 10, 1)]);
    const snapshotsBefore = await h.app.db.knex('inventory_snapshots').count<{ n: string }[]>('* as n');

    const run = await h.runner.runNow('inventory-adjust', {});
    expect(run.status).toBe('succeeded');
    expect(run.dryRun).toBe(true);
    const summary = run.stats.summary as string[];
    // Berlin: 05:00 UTC is 06:00 plant time
    expect(summary[0]).toBe(
      `DRY RUN batch ${batchId} P01 (approved): 1 write, 1 create, 1 unchanged — planned from the snapshot of 2026-12-01 06:00 (Odoo not configured)`,
    );
    expect(summary[1]).toMatch(/^Odoo not configured .*planned from the stored stock snapshots/);
    const batches = run.stats.batches as { counts: Record<string, number>; snapshot: { id: number } }[];
    expect(batches[0]!.counts).toEqual({ write: 1, create: 1, unchanged: 1 });

    // nothing written: no snapshot, no ledger line, the batch untouched
    expect(await h.app.db.knex('inventory_snapshots').count<{ n: string }[]>('* as n')).toEqual(snapshotsBefore);
    expect(await h.app.db.knex('inventory_adjustments').where({ batch_id: batchId })).toEqual([]);
    expect((await h.app.db.knex('batches').where({ id: batchId }).first('status')).status).toBe('approved');
  });

  it('a dry run that fails is recorded as a failed dry run: no retry, no dead letter', async () => {
    // a batch that is not approved cannot be planned: the same mistake with apply=true would be a dead letter
    const validated = (
      await h.app.db
        .knex('batches')
        .insert({ kind: 'inventory_count', scope: 'P01', version: 'v2', status: 'validated', created_by: 'test' })
        .returning('id')
    )[0] as { id: number };
    const run = await h.runner.runNow('inventory-adjust', { batch: validated.id });
    expect(run.dryRun).toBe(true);
    expect(run.status).toBe('failed');
    expect(run.attempt).toBe(1);
    expect(run.error?.message).toMatch(/approve it first/);
    expect((await listDeadLetters(h.app.db.knex)).map((r) => r.id)).not.toContain(run.id);
    expect(await h.app.db.knex('job_runs').where({ job: 'inventory-adjust' }).where('id', '>', run.id)).toEqual([]);

    const applied = await h.runner.runNow('inventory-adjust', { batch: validated.id, apply: true });
    expect(applied.dryRun).toBe(false);
    expect(applied.status).toBe('dead');
  });
});
