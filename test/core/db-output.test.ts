/**
 * knex and pg speak through our logger (stderr, JSON lines), never on stdout: `--json` output
 * stays clean when the database cannot be reached.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/db.ts';
import { SecretRedactor } from '../../core/redact.ts';
import { runCli } from '../support/cli.ts';
import { closedPort } from '../support/http.ts';
import { captureLogger } from '../support/staging.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-db-output-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('database driver output', () => {
  it('an unreachable database: knex warnings reach the logger, nothing is written to stdout', async () => {
    const port = await closedPort();
    const lines: Record<string, unknown>[] = [];
    const logger = captureLogger(lines, 'debug', new SecretRedactor());
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await expect(
        openDatabase({ databaseUrl: `postgres://etl:pw-123456@127.0.0.1:${port}/x`, dataDir: dir, schema: 'x', logger }),
      ).rejects.toThrow(/cannot connect to the database/);
    } finally {
      process.stdout.write = original;
    }
    expect(written.join('')).not.toMatch(/Acquire connection error|Connection Error|ECONNREFUSED/);
    expect(lines.some((l) => /Acquire connection error/.test(String(l.message)) && l.level === 'warn')).toBe(true);
  });

  it('`jobs --json` with an unreachable database prints nothing on stdout and one line on stderr', async () => {
    const port = await closedPort();
    const r = await runCli(
      ['jobs', '--json'],
      { MFG_ETL_DATABASE_URL: `postgres://etl:pw-123456@127.0.0.1:${port}/x`, MFG_ETL_LOG_LEVEL: 'error', MFG_ETL_DATA_DIR: dir },
      dir,
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mfg-etl: cannot connect to the database/);
    expect(r.stderr).not.toContain('pw-123456');
  });
});
