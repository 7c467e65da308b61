/**
 * Runs send a heartbeat: a worker killed with SIGKILL leaves a run whose heartbeat stops, and a
 * rerun takes it over after four missed heartbeats (here 1 s each) instead of waiting for the
 * queue's expiry (MFG_ETL_RUN_TIMEOUT_MINUTES, fixed when the dead run was queued). The waiting
 * run says at once what it waits for; a run the operator interrupts leaves nothing queued.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusServer } from '../../app/http/server.ts';
import { Runner } from '../../jobs/runner.ts';
import { getRun, listRuns } from '../../load/ops/runs.ts';
import { BIN } from '../support/cli.ts';
import { request } from '../support/http.ts';
import { registryOf, slowJob } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const WORKER = fileURLToPath(new URL('../support/worker-process.ts', import.meta.url));
let app: TestApp;
const runners: Runner[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  app = await testApp('heartbeat', { MFG_ETL_HEARTBEAT_SECONDS: '1', MFG_ETL_RUN_TIMEOUT_MINUTES: '60' });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const r of runners) await r.stop();
  await app?.cleanup();
});

function runner(job: string, notices?: string[]): Runner {
  const r = new Runner({
    config: app.config,
    db: app.db,
    logger: app.logger,
    registry: registryOf(slowJob(job)),
    notice: notices ? (line) => notices.push(line) : undefined,
  });
  runners.push(r);
  return r;
}

/** A worker process running `job` with a long sleep, once its run is running. */
async function busyWorker(job: string): Promise<{ child: ChildProcess; runId: number; queueJobId: string }> {
  const enqueuer = runner(job);
  await enqueuer.start();
  const run = await enqueuer.enqueue(job, { ms: 600_000 }, { trigger: 'schedule' });
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ...app.env, MFG_ETL_LOG_LEVEL: 'error', MFG_ETL_TEST_JOB: job },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  for (let i = 0; i < 300 && (await getRun(app.db.knex, run.id)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
  expect((await getRun(app.db.knex, run.id)).status).toBe('running');
  return { child, runId: run.id, queueJobId: run.queueJobId! };
}

const queueState = async (id: string | null) =>
  ((await app.db.knex(`${app.config.schema}_queue.job`).where({ id }).first('state')) as { state: string }).state;

describe('a worker killed during a run', () => {
  it('is taken over within seconds by a rerun, which says at once what it waits for', async () => {
    const dead = await busyWorker('crashy');
    const exited = new Promise((resolve) => dead.child.on('close', resolve));
    dead.child.kill('SIGKILL');
    await exited;

    const notices: string[] = [];
    const rerun = runner('crashy', notices);
    await rerun.start();
    const started = Date.now();
    const pending = rerun.runNow('crashy', { ms: 10 });
    for (let i = 0; i < 20 && notices.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(notices[0]).toMatch(
      new RegExp(
        `^waiting for run ${dead.runId} of crashy started by [^ ]+/${dead.child.pid} at \\S+ \\S+, heartbeat \\d+ s ago; taken over at \\S+ \\S+ if it stays silent$`,
      ),
    );
    const last = await pending;
    expect(last).toMatchObject({ status: 'succeeded', job: 'crashy' });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(notices.some((n) => n.startsWith(`run ${dead.runId} of crashy taken over: no heartbeat since`))).toBe(true);

    const abandoned = await getRun(app.db.knex, dead.runId);
    expect(abandoned.status).toBe('failed');
    expect(abandoned.error?.message).toMatch(/stopped sending heartbeats/);
    // the rerun replaces it: the dead run's queue job is not retried later
    expect(await queueState(dead.queueJobId)).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await listRuns(app.db.knex, { job: 'crashy' })).map((r) => r.status)).toEqual(['succeeded', 'failed']);
  }, 60_000);

  it('a running run keeps its heartbeat fresh and is never taken over; the waiting run page says what it waits for', async () => {
    const alive = await busyWorker('steady');
    const r = runner('steady');
    await r.start();
    const queued = await r.enqueue('steady', { ms: 10 }, { trigger: 'manual' });
    await r.work(['steady']);
    await new Promise((res) => setTimeout(res, 6_000));
    const run = await getRun(app.db.knex, alive.runId);
    expect(run.status).toBe('running');
    expect(Date.now() - run.heartbeatAt!.getTime()).toBeLessThan(2_500);
    expect((await getRun(app.db.knex, queued.id)).status).toBe('queued');
    // the queued run's status page says what it waits for
    const server = new StatusServer({
      config: app.config,
      db: app.db,
      logger: app.logger,
      registry: registryOf(slowJob('steady')),
      port: 0,
    });
    const base = await server.listen();
    try {
      const page = await request(`${base}/runs/${queued.id}`);
      expect(page.text).toMatch(
        new RegExp(
          `id="run-waiting">waiting for run ${alive.runId} of steady started by [^<]+/${alive.child.pid} at [^<]+, heartbeat \\d+ s ago; taken over at [^<]+ if it stays silent<`,
        ),
      );
    } finally {
      await server.close();
    }
    alive.child.kill('SIGTERM');
    expect((await r.waitFor(queued.id)).status).toBe('succeeded');
  }, 60_000);
});

describe('a run the operator interrupts', () => {
  it('while it waits (mfg-etl run, SIGINT): its run is cancelled and nothing stays queued', async () => {
    const busy = await busyWorker('housekeeping');
    const cli = spawn(process.execPath, [BIN, 'run', 'housekeeping'], {
      cwd: app.dir,
      env: { PATH: process.env.PATH ?? '', HOME: app.dir, ...app.env, MFG_ETL_LOG_LEVEL: 'error' } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(cli);
    let stderr = '';
    cli.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = new Promise<number | null>((resolve) => cli.on('close', resolve));
    for (let i = 0; i < 200 && !stderr.includes('waiting for run'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toMatch(
      new RegExp(`waiting for run ${busy.runId} of housekeeping started by [^ ]+/${busy.child.pid} at .*heartbeat \\d+ s ago`),
    );
    cli.kill('SIGINT');
    expect(await code).toBe(130);

    const runs = await listRuns(app.db.knex, { job: 'housekeeping' });
    const mine = runs.find((r) => r.id !== busy.runId)!;
    expect(mine).toMatchObject({ status: 'cancelled', trigger: 'manual' });
    expect(await queueState(mine.queueJobId)).toBe('cancelled');
    busy.child.kill('SIGTERM');
  }, 60_000);

  it('while it runs: the run is cancelled, not failed-and-retried', async () => {
    const r = runner('long');
    await r.start();
    const pending = r.runNow('long', { ms: 600_000 });
    for (let i = 0; i < 100 && (await listRuns(app.db.knex, { job: 'long', status: 'running' })).length === 0; i++)
      await new Promise((res) => setTimeout(res, 100));
    const queued = await r.enqueue('long', { ms: 5 }, { trigger: 'schedule' });
    await r.stop({ cancel: true });
    const last = await pending;
    expect(last.status).toBe('cancelled');
    // the run it did not start itself (queued by someone else) is left to the workers
    expect((await getRun(app.db.knex, queued.id)).status).toBe('queued');
    expect(await queueState(queued.queueJobId)).toBe('created');
    const mine = await getRun(app.db.knex, last.id);
    expect(['cancelled', 'completed']).toContain(await queueState(mine.queueJobId));
  }, 60_000);
});
