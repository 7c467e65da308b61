/**
 * quality-apply: applies the staged quality events to Odoo, oldest first, each exactly once.
 *
 *   hold    → what had the lots reserved (deliveries, MOs) is unreserved and named in the result;
 *             every quant of the lots at the affected locations moves into the warehouse's
 *             quarantine location, one internal transfer per source location; the unreserved
 *             pickings reserve again (from what is not held);
 *   release → the lots go back where they came from, unless another open hold still covers them;
 *   scrap   → the lots are scrapped from quarantine;
 *   rework  → recorded; the stock stays in quarantine until a release or a scrap.
 *
 * Exactly once: the plan is saved before the first write (a rerun follows it, whatever Odoo holds
 * by then); each transfer is recorded in the load ledger (key `quality/<nc>/<action>/@<location>`)
 * together with the hold lines as soon as Odoo validated it; a transfer whose answer was lost
 * (or whose ledger write never happened) is found again in Odoo by its origin.
 * Triggered at once by the endpoint and the file import, and every minute as a safety net.
 */
import { z } from 'zod';
import { qualitySettings, type QualitySettings } from '../../core/config/quality.ts';
import { ConfigError, describeError } from '../../core/errors.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import { withSessionLock } from '../../core/locks.ts';
import { eventFacts, reservationsOf, type Reservation } from '../../extract/quality/odoo.ts';
import { appendLedger, lastLedgerEntries } from '../../load/odoo-ledger/ledger.ts';
import { internalPickingType, QualityApplyError, reassign, scrapLot, transferLots, unreserve } from '../../load/quality/odoo.ts';
import {
  closeHoldLines,
  holdOf,
  insertHoldLines,
  lotsCoveredByOthers,
  markApplied,
  markFailed,
  type NewHoldLine,
  openHoldLines,
  pendingEvents,
  savePlan,
  type StoredEvent,
} from '../../load/quality/staging.ts';
import { writeGroups } from '../../load/odoo-ledger/write.ts';
import { eventKey, holdTransfers, releaseTransfers, transferOrigin, type TransferPlan } from '../../transform/quality/events.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import type { Knex } from 'knex';
import { jobEntry } from '../catalog.ts';

/** What an event's apply decided before writing (saved: a rerun follows it). */
interface HoldPlan {
  kind: 'transfers';
  productId: number;
  productCode: string;
  uomId: number;
  unitCost: number;
  warehouseId: number;
  transfers: TransferPlan[];
  /** hold lines each transfer makes (hold) or closes (release), by transfer index */
  unreserved: Reservation[];
  closes: number[];
  keptLots: string[];
}

interface ScrapPlan {
  kind: 'scrap';
  productId: number;
  locationId: number;
  lots: Array<{ lotId: number; lot: string; quantity: number }>;
  closes: number[];
}

type Plan = HoldPlan | ScrapPlan;

async function planHold(client: OdooClient, s: QualitySettings, stored: StoredEvent): Promise<HoldPlan> {
  const e = stored.event;
  const facts = await eventFacts(client, e, s);
  if (!facts.product || !facts.warehouse) throw new QualityApplyError(`product ${e.product} or warehouse ${e.warehouse} is gone from Odoo`);
  if (!facts.quarantine)
    throw new ConfigError(
      `warehouse ${e.warehouse} has no quarantine location; run mfg-etl quality setup (or set quality.quarantine.${e.warehouse})`,
    );
  const transfers = holdTransfers(e, facts);
  const locations = [...new Set(transfers.map((t) => t.fromLocationId))];
  const lotIds = [...new Set(transfers.flatMap((t) => t.lines.map((l) => l.lotId)))];
  const unreserved = await reservationsOf(client, facts.product.id, lotIds, locations);
  return {
    kind: 'transfers',
    productId: facts.product.id,
    productCode: facts.product.code,
    uomId: facts.product.uomId,
    unitCost: facts.product.cost,
    warehouseId: facts.warehouse.id,
    transfers,
    unreserved,
    closes: [],
    keptLots: [],
  };
}

