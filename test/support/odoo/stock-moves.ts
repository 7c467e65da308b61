/**
 * Transfers in the test server, as the execution captures show them (18: 125-156, 19: 120-151):
 * a picking is confirmed, reserves by FIFO from the source location and its children
 * (`action_assign`: not necessarily the lot wanted, 131), a reserved line's lot can be switched
 * (`write {lot_id, quantity}`, 132: the reservation follows), `button_validate` moves the stock
 * (`True`) or, with less than demanded, answers the `stock.backorder.confirmation` action (174)
 * whose wizard `process` makes the backorder. `do_unreserve` (pickings and MOs) answers None.
 * Stock in a location outside the source's tree (a Quarantine beside WH/Stock) is never reserved (148).
 */
import { raise } from './exceptions.ts';
import type { Rec } from './models.ts';
import type { Store } from './store.ts';
import type { Env } from './models.ts';

/** What these methods need of a call (methods.ts's CallScope has more). */
interface CallScope {
  store: Store;
  env: Env;
}

const idOf = (value: unknown): number | undefined => (typeof value === 'number' && value > 0 ? value : undefined);
const OPEN = new Set(['draft', 'waiting', 'confirmed', 'partially_available', 'assigned']);

/** The location and every location under it. */
export function locationTree(store: Store, root: number): Set<number> {
  const out = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const loc of store.all('stock.location')) {
      if (!out.has(loc.id) && out.has(idOf(loc.location_id) ?? -1)) {
        out.add(loc.id);
        grew = true;
      }
    }
  }
  return out;
}

function quantAt(store: Store, productId: number, locationId: number, lotId: number | false): Rec | undefined {
  return store
    .all('stock.quant')
    .find((q) => q.product_id === productId && q.location_id === locationId && (idOf(q.lot_id) ?? false) === (lotId || false));
}

function changeReserved(store: Store, env: Env, line: Rec, sign: 1 | -1): void {
  const quant = quantAt(store, Number(line.product_id), Number(line.location_id), idOf(line.lot_id) ?? false);
  if (!quant) return;
  const reserved = Math.max(0, Number(quant.reserved_quantity ?? 0) + sign * Number(line.quantity ?? 0));
  store.write('stock.quant', [quant.id], { reserved_quantity: reserved }, env);
}

function movesOf(store: Store, pickingIds: readonly number[]): Rec[] {
  return store.all('stock.move').filter((m) => pickingIds.includes(Number(m.picking_id)));
}

function linesOf(store: Store, moveId: number): Rec[] {
  return store.all('stock.move.line').filter((l) => l.move_id === moveId);
}

function reservedOn(store: Store, moveId: number): number {
  return linesOf(store, moveId).reduce((sum, l) => sum + Number(l.quantity ?? 0), 0);
}

function moveState(store: Store, move: Rec): string {
  const reserved = reservedOn(store, move.id);
  const demand = Number(move.product_uom_qty ?? 0);
  return reserved >= demand - 1e-9 ? 'assigned' : reserved > 0 ? 'partially_available' : 'confirmed';
}

/** A picking is Ready as soon as anything is reserved (move_type direct, 147). */
function syncPicking(store: Store, env: Env, pickingId: number): void {
  const moves = movesOf(store, [pickingId]).filter((m) => m.state !== 'cancel');
  if (moves.length === 0) return;
  const state = moves.every((m) => m.state === 'done')
    ? 'done'
    : moves.some((m) => m.state === 'assigned' || m.state === 'partially_available')
      ? 'assigned'
      : moves.every((m) => m.state === 'draft')
        ? 'draft'
        : 'confirmed';
  store.write('stock.picking', [pickingId], { state }, env);
}

export function confirmPickings(scope: CallScope, ids: number[]): unknown {
  const { store, env } = scope;
  for (const move of movesOf(store, ids)) if (move.state === 'draft') store.write('stock.move', [move.id], { state: 'confirmed' }, env);
  for (const id of ids) syncPicking(store, env, id);
  return true;
}

/** Reserves what each open move still needs, FIFO (in_date, id) over the free stock of its source tree. */
function assignMoves(store: Store, env: Env, moves: Rec[]): void {
  for (const move of moves) {
    if (!OPEN.has(String(move.state)) || move.state === 'draft') continue;
    let needed = Number(move.product_uom_qty ?? 0) - reservedOn(store, move.id);
    const tree = locationTree(store, Number(move.location_id));
    const quants = store
      .all('stock.quant')
      .filter((q) => q.product_id === move.product_id && tree.has(Number(q.location_id)))
      .sort((a, b) => String(a.in_date ?? '').localeCompare(String(b.in_date ?? '')) || a.id - b.id);
    for (const quant of quants) {
      if (needed <= 1e-9) break;
      const free = Number(quant.quantity ?? 0) - Number(quant.reserved_quantity ?? 0);
      if (free <= 1e-9) continue;
      const take = Math.min(free, needed);
      const existing = linesOf(store, move.id).find(
        (l) => l.location_id === quant.location_id && (idOf(l.lot_id) ?? false) === (idOf(quant.lot_id) ?? false),
      );
      if (existing) store.write('stock.move.line', [existing.id], { quantity: Number(existing.quantity ?? 0) + take }, env);
      else
        store.create(
          'stock.move.line',
          {
            move_id: move.id,
            picking_id: move.picking_id || false,
            product_id: move.product_id,
            lot_id: idOf(quant.lot_id) ?? false,
            quantity: take,
            location_id: quant.location_id,
            location_dest_id: move.location_dest_id,
          },
          env,
        );
      store.write('stock.quant', [quant.id], { reserved_quantity: Number(quant.reserved_quantity ?? 0) + take }, env);
      needed -= take;
    }
    store.write('stock.move', [move.id], { state: moveState(store, move) }, env);
  }
}

