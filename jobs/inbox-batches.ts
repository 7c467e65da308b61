/**
 * The inbox → batch pipeline shared by every file-fed batch kind (forecasts, cost updates,
 * warehouse counts): claim (atomic rename) → sha256 → stage in one transaction (the kind's own
 * parse, lines, checkpoints and state) → archive, or reject with the row-error report.
 *
 * Crash safety: a file stays in processing/ until its batch has committed; a rerun finds the
 * committed batch by (sha256, claim id) and only finishes moving the file, or redoes the file
 * when nothing committed. Identical content already staged is archived as a duplicate. Each
 * claimed file is imported under an advisory lock on its claim, so overlapping runs never take
 * one file twice.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import { z } from 'zod';
import { DataValidationError, describeError } from '../core/errors.ts';
import { tryWithSessionLock } from '../core/locks.ts';
import {
  archive,
  archiveDuplicate,
  claim,
  type ClaimedFile,
  listProcessing,
  reject,
  scanInbox,
  sha256File,
} from '../extract/inbox/inbox.ts';
import { appendAudit } from '../load/staging/audit.ts';
import {
  type Batch,
  createBatch,
  findBatchBySource,
  getBatch,
  listCheckpoints,
  recordCheckpoints,
  setBatchFigures,
  type StoredCheckpoint,
  transitionBatch,
} from '../load/staging/batches.ts';
import { listRowErrors, saveRowErrors } from '../load/staging/row-errors.ts';
import { type ApprovalPolicy, type CheckpointResult, type RowError, verdict } from '../transform/shared/checkpoints.ts';
import type { JobContext } from './job.ts';

export const ACTOR = 'mfg-etl';

/** The parameters of every inbox import job (forecast-import, cost-import, count-import). */
export const inboxImportParams = z
  .object({
    /** overrides MFG_ETL_INBOX_SETTLE_SECONDS for this run */
    settleSeconds: z.coerce.number().int().nonnegative().optional(),
  })
  .strict();

export interface InboxBatchKind {
  /** batch kind, e.g. forecast */
  kind: string;
  /** inbox subfolder, e.g. forecasts */
  folder: string;
  /** parse and stage the file inside `trx` (start with startInboxBatch, end with concludeBatch) */
  stage(trx: Knex.Transaction, claimed: ClaimedFile, sha: string): Promise<Batch>;
  /** the plain-words report beside a rejected file */
  report(input: { fileName: string; batch: Batch; checkpoints: readonly StoredCheckpoint[]; rowErrors: readonly RowError[] }): string;
  /** what an approved file already did, in words, when nothing waits for a load job (e.g. MES acknowledgments) */
  summarize?(batch: Batch): string | undefined;
}

type Outcome = 'staged' | 'rejected' | 'duplicate';

export interface FileResult {
  file: string;
  outcome: Outcome;
  batchId: number;
  status: string;
  lines: number;
}

export function stem(name: string): string {
  return name.replace(/\.[^.]+$/, '');
}

/** Creates the batch of a claimed file; the claim id in its stats lets a rerun recognise it. */
export function startInboxBatch(
  ctx: JobContext,
  trx: Knex.Transaction,
  spec: Pick<InboxBatchKind, 'kind' | 'folder'>,
  claimed: ClaimedFile,
  sha: string,
  labels: { scope?: string; version?: string },
): Promise<Batch> {
  return createBatch(trx, {
    kind: spec.kind,
    scope: labels.scope ?? 'pending',
    version: labels.version ?? stem(claimed.name),
    source: `${spec.folder}/${claimed.name}`,
    sourceSha256: sha,
    runId: ctx.runId,
    actor: ACTOR,
    stats: { claimId: claimed.claimId },
  });
}

/**
 * The end of staging one file: its figures on the batch, a rejected file's lines dropped (the file
 * itself is kept in rejected/ with its report; its lines would only take space), then the verdict.
 */
