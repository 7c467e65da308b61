/**
 * SUPPLIER FLOW block of the test server (kept apart from the other models to ease merging):
 * purchase orders and lines and vendor pricelists (product.supplierinfo), plus what the flow adds
 * to the transfers of models.ts / stock-moves.ts (receipt moves' purchase line, date and deadline,
 * the scheduled date computed from the moves) and the partner fields it reads (ref, email). Behaviour as in the execution captures 157-180 (18, XML-RPC) / 152-176 (19, JSON-2):
 *   - button_confirm makes the receipt: one move per line (date and deadline = the line's
 *     date_planned), one move line pre-filled with the whole demand and no lot (165/169);
 *   - writing a line's date_planned moves only its open moves' date_deadline (165-168 / 161-164):
 *     the receipt's scheduled_date and the move `date` stay. The scheduled date of a receipt is the
 *     earliest `date` of its open moves (Odoo's _compute_scheduled_date, move_type direct), so
 *     writing the move's date moves it;
 *   - move_line_ids commands with lot_id (existing lot) or lot_name (new lot, made at validation)
 *     are taken; the move reads partially_available below its demand (171-173 / 167-169);
 *   - a lot of another product is refused (096 / 091);
 *   - 19 renamed purchase.order.line.product_uom to product_uom_id (153: the old name fails).
 * Receiving (validation) is done by the warehouse, never by mfg-etl: tests use `receive` (purchase.ts).
 * The models are registered by the Store (store.ts); button_confirm and the test helpers are in purchase.ts.
 */
import { raise } from './exceptions.ts';
import type { FieldDef, HookStore, ModelDef, ModelExtension, Rec, StoreView } from './models.ts';

const fd = (type: FieldDef['type'], string: string, extra: Partial<FieldDef> = {}): FieldDef => ({ type, string, ...extra });
const m2o = (relation: string, string: string, extra: Partial<FieldDef> = {}): FieldDef => fd('many2one', string, { relation, ...extra });
const o2m = (relation: string, inverse: string, string: string, extra: Partial<FieldDef> = {}): FieldDef =>
  fd('one2many', string, { relation, inverse, ...extra });
const always = (value: unknown) => (): unknown => value;

export function idOf(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined;
}

export const OPEN = (m: Rec) => m.state !== 'done' && m.state !== 'cancel';

/** how many reference units one unit holds (18: 1 / factor; 19: the absolute factor) */
export function unitSize(store: StoreView, uomId: unknown): number {
  const uom = store.get('uom.uom', idOf(uomId) ?? 0);
  if (!uom) return 1;
  if (store.version >= 19) {
    let factor = Number(uom.relative_factor ?? 1);
    let parent = idOf(uom.relative_uom_id);
    for (let guard = 0; parent !== undefined && guard < 20; guard++) {
      const up = store.get('uom.uom', parent);
      if (!up) break;
      factor *= Number(up.relative_factor ?? 1);
      parent = idOf(up.relative_uom_id);
    }
    return factor;
  }
  return 1 / (Number(uom.factor) || 1);
}

export function movesOfLine(store: StoreView, lineId: number): Rec[] {
  return store.all('stock.move').filter((m) => m.purchase_line_id === lineId);
}

function movesOfPicking(store: StoreView, pickingId: number): Rec[] {
  return store.all('stock.move').filter((m) => m.picking_id === pickingId);
}

function pickingsOfOrder(store: StoreView, orderId: number): number[] {
  const lines = new Set(
    store
      .all('purchase.order.line')
      .filter((l) => l.order_id === orderId)
      .map((l) => l.id),
  );
  const ids = new Set<number>();
  for (const m of store.all('stock.move')) if (lines.has(Number(m.purchase_line_id)) && idOf(m.picking_id)) ids.add(Number(m.picking_id));
  return [...ids];
}

function moveQuantity(store: StoreView, moveId: number): number {
  return store
    .all('stock.move.line')
    .filter((l) => l.move_id === moveId)
    .reduce((sum, l) => sum + Number(l.quantity ?? 0), 0);
}

export function lineUomField(v19: boolean): string {
  return v19 ? 'product_uom_id' : 'product_uom';
}

