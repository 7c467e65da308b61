import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { costSettings } from '../../core/config/costs.ts';
import { forecastSettings } from '../../core/config/forecast.ts';
import { historianSettings } from '../../core/config/historian.ts';
import { alertSettings, httpSettings } from '../../core/config/http.ts';
import { inventorySettings } from '../../core/config/inventory.ts';
import { ConfigError } from '../../core/errors.ts';
import { SecretRedactor } from '../../core/redact.ts';
import { captureLogger } from '../support/staging.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-config-'));

describe('configuration', () => {
  it('has documented defaults with nothing set', () => {
    const c = loadConfig({}, tmp());
    expect(c.databaseUrl).toBeUndefined();
    expect(c).toMatchObject({
      schema: 'mfg_etl',
      dataDir: './data',
      inbox: './inbox',
      reports: './reports',
      logLevel: 'info',
      retryLimit: 3,
    });
  });

  it('overlays environment variables on the config file', () => {
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 'mfg-etl.config.json'),
      JSON.stringify({ schema: 'from_file', inbox: '/srv/inbox', jobs: { housekeeping: { schedule: 'off' } } }),
    );
    const c = loadConfig({ MFG_ETL_SCHEMA: 'from_env' }, dir);
    expect([c.schema, c.inbox, c.jobs.housekeeping?.schedule]).toEqual(['from_env', '/srv/inbox', 'off']);
  });

  it('names the variable and what is allowed when a value is wrong', () => {
    expect(() => loadConfig({ MFG_ETL_RETRY_LIMIT: 'many' }, tmp())).toThrow(/^MFG_ETL_RETRY_LIMIT: .*number/);
    expect(() => loadConfig({ MFG_ETL_TIMEZONE: 'Mars/Olympus' }, tmp())).toThrow(
      'MFG_ETL_TIMEZONE: expected an IANA time zone such as Europe/Berlin, got "Mars/Olympus"',
    );
    expect(() => loadConfig({ MFG_ETL_DATABASE_URL: 'mysql://x' }, tmp())).toThrow(ConfigError);
  });

  it('names the file key when the config file is wrong', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ logLevel: 'chatty' }));
    expect(() => loadConfig({ MFG_ETL_CONFIG: 'c.json' }, dir)).toThrow(
      'logLevel: expected one of "error", "warn", "info", "debug", got "chatty"',
    );
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ shedule: 'x' }));
    expect(() => loadConfig({ MFG_ETL_CONFIG: 'c.json' }, dir)).toThrow('shedule: unknown key (did you mean "scheduler"?)');
    expect(() => loadConfig({ MFG_ETL_CONFIG: 'missing.json' }, dir)).toThrow(/MFG_ETL_CONFIG: file .* does not exist/);
  });

  it('reads a secret from its _FILE variant and refuses an unreadable one', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'url'), 'postgres://u:pw12345@db/x\n');
    expect(loadConfig({ MFG_ETL_DATABASE_URL_FILE: path.join(dir, 'url') }, dir).databaseUrl).toBe('postgres://u:pw12345@db/x');
    expect(() => loadConfig({ MFG_ETL_DATABASE_URL_FILE: path.join(dir, 'nope') }, dir)).toThrow(/MFG_ETL_DATABASE_URL_FILE: cannot read/);
  });
});

const withFile = (file: Record<string, unknown>) => ({ ...loadConfig({}, tmp()), file });
/** the lines of the ConfigError a call throws (none: it did not throw) */
function mistakes(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message.split('\n');
  }
  return [];
}

