/**
 * `--dry-run` without Odoo: each job that talks to Odoo says, from what is staged, what it would do
 * and that Odoo is not configured; the run succeeds as a dry run, with no dead letter and no alert.
 * A real run without Odoo still fails and says what to set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costLoadJob } from '../../jobs/costs/cost-load.ts';
import { mesLoadJob } from '../../jobs/mes/mes-load.ts';
import { mesReleaseJob } from '../../jobs/mes/mes-release.ts';
import { mesReportJob } from '../../jobs/mes/mes-report.ts';
import { qualityApplyJob } from '../../jobs/quality/quality-apply.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { materialShortagesJob } from '../../jobs/suppliers/material-shortages.ts';
import { supplierLoadJob } from '../../jobs/suppliers/supplier-load.ts';
import { stageReportLines } from '../../load/mes/reports.ts';
import { alertFacts } from '../../load/ops/ops.ts';
import { type JobRun, listDeadLetters } from '../../load/ops/runs.ts';
import { stageEvent } from '../../load/quality/staging.ts';
import type { MesReport } from '../../transform/mes/performance.ts';
import type { QualityEvent } from '../../transform/quality/events.ts';
import { alertConditions } from '../../transform/shared/health.ts';
import { loadDemoMasterData } from '../support/inventory.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const JOBS = [supplierLoadJob, qualityApplyJob, materialShortagesJob, mesReleaseJob, mesReportJob, mesLoadJob, costLoadJob];
const NO_ODOO = 'Odoo is not configured: nothing read from or sent to Odoo';
const RULES = { approvalWaitHours: 24, reconciliationValueThreshold: null };

let app: TestApp;
let runner: Runner;
const batchIds: Record<string, number> = {};

async function batch(kind: string, scope: string, status = 'approved', stats: Record<string, unknown> = {}): Promise<number> {
  const [row] = (await app.db
    .knex('batches')
    .insert({ kind, scope, version: 'v1', status, created_by: 'test', stats: JSON.stringify(stats) })
    .returning('id')) as Array<{ id: number }>;
  return Number(row!.id);
}

const qualityEvent = (nonconformance: string, action: QualityEvent['action'], lots: string[]): QualityEvent => ({
  nonconformance,
  action,
  product: 'FURN_9999',
  lots,
  warehouse: 'P01',
  location: null,
  quantity: null,
  reason: 'scratched',
  decidedBy: 'Quinn QA',
  decidedAt: null,
});

const mesReport = (transactionId: string, over: Partial<MesReport> = {}): MesReport => ({
  transactionId,
  moName: 'WH/MO/00042',
  complete: false,
  producedQty: 0,
  segments: [],
  consumed: [],
  scrap: [],
  ...over,
});

async function dryRun(job: string, params: Record<string, unknown> = {}): Promise<JobRun & { summary: string[] }> {
  const run = await runner.runNow(job, params, { dryRun: true });
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  expect(run).toMatchObject({ status: 'succeeded', dryRun: true, attempt: 1 });
  const summary = run.stats.summary as string[];
  expect(summary[0]).toMatch(/^DRY RUN/);
  expect(summary).toContainEqual(expect.stringContaining(NO_ODOO));
  return { ...run, summary };
}

beforeAll(async () => {
  app = await testApp(
    'dry-no-odoo',
    { MFG_ETL_TIMEZONE: 'UTC', MFG_ETL_INBOX_SETTLE_SECONDS: '0', MFG_ETL_LOG_LEVEL: 'info' },
    { mes: {} },
  );
  expect(app.config.odooUrl).toBeUndefined();
  const knex = app.db.knex;
  await loadDemoMasterData(app);

  // supplier-load: an approved supplier file with two dates and one ASN line with a lot
  batchIds.supplier = await batch('supplier_confirmation', 'WOODC', 'approved', { fileName: 'WOODC-2026-12-01.csv' });
  await knex('supplier_confirmation_lines').insert(
    [
      { line_no: 1, po_line_id: 11, confirmed_date: '2026-12-14', shipped_qty: null, lot: null },
      { line_no: 2, po_line_id: 12, confirmed_date: '2026-12-15', shipped_qty: 20, lot: 'L-7' },
    ].map((l) => ({ batch_id: batchIds.supplier, source_ref: String(l.line_no + 1), po_name: 'P00012', product_id: 201, ...l })),
  );

  // quality-apply: two holds and a release waiting (over HTTP, no batch)
  for (const [nc, action, lots] of [
    ['NC-1', 'hold', ['LOT-A']],
    ['NC-2', 'hold', ['LOT-B', 'LOT-C']],
    ['NC-0', 'release', ['LOT-Z']],
  ] as const) {
    await stageEvent(knex, {
      event: qualityEvent(nc, action, [...lots]),
      hash: `${nc}-${action}`,
      source: 'http:qms',
      receivedAt: new Date(),
    });
  }

  // material-shortages: a BoM of the desk in the snapshot and an approved forecast of desks
  await knex('md_boms').insert({ odoo_id: 900, code: 'DESK', type: 'normal', is_kit: false, product_id: 101, product_qty: 1, sequence: 1 });
  await knex('md_bom_lines').insert([
    { odoo_id: 901, bom_id: 900, product_id: 201, product_qty: 4 },
    { odoo_id: 902, bom_id: 900, product_id: 202, product_qty: 1 },
  ]);
  const forecast = await batch('forecast', 'P01');
  const monday = new Date();
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7) + 7);
  await knex('forecast_lines').insert({
    batch_id: forecast,
    line_no: 1,
    product_code: 'FURN_7800',
    product_id: 101,
    warehouse_code: 'P01',
    period_start: monday.toISOString().slice(0, 10),
    quantity: 10,
    source_quantity: 10,
    source_ref: '2',
  });

  // mes-release: one release unanswered for a day, one acknowledged
  const content = { product: { code: 'FURN_7800' }, qty: 5, uom: 'Units', workOrders: [], components: [] };
  await knex('mes_releases').insert(
    [
      { mo_name: 'WH/MO/00041', mo_id: 41, state: 'released', released_at: new Date(Date.now() - 86_400_000) },
      { mo_name: 'WH/MO/00042', mo_id: 42, state: 'acknowledged', released_at: new Date() },
    ].map((r) => ({
      ...r,
      product_code: 'FURN_7800',
      content_hash: r.mo_name,
      content: JSON.stringify(content),
      last_verb: 'Process',
      last_message_id: `msg-${r.mo_id}`,
    })),
  );

  // mes-load: an approved report file of three lines
  batchIds.mes = await batch('mes_report', 'perf@1');
  const reports = [
    mesReport('T-1', { segments: [{ id: 'S1', workOrder: 'WO-1', ref: 'r1' }] }),
    mesReport('T-2', { producedQty: 5, finishedLot: 'FL-1', consumed: [{ code: 'COMP_LEG', quantity: 20, ref: 'r2' }] }),
    mesReport('T-3', { complete: true, scrap: [{ code: 'COMP_TOP', quantity: 1, ref: 'r3' }] }),
  ];
  await stageReportLines(
    knex,
    batchIds.mes,
    reports.map((report, i) => ({ lineNo: i + 1, ref: String(i + 1), report, hash: report.transactionId })),
  );

  // mes-report: a production report waiting in <inbox>/mes
  fs.mkdirSync(path.join(app.config.inbox, 'mes'), { recursive: true });
  fs.writeFileSync(path.join(app.config.inbox, 'mes', 'perf-1.xml'), '<ProcessOperationsPerformance/>');

  // cost-load: an approved cost batch with one price to write and one unchanged
  batchIds.cost = await batch('cost_rollup', 'company 1');
  await knex('cost_rollup_lines').insert(
    [
      { product_id: 201, default_code: 'COMP_LEG', new_cost: 10.5, current_cost: 9.8 },
      { product_id: 202, default_code: 'COMP_TOP', new_cost: 61, current_cost: 61 },
    ].map((l) => ({ ...l, batch_id: batchIds.cost, kind: 'component', writable: true, cost_method: 'standard' })),
  );

  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry(JOBS) });
  await runner.start();
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
});

describe('dry runs without Odoo', () => {
  it('supplier-load counts the dates and ASN lines of the approved files and leaves them approved', async () => {
    const run = await dryRun('supplier-load');
    expect(run.summary[0]).toBe('DRY RUN: 1 approved supplier file(s) waiting to be loaded, nothing written');
    expect(run.summary[1]).toBe(
      `  batch ${batchIds.supplier} WOODC-2026-12-01.csv (approved): 2 line(s): 2 confirmed date(s), 1 ASN line(s) (1 with a lot)`,
    );
    expect((await app.db.knex('batches').where({ id: batchIds.supplier }).first('status')).status).toBe('approved');
    expect(await app.db.knex('supplier_load_results')).toEqual([]);
  });

  it('quality-apply counts the waiting events per action and applies none', async () => {
    const run = await dryRun('quality-apply');
    expect(run.summary[0]).toBe('DRY RUN: 3 quality event(s) waiting to be applied (2 hold, 1 release); nothing applied');
    expect(run.summary).toContain('  hold NC-2: FURN_9999 lots LOT-B, LOT-C in P01');
    expect(run.stats.byAction).toEqual({ hold: 2, release: 1 });
    expect(await app.db.knex('quality_events').where({ status: 'staged' })).toHaveLength(3);
  });

  it('material-shortages says what the master-data snapshot lacks and what it has', async () => {
    const run = await dryRun('material-shortages', { weeks: 4 });
    expect(run.summary[0]).toMatch(
      /^DRY RUN: no projection for the 4 weeks from \d{4}-\d{2}-\d{2}: the master-data snapshot lacks stock on hand, the component demand of confirmed manufacturing orders, open purchase lines \(incoming supply\) \(read from Odoo only\)$/,
    );
    expect(run.summary[1]).toBe(
      'from the snapshot: the approved forecast needs 2 component(s) (2 product-week line(s), one BoM level down)',
    );
    expect(run.summary[2]).toBe('2 purchase line(s) have a confirmed date from a supplier file');
    expect(run.stats).toMatchObject({ projected: false, forecastComponents: 2 });
  });

  it('mes-release says which releases wait for an answer and which would become overdue, changing none', async () => {
    const run = await dryRun('mes-release');
    expect(run.summary[0]).toBe(
      'DRY RUN: no order read, no message written; 2 release(s) on record: 1 released, 1 acknowledged, 0 refused, 0 overdue, 0 cancelled',
    );
    expect(run.summary[1]).toMatch(/^1 release\(s\) unanswered for more than \d+ min would be marked overdue: WH\/MO\/00041$/);
    expect((await app.db.knex('mes_releases').where({ mo_name: 'WH/MO/00041' }).first('state')).state).toBe('released');
  });

  it('mes-load counts the waiting report lines per step and posts none', async () => {
    const run = await dryRun('mes-load');
    expect(run.summary[0]).toBe(
      'DRY RUN: nothing posted; 3 report line(s) of 1 approved batch(es) would be posted (lines with 1 times, 1 production, 1 consumption, 1 scrap, 1 closing)',
    );
    expect(run.summary[1]).toBe(`  batch ${batchIds.mes}: 3 line(s) for 1 order(s)`);
    expect(await app.db.knex('mes_report_lines').where({ status: 'staged' })).toHaveLength(3);
  });

  it('mes-report lists the files it would import and leaves them in the inbox', async () => {
    const run = await dryRun('mes-report');
    expect(run.summary).toContain('1 file(s) ready: perf-1.xml');
    expect(fs.existsSync(path.join(app.config.inbox, 'mes', 'perf-1.xml'))).toBe(true);
  });

  it('cost-load plans against the costs stored with the batch', async () => {
    const run = await dryRun('cost-load');
    expect(run.summary[0]).toBe('DRY RUN: nothing written to Odoo');
    expect(run.summary[1]).toMatch(new RegExp(`^batch ${batchIds.cost} → dry run: would write 1: 1 standard prices to write, 1 unchanged`));
    expect((await app.db.knex('batches').where({ id: batchIds.cost }).first('status')).status).toBe('approved');
  });

  it('left no dead letter and no alert condition of a run', async () => {
    expect(await listDeadLetters(app.db.knex)).toEqual([]);
    const expectations = JOBS.map((j) => ({ job: j.name, expectedEveryMinutes: null }));
    const conditions = alertConditions(await alertFacts(app.db.knex, expectations), new Date(), RULES);
    // (the staged release unanswered for a day is an alert of its own, whatever ran)
    expect(conditions.filter((c) => c.key.startsWith('dead:') || c.key.startsWith('late:'))).toEqual([]);
    expect(conditions.map((c) => c.key)).toEqual(['mes:WH/MO/00041']);
  });

  it('a real run without Odoo still fails and says what to set', async () => {
    for (const job of ['supplier-load', 'quality-apply', 'material-shortages', 'mes-release', 'mes-load']) {
      const run = await runner.runNow(job, {});
      expect(run.dryRun).toBe(false);
      expect(['failed', 'dead']).toContain(run.status);
      expect(run.error?.class).toBe('ConfigError');
      expect(run.error?.message).toMatch(/MFG_ETL_ODOO_URL/);
    }
  });
});
