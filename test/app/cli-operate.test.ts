/**
 * Pleasant to operate (issue 17): what a person running `mfg-etl` sees. Runs, retries and progress
 * say what happens; `run --no-wait` queues and returns.
 */
import { QUALITY_INBOX } from '../../jobs/quality/quality-import.ts';
import { SUPPLIER_FILES } from '../../jobs/suppliers/supplier-import.ts';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressLine } from '../../app/cli/format.ts';
import { runLogLines } from '../../load/ops/ops.ts';
import { getRun } from '../../load/ops/runs.ts';
import { createBatch, transitionBatch } from '../../load/staging/batches.ts';
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

describe('plain-language results', () => {
  it('forecast-import ends with what it read and staged, the reasons, and the exact next command', async () => {
    const folder = path.join(app.env.MFG_ETL_INBOX!, 'forecasts');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'plan.csv'), 'product,warehouse,period,quantity\nA100,WH1,2027-W02,10\nA100,WH1,2027-W03,12\n');
    const r = await cli(['run', 'forecast-import', '--param', 'settleSeconds=0']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run \d+ of forecast-import succeeded$/);
    expect(lines[1]).toMatch(/^read 1 file\(s\) from .*forecasts: 1 staged \(2 lines\), 0 rejected, 0 duplicate\(s\)$/);
    const batchId = Number(/batch (\d+) validated/.exec(r.stdout)?.[1]);
    expect(r.stdout).toContain(`plan.csv → batch ${batchId} validated, awaits approval: mfg-etl approve ${batchId} --by <name>`);
    expect(r.stdout).toContain('(run masterdata-sync)');
    expect(r.stdout).not.toContain('{');
    // the JSON behind --json keeps its keys
    const json = JSON.parse((await cli(['show-run', String(runIdOf(r.stdout)), '--json'])).stdout) as { stats: Record<string, unknown> };
    expect(json.stats).toMatchObject({ files: 1, staged: 1, rejected: 0, duplicates: 0, rowsStaged: 2 });

    // approved, the load plan says what is not sent and why
    expect((await cli(['approve', String(batchId), '--by', 'anna'])).code).toBe(0);
    const load = await cli(['run', 'forecast-load']);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toMatch(/DRY RUN \(Odoo is not configured/);
    expect(load.stdout).toContain('product A100 is not in the master data snapshot (run masterdata-sync)');
    expect(load.stdout).not.toContain('{');
  });

  it('housekeeping and cost-load print sentences, not JSON stats', async () => {
    const h = await cli(['run', 'housekeeping']);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/removed \d+ run records older than 90 days, \d+ processed inbox files older than 30 days/);
    expect(h.stdout).not.toContain('{');
    const c = await cli(['run', 'cost-load', '--dry-run']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^run \d+ of cost-load succeeded \(dry run\)\nno approved cost batch to load/);
  });

  it('approving an approved batch says it is already approved, not that a rejected one must be fixed', async () => {
    const b = await createBatch(app.db.knex, { kind: 'forecast', scope: 'WH7', version: 'v1', actor: 'test' });
    await transitionBatch(app.db.knex, b.id, 'validate', { actor: 'test' });
    await transitionBatch(app.db.knex, b.id, 'approve', { actor: 'anna' });
    const r = await cli(['approve', String(b.id), '--by', 'bob']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `mfg-etl: batch ${b.id} is approved; cannot approve: it is already approved; its load job writes it to Odoo`,
    );
  });

  it('batches refuses an unknown --kind or --status with the known ones (exit 2)', async () => {
    const kind = await cli(['batches', '--kind', 'forcast']);
    expect(kind.code).toBe(2);
    expect(kind.stderr.trim()).toBe(
      'mfg-etl: --kind: unknown batch kind "forcast"; known kinds: forecast, cost_update, cost_rollup, inventory_count, historian, quality_events, supplier_confirmation, mes_report',
    );
    // every kind an inbox job stages is a kind people can list (the runbook's supplier and quality commands)
    for (const known of [QUALITY_INBOX.kind, SUPPLIER_FILES.kind]) expect((await cli(['batches', '--kind', known])).code, known).toBe(0);
    const status = await cli(['batches', '--status', 'done']);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('known statuses: received, validated, rejected, approved, loading, loaded, load_failed, superseded');
  });

  it('an ftp:// Odoo URL is refused saying that http(s) is needed; hash-password --help names the 8 characters', async () => {
    const r = await cli(['config'], { MFG_ETL_ODOO_URL: 'ftp://odoo.example.com' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MFG_ETL_ODOO_URL: expected an http:// or https:// URL, got "ftp://odoo.example.com"');
    expect(r.stderr).not.toMatch(/Invalid URL|valid url/);
    const help = await cli(['hash-password', '--help']);
    expect(help.stdout).toContain('at least 8 characters');
  });
});

describe('safe exploration', () => {
  /** dead letters of the job from this run on (an earlier test leaves a real one of masterdata-sync) */
  const deadLettersSince = async (job: string, runId: number) =>
    (JSON.parse((await cli(['dead-letters', '--json'])).stdout) as { id: number; job: string }[]).filter(
      (r) => r.job === job && r.id >= runId,
    );

  it('masterdata-sync --dry-run without Odoo ends as a dry run from the last snapshot, not a dead letter', async () => {
    const r = await cli(['run', 'masterdata-sync', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^run \d+ of masterdata-sync succeeded \(dry run\)\nDRY RUN without Odoo/);
    expect(r.stdout).toMatch(/the last master-data snapshot \(never synced\) holds 0 products/);
    expect(await deadLettersSince('masterdata-sync', runIdOf(r.stdout))).toEqual([]);
    const history = await cli(['history', '--job', 'masterdata-sync']);
    expect(history.stdout).toContain('succeeded (dry run)');
    const shown = await cli(['show-run', String(runIdOf(r.stdout))]);
    expect(shown.stdout.split('\n')[0]).toMatch(/succeeded \(dry run\)$/);
  });

  it('inventory-adjust without apply=true and without Odoo ends as a plan, not a dead letter', async () => {
    const b = await createBatch(app.db.knex, { kind: 'inventory_count', scope: 'WH1', version: 'count-1', actor: 'test' });
    await transitionBatch(app.db.knex, b.id, 'validate', { actor: 'test' });
    await transitionBatch(app.db.knex, b.id, 'approve', { actor: 'anna' });
    const r = await cli(['run', 'inventory-adjust']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^run \d+ of inventory-adjust succeeded \(dry run\)\n/);
    expect(r.stdout).toContain(`DRY RUN batch ${b.id} WH1 (approved): warehouse WH1 is not in the master data (run masterdata-sync)`);
    expect(r.stdout).toContain('Odoo not configured (MFG_ETL_ODOO_URL, _DB, _USER, _API_KEY): planned from the stored stock snapshots');
    const run = await getRun(app.db.knex, runIdOf(r.stdout));
    expect(run.status).toBe('succeeded');
    expect(run.dryRun).toBe(true);
    expect(await deadLettersSince('inventory-adjust', runIdOf(r.stdout))).toEqual([]);
    // the batch is untouched
    expect((await app.db.knex('batches').where({ id: b.id }).first('status')).status).toBe('approved');
  });
});
