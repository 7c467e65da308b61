import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner } from '../../jobs/runner.ts';
import { defaultRegistry } from '../../jobs/registry.ts';
import { createBatch } from '../../load/staging/batches.ts';
import { createRun, finishRun, findRun } from '../../load/ops/runs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
let runner: Runner;
beforeAll(async () => {
  app = await testApp('housekeeping');
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: defaultRegistry() });
  await runner.start();
});
afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
});

function file(rel: string, ageDays: number): string {
  const full = path.join(app.dir, rel);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, 'x');
  const t = new Date(Date.now() - ageDays * 86_400_000);
  fs.utimesSync(full, t, t);
  return full;
}

describe('housekeeping', () => {
  it('lists what is past retention on a dry run, then removes only that', async () => {
    const oldArchive = file('inbox/forecasts/archive/2026/01/f.csv', 40);
    const oldRejected = file('inbox/counts/rejected/c.csv.errors.csv', 31);
    const freshArchive = file('inbox/forecasts/archive/2026/11/g.csv', 2);
    const waiting = file('inbox/forecasts/new-forecast.csv', 400); // not processed yet: never touched
    const oldReport = file('reports/inventory-reconciliation_WH_2026-01-01.xlsx', 200);
    const freshReport = file('reports/inventory-reconciliation_WH_2026-11-01.xlsx', 20);
    const old = await createRun(app.db.knex, { job: 'housekeeping', trigger: 'manual' });
    await finishRun(app.db.knex, old.id, 'succeeded', {}, null);
    await app.db
      .knex('job_runs')
      .where({ id: old.id })
      .update({ finished_at: new Date(Date.now() - 100 * 86_400_000) });

    const dry = await runner.runNow('housekeeping', {}, { dryRun: true });
    expect(dry.stats).toMatchObject({ dryRun: true, runsRemoved: 1, inboxFilesRemoved: 2, reportsRemoved: 1 });
    expect((dry.stats.files as string[]).sort()).toEqual([oldArchive, oldRejected, oldReport].map((f) => path.resolve(f)).sort());
    for (const f of [oldArchive, oldRejected, oldReport]) expect(fs.existsSync(f)).toBe(true);

    const real = await runner.runNow('housekeeping', {});
    expect(real.stats).toMatchObject({
      dryRun: false,
      runsRemoved: 1,
      inboxFilesRemoved: 2,
      reportsRemoved: 1,
      historianSamplesRemoved: 0,
    });
    for (const f of [oldArchive, oldRejected, oldReport]) expect(fs.existsSync(f)).toBe(false);
    for (const f of [freshArchive, waiting, freshReport]) expect(fs.existsSync(f)).toBe(true);
    expect(await findRun(app.db.knex, old.id)).toBeUndefined();
  });

  it('prunes old quant snapshots no reconciliation refers to, keeping the newest of each warehouse', async () => {
    const knex = app.db.knex;
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const snapshot = async (warehouseId: number, ageDays: number, finished = true): Promise<number> => {
      const [row] = await knex('inventory_snapshots')
        .insert({
          warehouse_id: warehouseId,
          warehouse_code: `W${warehouseId}`,
          purpose: 'reconciliation',
          taken_at: daysAgo(ageDays),
          finished_at: finished ? daysAgo(ageDays) : null,
          quants: finished ? 2 : 0,
        })
        .returning('id');
      const id = Number(row.id);
      await knex('inventory_quants').insert(
        [1, 2].map((q) => ({ snapshot_id: id, quant_id: q, product_id: 1, location_id: 1, quantity: q })),
      );
      return id;
    };
    // ids in creation order: the newest finished snapshot of a warehouse is its highest id
    const olderOfW2 = await snapshot(2, 300);
    const newestOfW2 = await snapshot(2, 200); // old, but the last figures of warehouse 2
    const unused = await snapshot(1, 100);
    const reconciled = await snapshot(1, 100);
    const interrupted = await snapshot(1, 100, false);
    const newestOfW1 = await snapshot(1, 1);
    const count = await createBatch(knex, { kind: 'inventory_count', scope: 'W1', version: 'housekeeping', actor: 'test' });
    await knex('inventory_reconciliations').insert({
      warehouse_id: 1,
      warehouse_code: 'W1',
      kind: 'daily',
      count_batch_id: count.id,
      snapshot_id: reconciled,
      coverage: 'warehouse',
      status: 'done',
    });

    const remaining = async () => ({
      snapshots: ((await knex('inventory_snapshots').orderBy('id').pluck('id')) as Array<string | number>).map(Number),
      quants: Number((await knex('inventory_quants').count<{ n: string }[]>('* as n'))[0]!.n),
    });
    const all = [olderOfW2, newestOfW2, unused, reconciled, interrupted, newestOfW1];
    const dry = await runner.runNow('housekeeping', { runsDays: 30 }, { dryRun: true });
    expect(dry.stats).toMatchObject({ dryRun: true, snapshotsRemoved: 3, quantsRemoved: 6 });
    expect(await remaining()).toEqual({ snapshots: all, quants: 12 });

    const real = await runner.runNow('housekeeping', { runsDays: 30 });
    expect(real.stats).toMatchObject({ dryRun: false, snapshotsRemoved: 3, quantsRemoved: 6 });
    expect(await remaining()).toEqual({ snapshots: [newestOfW2, reconciled, newestOfW1], quants: 6 });
    const kept = (
      (await knex('inventory_quants').distinct('snapshot_id').orderBy('snapshot_id').pluck('snapshot_id')) as Array<string | number>
    ).map(Number);
    expect(kept).toEqual([newestOfW2, reconciled, newestOfW1]);

    // nothing more to do on the next run
    expect((await runner.runNow('housekeeping', { runsDays: 30 })).stats).toMatchObject({ snapshotsRemoved: 0, quantsRemoved: 0 });
  });
});
