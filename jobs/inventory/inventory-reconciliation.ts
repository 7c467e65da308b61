/**
 * inventory-reconciliation: Odoo's on-hand stock against the warehouse's latest count, per
 * warehouse, with reports finance reads.
 *
 *   1. imports count files waiting in <inbox>/counts (same import as count-import);
 *   2. per warehouse: the newest checked count batch (or `batch`), a fresh snapshot of Odoo's
 *      quants of the warehouse's internal locations (or `snapshot`, an earlier one), the matching
 *      (sql/inventory/reconciliation.sql: full outer join on location, product, lot, classes,
 *      tolerances per product category, value impact, moved since count, comparison with the
 *      previous run), then the XLSX and CSV reports;
 *   3. stats: per-warehouse figures, `summary` (plain-text lines for the CLI) and `reports` (paths).
 *
 * Two jobs share this module: `inventory-reconciliation` (daily, 06:00 plant time) and
 * `inventory-reconciliation-month-end` (23:00 on days 28–31; only the last day of the month
 * proceeds, see transform/inventory/schedule.ts). Runs, snapshots and lines stay in staging.
 */
import { z } from 'zod';
import { flag } from '../../core/flags.ts';
import { ConfigError, DataValidationError, NotFoundError } from '../../core/errors.ts';
import { readQuantPages } from '../../extract/inventory/odoo-quants.ts';
import { companyCurrency } from '../../extract/shared/odoo-company.ts';
import { getBatch } from '../../load/staging/batches.ts';
import {
  countedLocationIds,
  countedWarehouses,
  createReconciliation,
  createSnapshot,
  findWarehouse,
  finishReconciliation,
  finishSnapshot,
  getSnapshot,
  latestCountBatch,
  listCategories,
  matchCount,
  previousReconciliation,
  RECONCILABLE,
  reconciliationByLocation,
  reconciliationTotals,
  reportLinePages,
  stageQuants,
  type WarehouseRef,
} from '../../load/inventory/staging.ts';
import { writeInventoryReport } from '../../load/inventory/workbook.ts';
import {
  COVERAGES,
  type Coverage,
  type InventorySettings,
  localDate,
  monthEndDecision,
  reconciliationSummary,
  resolveTolerances,
} from '../../transform/inventory/index.ts';
import { inventorySettings } from '../../core/config/inventory.ts';
import { importCounts } from './count-import.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

export const inventoryReconciliationParams = z
  .object({
    /** one warehouse (code); default: inventory.warehouses, else every warehouse with a count */
    warehouse: z.coerce.string().min(1).optional(),
    /** this count batch instead of the warehouse's newest (needs `warehouse` or implies its scope) */
    batch: z.coerce.number().int().positive().optional(),
    /** an earlier snapshot instead of reading Odoo (a rerun on the same figures; the demo) */
    snapshot: z.coerce.number().int().positive().optional(),
    /** overrides inventory.coverage */
    coverage: z.enum(COVERAGES).optional(),
    /** import waiting count files first (default true) */
    importCounts: flag.default(true),
    settleSeconds: z.coerce.number().int().nonnegative().optional(),
  })
  .strict();
type Params = z.infer<typeof inventoryReconciliationParams>;

type Kind = 'daily' | 'month_end';

const sanitise = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'warehouse';

/** The cron slot this run belongs to (retries share their first attempt's), or null when not scheduled. */
async function scheduledSlot(ctx: JobContext): Promise<Date | null> {
  const knex = ctx.db.knex;
  const run = await knex('job_runs').where({ id: ctx.runId }).first('slot_at', 'queue_job_id', 'trigger');
  if (!run) return null;
  if (run.slot_at) return run.slot_at as Date;
  if (run.trigger !== 'retry' || !run.queue_job_id) return null;
  const first = await knex('job_runs').where({ queue_job_id: run.queue_job_id }).whereNotNull('slot_at').orderBy('id').first('slot_at');
  return (first?.slot_at as Date | undefined) ?? null;
}

interface Plan {
  warehouse: WarehouseRef;
  batchId: number;
}

