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
 */
import path from 'node:path';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { flag } from '../../core/flags.ts';
import { ConfigError, DataValidationError, NotFoundError } from '../../core/errors.ts';
import { findLots, type QuantRow, readQuantPages, readQuants } from '../../extract/inventory/odoo-quants.ts';
import { type OdooClient, OdooWizardError } from '../../core/odoo/index.ts';
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
  saveAdjustRows,
  stageQuants,
  type WarehouseRef,
} from '../../load/inventory/staging.ts';
import { csvField } from '../../core/spreadsheet-text.ts';
import { localDate } from '../../transform/inventory/index.ts';
import { defineJob, type JobContext } from '../job.ts';
import { inventorySettings } from './count-import.ts';
import { ACTOR } from '../inbox-batches.ts';
import { odooClient } from '../resources.ts';

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

const INVENTORY_MODE = { inventory_mode: true } as const;
const EPSILON = 1e-9;
/** statuses a rerun leaves alone */
const DONE = new Set(['applied', 'unchanged']);
/** statuses after which the quant's write_date is ours (we wrote the count), not a stock move */
const OURS = new Set(['written', 'conflict', 'lot_required', 'failed']);
/** statuses of a write that may have been cut short: ours only while the quantity is the one recorded */
const INTENDED = new Set(['planned', 'written']);

interface PlanItem {
  key: string;
  locationId: number;
  productId: number;
  lotName: string;
  countedQty: number;
  odooQty: number | null;
  quant: QuantRow | null;
  action: 'write' | 'create' | 'unchanged' | 'applied' | 'skip' | 'done';
  reason: string | null;
  /** the lot of a quant to create */
  lotId?: number;
}

const keyOf = (locationId: number, productId: number, lot: string) => `${locationId}:${productId}:${lot}`;

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
): Promise<PlanItem[]> {
  const knex = ctx.db.knex;
  const byKey = new Map<string, QuantRow[]>();
  for (const q of quants) {
    const k = keyOf(q.locationId, q.productId, q.lotName ?? '');
    const list = byKey.get(k);
    if (list) list.push(q);
    else byKey.set(k, [q]);
  }
  const tracking = new Map<number, string>();
  for (const r of (await knex('md_products').whereNotNull('tracking').select('odoo_id', 'tracking')) as {
    odoo_id: string;
    tracking: string;
  }[])
    tracking.set(Number(r.odoo_id), r.tracking);

  const keys = await countKeys(knex, batch.id);
  const batchTime = keys.reduce((max, k) => (k.countedAt > max ? k.countedAt : max), new Date(0));
  const plan: PlanItem[] = [];
  const counted = new Set<string>();
  const decide = (
    item: Omit<PlanItem, 'action' | 'reason' | 'quant' | 'odooQty'>,
    list: QuantRow[] | undefined,
    countedAt: Date,
  ): PlanItem => {
    const done = ledger.get(item.key);
    const base = { ...item, quant: null as QuantRow | null, odooQty: null as number | null };
    if (done && DONE.has(done.status)) return { ...base, odooQty: done.odooQty, action: 'done', reason: `already ${done.status}` };
    if (list && list.length > 1) {
      return {
        ...base,
        odooQty: list.reduce((s, q) => s + q.quantity, 0),
        action: 'skip',
        reason: `${list.length} quants (packages or owners): adjust in Odoo`,
      };
    }
    const quant = list?.[0] ?? null;
    // an earlier run meant to write this count and may have been cut short
    const intended = done !== undefined && INTENDED.has(done.status);
    if (quant) {
      const p: PlanItem = { ...base, quant, odooQty: quant.quantity, action: 'write', reason: null };
      if (Math.abs(quant.quantity - item.countedQty) <= EPSILON) {
        // applied by that run before it could record it
        if (intended) return { ...p, odooQty: done.odooQty, action: 'applied', reason: null };
        return { ...p, action: 'unchanged', reason: 'Odoo holds the counted quantity' };
      }
      if (intended) {
        // its write_date may be our own write: what tells a stock move is the quantity we saw
        const seen = done.odooQty ?? 0;
        if (Math.abs(quant.quantity - seen) > EPSILON) return { ...p, action: 'skip', reason: 'stock moved after the count' };
        return p;
      }
      const changed = Math.max(quant.writeDate?.getTime() ?? 0, quant.inDate?.getTime() ?? 0);
      const ours = done !== undefined && OURS.has(done.status);
      if (!ours && changed > countedAt.getTime()) return { ...p, action: 'skip', reason: 'stock moved after the count' };
      return p;
    }
    if (Math.abs(item.countedQty) <= EPSILON)
      return { ...base, odooQty: 0, action: 'unchanged', reason: 'nothing counted, nothing in Odoo' };
    const t = tracking.get(item.productId);
    if (item.lotName === '' && (t === 'lot' || t === 'serial'))
      return { ...base, odooQty: 0, action: 'skip', reason: `product tracked by ${t}: the count needs a lot` };
    return { ...base, odooQty: 0, action: 'create', reason: null };
  };
  for (const k of keys) {
    const key = keyOf(k.locationId, k.productId, k.lotName);
    counted.add(key);
    plan.push(
      decide(
        { key, locationId: k.locationId, productId: k.productId, lotName: k.lotName, countedQty: k.quantity },
        byKey.get(key),
        k.countedAt,
      ),
    );
  }
  if (zeroMissing) {
    for (const [key, list] of byKey) {
      if (counted.has(key)) continue;
      const q = list[0]!;
      plan.push(
        decide({ key, locationId: q.locationId, productId: q.productId, lotName: q.lotName ?? '', countedQty: 0 }, list, batchTime),
      );
    }
  }
  // a quant to create for a lot needs the lot's id: a lot Odoo does not know is skipped
  const lots = await findLots(
    client,
    plan.filter((p) => p.action === 'create' && p.lotName !== '').map((p) => ({ productId: p.productId, lotName: p.lotName })),
  );
  return plan.map((p) => {
    if (p.action !== 'create' || p.lotName === '') return p;
    const lotId = lots.get(`${p.productId}:${p.lotName}`);
    return lotId === undefined
      ? { ...p, action: 'skip', reason: `lot ${p.lotName} does not exist in Odoo for this product` }
      : { ...p, lotId };
  });
}

