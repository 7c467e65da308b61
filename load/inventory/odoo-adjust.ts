/**
 * inventory-adjust's Odoo side: `action_apply_inventory` on counted quants, and what Odoo's
 * answers that mean "not done" say. The `stock.inventory.conflict` wizard (stock moved after the
 * count was recorded in Odoo) and the `stock.track.confirmation` wizard (a tracked product without
 * lot) name their quants (or, when they name none, the call is halved until they are found); the
 * rest is applied.
 */
import { type OdooClient, OdooWizardError } from '../../core/odoo/index.ts';

export const INVENTORY_MODE = { inventory_mode: true } as const;

export interface ApplyOutcome {
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

export async function applyQuants(
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
