import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../jobs/registry.ts';
import { runCli } from '../support/cli.ts';
import { TEST_DATABASE_URL, type TestApp, testApp } from '../support/staging.ts';
import { createBatch, transitionBatch } from '../../load/staging/batches.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp('cli');
});
afterAll(async () => app?.cleanup());

const cli = (args: string[], extra: Record<string, string> = {}, timeoutMs?: number) =>
  runCli(args, { ...app.env, MFG_ETL_LOG_LEVEL: 'warn', ...extra }, app.dir, timeoutMs);

describe('mfg-etl CLI', () => {
  it('exits 2 for an unknown job and lists the valid names', async () => {
    const r = await cli(['run', 'no-such-job']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`mfg-etl: unknown job "no-such-job"; valid jobs: ${[...defaultRegistry().keys()].join(', ')}`);
    expect(r.stderr).toContain('housekeeping');
  });

  it('exits 2 with one line naming the variable when configuration is wrong', async () => {
    const r = await cli(['jobs'], { MFG_ETL_SCHEMA: 'Robert; drop table' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(/^mfg-etl: MFG_ETL_SCHEMA: expected a lower-case SQL identifier .*, got "Robert; drop table"$/);
  });

  it('a worker refuses a wrong historian section at start, one line per mistake', async () => {
    const file = path.join(app.dir, 'bad-historian.json');
    const tags = [
      { name: 'M1.good', nodeId: 'ns=2;i=1111', asset: 'WC-1', kind: 'counter' },
      { name: 'M1.good', browsePath: '/Objects/2:Plant1', asset: 'WC-1', kind: 'analog' },
    ];
    fs.writeFileSync(file, JSON.stringify({ historian: { bucketMinutes: 0, tags } }));
    const r = await cli(['worker'], { MFG_ETL_CONFIG: file }, 30_000);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.some((l) => l.includes('historian.bucketMinutes'))).toBe(true);
    expect(lines.some((l) => l.includes('historian.tags.0.kind'))).toBe(true);
  });

  it('exits 2 on an unknown option', async () => {
    const r = await cli(['history', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('runs housekeeping end to end on PostgreSQL and shows it in history --json', async () => {
    const run = await cli(['run', 'housekeeping', '--dry-run', '--json']);
    expect(run.code).toBe(0);
    const record = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(record).toMatchObject({ job: 'housekeeping', status: 'succeeded', trigger: 'manual', stats: { dryRun: true } });

    const history = await cli(['history', '--json', '--job', 'housekeeping']);
    const runs = JSON.parse(history.stdout) as Record<string, unknown>[];
    expect(runs[0]).toMatchObject({ id: record.id, job: 'housekeeping', trigger: 'manual', status: 'succeeded', attempt: 1, error: null });
    for (const key of ['startedAt', 'finishedAt', 'stats']) expect(runs[0]).toHaveProperty(key);
  });

  it('lists batches as JSON with the documented fields and shows one with its checkpoints', async () => {
    const b = await createBatch(app.db.knex, {
      kind: 'forecast',
      scope: 'WH1',
      version: 'v9',
      source: 'f.csv',
      sourceSha256: 'ab'.repeat(32),
      actor: 'test',
      stats: { lines: 3 },
    });
    const list = JSON.parse((await cli(['batches', '--json', '--kind', 'forecast'])).stdout) as Record<string, unknown>[];
    expect(list[0]).toMatchObject({
      id: b.id,
      kind: 'forecast',
      scope: 'WH1',
      version: 'v9',
      status: 'received',
      source: 'f.csv',
      sourceSha256: 'ab'.repeat(32),
      stats: { lines: 3 },
    });
    expect(list[0]).toHaveProperty('createdAt');
    const one = JSON.parse((await cli(['batch', String(b.id), '--json'])).stdout) as Record<string, unknown>;
    expect(one).toMatchObject({ id: b.id, checkpoints: [] });
  });

  it('exits 1 when approving a rejected batch, with the reason', async () => {
    const b = await createBatch(app.db.knex, { kind: 'forecast', scope: 'WH2', version: 'v1', actor: 'test' });
    await transitionBatch(app.db.knex, b.id, 'reject', { actor: 'anna', reason: 'bad' });
    const r = await cli(['approve', String(b.id), '--by', 'bob']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`batch ${b.id} is rejected; cannot approve`));
  });

  it('exits 1 for a batch that does not exist', async () => {
    const r = await cli(['batch', '999999']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/batch 999999 does not exist/);
  });

  it('lists jobs with schedule and next run', async () => {
    const jobs = JSON.parse((await cli(['jobs', '--json'])).stdout) as { name: string; schedule: string; nextRun: string }[];
    const hk = jobs.find((j) => j.name === 'housekeeping')!;
    expect(hk.schedule).toBe('30 3 * * *');
    expect(new Date(hk.nextRun).getTime()).toBeGreaterThan(Date.now());
  });

  it('never prints the database password, even when the connection fails', async () => {
    const secret = 'hunter2-very-secret';
    const badUrl = TEST_DATABASE_URL.replace('postgres://postgres@', `postgres://nobody:${secret}@`).replace(/\/[^/]+$/, '/no_such_db');
    const r = await cli(['jobs'], { MFG_ETL_DATABASE_URL: badUrl, MFG_ETL_LOG_LEVEL: 'debug' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot connect to the database/);
    expect(r.stdout + r.stderr).not.toContain(secret);

    const shown = await cli(['config', '--json'], { MFG_ETL_DATABASE_URL: badUrl });
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain(secret);
    expect(JSON.parse(shown.stdout).databaseUrl).toMatch(/^postgres:\/\/nobody:\[redacted\]@127\.0\.0\.1/);
  });

  it('reads a secret from a *_FILE variable', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'secret-')), 'db-url');
    fs.writeFileSync(file, `${TEST_DATABASE_URL}\n`);
    const r = await cli(['history', '--json'], { MFG_ETL_DATABASE_URL: '', MFG_ETL_DATABASE_URL_FILE: file });
    expect(r.code).toBe(0);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
  });
});

describe('parameters and settings are checked before a run is queued (exit 2, nothing queued)', () => {
  const runsOf = async (job: string) => Number((await app.db.knex('job_runs').where({ job }).count<{ n: string }[]>('* as n'))[0]!.n);
  const configFile = (name: string, content: Record<string, unknown>) => {
    const file = path.join(app.dir, name);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  };

  it('a retention of a billion days is refused, not run with a NaN date', async () => {
    const before = await runsOf('housekeeping');
    const r = await cli(['run', 'housekeeping', '--param', 'runsDays=1e9', '--param', 'inboxDays=0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'mfg-etl: --param runsDays: expected a number ≤ 36500, got "1e9"',
      '--param inboxDays: expected a number > 0, got 0',
    ]);
    expect(await runsOf('housekeeping')).toBe(before);
  });

  it('a time that does not exist is named as such, not as "from must be before to"', async () => {
    const before = await runsOf('historian-extract');
    const r = await cli(['run', 'historian-extract', '--param', 'from=2026-13-45T99:99Z', '--param', 'to=2026-11-26T06:00Z']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'mfg-etl: --param from: expected an ISO time with Z or an offset, e.g. 2026-11-26T06:00Z, got "2026-13-45T99:99Z"',
    );
    expect(await runsOf('historian-extract')).toBe(before);
  });

  it('a date that does not exist is refused for cost-rollup asOf', async () => {
    const r = await cli(['run', 'cost-rollup', '--param', 'asOf=2026-02-30']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('mfg-etl: --param asOf: expected a date YYYY-MM-DD, got "2026-02-30"');
  });

  it('run refuses a job whose config section is wrong instead of creating a dead run', async () => {
    const before = await runsOf('forecast-import');
    const file = configFile('bad-forecast.json', { forecast: { colums: { product: 'Artikel' } } });
    const r = await cli(['run', 'forecast-import', '--enqueue'], { MFG_ETL_CONFIG: file });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('mfg-etl: forecast.colums: unknown key (did you mean "columns"?)');
    expect(await runsOf('forecast-import')).toBe(before);
  });

  it('a wrong jobs.<job>.params value stops the worker at start, naming the config key', async () => {
    const file = configFile('bad-params.json', { jobs: { housekeeping: { params: { runsDays: 'forever', keepAll: true } } } });
    const r = await cli(['worker'], { MFG_ETL_CONFIG: file }, 20_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'mfg-etl: jobs.housekeeping.params.runsDays: expected a number, got "forever"',
      'jobs.housekeeping.params.keepAll: unknown key; known keys: runsDays, inboxDays, reportsDays, historianDays',
    ]);
  });
});

describe('everything is validated at start-up: config, serve and worker refuse the same mistakes', () => {
  it('an unknown job name, an unreadable Odoo CA file, OPC UA Sign without a policy and every section mistake', async () => {
    const file = path.join(app.dir, 'start-up.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        jobs: { housekeepin: { schedule: 'off' } },
        forecast: { colums: {} },
        costs: { priceDigits: 9 },
        inventory: { coverage: 'all' },
      }),
    );
    const env = {
      MFG_ETL_CONFIG: file,
      MFG_ETL_HTTP_PORT: '0',
      MFG_ETL_ODOO_CA_FILE: path.join(app.dir, 'no-such-ca.pem'),
      MFG_ETL_OPCUA_ENDPOINT: 'opc.tcp://historian.plant.local:4840',
      MFG_ETL_OPCUA_SECURITY_MODE: 'Sign',
      MFG_ETL_OPCUA_SECURITY_POLICY: 'None',
    };
    const expectedLines = [
      `MFG_ETL_ODOO_CA_FILE: cannot read ${path.join(app.dir, 'no-such-ca.pem')} (ENOENT)`,
      'MFG_ETL_OPCUA_SECURITY_POLICY: None cannot protect security mode Sign; use e.g. Basic256Sha256',
      'forecast.colums: unknown key (did you mean "columns"?)',
      'costs.priceDigits: expected a number ≤ 6, got 9',
      'inventory.coverage: expected one of "warehouse", "counted_locations", got "all"',
      'jobs.housekeepin: no such job (did you mean "housekeeping"?)',
    ].sort();
    for (const command of ['config', 'serve', 'worker']) {
      const r = await cli([command], env, 20_000);
      expect(r.code, command).toBe(2);
      expect(
        r.stderr
          .trim()
          .replace(/^mfg-etl: /, '')
          .split('\n')
          .sort(),
        command,
      ).toEqual(expectedLines);
    }
  });
});
