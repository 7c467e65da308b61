/**
 * Webhook delivery of alerts: a JSON POST whose `text` field Slack and Microsoft Teams incoming
 * webhooks show as the message; the structured incident rides along under `mfg_etl` for other
 * receivers. Transient failures (network, timeout, 429, 5xx) are retried with doubling backoff;
 * other answers fail at once. Never throws: the caller records the failure and tries again later.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/logger.ts';

export interface WebhookMessage {
  text: string;
  mfg_etl: Record<string, unknown>;
}

export interface DeliveryOptions {
  url: string;
  /** tries in all, the first included */
  attempts: number;
  retryDelayMs: number;
  timeoutMs: number;
  logger: Logger;
}

export type DeliveryResult = { ok: true; attempts: number; status: number } | { ok: false; attempts: number; error: string };

class Permanent extends Error {}

async function postOnce(message: WebhookMessage, o: DeliveryOptions): Promise<{ status: number; retryAfterMs?: number }> {
  const res = await fetch(o.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'mfg-etl' },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(o.timeoutMs),
    redirect: 'error',
  });
  const body = (await res.text().catch(() => '')).slice(0, 200);
  if (res.ok) return { status: res.status };
  const detail = `webhook answered HTTP ${res.status}${body ? `: ${body.replace(/\s+/g, ' ')}` : ''}`;
  if (res.status === 429 || res.status >= 500 || res.status === 408) {
    const retryAfter = Number(res.headers.get('retry-after'));
    const err = new Error(detail) as Error & { retryAfterMs?: number };
    if (Number.isFinite(retryAfter) && retryAfter > 0) err.retryAfterMs = Math.min(retryAfter * 1000, 60_000);
    throw err;
  }
  throw new Permanent(detail);
}

export async function deliverWebhook(message: WebhookMessage, o: DeliveryOptions): Promise<DeliveryResult> {
  let lastError = 'not sent';
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    try {
      const { status } = await postOnce(message, o);
      if (attempt > 1) o.logger.info('alert delivered after retrying', { attempt });
      return { ok: true, attempts: attempt, status };
    } catch (err) {
      const e = err as Error & { retryAfterMs?: number; cause?: { code?: string } };
      lastError =
        e.name === 'TimeoutError'
          ? `webhook did not answer within ${o.timeoutMs} ms`
          : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
      const final = err instanceof Permanent || attempt >= o.attempts;
      o.logger.warn(final ? 'alert delivery failed' : 'alert delivery failed, retrying', { attempt, of: o.attempts, error: lastError });
      if (final) return { ok: false, attempts: attempt, error: lastError };
      const backoff = o.retryDelayMs * 2 ** (attempt - 1);
      await sleep(Math.max(backoff / 2 + Math.random() * (backoff / 2), e.retryAfterMs ?? 0));
    }
  }
  return { ok: false, attempts: o.attempts, error: lastError };
}
