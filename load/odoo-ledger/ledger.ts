/**
 * The load ledger: what was written to Odoo, under which business key, with which payload hash.
 * Append-only in use: each successful write adds a row; the latest row per (model, key) is what
 * Odoo holds as far as mfg-etl knows. Delta loads skip rows whose hash equals that latest one.
 */
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';

type Db = Knex | Knex.Transaction;

export type LedgerOperation = 'create' | 'update' | 'noop';

export interface LedgerEntry {
  batchId: number | null;
  businessKey: string;
  odooModel: string;
  odooId: number | null;
  externalId: string | null;
  operation: LedgerOperation;
  payloadHash: string;
  runId: number | null;
  /** the batch whose file holds `sourceLines` (default: none; see sql/migrations/016_lineage.sql) */
  sourceBatchId?: number | null;
  /** line_no of the staged lines the write came from; [] = from the absence of a line; null/absent = no file line */
  sourceLines?: readonly number[] | null;
}

export interface LedgerLast {
  hash: string;
  odooId: number | null;
  batchId: number | null;
  loadedAt: Date;
}

/** The latest ledger entry per business key of `model`, for the given keys. */
export async function lastLedgerEntries(db: Db, model: string, keys: readonly string[]): Promise<Map<string, LedgerLast>> {
  const out = new Map<string, LedgerLast>();
  if (keys.length === 0) return out;
  const rows = await runSql<{
    business_key: string;
    payload_hash: string;
    odoo_id: string | null;
    batch_id: string | null;
    loaded_at: Date;
  }>(db, 'odoo-ledger/ledger_last', [model, keys]);
  for (const r of rows) {
    out.set(r.business_key, {
      hash: r.payload_hash,
      odooId: r.odoo_id === null ? null : Number(r.odoo_id),
      batchId: r.batch_id === null ? null : Number(r.batch_id),
      loadedAt: r.loaded_at,
    });
  }
  return out;
}

/** Appends entries, one statement per (batch, model, run): array parameters through unnest. */
export async function appendLedger(db: Db, entries: readonly LedgerEntry[]): Promise<void> {
  const groups = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    const group = `${e.batchId}|${e.odooModel}|${e.runId}`;
    const list = groups.get(group);
    if (list) list.push(e);
    else groups.set(group, [e]);
  }
  for (const list of groups.values()) {
    const first = list[0]!;
    await runSql(db, 'odoo-ledger/ledger_append', [
      first.batchId,
      first.odooModel,
      first.runId,
      list.map((e) => e.businessKey),
      list.map((e) => e.odooId),
      list.map((e) => e.externalId),
      list.map((e) => e.operation),
      list.map((e) => e.payloadHash),
      list.map((e) => e.sourceBatchId ?? null),
      // int[][] would have to be rectangular: each row's lines go as an array literal
      list.map((e) => (e.sourceLines ? `{${e.sourceLines.join(',')}}` : null)),
    ]);
  }
}

/** Business keys of `model` this batch already wrote, with the payload hash of its last write (a rerun: nothing to do). */
export async function batchLedgerHashes(db: Db, batchId: number, model: string): Promise<Map<string, string>> {
  const rows = (await db('load_ledger')
    .where({ batch_id: batchId, odoo_model: model })
    .whereIn('operation', ['create', 'update'])
    .orderBy('id')
    .select('business_key', 'payload_hash')) as Array<{ business_key: string; payload_hash: string }>;
  const out = new Map<string, string>();
  for (const r of rows) out.set(r.business_key, r.payload_hash);
  return out;
}

/** The Odoo record this batch last wrote under a business key of `model`. */
export async function batchLedgerOdooId(db: Db, batchId: number, model: string, key: string): Promise<number | undefined> {
  const row = (await db('load_ledger')
    .where({ batch_id: batchId, odoo_model: model, business_key: key })
    .orderBy('id', 'desc')
    .first('odoo_id')) as { odoo_id: string | number | null } | undefined;
  return row?.odoo_id === null || row?.odoo_id === undefined ? undefined : Number(row.odoo_id);
}

/** Ledger rows a batch wrote, per model and operation (for stats and tests). */
export async function ledgerCounts(db: Db, batchId: number): Promise<Array<{ model: string; operation: LedgerOperation; rows: number }>> {
  const rows = (await db('load_ledger')
    .where('batch_id', batchId)
    .groupBy('odoo_model', 'operation')
    .orderBy(['odoo_model', 'operation'])
    .select('odoo_model', 'operation')
    .count('* as n')) as Array<{ odoo_model: string; operation: LedgerOperation; n: string | number }>;
  return rows.map((r) => ({ model: r.odoo_model, operation: r.operation, rows: Number(r.n) }));
}