async function planRelease(db: Knex, client: OdooClient, s: QualitySettings, stored: StoredEvent): Promise<Plan> {
  const e = stored.event;
  const hold = await holdOf(db, e.nonconformance);
  if (!hold) throw new QualityApplyError(`there is no hold for ${e.nonconformance}`);
  const open = await openHoldLines(db, hold.event.product, hold.event.warehouse, hold.event.lots);
  const facts = await eventFacts(client, { ...hold.event, location: null }, s);
  if (!facts.product || !facts.warehouse) throw new QualityApplyError(`product ${e.product} or warehouse ${e.warehouse} is gone from Odoo`);
  if (e.action === 'scrap') {
    const byLot = new Map<number, { lotId: number; lot: string; quantity: number }>();
    for (const l of open) {
      const seen = byLot.get(l.lotId);
      if (seen) seen.quantity += l.quantity;
      else byLot.set(l.lotId, { lotId: l.lotId, lot: l.lot, quantity: l.quantity });
    }
    let left = e.quantity ?? Number.POSITIVE_INFINITY;
    const lots = [...byLot.values()].map((l) => {
      const take = Math.min(l.quantity, left);
      left -= take;
      return { ...l, quantity: take };
    });
    return {
      kind: 'scrap',
      productId: facts.product.id,
      locationId: open[0]?.quarantineLocationId ?? facts.quarantine?.id ?? 0,
      lots: lots.filter((l) => l.quantity > 0),
      closes: open.map((l) => l.id),
    };
  }
  const covered = await lotsCoveredByOthers(db, e.nonconformance, hold.event.product, hold.event.warehouse);
  const holdLots = new Set(open.map((l) => l.lotId));
  const other = new Set(open.filter((l) => covered.has(l.lot)).map((l) => l.lotId));
  const r = releaseTransfers(holdLots, open, other);
  return {
    kind: 'transfers',
    productId: facts.product.id,
    productCode: facts.product.code,
    uomId: facts.product.uomId,
    unitCost: facts.product.cost,
    warehouseId: facts.warehouse.id,
    transfers: r.transfers,
    unreserved: [],
    closes: r.closes,
    keptLots: open.filter((l) => r.keptLots.includes(l.lotId)).map((l) => l.lot),
  };
}

export interface ApplySummary {
  applied: number;
  failed: number;
  transfers: number;
  /** received → applied, ms, per applied event */
  latenciesMs: number[];
}

