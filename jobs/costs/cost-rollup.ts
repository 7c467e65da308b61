/**
 * cost-rollup: standard costs bottom-up through the bills of materials of the master data
 * snapshot (sql/costs/rollup.sql, one recursive statement), into a `cost_rollup` batch that
 * finance approves before cost-load writes it into Odoo.
 *
 *   one transaction: batch → rollup lines and problems (SQL) → quantity on hand from Odoo (when
 *   configured) → checkpoints → verdict (approval policy `manual` by default)
 *   then the report: <reports>/cost-rollup_<batch>_<date>.xlsx and .csv
 *
 * Nothing to change (every computed cost is the one Odoo holds, no problem found), or nothing
 * changed since the newest batch of the same scope (same BoMs, costs and current prices): no new
 * batch, unless `force`. `--dry-run` computes everything and keeps nothing.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { flag } from '../../core/flags.ts';
import { readPriceDigits, readStockValues, type ValuationMode } from '../../extract/costs/odoo.ts';
import { writeCostReport } from '../../load/costs/workbook.ts';
import { type Batch, createBatch, getBatch, recordCheckpoints, setBatchFigures } from '../../load/staging/batches.ts';
import {
  latestRollupBatch,
  measureRollup,
  countCostChanges,
  noteCycles,
  onHandCandidates,
  productCategories,
  rollupFingerprint,
  rollupProblems,
  type RollupProblem,
  runRollup,
  setOnHand,
} from '../../load/costs/staging.ts';
import type { CheckpointResult } from '../../transform/shared/checkpoints.ts';
import {
  type CostSettings,
  findCycles,
  kitCycle,
  resolveOverhead,
  rollupCheckpoints,
  type RollupMeasures,
} from '../../transform/costs/index.ts';
import { costSettings } from '../../core/config/costs.ts';
import { isoDate } from '../../core/config/values.ts';
import { plantDate } from '../../transform/shared/time-zone.ts';
import { ACTOR, concludeBatch } from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import { jobEntry } from '../catalog.ts';

export const costRollupParams = z
  .object({
    /** cost updates valid on this date are used (YYYY-MM-DD; default today in the plant time zone) */
    asOf: isoDate.optional(),
    /** make a new batch even when nothing changed since the last one */
    force: flag.default(false),
    /** read the quantity on hand from Odoo (default: costs.readOnHand, when Odoo is configured) */
    onHand: flag.optional(),
    /** write the XLSX / CSV report (default true) */
    report: flag.default(true),
  })
  .strict();
type Params = z.infer<typeof costRollupParams>;

class DryRunDone extends Error {
  constructor(readonly stats: Record<string, unknown>) {
    super('dry run');
  }
}

/** Problems → the checkpoint figures (cycles as code paths, lists of codes), and the cycle of each product in one. */
export function problemFigures(
  problems: readonly RollupProblem[],
): Pick<RollupMeasures, 'cycles' | 'missing' | 'unitProblems' | 'operationProblems'> & { cycleOf: Map<number, string> } {
  const code = new Map<number, string>();
  for (const p of problems) {
    if (p.productId !== null) code.set(p.productId, p.product);
    if (p.componentId !== null) code.set(p.componentId, p.component);
  }
  const name = (id: number) => code.get(id) ?? `#${id}`;
  const edges = problems.filter((p) => p.kind === 'cycle_edge').map((p) => [p.productId!, p.componentId!] as const);
  const idCycles = findCycles(edges);
  const seen = new Set(idCycles.map((c) => c.join('>')));
  for (const p of problems.filter((x) => x.kind === 'kit_cycle')) {
    const path = kitCycle((p.detail.path as number[]) ?? []);
    if (!seen.has(path.join('>'))) {
      seen.add(path.join('>'));
      idCycles.push(path);
    }
  }
  const cycles = idCycles.map((c) => c.map(name));
  const cycleOf = new Map<number, string>();
  idCycles.forEach((c, i) => {
    for (const id of c) if (!cycleOf.has(id)) cycleOf.set(id, cycles[i]!.join(' → '));
  });
  return {
    cycles,
    cycleOf,
    missing: problems
      .filter((p) => p.kind === 'missing_cost')
      .map((p) => ({ product: p.component, usedBy: ((p.detail.parents as string[]) ?? []).map(String) })),
    unitProblems: problems
      .filter((p) => p.kind === 'unit' || p.kind === 'unknown_component')
      .map((p) => ({
        product: p.product,
        problem: String(p.detail.problem ?? p.kind),
        ...(p.componentId !== null ? { component: p.component } : {}),
      })),
    operationProblems: problems
      .filter((p) => p.kind === 'operation')
      .map((p) => ({ product: p.product, problem: String(p.detail.problem ?? 'operation') })),
  };
}

