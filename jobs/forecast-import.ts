/**
 * forecast-import: turns each file planners drop into <inbox>/forecasts into a validated,
 * versioned forecast batch, or rejects it with a report a planner can act on.
 *
 *   claim (atomic rename) → sha256 → parse (stream) → stage (one transaction: batch, lines,
 *   checkpoints, row errors, state) → archive or reject the file.
 *
 * Crash safety: the file stays in processing/ until its batch has committed; a rerun finds the
 * committed batch by (sha256, claim id) and only finishes moving the file, or redoes the file
 * when nothing committed. Identical content already staged is archived as a duplicate.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import { z } from 'zod';
import { ConfigError, DataValidationError, describeError } from '../core/errors.ts';
import type { Config } from '../core/config.ts';
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
} from '../extract/inbox.ts';
import { openTabular } from '../extract/tabular/index.ts';
import { appendAudit } from '../load/staging/audit.ts';
import { type Batch, createBatch, findBatchBySource, getBatch, listCheckpoints, recordCheckpoints, transitionBatch } from '../load/staging/batches.ts';
import { deleteForecastLines, lineProblems, listRowErrors, measureForecast, previousApprovedForecast, saveRowErrors, stageForecastLines } from '../load/staging/forecast.ts';
import { verdict } from '../transform/checkpoints.ts';
import { forecastCheckpoints, type ForecastSettings, forecastSettingsSchema } from '../transform/forecast-checkpoints.ts';
import { checkpointErrorRows, forecastReport } from '../transform/forecast-report.ts';
import { type ColumnMapping, type ForecastLine, labelsFromFileName, parseForecastRows } from '../transform/forecast/index.ts';
import { createPeriodNormaliser } from '../transform/periods.ts';
import { defineJob, type JobContext } from './job.ts';

const KIND = 'forecast';
const ACTOR = 'mfg-etl';
/** lines per INSERT: large enough to amortise the round trip, small enough to keep memory flat */
const STAGE_CHUNK = 20_000;

export function forecastSettings(config: Config): ForecastSettings {
  const parsed = forecastSettingsSchema.safeParse(config.file.forecast ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`config file key "forecast.${issue.path.join('.')}": ${issue.message}`);
  }
  if (parsed.data.fileNamePattern) {
    try {
      new RegExp(parsed.data.fileNamePattern);
    } catch (err) {
      throw new ConfigError(`config file key "forecast.fileNamePattern": not a valid regular expression (${(err as Error).message})`);
    }
  }
  return parsed.data;
}

type Outcome = 'staged' | 'rejected' | 'duplicate';

interface FileResult {
  file: string;
  outcome: Outcome;
  batchId: number;
  status: string;
  lines: number;
}

function stem(name: string): string {
  return name.replace(/\.[^.]+$/, '');
}

function uniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/** Parses and stages one file inside `trx`; returns the batch in its final state. */
async function stageFile(ctx: JobContext, trx: Knex.Transaction, s: ForecastSettings, claimed: ClaimedFile, sha: string): Promise<Batch> {
  const { config } = ctx;
  const labels = labelsFromFileName(claimed.name, s.fileNamePattern);
  const batch = await createBatch(trx, {
    kind: KIND,
    scope: labels.scope ?? 'pending',
    version: labels.version ?? stem(claimed.name),
    source: `forecasts/${claimed.name}`,
    sourceSha256: sha,
    runId: ctx.runId,
    actor: ACTOR,
    stats: { claimId: claimed.claimId },
  });
  const periods = createPeriodNormaliser({ bucket: config.forecastBucket, weekStart: config.forecastWeekStart, timeZone: config.timezone });
  const source = await openTabular(claimed.path, { fileName: claimed.name, xlsx: { sheet: s.sheet } });
  const parse = parseForecastRows(source.batches(), {
    periods,
    mapping: s.columns as ColumnMapping | undefined,
    numberLocale: s.locale,
    maxErrors: s.maxErrors,
    scope: labels.scope,
    version: labels.version,
  });

  let staged = 0;
  let pending: ForecastLine[] = [];
  const flush = async () => {
    await stageForecastLines(trx, batch.id, pending, staged + 1);
    staged += pending.length;
    pending = [];
    ctx.progress(`${claimed.name}: staged lines`, staged);
  };
  for await (const lines of parse.batches()) {
    ctx.signal.throwIfAborted();
    for (const line of lines) pending.push(line);
    if (pending.length >= STAGE_CHUNK) await flush();
  }
  if (pending.length) await flush();
  const summary = parse.summary;

  const currentPeriod = periods.current(new Date());
  const provisional = await measureForecast(trx, {
    batchId: batch.id,
    currentPeriod,
    horizonPeriods: s.checkpoints.horizon_coverage.threshold,
    periodLength: config.forecastBucket === 'week' ? '7 days' : '1 month',
    previousBatchId: undefined,
    productDeltaPct: s.checkpoints.product_delta.threshold,
  });
  const scope = labels.scope ?? summary.scope ?? provisional.onlyWarehouse ?? 'ALL';
  const version = labels.version ?? summary.version ?? stem(claimed.name);
  const previousBatchId = await previousApprovedForecast(trx, scope, batch.id);
  const measures = previousBatchId
    ? await measureForecast(trx, {
        batchId: batch.id,
        currentPeriod,
        horizonPeriods: s.checkpoints.horizon_coverage.threshold,
        periodLength: config.forecastBucket === 'week' ? '7 days' : '1 month',
        previousBatchId,
        productDeltaPct: s.checkpoints.product_delta.threshold,
      })
    : provisional;

  const results = forecastCheckpoints(
    { ...measures, parse: { rows: summary.rows, errorCount: summary.errorCount, examples: summary.errors.slice(0, 5) } },
    s.checkpoints,
  );
  await recordCheckpoints(trx, batch.id, results);
  const decision = verdict(results, s.approval);
  const failed = (name: string) => results.some((r) => r.name === name && !r.passed && r.severity === 'error');
  const problems =
    decision === 'rejected'
      ? await lineProblems(
          trx,
          batch.id,
          { unknownProducts: failed('unknown_products'), unknownWarehouses: failed('unknown_warehouses'), unitConversion: failed('unit_conversion'), negativeQuantity: failed('negative_quantity') },
          s.maxErrors - summary.errors.length,
        )
      : [];
  await saveRowErrors(trx, batch.id, [...summary.errors, ...problems]);

  const m = measures.summary;
  const stats = {
    claimId: claimed.claimId,
    fileName: claimed.name,
    format: source.format,
    source: source.description,
    layout: summary.layout,
    rows: summary.rows,
    lines: Number(m.lines ?? 0),
    totalQuantity: Number(m.total_quantity ?? 0),
    products: Number(m.products ?? 0),
    warehouses: Number(m.warehouses ?? 0),
    periods: Number(m.periods ?? 0),
    firstPeriod: m.first_period ?? null,
    lastPeriod: m.last_period ?? null,
    errorCount: summary.errorCount + problems.length,
    errorsListed: summary.errors.length + problems.length,
    previousBatchId: previousBatchId ?? null,
  };
  await trx('batches').where({ id: batch.id }).update({ scope, version, stats: JSON.stringify(stats) });

  if (decision === 'rejected') {
    // the file is kept in rejected/ with its report: the lines would only take space
    await deleteForecastLines(trx, batch.id);
    const names = results.filter((r) => !r.passed && r.severity === 'error').map((r) => r.name);
    return transitionBatch(trx, batch.id, 'reject', { actor: ACTOR, reason: `failed checkpoints: ${names.join(', ')}` });
  }
  const validated = await transitionBatch(trx, batch.id, 'validate', { actor: ACTOR });
  if (decision === 'approve') {
    return transitionBatch(trx, batch.id, 'approve', { actor: ACTOR, reason: `auto-approved (policy ${s.approval})` });
  }
  return validated;
}

/** A file that cannot be read as a table at all: a rejected batch with the reason, no lines. */
async function recordUnreadable(ctx: JobContext, trx: Knex.Transaction, claimed: ClaimedFile, sha: string, err: DataValidationError): Promise<Batch> {
  const batch = await createBatch(trx, {
    kind: KIND,
    scope: 'unknown',
    version: stem(claimed.name),
    source: `forecasts/${claimed.name}`,
    sourceSha256: sha,
    runId: ctx.runId,
    actor: ACTOR,
    stats: { claimId: claimed.claimId, fileName: claimed.name, lines: 0, errorCount: 1, errorsListed: 1 },
  });
  const code = (err.context.code as string | undefined) ?? 'unreadable';
  await recordCheckpoints(trx, batch.id, [{ name: 'file_readable', severity: 'error', passed: false, measured: { code }, message: err.message }]);
  await saveRowErrors(trx, batch.id, [{ ref: '(file)', column: '', value: '', message: err.message }]);
  return transitionBatch(trx, batch.id, 'reject', { actor: ACTOR, reason: err.message });
}

/** After the batch committed: move the file to archive/ or, with its reports, to rejected/. */
async function finishFile(knex: Knex, claimed: ClaimedFile, batch: Batch): Promise<void> {
  if (batch.status !== 'rejected') {
    await archive(claimed, new Date());
    return;
  }
  const checkpoints = await listCheckpoints(knex, batch.id);
  const rowErrors = await listRowErrors(knex, batch.id);
  const errorCount = Number(batch.stats.errorCount ?? rowErrors.length);
  const report = forecastReport({
    fileName: claimed.name,
    batchId: batch.id,
    status: batch.status,
    scope: batch.scope,
    version: batch.version,
    stats: batch.stats,
    checkpoints,
    errorCount,
    errorsListed: rowErrors.length,
  });
  const fileError = checkpoints.some((c) => c.name === 'file_readable');
  await reject(claimed, fileError ? rowErrors : [...rowErrors, ...checkpointErrorRows(checkpoints)], report);
}

/** lines left in staging: a rejected version's lines are dropped (its stats keep what was read) */
function stagedLines(batch: Batch): number {
  return batch.status === 'rejected' ? 0 : Number(batch.stats.lines ?? 0);
}

