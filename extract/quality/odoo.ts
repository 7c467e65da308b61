/**
 * What Odoo holds for a quality event: the product by internal reference, the warehouse by
 * code, its internal locations (the quarantine one among them), the lots by name and their
 * quants; and, before a hold, which deliveries and MOs have those lots reserved.
 * Reads only (the captures' 008, 124, 127 / 122, 143 shapes).
 */
import type { QualitySettings } from '../../core/config/quality.ts';
import { many2oneId, many2oneName, type OdooClient } from '../../core/odoo/index.ts';

/** What the lookups need of an event (transform/quality/events.ts has the whole event). */
export interface EventScope {
  product: string;
  warehouse: string;
  location: string | null;
  lots: string[];
}

export interface OdooQuant {
  id: number;
  locationId: number;
  location: string;
  lotId: number;
  lot: string;
  quantity: number;
  reserved: number;
}

/** What Odoo holds for an event: resolved or missing. */
export interface EventFacts {
  product?: { id: number; code: string; uomId: number; cost: number; tracking: string };
  warehouse?: { id: number; code: string; viewLocationId: number; stockLocationId: number };
  /** the narrowing location, when the event names one */
  location?: { id: number; name: string };
  locationMissing?: boolean;
  /** lot name → id, for the lots Odoo knows of this product */
  lots: Map<string, number>;
  quarantine?: { id: number; name: string };
  /** quants of the event's lots in the warehouse's internal locations (quarantine included) */
  quants: OdooQuant[];
}

export interface WarehouseLocations {
  warehouse: { id: number; code: string; viewLocationId: number; stockLocationId: number; name: string };
  /** internal locations of the warehouse: id → full name */
  internal: Map<number, string>;
  viewName: string;
}

/** The quarantine location's full name for a warehouse: configured, else `<view>/<quarantineName>`. */
export function quarantineName(settings: QualitySettings, code: string, viewName: string): string {
  return settings.quarantine[code] ?? `${viewName}/${settings.quarantineName}`;
}

export async function warehouseLocations(client: OdooClient, code: string): Promise<WarehouseLocations | undefined> {
  const [wh] = await client.searchRead('stock.warehouse', [['code', '=', code]], ['code', 'name', 'view_location_id', 'lot_stock_id'], {
    limit: 1,
  });
  if (!wh) return undefined;
  const locations = await client.searchRead(
    'stock.location',
    [
      ['warehouse_id', '=', wh.id],
      ['usage', 'in', ['internal', 'view']],
    ],
    ['complete_name', 'usage'],
  );
  const internal = new Map<number, string>();
  let viewName = many2oneName(wh.view_location_id) ?? code;
  for (const l of locations) {
    if (l.usage === 'internal') internal.set(l.id, String(l.complete_name));
    else if (l.id === many2oneId(wh.view_location_id)) viewName = String(l.complete_name);
  }
  return {
    warehouse: {
      id: wh.id,
      code,
      name: String(wh.name ?? code),
      viewLocationId: many2oneId(wh.view_location_id) ?? 0,
      stockLocationId: many2oneId(wh.lot_stock_id) ?? 0,
    },
    internal,
    viewName,
  };
}

/** Everything the checks and the plans need about one event. */
export async function eventFacts(client: OdooClient, event: EventScope, settings: QualitySettings): Promise<EventFacts> {
  const facts: EventFacts = { lots: new Map(), quants: [] };
  const [products, wh] = await Promise.all([
    client.searchRead('product.product', [['default_code', '=', event.product]], ['default_code', 'uom_id', 'standard_price', 'tracking'], {
      limit: 1,
    }),
    warehouseLocations(client, event.warehouse),
  ]);
  const product = products[0];
  if (product)
    facts.product = {
      id: product.id,
      code: event.product,
      uomId: many2oneId(product.uom_id) ?? 1,
      cost: Number(product.standard_price ?? 0),
      tracking: String(product.tracking ?? 'none'),
    };
  if (wh) {
    facts.warehouse = wh.warehouse;
    const quarantine = quarantineName(settings, event.warehouse, wh.viewName);
    for (const [id, name] of wh.internal) {
      if (name === quarantine) facts.quarantine = { id, name };
      if (event.location && name === event.location) facts.location = { id, name };
    }
    if (event.location && !facts.location) facts.locationMissing = true;
  }
  if (!product || !wh) return facts;
  const lots = await client.searchRead(
    'stock.lot',
    [
      ['product_id', '=', product.id],
      ['name', 'in', event.lots],
    ],
    ['name'],
  );
  for (const lot of lots) facts.lots.set(String(lot.name), lot.id);
  if (lots.length === 0) return facts;
  const quants = await client.searchRead(
    'stock.quant',
    [
      ['product_id', '=', product.id],
      ['lot_id', 'in', lots.map((l) => l.id)],
      ['location_id', 'in', [...wh.internal.keys()]],
    ],
    ['location_id', 'lot_id', 'quantity', 'reserved_quantity', 'in_date'],
    { order: 'in_date asc, id asc' },
  );
  facts.quants = quants.map((q): OdooQuant => ({
    id: q.id,
    locationId: many2oneId(q.location_id) ?? 0,
    location: wh.internal.get(many2oneId(q.location_id) ?? 0) ?? many2oneName(q.location_id) ?? '',
    lotId: many2oneId(q.lot_id) ?? 0,
    lot: many2oneName(q.lot_id) ?? '',
    quantity: Number(q.quantity ?? 0),
    reserved: Number(q.reserved_quantity ?? 0),
  }));
  return facts;
}

/** A delivery, receipt or MO that had some of the held lots reserved. */
export interface Reservation {
  model: 'stock.picking' | 'mrp.production';
  id: number;
  name: string;
}

/** Pickings and MOs with open move lines of these lots at these locations. */
export async function reservationsOf(
  client: OdooClient,
  productId: number,
  lotIds: readonly number[],
  locationIds: readonly number[],
): Promise<Reservation[]> {
  if (lotIds.length === 0 || locationIds.length === 0) return [];
  const lines = await client.searchRead(
    'stock.move.line',
    [
      ['product_id', '=', productId],
      ['lot_id', 'in', [...lotIds]],
      ['location_id', 'in', [...locationIds]],
      ['state', 'not in', ['done', 'cancel']],
    ],
    ['picking_id', 'move_id'],
  );
  const out = new Map<string, Reservation>();
  const loose: number[] = [];
  for (const line of lines) {
    const picking = many2oneId(line.picking_id);
    if (picking) out.set(`p${picking}`, { model: 'stock.picking', id: picking, name: many2oneName(line.picking_id) ?? String(picking) });
    else if (many2oneId(line.move_id)) loose.push(many2oneId(line.move_id)!);
  }
  if (loose.length) {
    const moves = await client.read('stock.move', [...new Set(loose)], ['raw_material_production_id']);
    for (const move of moves) {
      const mo = many2oneId(move.raw_material_production_id);
      if (mo) out.set(`m${mo}`, { model: 'mrp.production', id: mo, name: many2oneName(move.raw_material_production_id) ?? String(mo) });
    }
  }
  return [...out.values()].sort((a, b) => a.model.localeCompare(b.model) || a.id - b.id);
}