/** How the rollup rounds: as Odoo stores standard_price (fields_get), else costs.priceDigits. */
interface Precision {
  digits: number | null;
  source: string;
}

async function stageRollup(
  ctx: JobContext,
  s: CostSettings,
  trx: Knex.Transaction,
  p: Params,
  asOf: string,
  odoo: { client: OdooClient | undefined; precision: Precision },
): Promise<
  | { batch: Batch; stats: Record<string, unknown>; checkpoints: CheckpointResult[] }
  | { unchanged: number }
  | { nothing: true }
  | { nothingChanged: { products: number; costed: number } }
> {
  const company = ctx.config.odooCompany ?? null;
  const scope = company ? `company-${company}` : 'all';
  const startedAt = new Date();
  const batch = await createBatch(trx, {
    kind: 'cost_rollup',
    scope,
    version: `${asOf} ${startedAt.toISOString().slice(11, 16)}Z run ${ctx.runId}`,
    source: 'master data snapshot',
    runId: ctx.runId,
    actor: ACTOR,
    stats: { asOf },
  });
  const categories = await productCategories(trx);
  const overhead = resolveOverhead(s.overhead, categories);
  if (overhead.unmatched.length > 0)
    ctx.logger.warn('overhead configured for categories the master data does not have', { categories: overhead.unmatched });

  ctx.progress('rolling up costs');
  const t0 = performance.now();
  const summary = await runRollup(trx, {
    batchId: batch.id,
    companyId: company,
    asOf,
    priceDigits: odoo.precision.digits,
    maxLevels: s.maxLevels,
    overhead: overhead.percents,
    overheadBase: s.overheadBase,
    zeroCostIsMissing: s.zeroCostIsMissing,
  });
  const rollupSeconds = (performance.now() - t0) / 1000;
  ctx.logger.info('cost rollup computed', { batchId: batch.id, ...summary, seconds: Math.round(rollupSeconds * 1000) / 1000 });
  if (summary.products === 0 && summary.componentsUpdated === 0) return { nothing: true };

  // every cost the rollup computed is the one Odoo holds (e.g. right after a load) and nothing is
  // wrong: no question for finance, no batch
  const problems0 = Object.values(summary.problems).every((n) => n === 0);
  if (!p.force && problems0 && (await countCostChanges(trx, batch.id)) === 0) return { nothingChanged: summary };

  const fingerprint = await rollupFingerprint(trx, batch.id);
  const latest = await latestRollupBatch(trx, scope, batch.id);
  if (!p.force && latest && latest.fingerprint === fingerprint) return { unchanged: latest.id };

  // quantity on hand, from Odoo, for the revaluation impact
  let onHand = 'not read: Odoo is not configured';
  const wanted = p.onHand ?? s.readOnHand;
  const client = wanted ? odoo.client : undefined;
  if (!wanted) onHand = 'not read (onHand off)';
  if (client) {
    const ids = await onHandCandidates(trx, batch.id);
    ctx.progress('reading quantities on hand and stock values from Odoo', 0, ids.length);
    // the revaluation Odoo will book: by its valuation layers on 17/18, live (price × quantity) on 19
    const mode: ValuationMode = (await client.version()).major >= 19 ? 'live' : 'layers';
    const values = await readStockValues(client, ids, mode);
    await setOnHand(trx, batch.id, values, mode);
    onHand = `read from Odoo for ${values.size} products (revaluation predicted ${mode === 'live' ? 'as price × quantity on hand, Odoo 19' : 'from the valuation layers, Odoo 17/18'})`;
  }

  const problems = await rollupProblems(trx, batch.id);
  const { cycleOf, ...found } = problemFigures(problems);
  await noteCycles(trx, batch.id, cycleOf);
  const figures = await measureRollup(trx, batch.id, s.checkpoints.cost_delta.threshold, s.topMovers);
  const measures: RollupMeasures = {
    products: summary.products,
    costed: summary.costed,
    ...found,
    notCosted: figures.notCosted,
    movers: figures.movers,
    moversOver: figures.moversOver,
    revaluation: { ...figures.revaluation, onHandRead: figures.onHandLines > 0 },
    nonStandard: figures.nonStandard,
  };
  const checkpoints = rollupCheckpoints(measures, s.checkpoints);
  await recordCheckpoints(trx, batch.id, checkpoints);
  const stats = {
    asOf,
    fingerprint,
    previousBatchId: latest?.id ?? null,
    products: summary.products,
    costed: summary.costed,
    kits: summary.kits,
    componentsUpdated: summary.componentsUpdated,
    maxLevel: summary.maxLevel,
    bomLines: summary.edges,
    purchasedComponents: summary.purchasedComponents,
    problems: summary.problems,
    cycles: measures.cycles.length,
    missingCosts: measures.missing.length,
    notCosted: figures.notCostedCount,
    moversOver: figures.moversOver,
    revaluationNet: Math.round(figures.revaluation.net * 100) / 100,
    revaluationAbsolute: Math.round(figures.revaluation.absolute * 100) / 100,
    onHand,
    priceDigits: odoo.precision.digits,
    priceDigitsFrom: odoo.precision.source,
    overheadBase: s.overheadBase,
    overheadCategories: overhead.percents.size,
    rollupSeconds: Math.round(rollupSeconds * 1000) / 1000,
  };
  await setBatchFigures(trx, batch.id, { stats });
  const concluded = await concludeBatch(trx, batch.id, checkpoints, s.approval);
  return { batch: concluded, stats, checkpoints };
}

