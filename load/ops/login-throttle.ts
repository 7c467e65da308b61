/**
 * Failed status page logins, throttled per user AND client address together, in the database
 * (http_login_failures) so every process of a deployment counts the same failures. After a few
 * free failures each further try of that pair waits a short, growing delay (doubling, capped):
 * guessing gets slow, while the real user (at another address, or after a typo) is never locked out.
 * Failures are forgotten after the window without one, and on success.
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';

export interface ThrottlePolicy {
  /** failures of a pair without any delay */
  freeFailures: number;
  /** the first delay; doubles with each further failure */
  baseDelayMs: number;
  maxDelayMs: number;
  /** failures older than this are forgotten */
  windowMinutes: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 10_000, windowMinutes: 15 };

export class LoginThrottle {
  private readonly policy: ThrottlePolicy;

  constructor(
    private readonly knex: Knex,
    policy: Partial<ThrottlePolicy> = {},
  ) {
    this.policy = { ...DEFAULT_THROTTLE, ...policy };
  }

  private static key(login: string, address: string): [string, string] {
    return [login.trim().toLowerCase().slice(0, 64), address.slice(0, 64)];
  }

  /** the delay after `failures` failures */
  delayAfter(failures: number): number {
    const { freeFailures, baseDelayMs, maxDelayMs } = this.policy;
    if (failures <= freeFailures) return 0;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures - freeFailures - 1, 30));
  }

  /** how long the next try of this pair must wait (0: at once) */
  async delayMs(login: string, address: string): Promise<number> {
    const rows = await runSql<{ failures: number; since_ms: number }>(this.knex, 'ops/login_failure_wait', [
      ...LoginThrottle.key(login, address),
      this.policy.windowMinutes,
    ]);
    const row = rows[0];
    if (!row) return 0;
    return Math.max(0, Math.round(this.delayAfter(row.failures) - row.since_ms));
  }

  async fail(login: string, address: string): Promise<number> {
    const rows = await runSql<{ failures: number }>(this.knex, 'ops/login_failure_record', [
      ...LoginThrottle.key(login, address),
      this.policy.windowMinutes,
    ]);
    return rows[0]!.failures;
  }

  async succeed(login: string, address: string): Promise<void> {
    await runSql(this.knex, 'ops/login_failure_clear', [...LoginThrottle.key(login, address), this.policy.windowMinutes]);
  }
}
