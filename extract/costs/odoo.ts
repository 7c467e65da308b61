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
  for (const [id, v] of await readStockValues(client, productIds, 'live')) out.set(id, v.qty);
  return out;
}

/** How Odoo values stock on a price change: by its valuation layers (17/18) or live (19). */
export type ValuationMode = 'layers' | 'live';

export interface StockValue {
  /** qty_available */
  qty: number;
  /** the quantity a price change revalues: quantity_svl (17/18), qty_available (19) */
  valued: number;
  /** value_svl (17/18), total_value (19) */
  value: number;
}

/** Quantity on hand and the stock value Odoo keeps, per product (in the client's company context). */
export async function readStockValues(
  client: Pick<OdooClient, 'read'>,
  productIds: readonly number[],
  mode: ValuationMode,
): Promise<Map<number, StockValue>> {
  const out = new Map<number, StockValue>();
  if (productIds.length === 0) return out;
  const fields = mode === 'layers' ? ['qty_available', 'quantity_svl', 'value_svl'] : ['qty_available', 'total_value'];
  const rows = await client.read('product.product', [...productIds], fields);
  const n = (v: unknown) => Number(v ?? 0) || 0;
  for (const r of rows) {
    const qty = n(r.qty_available);
    out.set(
      Number(r.id),
      mode === 'layers' ? { qty, valued: n(r.quantity_svl), value: n(r.value_svl) } : { qty, valued: qty, value: n(r.total_value) },
    );
  }
  return out;
}
