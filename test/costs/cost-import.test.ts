/**
 * cost-import through the real Runner: cost update files in <inbox>/costs become cost_update
 * batches (currencies converted with configured rates, costs per another unit converted, the
 * newest valid-from winning in the rollup) or are rejected with a report — a foreign currency
 * without a rate is an error, never taken as is.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { costImportJob } from '../../jobs/costs/cost-import.ts';
import { costRollupJob } from '../../jobs/costs/cost-rollup.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { getBatch, listCheckpoints } from '../../load/staging/batches.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { CostFixture, DOZENS, KG, lineOf, type Row } from './cost-fixtures.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
let runner: Runner;
let md: CostFixture;
const inbox = () => path.join(app.config.inbox, 'costs');
const drop = (name: string, content: string | Buffer) => {
  fs.mkdirSync(inbox(), { recursive: true });
  fs.writeFileSync(path.join(inbox(), name), content);
};
const importFiles = async (): Promise<JobRun> => {
  const run = await runner.runNow('cost-import', { settleSeconds: 0 });
  if (run.status !== 'succeeded') throw new Error(`cost-import ${run.status}: ${JSON.stringify(run.error)}`);
  return run;
};
type FileResult = { file: string; batchId: number; status: string; outcome: string };
const resultOf = (run: JobRun, file: string) => (run.stats.batches as FileResult[]).find((b) => b.file === file)!;
const checkpoint = async (batchId: number, name: string) => (await listCheckpoints(app.db.knex, batchId)).find((c) => c.name === name)!;
const setCosts = (costs: Record<string, unknown>) => {
  (app.config.file as Row).costs = costs;
};

beforeAll(async () => {
  app = await testApp('costimport');
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([costImportJob, costRollupJob]) });
  await runner.start();
  md = new CostFixture(app.db.knex);
  await md.reset();
  await md.products(
    { id: 1, code: 'LAMP', price: 30 },
    { id: 2, code: 'BULB', price: 2 },
    { id: 3, code: 'SCREW', price: 0.1 },
    { id: 4, code: 'COPPER', price: 8, uom: KG },
    { id: 5, code: 'CABLE', price: 1.2, uom: DOZENS },
  );
  await md.bom({
    id: 1,
    product: 1,
    lines: [
      [2, 2],
      [3, 6],
      [4, 0.25],
    ],
  });
});
afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
});
beforeEach(() => setCosts({ companyCurrency: 'EUR', currencyRates: { USD: 0.9 } }));

describe('cost-import', () => {
  it('stages costs in the company currency and product unit; the newest valid-from in force wins in the rollup', async () => {
    drop(
      'supplier-2026.csv',
      [
        'Part Number;Unit Cost;Currency;Valid From;Unit',
        'BULB;2,50;EUR;2026-01-01;Units',
        'BULB;3,00;EUR;2026-03-01;',
        'BULB;9,99;EUR;2099-01-01;', // not in force yet
        'SCREW;1,20;USD;01.02.2026;Dozens', // 1.20 USD per dozen = 0.09 EUR per unit
        'COPPER;9000;EUR;2026-02-01;t', // unknown unit name: reported, not guessed
      ].join('\r\n'),
    );
    const run = await importFiles();
    const r = resultOf(run, 'supplier-2026.csv');
    // the unknown unit "t" fails the unit check
    expect(r.status).toBe('rejected');
    expect((await checkpoint(r.batchId, 'unit_conversion')).message).toContain('COPPER per t');
    const rejected = fs.readdirSync(path.join(inbox(), 'rejected'));
    expect(rejected).toEqual(expect.arrayContaining(['supplier-2026.csv', 'supplier-2026.csv.errors.csv', 'supplier-2026.csv.report.txt']));
    expect(fs.readFileSync(path.join(inbox(), 'rejected', 'supplier-2026.csv.errors.csv'), 'utf8')).toContain(
      "this unit does not convert to the product's unit",
    );

    // the 2099 price moves BULB by 400 %: a warning; policy auto lets it through
    setCosts({ companyCurrency: 'EUR', currencyRates: { USD: 0.9 }, updates: { approval: 'auto' } });
    drop(
      'supplier-2026-fixed.csv',
      [
        'Part Number;Unit Cost;Currency;Valid From;Unit',
        'BULB;2,50;EUR;2026-01-01;Units',
        'BULB;3,00;EUR;2026-03-01;',
        'BULB;9,99;EUR;2099-01-01;',
        'SCREW;1,20;USD;01.02.2026;Dozens',
        'COPPER;9;EUR;2026-02-01;',
      ].join('\r\n'),
    );
    const fixed = resultOf(await importFiles(), 'supplier-2026-fixed.csv');
    expect(fixed.status).toBe('approved');
    expect(await checkpoint(fixed.batchId, 'cost_delta')).toMatchObject({ passed: false, severity: 'warning' });
    const lines = (await app.db.knex('cost_update_lines').where({ batch_id: fixed.batchId }).orderBy('line_no')) as Row[];
    expect(lines.map((l) => [l.product_code, Number(l.cost), l.currency, Number(l.rate)])).toEqual([
      ['BULB', 2.5, 'EUR', 1],
      ['BULB', 3, 'EUR', 1],
      ['BULB', 9.99, 'EUR', 1],
      ['SCREW', 0.09, 'USD', 0.9],
      ['COPPER', 9, 'EUR', 1],
    ]);
    expect((lines[3]!.valid_from as Date).toISOString().slice(0, 10)).toBe('2026-02-01');

    const roll = await runner.runNow('cost-rollup', { asOf: '2026-06-30', report: false, force: true });
    const batchId = Number(roll.stats.batchId);
    // 2 × 3.00 + 6 × 0.09 + 0.25 × 9 = 8.79
    expect(await lineOf(app.db.knex, batchId, 'LAMP')).toMatchObject({ new_cost: 8.79 });
    expect(await lineOf(app.db.knex, batchId, 'BULB')).toMatchObject({
      kind: 'component',
      new_cost: 3,
      current_cost: 2,
      update_batch_id: fixed.batchId,
      writable: true,
    });
    // valid from decides: on 2026-02-15 the January price is the one in force
    const feb = await runner.runNow('cost-rollup', { asOf: '2026-02-15', report: false, force: true });
    expect(await lineOf(app.db.knex, Number(feb.stats.batchId), 'LAMP')).toMatchObject({ new_cost: 7.79 });
  });

  it('rejects a cost in a currency without a configured rate, with the reason in the error report', async () => {
    drop('gbp.csv', 'sku,cost,currency\nBULB,2.10,GBP\nSCREW,0.08,EUR\n');
    const r = resultOf(await importFiles(), 'gbp.csv');
    expect(r.status).toBe('rejected');
    expect(await checkpoint(r.batchId, 'currency_rate')).toMatchObject({
      severity: 'error',
      passed: false,
      measured: expect.objectContaining({ rows: 1 }),
    });
    const errors = fs.readFileSync(path.join(inbox(), 'rejected', 'gbp.csv.errors.csv'), 'utf8');
    expect(errors).toContain('no exchange rate configured for GBP');
    expect(fs.readFileSync(path.join(inbox(), 'rejected', 'gbp.csv.report.txt'), 'utf8')).toMatch(/REJECTED[\s\S]*FAILED {2}currency_rate/);
    // nothing of the file is kept for the rollup
    expect(await app.db.knex('cost_update_lines').where({ batch_id: r.batchId }).count('* as n').first()).toEqual({ n: 0 });
  });

  it('reads XLSX exports with title rows and date cells; unknown products and duplicate keys are errors', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Prices');
    ws.addRow(['Purchase price list']);
    ws.addRow([]);
    ws.addRow(['Product', 'Standard cost', 'Valid from']);
    ws.addRow(['BULB', 2.75, new Date(Date.UTC(2026, 4, 1))]);
    ws.addRow(['NOPE', 1, new Date(Date.UTC(2026, 4, 1))]);
    ws.addRow(['SCREW', 0.11, new Date(Date.UTC(2026, 4, 1))]);
    ws.addRow(['SCREW', 0.12, new Date(Date.UTC(2026, 4, 1))]);
    drop('prices.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));
    const r = resultOf(await importFiles(), 'prices.xlsx');
    expect(r.status).toBe('rejected');
    expect(await checkpoint(r.batchId, 'unknown_products')).toMatchObject({
      passed: false,
      measured: expect.objectContaining({ lines: 1, examples: ['NOPE'] }),
    });
    expect(await checkpoint(r.batchId, 'duplicate_keys')).toMatchObject({ passed: false, measured: expect.objectContaining({ keys: 1 }) });
    const errors = fs.readFileSync(path.join(inbox(), 'rejected', 'prices.xlsx.errors.csv'), 'utf8');
    expect(errors).toContain('Prices!B5'); // the cell a person finds
    expect((await getBatch(app.db.knex, r.batchId)).stats).toMatchObject({ format: 'xlsx', rows: 4 });
  });

  it('asks a person about big moves, and archives a file identical to one already staged as a duplicate', async () => {
    const csv = 'product,cost\nBULB,20\n';
    drop('jump.csv', csv);
    const first = resultOf(await importFiles(), 'jump.csv');
    expect(first.status).toBe('validated');
    const delta = await checkpoint(first.batchId, 'cost_delta');
    expect(delta).toMatchObject({ severity: 'warning', passed: false });
    expect(delta.measured.topMovers).toEqual([{ product: 'BULB', current: 2, next: 20, deltaPct: 900 }]);
    drop('jump-again.csv', csv);
    const dup = resultOf(await importFiles(), 'jump-again.csv');
    expect(dup).toMatchObject({ outcome: 'duplicate', batchId: first.batchId });
  });

  it('refuses a file without a usable header, and a bad costs section names the key', async () => {
    drop('notes.csv', 'hello,world\n1,2\n');
    const r = resultOf(await importFiles(), 'notes.csv');
    expect(r.status).toBe('rejected');
    expect(fs.readFileSync(path.join(inbox(), 'rejected', 'notes.csv.errors.csv'), 'utf8')).toContain('No header row found');
    setCosts({ currencyRates: { usd: -1 } });
    const bad = await runner.runNow('cost-import', { settleSeconds: 0 });
    expect(bad.status).toBe('dead');
    expect(bad.error?.message).toBe('costs.currencyRates.usd: expected a number > 0, got -1');
  });
});
