/**
 * The quality pipeline's Odoo writes, as the execution captures do them (18: 125-156, 19:
 * 120-151): the quarantine location (`stock.location.create` beside WH/Stock), an internal
 * transfer per source location (create with its moves → action_confirm → action_assign, which
 * reserves by removal strategy, so each move line is switched to the lot to move → button_validate,
 * whose backorder / immediate-transfer wizard answers are answered), `do_unreserve` of the
 * deliveries and MOs that had a held lot reserved, and `stock.scrap` from quarantine.
 *
 * Every transfer carries an origin naming the nonconformance, the action and the source location:
 * a rerun after a lost answer or a crash finds the transfer Odoo already made and does not move
 * the stock again.
 */
import { many2oneId, type OdooClient, OdooWizardError } from '../../core/odoo/index.ts';
import { EtlError } from '../../core/errors.ts';
import type { TransferPlan } from '../../transform/quality/events.ts';

export class QualityApplyError extends EtlError {}

/** The warehouse's internal transfer type. */
export async function internalPickingType(client: OdooClient, warehouseId: number): Promise<number> {
  const ids = await client.search(
    'stock.picking.type',
    [
      ['code', '=', 'internal'],
      ['warehouse_id', '=', warehouseId],
    ],
    { limit: 1 },
  );
  if (!ids[0])
    throw new QualityApplyError(
      `warehouse ${warehouseId} has no internal transfer operation type in Odoo; enable multi-step routes / locations`,
    );
  return ids[0];
}

/** Creates the quarantine location under the warehouse's view location (a sibling of WH/Stock, 125). */
export async function createQuarantine(client: OdooClient, viewLocationId: number, name: string): Promise<number> {
  const created = await client.create('stock.location', { name, location_id: viewLocationId, usage: 'internal' });
  return Array.isArray(created) ? created[0]! : created;
}

export interface TransferResult {
  pickingId: number;
  name: string;
  /** Odoo had it done already (a rerun after a lost answer or a crash) */
  found: boolean;
}

async function answerWizard(client: OdooClient, err: OdooWizardError): Promise<void> {
  const context = (err.action.context ?? {}) as Record<string, unknown>;
  const created = await client.create(err.resModel, {}, { context });
  const wizard = Array.isArray(created) ? created[0]! : created;
  // backorder: the rest is not wanted (the transfer asks exactly what is moved); immediate transfer (before 17): process
  const method = err.resModel === 'stock.backorder.confirmation' ? 'process_cancel_backorder' : 'process';
  await client.callAction(err.resModel, method, [wizard], { context });
}

/**
 * Moves the planned lots from one location to another in one internal transfer, once: a done
 * transfer with the same origin means it happened already.
 */
