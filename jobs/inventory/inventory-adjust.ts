/**
 * inventory-adjust (manual, explicit): applies an approved count batch to Odoo. Dry run unless
 * `--param apply=true`: it then only says what it would write.
 *
 * Per count key (location, product, lot), against a fresh read of the counted locations' quants:
 *   - equal already → unchanged (nothing written);
 *   - one quant → `inventory_quantity` written in inventory mode (grouped by value: one write per
 *     distinct count), then `action_apply_inventory`;
 *   - no quant → a quant created in inventory mode (lots looked up by name), then applied;
 *   - several quants (packages, owners), stock moved after the count, a lot Odoo does not know,
 *     a lot-tracked product counted without lot where Odoo has no quant → skipped, with the reason.
 * Odoo's answers that mean "not done" are detected: the `stock.inventory.conflict` wizard (stock
 * moved after the count was recorded in Odoo) and the `stock.track.confirmation` wizard (a tracked
 * product without lot); the quants they name (or, when they name none, the ones found by halving
 * the call) are reported as not applied and the rest is applied. Applied quants are read back.
 *
 * Idempotent: the ledger (inventory_adjustments) keeps every key's outcome; a rerun skips what was
 * applied, re-reads Odoo for the rest, and writes nothing Odoo already holds. The batch goes
 * approved → loading → loaded, or load_failed when something was not applied (a rerun retries it).
 *
 * Safe to interrupt anywhere: every key to write is recorded `planned` (with the quantity Odoo
 * held) before the first Odoo write, `written` after its write, and its outcome after each apply
 * chunk. A rerun takes a planned or written quant whose quantity is still the one recorded for
 * its own (its newer write_date is our count, not a stock move): the count is applied (only
 * applied when Odoo already holds it), and one Odoo already applied is reported applied. A
 * quantity that changed since is someone else's move and is refused as before.
 *
 * Plan (pure) in transform/inventory/adjust-plan.ts; the apply and Odoo's answers in
 * load/inventory/odoo-adjust.ts; the creates and writes, each recorded in the ledger as soon as
 * Odoo took it, through the shared write path (load/odoo-ledger/write.ts).
 */
