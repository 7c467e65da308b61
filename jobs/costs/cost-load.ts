/**
 * cost-load: the standard costs of approved cost_rollup batches into Odoo (product.product
 * standard_price, in the configured company), idempotently.
 *
 *   batches to load (oldest first) → read what Odoo holds now (price, cost method) → plan:
 *   already written by this batch (ledger) / not on standard cost any more / unchanged / write →
 *   loading → write per price group (revaluation on, or off through the context Odoo 17/18
 *   `disable_auto_svl` / 19 `disable_auto_revaluation`), ledger per call → read back what Odoo
 *   recorded (valuation layers on 17/18, product.value on 19) → optional summary journal entry
 *   for products on periodic valuation → loaded (or load_failed) → report again with the outcome.
 *
 * A rerun of a loaded batch writes nothing; a run that failed midway continues where the ledger
 * says it stopped. FIFO / average products are never written.
 */
import { z } from 'zod';
import { BatchStateError, ConfigError, describeError, NotFoundError } from '../../core/errors.ts';
import type { Config } from '../../core/config.ts';
import {
  type CostClient,
  createSummaryEntry,
  findEntry,
  readLiveProducts,
  readValuationRecords,
  watermark,
  writePrice,
} from '../../load/costs/odoo.ts';
import { readPriceDigits, readStockValues, type StockValue } from '../../extract/costs/odoo.ts';
import { writeCostReport } from '../../load/costs/workbook.ts';
import { type Batch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { appendLedger, batchLedgerHashes, batchLedgerOdooId } from '../../load/odoo-ledger/ledger.ts';
import { recordInLedger, writeGroups } from '../../load/odoo-ledger/write.ts';
import {
  costLine,
  loadCandidates,
  updateLineSources,
  markLoadStatus,
  refreshSnapshotPrices,
  revaluationTotals,
  saveValuationRecords,
  setBookedRevaluation,
  type ValuationRecord,
} from '../../load/costs/staging.ts';
import {
  type CostSettings,
  type LoadPlan,
  type LiveProduct,
  parseFlag,
  planLoad,
  PRICE_MODEL,
  revaluationContext,
  revaluationRefusal,
  summaryEntryLines,
  valuationModel,
} from '../../transform/costs/index.ts';
import { costSettings } from '../../core/config/costs.ts';
import { plantDate } from '../../transform/shared/time-zone.ts';
import { ACTOR } from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

const flag = z.preprocess((value) => parseFlag(value) ?? value, z.boolean());

export const costLoadParams = z
  .object({
    /** load this batch only (default: every approved or failed cost_rollup batch, oldest first) */
    batchId: z.coerce.number().int().positive().optional(),
    /** let Odoo revalue the stock on hand (default: MFG_ETL_COST_REVALUE, else costs.revalue, else true) */
    revalue: flag.optional(),
    /** write the report again with the load outcome (default true) */
    report: flag.default(true),
  })
  .strict();
type Params = z.infer<typeof costLoadParams>;

const LOADABLE = ['approved', 'load_failed', 'loading'];
const PERIODIC = new Set(['periodic', 'manual_periodic']);

/** MFG_ETL_COST_REVALUE once core/config.ts carries it as `costRevalue` (boolean). */
function configuredRevalue(config: Config): boolean | undefined {
  return parseFlag((config as unknown as Record<string, unknown>).costRevalue);
}

export interface CostBatchLoad {
  batchId: number;
  status: string;
  odooVersion: string;
  revalue: boolean;
  context: Record<string, unknown>;
  written: number;
  /** a dry run: the standard prices the load would write */
  toWrite?: number;
  unchanged: number;
  notStandard: number;
  gone: number;
  alreadyWritten: number;
  writeCalls: number;
  valuationRecords: number;
  valuationModel: string | null;
  valuationNote?: string;
  journalEntryId?: number | null;
  /** the revaluation the rollup predicted for the products written, and what Odoo booked for them */
  revaluationPredicted?: number;
  revaluationBooked?: number;
  error?: string;
}

async function batchesToLoad(ctx: JobContext, batchId: number | undefined): Promise<Batch[]> {
  if (batchId !== undefined) {
    const batch = await getBatch(ctx.db.knex, batchId);
    if (batch.kind !== 'cost_rollup')
      throw new NotFoundError(`batch ${batchId} is a ${batch.kind} batch, not a cost_rollup batch`, { context: { batchId } });
    return [batch];
  }
  const rows = await ctx.db.knex('batches').where({ kind: 'cost_rollup' }).whereIn('status', LOADABLE).orderBy('id').pluck('id');
  return Promise.all(rows.map((id: number) => getBatch(ctx.db.knex, Number(id))));
}

async function livePrices(
  client: CostClient | undefined,
  ids: number[],
  staged: Map<number, { current: number | null; method: string }>,
): Promise<Map<number, LiveProduct>> {
  if (client) return readLiveProducts(client, ids);
  // dry run without Odoo: plan against the snapshot
  const out = new Map<number, LiveProduct>();
  for (const id of ids) {
    const s = staged.get(id);
    if (s) out.set(id, { id, standardPrice: s.current ?? 0, costMethod: s.method, valuation: null });
  }
  return out;
}

async function loadBatch(
  ctx: JobContext,
  s: CostSettings,
  client: CostClient | undefined,
  batch: Batch,
  o: { major: number; version: string; revalue: boolean },
): Promise<CostBatchLoad> {
  const knex = ctx.db.knex;
  const company = ctx.config.odooCompany ?? null;
  const context = revaluationContext(o.major, o.revalue);
  const candidates = await loadCandidates(knex, batch.id);
  const staged = new Map(candidates.map((c) => [c.productId, { current: c.currentCost, method: 'standard' }]));
  const live = await livePrices(
    client,
    candidates.map((c) => c.productId),
    staged,
  );
  const written = await batchLedgerHashes(knex, batch.id, PRICE_MODEL);
  const plan: LoadPlan = planLoad(
    candidates.map((c) => ({ productId: c.productId, code: c.code, newCost: c.newCost })),
    live,
    written,
    // compared at the digits Odoo keeps (fields_get): a figure Odoo already holds is never rewritten
    { company, priceDigits: client ? await readPriceDigits(client) : s.priceDigits },
  );
  const result: CostBatchLoad = {
    batchId: batch.id,
    status: batch.status,
    odooVersion: o.version,
    revalue: o.revalue,
    context,
    written: 0,
    unchanged: plan.counts.unchanged,
    notStandard: plan.counts.not_standard,
    gone: plan.counts.gone,
    alreadyWritten: plan.counts.done,
    writeCalls: 0,
    valuationRecords: 0,
    valuationModel: null,
  };
  if (ctx.dryRun || !client) {
    return {
      ...result,
      status: `dry run: would write ${plan.counts.write}`,
      written: 0,
      toWrite: plan.counts.write,
      writeCalls: plan.groups.length,
    };
  }
  if (batch.status !== 'loading')
    await transitionBatch(knex, batch.id, 'start_load', { actor: ACTOR, details: { runId: ctx.runId, revalue: o.revalue } });

  const model = valuationModel(o.major);
  const installed = await client.existingModels([model, 'account.move']);
  const readBack = installed.has(model);
  const before = readBack ? await watermark(client, model) : 0;
  // 19 books by revaluing live (total_value): its value before the writes, to tell what was booked
  const liveValuation = o.major >= 19;
  const valueBefore: Map<number, StockValue> = liveValuation
    ? await readStockValues(
        client,
        plan.groups.flatMap((g) => g.ids),
        'live',
      )
    : new Map();
  const writtenIds: number[] = [];
  const prices = new Map<number, number>();
  const failedIds = new Set<number>();
  const lineOf = new Map(plan.lines.map((l) => [l.productId, l]));
  // lineage: a bought component's price comes from a line of a cost update file; a made product's is computed
  const asOf = typeof batch.stats.asOf === 'string' ? batch.stats.asOf : batch.createdAt.toISOString().slice(0, 10);
  const sources = await updateLineSources(knex, batch.id, asOf);
  let failure: unknown;
  // one write per price group, recorded in the ledger as soon as it went through
  const writes = await writeGroups(
    plan.groups.map((group) => ({
      entries: group.ids.map((id) => {
        const line = lineOf.get(id)!;
        const source = sources.get(id);
        const lineage = source ? { lines: [source.lineNo], sourceBatchId: source.sourceBatchId } : {};
        return { entry: { key: line.key, batchId: batch.id, hash: line.hash, op: 'update' as const, price: group.price, ...lineage }, id };
      }),
      write: () => writePrice(client, group.price, group.ids, context),
    })),
    {
      record: recordInLedger(knex, PRICE_MODEL, ctx.runId),
      signal: ctx.signal,
      onGroup: (n) => ctx.progress('standard prices written', n, plan.counts.write),
    },
  );
  result.writeCalls = writes.calls;
  for (const { entry, id } of writes.written) {
    writtenIds.push(id!);
    prices.set(id!, entry.price);
  }
  if (writes.failure) {
    failure = writes.failure.error;
    for (const { id } of writes.failure.entries) failedIds.add(id!);
  }
  result.written = writtenIds.length;

  // what Odoo recorded for the change
  let records: ValuationRecord[] = [];
  if (readBack && writtenIds.length > 0) {
    records = await readValuationRecords(client, model, before, writtenIds);
    await saveValuationRecords(knex, batch.id, ctx.runId, records);
    result.valuationModel = model;
  } else if (!readBack) {
    result.valuationNote = `${model} is not installed on this Odoo: no valuation records to read back`;
  }
  result.valuationRecords = records.length;

  // what Odoo booked per product written: its layers (17/18), the change of total_value (19)
  const booked = new Map<number, number>();
  if (liveValuation) {
    const after = await readStockValues(client, writtenIds, 'live');
    for (const id of writtenIds) booked.set(id, Math.round(((after.get(id)?.value ?? 0) - (valueBefore.get(id)?.value ?? 0)) * 100) / 100);
  } else if (readBack) {
    for (const id of writtenIds) booked.set(id, 0);
    for (const r of records)
      if (r.productId !== null && booked.has(r.productId)) booked.set(r.productId, booked.get(r.productId)! + (r.value ?? 0));
  }
  await setBookedRevaluation(knex, batch.id, booked);

  // the optional summary journal entry for products on periodic valuation
  if (!failure && s.journalEntry && o.revalue && installed.has('account.move')) {
    result.journalEntryId = await summaryEntry(ctx, s, client, batch, plan, prices, records);
  }

  const statusOf = new Map<number, 'written' | 'unchanged' | 'not_standard' | 'failed'>();
  for (const l of plan.lines) {
    if (l.outcome === 'unchanged') statusOf.set(l.productId, 'unchanged');
    else if (l.outcome === 'not_standard') statusOf.set(l.productId, 'not_standard');
    else if (l.outcome === 'gone') statusOf.set(l.productId, 'failed');
    else if (l.outcome === 'done' || prices.has(l.productId)) statusOf.set(l.productId, 'written');
    else if (failedIds.has(l.productId)) statusOf.set(l.productId, 'failed');
  }
  await markLoadStatus(
    knex,
    batch.id,
    plan.lines
      .filter((l) => statusOf.has(l.productId))
      .map((l) => ({
        productId: l.productId,
        status: statusOf.get(l.productId)!,
        priceBefore: l.outcome === 'done' ? null : l.priceBefore,
      })),
  );
  await refreshSnapshotPrices(knex, prices);
  const totals = await revaluationTotals(knex, batch.id);
  result.revaluationPredicted = Math.round(totals.predicted * 100) / 100;
  result.revaluationBooked = Math.round(totals.booked * 100) / 100;

  const loadStats = {
    odooVersion: o.version,
    revalue: o.revalue,
    context,
    written: result.written + result.alreadyWritten,
    unchanged: result.unchanged,
    notStandard: result.notStandard,
    gone: result.gone,
    valuationRecords: records.length,
    valuationModel: result.valuationModel,
    journalEntryId: result.journalEntryId ?? null,
    revaluationPredicted: result.revaluationPredicted,
    revaluationBooked: result.revaluationBooked,
    runId: ctx.runId,
  };
  if (failure) {
    const message = describeError(failure).message;
    const failedBatch = await transitionBatch(knex, batch.id, 'fail_load', {
      actor: ACTOR,
      reason: message,
      stats: { load: { ...loadStats, error: message } },
    });
    result.status = failedBatch.status;
    result.error = message;
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the caught write error, rethrown with the load result attached
    throw Object.assign(failure as object, { costLoad: result });
  }
  const done = await transitionBatch(knex, batch.id, 'finish_load', { actor: ACTOR, stats: { load: loadStats } });
  result.status = done.status;
  return result;
}

async function summaryEntry(
  ctx: JobContext,
  s: CostSettings,
  client: CostClient,
  batch: Batch,
  plan: LoadPlan,
  prices: Map<number, number>,
  records: ValuationRecord[],
): Promise<number | null> {
  const je = s.journalEntry!;
  const key = `cost_batch:${batch.id}`;
  const known = await batchLedgerOdooId(ctx.db.knex, batch.id, 'account.move', key);
  if (known !== undefined) return known;
  // the stock value change of products on periodic valuation: Odoo's own layers where it made
  // them (17/18), else quantity on hand × (new - old price)
  let amount = 0;
  for (const l of plan.lines) {
    if (!prices.has(l.productId) || !PERIODIC.has(l.valuation ?? '')) continue;
    const layers = records.filter((r) => r.productId === l.productId && r.odooModel === 'stock.valuation.layer');
    if (layers.length > 0) amount += layers.reduce((sum, r) => sum + (r.value ?? 0), 0);
    else {
      const line = await costLine(ctx.db.knex, batch.id, l.productId);
      amount += (line?.qtyOnHand ?? 0) * (l.newCost - (l.priceBefore ?? 0));
    }
  }
  const ref = `mfg-etl cost batch ${batch.id}`;
  const lines = summaryEntryLines(amount, je, `Standard cost revaluation, cost batch ${batch.id}`);
  if (lines.length === 0) return null;
  const id =
    (await findEntry(client, ref)) ??
    (await createSummaryEntry(client, { journalId: je.journalId, ref, date: plantDate(ctx.config.timezone), lines, post: je.post }));
  await appendLedger(ctx.db.knex, [
    {
      batchId: batch.id,
      runId: ctx.runId,
      businessKey: key,
      odooModel: 'account.move',
      odooId: id,
      externalId: null,
      operation: 'create',
      payloadHash: String(Math.round(amount * 100)),
    },
  ]);
  await saveValuationRecords(ctx.db.knex, batch.id, ctx.runId, [
    {
      productId: null,
      odooModel: 'account.move',
      odooId: id,
      value: Math.round(amount * 100) / 100,
      quantity: null,
      accountMoveId: id,
      description: ref,
    },
  ]);
  return id;
}

export const costLoadJob = defineJob({
  ...jobEntry('cost-load'),
  params: costLoadParams,
  checkSettings: costSettings,
  retryLimit: 2,
  async run(ctx, params: Params) {
    const s = costSettings(ctx.config);
    const revalue = params.revalue ?? configuredRevalue(ctx.config) ?? s.revalue;
    const batches = await batchesToLoad(ctx, params.batchId);
    if (params.batchId !== undefined) {
      const b = batches[0]!;
      if (b.status === 'loaded')
        return {
          batches: [{ batchId: b.id, status: 'loaded', written: 0, note: 'already loaded: nothing to write' }],
          summary: [`batch ${b.id} is already loaded: nothing to write`],
        };
      if (!LOADABLE.includes(b.status)) {
        throw new BatchStateError(
          `batch ${b.id} is ${b.status}; only an approved cost batch (or one whose load failed) can be loaded: approve it first`,
          { context: { batchId: b.id } },
        );
      }
    }
    if (batches.length === 0)
      return {
        batches: [],
        note: 'no approved cost batch to load',
        summary: [
          'no approved cost batch to load (finance approves one with: mfg-etl approve <batch> --by <name>; list them with: mfg-etl batches --kind cost_rollup --status validated)',
        ],
      };
    const client = odooClient(ctx);
    if (!client && !ctx.dryRun)
      throw new ConfigError('cost-load needs Odoo: set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER and MFG_ETL_ODOO_API_KEY');
    const out: CostBatchLoad[] = [];
    try {
      const version = client ? await client.version() : { major: 0, serverVersion: 'not connected' };
      // Odoo 19 cannot change a standard price without revaluing: refused, in the plan too
      const refused = revaluationRefusal(version.major, revalue);
      if (refused && !ctx.dryRun) throw new ConfigError(refused, { context: { odooVersion: version.serverVersion, revalue } });
      if (refused) {
        for (const batch of batches)
          out.push(await loadBatch(ctx, s, client, batch, { major: version.major, version: version.serverVersion, revalue: true }));
        return {
          revalue,
          refused,
          batches: out.map((b) => ({ ...b, status: `refused: ${refused}`, revalue, context: {} })),
          summary: [`DRY RUN: the load would be refused: ${refused}`],
        };
      }
      for (const batch of batches) {
        ctx.signal.throwIfAborted();
        const r = await loadBatch(ctx, s, client, batch, { major: version.major, version: version.serverVersion, revalue });
        out.push(r);
        ctx.logger.info('cost batch loaded', {
          batchId: r.batchId,
          status: r.status,
          written: r.written,
          unchanged: r.unchanged,
          notStandard: r.notStandard,
          valuationRecords: r.valuationRecords,
          revaluationPredicted: r.revaluationPredicted,
          revaluationBooked: r.revaluationBooked,
        });
        if (params.report && !ctx.dryRun)
          await writeCostReport(ctx.db.knex, ctx.config.reports, batch.id, { date: plantDate(ctx.config.timezone), runId: ctx.runId });
      }
    } finally {
      client?.close();
    }
    const summary = costLoadSummary(out, ctx.dryRun, revalue);
    if (!client)
      summary.push(
        "Odoo is not configured: nothing read from or sent to Odoo; planned against the current costs the rollup stored from the master-data snapshot, not Odoo's prices of now",
        'to load: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY, then mfg-etl run cost-load',
      );
    return {
      revalue,
      ...(client ? {} : { odoo: null }),
      batches: out,
      written: out.reduce((n, b) => n + b.written, 0),
      summary,
    };
  },
});

/** What cost-load wrote (or would write), for people. */
function costLoadSummary(out: readonly CostBatchLoad[], dryRun: boolean, revalue: boolean): string[] {
  const lines = dryRun ? ['DRY RUN: nothing written to Odoo'] : [];
  for (const b of out) {
    const figures = [
      dryRun ? `${b.toWrite ?? 0} standard prices to write` : `${b.written} standard prices written`,
      `${b.unchanged} unchanged`,
      ...(b.notStandard ? [`${b.notStandard} not on standard costing (left alone)`] : []),
      ...(b.gone ? [`${b.gone} no longer in Odoo`] : []),
      ...(b.alreadyWritten ? [`${b.alreadyWritten} written by an earlier run`] : []),
    ].join(', ');
    lines.push(
      `batch ${b.batchId} → ${b.status}: ${figures}; revaluation ${revalue ? 'on' : 'off'}${b.valuationNote ? ` (${b.valuationNote})` : ''}`,
    );
    if (b.status === 'load_failed')
      lines.push(`  needs a person: mfg-etl batch ${b.batchId} lists what Odoo refused; fix it, then mfg-etl run cost-load`);
  }
  return lines;
}
