/**
 * Odoo's on-hand stock (`stock.quant`) of one warehouse's internal locations, read page by page
 * (keyed on id, so quants added or removed meanwhile never shift a page), plus the lot look-up
 * inventory-adjust needs. Knows Odoo, nothing of staging.
 */
import type { OdooClient } from '../../core/odoo/index.ts';
import { many2oneId, many2oneName, type OdooDomain, type OdooRecord } from '../../core/odoo/values.ts';

export const QUANT_FIELDS = [
  'product_id',
  'location_id',
  'lot_id',
  'quantity',
  'reserved_quantity',
  'product_uom_id',
  'in_date',
  'write_date',
  'inventory_quantity',
  'inventory_quantity_set',
] as const;

export interface QuantRow {
  quantId: number;
  productId: number;
  productName: string | null;
  locationId: number;
  locationName: string | null;
  lotId: number | null;
  lotName: string | null;
  quantity: number;
  reservedQuantity: number | null;
  uomId: number | null;
  uomName: string | null;
  inDate: Date | null;
  writeDate: Date | null;
  inventoryQuantity: number | null;
  inventoryQuantitySet: boolean | null;
}

/** Internal locations of the warehouse; `locationIds` narrows the read to those locations. */
export function quantDomain(warehouseId: number, locationIds?: readonly number[]): OdooDomain {
  const domain: OdooDomain = [
    ['location_id.usage', '=', 'internal'],
    ['location_id.warehouse_id', '=', warehouseId],
  ];
  if (locationIds) domain.push(['location_id', 'in', [...locationIds]]);
  return domain;
}

/** Odoo datetimes are UTC 'YYYY-MM-DD HH:MM:SS' (false when empty). */
export function odooDatetime(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  const d = new Date(`${value.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? '' : 'Z'}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export function toQuantRow(r: OdooRecord): QuantRow {
  return {
    quantId: r.id,
    productId: many2oneId(r.product_id) ?? 0,
    productName: many2oneName(r.product_id),
    locationId: many2oneId(r.location_id) ?? 0,
    locationName: many2oneName(r.location_id),
    lotId: many2oneId(r.lot_id),
    lotName: many2oneName(r.lot_id),
    quantity: num(r.quantity) ?? 0,
    reservedQuantity: num(r.reserved_quantity),
    uomId: many2oneId(r.product_uom_id),
    uomName: many2oneName(r.product_uom_id),
    inDate: odooDatetime(r.in_date),
    writeDate: odooDatetime(r.write_date),
    inventoryQuantity: num(r.inventory_quantity),
    inventoryQuantitySet: typeof r.inventory_quantity_set === 'boolean' ? r.inventory_quantity_set : null,
  };
}

/** The warehouse's quants, one page (client batch size) at a time. */
export async function* readQuantPages(
  client: OdooClient,
  read: { warehouseId: number; locationIds?: readonly number[]; batchSize?: number },
): AsyncGenerator<QuantRow[]> {
  for await (const page of client.searchReadPages('stock.quant', quantDomain(read.warehouseId, read.locationIds), [...QUANT_FIELDS], {
    batchSize: read.batchSize,
  })) {
    yield page.map(toQuantRow).filter((q) => q.productId > 0 && q.locationId > 0);
  }
}

/** Quants by id (after an apply, to see what Odoo holds now). */
export async function readQuants(client: OdooClient, ids: readonly number[]): Promise<QuantRow[]> {
  if (ids.length === 0) return [];
  return (await client.read('stock.quant', [...ids], [...QUANT_FIELDS])).map(toQuantRow);
}

/** Lot ids by (product, lot name), for counts of lots Odoo has no quant of yet. */
export async function findLots(
  client: OdooClient,
  wanted: ReadonlyArray<{ productId: number; lotName: string }>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (wanted.length === 0) return out;
  const names = [...new Set(wanted.map((w) => w.lotName))];
  const products = [...new Set(wanted.map((w) => w.productId))];
  const rows = await client.searchReadAll(
    'stock.lot',
    [
      ['name', 'in', names],
      ['product_id', 'in', products],
    ],
    ['name', 'product_id'],
  );
  for (const r of rows) out.set(`${many2oneId(r.product_id)}:${String(r.name)}`, r.id);
  return out;
}