async function plan(ctx: JobContext, s: InventorySettings, params: Params): Promise<{ plans: Plan[]; skipped: string[] }> {
  const knex = ctx.db.knex;
  const skipped: string[] = [];
  if (params.batch !== undefined) {
    const batch = await getBatch(knex, params.batch);
    if (batch.kind !== 'inventory_count')
      throw new DataValidationError(`batch ${batch.id} is a ${batch.kind} batch, not a count`, { context: { batchId: batch.id } });
    if (!(RECONCILABLE as readonly string[]).includes(batch.status)) {
      throw new DataValidationError(
        `count batch ${batch.id} is ${batch.status}: only checked counts (${RECONCILABLE.join(', ')}) are reconciled`,
        { context: { batchId: batch.id } },
      );
    }
    const code = params.warehouse ?? batch.scope;
    const warehouse = await findWarehouse(knex, code);
    if (!warehouse)
      throw new NotFoundError(`warehouse ${code} is not in the master data (run masterdata-sync)`, { context: { warehouse: code } });
    return { plans: [{ warehouse, batchId: batch.id }], skipped };
  }
  const codes = params.warehouse ? [params.warehouse] : (s.warehouses ?? (await countedWarehouses(knex)));
  const plans: Plan[] = [];
  for (const code of codes) {
    const warehouse = await findWarehouse(knex, code);
    if (!warehouse) {
      if (params.warehouse)
        throw new NotFoundError(`warehouse ${code} is not in the master data (run masterdata-sync)`, { context: { warehouse: code } });
      skipped.push(`${code}: not in the master data`);
      continue;
    }
    const batchId = await latestCountBatch(knex, warehouse.code);
    if (batchId === undefined) {
      skipped.push(`${warehouse.code}: no checked count`);
      continue;
    }
    plans.push({ warehouse, batchId });
  }
  return { plans, skipped };
}

/** A snapshot of the warehouse's quants: read from Odoo now, or an earlier one. */
async function takeSnapshot(
  ctx: JobContext,
  warehouse: WarehouseRef,
  batchId: number,
  coverage: Coverage,
  snapshotParam: number | undefined,
): Promise<number> {
  const knex = ctx.db.knex;
  if (snapshotParam !== undefined) {
    const snap = await getSnapshot(knex, snapshotParam);
    if (!snap) throw new NotFoundError(`snapshot ${snapshotParam} does not exist`, { context: { snapshot: snapshotParam } });
    if (snap.warehouseId !== warehouse.id)
      throw new DataValidationError(`snapshot ${snap.id} is of warehouse ${snap.warehouseCode}, not ${warehouse.code}`, {
        context: { snapshot: snap.id },
      });
    if (!snap.finishedAt)
      throw new DataValidationError(`snapshot ${snap.id} did not finish (its read was interrupted)`, { context: { snapshot: snap.id } });
    return snap.id;
  }
  const client = odooClient(ctx);
  if (!client)
    throw new ConfigError(
      'inventory-reconciliation reads stock from Odoo: set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER and MFG_ETL_ODOO_API_KEY',
    );
  try {
    const o = client.options;
    const snapshotId = await createSnapshot(knex, {
      warehouseId: warehouse.id,
      warehouseCode: warehouse.code,
      purpose: 'reconciliation',
      takenAt: new Date(),
      source: `${o.url} db ${o.db}`,
      runId: ctx.runId,
    });
    const locationIds = coverage === 'counted_locations' ? await countedLocationIds(knex, batchId) : undefined;
    let read = 0;
    for await (const page of readQuantPages(client, { warehouseId: warehouse.id, locationIds })) {
      ctx.signal.throwIfAborted();
      await stageQuants(knex, snapshotId, page);
      read += page.length;
      ctx.progress(`${warehouse.code}: quants read from Odoo`, read);
    }
    const quants = await finishSnapshot(knex, snapshotId);
    ctx.logger.info('odoo stock snapshot taken', { warehouse: warehouse.code, snapshotId, quants });
    return snapshotId;
  } finally {
    client.close();
  }
}

/**
 * The currency of the warehouse's company as Odoo has it (res.company currency_id);
 * inventory.currency only when Odoo is not configured.
 */
