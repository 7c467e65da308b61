/**
 * MANUFACTURING EXECUTION block of the test server: methods (per model, found before the generic
 * ones by methods.ts findMethod) and test helpers. Models in mrp-models.ts. Behaviour as in the
 * execution captures (18: odoo18-xmlrpc-execution, 19: odoo19-json2-execution, numbers below are
 * 18's; 19's differ by at most 2 and are given where they matter):
 *   - mrp.production action_confirm / action_assign (FIFO lot reservation) -> True; action_cancel ->
 *     True (on a done MO: 18 True and nothing happens, 19 UserError 422, 116);
 *     button_mark_done -> True, or an act_window WITHOUT doing anything: mrp.consumption.warning
 *     (081) before mrp.production.backorder (054); a lot-tracked product without lot: 18 faults
 *     (038), 19 generates lot 0000001 (039-041); action_generate_serial -> None (075);
 *   - wizards: backorder action_backorder (18 None, 19 the backorder's act_window, 057; names
 *     -001 / -002, 058), action_close_mo -> True (067), consumption action_confirm -> True (089),
 *     change.production.qty change_prod_qty -> {} scaling the moves from the current product_qty
 *     (112: 2 -> written 5 -> wizard 4 gives 1.6);
 *   - mrp.workorder button_start -> None (blocked work center: UserError, 019), button_finish -> True
 *     (raw moves picked, 032), 18-only button_done -> True (qty_produced and duration_expected 0,
 *     030), button_unblock -> True;
 *   - stock.move write `quantity` above the reserved lot line: 18 adds a line without lot (080),
 *     19 grows the lot line; stock.move.line lot_id of a missing lot -> MissingError (095 / 090);
 *   - 18 stock.lot.create over XML-RPC is the record-method bug (040 / 041), `load` works.
 */
import { raise } from './exceptions.ts';
import type { Env, Rec } from './models.ts';
import { children, finishedMoves, groupModel, idOf, moveQuantity, openBlockRows, rawMoves, workorders } from './mrp-models.ts';
import { PyFloat } from './py.ts';
import { seedXmlid } from './seed.ts';
import { locationTree, writeMoveLines } from './stock-moves.ts';
import type { Store } from './store.ts';
import { Unmarshallable } from './xmlrpc-codec.ts';

interface Scope {
  store: Store;
  env: Env;
  model: string;
  protocol: 'xmlrpc' | 'json2';
}

interface Spec {
  record: boolean;
  access?: 'create' | 'write' | 'unlink';
  params: Array<{ name: string; required?: boolean }>;
  /** only on this version */
  version?: 18 | 19;
  run(scope: Scope, ids: number[], kw: Record<string, unknown>): unknown;
}

const OPEN_MO = new Set(['confirmed', 'progress', 'to_close']);
const openMove = (m: Rec) => m.state !== 'done' && m.state !== 'cancel';
const num = (value: unknown) => Number(value instanceof PyFloat ? value.value : (value ?? 0));

function productions(store: Store, ids: number[]): Rec[] {
  return ids.map((id) => store.get('mrp.production', id)).filter((r): r is Rec => r !== undefined);
}

function lotField(store: Store): 'lot_producing_ids' | 'lot_producing_id' {
  return store.version >= 19 ? 'lot_producing_ids' : 'lot_producing_id';
}

function producingLot(store: Store, mo: Rec): number | undefined {
  const value = mo[lotField(store)];
  return Array.isArray(value) ? idOf(value[0]) : idOf(value);
}

function setProducingLot(store: Store, env: Env, moId: number, lotId: number): void {
  store.write('mrp.production', [moId], { [lotField(store)]: store.version >= 19 ? [[6, 0, [lotId]]] : lotId }, env);
}

/** Odoo's lot sequence: 0000001, 0000002, ... (075 on 18; 039 and 075 on 19). */
function nextLotName(store: Store): string {
  return String(store.nextSequence('stock.lot.serial')).padStart(7, '0');
}

function tracked(store: Store, productId: unknown): boolean {
  const tracking = store.get('product.product', idOf(productId) ?? 0)?.tracking;
  return tracking === 'lot' || tracking === 'serial';
}

function quantAt(store: Store, productId: number, locationId: number, lotId: number | false): Rec | undefined {
  return store
    .all('stock.quant')
    .find((q) => q.product_id === productId && q.location_id === locationId && (idOf(q.lot_id) ?? false) === lotId);
}

// ---- confirm / reserve / cancel ------------------------------------------------------------------

export function confirmProductions(store: Store, env: Env, ids: number[]): true {
  for (const mo of productions(store, ids)) {
    if (mo.state !== 'draft') continue;
    store.write('mrp.production', [mo.id], { state: 'confirmed' }, env);
    for (const move of [...rawMoves(store, mo.id), ...finishedMoves(store, mo.id)])
      if (move.state === 'draft') store.write('stock.move', [move.id], { state: 'confirmed' }, env);
  }
  return true;
}

