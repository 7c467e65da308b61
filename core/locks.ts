/**
 * Session-level advisory locks held on a dedicated pool connection while `fn` runs, for work
 * that other connections do meanwhile (pg-boss installing its schema, importing one claimed file).
 * On embedded PGlite every connection is one session, where these locks always succeed: fine,
 * since only one process can open the embedded database.
 */
import type { Knex } from 'knex';
import type pg from 'pg';

async function onDedicatedConnection<T>(knex: Knex, fn: (conn: pg.PoolClient) => Promise<T>): Promise<T> {
  const conn = (await knex.client.acquireConnection()) as pg.PoolClient;
  try {
    return await fn(conn);
  } finally {
    await knex.client.releaseConnection(conn);
  }
}

/** Waits for the lock, then runs `fn`. */
export async function withSessionLock<T>(knex: Knex, key: string, fn: () => Promise<T>): Promise<T> {
  return onDedicatedConnection(knex, async (conn) => {
    await conn.query('select pg_advisory_lock(hashtext($1))', [key]);
    try {
      return await fn();
    } finally {
      await conn.query('select pg_advisory_unlock(hashtext($1))', [key]);
    }
  });
}

/** Runs `fn` if the lock is free; undefined (without waiting) when someone else holds it. */
export async function tryWithSessionLock<T>(knex: Knex, key: string, fn: () => Promise<T>): Promise<T | undefined> {
  return onDedicatedConnection(knex, async (conn) => {
    const { rows } = await conn.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [key]);
    if (!rows[0]?.locked) return undefined;
    try {
      return await fn();
    } finally {
      await conn.query('select pg_advisory_unlock(hashtext($1))', [key]);
    }
  });
}
