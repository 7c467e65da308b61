/**
 * Lets pg-boss run its SQL through our knex pool (or inside a knex transaction), so enqueueing a
 * run can commit together with the run record and the scheduler's slot claim, and the embedded
 * database sees one pool instead of two.
 */
import type { Knex } from 'knex';
import type pg from 'pg';

export interface BossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export function bossDb(knex: Knex | Knex.Transaction): BossDb {
  const inTransaction = knex.isTransaction === true;
  return {
    async executeSql(text, values = []) {
      // a transaction's client hands back the transaction's own connection (as in core/sql.ts)
      const conn = (await knex.client.acquireConnection()) as pg.PoolClient;
      try {
        return await conn.query(text, values as unknown[]);
      } catch (err) {
        // pg-boss sends scripts with their own BEGIN…COMMIT: a failure half-way leaves the
        // pooled connection inside an aborted transaction, which must not go back to the pool
        if (!inTransaction) await conn.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        await knex.client.releaseConnection(conn);
      }
    },
  };
}