/** Reserves what each open raw move still needs, FIFO (in_date, id) over its source tree (014-018). */
export function assignProductions(store: Store, env: Env, ids: number[]): true {
  const trees = new Map<number, Set<number>>();
  for (const mo of productions(store, ids)) {
    if (mo.state === 'draft') confirmProductions(store, env, [mo.id]);
    if (!OPEN_MO.has(String(store.get('mrp.production', mo.id)?.state))) continue;
    for (const move of rawMoves(store, mo.id)) {
      if (!openMove(move) || move.state === 'draft') continue;
      const source = Number(move.location_id);
      let tree = trees.get(source);
      if (!tree) trees.set(source, (tree = locationTree(store, source)));
      let needed = num(move.product_uom_qty) - moveQuantity(store, move.id);
      const product = store.get('product.product', Number(move.product_id));
      const storable = product?.is_storable !== false || product?.type === 'product';
      if (!storable) needed = 0;
      const quants = store
        .all('stock.quant')
        .filter((q) => q.product_id === move.product_id && tree.has(Number(q.location_id)))
        .sort((a, b) => String(a.in_date ?? '').localeCompare(String(b.in_date ?? '')) || a.id - b.id);
      for (const quant of quants) {
        if (needed <= 1e-9) break;
        const free = num(quant.quantity) - num(quant.reserved_quantity);
        if (free <= 1e-9) continue;
        const take = Math.min(free, needed);
        const lot = idOf(quant.lot_id) ?? false;
        const existing = children(store, 'stock.move.line', 'move_id', move.id).find(
          (l) => l.location_id === quant.location_id && (idOf(l.lot_id) ?? false) === lot,
        );
        if (existing) store.write('stock.move.line', [existing.id], { quantity: num(existing.quantity) + take }, env);
        else
          store.create(
            'stock.move.line',
            {
              move_id: move.id,
              product_id: move.product_id,
              lot_id: lot,
              quantity: take,
              location_id: quant.location_id,
              location_dest_id: move.location_dest_id,
            },
            env,
          );
        store.write('stock.quant', [quant.id], { reserved_quantity: num(quant.reserved_quantity) + take }, env);
        needed -= take;
      }
      const reserved = moveQuantity(store, move.id);
      const demand = num(move.product_uom_qty);
      const state = reserved >= demand - 1e-9 ? 'assigned' : reserved > 0 ? 'partially_available' : 'confirmed';
      store.write('stock.move', [move.id], { state }, env);
    }
  }
  return true;
}

function releaseLines(store: Store, env: Env, move: Rec): void {
  for (const line of children(store, 'stock.move.line', 'move_id', move.id)) {
    const quant = quantAt(store, Number(line.product_id), Number(line.location_id), idOf(line.lot_id) ?? false);
    if (quant)
      store.write('stock.quant', [quant.id], { reserved_quantity: Math.max(0, num(quant.reserved_quantity) - num(line.quantity)) }, env);
    store.unlink('stock.move.line', [line.id], env);
  }
}

function cancelProductions(store: Store, env: Env, ids: number[]): true {
  const mos = productions(store, ids);
  // 116: 19 refuses a done MO; 18 answers True and leaves it done (121-122)
  if (store.version >= 19 && mos.some((mo) => mo.state === 'done'))
    throw raise.userError('You cannot cancel a manufacturing order that is already done.');
  for (const mo of mos) {
    if (mo.state === 'done' || mo.state === 'cancel') continue;
    for (const move of [...rawMoves(store, mo.id), ...finishedMoves(store, mo.id)]) {
      if (!openMove(move)) continue;
      releaseLines(store, env, move);
      store.write('stock.move', [move.id], { state: 'cancel' }, env);
    }
    for (const wo of workorders(store, mo.id)) if (wo.state !== 'done') store.write('mrp.workorder', [wo.id], { state: 'cancel' }, env);
    store.write('mrp.production', [mo.id], { state: 'cancel' }, env);
  }
  return true;
}

/** write on mrp.production: work orders follow product_qty, the moves do not (109-110). */
function writeProductions(store: Store, env: Env, ids: number[], vals: Record<string, unknown>): true {
  store.write('mrp.production', ids, vals, env);
  if ('product_qty' in vals)
    for (const mo of productions(store, ids)) {
      for (const wo of workorders(store, mo.id)) {
        if (wo.state === 'done' || wo.state === 'cancel') continue;
        const op = store.get('mrp.routing.workcenter', idOf(wo.operation_id) ?? 0);
        if (op) store.write('mrp.workorder', [wo.id], { duration_expected: num(op.time_cycle_manual) * num(mo.product_qty) }, env);
      }
    }
  return true;
}

/** change.production.qty.change_prod_qty -> {} : moves scaled by new / current product_qty (111-115). */
function changeProductionQty(store: Store, env: Env, ids: number[]): Record<string, never> {
  for (const wizard of ids.map((id) => store.get('change.production.qty', id)).filter((w): w is Rec => Boolean(w))) {
    const mo = store.get('mrp.production', Number(wizard.mo_id));
    if (!mo) continue;
    const old = num(mo.product_qty) || 1;
    const factor = num(wizard.product_qty) / old;
    for (const move of [...rawMoves(store, mo.id), ...finishedMoves(store, mo.id)])
      if (openMove(move)) store.write('stock.move', [move.id], { product_uom_qty: num(move.product_uom_qty) * factor }, env);
    writeProductions(store, env, [mo.id], { product_qty: wizard.product_qty });
  }
  return {};
}

// ---- moves ---------------------------------------------------------------------------------------

/**
 * write on stock.move: `quantity` is spread over the move lines. Above what the lines hold, 18 adds
 * a line without lot for a tracked product (078-080) while 19 grows the first line (080 on 19).
 */
