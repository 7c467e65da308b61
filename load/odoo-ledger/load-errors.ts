/**
 * The rows a load did not get into Odoo (load_row_errors), with their batch, model, business key
 * and what Odoo or the plan said: written the same way by every loader that keeps them.
 */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export interface LoadRowError {
  model: string;
  key: string;
  ref: string;
  message: string;
  details?: Record<string, unknown>;
  /** line_no of the batch's staged lines behind the row (lineage) */
  lines?: readonly number[];
}

export async function saveLoadErrors(db: Db, batchId: number, runId: number, errors: readonly LoadRowError[]): Promise<void> {
  for (let i = 0; i < errors.length; i += 1000) {
    await db('load_row_errors').insert(
      errors.slice(i, i + 1000).map((e) => ({
        batch_id: batchId,
        run_id: runId,
        odoo_model: e.model,
        business_key: e.key,
        ref: e.ref,
        message: e.message,
        details: JSON.stringify(e.details ?? {}),
        source_lines: e.lines ? [...e.lines] : null,
      })),
    );
  }
}

/**
 * The rejected rows of a batch's last load (the run its stats name: after a successful rerun,
 * none), or of the given run.
 */
export async function listLoadErrors(db: Db, batchId: number, runId?: number): Promise<Array<LoadRowError & { runId: number | null }>> {
  let run = runId;
  if (run === undefined) {
    const row = (await db('batches').where({ id: batchId }).first(db.raw(`stats->'load'->>'runId' as run`))) as
      { run: string | null } | undefined;
    if (!row?.run) return [];
    run = Number(row.run);
  }
  const rows = (await db('load_row_errors').where({ batch_id: batchId, run_id: run }).orderBy('id')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    model: String(r.odoo_model),
    key: String(r.business_key),
    ref: String(r.ref),
    message: String(r.message),
    details: r.details as Record<string, unknown>,
    runId: num(r.run_id),
  }));
}
