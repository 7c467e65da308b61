/**
 * Optional HTTP delivery of MES messages: POST the B2MML document to mes.url with the bearer token
 * MFG_ETL_MES_TOKEN. Transient failures (network, timeout, 408, 429, 5xx) are retried with
 * doubling backoff up to mes.deliveryAttempts; other answers fail at once. Never throws: the
 * caller keeps the file, records the error and retries on the next run. The token never appears
 * in an error text (errors pass through the redactor before they are stored or logged).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/logger.ts';

export interface MesDeliveryOptions {
  url: string;
  token?: string;
  attempts: number;
  retryDelayMs: number;
  timeoutMs: number;
  logger: Logger;
}

export type MesDeliveryResult = { ok: true; attempts: number; status: number } | { ok: false; attempts: number; error: string };

class Permanent extends Error {}

async function postOnce(body: string, o: MesDeliveryOptions): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/xml; charset=utf-8', 'user-agent': 'mfg-etl' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const res = await fetch(o.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(o.timeoutMs), redirect: 'error' });
  const text = (await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
  if (res.ok) return res.status;
  const detail = `the MES answered HTTP ${res.status}${text ? `: ${text}` : ''}`;
  if (res.status === 408 || res.status === 429 || res.status >= 500) throw new Error(detail);
  throw new Permanent(detail);
}

export async function deliverMessage(body: string, o: MesDeliveryOptions): Promise<MesDeliveryResult> {
  let lastError = 'not sent';
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    try {
      const status = await postOnce(body, o);
      return { ok: true, attempts: attempt, status };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      lastError =
        e.name === 'TimeoutError'
          ? `the MES did not answer within ${o.timeoutMs} ms`
          : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
      const final = err instanceof Permanent || attempt >= o.attempts;
      o.logger.warn(final ? 'MES delivery failed' : 'MES delivery failed, retrying', { attempt, of: o.attempts, error: lastError });
      if (final) return { ok: false, attempts: attempt, error: lastError };
      await sleep(o.retryDelayMs * 2 ** (attempt - 1));
    }
  }
  return { ok: false, attempts: o.attempts, error: lastError };
}
