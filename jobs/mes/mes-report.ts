/**
 * mes-report: the MES's answers dropped into <inbox>/mes/, with the inbox rules of the other file
 * imports (settle, claim, duplicates by content, crash recovery, archive, rejected files kept with
 * a row-level report beside them). Dispatched by the XML root element:
 *  - ProcessOperationsPerformance / SyncOperationsPerformance: each OperationsResponse is one line
 *    of a `mes_report` batch (the MES transaction id, the order, produced / consumed / scrap,
 *    times per work order), checked by the mes.checkpoints, approved by mes.approval; mes-load
 *    posts approved lines into Odoo;
 *  - AcknowledgeOperationsSchedule / ConfirmBOD: handed to the release side (releases move to
 *    acknowledged / refused); the file's batch records what it did.
 */
import { readFile } from 'node:fs/promises';
import type { Knex } from 'knex';
import { mesSettings, type MesSettings } from '../../core/config/mes.ts';
import { DataValidationError } from '../../core/errors.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import type { ClaimedFile } from '../../extract/inbox/inbox.ts';
import { knownComponentLots } from '../../load/mes/odoo.ts';
import { recordAcknowledgments } from '../../load/mes/releases.ts';
import { dropReportLines, knownTransactions, producedBefore, releasedOrders, stageReportLines } from '../../load/mes/reports.ts';
import type { Batch } from '../../load/staging/batches.ts';
import { recordCheckpoints } from '../../load/staging/batches.ts';
import { saveRowErrors } from '../../load/staging/row-errors.ts';
import { type Acknowledgment, AcknowledgmentError, parseAcknowledgment } from '../../transform/mes/acknowledgment.ts';
import { mesDocumentKind, parsePerformance } from '../../transform/mes/performance.ts';
import { parseXmlTree } from '../../transform/mes/xml.ts';
import { checkReports } from '../../transform/mes/report-checks.ts';
import {
  type CheckpointResult,
  checksAndRowProblems,
  checkpointResult,
  type RowError,
  verdict,
} from '../../transform/shared/checkpoints.ts';
import { concludeStagedFile, importInbox, inboxImportParams, type InboxBatchKind, startInboxBatch, stem } from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

export const MES_INBOX = { kind: 'mes_report', folder: 'mes' } as const;

/** every file is a batch of its own: no later file supersedes an approved one that waits for mes-load */
const fileScope = (claimed: ClaimedFile) => `${stem(claimed.name)}@${claimed.claimId}`;

/** An acknowledgment file: handed to the release side (releases move to acknowledged / refused); its batch says what it did. */
async function stageAcknowledgment(ctx: JobContext, trx: Knex.Transaction, claimed: ClaimedFile, sha: string, xml: string): Promise<Batch> {
  const batch = await startInboxBatch(ctx, trx, MES_INBOX, claimed, sha, { scope: fileScope(claimed) });
  let acks: Acknowledgment[];
  try {
    acks = parseAcknowledgment(xml);
  } catch (err) {
    // a file the release side cannot read is rejected with its words, like any unreadable file
    if (err instanceof AcknowledgmentError)
      throw new DataValidationError(`${err.message}; ask the MES to send the acknowledgment again`, {
        context: { code: 'acknowledgment' },
      });
    throw err;
  }
  const recorded = await recordAcknowledgments(trx, acks, { runId: ctx.runId, file: claimed.name });
  const stale = recorded.stale.length ? `, ${recorded.stale.length} answer an older message (nothing changed)` : '';
  const results: CheckpointResult[] = [
    checkpointResult(
      'unknown_order',
      'warning',
      recorded.unknown.length === 0,
      { unknown: recorded.unknown.slice(0, 20), stale: recorded.stale.slice(0, 20) },
      recorded.unknown.length === 0
        ? `${acks.length} acknowledgment(s): ${recorded.acknowledged} acknowledged, ${recorded.refused} refused${stale}`
        : `${recorded.unknown.length} acknowledgment(s) name no release of mfg-etl: ${recorded.unknown.slice(0, 5).join(', ')}`,
    ),
  ];
  await recordCheckpoints(trx, batch.id, results);
  const stats = {
    claimId: claimed.claimId,
    fileName: claimed.name,
    document: 'acknowledgment',
    lines: 0,
    acknowledgments: acks.length,
    acknowledged: recorded.acknowledged,
    refused: recorded.refused,
    unknown: recorded.unknown.slice(0, 20),
    stale: recorded.stale.slice(0, 20),
  };
  return concludeStagedFile(trx, batch.id, { stats, scope: fileScope(claimed) }, { results, policy: 'auto' });
}

