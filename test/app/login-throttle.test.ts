/**
 * The login throttle: per user AND address together, a short growing delay instead of a
 * lock-out, shared by every process through the database, never cleared wholesale.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../load/ops/login-throttle.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp('login-throttle');
});
afterAll(async () => app?.cleanup());

const policy = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 10_000, windowMinutes: 15 };

describe('login throttle', () => {
  it('delays only the user and address that failed, growing with each failure up to a short maximum, never refusing', async () => {
    const t = new LoginThrottle(app.db.knex, policy);
    expect(await t.delayMs('anna', '10.0.0.1')).toBe(0);
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      await t.fail('anna', '10.0.0.1');
      delays.push(await t.delayMs('anna', '10.0.0.1'));
    }
    // free tries first, then growing, capped
    expect(delays.slice(0, 3)).toEqual([0, 0, 0]);
    for (let i = 4; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(Math.min(delays[i - 1]!, 9000));
    expect(delays[3]!).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
    // the victim elsewhere, and other users at the attacker's address, are not slowed down
    expect(await t.delayMs('anna', '10.0.0.2')).toBe(0);
    expect(await t.delayMs('bob', '10.0.0.1')).toBe(0);
    // login names are case-insensitive
    expect(await t.delayMs('ANNA', '10.0.0.1')).toBeGreaterThan(0);
  });

  it('is shared through the database: another process sees the failures', async () => {
    const a = new LoginThrottle(app.db.knex, policy);
    const b = new LoginThrottle(app.db.knex, policy);
    for (let i = 0; i < 5; i++) await a.fail('carl', '10.0.0.9');
    expect(await b.delayMs('carl', '10.0.0.9')).toBeGreaterThan(0);
    await b.succeed('carl', '10.0.0.9');
    expect(await a.delayMs('carl', '10.0.0.9')).toBe(0);
  });

  it('is not cleared when many other keys fail (no wholesale reset at 10,000 keys)', async () => {
    const t = new LoginThrottle(app.db.knex, policy);
    for (let i = 0; i < 6; i++) await t.fail('dora', '10.0.0.7');
    await app.db.knex.raw(
      `insert into http_login_failures (login, address, failures, last_failure_at)
       select 'spray' || g, '10.9.' || (g / 256) || '.' || (g % 256), 1, now() from generate_series(1, 10050) g`,
    );
    for (let i = 0; i < 3; i++) await t.fail(`other${i}`, '10.0.0.8');
    expect(await t.delayMs('dora', '10.0.0.7')).toBeGreaterThan(0);
  });

  it('forgets failures older than the window', async () => {
    const t = new LoginThrottle(app.db.knex, policy);
    for (let i = 0; i < 6; i++) await t.fail('emil', '10.0.0.5');
    await app.db
      .knex('http_login_failures')
      .where({ login: 'emil' })
      .update({ last_failure_at: app.db.knex.raw("now() - interval '16 minutes'") });
    expect(await t.delayMs('emil', '10.0.0.5')).toBe(0);
  });
});
