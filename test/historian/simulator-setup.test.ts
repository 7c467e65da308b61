/**
 * `mfg-etl simulate-plant` as an operator runs it: it listens on 127.0.0.1 unless --host says
 * otherwise, prints the address it listens on, and a historian section (with shifts) that works
 * as printed; historian-extract without shifts says that it makes no shift summaries or scrap rows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHistorianSettings } from '../../core/config/historian.ts';
import { BIN, runCli } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
let sim: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  app = await testApp('simulator-setup');
  sim = spawn(process.execPath, [BIN, 'simulate-plant', '--port', '0', '--days', '0.5', '--sample-seconds', '60', '--machines', '1'], {
    cwd: app.dir,
    env: { PATH: process.env.PATH ?? '', HOME: app.dir, MFG_ETL_DATA_DIR: path.join(app.dir, 'data'), MFG_ETL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  sim.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  sim.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Ctrl-C stops') && Date.now() < deadline && sim.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  if (!output.includes('Ctrl-C stops')) throw new Error(`simulate-plant did not start:\n${output}`);
}, 90_000);

afterAll(async () => {
  if (sim && sim.exitCode === null) {
    const closed = new Promise((resolve) => sim!.once('close', resolve));
    sim.kill('SIGINT');
    await closed;
  }
  await app?.cleanup();
});

function printed(): { endpoint: string; section: { historian: Record<string, unknown> } } {
  const endpoint = /MFG_ETL_OPCUA_ENDPOINT=(\S+)/.exec(output)![1]!;
  const start = output.indexOf('{', output.indexOf('config file section:'));
  const end = output.indexOf('\n}\n', start) + 2;
  return { endpoint, section: JSON.parse(output.slice(start, end)) as { historian: Record<string, unknown> } };
}

/** an address of this machine other than loopback, if it has one */
function otherAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;
}

describe('simulate-plant', () => {
  it('listens on 127.0.0.1 by default and prints that address, not the host name', async () => {
    const { endpoint } = printed();
    expect(endpoint).toMatch(/^opc\.tcp:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/:(\d+)/.exec(endpoint.slice('opc.tcp://'.length))![1]);
    const other = otherAddress();
    if (other) {
      const reached = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, other, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      expect(reached, `reachable on ${other}:${port}`).toBe(false);
    }
  });

  it('prints a historian section with shifts that historian-extract runs as printed, making shift summaries', async () => {
    const { endpoint, section } = printed();
    const settings = parseHistorianSettings(section.historian);
    expect(settings.shifts.length).toBeGreaterThan(0);
    const file = path.join(app.dir, 'printed.json');
    fs.writeFileSync(file, JSON.stringify(section));
    const r = await runCli(
      ['run', 'historian-extract'],
      { ...app.env, MFG_ETL_CONFIG: file, MFG_ETL_OPCUA_ENDPOINT: endpoint },
      app.dir,
      120_000,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/no shifts/i);
    const [{ n }] = (await app.db.knex('historian_shifts').count({ n: '*' })) as [{ n: string }];
    expect(Number(n)).toBeGreaterThan(0);
  }, 150_000);

  it('historian-extract without shifts warns in the log and the run summary that it makes no shift summaries or scrap rows', async () => {
    const { endpoint, section } = printed();
    const file = path.join(app.dir, 'no-shifts.json');
    const { shifts: _s, ...rest } = section.historian;
    fs.writeFileSync(file, JSON.stringify({ historian: rest }));
    const r = await runCli(
      ['run', 'historian-extract'],
      { ...app.env, MFG_ETL_CONFIG: file, MFG_ETL_OPCUA_ENDPOINT: endpoint, MFG_ETL_LOG_LEVEL: 'warn', MFG_ETL_LOG_FORMAT: 'json' },
      app.dir,
      120_000,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no shifts in the historian section.*no shift summaries and no scrap rows/i);
    expect(r.stderr).toMatch(/"level":"warn".*no shifts in the historian section/i);
  }, 150_000);
});