import path from 'node:path';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { flag } from '../../core/flags.ts';
import { ConfigError, DataValidationError, NotFoundError } from '../../core/errors.ts';
import { findLots, type QuantRow, readQuantPages, readQuants } from '../../extract/inventory/odoo-quants.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import { type ApplyOutcome, applyQuants, INVENTORY_MODE } from '../../load/inventory/odoo-adjust.ts';
import { appendLedger } from '../../load/odoo-ledger/ledger.ts';
import { writeGroups } from '../../load/odoo-ledger/write.ts';
import { appendAudit } from '../../load/staging/audit.ts';
import { type Batch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import {
  type AdjustRow,
  adjustLedger,
  COUNT_KIND,
  countedLocationIds,
  countKeys,
  createSnapshot,
  findWarehouse,
  finishSnapshot,
  latestWarehouseSnapshot,
  saveAdjustRows,
  stageQuants,
  storedQuants,
  type WarehouseRef,
} from '../../load/inventory/staging.ts';
import { csvField } from '../../core/spreadsheet-text.ts';
import { localDate } from '../../transform/inventory/index.ts';
import { wallClock } from '../../transform/shared/plant-time.ts';
import { DONE, EPSILON, keyOf, lotsToFind, type PlanItem, planAdjust, withLots } from '../../transform/inventory/adjust-plan.ts';
import { defineJob, type JobContext } from '../job.ts';
import { inventorySettings } from '../../core/config/inventory.ts';
import { ACTOR } from '../inbox-batches.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

export const inventoryAdjustParams = z
  .object({
    /** the count batch; default: every approved count (of `warehouse`) not applied yet */
    batch: z.coerce.number().int().positive().optional(),
    warehouse: z.coerce.string().min(1).optional(),
    /** write to Odoo; without it the run only reports what it would do */
    apply: flag.default(false),
    /** full count: quants of the counted locations that the count does not name are set to 0 */
    zeroMissing: flag.default(false),
  })
  .strict();
type Params = z.infer<typeof inventoryAdjustParams>;

async function selectBatches(ctx: JobContext, params: Params): Promise<Batch[]> {
  const knex = ctx.db.knex;
  if (params.batch !== undefined) {
    const batch = await getBatch(knex, params.batch);
    if (batch.kind !== COUNT_KIND)
      throw new DataValidationError(`batch ${batch.id} is a ${batch.kind} batch, not a count`, { context: { batchId: batch.id } });
    if (batch.status === 'validated' || batch.status === 'received') {
      throw new DataValidationError(
        `count batch ${batch.id} is ${batch.status}: approve it first (mfg-etl approve ${batch.id} --by NAME)`,
        { context: { batchId: batch.id } },
      );
    }
    if (!['approved', 'loading', 'load_failed', 'loaded'].includes(batch.status)) {
      throw new DataValidationError(`count batch ${batch.id} is ${batch.status}: it cannot be applied`, { context: { batchId: batch.id } });
    }
    return [batch];
  }
  const q = knex('batches').where({ kind: COUNT_KIND }).whereIn('status', ['approved', 'loading', 'load_failed']).orderBy('id');
  if (params.warehouse) q.whereRaw('lower(scope) = lower(?)', [params.warehouse]);
  const rows = (await q.select('id')) as { id: number }[];
  return Promise.all(rows.map((r) => getBatch(knex, Number(r.id))));
}

async function readFresh(
  ctx: JobContext,
  client: OdooClient,
  warehouse: WarehouseRef,
  locationIds: number[],
): Promise<{ snapshotId: number; quants: QuantRow[] }> {
  const knex = ctx.db.knex;
  const o = client.options;
  const snapshotId = await createSnapshot(knex, {
    warehouseId: warehouse.id,
    warehouseCode: warehouse.code,
    purpose: 'adjust',
    takenAt: new Date(),
    source: `${o.url} db ${o.db}`,
    runId: ctx.runId,
  });
  const quants: QuantRow[] = [];
  if (locationIds.length > 0) {
    for await (const page of readQuantPages(client, { warehouseId: warehouse.id, locationIds })) {
      ctx.signal.throwIfAborted();
      await stageQuants(knex, snapshotId, page);
      quants.push(...page);
    }
  }
  await finishSnapshot(knex, snapshotId);
  return { snapshotId, quants };
}

async function buildPlan(
  ctx: JobContext,
  client: OdooClient,
  batch: Batch,
  quants: readonly QuantRow[],
  ledger: Map<string, AdjustRow>,
  zeroMissing: boolean,
): Promise<{ plan: PlanItem[]; lines: Map<string, number[]> }> {
  const knex = ctx.db.knex;
  const tracking = new Map<number, string>();
  for (const r of (await knex('md_products').whereNotNull('tracking').select('odoo_id', 'tracking')) as {
    odoo_id: string;
    tracking: string;
  }[])
    tracking.set(Number(r.odoo_id), r.tracking);
  const keys = await countKeys(knex, batch.id);
  const plan = planAdjust({ keys, quants, ledger, tracking, zeroMissing });
  // lineage: the count lines behind each key (a quant a full count zeroes has none)
  const lines = new Map(keys.map((k) => [keyOf(k.locationId, k.productId, k.lotName), k.lineNos]));
  return { plan: withLots(plan, await findLots(client, lotsToFind(plan))), lines };
}

interface BatchResult {
  batchId: number;
  warehouse: string;
  dryRun: boolean;
  status: string;
  counts: Record<string, number>;
  notApplied: Array<{
    location: number;
    product: number;
    lot: string | null;
    counted: number;
    odoo: number | null;
    status: string;
    reason: string | null;
  }>;
  report: string | null;
  writes: number;
}

async function writeAdjustReport(ctx: JobContext, batch: Batch, warehouse: WarehouseRef, rows: readonly AdjustRow[]): Promise<string> {
  const knex = ctx.db.knex;
  const locs = new Map<number, string>();
  for (const r of (await knex('md_locations')
    .whereIn('odoo_id', [...new Set(rows.map((x) => x.locationId))])
    .select('odoo_id', 'complete_name')) as { odoo_id: string; complete_name: string }[])
    locs.set(Number(r.odoo_id), r.complete_name);
  const prods = new Map<number, { code: string | null; name: string }>();
  for (const r of (await knex('md_products')
    .whereIn('odoo_id', [...new Set(rows.map((x) => x.productId))])
    .select('odoo_id', 'default_code', 'name')) as { odoo_id: string; default_code: string | null; name: string }[])
    prods.set(Number(r.odoo_id), { code: r.default_code, name: r.name });
  const lines = ['location,product,product_name,lot,odoo_qty,counted_qty,status,reason,quant_id'];
  for (const r of rows) {
    const p = prods.get(r.productId);
    lines.push(
      [
        locs.get(r.locationId) ?? `location ${r.locationId}`,
        p?.code ?? `product ${r.productId}`,
        p?.name ?? null,
        r.lotName || null,
        r.odooQty,
        r.countedQty,
        r.status,
        r.reason,
        r.quantId,
      ]
        .map((v) => csvField(v))
        .join(','),
    );
  }
  await mkdir(ctx.config.reports, { recursive: true });
  const file = path.join(
    ctx.config.reports,
    `inventory-adjust_${warehouse.code.replace(/[^A-Za-z0-9._-]+/g, '_')}_${localDate(new Date(), ctx.config.timezone)}_batch${batch.id}.csv`,
  );
  const tmp = `${file}.${process.pid}.partial`;
  await writeFile(tmp, `\ufeff${lines.join('\r\n')}\r\n`);
  await rename(tmp, file);
  return file;
}

async function adjustBatch(ctx: JobContext, client: OdooClient, batch: Batch, params: Params, dryRun: boolean): Promise<BatchResult> {
  const knex = ctx.db.knex;
  const warehouse = await findWarehouse(knex, batch.scope);
  if (!warehouse)
    throw new NotFoundError(`warehouse ${batch.scope} of count batch ${batch.id} is not in the master data (run masterdata-sync)`, {
      context: { batchId: batch.id },
    });
  const base = { batchId: batch.id, warehouse: warehouse.code, dryRun };
  if (batch.status === 'loaded') return { ...base, status: 'loaded', counts: {}, notApplied: [], report: null, writes: 0 };

  const ledger = await adjustLedger(knex, batch.id);
  const { quants } = await readFresh(ctx, client, warehouse, await countedLocationIds(knex, batch.id));
  const { plan, lines } = await buildPlan(ctx, client, batch, quants, ledger, params.zeroMissing);
  if (dryRun) return { ...base, status: batch.status, counts: tally(plan, 'action'), notApplied: skipped(plan), report: null, writes: 0 };

  if (batch.status !== 'loading')
    await transitionBatch(knex, batch.id, 'start_load', { actor: ACTOR, details: { runId: ctx.runId, job: 'inventory-adjust' } });
  const row = (
    p: PlanItem,
    status: AdjustRow['status'],
    reason: string | null,
    quantId: number | null = p.quant?.quantId ?? null,
  ): AdjustRow => ({
    batchId: batch.id,
    locationId: p.locationId,
    productId: p.productId,
    lotName: p.lotName,
    quantId,
    odooQty: p.odooQty,
    countedQty: p.countedQty,
    status,
    reason,
  });
  const rows = new Map<string, AdjustRow>();
  for (const p of plan) {
    if (p.action === 'done') rows.set(p.key, ledger.get(p.key)!);
    else if (p.action === 'unchanged') rows.set(p.key, row(p, 'unchanged', p.reason));
    else if (p.action === 'applied') rows.set(p.key, row(p, 'applied', null));
    else if (p.action === 'skip') rows.set(p.key, row(p, 'skipped', p.reason));
  }
  const save = (keys: Iterable<string>) =>
    saveAdjustRows(
      knex,
      [...keys].map((k) => rows.get(k)!),
      ctx.runId,
    );
  // existing quants: the count as inventory_quantity, one write per distinct value
  const byValue = new Map<number, PlanItem[]>();
  for (const p of plan.filter((x) => x.action === 'write')) {
    const q = p.quant!;
    // recorded already by an earlier run (or a person in Odoo) with the same figure: apply only
    if (q.inventoryQuantitySet && q.inventoryQuantity !== null && Math.abs(q.inventoryQuantity - p.countedQty) <= EPSILON) {
      rows.set(p.key, row(p, 'written', null));
      continue;
    }
    rows.set(p.key, row(p, 'planned', null));
    const list = byValue.get(p.countedQty);
    if (list) list.push(p);
    else byValue.set(p.countedQty, [p]);
  }
  const creates = plan.filter((x) => x.action === 'create');
  for (const p of creates) rows.set(p.key, row(p, 'planned', null));
  // the intent first, with the quantity Odoo holds: a rerun after a crash anywhere below knows its own writes
  await save(rows.keys());

  // quants Odoo does not have yet created in inventory mode, then the counts written; each
  // recorded `written` as soon as Odoo took it
  const sent = await writeGroups<PlanItem>(
    [
      ...creates.map((p) => ({
        entries: [{ entry: p, id: null }],
        write: async () => {
          const values: Record<string, unknown> = { product_id: p.productId, location_id: p.locationId, inventory_quantity: p.countedQty };
          if (p.lotId !== undefined) values.lot_id = p.lotId;
          return [{ entry: p, id: await client.create('stock.quant', values, { context: INVENTORY_MODE }) }];
        },
      })),
      ...[...byValue].map(([value, items]) => ({
        entries: items.map((p) => ({ entry: p, id: p.quant!.quantId })),
        write: async () => {
          await client.write(
            'stock.quant',
            items.map((p) => p.quant!.quantId),
            { inventory_quantity: value },
            { context: INVENTORY_MODE },
          );
        },
      })),
    ],
    {
      signal: ctx.signal,
      record: async (done) => {
        for (const { entry: p, id } of done) rows.set(p.key, row(p, 'written', null, id));
        await save(done.map((d) => d.entry.key));
        // the load ledger too: lineage of a quant names the count lines behind it
        await appendLedger(
          knex,
          done.map(({ entry: p, id }) => ({
            batchId: batch.id,
            businessKey: `quant:${p.key}`,
            odooModel: 'stock.quant',
            odooId: id,
            externalId: null,
            operation: p.action === 'create' ? ('create' as const) : ('update' as const),
            payloadHash: String(p.countedQty),
            runId: ctx.runId,
            sourceBatchId: batch.id,
            sourceLines: lines.get(p.key) ?? [],
          })),
        );
      },
    },
  );
  if (sent.failure) throw sent.failure.error;
  // what is applied: the quants created, then the counted ones in count order
  const written = new Map<number, PlanItem>();
  for (const { entry, id } of sent.written) if (entry.action === 'create') written.set(id!, entry);
  for (const p of plan) if (p.action === 'write') written.set(p.quant!.quantId, p);

  // applied chunk by chunk, each chunk read back and recorded before the next
  const quantProduct = new Map([...written].map(([id, p]) => [id, p.productId]));
  const ids = [...written.keys()];
  const size = client.options.batchSize;
  for (let i = 0; i < ids.length; i += size) {
    ctx.signal.throwIfAborted();
    const chunk = ids.slice(i, i + size);
    const outcomes = new Map<number, ApplyOutcome>();
    await applyQuants(client, chunk, quantProduct, outcomes);
    // read back what Odoo says it holds now
    const after = new Map(
      (
        await readQuants(
          client,
          chunk.filter((id) => outcomes.get(id)?.status === 'applied'),
        )
      ).map((q) => [q.quantId, q]),
    );
    for (const id of chunk) {
      const p = written.get(id)!;
      const o = outcomes.get(id) ?? { status: 'failed', reason: 'not applied' };
      if (o.status === 'applied') {
        const q = after.get(id);
        if (!q) rows.set(p.key, row(p, 'failed', 'the quant is gone from Odoo after the apply', id));
        else if (Math.abs(q.quantity - p.countedQty) > EPSILON)
          rows.set(p.key, row(p, 'failed', `Odoo holds ${q.quantity} after the apply, not ${p.countedQty}`, id));
        else rows.set(p.key, row(p, 'applied', null, id));
      } else rows.set(p.key, row(p, o.status, o.reason, id));
    }
    await save(chunk.map((id) => written.get(id)!.key));
  }
  const all = [...rows.values()];

  const counts = tally(all, 'status');
  const left = all.filter((r) => !DONE.has(r.status));
  const writes = sent.calls;
  const stats = { counts, writes, runId: ctx.runId };
  const final =
    left.length === 0
      ? await transitionBatch(knex, batch.id, 'finish_load', { actor: ACTOR, stats: { adjust: stats } })
      : await transitionBatch(knex, batch.id, 'fail_load', {
          actor: ACTOR,
          reason: `${left.length} count lines not applied: ${Object.entries(tally(left, 'status'))
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')}`,
          stats: { adjust: stats },
        });
  await appendAudit(knex, {
    actor: ACTOR,
    entity: 'batch',
    entityId: batch.id,
    action: 'inventory_adjusted',
    details: { runId: ctx.runId, counts, writes },
  });
  const report = await writeAdjustReport(ctx, batch, warehouse, all);
  return {
    ...base,
    status: final.status,
    counts,
    notApplied: left.slice(0, 100).map((r) => ({
      location: r.locationId,
      product: r.productId,
      lot: r.lotName || null,
      counted: r.countedQty,
      odoo: r.odooQty,
      status: r.status,
      reason: r.reason,
    })),
    report,
    writes,
  };
}

function tally(items: readonly { action?: string; status?: string }[], field: 'action' | 'status'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i[field]!] = (out[i[field]!] ?? 0) + 1;
  return out;
}