export function purchaseModels(
  v19: boolean,
): Array<Omit<ModelDef, 'fields' | 'order'> & { order?: string; fields: Record<string, FieldDef> }> {
  const uomField = lineUomField(v19);
  const models: Array<Omit<ModelDef, 'fields' | 'order'> & { order?: string; fields: Record<string, FieldDef> }> = [];

  models.push({
    name: 'purchase.order',
    description: 'Purchase Order',
    order: 'priority desc, id desc',
    fields: {
      name: fd('char', 'Order Reference', {
        required: true,
        default: (store) => `P${String(store.nextSequence('purchase.order') + 11).padStart(5, '0')}`,
      }),
      partner_id: m2o('res.partner', 'Vendor', { required: true }),
      partner_ref: fd('char', 'Vendor Reference'),
      origin: fd('char', 'Source Document'),
      priority: fd('selection', 'Priority', {
        selection: [
          ['0', 'Normal'],
          ['1', 'Urgent'],
        ],
        default: always('0'),
      }),
      state: fd('selection', 'Status', {
        selection: [
          ['draft', 'RFQ'],
          ['sent', 'RFQ Sent'],
          ['to approve', 'To Approve'],
          ['purchase', 'Purchase Order'],
          ['done', 'Locked'],
          ['cancel', 'Cancelled'],
        ],
        default: always('draft'),
      }),
      date_order: fd('datetime', 'Order Deadline', { required: true, default: (_s, env) => env.now }),
      // 168 / 164: the earliest line date (a line moved later leaves it)
      date_planned: fd('datetime', 'Expected Arrival', {
        compute: (rec, store) => {
          const dates = store
            .all('purchase.order.line')
            .filter((l) => l.order_id === rec.id && l.date_planned)
            .map((l) => String(l.date_planned))
            .sort();
          return dates[0] ?? false;
        },
      }),
      order_line: o2m('purchase.order.line', 'order_id', 'Order Lines'),
      picking_ids: fd('many2many', 'Receptions', { relation: 'stock.picking', compute: (rec, store) => pickingsOfOrder(store, rec.id) }),
      // 157: false without receipts; 162: pending; 180: partial after a partial receipt
      receipt_status: fd('selection', 'Receipt Status', {
        selection: [
          ['pending', 'Not Received'],
          ['partial', 'Partially Received'],
          ['full', 'Fully Received'],
        ],
        compute: (rec, store) => {
          const pickings = pickingsOfOrder(store, rec.id).map((id) => store.get('stock.picking', id)!);
          if (pickings.length === 0) return false;
          const states = pickings.map((p) => String(p.state));
          if (states.every((s) => s === 'done' || s === 'cancel')) return 'full';
          if (states.some((s) => s === 'done')) return 'partial';
          return 'pending';
        },
      }),
      company_id: m2o('res.company', 'Company', { required: true, default: always(1) }),
    },
  });

  models.push({
    name: 'purchase.order.line',
    description: 'Purchase Order Line',
    order: 'order_id, sequence, id',
    // 167 / 163: a move's purchase_line_id reads as the product
    display: (rec, store) => store.display('product.product', idOf(rec.product_id) ?? 0),
    fields: {
      order_id: m2o('purchase.order', 'Order Reference', { required: true }),
      sequence: fd('integer', 'Sequence', { default: always(10) }),
      name: fd('text', 'Description'),
      product_id: m2o('product.product', 'Product'),
      product_qty: fd('float', 'Quantity', { required: true, default: always(1) }),
      [uomField]: m2o('uom.uom', 'Unit', {
        default: (store, _env, vals) => {
          const product = store.get('product.product', idOf(vals.product_id) ?? 0);
          return idOf(v19 ? product?.uom_id : (product?.uom_po_id ?? product?.uom_id)) ?? false;
        },
      }),
      // the quantity in the product's unit
      product_uom_qty: fd('float', 'Total Quantity', {
        compute: (rec, store) => {
          const product = store.get('product.product', idOf(rec.product_id) ?? 0);
          return (Number(rec.product_qty ?? 0) * unitSize(store, rec[uomField])) / unitSize(store, product?.uom_id);
        },
      }),
      // done receipt moves, back in the line's unit
      qty_received: fd('float', 'Received Qty', {
        compute: (rec, store) => {
          const product = store.get('product.product', idOf(rec.product_id) ?? 0);
          const done = movesOfLine(store, rec.id)
            .filter((m) => m.state === 'done')
            .reduce((sum, m) => sum + moveQuantity(store, m.id), 0);
          return (done * unitSize(store, product?.uom_id)) / unitSize(store, rec[uomField]);
        },
      }),
      date_planned: fd('datetime', 'Expected Arrival'),
      price_unit: fd('float', 'Unit Price', { required: true, default: always(0) }),
      move_ids: o2m('stock.move', 'purchase_line_id', 'Reservation'),
      partner_id: m2o('res.partner', 'Partner', {
        compute: (rec, store) => idOf(store.get('purchase.order', idOf(rec.order_id) ?? 0)?.partner_id) ?? false,
      }),
      state: fd('selection', 'Status', {
        selection: [
          ['draft', 'RFQ'],
          ['sent', 'RFQ Sent'],
          ['to approve', 'To Approve'],
          ['purchase', 'Purchase Order'],
          ['done', 'Locked'],
          ['cancel', 'Cancelled'],
        ],
        compute: (rec, store) => store.get('purchase.order', idOf(rec.order_id) ?? 0)?.state ?? false,
      }),
      company_id: m2o('res.company', 'Company', {
        compute: (rec, store) => idOf(store.get('purchase.order', idOf(rec.order_id) ?? 0)?.company_id) ?? false,
      }),
    },
    afterWrite: (store, rec, vals, env, created) => {
      // 165-167: date_planned reaches the open moves' deadline only
      if (created || !('date_planned' in vals)) return;
      for (const move of movesOfLine(store, rec.id).filter(OPEN))
        store.write('stock.move', [move.id], { date_deadline: rec.date_planned }, env);
    },
  });

  models.push({
    name: 'product.supplierinfo',
    description: 'Supplier Pricelist',
    order: 'sequence, min_qty desc, price, id',
    fields: {
      partner_id: m2o('res.partner', 'Vendor', { required: true }),
      product_tmpl_id: m2o('product.template', 'Product Template', {
        default: (store, _env, vals) => idOf(store.get('product.product', idOf(vals.product_id) ?? 0)?.product_tmpl_id) ?? false,
      }),
      product_id: m2o('product.product', 'Product Variant'),
      product_code: fd('char', 'Vendor Product Code'),
      product_name: fd('char', 'Vendor Product Name'),
      sequence: fd('integer', 'Sequence', { default: always(1) }),
      min_qty: fd('float', 'Quantity', { default: always(0) }),
      price: fd('float', 'Price', { default: always(0) }),
      delay: fd('integer', 'Delivery Lead Time', { default: always(1) }),
      company_id: m2o('res.company', 'Company', { default: always(1) }),
    },
  });

  return models;
}