export async function concludeStagedFile(
  trx: Knex.Transaction,
  batchId: number,
  figures: { stats: Record<string, unknown>; scope?: string; version?: string },
  verdictOf: { results: readonly CheckpointResult[]; policy: ApprovalPolicy },
  rejectedLines?: { rejected: boolean; drop: (trx: Knex.Transaction, batchId: number) => Promise<unknown> },
): Promise<Batch> {
  await setBatchFigures(trx, batchId, figures);
  if (rejectedLines?.rejected) await rejectedLines.drop(trx, batchId);
  return concludeBatch(trx, batchId, verdictOf.results, verdictOf.policy);
}

/** Records the verdict of the checkpoints: rejected, validated (waiting for a person) or approved. */
export async function concludeBatch(
  trx: Knex.Transaction,
  batchId: number,
  results: readonly CheckpointResult[],
  policy: ApprovalPolicy,
): Promise<Batch> {
  const decision = verdict(results, policy);
  if (decision === 'rejected') {
    const names = results.filter((r) => !r.passed && r.severity === 'error').map((r) => r.name);
    return transitionBatch(trx, batchId, 'reject', { actor: ACTOR, reason: `failed checkpoints: ${names.join(', ')}` });
  }
  const validated = await transitionBatch(trx, batchId, 'validate', { actor: ACTOR });
  if (decision === 'approve') return transitionBatch(trx, batchId, 'approve', { actor: ACTOR, reason: `auto-approved (policy ${policy})` });
  return validated;
}

/** lines per INSERT: large enough to amortise the round trip, small enough to keep memory flat */
export const STAGE_CHUNK = 20_000;

/**
 * What a chunk is made of before it is sent, built batch by batch as the lines are parsed (e.g.
 * the rows of a COPY): the parsed lines can then go at once instead of waiting for their chunk.
 */
export interface ChunkBuilder<T, P> {
  /** takes in a parsed batch, numbered from `firstLineNo` */
  add(lines: readonly T[], firstLineNo: number): void;
  /** what was added since the last take, for `insert` */
  take(): P;
}

/**
 * Stages parsed lines in chunks of STAGE_CHUNK, parsing the next chunk while the previous INSERT
 * is in flight (one at a time: they share the transaction's connection). `insert` gets the
 * 1-based number of the chunk's first line. Returns how many lines were staged.
 *
 * With a `builder`, each parsed batch goes into it as it comes, and `insert` gets what the
 * builder made of the chunk instead of the lines.
 */
export async function stageInChunks<T, P = T[]>(
  ctx: Pick<JobContext, 'signal' | 'progress'>,
  label: string,
  parsed: AsyncIterable<readonly T[]>,
  insert: (chunk: P, firstLineNo: number) => Promise<void>,
  builder?: ChunkBuilder<T, P>,
): Promise<number> {
  let staged = 0;
  let pending: T[] = [];
  let pendingCount = 0;
  let inflight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const first = staged + 1;
    const count = pendingCount;
    const chunk = builder ? builder.take() : (pending as unknown as P);
    pending = [];
    pendingCount = 0;
    staged += count;
    await inflight;
    inflight = insert(chunk, first).then(() => ctx.progress(label, first + count - 1));
    inflight.catch(() => {}); // observed at the next flush or in finally; never an unhandled rejection meanwhile
  };
  try {
    for await (const lines of parsed) {
      ctx.signal.throwIfAborted();
      if (builder) builder.add(lines, staged + pendingCount + 1);
      else for (const line of lines) pending.push(line);
      pendingCount += lines.length;
      if (pendingCount >= STAGE_CHUNK) await flush();
    }
    if (pendingCount) await flush();
  } finally {
    await inflight;
  }
  return staged;
}

/**
 * Records a staged file's checkpoint results and its row errors: the parse errors, then, for a
 * file the checkpoints reject, the lines behind its failed checks (read before the lines are
 * dropped), together at most `maxErrors`. `lineProblems` gets a test for "this check failed with
 * an error" and how many rows are still allowed.
 */
