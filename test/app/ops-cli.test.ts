/**
 * The real binary: `mfg-etl serve` and `mfg-etl start` serve the status page and evaluate alerts,
 * stop on SIGTERM; `mfg-etl hash-password` makes users-file lines; bad settings exit 2.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../core/config.ts';
import { parseUsers, verifyPassword } from '../../app/http/auth.ts';
import { createRun, finishRun } from '../../load/ops/runs.ts';
import { BIN, runCli } from '../support/cli.ts';
import { request, startWebhookReceiver, type WebhookReceiver } from '../support/http.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
let hook: WebhookReceiver;
const children: ChildProcess[] = [];

beforeAll(async () => {
  app = await testApp('opscli');
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await hook?.close();
  await app?.cleanup();
});

function childEnv(extra: Env): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? app.dir };
  for (const [k, v] of Object.entries({ ...app.env, MFG_ETL_LOG_FORMAT: 'json', MFG_ETL_LOG_LEVEL: 'info', ...extra }))
    if (v !== undefined) env[k] = v;
  return env;
}

/** Starts the binary and waits for a line of its output that matches. */
function daemon(
  args: string[],
  extra: Env,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: app.dir, env: childEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${ready} within 30 s:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, output: () => output, exit });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ${ready}:\n${output}`));
    });
  });
}

function hashCli(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'hash-password', ...args], {
      cwd: app.dir,
      env: childEnv({}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('mfg-etl serve / start', () => {
  it('serve answers /healthz, sends the alert of a dead run to the webhook, and stops on SIGTERM', async () => {
    const dead = await createRun(app.db.knex, { job: 'housekeeping', trigger: 'manual' });
    await finishRun(app.db.knex, dead.id, 'dead', {}, { message: 'disk full', class: 'Error' });
    const { child, match, exit } = await daemon(
      ['serve'],
      { MFG_ETL_HTTP_PORT: '0', MFG_ETL_ALERT_WEBHOOK_URL: hook.url, MFG_ETL_ALERT_INTERVAL_SECONDS: '1' },
      /status page: (http:\/\/127\.0\.0\.1:\d+)\//,
    );
    const base = match[1]!;
    expect((await request(`${base}/healthz`)).status).toBe(200);
    expect((await request(`${base}/`)).text).toContain('data-job="housekeeping"');
    for (let i = 0; i < 100 && !hook.bodies.some((b) => (b.mfg_etl as { key: string }).key === `dead:${dead.id}`); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(hook.bodies.map((b) => b.text)).toContain(
      `🔴 mfg-etl alert: housekeeping: run ${dead.id} failed for good and is in the dead letters: disk full`,
    );
    child.kill('SIGTERM');
    expect(await exit).toBe(130);
    await expect(request(`${base}/healthz`)).rejects.toThrow();
  });

  it('start runs the status page along with the scheduler and worker', async () => {
    const { child, match, exit } = await daemon(
      ['start'],
      { MFG_ETL_HTTP_PORT: '0' },
      /"message":"mfg-etl running".*?"statusPage":"(http:\/\/127\.0\.0\.1:\d+)\/"/,
    );
    const base = match[1]!;
    expect((await request(`${base}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exit).toBe(130);
  });

  it('exits 2 with one line for a bad port, a port in use and a broken users file', async () => {
    const env = { ...app.env, MFG_ETL_LOG_LEVEL: 'warn' };
    const bad = await runCli(['serve'], { ...env, MFG_ETL_HTTP_PORT: '70000' }, app.dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('mfg-etl: MFG_ETL_HTTP_PORT: expected a port number 0–65535, or off, got "70000"');

    const busy = http.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const inUse = await runCli(['serve'], { ...env, MFG_ETL_HTTP_PORT: String(port) }, app.dir);
      expect(inUse.code).toBe(2);
      expect(inUse.stderr.trim()).toBe(
        `mfg-etl: cannot serve the status page on 127.0.0.1:${port}: the port is in use; set MFG_ETL_HTTP_HOST / MFG_ETL_HTTP_PORT`,
      );
    } finally {
      busy.close();
    }

    const users = path.join(app.dir, 'users');
    fs.writeFileSync(users, '# users\nanna:plaintext-password\n');
    const broken = await runCli(['serve'], { ...env, MFG_ETL_HTTP_PORT: '0', MFG_ETL_HTTP_USERS_FILE: users }, app.dir);
    expect(broken.code).toBe(2);
    expect(broken.stderr.trim()).toBe(
      `mfg-etl: MFG_ETL_HTTP_USERS_FILE ${users} line 2: the password hash of "anna" is not an scrypt hash from "mfg-etl hash-password"`,
    );

    const badSection = path.join(app.dir, 'bad.json');
    fs.writeFileSync(badSection, JSON.stringify({ alerts: { approvalWaitHours: -1 } }));
    const section = await runCli(['serve'], { ...env, MFG_ETL_HTTP_PORT: '0', MFG_ETL_CONFIG: badSection }, app.dir);
    expect(section.code).toBe(2);
    expect(section.stderr.trim()).toMatch(/^mfg-etl: alerts\.approvalWaitHours: expected /);
  });
});

describe('mfg-etl hash-password', () => {
  it('prints a users-file line whose hash verifies the password read from stdin', async () => {
    const r = await hashCli(['--user', 'anna', '--name', 'Anna Planner'], 'correct horse battery\n');
    expect(r.code).toBe(0);
    const line = r.stdout.trim();
    expect(line).toMatch(/^anna:scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+:Anna Planner$/);
    const user = parseUsers(line, 'users').get('anna')!;
    expect(user.name).toBe('Anna Planner');
    expect(await verifyPassword('correct horse battery', user.hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', user.hash)).toBe(false);
    expect(r.stdout + r.stderr).not.toContain('correct horse battery');
  });

  it('refuses a short password with exit 2', async () => {
    const r = await hashCli([], 'short\n');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('mfg-etl: the password must have at least 8 characters');
  });
});