/** Applies one event; answers what happened (saved as the event's result). */
async function applyEvent(ctx: Pick<JobContext, 'db' | 'runId' | 'signal'>, client: OdooClient, s: QualitySettings, stored: StoredEvent) {
  const db = ctx.db.knex;
  const e = stored.event;
  if (e.action === 'rework') return { note: 'recorded; the stock stays in quarantine until a release or a scrap', transfers: [] };
  const saved = (stored.result?.plan as Plan | undefined) ?? undefined;
  const plan: Plan = saved ?? (e.action === 'hold' ? await planHold(client, s, stored) : await planRelease(db, client, s, stored));
  if (!saved) await savePlan(db, stored.id, plan as unknown as Record<string, unknown>);
  const key = eventKey(e);
  // lineage: the file batch and lines the event came from (an event over HTTP has none)
  const lineage = {
    batchId: stored.batchId,
    sourceBatchId: stored.batchId,
    sourceLines: stored.batchId === null ? null : stored.sourceLines,
  };

  if (plan.kind === 'scrap') {
    const keys = plan.lots.map((l) => `${key}/${l.lot}`);
    const done = await lastLedgerEntries(db, 'stock.scrap', keys);
    const scraps: Array<{ id: number; name: string; lot: string; quantity: number }> = [];
    for (const lot of plan.lots) {
      const k = `${key}/${lot.lot}`;
      if (done.has(k)) continue;
      const r = await scrapLot(client, {
        productId: plan.productId,
        lotId: lot.lotId,
        quantity: lot.quantity,
        locationId: plan.locationId,
        origin: `mfg-etl QC scrap ${e.nonconformance} ${lot.lot}`,
      });
      await appendLedger(db, [
        {
          ...lineage,
          businessKey: k,
          odooModel: 'stock.scrap',
          odooId: r.scrapId,
          externalId: null,
          operation: 'create',
          payloadHash: key,
          runId: ctx.runId,
        },
      ]);
      scraps.push({ id: r.scrapId, name: r.name, lot: lot.lot, quantity: lot.quantity });
    }
    await closeHoldLines(db, plan.closes, 'scrap');
    return { plan, scraps };
  }

  if (plan.transfers.length === 0 && e.action === 'hold' && plan.unreserved.length === 0)
    return { plan, transfers: [], note: 'nothing of the lots was on hand outside quarantine' };
  if (e.action === 'hold') await unreserve(client, plan.unreserved);
  const pickingType = plan.transfers.length ? await internalPickingType(client, plan.warehouseId) : 0;
  const keys = plan.transfers.map((t) => `${key}/@${t.fromLocationId}>${t.toLocationId}`);
  const done = await lastLedgerEntries(db, 'stock.picking', keys);
  type Entry = { key: string; plan: TransferPlan; name: string };
  const result = await writeGroups<Entry>(
    plan.transfers
      .map((t, i) => ({ t, k: keys[i]! }))
      .filter(({ k }) => !done.has(k))
      .map(({ t, k }) => {
        const entry: Entry = { key: k, plan: t, name: '' };
        return {
          entries: [{ entry, id: null }],
          write: async () => {
            const r = await transferLots(client, {
              plan: t,
              origin: transferOrigin(e, t),
              pickingTypeId: pickingType,
              productId: plan.productId,
              uomId: plan.uomId,
              description: `Quality ${e.action} ${e.nonconformance}`,
            });
            entry.name = r.name;
            return [{ entry, id: r.pickingId }];
          },
        };
      }),
    {
      signal: ctx.signal,
      // the ledger row and what the transfer did to the hold lines commit together
      record: (written) =>
        db.transaction(async (trx) => {
          await appendLedger(
            trx,
            written.map(({ entry, id }) => ({
              ...lineage,
              businessKey: entry.key,
              odooModel: 'stock.picking',
              odooId: id,
              externalId: null,
              operation: 'create',
              payloadHash: key,
              runId: ctx.runId,
            })),
          );
          if (e.action === 'hold') {
            const lines: NewHoldLine[] = written.flatMap(({ entry }) =>
              entry.plan.lines.map((l) => ({
                eventId: stored.id,
                nonconformance: e.nonconformance,
                warehouse: e.warehouse,
                productId: plan.productId,
                productCode: plan.productCode,
                lotId: l.lotId,
                lotName: l.lot,
                fromLocationId: entry.plan.fromLocationId,
                fromLocation: entry.plan.fromLocation,
                quarantineLocationId: entry.plan.toLocationId,
                quantity: l.quantity,
                unitCost: plan.unitCost,
                reason: e.reason,
              })),
            );
            await insertHoldLines(trx, lines);
          }
        }),
    },
  );
  if (result.failure) throw result.failure.error;
  if (e.action === 'release') await closeHoldLines(db, plan.closes, 'release');
  const pickings = (plan.unreserved ?? []).filter((r) => r.model === 'stock.picking').map((r) => r.id);
  if (e.action === 'hold') await reassign(client, pickings);
  return {
    plan,
    transfers: result.written.map(({ entry, id }) => ({
      id,
      name: entry.name,
      from: entry.plan.fromLocationId,
      to: entry.plan.toLocationId,
    })),
    unreserved: plan.unreserved,
    ...(plan.keptLots.length ? { keptInQuarantine: plan.keptLots } : {}),
  };
}

/** One pass over the pending events (oldest first); a failed event holds back the later ones of its nonconformance. */
export async function applyPending(
  ctx: Pick<JobContext, 'db' | 'runId' | 'signal' | 'logger'>,
  client: OdooClient,
  s: QualitySettings,
): Promise<ApplySummary> {
  // one applier at a time across processes (quality-apply, quality-import, a bench)
  return withSessionLock(ctx.db.knex, `mfg-etl quality-apply ${ctx.db.schema}`, () => applyLocked(ctx, client, s));
}

