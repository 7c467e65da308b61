/**
 * Lineage of forecast-load (MPS on the Odoo 19 Enterprise test server over JSON-2): a forecast
 * cell names its file line, the schedule all the lines it sums, the batch, the person who
 * approved it and the run; a period the next version drops is zeroed and says it has no line;
 * the file's lineage lists every line with the records it went to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastLoadJob } from '../../jobs/forecast/forecast-load.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { lineageOfFile, lineageOfRecord } from '../../load/odoo-ledger/lineage.ts';
import { stageForecastLines } from '../../load/forecast/staging.ts';
import { createBatch, transitionBatch } from '../../load/staging/batches.ts';
import { recordLineageText } from '../../app/cli/lineage.ts';
import { week } from '../support/forecast.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let server: OdooTestServer;
let app: TestApp;
let runner: Runner;
const product: Record<string, number> = {};

beforeAll(async () => {
  server = await startOdooTestServer({ version: 19, enterprise: true });
  app = await testApp('lineage_fc', {
    MFG_ETL_TIMEZONE: 'UTC',
    MFG_ETL_RETRY_LIMIT: '0',
    MFG_ETL_ODOO_URL: server.url,
    MFG_ETL_ODOO_DB: server.db,
    MFG_ETL_ODOO_USER: 'admin',
    MFG_ETL_ODOO_API_KEY: server.adminApiKey,
    MFG_ETL_ODOO_COMPANY: '1',
  });
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([forecastLoadJob]) });
  await runner.start();
  const knex = app.db.knex;
  await knex('md_uoms').insert({ odoo_id: 1, name: 'Units', ref_group: 'Unit', ref_ratio: 1, rounding: 0.01 });
  await knex('md_warehouses').insert({ odoo_id: 1, code: 'WH', name: 'YourCompany', lot_stock_id: 8, company_id: 1 });
  const products = server.records('product.product').map((p) => ({ id: p.id, code: String(p.default_code) }));
  await knex('md_products').insert(
    products.map((p) => ({ odoo_id: p.id, default_code: p.code, name: p.code, uom_id: 1, is_storable: true, company_id: 1 })),
  );
  for (const p of products) product[p.code] = p.id;
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
  await server?.close();
});

/** A version as the forecast import stages it: file line i + 2 (line 1 is the header). */
async function version(name: string, sha: string, lines: Array<{ product: string; week: number; quantity: number }>, by: string) {
  const knex = app.db.knex;
  const batch = await createBatch(knex, {
    kind: 'forecast',
    scope: 'WH',
    version: name,
    source: `forecast/${name}.csv`,
    sourceSha256: sha,
    actor: 'test',
  });
  await stageForecastLines(
    knex,
    batch.id,
    lines.map((l, i) => ({
      product: l.product,
      warehouse: 'WH',
      periodStart: week(l.week),
      quantity: l.quantity,
      sourceRef: String(i + 2),
    })),
    1,
  );
  await transitionBatch(knex, batch.id, 'validate', { actor: 'test' });
  await transitionBatch(knex, batch.id, 'approve', { actor: by, reason: 'S&OP review' });
  const run = await runner.runNow('forecast-load', {});
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  return { batchId: batch.id, runId: run.id };
}

const forecastRecord = (code: string, w: number) => {
  const schedule = server.records('mrp.production.schedule').find((s) => s.product_id === product[code])!;
  return {
    schedule: schedule.id,
    forecast: server.records('mrp.product.forecast').find((f) => f.production_schedule_id === schedule.id && String(f.date) === week(w))!
      .id,
  };
};

describe('forecast-load lineage', () => {
  let v1: { batchId: number; runId: number };

  it('a forecast cell names its file line; the schedule every line it sums', async () => {
    v1 = await version(
      'v1',
      'a'.repeat(64),
      [
        { product: 'FURN_7800', week: 0, quantity: 10 }, // line 2
        { product: 'FURN_7800', week: 1, quantity: 20 }, // line 3
        { product: 'FURN_9666', week: 0, quantity: 5 }, // line 4
      ],
      'Paula Planner',
    );
    const rec = forecastRecord('FURN_7800', 1);
    const [cell] = await lineageOfRecord(app.db.knex, 'mrp.product.forecast', rec.forecast);
    expect(cell).toMatchObject({
      operation: 'create',
      file: { batchId: v1.batchId, path: 'forecast/v1.csv', sha256: 'a'.repeat(64) },
      lines: [{ ref: '3' }],
      batch: { id: v1.batchId, kind: 'forecast', approval: { by: 'Paula Planner', comment: 'S&OP review', auto: false } },
      run: { id: v1.runId, job: 'forecast-load' },
    });
    const [schedule] = await lineageOfRecord(app.db.knex, 'mrp.production.schedule', rec.schedule);
    expect(schedule!.lines!.map((l) => l.ref)).toEqual(['2', '3']);
    expect(recordLineageText('mrp.production.schedule', rec.schedule, [schedule!])).toMatch(/lines\s+2, 3\n/);
  });

  it('a period the next version drops is zeroed, and says it has no line; the older write stays listed', async () => {
    const v2 = await version(
      'v2',
      'b'.repeat(64),
      [
        { product: 'FURN_7800', week: 0, quantity: 11 }, // line 2; week 1 dropped
        { product: 'FURN_9666', week: 0, quantity: 5 }, // line 3: unchanged
        { product: 'FURN_9666', week: 2, quantity: 7 }, // line 4: the horizon covers week 1
      ],
      'Paula Planner',
    );
    const rec = forecastRecord('FURN_7800', 1);
    const writes = await lineageOfRecord(app.db.knex, 'mrp.product.forecast', rec.forecast);
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatchObject({ batch: { id: v2.batchId }, file: null, lines: null });
    expect(writes[0]!.noFile).toMatch(/no line: written because the file no longer has this record/);
    expect(writes[1]).toMatchObject({ batch: { id: v1.batchId }, lines: [{ ref: '3' }] });
  });

  it("the file's lineage lists each line with the records it went to", async () => {
    const f = await lineageOfFile(app.db.knex, 'forecast/v1.csv');
    const b = f.batches[0]!;
    expect(b.batch.id).toBe(v1.batchId);
    expect(b.staged).toBe(3);
    expect(b.lines.map((l) => [l.ref, l.went.map((w) => w.model).sort()])).toEqual([
      ['2', ['mrp.product.forecast', 'mrp.production.schedule']],
      ['3', ['mrp.product.forecast', 'mrp.production.schedule']],
      ['4', ['mrp.product.forecast', 'mrp.production.schedule']],
    ]);
    expect(b.lines.every((l) => l.why.length === 0)).toBe(true);
    // v2 wrote FURN_9666 week 0 unchanged: nothing, and says why
    const f2 = await lineageOfFile(app.db.knex, 'b'.repeat(64));
    const unchanged = f2.batches[0]!.lines.find((l) => l.ref === '3')!;
    expect(unchanged.went).toEqual([]);
    expect(unchanged.why.join()).toMatch(/Odoo already held what it says/);
  });
});