export function assignPickings(scope: CallScope, ids: number[]): unknown {
  const { store, env } = scope;
  for (const picking of ids.map((id) => store.get('stock.picking', id))) {
    if (!picking) continue;
    if (picking.state === 'draft') confirmPickings(scope, [picking.id]);
    assignMoves(store, env, movesOf(store, [picking.id]));
    syncPicking(store, env, picking.id);
  }
  return true;
}

/** `write` on move lines: a reserved line keeps its quant's reservation in step (lot switch, 132). */
export function writeMoveLines(scope: CallScope, ids: number[], vals: Record<string, unknown>): void {
  const { store, env } = scope;
  const reserved = ids.map((id) => store.get('stock.move.line', id)).filter((l): l is Rec => Boolean(l) && OPEN.has(moveOf(store, l!)));
  for (const line of reserved) changeReserved(store, env, line, -1);
  store.write('stock.move.line', ids, vals, env);
  for (const line of reserved) {
    const updated = store.get('stock.move.line', line.id);
    if (updated) changeReserved(store, env, updated, 1);
  }
  for (const moveId of new Set(reserved.map((l) => Number(l.move_id)))) {
    const move = store.get('stock.move', moveId);
    if (move) store.write('stock.move', [move.id], { state: moveState(store, move) }, env);
  }
}

function moveOf(store: Store, line: Rec): string {
  return String(store.get('stock.move', idOf(line.move_id) ?? 0)?.state ?? 'done');
}

export function unlinkMoveLines(scope: CallScope, ids: number[]): void {
  const { store, env } = scope;
  for (const id of ids) {
    const line = store.get('stock.move.line', id);
    if (!line) continue;
    if (moveOf(store, line) === 'done')
      throw raise.userError('You can not delete product moves if the picking is done. You can only correct the done quantities.');
    changeReserved(store, env, line, -1);
  }
  store.unlink('stock.move.line', ids, env);
}

function unreserveMoves(store: Store, env: Env, moves: Rec[]): void {
  for (const move of moves) {
    if (!OPEN.has(String(move.state))) continue;
    const lines = linesOf(store, move.id);
    for (const line of lines) changeReserved(store, env, line, -1);
    store.unlink(
      'stock.move.line',
      lines.map((l) => l.id),
      env,
    );
    store.write('stock.move', [move.id], { state: move.state === 'draft' ? 'draft' : 'confirmed' }, env);
  }
}

export function unreservePickings(scope: CallScope, ids: number[]): unknown {
  const { store, env } = scope;
  unreserveMoves(store, env, movesOf(store, ids));
  for (const id of ids) syncPicking(store, env, id);
  return null; // Python None: XML-RPC answers the `cannot marshal None` fault after the commit
}

export function unreserveProductions(scope: CallScope, ids: number[]): unknown {
  const { store, env } = scope;
  unreserveMoves(
    store,
    env,
    store.all('stock.move').filter((m) => ids.includes(Number(m.raw_material_production_id))),
  );
  return null;
}

/** Moves each line's quantity from its quant to the destination (a new quant there when none). */
function doneMoves(store: Store, env: Env, moves: Rec[]): void {
  for (const move of moves) {
    for (const line of linesOf(store, move.id)) {
      const qty = Number(line.quantity ?? 0);
      const lot = idOf(line.lot_id) ?? false;
      const source = quantAt(store, Number(line.product_id), Number(line.location_id), lot);
      if (source)
        store.write(
          'stock.quant',
          [source.id],
          {
            quantity: Number(source.quantity ?? 0) - qty,
            reserved_quantity: Math.max(0, Number(source.reserved_quantity ?? 0) - qty),
          },
          env,
        );
      else store.create('stock.quant', { product_id: line.product_id, location_id: line.location_id, lot_id: lot, quantity: -qty }, env);
      const destUsage = store.get('stock.location', Number(line.location_dest_id))?.usage;
      if (destUsage === 'internal' || destUsage === 'transit') {
        const dest = quantAt(store, Number(line.product_id), Number(line.location_dest_id), lot);
        if (dest) store.write('stock.quant', [dest.id], { quantity: Number(dest.quantity ?? 0) + qty }, env);
        else
          store.create('stock.quant', { product_id: line.product_id, location_id: line.location_dest_id, lot_id: lot, quantity: qty }, env);
      }
      store.write('stock.move.line', [line.id], { picked: true }, env);
    }
    store.write('stock.move', [move.id], { state: 'done', picked: true }, env);
  }
}

