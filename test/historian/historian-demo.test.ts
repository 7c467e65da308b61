/**
 * The demo's shop-floor part on the real PostgreSQL: the plant simulator on a free port, the
 * extract from it, the aggregates shown, and the load's plan plus the OEE report without Odoo.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHistorianDemo } from '../../examples/historian-demo.ts';
import { defaultRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp('hist-demo');
});
afterAll(async () => app?.cleanup());

describe('historian-load without Odoo and without anything staged', () => {
  it('plans nothing and leaves no plan file or report behind (it runs every 15 minutes)', async () => {
    const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: defaultRegistry() });
    await runner.start();
    try {
      const run = await runner.runNow('historian-load', {});
      expect(run.status).toBe('succeeded');
      expect((run.stats.summary as string[]).join('\n')).toContain('nothing to plan');
      expect(fs.existsSync(app.config.reports) ? fs.readdirSync(app.config.reports) : []).toEqual([]);
    } finally {
      await runner.stop();
    }
  });
});

describe('the demo', () => {
  it('extracts from the simulator, shows shifts and downtime, and plans the load with an OEE report', async () => {
    const lines: string[] = [];
    await runHistorianDemo(app, (line = '') => lines.push(line));
    const text = lines.join('\n');
    expect(text).toMatch(/historian-extract run \d+: succeeded/);
    expect(text).toMatch(/historian-load run \d+: succeeded/);
    expect(text).toContain('Equipment Failure');
    const shifts = await app.db.knex('historian_shifts').where({ complete: true }).count<{ count: string }[]>('* as count');
    expect(Number(shifts[0]!.count)).toBeGreaterThanOrEqual(8); // two machines, a day and more of three shifts
    const report = /OEE report: (\S+\.xlsx), (\S+\.csv)/.exec(text);
    expect(report).not.toBeNull();
    for (const file of [report![1]!, report![2]!]) expect(fs.existsSync(file)).toBe(true);
    expect(text).toMatch(/DRY RUN .*nothing sent to Odoo/);
  }, 60_000);
});