function writeMoves(scope: Scope, ids: number[], vals: Record<string, unknown>): true {
  const { store, env } = scope;
  const { quantity, ...rest } = vals;
  if (Object.keys(rest).length) store.write('stock.move', ids, rest, env);
  if (quantity === undefined) return true;
  const target = num(quantity);
  for (const id of ids) {
    const move = store.get('stock.move', id);
    if (!move) throw raise.missing('stock.move', [id], env.uid);
    const lines = children(store, 'stock.move.line', 'move_id', id);
    const current = lines.reduce((sum, l) => sum + num(l.quantity), 0);
    const picked = Boolean(store.get('stock.move', id)?.picked);
    if (target > current + 1e-9) {
      const extra = target - current;
      const first = lines[0];
      if (first && !(store.version < 19 && tracked(store, move.product_id) && idOf(first.lot_id)))
        store.write('stock.move.line', [first.id], { quantity: num(first.quantity) + extra }, env);
      else
        store.create(
          'stock.move.line',
          {
            move_id: id,
            product_id: move.product_id,
            quantity: extra,
            location_id: move.location_id,
            location_dest_id: move.location_dest_id,
            picked,
          },
          env,
        );
    } else if (target < current - 1e-9) {
      let left = current - target;
      for (const line of [...lines].reverse()) {
        if (left <= 1e-9) break;
        const take = Math.min(left, num(line.quantity));
        store.write('stock.move.line', [line.id], { quantity: num(line.quantity) - take }, env);
        left -= take;
      }
    }
    if (picked)
      for (const line of children(store, 'stock.move.line', 'move_id', id)) store.write('stock.move.line', [line.id], { picked }, env);
  }
  return true;
}

/** write on stock.move.line: a lot that does not exist is a MissingError on both versions (095 / 090). */
function writeLines(scope: Scope, ids: number[], vals: Record<string, unknown>): true {
  const lot = vals.lot_id;
  if (typeof lot === 'number' && lot > 0 && !scope.store.get('stock.lot', lot)) throw raise.missing('stock.lot', [lot], scope.env.uid);
  writeMoveLines(scope, ids, vals);
  return true;
}

// ---- work orders ---------------------------------------------------------------------------------

function productiveLoss(store: Store): number {
  return (
    store.xmlidToId('mrp.block_reason7') ??
    store
      .all('mrp.workcenter.productivity.loss')
      .find((l) => store.get('mrp.workcenter.productivity.loss.type', Number(l.loss_id))?.loss_type === 'productive')?.id ??
    7
  );
}

function minutesBetween(start: unknown, end: unknown): number {
  if (!start || !end) return 0;
  return Math.round((Date.parse(`${String(end)}Z`) - Date.parse(`${String(start)}Z`)) / 600) / 100;
}

function addMinutes(date: string, minutes: number): string {
  return new Date(Date.parse(`${date}Z`) + minutes * 60000).toISOString().slice(0, 19).replace('T', ' ');
}

function startWorkorders(store: Store, env: Env, ids: number[]): null {
  for (const wo of ids.map((id) => store.get('mrp.workorder', id)).filter((w): w is Rec => Boolean(w))) {
    if (wo.state === 'done' || wo.state === 'cancel' || wo.state === 'progress') continue;
    if (openBlockRows(store, Number(wo.workcenter_id)).length)
      throw raise.userError('Please unblock the work center to start the work order.');
    const mo = store.get('mrp.production', Number(wo.production_id)) as Rec;
    store.create(
      'mrp.workcenter.productivity',
      { workcenter_id: wo.workcenter_id, workorder_id: wo.id, loss_id: productiveLoss(store), date_start: env.now, description: false },
      env,
    );
    store.write('mrp.workorder', [wo.id], { state: 'progress', date_start: wo.date_start || env.now }, env);
    // 025-026: the MO is in progress, producing what is left
    const moVals: Record<string, unknown> = {};
    if (mo.state === 'confirmed') Object.assign(moVals, { state: 'progress', date_start: env.now });
    if (!num(mo.qty_producing)) moVals.qty_producing = num(mo.product_qty) - num(mo.qty_produced);
    if (Object.keys(moVals).length) store.write('mrp.production', [mo.id], moVals, env);
  }
  return null; // Python None: XML-RPC answers the `cannot marshal None` fault after the commit (023)
}

function closeTimeRows(store: Store, env: Env, woId: number): number {
  let total = 0;
  for (const row of children(store, 'mrp.workcenter.productivity', 'workorder_id', woId)) {
    if (!row.date_end) store.write('mrp.workcenter.productivity', [row.id], { date_end: env.now }, env);
    total += minutesBetween(row.date_start, store.get('mrp.workcenter.productivity', row.id)?.date_end);
  }
  return Math.round(total * 100) / 100;
}

function nextReady(store: Store, env: Env, moId: number): void {
  const next = workorders(store, moId).find((w) => w.state === 'pending' || w.state === 'blocked');
  if (next && !workorders(store, moId).some((w) => w.state === 'ready' || w.state === 'progress'))
    store.write('mrp.workorder', [next.id], { state: 'ready' }, env);
}