function checkLots(store: Store, moves: Rec[]): void {
  for (const move of moves) {
    const product = store.get('product.product', Number(move.product_id));
    if (product?.tracking !== 'lot' && product?.tracking !== 'serial') continue;
    if (linesOf(store, move.id).some((l) => Number(l.quantity ?? 0) > 0 && !idOf(l.lot_id) && !l.lot_name))
      throw raise.userError(`You need to supply a Lot/Serial number for product:\n- ${store.display('product.product', product.id)}`);
  }
}

/** Done with what is reserved; the rest of each move goes to a backorder (or is dropped). */
function validate(store: Store, env: Env, pickingId: number, backorder: boolean): void {
  const picking = store.get('stock.picking', pickingId) as Rec;
  const moves = movesOf(store, [pickingId]).filter((m) => OPEN.has(String(m.state)));
  const rest: Array<[Rec, number]> = [];
  for (const move of moves) {
    const left = Number(move.product_uom_qty ?? 0) - reservedOn(store, move.id);
    if (left > 1e-9) rest.push([move, left]);
    if (left > 1e-9) store.write('stock.move', [move.id], { product_uom_qty: reservedOn(store, move.id) }, env);
  }
  doneMoves(
    store,
    env,
    moves.filter((m) => reservedOn(store, m.id) > 0),
  );
  for (const move of moves) if (reservedOn(store, move.id) <= 0) store.write('stock.move', [move.id], { state: 'cancel' }, env);
  store.write('stock.picking', [pickingId], { state: 'done', date_done: env.now }, env);
  if (backorder && rest.length) {
    const moveVals = (move: Rec, qty: number) => ({
      ...(store.version >= 19 ? {} : { name: move.name }),
      product_id: move.product_id,
      product_uom_qty: qty,
      product_uom: move.product_uom,
      location_id: move.location_id,
      location_dest_id: move.location_dest_id,
      state: 'confirmed',
    });
    const id = store.create(
      'stock.picking',
      {
        picking_type_id: picking.picking_type_id,
        location_id: picking.location_id,
        location_dest_id: picking.location_dest_id,
        origin: picking.origin,
        backorder_id: pickingId,
        move_ids: rest.map(([move, qty]) => [0, 0, moveVals(move, qty)]),
      },
      env,
    );
    syncPicking(store, env, id);
  }
}

export function validatePickings(scope: CallScope, ids: number[]): unknown {
  const { store, env } = scope;
  const pickings = ids.map((id) => store.get('stock.picking', id)).filter((p): p is Rec => Boolean(p));
  for (const picking of pickings) {
    if (picking.state === 'draft') confirmPickings(scope, [picking.id]);
    const moves = movesOf(store, [picking.id]).filter((m) => OPEN.has(String(m.state)));
    if (moves.every((m) => reservedOn(store, m.id) <= 0))
      throw raise.userError(
        'You cannot validate a transfer if no quantities are reserved nor done. You can use the info button on the top right corner of your screen to check availability of the products.',
      );
    checkLots(store, moves);
  }
  const short = pickings.filter((p) =>
    movesOf(store, [p.id]).some((m) => OPEN.has(String(m.state)) && reservedOn(store, m.id) < Number(m.product_uom_qty ?? 0) - 1e-9),
  );
  const skip = env.context.skip_backorder === true;
  if (short.length && !skip) {
    // 174: the backorder wizard; nothing done yet
    return {
      name: 'Create Backorder?',
      type: 'ir.actions.act_window',
      view_mode: 'form',
      res_model: 'stock.backorder.confirmation',
      views: [[false, 'form']],
      view_id: false,
      target: 'new',
      context: {
        ...env.context,
        button_validate_picking_ids: pickings.map((p) => p.id),
        default_show_transfers: false,
        default_pick_ids: pickings.map((p) => [4, p.id]),
      },
    };
  }
  const noBackorder = new Set(
    (Array.isArray(env.context.picking_ids_not_to_backorder) ? env.context.picking_ids_not_to_backorder : []).map(Number),
  );
  for (const picking of pickings) validate(store, env, picking.id, !noBackorder.has(picking.id));
  return true;
}

/** stock.backorder.confirmation.process (backorder) / process_cancel_backorder (none). */
export function processBackorder(scope: CallScope, ids: number[], backorder: boolean): unknown {
  const { store, env } = scope;
  for (const wizard of ids.map((id) => store.get('stock.backorder.confirmation', id))) {
    const pickings = Array.isArray(wizard?.pick_ids) ? (wizard.pick_ids as number[]) : [];
    for (const id of pickings) validate(store, env, id, backorder);
  }
  return true;
}
