/** Odoo options (zod schema, environment) and the retry policy. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { odooConfigured, odooOptionsFromEnv, parseOdooOptions } from '../../core/odoo/config.ts';
import { OdooTransientError, OdooValidationError } from '../../core/odoo/errors.ts';
import { backoffMs, shouldRetry } from '../../core/odoo/retry.ts';

describe('Odoo options', () => {
  it('fills the documented defaults', () => {
    const options = parseOdooOptions({ url: 'https://odoo.example.com/', db: 'mfg', user: 'etl', apiKey: 'k-123456' });
    expect(options).toMatchObject({
      url: 'https://odoo.example.com',
      protocol: 'auto',
      concurrency: 2,
      batchSize: 500,
      timeoutMs: 60_000,
      retry: { attempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 },
      context: {},
    });
    expect(options.company).toBeUndefined();
  });

  it('rejects bad options with a ConfigError that names the setting and never the key', () => {
    let error: unknown;
    try {
      parseOdooOptions({ url: 'ftp://odoo', db: '', user: 'etl', apiKey: 'secret-key-value', concurrency: 0 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/url: .*db: .*concurrency: /s);
    expect((error as Error).message).not.toContain('secret-key-value');
  });

  it('reads MFG_ETL_ODOO_* variables, the API key from a file when _FILE is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'odoo-key-'));
    writeFileSync(join(dir, 'key'), 'from-file-key\n');
    const env = {
      MFG_ETL_ODOO_URL: 'http://127.0.0.1:8069',
      MFG_ETL_ODOO_DB: 'mfg',
      MFG_ETL_ODOO_USER: 'admin',
      MFG_ETL_ODOO_API_KEY_FILE: join(dir, 'key'),
      MFG_ETL_ODOO_PROTOCOL: 'json2',
      MFG_ETL_ODOO_COMPANY: '2',
      MFG_ETL_ODOO_CONCURRENCY: '4',
      MFG_ETL_ODOO_BATCH_SIZE: '250',
      MFG_ETL_ODOO_TIMEOUT_MS: '5000',
    };
    expect(odooOptionsFromEnv(env)).toMatchObject({
      apiKey: 'from-file-key',
      protocol: 'json2',
      company: 2,
      concurrency: 4,
      batchSize: 250,
      timeoutMs: 5000,
    });
    expect(odooConfigured(env)).toBe(true);
    expect(odooConfigured({ MFG_ETL_ODOO_URL: 'http://x' })).toBe(false);
    expect(() => odooOptionsFromEnv({ ...env, MFG_ETL_ODOO_COMPANY: 'two' })).toThrow(ConfigError);
  });
});

describe('retry policy', () => {
  const retry = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(1, retry, () => 0)).toBe(50);
    expect(backoffMs(1, retry, () => 1)).toBe(100);
    expect(backoffMs(3, retry, () => 1)).toBe(400);
    expect(backoffMs(8, retry, () => 1)).toBe(1000);
  });

  it('retries transient errors only, and after a possible commit only idempotent calls', () => {
    const refused = new OdooTransientError('503', { maybeCommitted: false });
    const lost = new OdooTransientError('reset', { maybeCommitted: true });
    expect(shouldRetry(refused, { method: 'create', idempotent: false })).toBe(true);
    expect(shouldRetry(lost, { method: 'create', idempotent: false })).toBe(false);
    expect(shouldRetry(lost, { method: 'load', idempotent: true })).toBe(true);
    expect(shouldRetry(new OdooValidationError('bad'), { method: 'write', idempotent: true })).toBe(false);
  });
});
