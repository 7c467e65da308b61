/**
 * forecast-import: turns each file planners drop into <inbox>/forecasts into a validated,
 * versioned forecast batch, or rejects it with a report a planner can act on. The inbox side
 * (claiming, duplicates, crash recovery, archive/reject) is jobs/inbox-batches.ts; this module
 * is the forecast part: parse (stream) → stage lines → measure → checkpoints → verdict.
 */
import type { Knex } from 'knex';
import type { ClaimedFile } from '../../extract/inbox/inbox.ts';
import { openTabular } from '../../extract/tabular/index.ts';
import { type Batch, getBatch } from '../../load/staging/batches.ts';
import { writeCompareWorkbook } from '../../load/forecast/compare-workbook.ts';
import {
  deleteForecastLines,
  forecastStager,
  lineProblems,
  measureForecast,
  measureForecastDelta,
  previousApprovedForecast,
  forecastVersionCompare,
} from '../../load/forecast/staging.ts';
import { type ForecastSettings, forecastSettings } from '../../core/config/forecast.ts';
import { forecastCheckpoints } from '../../transform/forecast/checkpoints.ts';
import { forecastReport } from '../../transform/forecast/report-text.ts';
import { type ColumnMapping, ForecastTally, labelsFromFileName, parseForecastRows } from '../../transform/forecast/index.ts';
import { createPeriodNormaliser } from '../../transform/forecast/periods.ts';
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

const FORECASTS = { kind: 'forecast', folder: 'forecasts' } as const;

/** Parses and stages one file inside `trx`; returns the batch in its final state. */
async function stageFile(ctx: JobContext, s: ForecastSettings, trx: Knex.Transaction, claimed: ClaimedFile, sha: string): Promise<Batch> {
  const { config } = ctx;
  const labels = labelsFromFileName(claimed.name, s.fileNamePattern);
  // every chunk INSERT costs enough to trigger JIT, whose compile time would dwarf its gain
  await trx.raw('set local jit = off');
  const batch = await startInboxBatch(ctx, trx, FORECASTS, claimed, sha, labels);
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

  const measureInput = {
    batchId: batch.id,
    currentPeriod: periods.current(new Date()),
    horizonPeriods: s.checkpoints.horizon_coverage.threshold,
    periodLength: config.forecastBucket === 'week' ? ('7 days' as const) : ('1 month' as const),
  };
  // the checkpoint figures are counted while staging; SQL measures only what that cannot
  const tally = new ForecastTally(measureInput);
  // PostgreSQL: COPY of lines resolved in Node; embedded PGlite cannot COPY FROM STDIN: unnest INSERT
  const stager = await forecastStager(trx, batch.id, { copy: !ctx.db.embedded, tally });
  // lines are resolved, counted and written out as COPY rows as they are parsed, while the previous chunk is sent
  await stageInChunks(ctx, `${claimed.name}: staged lines`, parse.batches(), (chunk) => stager.write(chunk), stager);
  const summary = parse.summary;

  if (tally.overflowed)
    ctx.logger.info(`${claimed.name}: checkpoint figures measured in SQL (${tally.overflowed})`, { file: claimed.name });
  const measures = await measureForecast(trx, measureInput, { figures: tally.figures(), master: stager.master });
  const scope = labels.scope ?? summary.scope ?? measures.onlyWarehouse ?? 'ALL';
  const version = labels.version ?? summary.version ?? stem(claimed.name);
  const previousBatchId = await previousApprovedForecast(trx, scope, batch.id);
  const delta =
    previousBatchId === undefined
      ? undefined
      : await measureForecastDelta(trx, batch.id, previousBatchId, s.checkpoints.product_delta.threshold);

  const results = forecastCheckpoints(
    { ...measures, delta, parse: { rows: summary.rows, errorCount: summary.errorCount, examples: summary.errors.slice(0, 5) } },
    s.checkpoints,
  );
  const findings = await recordFindings(trx, batch.id, results, s.approval, summary.errors, s.maxErrors, (failed, limit) =>
    lineProblems(
      trx,
      batch.id,
      {
        unknownProducts: failed('unknown_products'),
        unknownWarehouses: failed('unknown_warehouses'),
        unitConversion: failed('unit_conversion'),
        negativeQuantity: failed('negative_quantity'),
      },
      limit,
    ),
  );

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
    errorCount: summary.errorCount + findings.lineProblems,
    errorsListed: summary.errors.length + findings.lineProblems,
    previousBatchId: previousBatchId ?? null,
  };
  return concludeStagedFile(
    trx,
    batch.id,
    { stats, scope, version },
    { results, policy: s.approval },
    { rejected: findings.rejected, drop: deleteForecastLines },
  );
}

export const forecastImportJob = defineJob({
  ...jobEntry('forecast-import'),
  params: inboxImportParams,
  checkSettings: forecastSettings,
  async run(ctx, params) {
    const s = forecastSettings(ctx.config);
    const kind: InboxBatchKind = {
      ...FORECASTS,
      stage: (trx, claimed, sha) => stageFile(ctx, s, trx, claimed, sha),
      report: ({ fileName, batch, checkpoints, rowErrors }) =>
        forecastReport({
          fileName,
          batchId: batch.id,
          status: batch.status,
          scope: batch.scope,
          version: batch.version,
          stats: batch.stats,
          checkpoints,
          errorCount: Number(batch.stats.errorCount ?? rowErrors.length),
          errorsListed: rowErrors.length,
        }),
    };
    const stats = await importInbox(ctx, kind, params.settleSeconds ?? ctx.config.inboxSettleSeconds);
    const compareReports = await writeComparisons(ctx, stats.batches as ImportedFile[] | undefined);
    if (compareReports.length === 0) return stats;
    const summary = Array.isArray(stats.summary) ? (stats.summary as string[]) : [];
    return {
      ...stats,
      compareReports,
      summary: [...summary, ...compareReports.map((r) => `batch ${r.batchId} against the previous approved version: ${r.xlsx}`)],
    };
  },
});

interface ImportedFile {
  batchId: number;
  status: string;
  outcome: string;
}

/**
 * Each staged version that has a previous approved version of its scope gets the comparison
 * workbook (totals by period, top movers, with native charts) in the reports folder.
 */
async function writeComparisons(
  ctx: JobContext,
  files: readonly ImportedFile[] | undefined,
): Promise<Array<{ batchId: number; xlsx: string }>> {
  const out: Array<{ batchId: number; xlsx: string }> = [];
  for (const f of files ?? []) {
    if (f.outcome !== 'staged' || f.status === 'rejected') continue;
    const batch = await getBatch(ctx.db.knex, f.batchId);
    const compare = await forecastVersionCompare(ctx.db.knex, batch);
    if (!compare) continue;
    const xlsx = await writeCompareWorkbook({
      dir: ctx.config.reports,
      batchId: batch.id,
      scope: batch.scope,
      version: batch.version,
      runId: ctx.runId,
      generatedAt: new Date(),
      compare,
    });
    out.push({ batchId: batch.id, xlsx });
  }
  return out;
}
