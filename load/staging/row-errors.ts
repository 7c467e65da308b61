/** Row-level problems of a batch (batch_row_errors), kept so the error report can be rebuilt. */
import type { Knex } from 'knex';
import type { RowError } from '../../transform/shared/checkpoints.ts';

type Db = Knex | Knex.Transaction;

export async function saveRowErrors(db: Db, batchId: number, errors: readonly RowError[]): Promise<void> {
  for (let i = 0; i < errors.length; i += 1000) {
    const chunk = errors.slice(i, i + 1000);
    await db('batch_row_errors').insert(
      chunk.map((e, j) => ({ batch_id: batchId, seq: i + j + 1, ref: e.ref, col: e.column, value: e.value, message: e.message })),
    );
  }
}

export async function listRowErrors(db: Db, batchId: number): Promise<RowError[]> {
  const rows = await db('batch_row_errors').where({ batch_id: batchId }).orderBy('seq');
  return rows.map((r) => ({ ref: r.ref, column: r.col, value: r.value, message: r.message }));
}