/** button_finish (027-032) / 18's button_done (029-030: qty_produced and duration_expected left at 0). */
function finishWorkorders(store: Store, env: Env, ids: number[], done18 = false): true {
  for (const wo of ids.map((id) => store.get('mrp.workorder', id)).filter((w): w is Rec => Boolean(w))) {
    if (wo.state === 'done' || wo.state === 'cancel') continue;
    const mo = store.get('mrp.production', Number(wo.production_id)) as Rec;
    if (mo.state === 'confirmed') store.write('mrp.production', [mo.id], { state: 'progress' }, env);
    if (!num(mo.qty_producing)) store.write('mrp.production', [mo.id], { qty_producing: num(mo.product_qty) - num(mo.qty_produced) }, env);
    if (!children(store, 'mrp.workcenter.productivity', 'workorder_id', wo.id).length)
      store.create(
        'mrp.workcenter.productivity',
        { workcenter_id: wo.workcenter_id, workorder_id: wo.id, loss_id: productiveLoss(store), date_start: env.now },
        env,
      );
    const duration = closeTimeRows(store, env, wo.id);
    const producing = num(store.get('mrp.production', mo.id)?.qty_producing);
    store.write(
      'mrp.workorder',
      [wo.id],
      {
        state: 'done',
        date_start: wo.date_start || env.now,
        date_finished: env.now,
        duration,
        qty_produced: done18 ? 0 : producing,
        ...(done18 ? { duration_expected: 0 } : {}),
      },
      env,
    );
    // 032: the components are picked with their quantity
    for (const move of rawMoves(store, mo.id)) if (openMove(move) && !move.picked) writeMovesPicked(store, env, move);
    nextReady(store, env, mo.id);
  }
  return true;
}

function writeMovesPicked(store: Store, env: Env, move: Rec): void {
  store.write('stock.move', [move.id], { picked: true }, env);
  for (const line of children(store, 'stock.move.line', 'move_id', move.id))
    store.write('stock.move.line', [line.id], { picked: true }, env);
}

/** button_unblock (022): closes the work center's open blocking rows. */
function unblockWorkorders(store: Store, env: Env, ids: number[]): true {
  for (const wo of ids.map((id) => store.get('mrp.workorder', id)).filter((w): w is Rec => Boolean(w)))
    for (const row of openBlockRows(store, Number(wo.workcenter_id)))
      store.write('mrp.workcenter.productivity', [row.id], { date_end: env.now }, env);
  return true;
}

// ---- marking done ----------------------------------------------------------------------------------

function actionDict(store: Store, resModel: string, name: string, xmlId: string, id: number, context: Record<string, unknown>) {
  const v19 = store.version >= 19;
  // key order as sent (054 / 081): 19 puts display_name first and adds `cache`
  return {
    id,
    ...(v19 ? { display_name: name } : {}),
    name,
    type: 'ir.actions.act_window',
    xml_id: xmlId,
    path: false,
    help: false,
    binding_model_id: false,
    binding_type: 'action',
    binding_view_types: 'list,form',
    ...(v19 ? {} : { display_name: name }),
    view_id: false,
    domain: false,
    context,
    res_id: 0,
    res_model: resModel,
    target: 'new',
    view_mode: 'form',
    mobile_view_mode: 'kanban',
    views: [[false, 'form']],
    limit: 80,
    ...(v19 ? { group_ids: [] } : { groups_id: [] }),
    search_view_id: false,
    embedded_action_ids: [],
    filter: false,
    ...(v19 ? { cache: true } : {}),
  };
}

function expectedQty(store: Store, mo: Rec, move: Rec, producing: number): number | undefined {
  const line = store.get('mrp.bom.line', idOf(move.bom_line_id) ?? 0);
  const bom = store.get('mrp.bom', idOf(mo.bom_id) ?? 0);
  if (!line || !bom) return undefined;
  return Math.round(((num(line.product_qty) * producing) / (num(bom.product_qty) || 1)) * 1e6) / 1e6;
}

function consumptionIssues(store: Store, mo: Rec, producing: number): Array<Record<string, unknown>> {
  const bom = store.get('mrp.bom', idOf(mo.bom_id) ?? 0);
  if (!bom || bom.consumption === 'flexible') return [];
  const out: Array<Record<string, unknown>> = [];
  for (const move of rawMoves(store, mo.id)) {
    if (!openMove(move)) continue;
    const expected = expectedQty(store, mo, move, producing);
    if (expected === undefined) continue;
    const consumed = move.picked ? moveQuantity(store, move.id) : 0;
    if (Math.abs(consumed - expected) > 1e-6)
      out.push({
        mrp_production_id: mo.id,
        product_id: move.product_id,
        consumption: bom.consumption,
        product_uom_id: move.product_uom,
        product_consumed_qty_uom: new PyFloat(consumed),
        product_expected_qty_uom: new PyFloat(expected),
      });
  }
  return out;
}

