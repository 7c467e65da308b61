import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { defaultRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { effectiveSchedules, nextFireTime } from '../../schedules/schedule.ts';
import { fireSlot, Scheduler, slotOf } from '../../schedules/scheduler.ts';
import { registryOf, slowJob } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
const registry = registryOf(slowJob('tick'));
const runners: Runner[] = [];

beforeAll(async () => {
  app = await testApp('scheduler');
});
afterAll(async () => {
  for (const r of runners) await r.stop();
  await app?.cleanup();
});

async function startedRunner(): Promise<Runner> {
  const r = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  runners.push(r);
  await r.start();
  return r;
}

describe('scheduler', () => {
  it('enqueues a slot once when two schedulers fire it at the same moment', async () => {
    const [a, b] = await Promise.all([startedRunner(), startedRunner()]);
    const slot = new Date('2026-11-26T06:00:00Z');
    const results = await Promise.all([
      fireSlot(app.db.knex, a, 'tick', slot),
      fireSlot(app.db.knex, b, 'tick', slot),
      fireSlot(app.db.knex, a, 'tick', slot),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const runs = await app.db.knex('job_runs').where({ job: 'tick', slot_at: slot });
    expect(runs).toHaveLength(1);
    expect(runs[0].trigger).toBe('schedule');
  });

  it('two running schedulers on a per-second cron enqueue every slot exactly once', async () => {
    const schedules = [{ job: 'tick', cron: '* * * * * *', timezone: 'UTC' }];
    const [a, b] = await Promise.all([startedRunner(), startedRunner()]);
    const s1 = new Scheduler(app.db.knex, a, schedules, app.logger);
    const s2 = new Scheduler(app.db.knex, b, schedules, app.logger);
    const since = new Date();
    s1.start();
    s2.start();
    await new Promise((res) => setTimeout(res, 3500));
    await Promise.all([s1.stop(), s2.stop()]);
    const perSlot = await app.db
      .knex('job_runs')
      .where('slot_at', '>=', since)
      .groupBy('slot_at')
      .select('slot_at', app.db.knex.raw('count(*)::int as n'));
    expect(perSlot.length).toBeGreaterThanOrEqual(2);
    expect(perSlot.every((row: { n: number }) => row.n === 1)).toBe(true);
  });

  it('truncates a tick to its cron resolution', () => {
    const at = new Date('2026-11-26T06:00:41.250Z');
    expect(slotOf(at, '0 6 * * *').toISOString()).toBe('2026-11-26T06:00:00.000Z');
    expect(slotOf(at, '*/5 * * * * *').toISOString()).toBe('2026-11-26T06:00:41.000Z');
  });
});

describe('schedules from configuration', () => {
  const base = { MFG_ETL_TIMEZONE: 'Europe/Berlin' };
  const reg = registryOf(slowJob('a'), { ...slowJob('b'), schedule: '0 2 * * *' });

  it('uses the job default, an override, or nothing for "off"', () => {
    const config = { ...loadConfig(base, '/'), jobs: { a: { schedule: 'off' }, b: { schedule: '15 4 * * 1-5' } } };
    expect(effectiveSchedules(reg, config)).toEqual([{ job: 'b', cron: '15 4 * * 1-5', timezone: 'Europe/Berlin' }]);
  });

  it('computes the next fire time in the plant time zone', () => {
    const next = nextFireTime({ job: 'b', cron: '0 2 * * *', timezone: 'Europe/Berlin' })!;
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(next);
    expect(local).toBe('02:00');
    expect(next.getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses an invalid cron expression and an unknown job name', () => {
    const bad = { ...loadConfig(base, '/'), jobs: { b: { schedule: 'every day' } } };
    expect(() => effectiveSchedules(reg, bad)).toThrow(ConfigError);
    expect(() => effectiveSchedules(reg, bad)).toThrow(
      'jobs.b.schedule: expected a cron expression (5 or 6 fields) or "off", got "every day"',
    );
    const unknown = { ...loadConfig(base, '/'), jobs: { nope: {} } };
    expect(() => effectiveSchedules(reg, unknown)).toThrow('jobs.nope: no such job; valid jobs: a, b');
  });
});

describe('next fire time of a job that runs on some of its cron slots only', () => {
  const monthEnd = (timezone: string) =>
    effectiveSchedules(defaultRegistry(), { ...loadConfig({ MFG_ETL_TIMEZONE: timezone }, '/'), jobs: {} }).find(
      (s) => s.job === 'inventory-reconciliation-month-end',
    )!;
  const at = (now: string, timezone: string) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(now));
      return nextFireTime(monthEnd(timezone))?.toISOString();
    } finally {
      vi.useRealTimers();
    }
  };

  it('the month-end reconciliation shows the last day of the month, not the 28th', () => {
    expect(at('2026-04-10T12:00:00Z', 'Europe/Berlin')).toBe('2026-04-30T21:00:00.000Z');
    // February of a leap year, and the day after a month end
    expect(at('2028-02-27T12:00:00Z', 'Europe/Berlin')).toBe('2028-02-29T22:00:00.000Z');
    expect(at('2026-05-31T22:00:00Z', 'America/New_York')).toBe('2026-06-01T03:00:00.000Z');
    expect(at('2026-06-01T04:00:00Z', 'America/New_York')).toBe('2026-07-01T03:00:00.000Z');
  });
});
