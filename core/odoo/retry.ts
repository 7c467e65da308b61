/**
 * Retry of transient Odoo failures only, with exponential backoff and full jitter.
 * A failure that may have happened after the server committed (`maybeCommitted`) is retried
 * only for idempotent calls: reads, writes of fixed values, `load` keyed by external id.
 */
import type { Logger } from '../logger.ts';
import type { OdooRetryOptions } from './config.ts';
import { OdooTransientError } from './errors.ts';

export interface RetryScope {
  model?: string;
  method: string;
  idempotent: boolean;
}

export function backoffMs(attempt: number, retry: OdooRetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  // half fixed, half random: spreads concurrent retries without collapsing to zero
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function shouldRetry(err: unknown, scope: RetryScope): err is OdooTransientError {
  return err instanceof OdooTransientError && (scope.idempotent || !err.maybeCommitted);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: () => Promise<T>, scope: RetryScope, retry: OdooRetryOptions, logger: Logger): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!shouldRetry(err, scope) || attempt >= retry.attempts) {
        if (err instanceof OdooTransientError && err.maybeCommitted && !scope.idempotent) {
          logger.warn('odoo call not retried: it may have been committed and is not idempotent', {
            model: scope.model,
            method: scope.method,
            error: err.message,
          });
        }
        throw err;
      }
      const delay = Math.min(retry.maxDelayMs, Math.max(backoffMs(attempt, retry), err.retryAfterMs ?? 0));
      logger.warn('odoo call failed, retrying', {
        model: scope.model,
        method: scope.method,
        attempt,
        of: retry.attempts,
        delayMs: delay,
        error: err.message,
      });
      await sleep(delay);
    }
  }
}
