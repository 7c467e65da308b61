/** What every command group shares: printing (always redacted), ids and params, the app, signals, exit codes. */
import type { App, OpenOptions } from '../../core/app.ts';
import { UsageError } from '../../core/errors.ts';
import { SecretRedactor } from '../../core/redact.ts';
import type { JobRegistry } from '../../jobs/registry.ts';

/**
 * The job registry, loaded on first use: it imports every job (and what they import), which
 * `--help` and the batch commands do not need (CLI start-up time).
 */
export type RegistryLoader = () => Promise<JobRegistry>;

let redactor = new SecretRedactor();

/** Secrets known from the configuration are masked in everything printed from now on. */
export function useRedactor(r: SecretRedactor): void {
  redactor = r;
}

export function redacted(text: string): string {
  return redactor.text(text);
}

export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function print(text: string): void {
  process.stdout.write(`${redactor.text(text)}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(redactor.value(value), null, 2)}\n`);
}

export function positiveId(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive whole number, got "${value}"`);
  return n;
}

/** --param key=value, repeatable; values that parse as JSON (numbers, booleans) are taken as such. */
export function collectParam(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param expects key=value, got "${value}"`);
  const key = value.slice(0, eq);
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  if (/^(-?\d+(\.\d+)?|true|false|null)$/.test(raw)) parsed = JSON.parse(raw);
  return { ...previous, [key]: parsed };
}

export async function withApp<T>(fn: (app: App) => Promise<T>, options: OpenOptions = {}): Promise<T> {
  // the database driver, logger and migrations are loaded by the commands that open the app
  const { openApp } = await import('../../core/app.ts');
  const app = await openApp(options);
  useRedactor(app.config.redactor);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** Stops cleanly on SIGINT/SIGTERM: the callback stops work, then the process exits. */
export function onSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`mfg-etl: ${signal} received, finishing the current work\n`);
    stop().then(
      () => process.exit(130),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => handler('SIGINT'));
  process.once('SIGTERM', () => handler('SIGTERM'));
}
