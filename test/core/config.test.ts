import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
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
    expect(() => loadConfig({ MFG_ETL_TIMEZONE: 'Mars/Olympus' }, tmp())).toThrow(/MFG_ETL_TIMEZONE: an IANA time zone/);
    expect(() => loadConfig({ MFG_ETL_DATABASE_URL: 'mysql://x' }, tmp())).toThrow(ConfigError);
  });

  it('names the file key when the config file is wrong', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ logLevel: 'chatty' }));
    expect(() => loadConfig({ MFG_ETL_CONFIG: 'c.json' }, dir)).toThrow(/config file key "logLevel"/);
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ shedule: 'x' }));
    expect(() => loadConfig({ MFG_ETL_CONFIG: 'c.json' }, dir)).toThrow(/unknown key "shedule"/);
    expect(() => loadConfig({ MFG_ETL_CONFIG: 'missing.json' }, dir)).toThrow(/MFG_ETL_CONFIG: file .* does not exist/);
  });

  it('reads a secret from its _FILE variant and refuses an unreadable one', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'url'), 'postgres://u:pw12345@db/x\n');
    expect(loadConfig({ MFG_ETL_DATABASE_URL_FILE: path.join(dir, 'url') }, dir).databaseUrl).toBe('postgres://u:pw12345@db/x');
    expect(() => loadConfig({ MFG_ETL_DATABASE_URL_FILE: path.join(dir, 'nope') }, dir)).toThrow(/MFG_ETL_DATABASE_URL_FILE: cannot read/);
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
