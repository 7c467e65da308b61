import pg from 'pg';
import { describe, expect, it } from 'vitest';
import config from '../../vitest.config.ts';
import { ensureTestDatabase } from '../support/global-setup.ts';
import { TEST_DATABASE_URL } from '../support/staging.ts';

async function databaseExists(name: string): Promise<boolean> {
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return Boolean((await client.query('select 1 from pg_database where datname = $1', [name])).rowCount);
  } finally {
    await client.end();
  }
}

describe('npm test prepares its database', () => {
  it('vitest runs the global setup before the test files', () => {
    const setup = config.test?.globalSetup;
    expect([setup].flat()).toContain('test/support/global-setup.ts');
  });

  it('creates the test database when it is missing, and leaves it alone when it exists', async () => {
    const name = `test_setup_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    try {
      expect(await databaseExists(name)).toBe(false);
      expect(await ensureTestDatabase(url.toString())).toBe(true);
      expect(await databaseExists(name)).toBe(true);
      expect(await ensureTestDatabase(url.toString())).toBe(false);
    } finally {
      const admin = new URL(TEST_DATABASE_URL);
      admin.pathname = '/postgres';
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      await client.query(`drop database if exists "${name}"`);
      await client.end();
    }
  });

  it('says what to start when PostgreSQL is not there', async () => {
    await expect(ensureTestDatabase('postgres://postgres@127.0.0.1:1/test')).rejects.toThrow(
      /the tests need PostgreSQL at .*127\.0\.0\.1:1.*start it/,
    );
  });
});
