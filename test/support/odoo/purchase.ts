/**
 * SUPPLIER FLOW block of the test server, methods and test helpers: purchase.order.button_confirm
 * (execution captures 161 / 157) and the warehouse's side that mfg-etl never does (receiving).
 * The models are in purchase-models.ts.
 */
import type { Env } from './models.ts';
import { idOf, lineUomField, movesOfLine, OPEN, unitSize } from './purchase-models.ts';
import type { Store } from './store.ts';

/** purchase.order.button_confirm (161 / 157): the order is confirmed, its receipt made. Answers True. */
function buttonConfirm(store: Store, env: Env, ids: number[]): unknown {
  const v19 = store.version >= 19;
  for (const id of ids) {
    const order = store.get('purchase.order', id);
    if (!order || !['draft', 'sent', 'to approve'].includes(String(order.state))) continue;
    store.write('purchase.order', [id], { state: 'purchase' }, env);
    const lines = store.all('purchase.order.line').filter((l) => l.order_id === id && idOf(l.product_id));
    if (lines.length === 0) continue;
    const picking = store.create(
      'stock.picking',
      {
        name: `WH/IN/${String(store.nextSequence('stock.picking.in') + 6).padStart(5, '0')}`,
        picking_type_id: store.xmlidToId('stock.picking_type_in') ?? 1,
        origin: order.name,
        partner_id: order.partner_id,
        location_id: 4,
        location_dest_id: 8,
      },
      env,
    );
    for (const line of lines) {
      const product = store.get('product.product', Number(line.product_id));
      const demand = (Number(line.product_qty ?? 0) * unitSize(store, line[lineUomField(v19)])) / unitSize(store, product?.uom_id ?? false);
      const move = store.create(
        'stock.move',
        {
          ...(v19 ? {} : { name: String(line.name || product?.name || '') }),
          origin: order.name,
          product_id: line.product_id,
          product_uom_qty: demand,
          date: line.date_planned || env.now,
          date_deadline: line.date_planned || false,
          picking_id: picking,
          purchase_line_id: line.id,
          location_id: 4,
          location_dest_id: 8,
          state: 'assigned',
        },
        env,
      );
      store.create(
        'stock.move.line',
        { move_id: move, picking_id: picking, product_id: line.product_id, quantity: demand, location_id: 4, location_dest_id: 8 },
        env,
      );
    }
    store.write('stock.picking', [picking], { state: 'assigned' }, env);
  }
  return true;
}

/** Shaped like methods.ts MethodSpec (not imported: methods.ts imports this file). */
export const PURCHASE_METHODS: Record<
  string,
  {
    record: boolean;
    access?: 'create' | 'write' | 'unlink';
    models?: string[];
    params: Array<{ name: string; required?: boolean }>;
    run(scope: { store: Store; env: Env }, ids: number[]): unknown;
  }
> = {
  button_confirm: {
    record: true,
    access: 'write',
    models: ['purchase.order'],
    params: [],
    run: (scope, ids) => buttonConfirm(scope.store, scope.env, ids),
  },
};

// ---- helpers for tests (the warehouse's side, which mfg-etl never does) -------------------------

const TEST_ENV = (): Env => ({ uid: 2, now: new Date().toISOString().slice(0, 19).replace('T', ' '), context: {} });

/**
 * The warehouse receives `quantity` of a purchase line's open move (validation without backorder
 * wizard): the move is done with that quantity; what is left stays open in a new move of the same
 * receipt, as a backorder would (177).
 */
export function receive(store: Store, lineId: number, quantity: number): void {
  store.transaction(() => {
    const env = TEST_ENV();
    const move = movesOfLine(store, lineId).find(OPEN);
    if (!move) throw new Error(`purchase line ${lineId} has no open move`);
    const demand = Number(move.product_uom_qty ?? 0);
    for (const line of store.all('stock.move.line').filter((l) => l.move_id === move.id)) store.unlink('stock.move.line', [line.id], env);
    store.create(
      'stock.move.line',
      {
        move_id: move.id,
        picking_id: move.picking_id,
        quantity,
        picked: true,
        location_id: move.location_id,
        location_dest_id: move.location_dest_id,
      },
      env,
    );
    store.patch('stock.move', move.id, { state: 'done', product_uom_qty: quantity, picked: true });
    if (demand > quantity) {
      const rest = store.create(
        'stock.move',
        {
          ...(store.version >= 19 ? {} : { name: move.name }),
          origin: move.origin,
          location_id: move.location_id,
          location_dest_id: move.location_dest_id,
          product_id: move.product_id,
          product_uom_qty: demand - quantity,
          date: move.date,
          date_deadline: move.date_deadline,
          picking_id: move.picking_id,
          purchase_line_id: lineId,
          state: 'assigned',
        },
        env,
      );
      store.create(
        'stock.move.line',
        { move_id: rest, picking_id: move.picking_id, quantity: demand - quantity, location_id: 4, location_dest_id: 8 },
        env,
      );
    }
    const open = store.all('stock.move').some((m) => m.picking_id === move.picking_id && OPEN(m));
    store.write(
      'stock.picking',
      [Number(move.picking_id)],
      { state: open ? 'assigned' : 'done', ...(open ? {} : { date_done: env.now }) },
      env,
    );
  });
}

/** A confirmed purchase order through the ORM, as button_confirm leaves it; returns its id and line ids. */
export function confirmedOrder(
  store: Store,
  partnerId: number,
  lines: Array<{ productId: number; qty: number; date: string; price?: number; uomId?: number }>,
): { orderId: number; lineIds: number[] } {
  return store.transaction(() => {
    const env = TEST_ENV();
    const uomField = lineUomField(store.version >= 19);
    const orderId = store.create(
      'purchase.order',
      {
        partner_id: partnerId,
        order_line: lines.map((l) => [
          0,
          0,
          {
            product_id: l.productId,
            product_qty: l.qty,
            price_unit: l.price ?? 1,
            date_planned: l.date,
            ...(l.uomId ? { [uomField]: l.uomId } : {}),
          },
        ]),
      },
      env,
    );
    buttonConfirm(store, env, [orderId]);
    const lineIds = store
      .all('purchase.order.line')
      .filter((l) => l.order_id === orderId)
      .map((l) => l.id);
    return { orderId, lineIds };
  });
}