async function reportCurrency(ctx: JobContext, s: InventorySettings, warehouseId: number): Promise<string> {
  const client = odooClient(ctx);
  if (!client) return s.currency;
  try {
    const row = (await ctx.db.knex('md_warehouses').where({ odoo_id: warehouseId }).first('company_id')) as
      { company_id: unknown } | undefined;
    const companyId = row?.company_id === null || row?.company_id === undefined ? (ctx.config.odooCompany ?? null) : Number(row.company_id);
    const company = await companyCurrency(client, companyId);
    if (company && company.currency !== s.currency)
      ctx.logger.info('reports in the company currency from Odoo', { company: company.company, currency: company.currency });
    return company?.currency ?? s.currency;
  } finally {
    client.close();
  }
}

async function reconcileWarehouse(
  ctx: JobContext,
  s0: InventorySettings,
  p: Plan,
  params: Params,
  kind: Kind,
  period: string | null,
): Promise<Record<string, unknown>> {
  const knex = ctx.db.knex;
  const { warehouse } = p;
  const s = { ...s0, currency: await reportCurrency(ctx, s0, warehouse.id) };
  const coverage = params.coverage ?? s.coverage;
  const batch = await getBatch(knex, p.batchId);
  const snapshotStarted = performance.now();
  const snapshotId = await takeSnapshot(ctx, warehouse, batch.id, coverage, params.snapshot);
  const snapshotMs = performance.now() - snapshotStarted;
  const snapshot = (await getSnapshot(knex, snapshotId))!;
  ctx.signal.throwIfAborted();

  const { byCategory, unused } = resolveTolerances(await listCategories(knex), s.tolerances.categories);
  if (unused.length) ctx.logger.warn('tolerance keys that match no product category', { keys: unused });
  const previousId = await previousReconciliation(knex, warehouse.id);
  const reconciliationId = await createReconciliation(knex, {
    runId: ctx.runId,
    warehouse,
    kind,
    countBatchId: batch.id,
    snapshotId,
    previousId,
    coverage,
    settings: { tolerances: s.tolerances, currency: s.currency, unusedToleranceKeys: unused },
  });
  const started = performance.now();
  await matchCount(knex, {
    reconciliationId,
    countBatchId: batch.id,
    snapshotId,
    previousId,
    defaultTolerance: s.tolerances.default,
    tolerances: byCategory,
    coverage,
    warehouseId: warehouse.id,
  });
  // the figures and the Summary's table read the lines once more: side by side, on two connections
  const [totals, byLocation] = await Promise.all([
    reconciliationTotals(knex, reconciliationId, previousId),
    reconciliationByLocation(knex, reconciliationId),
  ]);
  const matchMs = performance.now() - started;
  ctx.signal.throwIfAborted();

  const counted = await knex('inventory_count_lines')
    .where({ batch_id: batch.id })
    .min('counted_at as from')
    .max('counted_at as to')
    .first();
  const previous = previousId === null ? null : await knex('inventory_reconciliations').where({ id: previousId }).first('id', 'created_at');
  const now = new Date();
  const baseName = reportBaseName(warehouse.code, localDate(snapshot.takenAt, ctx.config.timezone), kind);
  const reportStarted = performance.now();
  const files = await writeInventoryReport({
    dir: ctx.config.reports,
    baseName,
    timeZone: ctx.config.timezone,
    currency: s.currency,
    meta: {
      warehouse: { code: warehouse.code, name: warehouse.name },
      runId: ctx.runId,
      reconciliationId,
      kind,
      period,
      generatedAt: now,
      countBatch: {
        id: batch.id,
        source: batch.source,
        status: batch.status,
        countedFrom: (counted?.from as Date | null) ?? null,
        countedTo: (counted?.to as Date | null) ?? null,
      },
      snapshot: { id: snapshot.id, takenAt: snapshot.takenAt, source: snapshot.source, quants: snapshot.quants },
      coverage,
      tolerances: {
        default: s.tolerances.default,
        categories: Object.entries(s.tolerances.categories).map(([key, t]) => ({
          key,
          abs: t.abs,
          pct: t.pct,
          categories: byCategory.filter((b) => b.key === key).length,
        })),
      },
      previous: previous ? { id: Number(previous.id), at: previous.created_at as Date } : null,
    },
    totals,
    byLocation,
    lines: (which) => reportLinePages(knex, reconciliationId, which),
    onPage: (written) => {
      ctx.signal.throwIfAborted();
      ctx.progress(`${warehouse.code}: report rows written`, written);
    },
  });
  const reportMs = performance.now() - reportStarted;
  await finishReconciliation(knex, reconciliationId, totals, { xlsx: files.xlsx, csv: files.csv });

  const figures = {
    warehouse: warehouse.code,
    lines: totals.lines,
    matched: totals.matched,
    discrepancies: totals.discrepancies,
    movedSinceCount: totals.moved_since_count,
    byClass: totals.by_class,
    valueImpactAbs: totals.value_impact_abs,
    valueImpactNet: totals.value_impact_net,
    currency: s.currency,
    newDiscrepancies: totals.new_discrepancies,
    resolved: totals.resolved,
    persisting: totals.persisting,
    previousId,
    xlsx: files.xlsx,
    csv: files.csv,
  };
  ctx.logger.info('inventory reconciled', {
    ...figures,
    reconciliationId,
    countBatchId: batch.id,
    snapshotId,
    matchMs: Math.round(matchMs),
    reportMs: Math.round(reportMs),
  });
  return {
    ...figures,
    reconciliationId,
    countBatchId: batch.id,
    countStatus: batch.status,
    snapshotId,
    snapshotAt: snapshot.takenAt.toISOString(),
    quants: snapshot.quants,
    unresolvedLines: totals.unresolved_lines,
    timings: { snapshotMs: Math.round(snapshotMs), matchMs: Math.round(matchMs), reportMs: Math.round(reportMs) },
    summary: reconciliationSummary(figures),
  };
}

