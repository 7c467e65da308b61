/**
 * Lineage of cost-load (Odoo 19 test server, JSON-2): a cost update file imported and approved,
 * a rollup approved, prices loaded. A bought component's standard price names the update file's
 * line, that file's batch and approval, the rollup batch that wrote it with its approval, and the
 * run; a made product's price says it was computed (no file line); the update file's lineage
 * lists each line with the price it became.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLineageText } from '../../app/cli/lineage.ts';
import { costImportJob } from '../../jobs/costs/cost-import.ts';
import { costLoadJob } from '../../jobs/costs/cost-load.ts';
import { costRollupJob } from '../../jobs/costs/cost-rollup.ts';
import { masterdataSyncJob } from '../../jobs/masterdata/masterdata-sync.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { lineageOfFile, lineageOfRecord } from '../../load/odoo-ledger/lineage.ts';
import { transitionBatch } from '../../load/staging/batches.ts';
import { startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let server: OdooTestServer;
let app: TestApp;
let runner: Runner;
const id = (code: string) => server.records('product.product', [['default_code', '=', code]])[0]!.id;
const run = async (job: string, params: Record<string, unknown> = {}): Promise<JobRun> => {
  const r = await runner.runNow(job, params);
  if (r.status !== 'succeeded') throw new Error(`${job} ${r.status}: ${JSON.stringify(r.error)}`);
  return r;
};

beforeAll(async () => {
  server = await startOdooTestServer({ version: 19 });
  const sub = server.create('product.product', {
    default_code: 'ETL-SUB',
    name: 'ETL-SUB',
    standard_price: 0,
    is_storable: true,
    categ_id: 1,
  });
  server.create('mrp.bom', {
    product_tmpl_id: server.store.get('product.product', sub)!.product_tmpl_id,
    product_qty: 1,
    bom_line_ids: [[0, 0, { product_id: id('FURN_7023'), product_qty: 3 }]],
  });
  app = await testApp('lineage_cost', {
    MFG_ETL_ODOO_URL: server.url,
    MFG_ETL_ODOO_DB: server.db,
    MFG_ETL_ODOO_USER: 'admin',
    MFG_ETL_ODOO_API_KEY: server.adminApiKey,
    MFG_ETL_ODOO_COMPANY: '1',
  });
  runner = new Runner({
    config: app.config,
    db: app.db,
    logger: app.logger,
    registry: createRegistry([masterdataSyncJob, costImportJob, costRollupJob, costLoadJob]),
  });
  await runner.start();
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
  await server?.close();
});

describe('cost-load lineage', () => {
  let updateBatch: number;
  let rollupBatch: number;
  let loadRun: number;

  it("a component's price names the update file line; a made product's says it was computed", async () => {
    await run('masterdata-sync', { full: true });
    const inbox = path.join(app.config.inbox, 'costs');
    fs.mkdirSync(inbox, { recursive: true });
    fs.writeFileSync(
      path.join(inbox, 'panels.csv'),
      'Product,Cost,Valid from,Unit\nFURN_7023,85.5,2026-01-01,Units\nFURN_7023,90,2099-01-01,Units\n',
    );
    const imported = await run('cost-import', { settleSeconds: 0 });
    const staged = (imported.stats.batches as Array<{ batchId: number; status: string }>)[0]!;
    updateBatch = staged.batchId;
    expect(staged.status).toBe('approved'); // clean: auto-approved by the default policy
    const rollup = await run('cost-rollup', { force: true });
    rollupBatch = Number(rollup.stats.batchId);
    await transitionBatch(app.db.knex, rollupBatch, 'approve', { actor: 'Fiona Finance', reason: 'month-end costing' });
    loadRun = (await run('cost-load')).id;

    const [panel] = await lineageOfRecord(app.db.knex, 'product.product', id('FURN_7023'));
    expect(panel).toMatchObject({
      operation: 'update',
      file: { batchId: updateBatch, kind: 'cost_update', approval: { auto: true } },
      lines: [{ ref: '2' }],
      batch: { id: rollupBatch, kind: 'cost_rollup', approval: { by: 'Fiona Finance', auto: false } },
      run: { id: loadRun, job: 'cost-load' },
    });
    expect(panel!.file!.path).toMatch(/panels\.csv$/);
    expect(recordLineageText('product.product', id('FURN_7023'), [panel!])).toMatch(
      new RegExp(`from\\s+batch ${updateBatch} \\(cost_update\\), auto-approved`),
    );
    const [made] = await lineageOfRecord(app.db.knex, 'product.product', id('ETL-SUB'));
    expect(made).toMatchObject({ file: null, lines: null, batch: { id: rollupBatch } });
    expect(made!.noFile).toMatch(/computed by the rollup/);
  });

  it("the update file's lineage: the line in force became the price, the future one did not", async () => {
    const f = await lineageOfFile(app.db.knex, 'costs/panels.csv');
    const lines = f.batches[0]!.lines;
    expect(lines[0]).toMatchObject({ ref: '2', went: [{ model: 'product.product', id: id('FURN_7023'), batchId: rollupBatch }], why: [] });
    expect(lines[1]!.went).toEqual([]);
    expect(lines[1]!.why.join()).toMatch(/no standard price written from this line yet/);
  });
});
