/**
 * Reads from Odoo what the MES release needs: manufacturing orders ready for the floor, with
 * their work orders, component moves, reserved lots and product codes. Batched: one paged
 * search_read of the orders, one search_read by id of the released orders it did not find (to
 * see cancellations), then ONE read each of work orders, raw moves, their move lines and products
 * for all orders together (chunked by the client's batch size), never a call per order.
 * Units come as the many2one names Odoo already sends (`[id, "Units"]`): no unit read needed.
 */
import type { OdooClient, OdooDomain, OdooRecord } from '../../core/odoo/index.ts';
import { many2oneId, many2oneName, x2manyIds } from '../../core/odoo/values.ts';

type Client = Pick<OdooClient, 'searchReadAll' | 'read'>;

export interface OrderFilter {
  /** warehouse codes; empty: all */
  plants: readonly string[];
  /** picking type display names ("WH: Manufacturing"); empty: all */
  operationTypes: readonly string[];
  /** work center names; empty: all */
  workcenters: readonly string[];
  reservation: 'reserved' | 'any';
}

export interface OdooWorkOrder {
  id: number;
  name: string;
  workcenter: string;
  /** minutes */
  durationExpected: number;
  sequence: number;
}

export interface OdooComponent {
  moveId: number;
  productId: number;
  code: string | null;
  name: string;
  qty: number;
  uom: string;
  /** names of the lots reserved on the move's lines */
  lots: string[];
}

export interface OdooOrder {
  id: number;
  name: string;
  state: string;
  reservationState: string | null;
  productId: number;
  productCode: string | null;
  productName: string;
  qty: number;
  uom: string;
  /** 'YYYY-MM-DD HH:MM:SS' UTC */
  dateStart: string | null;
  dateFinished: string | null;
  pickingType: string | null;
  workOrders: OdooWorkOrder[];
  components: OdooComponent[];
}

const MO_FIELDS = [
  'name',
  'state',
  'reservation_state',
  'product_id',
  'product_qty',
  'product_uom_id',
  'date_start',
  'date_finished',
  'picking_type_id',
  'workorder_ids',
  'move_raw_ids',
];
const WO_FIELDS = ['name', 'workcenter_id', 'duration_expected', 'sequence'];
const MOVE_FIELDS = ['product_id', 'product_uom_qty', 'product_uom', 'move_line_ids', 'state'];
const LINE_FIELDS = ['move_id', 'lot_id', 'lot_name', 'quantity'];

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number => Number(v ?? 0) || 0;

/** The search domain of orders ready for the floor (operation types are matched by name after the read). */
export function readyDomain(f: OrderFilter): OdooDomain {
  const domain: OdooDomain = [['state', 'in', ['confirmed', 'progress']]];
  // an order without components has no reservation_state (False): nothing to wait for
  if (f.reservation === 'reserved') domain.push('|', ['reservation_state', '=', 'assigned'], ['move_raw_ids', '=', false]);
  if (f.plants.length) domain.push(['picking_type_id.warehouse_id.code', 'in', [...f.plants]]);
  if (f.workcenters.length) domain.push(['workorder_ids.workcenter_id.name', 'in', [...f.workcenters]]);
  return domain;
}

export interface OrderRead {
  /** orders ready for the floor (and released ones still open), with everything the content needs */
  orders: OdooOrder[];
  /** released order ids Odoo now says are cancelled */
  cancelled: number[];
}

/**
 * Orders ready for the floor, plus the `releasedIds` (orders released before and not cancelled)
 * the search did not find, looked up by id: one still open (its reservation was lost, say) is
 * still followed for changes, one now `cancel` is reported as cancelled; done ones are not read.
 */
export async function readOrders(client: Client, filter: OrderFilter, releasedIds: readonly number[]): Promise<OrderRead> {
  const found = await client.searchReadAll('mrp.production', readyDomain(filter), MO_FIELDS);
  const ready = filter.operationTypes.length
    ? found.filter((r) => filter.operationTypes.includes(many2oneName(r.picking_type_id) ?? ''))
    : found;
  const seen = new Set(ready.map((r) => r.id));
  const others = releasedIds.filter((id) => !seen.has(id));
  const again = others.length
    ? await client.searchReadAll(
        'mrp.production',
        [
          ['id', 'in', others],
          ['state', 'in', ['confirmed', 'progress', 'cancel']],
        ],
        MO_FIELDS,
      )
    : [];
  const cancelled = again.filter((r) => r.state === 'cancel').map((r) => r.id);
  const open = [...ready, ...again.filter((r) => r.state !== 'cancel')];
  return { orders: await withDetails(client, open), cancelled };
}

