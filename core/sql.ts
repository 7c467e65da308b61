/**
 * Set-based SQL lives in sql/*.sql with PostgreSQL's own $1…$n parameters, so the files run as
 * they are in psql. `runSql` reads a file once and executes it on a knex handle or transaction.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import type pg from 'pg';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const cache = new Map<string, string>();

export function sqlText(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(`${SQL_DIR}${name}.sql`, 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** Runs raw SQL with $n parameters on the knex pool, or on a transaction's own connection. */
export async function pgQuery<R extends pg.QueryResultRow = Record<string, unknown>>(
  db: Knex | Knex.Transaction,
  text: string,
  values: readonly unknown[] = [],
): Promise<pg.QueryResult<R>> {
  const conn = (await db.client.acquireConnection()) as pg.PoolClient;
  try {
    return await conn.query<R>(text, values as unknown[]);
  } finally {
    await db.client.releaseConnection(conn);
  }
}

export async function runSql<R extends pg.QueryResultRow = Record<string, unknown>>(
  db: Knex | Knex.Transaction,
  name: string,
  values: readonly unknown[] = [],
): Promise<R[]> {
  return (await pgQuery<R>(db, sqlText(name), values)).rows;
}
