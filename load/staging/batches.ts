/**
 * Batch persistence: create, read, transition (with the audit event written in the same
 * transaction) and checkpoint results. The rules themselves are in transform/batch-state.ts.
 */
import type { Knex } from 'knex';
import { BatchStateError, NotFoundError } from '../../core/errors.ts';
import { type BatchAction, type BatchStatus, nextStatus, SUPERSEDABLE } from '../../transform/shared/batch-state.ts';
import type { CheckpointResult } from '../../transform/shared/checkpoints.ts';
import { appendAudit } from './audit.ts';

type Db = Knex | Knex.Transaction;

export interface Batch {
  id: number;
  kind: string;
  scope: string;
  version: string;
  status: BatchStatus;
  source: string | null;
  sourceSha256: string | null;
  stats: Record<string, unknown>;
  runId: number | null;
  createdAt: Date;
  createdBy: string;
  approvedAt: Date | null;
  approvedBy: string | null;
  approvalComment: string | null;
  rejectedAt: Date | null;
  rejectedBy: string | null;
  rejectReason: string | null;
  supersededBy: number | null;
  updatedAt: Date;
}

export interface StoredCheckpoint extends CheckpointResult {
  id: number;
  createdAt: Date;
}

interface BatchRow {
  id: number;
  kind: string;
  scope: string;
  version: string;
  status: BatchStatus;
  source: string | null;
  source_sha256: string | null;
  stats: Record<string, unknown>;
  run_id: number | null;
  created_at: Date;
  created_by: string;
  approved_at: Date | null;
  approved_by: string | null;
  approval_comment: string | null;
  rejected_at: Date | null;
  rejected_by: string | null;
  reject_reason: string | null;
  superseded_by: number | null;
  updated_at: Date;
}

function toBatch(r: BatchRow): Batch {
  return {
    id: r.id,
    kind: r.kind,
    scope: r.scope,
    version: r.version,
    status: r.status,
    source: r.source,
    sourceSha256: r.source_sha256,
    stats: r.stats,
    runId: r.run_id,
    createdAt: r.created_at,
    createdBy: r.created_by,
    approvedAt: r.approved_at,
    approvedBy: r.approved_by,
    approvalComment: r.approval_comment,
    rejectedAt: r.rejected_at,
    rejectedBy: r.rejected_by,
    rejectReason: r.reject_reason,
    supersededBy: r.superseded_by,
    updatedAt: r.updated_at,
  };
}

export interface NewBatch {
  kind: string;
  scope: string;
  version: string;
  source?: string;
  sourceSha256?: string;
  stats?: Record<string, unknown>;
  runId?: number;
  actor: string;
}

export async function createBatch(db: Db, batch: NewBatch): Promise<Batch> {
  const [row] = await db('batches')
    .insert({
      kind: batch.kind,
      scope: batch.scope,
      version: batch.version,
      source: batch.source ?? null,
      source_sha256: batch.sourceSha256 ?? null,
      stats: JSON.stringify(batch.stats ?? {}),
      run_id: batch.runId ?? null,
      created_by: batch.actor,
    })
    .returning('*');
  const created = toBatch(row as BatchRow);
  await appendAudit(db, {
    actor: batch.actor,
    entity: 'batch',
    entityId: created.id,
    action: 'received',
    details: { kind: batch.kind, scope: batch.scope, version: batch.version, source: batch.source, sourceSha256: batch.sourceSha256 },
  });
  return created;
}

/** What staging measured on a batch (its stats), and the scope and version a file declared once it was read. */
export async function setBatchFigures(
  db: Db,
  id: number,
  figures: { stats: Record<string, unknown>; scope?: string; version?: string },
): Promise<void> {
  await db('batches')
    .where({ id })
    .update({
      ...(figures.scope === undefined ? {} : { scope: figures.scope }),
      ...(figures.version === undefined ? {} : { version: figures.version }),
      stats: JSON.stringify(figures.stats),
    });
}

export async function findBatch(db: Db, id: number): Promise<Batch | undefined> {
  const row = await db('batches').where({ id }).first();
  return row ? toBatch(row as BatchRow) : undefined;
}

export async function getBatch(db: Db, id: number): Promise<Batch> {
  const batch = await findBatch(db, id);
  if (!batch) throw new NotFoundError(`batch ${id} does not exist; list batches with: mfg-etl batches`, { context: { batchId: id } });
  return batch;
}

/** A batch already staged from a file with this content, if any (rejected ones excepted). */
export async function findBatchBySource(db: Db, kind: string, sourceSha256: string): Promise<Batch | undefined> {
  const row = await db('batches').where({ kind, source_sha256: sourceSha256 }).whereNot('status', 'rejected').first();
  return row ? toBatch(row as BatchRow) : undefined;
}

export interface BatchFilter {
  kind?: string;
  status?: string;
  scope?: string;
  limit?: number;
}