interface ApplyOutcome {
  status: 'applied' | 'conflict' | 'lot_required' | 'failed';
  reason: string | null;
}

function wizardStatus(err: OdooWizardError): ApplyOutcome {
  if (err.resModel === 'stock.inventory.conflict')
    return {
      status: 'conflict',
      reason: 'Odoo: stock moved after the count was recorded (stock.inventory.conflict); resolve in Inventory > Physical Inventory',
    };
  if (err.resModel === 'stock.track.confirmation')
    return { status: 'lot_required', reason: 'Odoo: tracked product without lot (stock.track.confirmation); count it with its lot' };
  return { status: 'failed', reason: `Odoo answered the wizard ${err.resModel}` };
}

/** The quants a wizard answer names, among `ids` (empty when it names none). */
function culprits(err: OdooWizardError, ids: readonly number[], quantProduct: ReadonlyMap<number, number>): number[] {
  const context = (err.action.context ?? {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);
  if (err.resModel === 'stock.inventory.conflict') {
    const named = new Set(list(context.default_quant_to_fix_ids));
    return ids.filter((id) => named.has(id));
  }
  if (err.resModel === 'stock.track.confirmation') {
    const products = new Set(list(context.default_product_ids));
    return ids.filter((id) => products.has(quantProduct.get(id) ?? -1));
  }
  return [];
}

async function applyQuants(
  client: OdooClient,
  ids: readonly number[],
  quantProduct: ReadonlyMap<number, number>,
  out: Map<number, ApplyOutcome>,
): Promise<void> {
  if (ids.length === 0) return;
  try {
    // applying twice is harmless (nothing left to apply): safe to retry a lost answer
    await client.callAction('stock.quant', 'action_apply_inventory', [...ids], { context: INVENTORY_MODE, idempotent: true });
    for (const id of ids) out.set(id, { status: 'applied', reason: null });
  } catch (err) {
    if (!(err instanceof OdooWizardError)) throw err;
    // a wizard answer means nothing of this call was applied
    const outcome = wizardStatus(err);
    if (ids.length === 1) {
      out.set(ids[0]!, outcome);
      return;
    }
    const named = culprits(err, ids, quantProduct);
    if (named.length > 0) {
      for (const id of named) out.set(id, outcome);
      const named_ = new Set(named);
      await applyQuants(
        client,
        ids.filter((id) => !named_.has(id)),
        quantProduct,
        out,
      );
      return;
    }
    const mid = ids.length >> 1;
    await applyQuants(client, ids.slice(0, mid), quantProduct, out);
    await applyQuants(client, ids.slice(mid), quantProduct, out);
  }
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
  const plan = await buildPlan(ctx, client, batch, quants, ledger, params.zeroMissing);
  const tally = (items: readonly { action?: string; status?: string }[], field: 'action' | 'status') => {
    const out: Record<string, number> = {};
    for (const i of items) out[i[field]!] = (out[i[field]!] ?? 0) + 1;
    return out;
  };
  if (dryRun) {
    const notApplied = plan
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
    return { ...base, status: batch.status, counts: tally(plan, 'action'), notApplied, report: null, writes: 0 };
  }

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
  let writes = 0;
  const written = new Map<number, PlanItem>();

  // existing quants: the count as inventory_quantity, one write per distinct value
  const byValue = new Map<number, PlanItem[]>();
  for (const p of plan.filter((x) => x.action === 'write')) {
    const q = p.quant!;
    written.set(q.quantId, p);
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
  for (const p of plan.filter((x) => x.action === 'create')) rows.set(p.key, row(p, 'planned', null));
  // the intent first, with the quantity Odoo holds: a rerun after a crash anywhere below knows its own writes
  await save(rows.keys());

  // quants Odoo does not have yet: created in inventory mode
  for (const p of plan.filter((x) => x.action === 'create')) {
    ctx.signal.throwIfAborted();
    const values: Record<string, unknown> = { product_id: p.productId, location_id: p.locationId, inventory_quantity: p.countedQty };
    if (p.lotId !== undefined) values.lot_id = p.lotId;
    const id = await client.create('stock.quant', values, { context: INVENTORY_MODE });
    writes++;
    written.set(id, p);
    rows.set(p.key, row(p, 'written', null, id));
    await save([p.key]);
  }
  for (const [value, items] of byValue) {
    ctx.signal.throwIfAborted();
    await client.write(
      'stock.quant',
      items.map((p) => p.quant!.quantId),
      { inventory_quantity: value },
      { context: INVENTORY_MODE },
    );
    writes++;
    for (const p of items) rows.set(p.key, row(p, 'written', null));
    await save(items.map((p) => p.key));
  }

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

function summaryLines(results: readonly BatchResult[]): string[] {
  if (results.length === 0) return ['nothing to adjust: no approved count batch'];
  return results.map((r) => {
    const order = ['write', 'create', 'applied', 'unchanged', 'done', 'conflict', 'lot_required', 'skip', 'skipped', 'failed', 'written'];
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
    const counts =
      Object.entries(r.counts)
        .sort(([a], [b]) => rank(a) - rank(b))
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || 'nothing to do';
    const head = r.dryRun
      ? `DRY RUN (add --param apply=true to write) batch ${r.batchId} ${r.warehouse}`
      : `batch ${r.batchId} ${r.warehouse} → ${r.status}`;
    return `${head}: ${counts}${r.report ? `; report ${r.report}` : ''}`;
  });
}

export const inventoryAdjustJob = defineJob({
  name: 'inventory-adjust',
  description: 'Applies an approved warehouse count to Odoo (inventory mode, action_apply_inventory); dry run unless --param apply=true',
  schedule: null,
  params: inventoryAdjustParams,
  checkSettings: inventorySettings,
  async run(ctx, params) {
    const dryRun = ctx.dryRun || !params.apply;
    const batches = await selectBatches(ctx, params);
    if (batches.length === 0) return { dryRun, batches: [], summary: summaryLines([]) };
    const client = odooClient(ctx);
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