/** What a dry run would not apply, with the reason. */
function skipped(plan: readonly PlanItem[]): BatchResult['notApplied'] {
  return plan
    .filter((p) => p.action === 'skip')
    .map((p) => ({
      location: p.locationId,
      product: p.productId,
      lot: p.lotName || null,
      counted: p.countedQty,
      odoo: p.odooQty,
      status: 'skipped',
      reason: p.reason,
    }));
}

interface SnapshotPlan {
  result: BatchResult;
  snapshot: { id: number; takenAt: Date } | null;
  line: string;
}

/**
 * A dry run without Odoo: the count against the newest stored read of the warehouse's stock (the
 * last reconciliation's snapshot). Lots of quants to create are not looked up (Odoo does that when
 * it is applied). Nothing is written, not even a snapshot.
 */
async function planFromSnapshot(ctx: JobContext, batch: Batch, params: Params): Promise<SnapshotPlan> {
  const knex = ctx.db.knex;
  const empty = (status: string): BatchResult => ({
    batchId: batch.id,
    warehouse: batch.scope,
    dryRun: true,
    status,
    counts: {},
    notApplied: [],
    report: null,
    writes: 0,
  });
  const head = `DRY RUN batch ${batch.id} ${batch.scope} (${batch.status})`;
  const warehouse = await findWarehouse(knex, batch.scope);
  if (!warehouse)
    return {
      result: empty(batch.status),
      snapshot: null,
      line: `${head}: warehouse ${batch.scope} is not in the master data (run masterdata-sync)`,
    };
  if (batch.status === 'loaded') return { result: empty('loaded'), snapshot: null, line: `${head}: applied already` };
  const snapshot = await latestWarehouseSnapshot(knex, warehouse.id);
  if (!snapshot)
    return {
      result: empty(batch.status),
      snapshot: null,
      line: `${head}: not planned, no stored stock snapshot of ${warehouse.code} (Odoo not configured; inventory-reconciliation stores one when Odoo is)`,
    };
  const quants = await storedQuants(knex, snapshot.id, await countedLocationIds(knex, batch.id));
  const tracking = new Map<number, string>();
  for (const r of (await knex('md_products').whereNotNull('tracking').select('odoo_id', 'tracking')) as {
    odoo_id: string;
    tracking: string;
  }[])
    tracking.set(Number(r.odoo_id), r.tracking);
  const plan = planAdjust({
    keys: await countKeys(knex, batch.id),
    quants,
    ledger: await adjustLedger(knex, batch.id),
    tracking,
    zeroMissing: params.zeroMissing,
  });
  const result: BatchResult = {
    ...empty(batch.status),
    warehouse: warehouse.code,
    counts: tally(plan, 'action'),
    notApplied: skipped(plan),
  };
  // plant time, to the minute
  const taken = wallClock(snapshot.takenAt, ctx.config.timezone).toISOString().slice(0, 16).replace('T', ' ');
  return {
    result,
    snapshot: { id: snapshot.id, takenAt: snapshot.takenAt },
    line: `${head}: ${countsText(result.counts)} — planned from the snapshot of ${taken} (Odoo not configured)`,
  };
}

