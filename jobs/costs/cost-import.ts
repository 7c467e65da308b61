/**
 * cost-import: component cost updates dropped into <inbox>/costs (CSV or XLSX: product code,
 * cost, currency, valid from, optional unit) become validated `cost_update` batches that the
 * next cost-rollup uses (newest valid-from wins), or are rejected with a report. The inbox side
 * (settle time, claim, duplicates, crash recovery, archive / reject) is jobs/inbox-batches.ts.
 */
import type { Knex } from 'knex';
import { costSettings } from '../../core/config/costs.ts';
import { describeError } from '../../core/errors.ts';
import { companyCurrency } from '../../extract/shared/odoo-company.ts';
import type { ClaimedFile } from '../../extract/inbox/inbox.ts';
import { openTabular } from '../../extract/tabular/index.ts';
import type { Batch } from '../../load/staging/batches.ts';
import { costUpdateLineProblems, deleteCostUpdateLines, measureCostUpdates, stageCostUpdateLines } from '../../load/costs/staging.ts';
import {
  type CostSettings,
  costUpdateReport,
  CostUpdateParser,
  type CostUpdateLine,
  rateFor,
  updateCheckpoints,
} from '../../transform/costs/index.ts';
import { plantDate } from '../../transform/shared/time-zone.ts';
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
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

export const COST_UPDATES = { kind: 'cost_update', folder: 'costs' } as const;

/**
 * The company currency as Odoo has it (res.company currency_id of MFG_ETL_ODOO_COMPANY, else of
 * the user's company): a cost in it needs no rate. costs.companyCurrency only when Odoo is not
 * configured (or cannot be reached: then a cost in another currency still needs its rate).
 */
async function withCompanyCurrency(ctx: JobContext, s: CostSettings): Promise<CostSettings> {
  const client = odooClient(ctx);
  if (!client) return s;
  try {
    const company = await companyCurrency(client, ctx.config.odooCompany ?? null);
    if (!company) return s;
    if (s.companyCurrency && s.companyCurrency.toUpperCase() !== company.currency)
      ctx.logger.warn('costs.companyCurrency differs from the company currency in Odoo: Odoo wins', {
        configured: s.companyCurrency,
        odoo: company.currency,
        company: company.company,
      });
    return { ...s, companyCurrency: company.currency };
  } catch (err) {
    ctx.logger.warn('could not read the company currency from Odoo: using costs.companyCurrency', { error: describeError(err).message });
    return s;
  } finally {
    client.close();
  }
}

async function stageFile(ctx: JobContext, s: CostSettings, trx: Knex.Transaction, claimed: ClaimedFile, sha: string): Promise<Batch> {
  const u = s.updates;
  const scope = stem(claimed.name).toLowerCase();
  const batch = await startInboxBatch(ctx, trx, COST_UPDATES, claimed, sha, { scope, version: stem(claimed.name) });
  const source = await openTabular(claimed.path, { fileName: claimed.name, xlsx: { sheet: u.sheet } });
  const parser = new CostUpdateParser({
    mapping: u.columns as Record<string, string | string[]> | undefined,
    numberLocale: u.locale,
    maxErrors: u.maxErrors,
    rate: (currency) => rateFor(s, currency),
    defaultValidFrom: plantDate(ctx.config.timezone),
  });
  const lines = async function* () {
    for await (const rows of source.batches()) {
      const out: CostUpdateLine[] = [];
      for (const row of rows) parser.push(row, out);
      yield out;
    }
    parser.finish();
  };
  await stageInChunks(ctx, `${claimed.name}: staged cost lines`, lines(), (chunk) => stageCostUpdateLines(trx, batch.id, chunk));
  const summary = parser.summary();

  const figures = await measureCostUpdates(trx, batch.id, u.checkpoints.cost_delta.threshold, s.topMovers);
  const results = updateCheckpoints(
    {
      parse: {
        rows: summary.rows,
        errorCount: summary.errorCount,
        currencyErrors: summary.currencyErrors,
        examples: summary.errors.slice(0, 5),
      },
      lines: figures.lines,
      masterProducts: figures.masterProducts,
      unknownProducts: figures.unknownProducts,
      duplicates: figures.duplicates,
      unitProblems: figures.unitProblems,
      negative: figures.negative,
      movers: figures.movers,
      moversOver: figures.moversOver,
    },
    u.checkpoints,
  );
  const findings = await recordFindings(trx, batch.id, results, u.approval, summary.errors, u.maxErrors, (_failed, limit) =>
    costUpdateLineProblems(trx, batch.id, limit),
  );
  const stats = {
    claimId: claimed.claimId,
    fileName: claimed.name,
    format: source.format,
    source: source.description,
    columns: summary.columns,
    rows: summary.rows,
    lines: figures.lines,
    currencies: summary.currencies,
    errorCount: summary.errorCount + findings.lineProblems,
    errorsListed: summary.errors.length + findings.lineProblems,
  };
  return concludeStagedFile(
    trx,
    batch.id,
    { stats },
    { results, policy: u.approval },
    { rejected: findings.rejected, drop: deleteCostUpdateLines },
  );
}

export const costImportJob = defineJob({
  ...jobEntry('cost-import'),
  params: inboxImportParams,
  checkSettings: costSettings,
  async run(ctx, params) {
    const s = await withCompanyCurrency(ctx, costSettings(ctx.config));
    const kind: InboxBatchKind = {
      ...COST_UPDATES,
      stage: (trx, claimed, sha) => stageFile(ctx, s, trx, claimed, sha),
      report: ({ fileName, batch, checkpoints, rowErrors }) =>
        costUpdateReport({
          fileName,
          batchId: batch.id,
          status: batch.status,
          stats: batch.stats,
          checkpoints,
          errorCount: Number(batch.stats.errorCount ?? rowErrors.length),
          errorsListed: rowErrors.length,
        }),
    };
    return importInbox(ctx, kind, params.settleSeconds ?? ctx.config.inboxSettleSeconds);
  },
});
