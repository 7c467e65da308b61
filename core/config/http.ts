/**
 * The config file's `http` and `alerts` sections (environment variables for host, port, users
 * file, webhook URL and interval live in core/config.ts). Validated here, on start-up of
 * `mfg-etl serve` / `start`, with the same ConfigError (one line per mistake) as the rest of the configuration.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { expected, parseSection } from './mistakes.ts';

export const httpSectionSchema = z
  .object({
    /** how long a login lasts */
    sessionHours: z
      .number()
      .positive()
      .max(24 * 30)
      .default(12),
    /** mark cookies Secure (set when the page is served over HTTPS by a reverse proxy) */
    secureCookies: z.boolean().default(false),
    /**
     * No longer a choice: with users configured every page needs a login. `true` is accepted
     * (older config files), `false` is refused by the status server.
     */
    loginRequired: z.boolean().optional(),
    /**
     * address of the status page as people reach it (behind a reverse proxy): links in alerts, the
     * Host names the server answers to, and the Origin its forms accept
     */
    publicUrl: z.url({ protocol: /^https?$/, ...expected('an http:// or https:// URL') }).optional(),
  })
  .strict();

export const alertsSectionSchema = z
  .object({
    /** a validated batch waiting for a person longer than this raises an alert */
    approvalWaitHours: z.number().positive().default(24),
    /** value of a reconciliation's discrepancies (absolute, company currency) above which an alert is sent; null: never */
    reconciliationValueThreshold: z.number().nonnegative().nullable().default(1000),
    /** delivery tries per message and evaluation (first included), with doubling backoff */
    attempts: z.number().int().min(1).max(10).default(4),
    /** first backoff between tries */
    retryDelayMs: z.number().int().min(0).default(1000),
    /** timeout of one webhook request */
    timeoutMs: z.number().int().min(100).default(10_000),
  })
  .strict();

export type HttpSettings = z.infer<typeof httpSectionSchema>;
export type AlertSettings = z.infer<typeof alertsSectionSchema>;

export function httpSettings(config: Pick<Config, 'file'>): HttpSettings {
  return parseSection('http', httpSectionSchema, config.file.http);
}

export function alertSettings(config: Pick<Config, 'file'>): AlertSettings {
  return parseSection('alerts', alertsSectionSchema, config.file.alerts);
}