/** "3 write, 1 create, 2 unchanged" in the order a person reads them */
function countsText(counts: Record<string, number>): string {
  const order = ['write', 'create', 'applied', 'unchanged', 'done', 'conflict', 'lot_required', 'skip', 'skipped', 'failed', 'written'];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return (
    Object.entries(counts)
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([k, v]) => `${v} ${k}`)
      .join(', ') || 'nothing to do'
  );
}

function summaryLines(results: readonly BatchResult[]): string[] {
  if (results.length === 0) return ['nothing to adjust: no approved count batch'];
  return results.map((r) => {
    const counts = countsText(r.counts);
    const head = r.dryRun
      ? `DRY RUN (add --param apply=true to write) batch ${r.batchId} ${r.warehouse}`
      : `batch ${r.batchId} ${r.warehouse} → ${r.status}`;
    return `${head}: ${counts}${r.report ? `; report ${r.report}` : ''}`;
  });
}

export const inventoryAdjustJob = defineJob({
  ...jobEntry('inventory-adjust'),
  params: inventoryAdjustParams,
  checkSettings: inventorySettings,
  // without apply=true the run only plans: recorded as a dry run (no retry, dead letter or alert)
  dryRunWith: (params) => !params.apply,
  async run(ctx, params) {
    const dryRun = ctx.dryRun || !params.apply;
    const batches = await selectBatches(ctx, params);
    if (batches.length === 0) return { dryRun, batches: [], summary: summaryLines([]) };
    const client = odooClient(ctx);
    if (!client && dryRun) {
      // without Odoo: the plan against the last stored read of the warehouse, said as such
      const planned: SnapshotPlan[] = [];
      for (const batch of batches) {
        ctx.signal.throwIfAborted();
        planned.push(await planFromSnapshot(ctx, batch, params));
      }
      return {
        dryRun,
        odoo: null,
        batches: planned.map(({ result, snapshot }) => ({ ...result, snapshot })),
        summary: [
          ...planned.map((p) => p.line),
          "Odoo not configured (MFG_ETL_ODOO_URL, _DB, _USER, _API_KEY): planned from the stored stock snapshots, not Odoo's current stock",
          'to apply: set the Odoo connection, then mfg-etl run inventory-adjust --param apply=true',
        ],
      };
    }
    if (!client)
      throw new ConfigError(
        'inventory-adjust writes to Odoo: set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER and MFG_ETL_ODOO_API_KEY',
      );
    const results: BatchResult[] = [];
    try {
      for (const batch of batches) {
        ctx.signal.throwIfAborted();
        results.push(await adjustBatch(ctx, client, batch, params, dryRun));
      }
    } finally {
      client.close();
    }
    return { dryRun, batches: results, summary: summaryLines(results), reports: results.flatMap((r) => (r.report ? [r.report] : [])) };
  },
});
