/**
 * housekeeping: applies retention. Removes finished run records, processed inbox files
 * (archive/ and rejected/ of every inbox folder), reports and raw historian samples
 * (`historian.retentionDays`) older than their configured ages, and Odoo quant snapshots older
 * than the runs retention that no reconciliation refers to (the newest of each warehouse stays).
 * Audit events and batches are never removed: they are the trail finance and auditors rely on.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { filesOlderThan } from '../../extract/inbox/old-files.ts';
import { pruneHistorianSamples } from '../../load/historian/staging.ts';
import { pruneSnapshots } from '../../load/inventory/staging.ts';
import { deleteRunsBefore } from '../../load/ops/runs.ts';
import { historianSettings } from '../../core/config/historian.ts';
import { days } from '../../core/config/values.ts';
import { defineJob } from '../job.ts';
import { jobEntry } from '../catalog.ts';

const DAY_MS = 86_400_000;

export const housekeepingParams = z
  .object({
    runsDays: days.optional(),
    inboxDays: days.optional(),
    reportsDays: days.optional(),
    historianDays: days.optional(),
  })
  .strict();

/** Processed-file folders of the inbox: <inbox>/<kind>/archive and <inbox>/<kind>/rejected. */
async function processedFolders(inbox: string): Promise<string[]> {
  let kinds;
  try {
    kinds = await fs.readdir(inbox, { withFileTypes: true });
  } catch {
    return [];
  }
  return kinds.filter((k) => k.isDirectory()).flatMap((k) => ['archive', 'rejected'].map((sub) => path.join(inbox, k.name, sub)));
}

export const housekeepingJob = defineJob({
  ...jobEntry('housekeeping'),
  params: housekeepingParams,
  async run(ctx, params) {
    const now = Date.now();
    const cutoff = (days: number) => new Date(now - days * DAY_MS);
    const runsDays = params.runsDays ?? ctx.config.retentionRunsDays;
    const inboxDays = params.inboxDays ?? ctx.config.retentionInboxDays;
    const reportsDays = params.reportsDays ?? ctx.config.retentionReportsDays;
    const historianDays = params.historianDays ?? historianSettings(ctx.config).retentionDays;

    const runsRemoved = await deleteRunsBefore(ctx.db.knex, cutoff(runsDays), ctx.dryRun);
    // raw samples only: buckets, downtime and shift summaries stay with their batches
    const historianSamplesRemoved = await pruneHistorianSamples(ctx.db.knex, cutoff(historianDays), ctx.dryRun);
    // quant snapshots: those of kept reconciliations stay, like the newest of each warehouse
    const snapshots = await pruneSnapshots(ctx.db.knex, cutoff(runsDays), ctx.dryRun);

    const inboxFiles: string[] = [];
    for (const folder of await processedFolders(ctx.config.inbox)) inboxFiles.push(...(await filesOlderThan(folder, cutoff(inboxDays))));
    const reportFiles = await filesOlderThan(ctx.config.reports, cutoff(reportsDays));

    if (!ctx.dryRun) {
      for (const [i, file] of [...inboxFiles, ...reportFiles].entries()) {
        ctx.signal.throwIfAborted();
        await fs.rm(file, { force: true });
        ctx.progress('removing files', i + 1, inboxFiles.length + reportFiles.length);
      }
    }
    const verb = ctx.dryRun ? 'would remove' : 'removed';
    ctx.logger.info(
      `housekeeping ${verb} ${runsRemoved} run records, ${inboxFiles.length} inbox files, ${reportFiles.length} reports, ${historianSamplesRemoved} historian samples, ${snapshots.snapshots} quant snapshots`,
    );
    return {
      dryRun: ctx.dryRun,
      retentionDays: { runs: runsDays, inbox: inboxDays, reports: reportsDays, historianSamples: historianDays },
      runsRemoved,
      historianSamplesRemoved,
      snapshotsRemoved: snapshots.snapshots,
      quantsRemoved: snapshots.quants,
      inboxFilesRemoved: inboxFiles.length,
      reportsRemoved: reportFiles.length,
      // the list itself is what a dry run is for; capped so stats stay small
      files: [...inboxFiles, ...reportFiles].slice(0, 200),
      summary: [
        `${ctx.dryRun ? 'DRY RUN: would remove' : 'removed'} ${runsRemoved} run records older than ${runsDays} days, ${inboxFiles.length} processed inbox files older than ${inboxDays} days, ${reportFiles.length} reports older than ${reportsDays} days`,
        `${ctx.dryRun ? 'would remove' : 'removed'} ${historianSamplesRemoved} raw historian samples older than ${historianDays} days and ${snapshots.snapshots} Odoo stock snapshots (${snapshots.quants} quants)`,
        'kept: audit events, batches, reconciliations and historian aggregates are never removed',
        ...(ctx.dryRun && inboxFiles.length + reportFiles.length > 0 ? ['the files: mfg-etl show-run <this run> --json'] : []),
      ],
    };
  },
});
