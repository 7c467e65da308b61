/**
 * forecast-load: approved forecast versions into Odoo's planning inputs, idempotently.
 *
 *   batches to load (oldest first, so per scope too) → per batch: staged lines as cells →
 *   target rows (MPS schedules + forecasts, or replenishment rules with min/max) → plan against
 *   the ledger and the records mfg-etl did not create → dry run: plan file; else
 *   loading → upsert by external id through `load`, ledger per call (load/odoo-ledger/write.ts)
 *   → loaded | load_failed.
 *
 * Delta: a row whose payload hash equals the ledger's last one is not sent, so a rerun of a
 * loaded batch writes nothing. A run that fails midway leaves the batch load_failed (or loading,
 * if the process died) with the ledger of every call that landed: the next run loads the rest.
 * Without Odoo settings the job only plans, and says so.
 */
import { BatchStateError, describeError, UsageError } from '../../core/errors.ts';
import { adoptRecords, chooseTarget, installedModels, mpsFacts, orderpointFacts, type OrderpointFacts } from '../../load/forecast/odoo.ts';
import { writePlanReport } from '../../load/forecast/report.ts';
import {
  droppedMpsPeriods,
  droppedOrderpoints,
  LOADABLE,
  loadableBatchIds,
  newestLoadedInScope,
  olderFailedInScope,
  readBatchCells,
  skippedErrors,
} from '../../load/forecast/load-staging.ts';
import { type LoadRowError, saveLoadErrors } from '../../load/odoo-ledger/load-errors.ts';
import { lastLedgerEntries } from '../../load/odoo-ledger/ledger.ts';
import { loadByExternalId } from '../../load/odoo-ledger/write.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import { appendAudit } from '../../load/staging/audit.ts';
import { type Batch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import {
  type ForecastLoadSettings,
  type ForecastTarget,
  forecastLoadParamsSchema,
  forecastLoadSettings,
  formatPlan,
  localDate,
  type ModelPlan,
  mpsTargets,
  orderpointKey,
  orderpointTargets,
  type PlanHeader,
  planModel,
  type PlanSummary,
  rowsToWrite,
  type SkippedRow,
  summarisePlan,
  type TargetSet,
  windowAnchor,
} from '../../transform/forecast/load/index.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

const ACTOR = 'mfg-etl';

interface RunEnv {
  ctx: JobContext;
  settings: ForecastLoadSettings;
  client: OdooClient | undefined;
  models: Set<string> | undefined;
  target: ForecastTarget;
  targetReason: string;
  dryRunReason: string | undefined;
  asOf: string | undefined;
}

interface BuiltPlan {
  models: ModelPlan[];
  skipped: SkippedRow[];
  summary: PlanSummary;
  header: PlanHeader;
  settings: Record<string, unknown>;
}

export interface BatchLoadResult {
  batchId: number;
  scope: string;
  version: string;
  status: string;
  target: ForecastTarget;
  plan: PlanSummary;
  written: Record<string, number>;
  failed: number;
  errors: Array<{ ref: string; message: string }>;
  planFile?: string;
}

/** What a forecast-load did or would do, for people: per batch the rows, what was not sent and why, what needs a person. */
function loadSummary(results: readonly BatchLoadResult[], dryRunReason: string | undefined): string[] {
  const lines: string[] = [];
  if (dryRunReason) lines.push(`DRY RUN (${dryRunReason}): nothing written to Odoo`);
  for (const r of results) {
    const counts = r.plan.models.map((m) => `${m.model} ${m.create} create, ${m.update} update, ${m.unchanged} unchanged`).join('; ');
    const written = Object.values(r.written).reduce((a, b) => a + b, 0);
    const head = `batch ${r.batchId} (${r.scope} ${r.version}) → ${r.target}`;
    if (dryRunReason)
      lines.push(`${head}: would write ${r.plan.writes} rows (${counts || 'nothing'})${r.planFile ? `; plan ${r.planFile}` : ''}`);
    else
      lines.push(`${head} ${r.status}: ${written} rows written (${counts || 'nothing'})${r.failed ? `, ${r.failed} refused by Odoo` : ''}`);
    if (r.plan.skipped.total > 0) {
      lines.push(`  not sent: ${r.plan.skipped.total} rows`);
      for (const e of r.plan.skipped.examples) lines.push(`    ${e.ref}: ${e.reason}`);
    }
    for (const e of r.errors.slice(0, 3)) lines.push(`  refused ${e.ref}: ${e.message}`);
    if (r.status === 'load_failed')
      lines.push(`  needs a person: mfg-etl batch ${r.batchId} lists what Odoo refused; fix it, then mfg-etl run forecast-load`);
  }
  return lines;
}

// ---- plan ---------------------------------------------------------------------------------------

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** First and last period start of a version (ISO dates compare as text). */
function periodRange(cells: readonly { periodStart: string }[]): { first: string; last: string } | undefined {
  if (cells.length === 0) return undefined;
  let first = cells[0]!.periodStart;
  let last = first;
  for (const c of cells) {
    if (c.periodStart < first) first = c.periodStart;
    if (c.periodStart > last) last = c.periodStart;
  }
  return { first, last };
}

async function planBatch(env: RunEnv, batch: Batch): Promise<BuiltPlan> {
  const { ctx, settings, client, target } = env;
  const knex = ctx.db.knex;
  const cells = await readBatchCells(knex, batch.id);
  const warehouseIds = unique(cells.map((c) => c.warehouseId).filter((w): w is number => w !== null));
  const notes: string[] = [];
  const foreign = { manage: settings.manageForeignRules, blocked: new Set<string>() };
  let sets: Array<{ set: TargetSet; foreign: Map<string, { id: number }> }>;
  let skipped: SkippedRow[];
  let planSettings: Record<string, unknown> = { manageForeignRules: settings.manageForeignRules };

  if (target === 'mps') {
    const range = periodRange(cells);
    const dropped = range ? await droppedMpsPeriods(knex, warehouseIds, range.first, range.last) : [];
    const t = mpsTargets(cells, dropped);
    const places = t.schedules.rows.map((r) => ({ productId: r.productId, warehouseId: r.warehouseId }));
    const facts = client
      ? await mpsFacts(client, places, settings.manageForeignRules)
      : { foreignSchedules: new Map(), foreignForecasts: new Map() };
    sets = [
      { set: t.schedules, foreign: facts.foreignSchedules },
      { set: t.forecasts, foreign: settings.manageForeignRules ? facts.foreignForecasts : new Map() },
    ];
    skipped = [...t.skipped];
    planSettings = { ...planSettings, horizon: t.horizon };
  } else {
    const dropped = await droppedOrderpoints(knex, warehouseIds);
    const places = new Map<string, { key: string; productId: number; locationId: number }>();
    const place = (warehouseId: number | null, productId: number | null, locationId: number | null) => {
      if (warehouseId === null || productId === null || locationId === null) return;
      const key = orderpointKey(warehouseId, productId);
      places.set(key, { key, productId, locationId });
    };
    for (const c of cells) place(c.warehouseId, c.productId, c.lotStockId);
    for (const d of dropped) place(d.warehouseId, d.productId, d.lotStockId);
    const facts: OrderpointFacts =
      client && env.models
        ? await orderpointFacts(client, env.models, [...places.values()])
        : {
            leadTimes: new Map(),
            multiples: new Map(),
            foreign: new Map(),
            newRuleMultiple: () => ({ multiple: 1, source: 'default (Odoo not asked)' }),
            notes: ['Odoo not asked: default lead times, multiple 1, rules not created by mfg-etl unknown'],
          };
    notes.push(...facts.notes);
    // the demand window starts on the approval day (not before the version's first period): the
    // same for every rerun of the batch, so a rerun computes the same min/max and writes nothing
    const anchor =
      env.asOf ?? windowAnchor(periodRange(cells)?.first ?? '0000-01-01', localDate(batch.approvedAt ?? new Date(), ctx.config.timezone));
    const t = orderpointTargets(cells, dropped, {
      bucket: ctx.config.forecastBucket,
      anchor,
      safetyDays: settings.safetyDays,
      reviewDays: settings.reviewDays,
      defaultLeadDays: settings.defaultLeadDays,
      leadTimes: facts.leadTimes,
      multiples: facts.multiples,
      newRuleMultiple: facts.newRuleMultiple,
    });
    sets = [{ set: t.orderpoints, foreign: facts.foreign }];
    skipped = [...t.skipped];
    planSettings = {
      ...planSettings,
      anchor,
      bucket: ctx.config.forecastBucket,
      safetyDays: settings.safetyDays,
      reviewDays: settings.reviewDays,
      defaultLeadDays: settings.defaultLeadDays,
    };
  }

  const models: ModelPlan[] = [];
  for (const { set, foreign: records } of sets) {
    const ledger = await lastLedgerEntries(
      knex,
      set.model,
      set.rows.map((r) => r.key),
    );
    const planned = planModel(set, ledger, { ...foreign, records });
    models.push(planned.plan);
    skipped.push(...planned.skipped);
  }
  const summary = summarisePlan(models, skipped);
  const header: PlanHeader = {
    batchId: batch.id,
    scope: batch.scope,
    version: batch.version,
    target: `${target} (${env.targetReason})`,
    ...(env.dryRunReason ? { dryRunReason: env.dryRunReason } : {}),
    notes,
  };
  return { models, skipped, summary, header, settings: { target, ...planSettings } };
}

// ---- load ---------------------------------------------------------------------------------------

async function applyPlan(
  env: RunEnv,
  batch: Batch,
  built: BuiltPlan,
): Promise<{ status: string; written: Record<string, number>; errors: LoadRowError[] }> {
  const { ctx } = env;
  const client = env.client as OdooClient;
  const knex = ctx.db.knex;
  const errors: LoadRowError[] = skippedErrors(built.skipped);
  const written: Record<string, number> = {};
  const rejected = new Map<string, string>();
  const recheck = batch.status === 'loaded';
  const total = built.summary.writes;
  let done = 0;

  if (!recheck && batch.status !== 'loading') {
    await transitionBatch(knex, batch.id, 'start_load', {
      actor: ACTOR,
      details: { runId: ctx.runId, target: env.target, rowsToWrite: total },
    });
  }
  const loadStats = () => ({
    load: {
      runId: ctx.runId,
      target: env.target,
      written,
      unchanged: built.summary.models.reduce((n, m) => n + m.unchanged, 0),
      failed: errors.length,
      at: new Date().toISOString(),
    },
  });

  try {
    for (const plan of built.models) {
      const rows = rowsToWrite(plan).filter((row) => {
        const cause = row.dependsOn !== undefined ? rejected.get(row.dependsOn) : undefined;
        if (cause === undefined) return true;
        rejected.set(row.key, cause);
        errors.push({
          model: plan.model,
          key: row.key,
          ref: row.ref,
          message: `not sent: ${row.dependsOn} was rejected (${cause})`,
          details: { dependsOn: row.dependsOn },
          ...(row.lines ? { lines: row.lines } : {}),
        });
        return false;
      });
      if (rows.length === 0) continue;
      const adopted = await adoptRecords(client, plan.model, rows);
      if (adopted) ctx.logger.info('took over records mfg-etl did not create', { batchId: batch.id, model: plan.model, records: adopted });
      const outcome = await loadByExternalId(
        client,
        plan.model,
        plan.fields,
        rows.map((row) => ({ ...row, batchId: batch.id, op: row.op === 'create' ? ('create' as const) : ('update' as const) })),
        {
          db: knex,
          runId: ctx.runId,
          signal: ctx.signal,
          chunkSize: client.options.batchSize,
          concurrency: client.options.concurrency,
          onChunk: (sent, loaded) => {
            written[plan.model] = (written[plan.model] ?? 0) + loaded;
            done += sent;
            ctx.progress(`batch ${batch.id}: ${plan.model}`, done, total);
          },
        },
      );
      for (const f of outcome.failed) {
        rejected.set(f.entry.key, f.message);
        errors.push({
          model: plan.model,
          key: f.entry.key,
          ref: f.entry.ref,
          message: f.message,
          details: { values: f.entry.values, messages: f.messages },
          ...(f.entry.lines ? { lines: f.entry.lines } : {}),
        });
      }
    }
  } catch (err) {
    await saveLoadErrors(knex, batch.id, ctx.runId, errors);
    if (!recheck) {
      const reason = `load interrupted: ${describeError(err).message}; a rerun loads what is left`;
      await transitionBatch(knex, batch.id, 'fail_load', { actor: ACTOR, reason, stats: loadStats() });
    }
    throw err;
  }

  await saveLoadErrors(knex, batch.id, ctx.runId, errors);
  if (recheck) {
    await appendAudit(knex, {
      actor: ACTOR,
      entity: 'batch',
      entityId: batch.id,
      action: 'load_rechecked',
      details: { runId: ctx.runId, written, failed: errors.length },
    });
    return { status: batch.status, written, errors };
  }
  if (errors.length > 0) {
    const first = errors[0]!;
    const reason = `${errors.length} row(s) rejected, e.g. ${first.ref}: ${first.message}`;
    await transitionBatch(knex, batch.id, 'fail_load', {
      actor: ACTOR,
      reason,
      stats: loadStats(),
      details: { runId: ctx.runId, written },
    });
    return { status: 'load_failed', written, errors };
  }
  await transitionBatch(knex, batch.id, 'finish_load', { actor: ACTOR, stats: loadStats(), details: { runId: ctx.runId, written } });
  for (const older of await olderFailedInScope(knex, batch.scope, batch.id)) {
    await transitionBatch(knex, older, 'supersede', { actor: ACTOR, reason: `batch ${batch.id} of the same scope is loaded` });
  }
  return { status: 'loaded', written, errors };
}

// ---- one batch ----------------------------------------------------------------------------------

async function checkExplicit(env: RunEnv, batch: Batch): Promise<void> {
  if (batch.kind !== 'forecast') throw new UsageError(`batch ${batch.id} is a ${batch.kind} batch, not a forecast`);
  if (env.dryRunReason) {
    if (batch.status === 'rejected' || batch.status === 'received')
      throw new BatchStateError(`batch ${batch.id} is ${batch.status}: it has no lines to plan`);
    return;
  }
  if (batch.status === 'loaded') {
    const newest = await newestLoadedInScope(env.ctx.db.knex, batch.scope);
    if (newest !== batch.id)
      throw new BatchStateError(
        `batch ${batch.id} is loaded but batch ${newest} of scope ${batch.scope} is newer: reloading ${batch.id} would undo it`,
      );
    return;
  }
  if (!LOADABLE.includes(batch.status)) {
    throw new BatchStateError(
      `batch ${batch.id} is ${batch.status}: only approved, load_failed or loading batches are loaded (a loaded one is re-checked)`,
      {
        context: { batchId: batch.id, status: batch.status },
      },
    );
  }
}

async function processBatch(env: RunEnv, batchId: number, explicit: boolean): Promise<BatchLoadResult | undefined> {
  const { ctx } = env;
  const batch = await getBatch(ctx.db.knex, batchId);
  if (explicit) await checkExplicit(env, batch);
  else if (!LOADABLE.includes(batch.status)) {
    // changed since the list was read (e.g. superseded by an approval meanwhile)
    ctx.logger.info('forecast batch skipped: no longer loadable', { batchId, status: batch.status });
    return undefined;
  }
  const built = await planBatch(env, batch);
  const text = formatPlan(built.summary, built.header);
  const base = { batchId: batch.id, scope: batch.scope, version: batch.version, target: env.target, plan: built.summary };

  if (env.dryRunReason) {
    const planFile = await writePlanReport(ctx.config.reports, built);
    ctx.logger.info(text, { batchId: batch.id, planFile });
    return { ...base, status: batch.status, written: {}, failed: 0, errors: [], planFile };
  }
  ctx.logger.info(text, { batchId: batch.id });
  const applied = await applyPlan(env, batch, built);
  const result = {
    ...base,
    status: applied.status,
    written: applied.written,
    failed: applied.errors.length,
    errors: applied.errors.slice(0, 10).map((e) => ({ ref: e.ref, message: e.message })),
  };
  if (applied.errors.length)
    ctx.logger.warn('forecast batch not fully loaded', {
      batchId: batch.id,
      status: applied.status,
      failed: applied.errors.length,
      first: result.errors[0],
    });
  else ctx.logger.info('forecast batch loaded', { batchId: batch.id, status: applied.status, written: applied.written });
  return result;
}

// ---- the job ------------------------------------------------------------------------------------

export const forecastLoadJob = defineJob({
  ...jobEntry('forecast-load'),
  params: forecastLoadParamsSchema,
  async run(ctx, params) {
    const settings = forecastLoadSettings(params, { target: ctx.config.forecastTarget });
    const client = odooClient(ctx);
    const dryRunReason = !client
      ? 'Odoo is not configured (MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER, MFG_ETL_ODOO_API_KEY)'
      : ctx.dryRun
        ? 'requested (--dry-run)'
        : undefined;
    if (!client) ctx.logger.warn('Odoo is not configured: forecast-load computes the plan only and writes nothing');
    try {
      const ids = params.batch !== undefined ? [params.batch] : await loadableBatchIds(ctx.db.knex);
      const none = { dryRun: dryRunReason !== undefined, ...(dryRunReason ? { dryRunReason } : {}), odooConfigured: client !== undefined };
      if (ids.length === 0) {
        ctx.logger.info('no approved forecast batch to load');
        return {
          ...none,
          batches: 0,
          loaded: 0,
          loadFailed: 0,
          rowsPlanned: 0,
          rowsWritten: 0,
          rowsUnchanged: 0,
          rowsFailed: 0,
          odooCalls: 0,
          results: [],
          summary: [
            'no approved forecast batch to load (approve one with: mfg-etl approve <batch> --by <name>; list them with: mfg-etl batches --kind forecast --status validated)',
          ],
        };
      }
      const models = client ? await installedModels(client) : undefined;
      const { target, reason } = chooseTarget(settings.target, models);
      const env: RunEnv = { ctx, settings, client, models, target, targetReason: reason, dryRunReason, asOf: params.asOf };
      const results: BatchLoadResult[] = [];
      for (const id of ids) {
        ctx.signal.throwIfAborted();
        const result = await processBatch(env, id, params.batch !== undefined);
        if (result) results.push(result);
      }
      const sum = (f: (r: BatchLoadResult) => number) => results.reduce((n, r) => n + f(r), 0);
      return {
        ...none,
        target,
        targetReason: reason,
        batches: results.length,
        loaded: results.filter((r) => r.status === 'loaded').length,
        loadFailed: results.filter((r) => r.status === 'load_failed').length,
        rowsPlanned: sum((r) => r.plan.writes),
        rowsWritten: sum((r) => Object.values(r.written).reduce((a, b) => a + b, 0)),
        rowsUnchanged: sum((r) => r.plan.models.reduce((n, m) => n + m.unchanged, 0)),
        rowsFailed: sum((r) => r.failed),
        odooCalls: client?.calls ?? 0,
        results,
        summary: loadSummary(results, dryRunReason),
      };
    } finally {
      client?.close();
    }
  },
});
