/**
 * MES reports into Odoo (Odoo 18 over XML-RPC, 19 over JSON-2): the reads that resolve a batch's
 * orders, work orders, raw moves and lots in a few batched calls, and the posting steps of one
 * report line (see postLine). Odoo behaviours handled (captures *-execution):
 *  - 18: `stock.lot.create` is broken over XML-RPC (040-041): new lots go through `stock.lot.load`;
 *    19 creates them normally (042);
 *  - 18 `lot_producing_id` (many2one), 19 `lot_producing_ids` (many2many `[[6, 0, [id]]]`, 043); set
 *    BEFORE button_mark_done: 19 marks a lot-less MO done with a lot of its own (039-041);
 *  - writing stock.move.quantity over the reserved lot line adds a lot-less line on 18 (078-080)
 *    but grows the line on 19: lot-tracked components are written line by line (move_line_ids
 *    commands with lot_id and quantity), the same on both;
 *  - button_mark_done answers True, or a wizard action without doing anything (054, 081):
 *    mrp.production.backorder (action_backorder / action_close_mo) or mrp.consumption.warning
 *    (action_confirm), created with the action's context;
 *  - None answers (18: action_backorder, 057) arrive as `cannot marshal None` after the commit:
 *    the client answers null, and the state is read back.
 */
import type { OdooClient } from '../../core/odoo/index.ts';
import { many2oneId } from '../../core/odoo/values.ts';

/** `${product code}\u0000${lot name}` of the component lots Odoo knows (one search_read for the file). */
export async function knownComponentLots(
  client: Pick<OdooClient, 'searchRead'>,
  lots: ReadonlyArray<{ code: string; lot: string }>,
): Promise<Set<string>> {
  const out = new Set<string>();
  if (lots.length === 0) return out;
  const names = [...new Set(lots.map((l) => l.lot))];
  const codes = [...new Set(lots.map((l) => l.code))];
  const rows = await client.searchRead(
    'stock.lot',
    [
      ['name', 'in', names],
      ['product_id.default_code', 'in', codes],
    ],
    ['name', 'product_id'],
  );
  for (const r of rows) {
    // product_id answers [id, "[CODE] Name"]: the code is in the display name
    const display = Array.isArray(r.product_id) ? String(r.product_id[1] ?? '') : '';
    const code = /^\[([^\]]+)\]/.exec(display)?.[1];
    if (code) out.add(`${code}\u0000${String(r.name)}`);
    else for (const c of codes) out.add(`${c}\u0000${String(r.name)}`); // no code shown: the domain matched one of ours
  }
  void many2oneId;
  return out;
}