export async function transferLots(
  client: OdooClient,
  o: { plan: TransferPlan; origin: string; pickingTypeId: number; productId: number; uomId: number; description: string },
): Promise<TransferResult> {
  const { plan } = o;
  const existing = await client.searchRead(
    'stock.picking',
    [
      ['origin', '=', o.origin],
      ['state', '!=', 'cancel'],
    ],
    ['name', 'state'],
    { order: 'id desc', limit: 1 },
  );
  if (existing[0]?.state === 'done') return { pickingId: existing[0].id, name: String(existing[0].name), found: true };
  const version = (await client.connect()).version?.major ?? 18;
  let pickingId: number;
  if (existing[0]) pickingId = existing[0].id;
  else {
    const created = await client.create('stock.picking', {
      picking_type_id: o.pickingTypeId,
      location_id: plan.fromLocationId,
      location_dest_id: plan.toLocationId,
      origin: o.origin,
      move_ids: plan.lines.map((line) => [
        0,
        0,
        {
          ...(version >= 19 ? {} : { name: o.description }),
          product_id: o.productId,
          product_uom_qty: line.quantity,
          product_uom: o.uomId,
          location_id: plan.fromLocationId,
          location_dest_id: plan.toLocationId,
        },
      ]),
    });
    pickingId = Array.isArray(created) ? created[0]! : created;
  }
  await client.callAction('stock.picking', 'action_confirm', [pickingId], { idempotent: true });
  await client.callAction('stock.picking', 'action_assign', [pickingId], { idempotent: true });
  const [moves, lines] = await Promise.all([
    client.searchRead('stock.move', [['picking_id', '=', pickingId]], ['product_uom_qty'], { order: 'id asc' }),
    client.searchRead('stock.move.line', [['picking_id', '=', pickingId]], ['move_id', 'lot_id', 'quantity', 'location_id'], {
      order: 'id asc',
    }),
  ]);
  // the reservation follows the removal strategy (131): each move's first line takes the lot and quantity wanted
  for (const [i, move] of moves.entries()) {
    const want = plan.lines[i];
    if (!want) continue;
    const mine = lines.filter((l) => many2oneId(l.move_id) === move.id);
    const [first, ...rest] = mine;
    if (rest.length)
      await client.unlink(
        'stock.move.line',
        rest.map((l) => l.id),
      );
    const vals = { lot_id: want.lotId, quantity: want.quantity, location_id: plan.fromLocationId };
    if (first) await client.write('stock.move.line', [first.id], vals);
    else
      await client.create('stock.move.line', {
        ...vals,
        move_id: move.id,
        picking_id: pickingId,
        product_id: o.productId,
        location_dest_id: plan.toLocationId,
      });
  }
  try {
    await client.callAction('stock.picking', 'button_validate', [pickingId]);
  } catch (err) {
    if (!(err instanceof OdooWizardError)) throw err;
    await answerWizard(client, err);
  }
  const [done] = await client.read('stock.picking', [pickingId], ['name', 'state']);
  if (done?.state !== 'done')
    throw new QualityApplyError(
      `Odoo left the transfer ${String(done?.name ?? pickingId)} in state ${String(done?.state)}; check it in Inventory > Transfers`,
    );
  return { pickingId, name: String(done.name), found: false };
}

/** Unreserves pickings and MOs (do_unreserve answers None: committed). */
export async function unreserve(client: OdooClient, targets: ReadonlyArray<{ model: string; id: number }>): Promise<void> {
  for (const t of targets) await client.callAction(t.model, 'do_unreserve', [t.id], { idempotent: true });
}

/** Lets the unreserved pickings reserve again: from what is not held now. */
export async function reassign(client: OdooClient, pickingIds: readonly number[]): Promise<void> {
  if (pickingIds.length) await client.callAction('stock.picking', 'action_assign', [...pickingIds], { idempotent: true });
}

/** Scraps a lot from quarantine, once per origin. */
export async function scrapLot(
  client: OdooClient,
  o: { productId: number; lotId: number; quantity: number; locationId: number; origin: string },
): Promise<{ scrapId: number; name: string; found: boolean }> {
  const existing = await client.searchRead('stock.scrap', [['origin', '=', o.origin]], ['name', 'state'], { limit: 1, order: 'id desc' });
  if (existing[0]?.state === 'done') return { scrapId: existing[0].id, name: String(existing[0].name), found: true };
  let scrapId: number;
  if (existing[0]) scrapId = existing[0].id;
  else {
    const created = await client.create('stock.scrap', {
      product_id: o.productId,
      lot_id: o.lotId,
      scrap_qty: o.quantity,
      location_id: o.locationId,
      origin: o.origin,
    });
    scrapId = Array.isArray(created) ? created[0]! : created;
  }
  try {
    await client.callAction('stock.scrap', 'action_validate', [scrapId]);
  } catch (err) {
    if (err instanceof OdooWizardError)
      throw new QualityApplyError(`Odoo refused the scrap of lot ${o.lotId}: ${err.resModel} (not enough in quarantine?)`);
    throw err;
  }
  const [done] = await client.read('stock.scrap', [scrapId], ['name', 'state']);
  return { scrapId, name: String(done?.name ?? scrapId), found: false };
}