export async function recordFindings(
  trx: Knex.Transaction,
  batchId: number,
  results: readonly CheckpointResult[],
  policy: ApprovalPolicy,
  parseErrors: readonly RowError[],
  maxErrors: number,
  lineProblems: (failed: (checkpoint: string) => boolean, limit: number) => Promise<RowError[]>,
): Promise<{ rejected: boolean; lineProblems: number }> {
  await recordCheckpoints(trx, batchId, results);
  const rejected = verdict(results, policy) === 'rejected';
  const failed = (name: string) => results.some((r) => r.name === name && !r.passed && r.severity === 'error');
  const limit = maxErrors - parseErrors.length;
  const problems = rejected && limit > 0 ? await lineProblems(failed, limit) : [];
  await saveRowErrors(trx, batchId, [...parseErrors, ...problems]);
  return { rejected, lineProblems: problems.length };
}

/** Failed checkpoints as error-report rows, after the row errors. */
export function checkpointErrorRows(checkpoints: readonly CheckpointResult[]): RowError[] {
  return checkpoints.filter((c) => !c.passed).map((c) => ({ ref: '(check)', column: c.name, value: c.severity, message: c.message }));
}

/** A file that cannot be read as a table at all: a rejected batch with the reason, no lines. */
async function recordUnreadable(
  ctx: JobContext,
  trx: Knex.Transaction,
  spec: InboxBatchKind,
  claimed: ClaimedFile,
  sha: string,
  err: DataValidationError,
): Promise<Batch> {
  const batch = await createBatch(trx, {
    kind: spec.kind,
    scope: 'unknown',
    version: stem(claimed.name),
    source: `${spec.folder}/${claimed.name}`,
    sourceSha256: sha,
    runId: ctx.runId,
    actor: ACTOR,
    stats: { claimId: claimed.claimId, fileName: claimed.name, lines: 0, errorCount: 1, errorsListed: 1 },
  });
  const code = (err.context.code as string | undefined) ?? 'unreadable';
  await recordCheckpoints(trx, batch.id, [
    { name: 'file_readable', severity: 'error', passed: false, measured: { code }, message: err.message },
  ]);
  await saveRowErrors(trx, batch.id, [{ ref: '(file)', column: '', value: '', message: err.message }]);
  return transitionBatch(trx, batch.id, 'reject', { actor: ACTOR, reason: err.message });
}

/** After the batch committed: move the file to archive/ or, with its reports, to rejected/. */
async function finishFile(knex: Knex, spec: InboxBatchKind, claimed: ClaimedFile, batch: Batch): Promise<void> {
  if (batch.status !== 'rejected') {
    await archive(claimed, new Date());
    return;
  }
  const checkpoints = await listCheckpoints(knex, batch.id);
  const rowErrors = await listRowErrors(knex, batch.id);
  const report = spec.report({ fileName: claimed.name, batch, checkpoints, rowErrors });
  const fileError = checkpoints.some((c) => c.name === 'file_readable');
  await reject(claimed, fileError ? rowErrors : [...rowErrors, ...checkpointErrorRows(checkpoints)], report);
}

/** lines left in staging: a rejected batch's lines are dropped (its stats keep what was read) */
function stagedLines(batch: Batch): number {
  return batch.status === 'rejected' ? 0 : Number(batch.stats.lines ?? 0);
}

function resultOf(file: string, batch: Batch): FileResult {
  return {
    file,
    outcome: batch.status === 'rejected' ? 'rejected' : 'staged',
    batchId: batch.id,
    status: batch.status,
    lines: stagedLines(batch),
  };
}

/** A batch this very claim already committed (the run crashed before moving the file). */
async function committedByClaim(knex: Knex, kind: string, sha: string, claimId: string): Promise<Batch | undefined> {
  const row = await knex('batches')
    .where({ kind, source_sha256: sha })
    .whereRaw(`stats->>'claimId' = ?`, [claimId])
    .orderBy('id', 'desc')
    .first('id');
  return row ? getBatch(knex, row.id as number) : undefined;
}

