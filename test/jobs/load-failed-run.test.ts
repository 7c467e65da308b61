/**
 * A run whose batch ends load_failed (Odoo refused part of it) is a failed run: `mfg-etl run`
 * exits 1 (a cron wrapper relies on it), the run is failed and not retried (a business refusal
 * needs a person), not a dead letter either; its stats and summary are kept, and the error names the batch. inventory-adjust against the Odoo
 * test server with a count Odoo answers with its conflict wizard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { workflowFacts } from '../../load/ops/ops.ts';
import { listDeadLetters, listRuns } from '../../load/ops/runs.ts';
import { assessWorkflow } from '../../transform/shared/health.ts';
import { runCli } from '../support/cli.ts';
import { countCsv, dropCount, type InventoryHarness, inventoryHarness, odooEnv, runOk } from '../support/inventory.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';

let server: OdooTestServer;
let h: InventoryHarness;
let batchId: number;

beforeAll(async () => {
  server = await startOdooTestServer({ version: 18 });
  const product = server.create('product.product', { default_code: 'CONFL', name: 'Part CONFL', is_storable: true, standard_price: 5 });
  const quant = server.create('stock.quant', { product_id: product, location_id: 18, quantity: 20 });
  for (const q of server.store.all('stock.quant')) {
    q.write_date = '2026-01-10 08:00:00';
    q.in_date = '2026-01-10 08:00:00';
  }
  // someone counted 15 in Odoo, then 3 left the shelf: Odoo answers stock.inventory.conflict
  const write = (values: Record<string, unknown>, now: string) =>
    server.store.transaction(() => server.store.write('stock.quant', [quant], values, { uid: 2, now, context: {} }));
  write({ inventory_quantity: 15 }, '2026-01-20 09:00:00');
  write({ quantity: 17 }, '2026-01-20 10:00:00');

  h = await inventoryHarness('load-failed', { ...odooEnv(server), MFG_ETL_RETRY_LIMIT: '3' });
  await runOk(h, 'masterdata-sync');
  dropCount(h, 'conflict.csv', countCsv([{ location: 'WH/Stock/Shelf 1', product: 'CONFL', quantity: 15, countedAt: '2026-01-31 18:00' }]));
  const stats = await runOk(h, 'count-import', { settleSeconds: 0 });
  batchId = (stats.batches as { batchId: number }[])[0]!.batchId;
  await transitionBatch(h.app.db.knex, batchId, 'approve', { actor: 'Anna Finance' });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await server?.close();
});

describe('a run whose batch ends load_failed', () => {
  it('is failed once (no retry, no dead letter), keeps its stats and names the batch', async () => {
    const run = await h.runner.runNow('inventory-adjust', { batch: batchId, apply: true });
    expect((await getBatch(h.app.db.knex, batchId)).status).toBe('load_failed');
    expect(run).toMatchObject({ status: 'failed', attempt: 1 });
    expect(run.error?.class).toBe('LoadFailedError');
    expect(run.error?.message).toMatch(new RegExp(`batch ${batchId} .*ended load_failed`));
    expect(run.error?.context).toMatchObject({ batches: [expect.objectContaining({ id: batchId })] });
    expect((run.stats.summary as string[])[0]).toMatch(/→ load_failed: .*1 conflict/);
    expect((await listRuns(h.app.db.knex, { job: 'inventory-adjust' })).length).toBe(1);
    expect(await listDeadLetters(h.app.db.knex)).toEqual([]);
    const queued = await h.app.db.knex(`${h.app.config.schema}_queue.job`).where({ id: run.queueJobId }).first('state');
    expect(queued.state).toBe('completed');
    // the status page shows the failure and what to do, not a retry that will not come
    const [facts] = await workflowFacts(h.app.db.knex, [{ job: 'inventory-adjust', expectedEveryMinutes: null }]);
    const health = assessWorkflow(facts!, new Date(), { approvalWaitHours: 24 });
    expect(health.light).toBe('amber');
    expect(health.reasons[0]).toMatch(new RegExp(`^last run failed: batch ${batchId} .*ended load_failed`));
    expect(health.reasons.join(' ')).not.toMatch(/will be retried/);
  });

  it('makes `mfg-etl run` exit 1, with the outcome in words', async () => {
    const cli = await runCli(['run', 'inventory-adjust', '--param', `batch=${batchId}`, '--param', 'apply=true'], h.app.env, h.app.dir);
    expect(cli.stderr).not.toMatch(/Error:/);
    expect(cli.stdout).toMatch(new RegExp(`run \\d+ of inventory-adjust failed: .*batch ${batchId} .*ended load_failed`));
    expect(cli.code).toBe(1);
  });
});