/** What button_mark_done answers: True when it finished the MOs, else the first wizard action (nothing done). */
function markDone(scope: Scope, ids: number[]): unknown {
  const { store, env } = scope;
  const mos = productions(store, ids).filter((mo) => mo.state !== 'done' && mo.state !== 'cancel');
  for (const mo of mos) {
    // 038: 18 refuses a lot-tracked product without lot (19 makes one at done, 039-041)
    if (store.version < 19 && tracked(store, mo.product_id) && !producingLot(store, mo))
      throw raise.userError(
        `You need to supply a Lot/Serial Number for product:\n- ${store.display('product.product', Number(mo.product_id))}`,
      );
    if (!num(mo.qty_producing)) store.write('mrp.production', [mo.id], { qty_producing: num(mo.product_qty) - num(mo.qty_produced) }, env);
    // nothing picked: Odoo consumes what the BoM says
    const raws = rawMoves(store, mo.id).filter(openMove);
    if (raws.length && !raws.some((m) => m.picked)) {
      const producing = num(store.get('mrp.production', mo.id)?.qty_producing);
      for (const move of raws) {
        const expected = expectedQty(store, mo, move, producing) ?? num(move.product_uom_qty);
        writeMoves(scope, [move.id], { quantity: expected, picked: true });
      }
    }
  }
  if (!env.context.skip_consumption) {
    const issues = mos.flatMap((mo) => consumptionIssues(store, mo, num(store.get('mrp.production', mo.id)?.qty_producing)));
    if (issues.length)
      return actionDict(
        store,
        'mrp.consumption.warning',
        'Consumption Warning',
        'mrp.action_mrp_consumption_warning',
        store.version >= 19 ? 414 : 409,
        {
          default_mrp_production_ids: mos.map((mo) => mo.id),
          default_mrp_consumption_warning_line_ids: issues.map((vals) => [0, 0, vals]),
          form_view_ref: false,
        },
      );
  }
  const short = mos.filter((mo) => num(store.get('mrp.production', mo.id)?.qty_producing) < num(mo.product_qty) - 1e-9);
  if (short.length && !env.context.skip_backorder) {
    const name = store.version >= 19 ? 'You produced less than the initial demand' : 'You produced less than initial demand';
    return actionDict(store, 'mrp.production.backorder', name, 'mrp.action_mrp_production_backorder', store.version >= 19 ? 413 : 408, {
      always_backorder_mo_ids: [],
      default_mrp_production_ids: mos.map((mo) => mo.id),
      default_mrp_production_backorder_line_ids: short.map((mo) => [0, 0, { mrp_production_id: mo.id, to_backorder: true }]),
    });
  }
  for (const mo of mos) finishProduction(store, env, mo.id);
  return true;
}

function moveStock(store: Store, env: Env, line: Rec, lotId: number | false): void {
  const qty = num(line.quantity);
  if (!qty) return;
  const sourceUsage = store.get('stock.location', Number(line.location_id))?.usage;
  if (sourceUsage === 'internal') {
    const source = quantAt(store, Number(line.product_id), Number(line.location_id), lotId);
    if (source)
      store.write(
        'stock.quant',
        [source.id],
        { quantity: num(source.quantity) - qty, reserved_quantity: Math.max(0, num(source.reserved_quantity) - qty) },
        env,
      );
    else store.create('stock.quant', { product_id: line.product_id, location_id: line.location_id, lot_id: lotId, quantity: -qty }, env);
  }
  if (store.get('stock.location', Number(line.location_dest_id))?.usage === 'internal') {
    const dest = quantAt(store, Number(line.product_id), Number(line.location_dest_id), lotId);
    if (dest) store.write('stock.quant', [dest.id], { quantity: num(dest.quantity) + qty }, env);
    else
      store.create(
        'stock.quant',
        { product_id: line.product_id, location_id: line.location_dest_id, lot_id: lotId, quantity: qty, in_date: env.now },
        env,
      );
  }
}

/** The MO is done with qty_producing: components consumed as picked, the finished lot stocked, work orders closed. */
function finishProduction(store: Store, env: Env, moId: number): void {
  const v19 = store.version >= 19;
  let mo = store.get('mrp.production', moId) as Rec;
  const producing = num(mo.qty_producing) || num(mo.product_qty);
  // 084: a tracked component line without lot stops everything
  for (const move of rawMoves(store, moId).filter(openMove)) {
    if (!tracked(store, move.product_id)) continue;
    if (children(store, 'stock.move.line', 'move_id', move.id).some((l) => num(l.quantity) > 0 && !idOf(l.lot_id) && !l.lot_name))
      throw raise.userError(
        `You need to supply a Lot/Serial Number for product:\n- ${store.display('product.product', Number(move.product_id))}`,
      );
  }
  if (tracked(store, mo.product_id) && !producingLot(store, mo)) {
    // 039-041 (19): the lot is generated from the sequence
    const lot = store.create('stock.lot', { name: nextLotName(store), product_id: mo.product_id }, env);
    setProducingLot(store, env, moId, lot);
    mo = store.get('mrp.production', moId) as Rec;
  }
  for (const move of rawMoves(store, moId).filter(openMove)) {
    for (const line of children(store, 'stock.move.line', 'move_id', move.id)) {
      let lot = idOf(line.lot_id) ?? false;
      if (!lot && line.lot_name) {
        lot = store.create('stock.lot', { name: line.lot_name, product_id: line.product_id }, env);
        store.write('stock.move.line', [line.id], { lot_id: lot }, env);
      }
      moveStock(store, env, line, lot);
      store.write('stock.move.line', [line.id], { picked: true }, env);
    }
    store.write('stock.move', [move.id], { state: 'done', picked: true, date: env.now }, env);
  }
  const lot = producingLot(store, mo) ?? false;
  for (const move of finishedMoves(store, moId).filter(openMove)) {
    for (const line of children(store, 'stock.move.line', 'move_id', move.id)) store.unlink('stock.move.line', [line.id], env);
    const line = store.create(
      'stock.move.line',
      {
        move_id: move.id,
        product_id: move.product_id,
        lot_id: lot,
        quantity: producing,
        location_id: move.location_id,
        location_dest_id: move.location_dest_id,
        picked: true,
      },
      env,
    );
    moveStock(store, env, store.get('stock.move.line', line) as Rec, lot);
    store.write('stock.move', [move.id], { state: 'done', picked: true, date: env.now }, env);
  }
  for (const wo of workorders(store, moId)) {
    if (wo.state === 'cancel') continue;
    const start = String(wo.date_start || env.now);
    if (v19) {
      // 047 (19): every work order's duration becomes its expected duration
      closeTimeRows(store, env, wo.id);
      store.write(
        'mrp.workorder',
        [wo.id],
        {
          state: 'done',
          duration: wo.duration_expected,
          qty_produced: producing,
          date_start: start,
          date_finished: wo.date_finished || env.now,
        },
        env,
      );
    } else if (wo.state !== 'done') {
      // 047 (18): a work order never started gets its expected duration and the planned end
      const timed = children(store, 'mrp.workcenter.productivity', 'workorder_id', wo.id).length > 0;
      const duration = timed ? closeTimeRows(store, env, wo.id) : num(wo.duration_expected);
      store.write(
        'mrp.workorder',
        [wo.id],
        {
          state: 'done',
          duration,
          qty_produced: producing,
          date_start: start,
          date_finished: timed ? env.now : addMinutes(start, num(wo.duration_expected)),
        },
        env,
      );
    }
  }
  store.write('mrp.production', [moId], { state: 'done', qty_producing: producing, qty_produced: producing, date_finished: env.now }, env);
}

