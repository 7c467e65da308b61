/**
 * Pleasant to operate (issue 17): what a person running `mfg-etl` sees. Runs, retries and progress
 * say what happens; `run --no-wait` queues and returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressLine } from '../../app/cli/format.ts';
import { runLogLines } from '../../load/ops/ops.ts';
import { getRun } from '../../load/ops/runs.ts';
import { runCli } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp('cli-operate');
});
afterAll(async () => app?.cleanup());

const cli = (args: string[], extra: Record<string, string> = {}, timeoutMs?: number) =>
  runCli(args, { ...app.env, MFG_ETL_LOG_LEVEL: 'warn', ...extra }, app.dir, timeoutMs);

/** A config file in the test's folder; returns its path for MFG_ETL_CONFIG. */
function configFile(name: string, content: unknown): string {
  const file = path.join(app.dir, name);
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

const runIdOf = (stdout: string) => Number(/run (\d+)/.exec(stdout)?.[1]);

describe('progress and retries you can see', () => {
  it('run --no-wait queues the run and returns at once; --enqueue is the same', async () => {
    const r = await cli(['run', 'housekeeping', '--no-wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^run \d+ of housekeeping queued/);
    expect((await getRun(app.db.knex, runIdOf(r.stdout))).status).toBe('queued');
    const e = await cli(['run', 'housekeeping', '--enqueue']);
    expect(e.code, e.stderr).toBe(0);
    expect((await getRun(app.db.knex, runIdOf(e.stdout))).status).toBe('queued');
    await app.db.knex('job_runs').where({ job: 'housekeeping', status: 'queued' }).update({ status: 'cancelled', finished_at: new Date() });
  });

  it('a failed attempt says what failed and when the next attempt comes, and a dead run prints no stray {}', async () => {
    const config = configFile('retry.json', { jobs: { 'masterdata-sync': { retryLimit: 1, retryDelaySeconds: 1 } } });
    const r = await cli(
      ['run', 'masterdata-sync'],
      {
        MFG_ETL_CONFIG: config,
        MFG_ETL_ODOO_URL: 'http://127.0.0.1:9',
        MFG_ETL_ODOO_DB: 'plant',
        MFG_ETL_ODOO_USER: 'etl',
        MFG_ETL_ODOO_API_KEY: 'not-a-real-key',
      },
      90_000,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mfg-etl: attempt 1 of 2 failed: cannot reach Odoo \(ECONNREFUSED\)[^\n]*; retrying in \d+ s\n/);
    expect(r.stdout).toMatch(/^run \d+ of masterdata-sync dead: cannot reach Odoo/);
    expect(r.stdout.split('\n').map((l) => l.trim())).not.toContain('{}');
  }, 120_000);

  it("long work writes its progress (step, counts, rate) to the run's log lines, for the run's page", async () => {
    const reports = app.env.MFG_ETL_REPORTS!;
    fs.mkdirSync(reports, { recursive: true });
    const old = new Date(Date.now() - 400 * 86_400_000);
    for (const name of ['a.xlsx', 'b.xlsx', 'c.csv']) {
      fs.writeFileSync(path.join(reports, name), 'old');
      fs.utimesSync(path.join(reports, name), old, old);
    }
    const r = await cli(['run', 'housekeeping', '--json'], { MFG_ETL_LOG_LEVEL: 'info' });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as { id: number };
    const lines = await runLogLines(app.db.knex, run.id);
    const progress = lines.filter((l) => l.message === 'progress: removing files');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.map((l) => l.meta)).toContainEqual(expect.objectContaining({ done: 3, total: 3 }));
    // --json output: no progress on stdout or as a terminal bar
    expect(r.stderr).not.toContain('\r');
  });

  it('the terminal progress line shows a bar, the counts and the rate', () => {
    expect(progressLine('staging lines', 250, 1000, 2)).toBe('staging lines [######------------------] 250/1,000 25% 125/s');
    expect(progressLine('quants read from Odoo', 12_000, undefined, 4)).toBe('quants read from Odoo 12,000 3,000/s');
    expect(progressLine('rolling up costs', undefined, undefined, 0)).toBe('rolling up costs');
  });
});
