/**
 * Stable keys of what forecast-load writes to Odoo. The key is both the ledger's business key and
 * the name of the record's external id in module `mfg_etl`, so a retry, a rerun or a lost answer
 * always lands on the same record. Keys are built from Odoo ids (warehouse, product) and the
 * period, which do not change when a code or a name is edited.
 */
// external ids, payload hash and quantity cells are the same for every loader
export { payloadHash, qtyCell, XMLID_MODULE, xmlid } from '../../shared/odoo-write.ts';

export const MODELS = {
  schedule: 'mrp.production.schedule',
  forecast: 'mrp.product.forecast',
  orderpoint: 'stock.warehouse.orderpoint',
} as const;

/** MPS: one production schedule per (warehouse, product). */
export function scheduleKey(warehouseId: number, productId: number): string {
  return `fc_mps_w${warehouseId}_p${productId}`;
}

/** MPS: one forecast per (warehouse, product, period start). */
export function forecastKey(warehouseId: number, productId: number, periodStart: string): string {
  return `${scheduleKey(warehouseId, productId)}_d${periodStart.replace(/-/g, '')}`;
}

/** Community: one replenishment rule per (warehouse, product), on the warehouse's stock location. */
export function orderpointKey(warehouseId: number, productId: number): string {
  return `fc_op_w${warehouseId}_p${productId}`;
}

export interface ParsedKey {
  kind: 'schedule' | 'forecast' | 'orderpoint';
  warehouseId: number;
  productId: number;
  periodStart?: string;
}

export function parseKey(key: string): ParsedKey | undefined {
  let m = /^fc_mps_w(\d+)_p(\d+)(?:_d(\d{4})(\d{2})(\d{2}))?$/.exec(key);
  if (m) {
    const base = { warehouseId: Number(m[1]), productId: Number(m[2]) };
    return m[3] ? { kind: 'forecast', ...base, periodStart: `${m[3]}-${m[4]}-${m[5]}` } : { kind: 'schedule', ...base };
  }
  m = /^fc_op_w(\d+)_p(\d+)$/.exec(key);
  return m ? { kind: 'orderpoint', warehouseId: Number(m[1]), productId: Number(m[2]) } : undefined;
}
