/**
 * Reads from Odoo for the cost rollup: the quantity on hand of the products whose standard cost
 * changes (qty_available, in the configured company's context), for the revaluation impact.
 */
import type { OdooClient } from '../../core/odoo/index.ts';

export async function readOnHand(client: Pick<OdooClient, 'read'>, productIds: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (productIds.length === 0) return out;
  const rows = await client.read('product.product', [...productIds], ['qty_available']);
  for (const r of rows) out.set(Number(r.id), Number(r.qty_available ?? 0) || 0);
  return out;
}
