/**
 * Secret redaction beyond named keys: percent-encoded URL passwords in both forms, and bearer /
 * Authorization / key=value secrets wherever they turn up in text (Odoo answers, webhook errors).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { redactSecrets, SecretRedactor } from '../../core/redact.ts';

describe('percent-encoded database passwords', () => {
  const url = 'postgres://etl:p%40ss:w0rd@db.example:5432/erp';

  it('masks the decoded password, the raw (encoded) password and the URL written with either', () => {
    const r = new SecretRedactor();
    r.add(url);
    expect(r.text('password authentication failed: p@ss:w0rd')).toBe('password authentication failed: [redacted]');
    expect(r.text('raw p%40ss:w0rd in a message')).toBe('raw [redacted] in a message');
    expect(r.text(`connecting to ${url}`)).toBe('connecting to postgres://etl:[redacted]@db.example:5432/erp');
    const decoded = r.text('connecting to postgres://etl:p@ss:w0rd@db.example:5432/erp');
    expect(decoded).not.toContain('w0rd');
    expect(decoded).not.toContain('ss:');
    expect(decoded).toContain('@db.example:5432/erp');
  });

  it('masks it when it comes from MFG_ETL_DATABASE_URL', () => {
    const config = loadConfig({ MFG_ETL_DATABASE_URL: url }, '/tmp');
    const text = config.redactor.text('error for p@ss:w0rd and p%40ss:w0rd');
    expect(text).toBe('error for [redacted] and [redacted]');
  });

  it('an unknown URL with a decoded @ in its password is masked up to the host', () => {
    const r = new SecretRedactor();
    expect(r.text('see http://user:pa@ss@odoo.example/web')).toBe('see http://user:[redacted]@odoo.example/web');
  });
});

describe('bearer tokens and Authorization headers in text', () => {
  const r = new SecretRedactor();

  it('masks bearer <token>, Authorization: <anything> and key=value secrets, keeping the words around them', () => {
    expect(r.text('Odoo answered 401: invalid bearer 3f9a8c7d6e5b4a39281706f5e4d3c2b1 for user etl')).toBe(
      'Odoo answered 401: invalid bearer [redacted] for user etl',
    );
    expect(r.text('request had Authorization: Basic ZXRsOnNlY3JldA== and failed')).toBe('request had Authorization: [redacted] and failed');
    expect(r.text('{"authorization":"Bearer abc.def.ghi-123456"}')).not.toContain('abc.def');
    expect(r.text('GET /x?api_key=k-0123456789&db=erp')).toBe('GET /x?api_key=[redacted]&db=erp');
    expect(r.text('host=db user=etl password=hunter2hunter dbname=erp')).toBe('host=db user=etl password=[redacted] dbname=erp');
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'the bearer of bad news',
      'password authentication failed for user "etl"',
      'checkpoint passed: 12 rows',
      'token expired',
    ]) {
      expect(r.text(text)).toBe(text);
    }
  });

  it('redactSecrets (for what is stored) masks patterns and every secret a configuration registered', () => {
    loadConfig({ MFG_ETL_DATABASE_URL: 'postgres://etl:stored-secret-99@db/erp' }, '/tmp');
    expect(redactSecrets('failed with stored-secret-99 and bearer 0123456789abcdef')).toBe('failed with [redacted] and bearer [redacted]');
  });
});