async function importFile(ctx: JobContext, spec: InboxBatchKind, claimed: ClaimedFile): Promise<FileResult> {
  const knex = ctx.db.knex;
  const sha = await sha256File(claimed.path);
  const file = claimed.name;

  const committed = await committedByClaim(knex, spec.kind, sha, claimed.claimId);
  if (committed) {
    ctx.logger.info('finishing a file whose batch committed before an interruption', { file, batchId: committed.id });
    await finishFile(knex, spec, claimed, committed);
    return resultOf(file, committed);
  }

  const duplicateOf = async (): Promise<FileResult | undefined> => {
    const existing = await findBatchBySource(knex, spec.kind, sha);
    if (!existing) return undefined;
    const archivedAs = await archiveDuplicate(claimed, new Date());
    await appendAudit(knex, {
      actor: ACTOR,
      entity: 'batch',
      entityId: existing.id,
      action: 'duplicate_file',
      details: { file, archivedAs: path.basename(archivedAs), runId: ctx.runId },
    });
    ctx.logger.info('identical to a file already staged: archived as duplicate', { file, batchId: existing.id });
    return { file, outcome: 'duplicate', batchId: existing.id, status: existing.status, lines: 0 };
  };
  const dup = await duplicateOf();
  if (dup) return dup;

  let batch: Batch;
  try {
    batch = await knex.transaction((trx) => spec.stage(trx, claimed, sha));
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      // another worker staged identical content a moment ago
      const again = await duplicateOf();
      if (again) return again;
    }
    if (!(err instanceof DataValidationError)) throw err; // the file stays in processing/ for the retry
    ctx.logger.warn('file cannot be read', { file, kind: spec.kind, error: describeError(err).message });
    batch = await knex.transaction((trx) => recordUnreadable(ctx, trx, spec, claimed, sha, err));
  }
  await finishFile(knex, spec, claimed, batch);
  ctx.logger.info('inbox file imported', { file, kind: spec.kind, batchId: batch.id, status: batch.status, lines: batch.stats.lines });
  return resultOf(file, batch);
}

/**
 * Imports a claimed file while holding a session advisory lock on its claim. A file in processing/
 * may be in flight in another run (a run timed out and retried while the first still works, or
 * two workers): the run that gets the lock imports it, the other skips it (undefined).
 */
async function importClaimed(ctx: JobContext, spec: InboxBatchKind, claimed: ClaimedFile): Promise<FileResult | undefined> {
  const result = await tryWithSessionLock(ctx.db.knex, `inbox claim ${claimed.claimId}`, async () => {
    // finished by another run between our listing (or claim) and the lock
    const present = await access(claimed.path).then(
      () => true,
      () => false,
    );
    return present ? importFile(ctx, spec, claimed) : null;
  });
  if (result === undefined)
    ctx.logger.debug('file is being imported by another run: skipped', { file: claimed.name, claimId: claimed.claimId });
  return result ?? undefined;
}

/** One pass over an inbox folder: what an interrupted run left behind first, then what is new. */
export async function importInbox(ctx: JobContext, spec: InboxBatchKind, settleSeconds: number): Promise<Record<string, unknown>> {
  const root = path.join(ctx.config.inbox, spec.folder);
  const results: FileResult[] = [];
  const leftBehind = await listProcessing(root);
  if (!ctx.dryRun)
    for (const claimed of leftBehind) {
      const result = await importClaimed(ctx, spec, claimed);
      if (result) results.push(result);
    }
  const scan = await scanInbox(root, { settleSeconds });
  if (ctx.dryRun) {
    const ready = scan.ready.map((f) => f.name);
    const waiting = scan.waiting.map((f) => f.name);
    // a dry run writes nothing: what an interrupted run left in processing/ is listed, not finished
    const unfinished = leftBehind.map((f) => f.name);
    return {
      dryRun: true,
      ready,
      waiting,
      unfinished,
      ignored: scan.ignored,
      summary: [
        `DRY RUN: nothing imported from ${root}`,
        ...(unfinished.length
          ? [`${unfinished.length} file(s) an interrupted run left in processing/, finished by the next real run: ${unfinished.join(', ')}`]
          : []),
        ready.length ? `${ready.length} file(s) ready: ${ready.join(', ')}` : 'no file ready',
        ...(waiting.length
          ? [`${waiting.length} file(s) still being written (taken once unchanged for ${settleSeconds} s): ${waiting.join(', ')}`]
          : []),
        ...(scan.ignored.length ? [`${scan.ignored.length} file(s) ignored (temporary, lock or unsupported files)`] : []),
        ...(ready.length ? [`to import them: mfg-etl run ${IMPORT_JOB[spec.kind] ?? '<import job>'}`] : []),
      ],
    };
  }
  for (const file of scan.ready) {
    ctx.signal.throwIfAborted();
    const claimed = await claim(root, file.name);
    const result = claimed ? await importClaimed(ctx, spec, claimed) : undefined;
    if (result) results.push(result);
  }
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  return {
    files: results.length,
    staged: count('staged'),
    rejected: count('rejected'),
    duplicates: count('duplicate'),
    waiting: scan.waiting.length,
    ignored: scan.ignored.length,
    rowsStaged: results.reduce((sum, r) => sum + r.lines, 0),
    batches: results.map((r) => ({ file: r.file, batchId: r.batchId, status: r.status, outcome: r.outcome })),
    summary: await importSummary(ctx.db.knex, spec, root, results, scan.waiting.length),
  };
}

