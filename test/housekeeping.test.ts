import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner } from '../jobs/runner.ts';
import { defaultRegistry } from '../jobs/registry.ts';
import { createRun, finishRun, findRun } from '../load/staging/runs.ts';
import { type TestApp, testApp } from './support/staging.ts';

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
    await app.db.knex('job_runs').where({ id: old.id }).update({ finished_at: new Date(Date.now() - 100 * 86_400_000) });

    const dry = await runner.runNow('housekeeping', {}, { dryRun: true });
    expect(dry.stats).toMatchObject({ dryRun: true, runsRemoved: 1, inboxFilesRemoved: 2, reportsRemoved: 1 });
    expect((dry.stats.files as string[]).sort()).toEqual([oldArchive, oldRejected, oldReport].map((f) => path.resolve(f)).sort());
    for (const f of [oldArchive, oldRejected, oldReport]) expect(fs.existsSync(f)).toBe(true);

    const real = await runner.runNow('housekeeping', {});
    expect(real.stats).toMatchObject({ dryRun: false, runsRemoved: 1, inboxFilesRemoved: 2, reportsRemoved: 1, historianSamplesRemoved: 0 });
    for (const f of [oldArchive, oldRejected, oldReport]) expect(fs.existsSync(f)).toBe(false);
    for (const f of [freshArchive, waiting, freshReport]) expect(fs.existsSync(f)).toBe(true);
    expect(await findRun(app.db.knex, old.id)).toBeUndefined();
  });
});
