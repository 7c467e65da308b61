/**
 * inventory-adjust's plan, pure: per count key (location, product, lot), against a fresh read of
 * the counted locations' quants and the adjustment ledger of earlier runs, what to do:
 *   done       — applied or unchanged by an earlier run;
 *   unchanged  — Odoo holds the counted quantity;
 *   applied    — an earlier run wrote it and Odoo applied it before that run could record it;
 *   write      — one quant: the count as `inventory_quantity`, then applied;
 *   create     — no quant: one is created in inventory mode (a lot needs its id), then applied;
 *   skip       — several quants (packages, owners), stock moved after the count, a lot-tracked
 *                product counted without lot where Odoo has no quant, a lot Odoo does not know.
 * A quant an earlier run meant to write (planned or written) is told from a stock move by its
 * quantity: the one that run recorded before writing means its newer write_date is our own count.
 * The Odoo calls and the ledger writes are in load/inventory/ and load/odoo-ledger/write.ts.
 */
import type { QuantRow } from '../../extract/inventory/odoo-quants.ts';

export const EPSILON = 1e-9;
/** statuses a rerun leaves alone */
export const DONE = new Set(['applied', 'unchanged']);
/** statuses after which the quant's write_date is ours (we wrote the count), not a stock move */
export const OURS = new Set(['written', 'conflict', 'lot_required', 'failed']);
/** statuses of a write that may have been cut short: ours only while the quantity is the one recorded */
export const INTENDED = new Set(['planned', 'written']);

/** What the adjustment ledger says of a key (inventory_adjustments). */
export interface AdjustLedgerLine {
  status: string;
  /** on hand when it was planned */
  odooQty: number | null;
}

export interface CountKey {
  locationId: number;
  productId: number;
  lotName: string;
  quantity: number;
  countedAt: Date;
}

export interface PlanItem {
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

export const keyOf = (locationId: number, productId: number, lot: string) => `${locationId}:${productId}:${lot}`;

export function planAdjust(input: {
  keys: readonly CountKey[];
  quants: readonly QuantRow[];
  ledger: ReadonlyMap<string, AdjustLedgerLine>;
  /** product id → 'lot' | 'serial' | 'none' */
  tracking: ReadonlyMap<number, string>;
  /** full count: quants of the counted locations the count does not name go to 0 */
  zeroMissing: boolean;
}): PlanItem[] {
  const { keys, ledger, tracking, zeroMissing } = input;
  const byKey = new Map<string, QuantRow[]>();
  for (const q of input.quants) {
    const k = keyOf(q.locationId, q.productId, q.lotName ?? '');
    const list = byKey.get(k);
    if (list) list.push(q);
    else byKey.set(k, [q]);
  }
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
  return plan;
}

/** Count keys that need a quant created for a lot: the lots to look up in Odoo. */
export function lotsToFind(plan: readonly PlanItem[]): Array<{ productId: number; lotName: string }> {
  return plan.filter((p) => p.action === 'create' && p.lotName !== '').map((p) => ({ productId: p.productId, lotName: p.lotName }));
}

/** A quant to create for a lot needs the lot's id (`lots` by `product:lot`): a lot Odoo does not know is skipped. */
export function withLots(plan: readonly PlanItem[], lots: ReadonlyMap<string, number>): PlanItem[] {
  return plan.map((p) => {
    if (p.action !== 'create' || p.lotName === '') return p;
    const lotId = lots.get(`${p.productId}:${p.lotName}`);
    return lotId === undefined
      ? { ...p, action: 'skip', reason: `lot ${p.lotName} does not exist in Odoo for this product` }
      : { ...p, lotId };
  });
}
