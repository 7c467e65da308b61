/**
 * The one write path to Odoo for the loaders: entries planned against the ledger (pure, in
 * transform/shared/odoo-write.ts and each pipeline's plan) are written through the Odoo client and
 * recorded in the ledger right after each call that landed, so a crash, a retry or a rerun
 * never writes them twice.
 *
 *   loadByExternalId: upserts by external id `mfg_etl.<key>` through `load`, in chunks with a
 *     bounded number of calls in flight; a chunk's bad rows are isolated by the client
 *     (bisection) and come back with Odoo's message;
 *   writeGroups: one Odoo call sequence per group (one price on many products, one counted
 *     quantity on many quants, one quant created), recorded after each group; the first group
 *     that fails stops the rest.
 */
import type { Knex } from 'knex';
import type { LoadCell, LoadMessage, OdooClient } from '../../core/odoo/index.ts';
import { xmlid } from '../../transform/shared/odoo-write.ts';
import { appendLedger, type LedgerEntry } from './ledger.ts';

type Db = Knex | Knex.Transaction;

/**
 * One planned write: its business key, its batch, the payload hash, create or update, and the
 * file lines it came from (lineage): `lines` are line_no of the batch's staged lines (several
 * when one record sums several lines; [] when the write comes from a line's absence), of
 * `sourceBatchId` when the lines are another batch's (default: `batchId`).
 */
export interface WriteEntry {
  key: string;
  batchId: number | null;
  hash: string;
  op: 'create' | 'update';
  lines?: readonly number[];
  sourceBatchId?: number;
}

/** The lineage columns of a write's ledger row. */
export function sourceOf(entry: Pick<WriteEntry, 'batchId' | 'lines' | 'sourceBatchId'>): {
  sourceBatchId: number | null;
  sourceLines: readonly number[] | null;
} {
  if (!entry.lines) return { sourceBatchId: entry.sourceBatchId ?? null, sourceLines: null };
  return { sourceBatchId: entry.sourceBatchId ?? entry.batchId, sourceLines: entry.lines };
}

/** A write sent through `load`: its cells, the external id first. */
export interface LoadEntry extends WriteEntry {
  cells: readonly LoadCell[];
}

export interface WriteContext {
  db: Db;
  runId: number | null;
  signal?: AbortSignal;
}

/** The ledger rows of entries Odoo took, with the record id it answered. */
export function ledgerRows(
  model: string,
  runId: number | null,
  written: ReadonlyArray<{ entry: WriteEntry; id: number | null }>,
  externalIds: boolean,
): LedgerEntry[] {
  return written.map(({ entry, id }) => ({
    batchId: entry.batchId,
    businessKey: entry.key,
    odooModel: model,
    odooId: id,
    externalId: externalIds ? xmlid(entry.key) : null,
    operation: entry.op,
    payloadHash: entry.hash,
    runId,
    ...sourceOf(entry),
  }));
}

export interface LoadByExternalIdOptions extends WriteContext {
  /** rows per `load` call */
  chunkSize: number;
  /** calls in flight */
  concurrency: number;
  /** context of the `load` calls (e.g. tz) */
  context?: Record<string, unknown>;
  /** after each chunk is recorded: what it sent and how many Odoo took */
  onChunk?: (sent: number, written: number) => void;
}

export interface LoadByExternalIdResult<E extends LoadEntry> {
  loaded: Array<{ entry: E; id: number }>;
  failed: Array<{ entry: E; message: string; messages: LoadMessage[] }>;
  calls: number;
}

/**
 * Upserts `entries` of `model` by external id through `load`, `chunkSize` rows per call,
 * `concurrency` calls in flight, the ledger written after every call. When a call fails for good
 * (retries spent), no further chunk starts; the chunks that landed are in the ledger, and the
 * error is thrown.
 */
export async function loadByExternalId<E extends LoadEntry>(
  client: Pick<OdooClient, 'loadRecords'>,
  model: string,
  fields: string[],
  entries: readonly E[],
  o: LoadByExternalIdOptions,
): Promise<LoadByExternalIdResult<E>> {
  const result: LoadByExternalIdResult<E> = { loaded: [], failed: [], calls: 0 };
  const chunks: E[][] = [];
  for (let i = 0; i < entries.length; i += o.chunkSize) chunks.push(entries.slice(i, i + o.chunkSize));
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < chunks.length) {
      const part = chunks[next++]!;
      try {
        o.signal?.throwIfAborted();
        const answer = await client.loadRecords(
          model,
          fields,
          part.map((e) => [...e.cells]),
          { batchSize: part.length, ...(o.context ? { context: o.context } : {}) },
        );
        result.calls += answer.calls;
        const loaded: Array<{ entry: E; id: number }> = [];
        answer.rows.forEach((r, i) => {
          const entry = part[i]!;
          if (r.ok) loaded.push({ entry, id: r.id });
          else result.failed.push({ entry, message: r.message, messages: r.messages });
        });
        await appendLedger(o.db, ledgerRows(model, o.runId, loaded, true));
        result.loaded.push(...loaded);
        o.onChunk?.(part.length, loaded.length);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, o.concurrency), chunks.length) }, () => worker()));
  if (failure) throw failure.error;
  return result;
}

/** Records what Odoo took in the ledger (without external id): the recorder of writeGroups for load_ledger. */
export function recordInLedger<E extends WriteEntry>(
  db: Db,
  model: string,
  runId: number | null,
): (written: ReadonlyArray<{ entry: E; id: number | null }>) => Promise<void> {
  return (written) => appendLedger(db, ledgerRows(model, runId, written, false));
}

export interface WriteGroup<E> {
  /** the entries the group writes, with the record each one is (null: the write makes it) */
  entries: ReadonlyArray<{ entry: E; id: number | null }>;
  /** the Odoo calls of the group; a create answers the entries with the records it made */
  write: () => Promise<ReadonlyArray<{ entry: E; id: number | null }> | void>;
}

export interface WriteGroupsResult<E> {
  written: Array<{ entry: E; id: number | null }>;
  /** groups whose write went through */
  calls: number;
  /** the group that failed (the rest was not tried), and why */
  failure?: { error: unknown; entries: ReadonlyArray<{ entry: E; id: number | null }> };
}

/**
 * Writes the groups one after the other, each recorded (`record`: the ledger, or a pipeline's own
 * ledger table) as soon as its calls went through, before the next group starts. A group that
 * fails stops the rest: what was written stays recorded, the failure is answered for the caller
 * to report or throw.
 */
export async function writeGroups<E>(
  groups: ReadonlyArray<WriteGroup<E>>,
  o: {
    record: (written: ReadonlyArray<{ entry: E; id: number | null }>) => Promise<void>;
    signal?: AbortSignal;
    onGroup?: (written: number) => void;
  },
): Promise<WriteGroupsResult<E>> {
  const result: WriteGroupsResult<E> = { written: [], calls: 0 };
  for (const group of groups) {
    o.signal?.throwIfAborted();
    let written: ReadonlyArray<{ entry: E; id: number | null }>;
    try {
      written = (await group.write()) ?? group.entries;
    } catch (error) {
      result.failure = { error, entries: group.entries };
      break;
    }
    result.calls++;
    await o.record(written);
    result.written.push(...written);
    o.onGroup?.(result.written.length);
  }
  return result;
}
