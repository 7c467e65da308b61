/**
 * Configuration: environment variables overlaid on an optional JSON file
 * (MFG_ETL_CONFIG, default ./mfg-etl.config.json when present). Env wins over the file.
 * Every setting is validated with zod at start-up; wrong values become one ConfigError with a
 * line per mistake, naming the variable (or file key) and what is allowed (core/config/mistakes.ts).
 * Secret settings also accept `<NAME>_FILE`, and their values are registered with the redactor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { flag as bool } from './flags.ts';
import { ConfigError } from './errors.ts';
import { type ConfigMistake, expected, throwMistakes, unknownKey, zodMistakes } from './config/mistakes.ts';
import { days } from './config/values.ts';
import { SecretRedactor } from './redact.ts';

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Per-job overrides, from the config file's `jobs` section. */
export const jobSettingsSchema = z
  .object({
    /** cron expression, or "off" to keep the job out of the scheduler */
    schedule: z.string().optional(),
    retryLimit: nonNegativeInt.optional(),
    retryDelaySeconds: positiveInt.optional(),
    /**
     * freshness: a successful run is expected at least this often (status page, late alerts).
     * Default: the schedule's interval plus a grace of the same, at most 60 minutes.
     */
    expectedEveryMinutes: z.coerce.number().positive().optional(),
    /** the job's own options, validated by the job's parameter schema */
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type JobSettings = z.infer<typeof jobSettingsSchema>;

/** One setting: its key in the config file, its environment variable, its schema. */
interface Setting {
  env: string;
  secret?: boolean;
}

const SETTINGS = {
  databaseUrl: { env: 'MFG_ETL_DATABASE_URL', secret: true },
  schema: { env: 'MFG_ETL_SCHEMA' },
  dataDir: { env: 'MFG_ETL_DATA_DIR' },
  inbox: { env: 'MFG_ETL_INBOX' },
  reports: { env: 'MFG_ETL_REPORTS' },
  outbox: { env: 'MFG_ETL_OUTBOX' },
  logLevel: { env: 'MFG_ETL_LOG_LEVEL' },
  logFormat: { env: 'MFG_ETL_LOG_FORMAT' },
  timezone: { env: 'MFG_ETL_TIMEZONE' },
  retryLimit: { env: 'MFG_ETL_RETRY_LIMIT' },
  retryDelaySeconds: { env: 'MFG_ETL_RETRY_DELAY_SECONDS' },
  shutdownTimeoutSeconds: { env: 'MFG_ETL_SHUTDOWN_TIMEOUT_SECONDS' },
  workerPollSeconds: { env: 'MFG_ETL_WORKER_POLL_SECONDS' },
  runTimeoutMinutes: { env: 'MFG_ETL_RUN_TIMEOUT_MINUTES' },
  heartbeatSeconds: { env: 'MFG_ETL_HEARTBEAT_SECONDS' },
  scheduler: { env: 'MFG_ETL_SCHEDULER' },
  inboxSettleSeconds: { env: 'MFG_ETL_INBOX_SETTLE_SECONDS' },
  forecastBucket: { env: 'MFG_ETL_FORECAST_BUCKET' },
  forecastWeekStart: { env: 'MFG_ETL_FORECAST_WEEK_START' },
  forecastTarget: { env: 'MFG_ETL_FORECAST_TARGET' },
  costRevalue: { env: 'MFG_ETL_COST_REVALUE' },
  odooUrl: { env: 'MFG_ETL_ODOO_URL' },
  odooDb: { env: 'MFG_ETL_ODOO_DB' },
  odooUser: { env: 'MFG_ETL_ODOO_USER' },
  odooApiKey: { env: 'MFG_ETL_ODOO_API_KEY', secret: true },
  odooProtocol: { env: 'MFG_ETL_ODOO_PROTOCOL' },
  odooCompany: { env: 'MFG_ETL_ODOO_COMPANY' },
  odooConcurrency: { env: 'MFG_ETL_ODOO_CONCURRENCY' },
  odooBatchSize: { env: 'MFG_ETL_ODOO_BATCH_SIZE' },
  odooTimeoutMs: { env: 'MFG_ETL_ODOO_TIMEOUT_MS' },
  odooCaFile: { env: 'MFG_ETL_ODOO_CA_FILE' },
  retentionRunsDays: { env: 'MFG_ETL_RETENTION_RUNS_DAYS' },
  retentionInboxDays: { env: 'MFG_ETL_RETENTION_INBOX_DAYS' },
  retentionReportsDays: { env: 'MFG_ETL_RETENTION_REPORTS_DAYS' },
  httpHost: { env: 'MFG_ETL_HTTP_HOST' },
  httpPort: { env: 'MFG_ETL_HTTP_PORT' },
  httpUsersFile: { env: 'MFG_ETL_HTTP_USERS_FILE' },
  // with users configured, /metrics answers a scraper that sends it as a bearer token
  httpMetricsToken: { env: 'MFG_ETL_HTTP_METRICS_TOKEN', secret: true },
  // a webhook URL embeds its token
  alertWebhookUrl: { env: 'MFG_ETL_ALERT_WEBHOOK_URL', secret: true },
  alertIntervalSeconds: { env: 'MFG_ETL_ALERT_INTERVAL_SECONDS' },
  // a relay URL may carry its password
  smtpUrl: { env: 'MFG_ETL_SMTP_URL', secret: true },
  // bearer token of the MES endpoint (mes.url)
  mesToken: { env: 'MFG_ETL_MES_TOKEN', secret: true },
  opcuaEndpoint: { env: 'MFG_ETL_OPCUA_ENDPOINT' },
  opcuaSecurityMode: { env: 'MFG_ETL_OPCUA_SECURITY_MODE' },
  opcuaSecurityPolicy: { env: 'MFG_ETL_OPCUA_SECURITY_POLICY' },
  opcuaUser: { env: 'MFG_ETL_OPCUA_USER' },
  opcuaPassword: { env: 'MFG_ETL_OPCUA_PASSWORD', secret: true },
} as const satisfies Record<string, Setting>;

export const configSchema = z.object({
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, expected('a postgres:// or postgresql:// URL'))
    .optional(),
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,40}$/, expected('a lower-case SQL identifier (letters, digits, _; at most 41 characters)'))
    .default('mfg_etl'),
  dataDir: z.string().min(1).default('./data'),
  inbox: z.string().min(1).default('./inbox'),
  reports: z.string().min(1).default('./reports'),
  /** files mfg-etl sends out (suppliers/<code>/ purchase order files, …), written atomically */
  outbox: z.string().min(1).default('./outbox'),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  logFormat: z.enum(['json', 'pretty']).optional(),
  timezone: z.string().refine(isTimeZone, expected('an IANA time zone such as Europe/Berlin')).optional(),
  retryLimit: nonNegativeInt.default(3),
  retryDelaySeconds: positiveInt.default(30),
  shutdownTimeoutSeconds: positiveInt.default(30),
  workerPollSeconds: z.coerce.number().min(0.5).default(2),
  runTimeoutMinutes: positiveInt.default(60),
  /** a running run's heartbeat period; a run silent for four periods is taken over (its worker died) */
  heartbeatSeconds: positiveInt.default(15),
  /** off: `mfg-etl start` runs workers only (another machine runs the scheduler) */
  scheduler: bool.default(true),
  /** a dropped file is taken once its size and mtime have not changed for this long */
  inboxSettleSeconds: nonNegativeInt.default(10),
  forecastBucket: z.enum(['week', 'month']).default('week'),
  forecastWeekStart: z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']).default('monday'),
  /** forecast-load: auto (MPS when Odoo has it, else replenishment rules), mps or orderpoint */
  forecastTarget: z.enum(['auto', 'mps', 'orderpoint']).default('auto'),
  /** cost-load: false writes standard prices without Odoo's automatic revaluation (unset: costs.revalue, else true) */
  costRevalue: bool.optional(),
  /** Odoo connection; all of url, db, user and apiKey set means "configured" (see load/odoo/config.ts) */
  odooUrl: z.url({ protocol: /^https?$/, ...expected('an http:// or https:// URL') }).optional(),
  odooDb: z.string().min(1).optional(),
  odooUser: z.string().min(1).optional(),
  odooApiKey: z.string().min(1).optional(),
  odooProtocol: z.enum(['auto', 'xmlrpc', 'json2']).default('auto'),
  odooCompany: positiveInt.optional(),
  odooConcurrency: positiveInt.max(64).default(2),
  odooBatchSize: positiveInt.max(100_000).default(500),
  odooTimeoutMs: positiveInt.default(60_000),
  odooCaFile: z.string().min(1).optional(),
  retentionRunsDays: days.default(90),
  retentionInboxDays: days.default(30),
  retentionReportsDays: days.default(180),
  /** status page, health and metrics (jobs/http); the file's `http` section holds the rest */
  httpHost: z.string().min(1).default('127.0.0.1'),
  /** 0: any free port (logged); off: `mfg-etl start` runs without the server */
  httpPort: z
    .union([z.string(), z.number()])
    .transform((value, ctx): number | 'off' => {
      if (value === 'off') return 'off';
      const port = Number(value);
      if (String(value).trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: 'expected a port number 0–65535, or off', input: value });
        return z.NEVER;
      }
      return port;
    })
    .default(8787),
  /** user names with scrypt password hashes (see `mfg-etl hash-password`); unset: the status page is read-only */
  httpUsersFile: z.string().min(1).optional(),
  /** bearer token for /metrics (and readiness details) when users are configured */
  httpMetricsToken: z.string().min(16, 'at least 16 characters').optional(),
  alertWebhookUrl: z.url({ protocol: /^https?$/, ...expected('an http:// or https:// URL') }).optional(),
  alertIntervalSeconds: z.coerce.number().min(1).default(60),
  /** SMTP relay for files sent by mail (supplier-po-export with a `suppliers.email` section) */
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\/[^/\s]+/, expected('an smtp:// or smtps:// URL such as smtps://user:password@relay.example.com:465'))
    .optional(),
  /** bearer token sent with every message POSTed to the MES (the config file's mes.url) */
  mesToken: z.string().min(1).optional(),
  /** the plant historian (historian-extract); the file's `historian` section holds tags and shifts */
  opcuaEndpoint: z
    .string()
    .regex(/^opc\.tcp:\/\/[^/\s]+/, expected('an opc.tcp://host:port[/path] URL'))
    .optional(),
  opcuaSecurityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
  /** default: None with security mode None, else Basic256Sha256 */
  opcuaSecurityPolicy: z
    .enum(['None', 'Basic128Rsa15', 'Basic256', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'])
    .optional(),
  opcuaUser: z.string().min(1).optional(),
  opcuaPassword: z.string().min(1).optional(),
  jobs: z.record(z.string(), jobSettingsSchema).default({}),
});

