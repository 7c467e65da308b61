/**
 * The `suppliers` section is checked at start with every other section: each mistake one line
 * with its full key and a did-you-mean; MFG_ETL_OUTBOX is a setting with a default.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeSettings, loadConfig } from '../../core/config.ts';
import { configMistakes } from '../../core/config/check.ts';
import { supplierSettings } from '../../core/config/suppliers.ts';

const withFile = (suppliers: unknown) => ({ ...loadConfig({}, os.tmpdir()), file: { suppliers } });

describe('suppliers settings', () => {
  it('has defaults without a section, and the outbox defaults to ./outbox', () => {
    expect(supplierSettings({ file: {} })).toMatchObject({ approval: 'auto-unless-warnings', maxDateShiftDays: 14, shortageWeeks: 8 });
    expect(loadConfig({}, os.tmpdir()).outbox).toBe('./outbox');
    expect(loadConfig({ MFG_ETL_OUTBOX: '/srv/outbox' }, os.tmpdir()).outbox).toBe('/srv/outbox');
  });

  it('takes an smtp:// or smtps:// relay URL as a secret, and refuses anything else', () => {
    const config = loadConfig({ MFG_ETL_SMTP_URL: 'smtps://buyer:s3cret-pw@relay.example.com:465' }, os.tmpdir());
    expect(describeSettings(config).find((x) => x.key === 'smtpUrl')?.value).toBe('[redacted]');
    expect(config.redactor.text('relay smtps://buyer:s3cret-pw@relay.example.com:465 failed')).not.toContain('s3cret-pw');
    expect(() => loadConfig({ MFG_ETL_SMTP_URL: 'http://relay.example.com' }, os.tmpdir())).toThrow(
      /MFG_ETL_SMTP_URL: expected an smtp:\/\/ or smtps:\/\/ URL/,
    );
    expect(() => supplierSettings({ file: { suppliers: { email: { from: 'not an address' } } } })).toThrow(/suppliers\.email\.from/);
  });

  it('reports every mistake of the section at start, one line each, with the full key', () => {
    const lines = configMistakes(withFile({ aproval: 'auto', maxDateShiftDays: -1, checkpoints: { date_shift: { severity: 'fatal' } } }));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^suppliers\.aproval: .*did you mean "approval"/),
        expect.stringMatching(/^suppliers\.maxDateShiftDays: /),
        expect.stringMatching(/^suppliers\.checkpoints\.date_shift\.severity: /),
      ]),
    );
    expect(lines.filter((l) => l.startsWith('suppliers.'))).toHaveLength(3);
  });
});