/** The job that imports files of this kind. */
const IMPORT_JOB: Record<string, string> = {
  forecast: 'forecast-import',
  cost_update: 'cost-import',
  inventory_count: 'count-import',
  mes_report: 'mes-report',
};

/** After a batch of this kind is approved: the job that takes it on. */
const NEXT_JOB: Record<string, (batchId: number) => string> = {
  forecast: () => 'mfg-etl run forecast-load',
  cost_update: () => 'mfg-etl run cost-rollup',
  inventory_count: (id) => `mfg-etl run inventory-reconciliation --param batch=${id}`,
  mes_report: () => 'mfg-etl run mes-load',
};

/** What an import did, for people: per file its batch, what needs a person and the exact next command. */
async function importSummary(
  knex: Knex,
  spec: InboxBatchKind,
  root: string,
  results: readonly FileResult[],
  waiting: number,
): Promise<string[]> {
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const rows = results.reduce((sum, r) => sum + r.lines, 0);
  if (results.length === 0) {
    return [`no new file in ${root}${waiting ? `; ${waiting} still being written (taken once unchanged)` : ''}`];
  }
  const lines = [
    `read ${results.length} file(s) from ${root}: ${count('staged')} staged (${rows.toLocaleString('en')} lines), ${count('rejected')} rejected, ${count('duplicate')} duplicate(s)`,
  ];
  for (const r of results) {
    const failed = (await listCheckpoints(knex, r.batchId)).filter((c) => !c.passed);
    const reasons = failed.slice(0, 3).map((c) => `${c.severity === 'error' ? 'error' : 'warning'}: ${c.message}`);
    if (failed.length > 3) reasons.push(`… and ${failed.length - 3} more: mfg-etl batch ${r.batchId}`);
    const head = `${r.file} → batch ${r.batchId}`;
    if (r.outcome === 'duplicate') lines.push(`${head} (identical file already staged, ${r.status}): archived as a duplicate`);
    else if (r.status === 'rejected')
      lines.push(`${head} rejected; the report for the sender: ${path.join(root, 'rejected', `${r.file}.report.txt`)}`);
    else if (r.status === 'validated') lines.push(`${head} validated, awaits approval: mfg-etl approve ${r.batchId} --by <name>`);
    else if (r.status === 'approved') {
      const done = spec.summarize?.(await getBatch(knex, r.batchId));
      lines.push(done ? `${head}: ${done}` : `${head} approved; next: ${(NEXT_JOB[spec.kind] ?? (() => 'its load job'))(r.batchId)}`);
    } else lines.push(`${head} ${r.status}`);
    lines.push(...reasons.map((reason) => `  ${reason}`));
  }
  if (waiting) lines.push(`${waiting} file(s) still being written: taken by a later run`);
  return lines;
}
