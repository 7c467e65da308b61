/**
 * Odoo client options: one zod schema, the option types are inferred from it.
 * `odooOptionsFromEnv` reads the MFG_ETL_ODOO_* variables (API key also from a `_FILE`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { expected } from '../config/mistakes.ts';
import { ConfigError } from '../errors.ts';

export const OdooProtocolSchema = z.enum(['auto', 'xmlrpc', 'json2']);
export type OdooProtocolSetting = z.infer<typeof OdooProtocolSchema>;

export const OdooRetrySchema = z.object({
  /** tries in all, the first included */
  attempts: z.number().int().min(1).max(20).default(4),
  /** first backoff; doubles on every retry, with jitter */
  baseDelayMs: z.number().int().min(0).default(500),
  maxDelayMs: z.number().int().min(0).default(30_000),
});

export const OdooOptionsSchema = z.object({
  url: z.url({ protocol: /^https?$/, ...expected('an http:// or https:// URL') }).transform((value) => value.replace(/\/+$/, '')),
  db: z.string().min(1),
  user: z.string().min(1),
  /** API key (works as the XML-RPC password too) */
  apiKey: z.string().min(1),
  protocol: OdooProtocolSchema.default('auto'),
  /** company id, sent as `allowed_company_ids` in the context of every call */
  company: z.number().int().positive().optional(),
  concurrency: z.number().int().min(1).max(64).default(2),
  batchSize: z.number().int().min(1).max(100_000).default(500),
  timeoutMs: z.number().int().min(100).default(60_000),
  /** extra CA certificate (PEM); certificates are always verified */
  caFile: z.string().min(1).optional(),
  retry: OdooRetrySchema.prefault({}),
  /** context sent with every call (e.g. lang) */
  context: z.record(z.string(), z.unknown()).default({}),
});

export type OdooOptions = z.infer<typeof OdooOptionsSchema>;
export type OdooOptionsInput = z.input<typeof OdooOptionsSchema>;
export type OdooRetryOptions = z.infer<typeof OdooRetrySchema>;

export function parseOdooOptions(input: unknown): OdooOptions {
  const parsed = OdooOptionsSchema.safeParse(input);
  if (!parsed.success) {
    // zod issues name the path and the rule, never the value: the API key cannot leak here
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid Odoo options: ${detail}`);
  }
  return parsed.data;
}

type Env = Record<string, string | undefined>;

function envNumber(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigError(`${name} must be a number`, { context: { variable: name } });
  return value;
}

function envApiKey(env: Env): string | undefined {
  const file = env.MFG_ETL_ODOO_API_KEY_FILE;
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`cannot read MFG_ETL_ODOO_API_KEY_FILE (${file})`, { cause: err });
    }
  }
  return env.MFG_ETL_ODOO_API_KEY;
}

/** Options from MFG_ETL_ODOO_* environment variables. */
export function odooOptionsFromEnv(env: Env = process.env): OdooOptions {
  return parseOdooOptions({
    url: env.MFG_ETL_ODOO_URL,
    db: env.MFG_ETL_ODOO_DB,
    user: env.MFG_ETL_ODOO_USER,
    apiKey: envApiKey(env),
    protocol: env.MFG_ETL_ODOO_PROTOCOL || undefined,
    company: envNumber(env, 'MFG_ETL_ODOO_COMPANY'),
    concurrency: envNumber(env, 'MFG_ETL_ODOO_CONCURRENCY'),
    batchSize: envNumber(env, 'MFG_ETL_ODOO_BATCH_SIZE'),
    timeoutMs: envNumber(env, 'MFG_ETL_ODOO_TIMEOUT_MS'),
    caFile: env.MFG_ETL_ODOO_CA_FILE || undefined,
  });
}

/** Options from the validated application configuration (MFG_ETL_ODOO_*), or undefined when Odoo is not configured. */
export function odooOptionsFromConfig(config: {
  odooUrl?: string;
  odooDb?: string;
  odooUser?: string;
  odooApiKey?: string;
  odooProtocol: OdooProtocolSetting;
  odooCompany?: number;
  odooConcurrency: number;
  odooBatchSize: number;
  odooTimeoutMs: number;
  odooCaFile?: string;
}): OdooOptions | undefined {
  if (!config.odooUrl || !config.odooDb || !config.odooUser || !config.odooApiKey) return undefined;
  return parseOdooOptions({
    url: config.odooUrl,
    db: config.odooDb,
    user: config.odooUser,
    apiKey: config.odooApiKey,
    protocol: config.odooProtocol,
    company: config.odooCompany,
    concurrency: config.odooConcurrency,
    batchSize: config.odooBatchSize,
    timeoutMs: config.odooTimeoutMs,
    caFile: config.odooCaFile,
  });
}

/** True when enough is configured to talk to Odoo (jobs fall back to dry-run otherwise). */
export function odooConfigured(env: Env = process.env): boolean {
  return Boolean(
    env.MFG_ETL_ODOO_URL && env.MFG_ETL_ODOO_DB && env.MFG_ETL_ODOO_USER && (env.MFG_ETL_ODOO_API_KEY || env.MFG_ETL_ODOO_API_KEY_FILE),
  );
}