function wizardProductions(store: Store, env: Env, model: string, id: number): number[] {
  const wizard = store.get(model, id);
  const fromWizard = Array.isArray(wizard?.mrp_production_ids) ? (wizard.mrp_production_ids as number[]) : [];
  const fromContext = Array.isArray(env.context.default_mrp_production_ids) ? (env.context.default_mrp_production_ids as number[]) : [];
  return fromWizard.length ? fromWizard : fromContext;
}

/** action_backorder (057-058): done with what was produced, the rest in a new MO named -002. */
function backorder(scope: Scope, ids: number[]): unknown {
  const { store, env } = scope;
  const group = groupModel(store.version >= 19).field;
  let lastBackorder: number | undefined;
  for (const wizardId of ids) {
    const lines = store.all('mrp.production.backorder.line').filter((l) => l.mrp_production_backorder_id === wizardId);
    const wanted = new Set(lines.filter((l) => l.to_backorder).map((l) => Number(l.mrp_production_id)));
    for (const moId of wizardProductions(store, env, 'mrp.production.backorder', wizardId)) {
      const mo = store.get('mrp.production', moId);
      if (!mo || mo.state === 'done' || mo.state === 'cancel') continue;
      const producing = num(mo.qty_producing);
      const rest = num(mo.product_qty) - producing;
      if (!(lines.length === 0 || wanted.has(moId)) || rest <= 1e-9) {
        finishProduction(store, env, moId);
        continue;
      }
      const base = String(mo.name).replace(/-\d{3}$/, '');
      const siblings = store.all('mrp.production').filter((other) => String(other.name).startsWith(`${base}-`) || other.id === moId);
      const sequence = Math.max(0, ...siblings.map((s) => Number(s.backorder_sequence ?? 0)));
      const own = Number(mo.backorder_sequence) || 1;
      store.write(
        'mrp.production',
        [moId],
        { name: `${base}-${String(own).padStart(3, '0')}`, backorder_sequence: own, product_qty: producing },
        env,
      );
      finishProduction(store, env, moId);
      const next = Math.max(sequence, own) + 1;
      lastBackorder = store.create(
        'mrp.production',
        {
          name: `${base}-${String(next).padStart(3, '0')}`,
          backorder_sequence: next,
          product_id: mo.product_id,
          product_uom_id: mo.product_uom_id,
          product_qty: rest,
          bom_id: mo.bom_id,
          picking_type_id: mo.picking_type_id,
          location_src_id: mo.location_src_id,
          location_dest_id: mo.location_dest_id,
          origin: mo.origin,
          [group]: mo[group],
          company_id: mo.company_id,
        },
        env,
      );
      confirmProductions(store, env, [lastBackorder]);
      assignProductions(store, env, [lastBackorder]);
    }
  }
  if (store.version < 19 || lastBackorder === undefined) return null; // 057 (18): None, the fault after the commit
  return {
    res_model: 'mrp.production',
    type: 'ir.actions.act_window',
    context: { skip_backorder: false, mo_ids_to_backorder: null },
    views: [[false, 'form']],
    view_mode: 'form',
    res_id: lastBackorder,
  };
}

function closeMo(scope: Scope, ids: number[]): true {
  for (const wizardId of ids)
    for (const moId of wizardProductions(scope.store, scope.env, 'mrp.production.backorder', wizardId)) {
      const mo = scope.store.get('mrp.production', moId);
      if (mo && mo.state !== 'done' && mo.state !== 'cancel') finishProduction(scope.store, scope.env, moId);
    }
  return true;
}

/** mrp.consumption.warning.action_confirm (084 / 089): button_mark_done without the consumption check. */
function confirmConsumption(scope: Scope, ids: number[]): unknown {
  const mos = ids.flatMap((id) => wizardProductions(scope.store, scope.env, 'mrp.consumption.warning', id));
  return markDone({ ...scope, env: { ...scope.env, context: { ...scope.env.context, skip_consumption: true } } }, mos);
}

/** action_generate_serial (075): the next lot of the sequence becomes the finished lot; None. */
function generateSerial(store: Store, env: Env, ids: number[]): null {
  for (const mo of productions(store, ids)) {
    const lot = store.create('stock.lot', { name: nextLotName(store), product_id: mo.product_id }, env);
    setProducingLot(store, env, mo.id, lot);
  }
  return null;
}