export async function listBatches(db: Db, filter: BatchFilter = {}): Promise<Batch[]> {
  const q = db('batches')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.kind) q.where('kind', filter.kind);
  if (filter.status) q.where('status', filter.status);
  if (filter.scope) q.where('scope', filter.scope);
  return ((await q) as BatchRow[]).map(toBatch);
}

export interface TransitionOptions {
  actor: string;
  /** why: approval comment, rejection reason, load error… */
  reason?: string;
  /** merged into the batch's stats */
  stats?: Record<string, unknown>;
  details?: Record<string, unknown>;
}

/** Columns that record who and when for each transition. */
function transitionColumns(action: BatchAction, o: TransitionOptions, now: Date): Record<string, unknown> {
  switch (action) {
    case 'validate':
      return { validated_at: now };
    case 'reject':
      return { rejected_at: now, rejected_by: o.actor, reject_reason: o.reason ?? null };
    case 'approve':
      return { approved_at: now, approved_by: o.actor, approval_comment: o.reason ?? null };
    case 'start_load':
      return { loading_at: now };
    case 'finish_load':
      return { loaded_at: now };
    case 'fail_load':
      return { load_failed_at: now };
    case 'supersede':
      return { superseded_at: now };
  }
}

async function applyTransition(
  trx: Knex.Transaction,
  batch: Batch,
  action: BatchAction,
  o: TransitionOptions,
  extra: Record<string, unknown> = {},
): Promise<Batch> {
  const to = nextStatus(batch.status, action, batch.id);
  const now = new Date();
  const update: Record<string, unknown> = { status: to, updated_at: now, ...transitionColumns(action, o, now), ...extra };
  if (o.stats) update.stats = JSON.stringify({ ...batch.stats, ...o.stats });
  const [row] = await trx('batches').where({ id: batch.id }).update(update).returning('*');
  await appendAudit(trx, {
    actor: o.actor,
    entity: 'batch',
    entityId: batch.id,
    action: to,
    details: { from: batch.status, to, reason: o.reason, ...o.details },
  });
  return toBatch(row as BatchRow);
}

/**
 * Moves a batch along its life cycle. Approving also supersedes older approved-but-unloaded
 * versions of the same kind and scope, in the same transaction.
 */
export async function transitionBatch(knex: Knex, id: number, action: BatchAction, options: TransitionOptions): Promise<Batch> {
  return knex.transaction(async (trx) => {
    const row = await trx('batches').where({ id }).forUpdate().first();
    if (!row) throw new NotFoundError(`batch ${id} does not exist; list batches with: mfg-etl batches`, { context: { batchId: id } });
    const batch = toBatch(row as BatchRow);
    nextStatus(batch.status, action, batch.id); // the life-cycle rule speaks first
    if (action === 'approve') {
      // approving an older version behind a newer approved one would load stale figures last
      const newer = await trx('batches')
        .where({ kind: batch.kind, scope: batch.scope })
        .whereIn('status', ['approved', 'loading', 'loaded', 'load_failed'])
        .where('id', '>', batch.id)
        .orderBy('id', 'desc')
        .first('id', 'status');
      if (newer) {
        throw new BatchStateError(
          `batch ${batch.id} is older than batch ${newer.id} (${newer.status}) of the same ${batch.kind} scope ${batch.scope}; reject batch ${newer.id} first, or import this version again`,
          { context: { batchId: batch.id, newerBatchId: newer.id } },
        );
      }
    }
    const updated = await applyTransition(trx, batch, action, options);
    if (action === 'approve') {
      const older = (await trx('batches')
        .where({ kind: batch.kind, scope: batch.scope })
        .whereIn('status', SUPERSEDABLE as BatchStatus[])
        .where('id', '<', batch.id)
        .forUpdate()) as BatchRow[];
      for (const o of older) {
        await applyTransition(
          trx,
          toBatch(o),
          'supersede',
          { actor: options.actor, reason: `replaced by batch ${batch.id}` },
          { superseded_by: batch.id },
        );
      }
    }
    return updated;
  });
}

export async function recordCheckpoints(db: Db, batchId: number, results: readonly CheckpointResult[]): Promise<void> {
  if (results.length === 0) return;
  await db('checkpoint_results').insert(
    results.map((r) => ({
      batch_id: batchId,
      name: r.name,
      severity: r.severity,
      passed: r.passed,
      measured: JSON.stringify(r.measured),
      message: r.message,
    })),
  );
}

export async function listCheckpoints(db: Db, batchId: number): Promise<StoredCheckpoint[]> {
  const rows = await db('checkpoint_results').where({ batch_id: batchId }).orderBy('id');
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    severity: r.severity,
    passed: r.passed,
    measured: r.measured,
    message: r.message,
    createdAt: r.created_at,
  }));
}