async function applyLocked(
  ctx: Pick<JobContext, 'db' | 'runId' | 'signal' | 'logger'>,
  client: OdooClient,
  s: QualitySettings,
): Promise<ApplySummary> {
  const summary: ApplySummary = { applied: 0, failed: 0, transfers: 0, latenciesMs: [] };
  const blocked = new Set<string>();
  for (const stored of await pendingEvents(ctx.db.knex, s.applyLimit)) {
    ctx.signal.throwIfAborted();
    if (blocked.has(stored.nonconformance)) continue;
    try {
      const result = await applyEvent(ctx, client, s, stored);
      const latencyMs = Date.now() - stored.receivedAt.getTime();
      await markApplied(ctx.db.knex, stored.id, { ...result, latencyMs });
      summary.applied++;
      summary.transfers += Array.isArray((result as { transfers?: unknown[] }).transfers)
        ? (result as { transfers: unknown[] }).transfers.length
        : 0;
      summary.latenciesMs.push(latencyMs);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      blocked.add(stored.nonconformance);
      summary.failed++;
      const message = describeError(err).message;
      ctx.logger.error('quality event not applied', {
        event: stored.id,
        nonconformance: stored.nonconformance,
        action: stored.action,
        error: message,
      });
      await markFailed(ctx.db.knex, stored.id, message);
    }
  }
  return summary;
}

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** What a run would apply, from the staged events only (which quants a hold moves is read from Odoo when applying). */
async function dryRunPlan(ctx: Pick<JobContext, 'db'>, s: QualitySettings, odoo: boolean): Promise<Record<string, unknown>> {
  const pending = await pendingEvents(ctx.db.knex, s.applyLimit);
  const byAction: Record<string, number> = {};
  for (const e of pending) byAction[e.action] = (byAction[e.action] ?? 0) + 1;
  const retried = pending.filter((e) => e.status === 'failed').length;
  const counts = Object.entries(byAction)
    .map(([action, n]) => `${n} ${action}`)
    .join(', ');
  return {
    dryRun: true,
    odoo: odoo ? 'configured' : null,
    pending: pending.length,
    byAction,
    retried,
    events: pending
      .slice(0, 50)
      .map((e) => ({ id: e.id, nonconformance: e.nonconformance, action: e.action, product: e.event.product, status: e.status })),
    summary: [
      pending.length
        ? `DRY RUN: ${pending.length} quality event(s) waiting to be applied (${counts})${retried ? `, ${retried} of them failed before` : ''}; nothing applied`
        : 'DRY RUN: no quality event waiting to be applied',
      ...pending
        .slice(0, 10)
        .map((e) => `  ${e.action} ${e.nonconformance}: ${e.event.product} lots ${e.event.lots.join(', ') || '-'} in ${e.event.warehouse}`),
      ...(pending.length > 10 ? [`  … and ${pending.length - 10} more (mfg-etl holds)`] : []),
      odoo
        ? 'nothing sent to Odoo: the quants each hold moves are read from Odoo when the events are applied'
        : 'Odoo is not configured: nothing read from or sent to Odoo; to apply: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY, then mfg-etl run quality-apply',
    ],
  };
}

export const qualityApplyJob = defineJob({
  ...jobEntry('quality-apply'),
  params: z.object({}).strict(),
  checkSettings: qualitySettings,
  async run(ctx) {
    const s = qualitySettings(ctx.config);
    const client = odooClient(ctx);
    // a dry run applies nothing, with or without Odoo: it says what waits
    if (ctx.dryRun) {
      client?.close();
      return dryRunPlan(ctx, s, client !== undefined);
    }
    if (!client)
      throw new ConfigError('quality-apply needs Odoo: set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER and MFG_ETL_ODOO_API_KEY');
    try {
      const summary = await applyPending(ctx, client, s);
      const stats = {
        applied: summary.applied,
        failed: summary.failed,
        transfers: summary.transfers,
        latencyP50Ms: percentile(summary.latenciesMs, 50),
        latencyMaxMs: percentile(summary.latenciesMs, 100),
      };
      if (summary.failed > 0)
        throw new QualityApplyError(`${summary.failed} quality event(s) could not be applied; see mfg-etl holds and the run log`, {
          context: stats,
        });
      return stats;
    } finally {
      client.close();
    }
  },
});
