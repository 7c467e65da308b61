import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner } from '../../jobs/runner.ts';
import { listDeadLetters, listRuns } from '../../load/ops/runs.ts';
import { flakyJob, permanentFailureJob, registryOf, slowJob } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
const runners: Runner[] = [];
const tracker = { active: 0, maxActive: 0 };
const registry = registryOf(flakyJob('flaky', 1), flakyJob('always-fails', 99), permanentFailureJob('bad-data'), slowJob('slow', tracker));

function runner(): Runner {
  const r = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  runners.push(r);
  return r;
}

beforeAll(async () => {
  app = await testApp('runner', { MFG_ETL_RETRY_LIMIT: '2' });
});
afterAll(async () => {
  for (const r of runners) await r.stop();
  await app?.cleanup();
});

describe('runner', () => {
  it('retries a failing run as a new attempt and succeeds', async () => {
    const r = runner();
    await r.start();
    const last = await r.runNow('flaky', {});
    expect(last).toMatchObject({ status: 'succeeded', trigger: 'retry', attempt: 2, stats: { calls: 2 } });
    const runs = await listRuns(app.db.knex, { job: 'flaky' });
    expect(runs.map((x) => [x.attempt, x.status])).toEqual([
      [2, 'succeeded'],
      [1, 'failed'],
    ]);
    expect(runs[1]!.error?.message).toBe('flaky failure 1');
  });

  it('backs off between attempts and lands in dead letters after the retry limit; replay runs it again', async () => {
    const r = runner();
    await r.start();
    const last = await r.runNow('always-fails', { note: 'x' });
    expect(last).toMatchObject({ status: 'dead', attempt: 3 });
    const attempts = (await listRuns(app.db.knex, { job: 'always-fails' })).reverse();
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'dead']);
    const gap = (i: number) => attempts[i + 1]!.startedAt!.getTime() - attempts[i]!.finishedAt!.getTime();
    // retryDelay 1 s with exponential backoff: about 1–2 s, then 2–4 s
    expect(gap(0)).toBeGreaterThanOrEqual(900);
    expect(gap(1)).toBeGreaterThanOrEqual(1900);

    const dead = await listDeadLetters(app.db.knex);
    expect(dead.map((d) => d.id)).toContain(last.id);

    const replay = await r.replay(last.id);
    expect(replay).toMatchObject({ trigger: 'replay', replayOf: last.id, params: { note: 'x' } });
    expect((await listDeadLetters(app.db.knex)).map((d) => d.id)).not.toContain(last.id);
    await expect(r.replay(last.id)).rejects.toThrow(/already replayed/);
  });

  it('does not retry a permanent error', async () => {
    const r = runner();
    await r.start();
    const run = await r.runNow('bad-data', {});
    expect(run).toMatchObject({ status: 'dead', attempt: 1 });
    expect(run.error).toMatchObject({ class: 'DataValidationError', context: { row: 3 } });
    expect((await listRuns(app.db.knex, { job: 'bad-data' })).length).toBe(1);
  });

  it('refuses bad parameters before queueing anything', async () => {
    const r = runner();
    await r.start();
    await expect(r.enqueue('slow', { ms: 'soon' }, { trigger: 'manual' })).rejects.toThrow(/parameter ms/);
    expect((await listRuns(app.db.knex, { job: 'slow' })).length).toBe(0);
  });

  it('never runs the same job twice at once, even with two workers', async () => {
    const a = runner();
    const b = runner();
    await Promise.all([a.start(), b.start()]);
    const runs = await Promise.all([1, 2, 3].map(() => a.enqueue('slow', { ms: 400 }, { trigger: 'manual' })));
    await Promise.all([a.work(['slow']), b.work(['slow'])]);
    const done = await Promise.all(runs.map((run) => a.waitFor(run.id)));
    expect(done.map((d) => d.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(tracker.maxActive).toBe(1);
    const intervals = done.map((d) => [d.startedAt!.getTime(), d.finishedAt!.getTime()] as const).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]![0]).toBeGreaterThanOrEqual(intervals[i - 1]![1]);
  });

  it('a stop during a run marks it interrupted and another worker retries it', async () => {
    const first = runner();
    await first.start();
    const run = await first.enqueue('slow', { ms: 30_000, retryMs: 10 }, { trigger: 'manual' });
    await first.work(['slow']);
    for (let i = 0; i < 100 && (await listRuns(app.db.knex, { job: 'slow', status: 'running' })).length === 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
    }
    await first.stop();
    const interrupted = (await listRuns(app.db.knex, { job: 'slow' })).find((x) => x.id === run.id)!;
    expect(interrupted.status).toBe('failed');
    expect(interrupted.error?.class).toBe('InterruptedError');

    const second = runner();
    await second.start();
    await second.work(['slow']);
    const last = await second.waitFor(run.id);
    expect(last).toMatchObject({ status: 'succeeded', trigger: 'retry', attempt: 2, stats: { slept: 10 } });
  }, 90_000);
});
