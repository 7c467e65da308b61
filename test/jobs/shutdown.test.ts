import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner } from '../../jobs/runner.ts';
import { getRun, listRuns } from '../../load/ops/runs.ts';
import { registryOf, slowJob } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp('shutdown');
});
afterAll(async () => app?.cleanup());

const WORKER = fileURLToPath(new URL('../support/worker-process.ts', import.meta.url));

describe('graceful shutdown', () => {
  it('SIGTERM during a run leaves it failed-and-retryable, and the next worker finishes it', async () => {
    const registry = registryOf(slowJob('slow'));
    const enqueuer = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
    await enqueuer.start();
    const run = await enqueuer.enqueue('slow', { ms: 60_000, retryMs: 5 }, { trigger: 'manual' });

    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: { ...process.env, ...app.env, MFG_ETL_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 200 && (await getRun(app.db.knex, run.id)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await getRun(app.db.knex, run.id)).status).toBe('running');

    const sentAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(10_000);

    const interrupted = await getRun(app.db.knex, run.id);
    expect(interrupted.status).toBe('failed');
    expect(interrupted.error?.class).toBe('InterruptedError');
    const queued = await app.db.knex(`${app.config.schema}_queue.job`).where({ id: interrupted.queueJobId }).first('state');
    expect(queued.state).toBe('retry');

    await enqueuer.work(['slow']);
    const last = await enqueuer.waitFor(run.id);
    expect(last).toMatchObject({ status: 'succeeded', attempt: 2, trigger: 'retry' });
    expect((await listRuns(app.db.knex, { job: 'slow' })).length).toBe(2);
    await enqueuer.stop();
  }, 60_000);
});
