/**
 * vitest globalSetup: prepares what `npm test` needs and can make itself, before any test file
 * runs: the test database (created when missing). What it cannot make (PostgreSQL itself,
 * Chromium for the browser test) it names, with what to do, instead of a wall of failures.
 */
import pg from 'pg';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Creates the database named in `url` when it does not exist yet; true when it created it. */
export async function ensureTestDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`MFG_ETL_TEST_DATABASE_URL has no database name: ${redactUrl(url)}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `the tests need PostgreSQL at ${redactUrl(url)} (${(err as Error).message}): start it (e.g. pg_ctlcluster <version> main start), ` +
        `or point MFG_ETL_TEST_DATABASE_URL at a server where this user may create databases`,
    );
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`create database "${name.replace(/"/g, '""')}"`);
    } catch (err) {
      // another process created it meanwhile
      if ((err as { code?: string }).code !== '42P04') throw err;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export default async function setup(): Promise<void> {
  const url = process.env.MFG_ETL_TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  if (await ensureTestDatabase(url)) process.stderr.write(`created the test database: ${redactUrl(url)}\n`);
}
