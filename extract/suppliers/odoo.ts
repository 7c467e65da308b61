/**
 * Reads from Odoo for the supplier pipeline: confirmed purchase order lines with their order,
 * vendor and product, vendor product codes (product.supplierinfo), receipt moves and move lines,
 * lots, component demand of manufacturing orders and stock on hand. Odoo 19 renamed the PO
 * line's unit to `product_uom_id` (execution capture 153): the field is chosen by version.
 * Every read is a paged search_read or a chunked read: a few calls per thousand lines.
 */
import type { OdooClient, OdooDomain, OdooRecord } from '../../core/odoo/index.ts';
import { many2oneId, many2oneName, x2manyIds } from '../../core/odoo/values.ts';

type Client = Pick<OdooClient, 'searchReadAll' | 'read' | 'version'>;

export interface PoLine {
  id: number;
  orderId: number;
  poName: string;
  /** position of the line in its order (sequence, id), from 1 */
  lineNo: number;
  partnerId: number;
  productId: number | null;
  description: string;
  /** in the line's unit */
  qty: number;
  uomId: number | null;
  uomName: string;
  /** the ordered quantity in the product's unit */
  productUomQty: number;
  /** in the line's unit */
  qtyReceived: number;
  /** 'YYYY-MM-DD HH:MM:SS' UTC */
  datePlanned: string | null;
  price: number;
  moveIds: number[];
  state: string;
}

export interface Partner {
  id: number;
  name: string;
  ref: string | null;
  email: string | null;
}

export interface Product {
  id: number;
  code: string | null;
  name: string;
  tracking: string;
  uomId: number | null;
  tmplId: number | null;
}

export interface SupplierInfo {
  partnerId: number;
  productId: number | null;
  tmplId: number | null;
  code: string | null;
  sequence: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number => Number(v ?? 0) || 0;

export async function lineUomField(client: Pick<OdooClient, 'version'>): Promise<string> {
  return (await client.version()).major >= 19 ? 'product_uom_id' : 'product_uom';
}

const LINE_FIELDS = ['order_id', 'sequence', 'product_id', 'name', 'product_qty', 'product_uom_qty', 'qty_received', 'date_planned'];
const LINE_TAIL = ['price_unit', 'move_ids', 'partner_id', 'state'];

function toLines(rows: readonly OdooRecord[], uomField: string): PoLine[] {
  const lines = rows.map((r): PoLine & { sequence: number } => ({
    id: r.id,
    orderId: many2oneId(r.order_id) ?? 0,
    poName: many2oneName(r.order_id) ?? '',
    lineNo: 0,
    sequence: num(r.sequence),
    partnerId: many2oneId(r.partner_id) ?? 0,
    productId: many2oneId(r.product_id),
    description: str(r.name) ?? many2oneName(r.product_id) ?? '',
    qty: num(r.product_qty),
    uomId: many2oneId(r[uomField]),
    uomName: many2oneName(r[uomField]) ?? '',
    productUomQty: num(r.product_uom_qty),
    qtyReceived: num(r.qty_received),
    datePlanned: str(r.date_planned),
    price: num(r.price_unit),
    moveIds: x2manyIds(r.move_ids),
    state: String(r.state ?? ''),
  }));
  const byOrder = new Map<number, Array<PoLine & { sequence: number }>>();
  for (const l of lines) {
    const list = byOrder.get(l.orderId);
    if (list) list.push(l);
    else byOrder.set(l.orderId, [l]);
  }
  for (const list of byOrder.values()) {
    list.sort((a, b) => a.sequence - b.sequence || a.id - b.id);
    list.forEach((l, i) => (l.lineNo = i + 1));
  }
  return lines.map(({ sequence: _s, ...l }) => l);
}

/**
 * Lines of confirmed purchase orders (state purchase, or done = locked), of the given vendors (all when
 * undefined) or of the given order names. Lines of every line of those orders, so the line
 * numbers are the order's own.
 */
export async function readPoLines(
  client: Client,
  filter: { partnerIds?: readonly number[]; poNames?: readonly string[]; productIds?: readonly number[] },
): Promise<PoLine[]> {
  const uomField = await lineUomField(client);
  // 'done' is Locked in Odoo 17+: still received against
  const domain: OdooDomain = [['order_id.state', 'in', ['purchase', 'done']]];
  if (filter.partnerIds) domain.push(['order_id.partner_id', 'in', [...filter.partnerIds]]);
  if (filter.poNames) domain.push(['order_id.name', 'in', [...filter.poNames]]);
  if (filter.productIds) domain.push(['product_id', 'in', [...filter.productIds]]);
  const rows = await client.searchReadAll('purchase.order.line', domain, [...LINE_FIELDS, uomField, ...LINE_TAIL]);
  return toLines(rows, uomField);
}

/** The current state of these lines (for the conflict check at load). */
export async function readPoLinesById(client: Client, ids: readonly number[]): Promise<Map<number, PoLine>> {
  const uomField = await lineUomField(client);
  const rows = ids.length ? await client.read('purchase.order.line', [...ids], [...LINE_FIELDS, uomField, ...LINE_TAIL]) : [];
  return new Map(toLines(rows, uomField).map((l) => [l.id, l]));
}

export async function readPartners(client: Client, ids: readonly number[]): Promise<Map<number, Partner>> {
  const rows = ids.length ? await client.read('res.partner', [...ids], ['name', 'ref', 'email']) : [];
  return new Map(rows.map((r) => [r.id, { id: r.id, name: String(r.name ?? ''), ref: str(r.ref), email: str(r.email) }]));
}

/** Vendors named by ref or id (the `suppliers.partners` setting). */
export async function findPartners(client: Client, names: ReadonlyArray<string | number>): Promise<Partner[]> {
  const ids = names.filter((n): n is number => typeof n === 'number');
  const refs = names.filter((n): n is string => typeof n === 'string');
  const domain: OdooDomain = ['|', ['id', 'in', ids], ['ref', 'in', refs]];
  const rows = await client.searchReadAll('res.partner', domain, ['name', 'ref', 'email']);
  return rows.map((r) => ({ id: r.id, name: String(r.name ?? ''), ref: str(r.ref), email: str(r.email) }));
}

export async function readProducts(client: Client, ids: readonly number[]): Promise<Map<number, Product>> {
  const rows = ids.length
    ? await client.read('product.product', [...new Set(ids)], ['default_code', 'name', 'tracking', 'uom_id', 'product_tmpl_id'])
    : [];
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        code: str(r.default_code),
        name: String(r.name ?? ''),
        tracking: String(r.tracking ?? 'none'),
        uomId: many2oneId(r.uom_id),
        tmplId: many2oneId(r.product_tmpl_id),
      },
    ]),
  );
}