const p = (name: string, required = false) => ({ name, required });

/** Per model, then method: looked up before the generic methods. */
export const MRP_METHODS: Record<string, Record<string, Spec>> = {
  'mrp.production': {
    action_confirm: { record: true, access: 'write', params: [], run: (s, ids) => confirmProductions(s.store, s.env, ids) },
    action_assign: { record: true, access: 'write', params: [], run: (s, ids) => assignProductions(s.store, s.env, ids) },
    action_cancel: { record: true, access: 'write', params: [], run: (s, ids) => cancelProductions(s.store, s.env, ids) },
    button_mark_done: { record: true, access: 'write', params: [], run: (s, ids) => markDone(s, ids) },
    action_generate_serial: { record: true, access: 'write', params: [], run: (s, ids) => generateSerial(s.store, s.env, ids) },
    write: {
      record: true,
      access: 'write',
      params: [p('vals', true)],
      run: (s, ids, kw) => writeProductions(s.store, s.env, ids, (kw.vals ?? {}) as Record<string, unknown>),
    },
  },
  'mrp.workorder': {
    button_start: { record: true, access: 'write', params: [], run: (s, ids) => startWorkorders(s.store, s.env, ids) },
    button_finish: { record: true, access: 'write', params: [], run: (s, ids) => finishWorkorders(s.store, s.env, ids) },
    button_done: { record: true, access: 'write', params: [], version: 18, run: (s, ids) => finishWorkorders(s.store, s.env, ids, true) },
    button_unblock: { record: true, access: 'write', params: [], run: (s, ids) => unblockWorkorders(s.store, s.env, ids) },
  },
  'mrp.production.backorder': {
    action_backorder: { record: true, access: 'write', params: [], run: (s, ids) => backorder(s, ids) },
    action_close_mo: { record: true, access: 'write', params: [], run: (s, ids) => closeMo(s, ids) },
  },
  'mrp.consumption.warning': {
    action_confirm: { record: true, access: 'write', params: [], run: (s, ids) => confirmConsumption(s, ids) },
  },
  'change.production.qty': {
    change_prod_qty: { record: true, access: 'write', params: [], run: (s, ids) => changeProductionQty(s.store, s.env, ids) },
  },
  'stock.move': {
    write: {
      record: true,
      access: 'write',
      params: [p('vals', true)],
      run: (s, ids, kw) => writeMoves(s, ids, (kw.vals ?? {}) as Record<string, unknown>),
    },
  },
  'stock.move.line': {
    write: {
      record: true,
      access: 'write',
      params: [p('vals', true)],
      run: (s, ids, kw) => writeLines(s, ids, (kw.vals ?? {}) as Record<string, unknown>),
    },
  },
  'stock.lot': {
    // 040-041: the stock_account override lacks @api.model_create_multi, so 18 binds create as a
    // record method: create([vals]) misses vals_list, create([[], [vals]]) creates and cannot be sent
    create: {
      record: true,
      access: 'create',
      version: 18,
      params: [p('vals_list', true)],
      run: (s, _ids, kw) => {
        const list = (Array.isArray(kw.vals_list) ? kw.vals_list : [kw.vals_list]) as Array<Record<string, unknown>>;
        list.forEach((vals) => s.store.create('stock.lot', vals ?? {}, s.env));
        return new Unmarshallable('odoo.api.stock.lot');
      },
    },
  },
};

export function findMrpMethod(model: string, method: string, version: 18 | 19): Spec | undefined {
  const spec = MRP_METHODS[model]?.[method];
  if (!spec) return undefined;
  return spec.version === undefined || spec.version === version ? spec : undefined;
}

// ---- test helpers ----------------------------------------------------------------------------------

const TEST_ENV = (): Env => ({ uid: 2, now: new Date().toISOString().slice(0, 19).replace('T', ' '), context: {} });

type StoreHolder = Store | { store: Store };
const storeOf = (x: StoreHolder): Store => ('store' in x ? x.store : x);

export interface MrpExecutionSeed {
  /** the finished product (lot-tracked, default_code FURN_8855 "Drawer") */
  productId: number;
  bomId: number;
  /** Drawer Black, Drawer Case Black (lot-tracked), Wood Panel (untracked) */
  componentIds: { black: number; caseBlack: number; woodPanel: number };
  /** lot name -> id, the components' lots with stock in WH/Stock */
  lotIds: Map<string, number>;
  /** Drill 1 (2), Assembly 1 (1) */
  workcenterIds: { drill: number; assembly: number };
  /** Packing (Drill 1, 30 min/unit), Testing (Assembly 1, 60), Long time assembly (Assembly 1, 180) */
  operationIds: number[];
  pickingTypeId: number;
  productionLocationId: number;
}

const SEEDS = new WeakMap<Store, MrpExecutionSeed>();

/**
 * The execution captures' setting: Drawer (lot) from BoM SEC-ASSEM (consumption 'warning', 3
 * operations), components Drawer Black / Drawer Case Black (lots 0000000010001 / 0000000020045,
 * `stock` units each in WH/Stock) and Wood Panel (untracked). Idempotent per server.
 * `blockedWorkcenter`: Drill 1 gets an open "Equipment Failure" row, as in the demo data (019-021).
 */