export const costRollupJob = defineJob({
  ...jobEntry('cost-rollup'),
  params: costRollupParams,
  checkSettings: costSettings,
  retryLimit: 1,
  async run(ctx, params) {
    const s = costSettings(ctx.config);
    const asOf = params.asOf ?? plantDate(ctx.config.timezone);
    let staged: Awaited<ReturnType<typeof stageRollup>>;
    const client = odooClient(ctx);
    try {
      // round as Odoo stores standard_price: asked, never assumed (18: 2 decimals, 19: unrounded)
      const precision: Precision = client
        ? { digits: await readPriceDigits(client), source: 'Odoo (fields_get standard_price digits)' }
        : { digits: s.priceDigits, source: 'costs.priceDigits (Odoo is not configured)' };
      staged = await ctx.db.knex.transaction(async (trx) => {
        const result = await stageRollup(ctx, s, trx, params, asOf, { client, precision });
        if (ctx.dryRun && 'batch' in result) {
          const failed = result.checkpoints.filter((c) => !c.passed).map((c) => `${c.severity}: ${c.name}`);
          throw new DryRunDone({
            dryRun: true,
            wouldBe: result.batch.status,
            ...result.stats,
            failedCheckpoints: failed,
            checkpoints: result.checkpoints.map((c) => ({ name: c.name, passed: c.passed, message: c.message })),
          });
        }
        if ('nothingChanged' in result)
          throw new DryRunDone({
            unchanged: true,
            nothingChanged: true,
            products: result.nothingChanged.products,
            costed: result.nothingChanged.costed,
            note: 'nothing changed: every standard cost the rollup computed is the one Odoo holds; no batch for finance to approve',
            ...(ctx.dryRun ? { dryRun: true } : {}),
          });
        if ('unchanged' in result)
          throw new DryRunDone({ unchanged: true, sameAsBatchId: result.unchanged, ...(ctx.dryRun ? { dryRun: true } : {}) });
        if ('nothing' in result) {
          throw new DryRunDone({
            products: 0,
            note: 'nothing to roll up: the master data snapshot has no bills of materials and no cost updates apply (run masterdata-sync, cost-import)',
          });
        }
        return result;
      });
    } catch (err) {
      if (err instanceof DryRunDone) {
        if (err.stats.nothingChanged) ctx.logger.info(String(err.stats.note));
        else if (err.stats.unchanged)
          ctx.logger.info('costs unchanged since the last rollup: no new batch', { batchId: err.stats.sameAsBatchId });
        else if (err.stats.note) ctx.logger.warn(String(err.stats.note));
        return { ...err.stats, summary: rollupSummary(err.stats) };
      }
      throw err;
    } finally {
      client?.close();
    }
    if (!('batch' in staged)) return {};
    const { batch, stats, checkpoints } = staged;
    let report: { xlsx: string; csv: string } | undefined;
    if (params.report) {
      ctx.progress('writing the report');
      const files = await writeCostReport(ctx.db.knex, ctx.config.reports, batch.id, {
        date: plantDate(ctx.config.timezone),
        runId: ctx.runId,
      });
      report = { xlsx: files.xlsx, csv: files.csv };
      const fresh = await getBatch(ctx.db.knex, batch.id);
      await ctx.db
        .knex('batches')
        .where({ id: batch.id })
        .update({ stats: JSON.stringify({ ...fresh.stats, report }) });
    }
    ctx.logger.info('cost batch staged', { batchId: batch.id, status: batch.status, report: report?.xlsx });
    const failed = checkpoints.filter((c) => !c.passed);
    return {
      batchId: batch.id,
      status: batch.status,
      ...stats,
      failedCheckpoints: failed.map((c) => `${c.severity}: ${c.name}`),
      ...(report ? { report } : {}),
      summary: [
        batch.status === 'validated'
          ? `cost batch ${batch.id} validated, awaits finance's approval: mfg-etl approve ${batch.id} --by <name> (then mfg-etl run cost-load)`
          : batch.status === 'approved'
            ? `cost batch ${batch.id} approved; next: mfg-etl run cost-load`
            : `cost batch ${batch.id} ${batch.status}`,
        ...failed.map((c) => `  ${c.severity === 'error' ? 'error' : 'warning'}: ${c.message}`),
        ...(report ? [`report: ${report.xlsx}`] : []),
      ],
    };
  },
});

/** The plain-words outcome of a rollup that made no batch (dry run, nothing changed, nothing to do). */
function rollupSummary(stats: Record<string, unknown>): string[] {
  if (stats.dryRun && stats.wouldBe) {
    const checkpoints = (stats.checkpoints as { name: string; passed: boolean; message: string }[] | undefined) ?? [];
    return [
      `DRY RUN: nothing kept; the cost batch would be ${String(stats.wouldBe)}`,
      ...checkpoints.filter((c) => !c.passed).map((c) => `  ${c.name}: ${c.message}`),
    ];
  }
  if (stats.nothingChanged || stats.note) return [`${stats.dryRun ? 'DRY RUN: ' : ''}${String(stats.note)}`];
  if (stats.unchanged) return [`costs unchanged since cost batch ${String(stats.sameAsBatchId)}: no new batch`];
  return [];
}