/** A batch this very claim already committed (the run crashed before moving the file). */
async function committedByClaim(knex: Knex, sha: string, claimId: string): Promise<Batch | undefined> {
  const row = await knex('batches').where({ kind: KIND, source_sha256: sha }).whereRaw(`stats->>'claimId' = ?`, [claimId]).orderBy('id', 'desc').first('id');
  return row ? getBatch(knex, row.id as number) : undefined;
}

async function importFile(ctx: JobContext, s: ForecastSettings, claimed: ClaimedFile): Promise<FileResult> {
  const knex = ctx.db.knex;
  const sha = await sha256File(claimed.path);
  const file = claimed.name;

  const committed = await committedByClaim(knex, sha, claimed.claimId);
  if (committed) {
    ctx.logger.info('finishing a file whose batch committed before an interruption', { file, batchId: committed.id });
    await finishFile(knex, claimed, committed);
    return { file, outcome: committed.status === 'rejected' ? 'rejected' : 'staged', batchId: committed.id, status: committed.status, lines: stagedLines(committed) };
  }

  const duplicateOf = async (): Promise<FileResult | undefined> => {
    const existing = await findBatchBySource(knex, KIND, sha);
    if (!existing) return undefined;
    const archivedAs = await archiveDuplicate(claimed, new Date());
    await appendAudit(knex, { actor: ACTOR, entity: 'batch', entityId: existing.id, action: 'duplicate_file', details: { file, archivedAs: path.basename(archivedAs), runId: ctx.runId } });
    ctx.logger.info('identical to a file already staged: archived as duplicate', { file, batchId: existing.id });
    return { file, outcome: 'duplicate', batchId: existing.id, status: existing.status, lines: 0 };
  };
  const dup = await duplicateOf();
  if (dup) return dup;

  let batch: Batch;
  try {
    batch = await knex.transaction((trx) => stageFile(ctx, trx, s, claimed, sha));
  } catch (err) {
    if (uniqueViolation(err)) {
      // another worker staged identical content a moment ago
      const again = await duplicateOf();
      if (again) return again;
    }
    if (!(err instanceof DataValidationError)) throw err; // the file stays in processing/ for the retry
    ctx.logger.warn('file cannot be read as a forecast table', { file, error: describeError(err).message });
    batch = await knex.transaction((trx) => recordUnreadable(ctx, trx, claimed, sha, err));
  }
  await finishFile(knex, claimed, batch);
  ctx.logger.info('forecast file imported', { file, batchId: batch.id, status: batch.status, lines: batch.stats.lines });
  return { file, outcome: batch.status === 'rejected' ? 'rejected' : 'staged', batchId: batch.id, status: batch.status, lines: stagedLines(batch) };
}

/**
 * Imports a claimed file while holding a session advisory lock on its claim. A file in processing/
 * may be in flight in another run (a run timed out and retried while the first still works, or
 * two workers): the run that gets the lock imports it, the other skips it (undefined).
 */
async function importClaimed(ctx: JobContext, s: ForecastSettings, claimed: ClaimedFile): Promise<FileResult | undefined> {
  const result = await tryWithSessionLock(ctx.db.knex, `forecast-import claim ${claimed.claimId}`, async () => {
    // finished by another run between our listing (or claim) and the lock
    const present = await access(claimed.path).then(
      () => true,
      () => false,
    );
    return present ? importFile(ctx, s, claimed) : null;
  });
  if (result === undefined) ctx.logger.debug('file is being imported by another run: skipped', { file: claimed.name, claimId: claimed.claimId });
  return result ?? undefined;
}

export const forecastImportParams = z
  .object({
    /** overrides MFG_ETL_INBOX_SETTLE_SECONDS for this run */
    settleSeconds: z.coerce.number().int().nonnegative().optional(),
  })
  .strict();

export const forecastImportJob = defineJob({
  name: 'forecast-import',
  description: 'Stages forecast files (CSV/XLSX) from the inbox as validated forecast versions',
  schedule: '*/5 * * * *',
  params: forecastImportParams,
  async run(ctx, params) {
    const s = forecastSettings(ctx.config);
    const root = path.join(ctx.config.inbox, 'forecasts');
    const results: FileResult[] = [];
    // first what an interrupted run left behind, then what is new
    for (const claimed of await listProcessing(root)) {
      const result = await importClaimed(ctx, s, claimed);
      if (result) results.push(result);
    }
    const scan = await scanInbox(root, { settleSeconds: params.settleSeconds ?? ctx.config.inboxSettleSeconds });
    if (ctx.dryRun) {
      return { dryRun: true, ready: scan.ready.map((f) => f.name), waiting: scan.waiting.map((f) => f.name), ignored: scan.ignored };
    }
    for (const file of scan.ready) {
      ctx.signal.throwIfAborted();
      const claimed = await claim(root, file.name);
      const result = claimed ? await importClaimed(ctx, s, claimed) : undefined;
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
    };
  },
});
