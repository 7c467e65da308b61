/**
 * Reads from Odoo for the cost rollup: how Odoo stores standard_price (its digits), and the
 * quantity on hand of the products whose standard cost changes (qty_available, in the
 * configured company's context), for the revaluation impact.
 */
import type { OdooClient } from '../../core/odoo/index.ts';

/**
 * The decimals Odoo keeps of standard_price, from fields_get: Odoo 17/18 declare it with the
 * "Product Price" precision (`digits [16, 2]`) and round it on write; Odoo 19 answers `digits
 * false` and stores it unrounded (null here).
 */
export async function readPriceDigits(client: Pick<OdooClient, 'fieldsGet'>): Promise<number | null> {
  const fields = await client.fieldsGet('product.product', { allfields: ['standard_price'], attributes: ['type', 'digits'] });
  const digits = fields.standard_price?.digits as unknown;
  return Array.isArray(digits) && typeof digits[1] === 'number' ? digits[1] : null;
}

export async function readOnHand(client: Pick<OdooClient, 'read'>, productIds: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (productIds.length === 0) return out;
  const rows = await client.read('product.product', [...productIds], ['qty_available']);
  for (const r of rows) out.set(Number(r.id), Number(r.qty_available ?? 0) || 0);
  return out;
}