/** Vendor pricelist rows of these vendors (all vendors when undefined). */
export async function readSupplierInfo(client: Client, partnerIds?: readonly number[]): Promise<SupplierInfo[]> {
  const domain: OdooDomain = partnerIds ? [['partner_id', 'in', [...partnerIds]]] : [];
  const rows = await client.searchReadAll('product.supplierinfo', domain, [
    'partner_id',
    'product_id',
    'product_tmpl_id',
    'product_code',
    'sequence',
  ]);
  return rows.map((r) => ({
    partnerId: many2oneId(r.partner_id) ?? 0,
    productId: many2oneId(r.product_id),
    tmplId: many2oneId(r.product_tmpl_id),
    code: str(r.product_code),
    sequence: num(r.sequence),
  }));
}

export interface ReceiptMove {
  id: number;
  state: string;
  date: string | null;
  pickingId: number | null;
  productId: number;
  demand: number;
  moveLineIds: number[];
  locationId: number | null;
  locationDestId: number | null;
  purchaseLineId: number | null;
}

export async function readMoves(client: Client, ids: readonly number[]): Promise<ReceiptMove[]> {
  const rows = ids.length
    ? await client.read(
        'stock.move',
        [...ids],
        [
          'state',
          'date',
          'picking_id',
          'product_id',
          'product_uom_qty',
          'move_line_ids',
          'location_id',
          'location_dest_id',
          'purchase_line_id',
        ],
      )
    : [];
  return rows.map((r) => ({
    id: r.id,
    state: String(r.state ?? ''),
    date: str(r.date),
    pickingId: many2oneId(r.picking_id),
    productId: many2oneId(r.product_id) ?? 0,
    demand: num(r.product_uom_qty),
    moveLineIds: x2manyIds(r.move_line_ids),
    locationId: many2oneId(r.location_id),
    locationDestId: many2oneId(r.location_dest_id),
    purchaseLineId: many2oneId(r.purchase_line_id),
  }));
}

export interface MoveLine {
  id: number;
  moveId: number;
  lotId: number | null;
  lotName: string | null;
  quantity: number;
}

export async function readMoveLines(client: Client, ids: readonly number[]): Promise<MoveLine[]> {
  const rows = ids.length ? await client.read('stock.move.line', [...ids], ['move_id', 'lot_id', 'lot_name', 'quantity']) : [];
  return rows.map((r) => ({
    id: r.id,
    moveId: many2oneId(r.move_id) ?? 0,
    lotId: many2oneId(r.lot_id),
    lotName: str(r.lot_name),
    quantity: num(r.quantity),
  }));
}

/** Existing lots by (product, name): an ASN names them by lot_id, new ones by lot_name. */
export async function readLots(client: Client, productIds: readonly number[], names: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!names.length) return out;
  const rows = await client.searchReadAll(
    'stock.lot',
    [
      ['product_id', 'in', [...new Set(productIds)]],
      ['name', 'in', [...new Set(names)]],
    ],
    ['name', 'product_id'],
  );
  for (const r of rows) out.set(`${many2oneId(r.product_id)}|${String(r.name)}`, r.id);
  return out;
}

export interface ComponentDemand {
  productId: number;
  qty: number;
  /** 'YYYY-MM-DD HH:MM:SS' UTC */
  date: string;
  productionId: number | null;
}

/** Component moves of confirmed / running manufacturing orders, not yet consumed. */
export async function readMoDemand(client: Client): Promise<ComponentDemand[]> {
  const rows = await client.searchReadAll(
    'stock.move',
    [
      ['raw_material_production_id.state', 'in', ['confirmed', 'progress', 'to_close']],
      ['state', 'not in', ['done', 'cancel']],
    ],
    ['product_id', 'product_uom_qty', 'date', 'raw_material_production_id'],
  );
  return rows.map((r) => ({
    productId: many2oneId(r.product_id) ?? 0,
    qty: num(r.product_uom_qty),
    date: String(r.date ?? ''),
    productionId: many2oneId(r.raw_material_production_id),
  }));
}

/** Quantity on hand in internal locations per product. */
export async function readOnHand(client: Client, productIds: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!productIds.length) return out;
  const rows = await client.searchReadAll(
    'stock.quant',
    [
      ['location_id.usage', '=', 'internal'],
      ['product_id', 'in', [...productIds]],
    ],
    ['product_id', 'quantity'],
  );
  for (const r of rows) {
    const id = many2oneId(r.product_id) ?? 0;
    out.set(id, (out.get(id) ?? 0) + num(r.quantity));
  }
  return out;
}
