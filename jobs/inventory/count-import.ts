/**
 * count-import: turns each count file dropped into <inbox>/counts (CSV or XLSX from a WMS or a
 * physical count) into a checked `inventory_count` batch of one warehouse, or rejects it with a
 * report the warehouse can act on. The inbox side (claiming, duplicates, crash recovery,
 * archive/reject) is jobs/inbox-batches.ts; this module is the count part: parse (stream) →
 * stage lines (resolved against master data) → measure → checkpoints → verdict.
 *
 * A count file covers one warehouse. Its lines keep their count time (a `counted at` column), or
 * take the file's modification time: a WMS writes its export when the count is done.
 * inventory-reconciliation runs the same import first, so a count dropped just before the
 * reconciliation is never left out.
 */
import { stat } from 'node:fs/promises';
import type { Knex } from 'knex';
import { inventorySettings } from '../../core/config/inventory.ts';
import type { ClaimedFile } from '../../extract/inbox/inbox.ts';
import { openTabular } from '../../extract/tabular/index.ts';
import type { Batch } from '../../load/staging/batches.ts';
import { COUNT_KIND, countLineProblems, deleteCountLines, measureCount, stageCountLines } from '../../load/inventory/staging.ts';
import {
  type CountColumnMapping,
  countCheckpoints,
  countReport,
  type InventorySettings,
  parseCountRows,
} from '../../transform/inventory/index.ts';
import {
  concludeStagedFile,
  importInbox,
  type InboxBatchKind,
  recordFindings,
  stageInChunks,
  startInboxBatch,
  stem,
  inboxImportParams,
} from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { jobEntry } from '../catalog.ts';

export const COUNTS = { kind: COUNT_KIND, folder: 'counts' } as const;
/** lines per INSERT: large enough to amortise the round trip, small enough to keep memory flat */

function warehouseFromFileName(name: string, pattern: string | undefined): string | undefined {
  if (!pattern) return undefined;
  return new RegExp(pattern).exec(name)?.groups?.warehouse?.trim() || undefined;
}

/** Parses and stages one count file inside `trx`; returns the batch in its final state. */
export async function stageCountFile(
  ctx: JobContext,
  s: InventorySettings,
  trx: Knex.Transaction,
  claimed: ClaimedFile,
  sha: string,
): Promise<Batch> {
  const declared = warehouseFromFileName(claimed.name, s.fileNamePattern);
  const batch = await startInboxBatch(ctx, trx, COUNTS, claimed, sha, { scope: declared, version: stem(claimed.name) });
  const fileTime = (await stat(claimed.path)).mtime;
  const source = await openTabular(claimed.path, { fileName: claimed.name, xlsx: { sheet: s.sheet } });
  const parse = parseCountRows(source.batches(), {
    mapping: s.columns as CountColumnMapping | undefined,
    numberLocale: s.locale,
    timeZone: ctx.config.timezone,
    maxErrors: s.maxErrors,
  });

  const lines = async function* () {
    // a file-name pattern may name the warehouse the lines leave out
    for await (const chunk of parse.batches())
      yield declared === undefined ? chunk : chunk.map((l) => (l.warehouse === undefined ? { ...l, warehouse: declared } : l));
  };
  await stageInChunks(ctx, `${claimed.name}: staged count lines`, lines(), (chunk, first) =>
    stageCountLines(trx, batch.id, chunk, first, fileTime),
  );
  const summary = parse.summary;

  const figures = await measureCount(trx, batch.id);
  const results = countCheckpoints(
    {
      parse: { rows: summary.rows, errorCount: summary.errorCount, examples: summary.errors.slice(0, 5) },
      lines: figures.lines,
      duplicates: figures.duplicates,
      references: figures.references,
    },
    s.checkpoints,
  );
  const findings = await recordFindings(trx, batch.id, results, s.approval, summary.errors, s.maxErrors, (failed, limit) =>
    countLineProblems(
      trx,
      batch.id,
      {
        unknownLocations: failed('unknown_locations'),
        unknownProducts: failed('unknown_products'),
        unitConversion: failed('unit_conversion'),
        negativeQuantity: failed('negative_quantity'),
      },
      limit,
    ),
  );

  const codes = figures.references.warehouse_codes ?? [];
  const scope = declared ?? (codes.length === 1 ? codes[0]! : codes.length > 1 ? 'several' : 'unknown');
  const l = figures.lines;
  const stats = {
    claimId: claimed.claimId,
    fileName: claimed.name,
    format: source.format,
    source: source.description,
    columns: summary.columns,
    rows: summary.rows,
    lines: Number(l.lines ?? 0),
    locations: Number(l.locations ?? 0),
    products: Number(l.products ?? 0),
    totalQuantity: Number(l.total_quantity ?? 0),
    countedAt: l.last_counted_at ?? null,
    firstCountedAt: l.first_counted_at ?? null,
    fileTime: fileTime.toISOString(),
    errorCount: summary.errorCount + findings.lineProblems,
    errorsListed: summary.errors.length + findings.lineProblems,
  };
  return concludeStagedFile(
    trx,
    batch.id,
    { stats, scope, version: stem(claimed.name) },
    { results, policy: s.approval },
    { rejected: findings.rejected, drop: deleteCountLines },
  );
}

/** The inbox kind of count files (stage + rejection report). */
export function countInboxKind(ctx: JobContext, s: InventorySettings): InboxBatchKind {
  return {
    ...COUNTS,
    stage: (trx, claimed, sha) => stageCountFile(ctx, s, trx, claimed, sha),
    report: ({ fileName, batch, checkpoints, rowErrors }) =>
      countReport({
        fileName,
        batchId: batch.id,
        status: batch.status,
        scope: batch.scope,
        stats: batch.stats,
        checkpoints,
        errorCount: Number(batch.stats.errorCount ?? rowErrors.length),
        errorsListed: rowErrors.length,
      }),
  };
}

/** One pass over <inbox>/counts. */
export function importCounts(ctx: JobContext, s: InventorySettings, settleSeconds: number): Promise<Record<string, unknown>> {
  return importInbox(ctx, countInboxKind(ctx, s), settleSeconds);
}

export const countImportJob = defineJob({
  ...jobEntry('count-import'),
  params: inboxImportParams,
  checkSettings: inventorySettings,
  async run(ctx, params) {
    const s = inventorySettings(ctx.config);
    return importCounts(ctx, s, params.settleSeconds ?? ctx.config.inboxSettleSeconds);
  },
});