/** One order by name, fresh (for `mfg-etl release <MO> --again`); undefined when Odoo has none. */
export async function readOrderByName(client: Client, name: string): Promise<OdooOrder | undefined> {
  const rows = await client.searchReadAll('mrp.production', [['name', '=', name]], MO_FIELDS);
  return (await withDetails(client, rows))[0];
}

/** One order by id (a request continued on a backorder: the release's current order). */
export async function readOrderById(client: Client, id: number): Promise<OdooOrder | undefined> {
  const rows = await client.searchReadAll('mrp.production', [['id', '=', id]], MO_FIELDS);
  return (await withDetails(client, rows))[0];
}

async function withDetails(client: Client, mos: readonly OdooRecord[]): Promise<OdooOrder[]> {
  if (mos.length === 0) return [];
  const woIds = mos.flatMap((m) => x2manyIds(m.workorder_ids));
  const moveIds = mos.flatMap((m) => x2manyIds(m.move_raw_ids));
  const [workOrders, moves] = await Promise.all([
    woIds.length ? client.read('mrp.workorder', woIds, WO_FIELDS) : Promise.resolve([]),
    moveIds.length ? client.read('stock.move', moveIds, MOVE_FIELDS) : Promise.resolve([]),
  ]);
  const lineIds = moves.filter((m) => m.state !== 'cancel').flatMap((m) => x2manyIds(m.move_line_ids));
  const productIds = [
    ...new Set([...mos.map((m) => many2oneId(m.product_id)), ...moves.map((m) => many2oneId(m.product_id))].filter((id) => id !== null)),
  ];
  const [lines, products] = await Promise.all([
    lineIds.length ? client.read('stock.move.line', lineIds, LINE_FIELDS) : Promise.resolve([]),
    productIds.length ? client.read('product.product', productIds, ['default_code', 'name']) : Promise.resolve([]),
  ]);
  const product = new Map(products.map((p) => [p.id, { code: str(p.default_code), name: str(p.name) ?? '' }]));
  const wo = new Map(workOrders.map((w) => [w.id, w]));
  const move = new Map(moves.map((m) => [m.id, m]));
  const lotsOf = new Map<number, string[]>();
  for (const l of lines) {
    const lot = many2oneName(l.lot_id) ?? str(l.lot_name);
    const moveId = many2oneId(l.move_id);
    if (!lot || moveId === null) continue;
    lotsOf.set(moveId, [...(lotsOf.get(moveId) ?? []), lot]);
  }
  return mos.map((m): OdooOrder => {
    const productId = many2oneId(m.product_id) ?? 0;
    return {
      id: m.id,
      name: String(m.name),
      state: String(m.state),
      reservationState: str(m.reservation_state),
      productId,
      productCode: product.get(productId)?.code ?? null,
      productName: product.get(productId)?.name ?? many2oneName(m.product_id) ?? '',
      qty: num(m.product_qty),
      uom: many2oneName(m.product_uom_id) ?? '',
      dateStart: str(m.date_start),
      dateFinished: str(m.date_finished),
      pickingType: many2oneName(m.picking_type_id),
      workOrders: x2manyIds(m.workorder_ids)
        .map((id) => wo.get(id))
        .filter((w): w is OdooRecord => w !== undefined)
        .map((w) => ({
          id: w.id,
          name: str(w.name) ?? `WO ${w.id}`,
          workcenter: many2oneName(w.workcenter_id) ?? '',
          durationExpected: num(w.duration_expected),
          sequence: num(w.sequence),
        })),
      components: x2manyIds(m.move_raw_ids)
        .map((id) => move.get(id))
        .filter((mv): mv is OdooRecord => mv !== undefined && mv.state !== 'cancel')
        .map((mv) => {
          const pid = many2oneId(mv.product_id) ?? 0;
          return {
            moveId: mv.id,
            productId: pid,
            code: product.get(pid)?.code ?? null,
            name: product.get(pid)?.name ?? many2oneName(mv.product_id) ?? '',
            qty: num(mv.product_uom_qty),
            uom: many2oneName(mv.product_uom) ?? '',
            lots: [...new Set(lotsOf.get(mv.id) ?? [])].sort(),
          };
        }),
    };
  });
}