export function seedMrpExecution(
  holder: StoreHolder,
  options: { stock?: number; blockedWorkcenter?: boolean; withUntracked?: boolean } = {},
): MrpExecutionSeed {
  const store = storeOf(holder);
  const known = SEEDS.get(store);
  if (known) return known;
  const stock = options.stock ?? 100000;
  const seed = store.transaction(() => {
    const env = TEST_ENV();
    const v19 = store.version >= 19;
    let productionLocationId = store.xmlidToId('stock.location_production');
    if (productionLocationId === undefined) {
      productionLocationId = store.create(
        'stock.location',
        { name: v19 ? 'Production' : 'Production', usage: 'production', location_id: v19 ? false : 3, company_id: 1 },
        env,
      );
      seedXmlid(store, 'stock.location_production', 'stock.location', productionLocationId);
    }
    let pickingTypeId = store.xmlidToId('stock.picking_type_manufacturing');
    if (pickingTypeId === undefined) {
      pickingTypeId = store.create(
        'stock.picking.type',
        {
          name: 'Manufacturing',
          code: 'mrp_operation',
          sequence_code: 'MO',
          warehouse_id: 1,
          default_location_src_id: 8,
          default_location_dest_id: 8,
          company_id: 1,
        },
        env,
      );
      seedXmlid(store, 'stock.picking_type_manufacturing', 'stock.picking.type', pickingTypeId);
    }
    const product = (code: string, name: string, tracking: string) =>
      store.create('product.product', { default_code: code, name, is_storable: true, tracking, standard_price: 10, uom_id: 1 }, env);
    const productId = product('FURN_8855', 'Drawer', 'lot');
    const black = product('FURN_2100', 'Drawer Black', 'lot');
    const caseBlack = product('FURN_5623', 'Drawer Case Black', 'lot');
    const woodPanel = product('FURN_7023', 'Wood Panel', 'none');
    const lotIds = new Map<string, number>();
    for (const [name, productOf] of [
      ['0000000010001', black],
      ['0000000020045', caseBlack],
    ] as const) {
      const lot = store.create('stock.lot', { name, product_id: productOf }, env);
      lotIds.set(name, lot);
      store.create(
        'stock.quant',
        { product_id: productOf, location_id: 8, lot_id: lot, quantity: stock, in_date: '2026-01-01 08:00:00' },
        env,
      );
    }
    store.create('stock.quant', { product_id: woodPanel, location_id: 8, quantity: stock, in_date: '2026-01-01 08:00:00' }, env);
    const tmpl = idOf(store.get('product.product', productId)?.product_tmpl_id);
    const bomId = store.create(
      'mrp.bom',
      { code: 'SEC-ASSEM', product_tmpl_id: tmpl, product_id: false, product_qty: 1, consumption: 'warning' },
      env,
    );
    const lines: Array<[number, number]> = [
      [black, 1],
      [caseBlack, 1],
    ];
    if (options.withUntracked !== false) lines.push([woodPanel, 2]);
    lines.forEach(([component, qty], i) =>
      store.create('mrp.bom.line', { bom_id: bomId, product_id: component, product_qty: qty, sequence: i + 1 }, env),
    );
    const operationIds = (
      [
        ['Packing', 2, 30],
        ['Testing', 1, 60],
        ['Long time assembly', 1, 180],
      ] as const
    ).map(([name, workcenter, cycle], i) =>
      store.create(
        'mrp.routing.workcenter',
        { name, bom_id: bomId, workcenter_id: workcenter, time_cycle_manual: cycle, sequence: 10 * (i + 1) },
        env,
      ),
    );
    if (options.blockedWorkcenter)
      store.create('mrp.workcenter.productivity', { workcenter_id: 2, loss_id: 2, date_start: env.now, user_id: 1 }, env);
    return {
      productId,
      bomId,
      componentIds: { black, caseBlack, woodPanel },
      lotIds,
      workcenterIds: { drill: 2, assembly: 1 },
      operationIds,
      pickingTypeId,
      productionLocationId,
    };
  });
  SEEDS.set(store, seed);
  return seed;
}

/**
 * A manufacturing order of the seeded Drawer through the ORM (as mrp.production.create +
 * action_confirm [+ action_assign] leave it); returns its id. Cheap enough for thousands.
 */
export function confirmedProduction(
  holder: StoreHolder,
  options: { qty?: number; reserve?: boolean; origin?: string; dateStart?: string; state?: 'draft' | 'confirmed' } = {},
): number {
  const store = storeOf(holder);
  const seed = seedMrpExecution(store);
  return store.transaction(() => {
    const env = TEST_ENV();
    const id = store.create(
      'mrp.production',
      {
        product_id: seed.productId,
        bom_id: seed.bomId,
        product_qty: options.qty ?? 2,
        origin: options.origin ?? false,
        ...(options.dateStart ? { date_start: options.dateStart } : {}),
      },
      env,
    );
    if (options.state === 'draft') return id;
    confirmProductions(store, env, [id]);
    if (options.reserve ?? true) assignProductions(store, env, [id]);
    return id;
  });
}

/** Runs a server-side MRP action as admin outside any RPC (the floor's side in tests). */
export function runMrp(holder: StoreHolder, model: string, method: string, ids: number[], vals: Record<string, unknown> = {}): unknown {
  const store = storeOf(holder);
  const spec = findMrpMethod(model, method, store.version);
  if (!spec) throw new Error(`no MRP method ${model}.${method} on ${store.version}`);
  return store.transaction(() => spec.run({ store, env: TEST_ENV(), model, protocol: 'json2' }, ids, { vals }));
}
