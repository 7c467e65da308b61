/**
 * `mfg-etl init`: a commented config file and its folders in the current directory, so later
 * commands work without environment variables; `--demo` points at the demo's data; never
 * overwrites a config file unless --force.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { runCli } from '../support/cli.ts';

const dirs: string[] = [];
function tmp(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mfg-etl-init-${name}-`));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const configJson = async (cwd: string, env: Record<string, string> = {}) => {
  const r = await runCli(['config', '--json'], env, cwd);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

describe('mfg-etl init', () => {
  it('writes a commented config file and the folders; later commands need no environment variable', async () => {
    const dir = tmp('plain');
    const r = await runCli(['init'], {}, dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${path.join(dir, 'mfg-etl.config.json')}`);
    for (const folder of [
      'data',
      'inbox/forecasts',
      'inbox/costs',
      'inbox/counts',
      'inbox/quality',
      'inbox/suppliers',
      'inbox/mes',
      'reports',
      'outbox',
    ])
      expect(fs.statSync(path.join(dir, folder)).isDirectory(), folder).toBe(true);
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'mfg-etl.config.json'), 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({ dataDir: './data', inbox: './inbox', reports: './reports', outbox: './outbox' });
    expect(Object.keys(file).filter((k) => k.startsWith('//')).length).toBeGreaterThanOrEqual(3);

    // the comments are accepted and the folders come from the file, with no MFG_ETL_* set
    expect(await configJson(dir)).toMatchObject({
      dataDir: path.join(dir, 'data'),
      inbox: path.join(dir, 'inbox'),
      reports: path.join(dir, 'reports'),
      outbox: path.join(dir, 'outbox'),
      configFile: path.join(dir, 'mfg-etl.config.json'),
    });
    const jobs = await runCli(['run', 'forecast-import', '--dry-run'], {}, dir, 120_000);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stdout).toContain(`DRY RUN: nothing imported from ${path.join(dir, 'inbox', 'forecasts')}`);
    expect(fs.existsSync(path.join(dir, 'data', 'pglite'))).toBe(true);
  }, 180_000);

  it('refuses to overwrite an existing config file (exit 2) unless --force', async () => {
    const dir = tmp('again');
    fs.writeFileSync(path.join(dir, 'mfg-etl.config.json'), '{"schema":"mine"}\n');
    const r = await runCli(['init'], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `mfg-etl: ${path.join(dir, 'mfg-etl.config.json')} exists already: keep it, or overwrite it with mfg-etl init --force`,
    );
    expect(fs.readFileSync(path.join(dir, 'mfg-etl.config.json'), 'utf8')).toBe('{"schema":"mine"}\n');
    const forced = await runCli(['init', '--force'], {}, dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'mfg-etl.config.json'), 'utf8'))).toMatchObject({ dataDir: './data' });
  });

  it("--demo points the folders at the demo's data", async () => {
    const dir = tmp('demo');
    const demo = tmp('demo-data');
    const r = await runCli(['init', '--demo'], { MFG_ETL_DEMO_DIR: demo }, dir);
    expect(r.code, r.stderr).toBe(0);
    expect(await configJson(dir)).toMatchObject({
      dataDir: path.join(demo, 'data'),
      inbox: path.join(demo, 'inbox'),
      reports: path.join(demo, 'reports'),
    });
  });

  it('environment variables still win over the folders of the file; relative folders are relative to the file', async () => {
    const dir = tmp('env');
    expect((await runCli(['init'], {}, dir)).code).toBe(0);
    expect(await configJson(dir, { MFG_ETL_INBOX: '/srv/plant/inbox' })).toMatchObject({
      inbox: '/srv/plant/inbox',
      reports: path.join(dir, 'reports'),
    });
    // from another working directory, through MFG_ETL_CONFIG
    const elsewhere = tmp('elsewhere');
    const config = loadConfig({ MFG_ETL_CONFIG: path.join(dir, 'mfg-etl.config.json') }, elsewhere);
    expect(config.dataDir).toBe(path.join(dir, 'data'));
  });
});