type Parsed = z.infer<typeof configSchema>;

export type Config = Omit<Parsed, 'logFormat' | 'timezone'> & {
  logFormat: 'json' | 'pretty';
  timezone: string;
  /** where the values came from, for `mfg-etl config` and error messages */
  configFile: string | undefined;
  /** the raw config file object; later features read their own sections from it */
  file: Record<string, unknown>;
  redactor: SecretRedactor;
};

export type Env = Record<string, string | undefined>;

function readSecretFile(name: string, file: string, mistakes: ConfigMistake[]): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    mistakes.push({ key: `${name}_FILE`, message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
    return undefined;
  }
}

function readConfigFile(env: Env, cwd: string): { file: string | undefined; values: Record<string, unknown> } {
  const explicit = env.MFG_ETL_CONFIG;
  const file = path.resolve(cwd, explicit ?? 'mfg-etl.config.json');
  if (!fs.existsSync(file)) {
    if (explicit) throw new ConfigError(`MFG_ETL_CONFIG: file ${file} does not exist`);
    return { file: undefined, values: {} };
  }
  let values: unknown;
  try {
    values = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!values || typeof values !== 'object' || Array.isArray(values)) {
    throw new ConfigError(`config file ${file} must hold a JSON object`);
  }
  return { file, values: values as Record<string, unknown> };
}

