import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

// The embedded default: no database URL at all, PGlite in the data folder.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-pglite-'));
const env = { MFG_ETL_DATA_DIR: path.join(dir, 'data'), MFG_ETL_LOG_LEVEL: 'warn' };
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('embedded PGlite default', () => {
  it('runs housekeeping end to end with no database URL and keeps history between runs', async () => {
    const first = await runCli(['run', 'housekeeping', '--json'], env, dir, 120_000);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ job: 'housekeeping', status: 'succeeded' });
    expect(fs.existsSync(path.join(dir, 'data', 'pglite', 'PG_VERSION'))).toBe(true);

    const history = await runCli(['history', '--json'], env, dir, 120_000);
    expect(history.code).toBe(0);
    const runs = JSON.parse(history.stdout) as { job: string; status: string }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ job: 'housekeeping', status: 'succeeded' });
  }, 240_000);
});