async function stagePerformance(
  ctx: JobContext,
  s: MesSettings,
  client: OdooClient | undefined,
  trx: Knex.Transaction,
  claimed: ClaimedFile,
  sha: string,
  root: ReturnType<typeof parseXmlTree>,
): Promise<Batch> {
  const batch = await startInboxBatch(ctx, trx, MES_INBOX, claimed, sha, { scope: fileScope(claimed) });
  const parsed = parsePerformance(root);
  const reports = parsed.reports;
  const moNames = [...new Set(reports.map((r) => r.report.moName))];
  const released = await releasedOrders(trx, moNames);
  const componentLots = reports.flatMap((r) =>
    [...r.report.consumed, ...r.report.scrap].flatMap((m) => (m.lot ? [{ code: m.code, lot: m.lot }] : [])),
  );
  const checks = checkReports({
    reports,
    parseProblems: parsed.problems,
    responses: parsed.responses,
    released: new Map(moNames.map((n) => [n, released.get(n)?.check])),
    producedBefore: await producedBefore(trx, moNames),
    knownTransactions: await knownTransactions(
      trx,
      reports.map((r) => r.report.transactionId),
    ),
    knownLots: client ? await knownComponentLots(client, componentLots) : undefined,
    settings: s,
  });
  if (!client && componentLots.length) ctx.logger.warn('component lots not checked: Odoo is not configured', { file: claimed.name });
  await stageReportLines(trx, batch.id, checks.toStage);
  await recordCheckpoints(trx, batch.id, checks.results);
  const rejected = verdict(checks.results, s.approval) === 'rejected';
  const problems: RowError[] = [...parsed.problems, ...checks.problems];
  await saveRowErrors(trx, batch.id, problems.slice(0, s.maxErrors));
  const stats = {
    claimId: claimed.claimId,
    fileName: claimed.name,
    document: 'performance',
    messageId: parsed.messageId ?? null,
    responses: parsed.responses,
    lines: checks.toStage.length,
    repeats: checks.repeats.length,
    repeatedTransactions: checks.repeats.slice(0, 20).map((r) => r.report.transactionId),
    orders: moNames.length,
    errorCount: problems.length,
    errorsListed: Math.min(problems.length, s.maxErrors),
  };
  return concludeStagedFile(
    trx,
    batch.id,
    { stats, scope: fileScope(claimed) },
    { results: checks.results, policy: s.approval },
    { rejected, drop: (t, id) => dropReportLines(t, id) },
  );
}

/** The plain-words report beside a rejected MES file: what failed, per response, and what to do. */
export function mesFileReport(input: {
  fileName: string;
  batch: Batch;
  checkpoints: readonly CheckpointResult[];
  rowErrors: readonly RowError[];
}): string {
  const { fileName, batch, checkpoints, rowErrors } = input;
  const listed = rowErrors.slice(0, 50);
  return [
    `MES file ${fileName}: batch ${batch.id}, ${batch.status}.`,
    batch.status === 'rejected'
      ? 'Nothing of this file was posted to Odoo. Correct what is listed below (or have the MES send a corrected file) and drop it into <inbox>/mes again; transactions of this file are not remembered, so the same IDs may be sent again.'
      : '',
    ...checksAndRowProblems({ fileName, checkpoints, errorCount: rowErrors.length, errorsListed: rowErrors.length }),
    ...(listed.length
      ? ['', 'Problems:', ...listed.map((e) => `  ${e.ref}, ${e.column}${e.value ? ` = ${e.value}` : ''}: ${e.message}`)]
      : []),
    ...(rowErrors.length > listed.length ? [`  … and ${rowErrors.length - listed.length} more in ${fileName}.errors.csv`] : []),
    '',
  ].join('\n');
}

/** An acknowledgment file's batch in words (its answers are recorded at staging: mes-load has nothing to do). */
export function acknowledgmentSummary(batch: Batch): string | undefined {
  const s = batch.stats;
  if (s.document !== 'acknowledgment') return undefined;
  const n = (k: string) => Number(s[k] ?? 0);
  const unknown = Array.isArray(s.unknown) ? s.unknown.length : 0;
  const stale = Array.isArray(s.stale) ? s.stale.length : 0;
  return [
    `${n('acknowledgments')} acknowledgment${n('acknowledgments') === 1 ? '' : 's'} recorded: ${n('acknowledged')} acknowledged, ${n('refused')} refused`,
    ...(stale ? [`${stale} answer an older message (nothing changed)`] : []),
    ...(unknown ? [`${unknown} name no release of mfg-etl`] : []),
  ].join(', ');
}

export function mesInboxKind(ctx: JobContext, s: MesSettings, client: OdooClient | undefined): InboxBatchKind {
  return {
    ...MES_INBOX,
    async stage(trx, claimed, sha) {
      const xml = await readFile(claimed.path, 'utf8');
      const root = parseXmlTree(xml);
      return mesDocumentKind(root) === 'acknowledgment'
        ? stageAcknowledgment(ctx, trx, claimed, sha, xml)
        : stagePerformance(ctx, s, client, trx, claimed, sha, root);
    },
    report: mesFileReport,
    summarize: acknowledgmentSummary,
  };
}

export const mesReportJob = defineJob({
  ...jobEntry('mes-report'),
  params: inboxImportParams,
  checkSettings: mesSettings,
  async run(ctx, params) {
    const s = mesSettings(ctx.config);
    // without Odoo the component lots are not checked (a warning on each file)
    const client = odooClient(ctx);
    try {
      const stats = await importInbox(ctx, mesInboxKind(ctx, s, client), params.settleSeconds ?? ctx.config.inboxSettleSeconds);
      if (ctx.dryRun && !client)
        return {
          ...stats,
          odoo: null,
          summary: [
            ...((stats.summary as string[] | undefined) ?? []),
            'Odoo is not configured: nothing read from or sent to Odoo; an import now would not check the component lots',
          ],
        };
      return stats;
    } finally {
      client?.close();
    }
  },
});
