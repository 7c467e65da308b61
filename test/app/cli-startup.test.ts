/**
 * CLI start-up: `--help`, `batches` and `jobs` load only what they use. The job registry with every
 * job, exceljs (most of a second), node-opcua, pg-boss and the Odoo client load for the commands that
 * run jobs, not for every command. Checked through the CommonJS packages the process loaded.
 */
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

async function packagesLoadedBy(args: string[]): Promise<string[]> {
  const r = await runCli(args, { ...app.env, MFG_ETL_LOG_LEVEL: 'warn', NODE_OPTIONS: `--import=${HOOK}` }, app.dir);
  expect(r.code, r.stderr).toBe(0);
  const line = r.stderr.split('\n').find((l) => l.startsWith('loaded-packages:'));
  expect(line, r.stderr).toBeDefined();
  return line!.slice('loaded-packages:'.length).trim().split(' ');
}

const HEAVY = ['exceljs', 'node-opcua-client', 'node-opcua-secure-channel', 'pg-boss', 'xmlrpc', 'csv-parse', 'prom-client'];

describe('CLI start-up loads only what the command needs', () => {
  it('--help loads neither the database driver nor the logger nor any job', async () => {
    const loaded = await packagesLoadedBy(['--help']);
    for (const name of [...HEAVY, 'knex', 'pg', 'winston']) expect(loaded).not.toContain(name);
  }, 60_000);

  it('batches opens the database but loads no job, workbook, OPC UA or queue package', async () => {
    const loaded = await packagesLoadedBy(['batches']);
    expect(loaded).toContain('knex');
    for (const name of HEAVY) expect(loaded).not.toContain(name);
  }, 60_000);

  it('jobs knows every job without loading exceljs or node-opcua', async () => {
    const loaded = await packagesLoadedBy(['jobs']);
    for (const name of ['exceljs', 'node-opcua-client', 'node-opcua-secure-channel', 'pg-boss']) expect(loaded).not.toContain(name);
  }, 60_000);
});