async function runReconciliation(ctx: JobContext, params: Params, kind: Kind, period: string | null): Promise<Record<string, unknown>> {
  const s = inventorySettings(ctx.config);
  const settle = params.settleSeconds ?? ctx.config.inboxSettleSeconds;
  const counts = params.importCounts && params.batch === undefined ? await importCounts(ctx, s, settle) : undefined;
  const { plans, skipped } = await plan(ctx, s, params);
  if (ctx.dryRun) {
    return {
      dryRun: true,
      kind,
      counts,
      warehouses: await Promise.all(
        plans.map(async (p) => {
          const b = await getBatch(ctx.db.knex, p.batchId);
          return {
            warehouse: p.warehouse.code,
            countBatchId: b.id,
            countStatus: b.status,
            source: b.source,
            countedAt: b.stats.countedAt ?? null,
          };
        }),
      ),
      skipped,
    };
  }
  const results: Record<string, unknown>[] = [];
  for (const p of plans) {
    ctx.signal.throwIfAborted();
    results.push(await reconcileWarehouse(ctx, s, p, params, kind, period));
  }
  const summary = results.flatMap((r) => r.summary as string[]);
  for (const line of skipped) summary.push(`skipped ${line}`);
  if (results.length === 0) summary.push('nothing to reconcile: no warehouse has a checked count');
  return {
    kind,
    ...(period ? { period } : {}),
    ...(counts ? { counts } : {}),
    warehouses: results.map(({ summary: _s, ...rest }) => rest),
    skipped,
    summary,
    reports: results.flatMap((r) => [r.xlsx, r.csv]),
  };
}

export const inventoryReconciliationJob = defineJob({
  ...jobEntry('inventory-reconciliation'),
  params: inventoryReconciliationParams,
  checkSettings: inventorySettings,
  run: (ctx, params) => runReconciliation(ctx, params, 'daily', null),
});

export const inventoryReconciliationMonthEndJob = defineJob({
  ...jobEntry('inventory-reconciliation-month-end'),
  params: inventoryReconciliationParams,
  checkSettings: inventorySettings,
  async run(ctx, params) {
    const decision = monthEndDecision(await scheduledSlot(ctx), new Date(), ctx.config.timezone);
    if (!decision.run) {
      ctx.logger.info('month-end reconciliation skipped', { reason: decision.reason });
      return { skipped: decision.reason, summary: [`skipped: ${decision.reason}`] };
    }
    return runReconciliation(ctx, params, 'month_end', decision.period);
  },
});

/** For tests and the demo: where a warehouse's report of a day lands. */
export function reportBaseName(warehouseCode: string, date: string, kind: Kind = 'daily'): string {
  return `inventory-reconciliation_${sanitise(warehouseCode)}_${date}${kind === 'month_end' ? '_month-end' : ''}`;
}
