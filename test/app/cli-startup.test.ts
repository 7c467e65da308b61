/**
 * CLI start-up: `--help`, `batches` and `jobs` load only what they use. The job registry with every
 * job, exceljs (most of a second), node-opcua, pg-boss and the Odoo client load for the commands that
 * run jobs, not for every command; `--help` loads no zod (a tenth of a second) and `jobs` with the
 * embedded database opens no database. Checked through the packages (CommonJS and ESM) and the
 * project's modules the process loaded, not by wall time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const HOOK = fileURLToPath(new URL('../support/loaded-packages.mjs', import.meta.url));

let app: TestApp;
beforeAll(async () => {
  app = await testApp('cli-startup');
});
afterAll(async () => app?.cleanup());

interface Loaded {
  packages: string[];
  modules: string[];
}

async function loadedBy(args: string[], env: Record<string, string> = {}): Promise<Loaded> {
  const r = await runCli(args, { ...app.env, MFG_ETL_LOG_LEVEL: 'warn', NODE_OPTIONS: `--import=${HOOK}`, ...env }, app.dir);
  expect(r.code, r.stderr).toBe(0);
  const line = (prefix: string) => {
    const found = r.stderr.split('\n').find((l) => l.startsWith(prefix));
    expect(found, r.stderr).toBeDefined();
    return found!.slice(prefix.length).trim().split(' ');
  };
  return { packages: line('loaded-packages:'), modules: line('loaded-modules:') };
}

/** job modules (jobs/<pipeline>/<job>.ts) and the registry that imports them all */
function jobModules(modules: string[]): string[] {
  return modules.filter((m) => /^jobs\/[^/]+\//.test(m) || m === 'jobs/registry.ts');
}

const HEAVY = ['exceljs', 'node-opcua-client', 'node-opcua-secure-channel', 'pg-boss', 'xmlrpc', 'csv-parse', 'prom-client'];

describe('CLI start-up loads only what the command needs', () => {
  it('--help loads neither the database driver nor the logger nor zod nor any job', async () => {
    const { packages, modules } = await loadedBy(['--help']);
    for (const name of [...HEAVY, 'knex', 'pg', 'winston', 'zod']) expect(packages).not.toContain(name);
    expect(packages).toContain('commander');
    expect(jobModules(modules)).toEqual([]);
  }, 60_000);

  it('batches opens the database but loads no job, workbook, OPC UA or queue package', async () => {
    const { packages, modules } = await loadedBy(['batches']);
    expect(packages).toContain('knex');
    for (const name of HEAVY) expect(packages).not.toContain(name);
    expect(jobModules(modules)).toEqual([]);
  }, 60_000);

  it('jobs knows every job from the catalog without loading one, and reads the last runs from PostgreSQL', async () => {
    const { packages, modules } = await loadedBy(['jobs']);
    for (const name of HEAVY) expect(packages).not.toContain(name);
    expect(packages).toContain('knex');
    expect(modules).toContain('jobs/catalog.ts');
    expect(jobModules(modules)).toEqual([]);
  }, 60_000);

  it('jobs with the embedded database opens no database at all (it is slow to open and a daemon may hold it)', async () => {
    const env = { MFG_ETL_DATABASE_URL: '' };
    const { packages, modules } = await loadedBy(['jobs'], env);
    for (const name of [...HEAVY, 'knex', 'pg', '@electric-sql/pglite', 'winston']) expect(packages).not.toContain(name);
    expect(jobModules(modules)).toEqual([]);
    const r = await runCli(['jobs'], { ...app.env, ...env }, app.dir);
    expect(r.stdout).toMatch(/^housekeeping +30 3 \* \* \* /m);
    expect(r.stdout).not.toContain('LAST RUN');
    expect(r.stdout).toContain('last runs: mfg-etl jobs --last-run');
    expect(fs.existsSync(path.join(app.env.MFG_ETL_DATA_DIR!, 'pglite'))).toBe(false);
  }, 60_000);
});