describe('every mistake, one line each, with its full key and what is expected', () => {
  it('forecast: a misspelt key gets a suggestion, and a second mistake is not hidden by the first', () => {
    expect(mistakes(() => forecastSettings(withFile({ forecast: { colums: {}, maxErrors: 0, fileNamePattern: '(x' } })))).toEqual([
      'forecast.maxErrors: expected a number > 0, got 0',
      'forecast.colums: unknown key (did you mean "columns"?)',
      'forecast.fileNamePattern: not a valid regular expression (Invalid regular expression: /(x/: Unterminated group)',
    ]);
  });

  it('costs: every wrong value of the section', () => {
    expect(
      mistakes(() =>
        costSettings(withFile({ costs: { companyCurrency: 12, priceDigits: 9, checkpoints: { cost_delta: { severity: 'fatal' } } } })),
      ),
    ).toEqual([
      'costs.priceDigits: expected a number ≤ 6, got 9',
      'costs.companyCurrency: expected a 3-letter currency code such as EUR, got 12',
      'costs.checkpoints.cost_delta.severity: expected one of "error", "warning", got "fatal"',
    ]);
  });

  it('inventory: every wrong value of the section, a regex without its group included', () => {
    expect(
      mistakes(() => inventorySettings(withFile({ inventory: { coverage: 'all', currency: 'euro', fileNamePattern: '^(?<scope>\\w+)' } }))),
    ).toEqual([
      'inventory.coverage: expected one of "warehouse", "counted_locations", got "all"',
      'inventory.currency: expected a 3-letter ISO currency code such as EUR, got "euro"',
      'inventory.fileNamePattern: needs a named group (?<warehouse>…)',
    ]);
  });

  it('historian, http and alerts: the same helper and the same lines', () => {
    expect(
      mistakes(() => historianSettings(withFile({ historian: { bucketMinute: 5, shifts: [{ name: 'A', start: '6:00', end: '14:00' }] } }))),
    ).toEqual([
      'historian.shifts.0.start: expected a time of day HH:MM (00:00–23:59), got "6:00"',
      'historian.bucketMinute: unknown key (did you mean "bucketMinutes"?)',
    ]);
    expect(mistakes(() => httpSettings(withFile({ http: { sessionHours: 'long', secure: true } })))).toEqual([
      'http.sessionHours: expected a number, got "long"',
      'http.secure: unknown key; known keys: sessionHours, secureCookies, loginRequired, publicUrl',
    ]);
    expect(mistakes(() => alertSettings(withFile({ alerts: { attempts: 11 } })))).toEqual([
      'alerts.attempts: expected a number ≤ 10, got 11',
    ]);
  });

  it('environment and file settings: every mistake, secrets never shown', () => {
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 'c.json'),
      JSON.stringify({ logLevel: 'chatty', colour: 'blue', jobs: { housekeeping: { retryLimt: 1 } } }),
    );
    expect(
      mistakes(() =>
        loadConfig({ MFG_ETL_CONFIG: 'c.json', MFG_ETL_RETRY_LIMIT: '-1', MFG_ETL_DATABASE_URL: 'mysql://u:hunter2-secret@db/x' }, dir),
      ),
    ).toEqual([
      'colour: unknown key (the README lists the known ones)',
      'MFG_ETL_DATABASE_URL: expected a postgres:// or postgresql:// URL',
      'logLevel: expected one of "error", "warn", "info", "debug", got "chatty"',
      'MFG_ETL_RETRY_LIMIT: expected a number ≥ 0, got "-1"',
      'jobs.housekeeping.retryLimt: unknown key (did you mean "retryLimit"?)',
    ]);
  });
});

describe('secret redaction in logs', () => {
  it('masks URL passwords, secret keys and registered secret values in every log line', () => {
    const config = loadConfig({ MFG_ETL_DATABASE_URL: 'postgres://etl:s3cr3t-pass@db:5432/erp' }, tmp());
    const lines: Record<string, unknown>[] = [];
    const logger = captureLogger(lines, 'debug', config.redactor);
    logger.info('connecting to postgres://etl:s3cr3t-pass@db:5432/erp');
    logger.info('odoo call', { apiKey: 'k-123456789', headers: { Authorization: 'bearer k-123456789' }, nested: { password: 'pw' } });
    logger.error('failed', { error: new Error('auth failed for s3cr3t-pass') });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('s3cr3t-pass');
    expect(text).not.toContain('k-123456789');
    expect(lines[1]).toMatchObject({ apiKey: '[redacted]', headers: { Authorization: '[redacted]' }, nested: { password: '[redacted]' } });
    expect(lines[0]!.message).toBe('connecting to postgres://etl:[redacted]@db:5432/erp');
  });

  it('leaves ordinary values alone', () => {
    const r = new SecretRedactor();
    r.add('abc'); // too short to mask safely
    expect(r.value({ product: 'abc-100', qty: 3, passed: true })).toEqual({ product: 'abc-100', qty: 3, passed: true });
  });
});