/** An open move reads assigned with its demand in move lines, partially_available below it (173 / 169). */
function refreshMoveState(store: HookStore, moveId: number | undefined): void {
  const move = moveId ? store.get('stock.move', moveId) : undefined;
  if (!move || !OPEN(move) || move.state === 'draft') return;
  const qty = moveQuantity(store, move.id);
  const demand = Number(move.product_uom_qty ?? 0);
  const state = qty >= demand - 1e-9 ? 'assigned' : qty > 0 ? 'partially_available' : 'confirmed';
  if (state !== move.state) store.patch('stock.move', move.id, { state });
}

const lotOfAnotherProduct = (rec: Rec, store: StoreView) => {
  const lot = store.get('stock.lot', idOf(rec.lot_id) ?? 0);
  if (!lot || lot.product_id === rec.product_id) return undefined;
  // 096 (18) / 091 (19)
  return store.version >= 19
    ? raise.validation(`The Lot/Serial number (${String(lot.name)}) is linked to another product.`)
    : raise.validation(
        `This lot ${String(lot.name)} is incompatible with this product ${store.display('product.product', idOf(rec.product_id) ?? 0)}`,
      );
};

/**
 * What the supplier flow adds to models defined in models.ts: the vendor's code (ref) and
 * address; receipt moves linked to their purchase line with a date and a deadline; a transfer's
 * scheduled date and deadline computed from its open moves (Odoo's _compute_scheduled_date,
 * move_type direct: the earliest); move_line_ids commands on a move keep its state in step; a lot
 * of another product is refused.
 */
function extendModels(): Record<string, (def: ModelDef) => void> {
  return {
    'res.partner': (def) => Object.assign(def.fields, { ref: fd('char', 'Reference'), email: fd('char', 'Email') }),
    'stock.move': (def) => {
      Object.assign(def.fields, {
        purchase_line_id: m2o('purchase.order.line', 'Purchase Order Line'),
        date: fd('datetime', 'Date Scheduled', { required: true, default: (_s, env) => env.now }),
        date_deadline: fd('datetime', 'Deadline'),
      });
      const before = def.afterWrite;
      def.afterWrite = (store, rec, vals, env, created) => {
        before?.(store, rec, vals, env, created);
        if (!created && 'move_line_ids' in vals) refreshMoveState(store, rec.id);
      };
    },
    'stock.picking': (def) =>
      Object.assign(def.fields, {
        scheduled_date: fd('datetime', 'Scheduled Date', {
          compute: (rec, store) => {
            const moves = movesOfPicking(store, rec.id);
            const open = moves
              .filter(OPEN)
              .map((m) => String(m.date))
              .sort();
            if (open.length) return open[0];
            return (
              moves
                .map((m) => String(m.date))
                .sort()
                .at(-1) ??
              rec.create_date ??
              false
            );
          },
        }),
        date_deadline: fd('datetime', 'Deadline', {
          compute: (rec, store) =>
            movesOfPicking(store, rec.id)
              .filter((m) => OPEN(m) && m.date_deadline)
              .map((m) => String(m.date_deadline))
              .sort()[0] ?? false,
        }),
      }),
    'stock.move.line': (def) => {
      def.constraints = [...(def.constraints ?? []), lotOfAnotherProduct];
    },
  };
}

/** The supplier flow's models and partner fields, registered by the Store. */
export const PURCHASE_EXTENSION: ModelExtension = { models: purchaseModels, extend: extendModels };