/** Top-level keys starting with `//` are comments (JSON has none): `mfg-etl init` writes its explanations so. */
export function isComment(key: string): boolean {
  return key.startsWith('//');
}

/** Folders a config file may give relative to itself (`mfg-etl init` writes ./data, ./inbox, ./reports, ./outbox). */
const FILE_RELATIVE_PATHS = ['dataDir', 'inbox', 'reports', 'outbox'] as const;

/** Known keys of the file that belong to sections other features validate themselves. */
const FOREIGN_SECTIONS = new Set([
  'historian',
  'odoo',
  'forecast',
  'costs',
  'inventory',
  'quality',
  'http',
  'alerts',
  'opcua',
  'suppliers',
  'mes',
]);

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const { file, values } = readConfigFile(env, cwd);
  const redactor = new SecretRedactor();
  const input: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  const mistakes: ConfigMistake[] = [];
  const knownKeys = [...Object.keys(SETTINGS), 'jobs', ...FOREIGN_SECTIONS];

  for (const [key, value] of Object.entries(values)) {
    if (isComment(key)) continue;
    if (key in SETTINGS || key === 'jobs') {
      input[key] = value;
      source[key] = key;
    } else if (!FOREIGN_SECTIONS.has(key)) {
      mistakes.push({ key, message: unknownKey(key, knownKeys) });
    }
  }
  for (const [key, setting] of Object.entries(SETTINGS) as [keyof typeof SETTINGS, Setting][]) {
    let value = env[setting.env];
    let name = setting.env;
    const fileVar = env[`${setting.env}_FILE`];
    if (setting.secret && fileVar !== undefined && fileVar !== '') {
      value = readSecretFile(setting.env, fileVar, mistakes);
      name = `${setting.env}_FILE`;
    }
    if (value !== undefined && value !== '') {
      input[key] = value;
      source[key] = name;
    }
  }

  const parsed = configSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const keyOf = (path: readonly PropertyKey[]) => {
      const key = String(path[0] ?? '');
      return [source[key] ?? key, ...path.slice(1).map(String)].join('.');
    };
    const hidden = (path: readonly PropertyKey[]) => (SETTINGS as Record<string, Setting>)[String(path[0])]?.secret === true;
    mistakes.push(...zodMistakes(configSchema, parsed.error, { keyOf, hidden, input }));
  }
  throwMistakes(mistakes);
  if (!parsed.success) throw new ConfigError('configuration is not valid');
  const config = parsed.data;
  // a folder the file gives relative to itself, so the config works from any working directory (env values stay as given)
  for (const key of FILE_RELATIVE_PATHS) {
    if (file && source[key] === key && !path.isAbsolute(config[key])) config[key] = path.resolve(path.dirname(file), config[key]);
  }
  redactor.add(config.databaseUrl);
  for (const [key, setting] of Object.entries(SETTINGS) as [string, Setting][]) {
    if (setting.secret) redactor.add(typeof input[key] === 'string' ? (input[key] as string) : undefined);
  }
  return {
    ...config,
    logFormat: config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    timezone: config.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    configFile: file,
    file: values,
    redactor,
  };
}

/** Settings as documented: name, env variable and whether it is a secret (used by `mfg-etl config`). */
export function describeSettings(config: Config): { key: string; env: string; value: unknown }[] {
  return (Object.entries(SETTINGS) as [keyof typeof SETTINGS, Setting][]).map(([key, setting]) => ({
    key,
    env: setting.env,
    value: setting.secret && config[key] ? '[redacted]' : (config[key] ?? null),
  }));
}
