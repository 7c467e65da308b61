/**
 * Shop floor into Odoo: the reads that resolve what the historian names (work centers by code,
 * loss reasons by external id or name, products by internal reference, the scrap location, the
 * work order that ran on a work center), and `stock.scrap.action_validate`. Downtime
 * (`mrp.workcenter.productivity`) and scrap (`stock.scrap`) are written through `load` with an
 * external id in module `mfg_etl` by the shared write path (load/odoo-ledger/write.ts).
 *
 * Odoo behaviours handled here (captures 18: 021, 087-091, 096-100; 19: 060-064):
 *  - datetimes in `load` are read in the caller's time zone: always sent with context tz 'UTC';
 *  - an unknown loss reason fails the whole `load` call (ids false + messages): reasons are
 *    checked against `mrp.workcenter.productivity.loss` first and sent by database id;
 *  - `action_validate` answers True when the scrap is done, and an act_window for
 *    `stock.warn.insufficient.qty.scrap` when stock is short: the scrap then stays in draft.
 */
import { type OdooClient, OdooMissingRecordError, OdooValidationError, OdooWizardError } from '../../core/odoo/index.ts';
import { many2oneId, many2oneName } from '../../core/odoo/values.ts';
import { odooDatetime } from '../../transform/historian/load-plan.ts';

export type ShopfloorClient = Pick<OdooClient, 'searchRead' | 'read' | 'loadRecords' | 'callAction' | 'options'>;

const LOSS_MODEL = 'mrp.workcenter.productivity.loss';
export const INSUFFICIENT_QTY_WIZARD = 'stock.warn.insufficient.qty.scrap';
/** `load` reads datetimes in this zone: we send UTC */
export const UTC = { tz: 'UTC' } as const;

function parseOdooDatetime(value: unknown): Date | null {
  return typeof value === 'string' && value ? new Date(`${value.replace(' ', 'T')}Z`) : null;
}

// ---- reads --------------------------------------------------------------------------------------

export interface Workcenter {
  id: number;
  code: string;
  name: string;
}

/** Active work centers by code (one search_read); a code held twice: the first in Odoo's order. */
export async function findWorkcenters(client: ShopfloorClient, codes: readonly string[]): Promise<Map<string, Workcenter>> {
  const out = new Map<string, Workcenter>();
  if (codes.length === 0) return out;
  for (const r of await client.searchRead('mrp.workcenter', [['code', 'in', [...new Set(codes)]]], ['code', 'name'])) {
    const code = String(r.code);
    if (!out.has(code)) out.set(code, { id: r.id, code, name: String(r.name) });
  }
  return out;
}

export interface LossReason {
  id: number;
  name: string;
  lossType: string | null;
}

export interface LossCatalog {
  reasons: readonly LossReason[];
  /** by external id (module.name) when Odoo has it, else by name (exact, then ignoring case) */
  resolve(reason: string): LossReason | undefined;
}

/** Odoo's loss reasons, and the external ids of those named `module.name` in `reasons`. */
export async function readLossReasons(client: ShopfloorClient, reasons: readonly string[]): Promise<LossCatalog> {
  const losses: LossReason[] = (await client.searchRead(LOSS_MODEL, [], ['name', 'loss_type'])).map((r) => ({
    id: r.id,
    name: String(r.name),
    lossType: typeof r.loss_type === 'string' ? r.loss_type : null,
  }));
  const byId = new Map(losses.map((l) => [l.id, l]));
  const byXmlid = new Map<string, LossReason>();
  const modules = [...new Set(reasons.filter((r) => r.includes('.')).map((r) => r.slice(0, r.indexOf('.'))))];
  if (modules.length > 0) {
    const rows = await client.searchRead(
      'ir.model.data',
      [
        ['model', '=', LOSS_MODEL],
        ['module', 'in', modules],
      ],
      ['module', 'name', 'res_id'],
    );
    for (const r of rows) {
      const loss = byId.get(Number(r.res_id));
      if (loss) byXmlid.set(`${String(r.module)}.${String(r.name)}`, loss);
    }
  }
  return {
    reasons: losses,
    resolve(reason) {
      // a name may hold a dot ("Equip. failure"): an unknown external id falls back to the name
      return (
        byXmlid.get(reason) ?? losses.find((l) => l.name === reason) ?? losses.find((l) => l.name.toLowerCase() === reason.toLowerCase())
      );
    },
  };
}

export interface Product {
  id: number;
  code: string;
  name: string;
}

/** Active products by internal reference (default_code). */
export async function findProducts(client: ShopfloorClient, codes: readonly string[]): Promise<Map<string, Product>> {
  const out = new Map<string, Product>();
  if (codes.length === 0) return out;
  for (const r of await client.searchRead('product.product', [['default_code', 'in', [...new Set(codes)]]], ['default_code', 'name'])) {
    const code = String(r.default_code);
    if (!out.has(code)) out.set(code, { id: r.id, code, name: String(r.name) });
  }
  return out;
}

/** An internal location by its complete name ("WH/Stock"). */
export async function findLocation(client: ShopfloorClient, completeName: string): Promise<{ id: number; name: string } | undefined> {
  const [r] = await client.searchRead('stock.location', [['complete_name', '=', completeName]], ['complete_name'], { limit: 1 });
  return r ? { id: r.id, name: String(r.complete_name) } : undefined;
}

export interface WorkorderSpan {
  id: number;
  name: string;
  productId: number | null;
  productName: string | null;
  productionName: string | null;
  state: string;
  start: Date | null;
  /** null: still running */
  end: Date | null;
}

/** Work orders in progress or done on a work center that overlap [from, to). */
export async function workordersOn(client: ShopfloorClient, workcenterId: number, from: Date, to: Date): Promise<WorkorderSpan[]> {
  const rows = await client.searchRead(
    'mrp.workorder',
    [
      ['workcenter_id', '=', workcenterId],
      ['state', 'in', ['progress', 'done']],
      ['date_start', '<', odooDatetime(to)],
      '|',
      ['date_finished', '=', false],
      ['date_finished', '>', odooDatetime(from)],
    ],
    ['name', 'product_id', 'production_id', 'state', 'date_start', 'date_finished'],
  );
  return rows.map((r) => ({
    id: r.id,
    name: String(r.name),
    productId: many2oneId(r.product_id),
    productName: many2oneName(r.product_id),
    productionName: many2oneName(r.production_id),
    state: String(r.state),
    start: parseOdooDatetime(r.date_start),
    end: parseOdooDatetime(r.date_finished),
  }));
}

/**
 * The work order that ran longest inside [from, to) (a running one counts until `now`); on a tie
 * the later start: the scrap of a shift is charged to what was on the machine most of the time.
 */
export function workorderDuring(orders: readonly WorkorderSpan[], from: Date, to: Date, now: Date = new Date()): WorkorderSpan | undefined {
  let best: { order: WorkorderSpan; overlap: number; start: number } | undefined;
  for (const order of orders) {
    if (!order.start || order.productId === null) continue;
    const start = Math.max(order.start.getTime(), from.getTime());
    const end = Math.min((order.end ?? now).getTime(), to.getTime());
    const overlap = end - start;
    if (overlap <= 0) continue;
    if (!best || overlap > best.overlap || (overlap === best.overlap && order.start.getTime() > best.start))
      best = { order, overlap, start: order.start.getTime() };
  }
  return best?.order;
}

export interface ScrapState {
  id: number;
  state: string;
  quantity: number;
}

/** State of scraps written earlier; a scrap deleted in Odoo is absent from the answer. */
export async function scrapStates(client: ShopfloorClient, ids: readonly number[]): Promise<Map<number, ScrapState>> {
  const out = new Map<number, ScrapState>();
  if (ids.length === 0) return out;
  for (const r of await client.read('stock.scrap', [...ids], ['state', 'scrap_qty']))
    out.set(r.id, { id: r.id, state: String(r.state), quantity: Number(r.scrap_qty ?? 0) });
  return out;
}

// ---- validation ---------------------------------------------------------------------------------

export type ScrapValidation = { status: 'validated'; message: null } | { status: 'insufficient_quantity' | 'failed'; message: string };

/**
 * `action_validate` on one scrap. Not retried after a lost answer: validating twice would move
 * the stock twice; the next run reads the scrap's state first instead.
 */
export async function validateScrap(client: ShopfloorClient, id: number): Promise<ScrapValidation> {
  try {
    const result = await client.callAction('stock.scrap', 'action_validate', [id]);
    if (result === true) return { status: 'validated', message: null };
    return { status: 'failed', message: `stock.scrap.action_validate answered ${JSON.stringify(result)?.slice(0, 100)} instead of True` };
  } catch (err) {
    if (err instanceof OdooWizardError) {
      if (err.resModel === INSUFFICIENT_QTY_WIZARD) {
        const context = (err.action.context ?? {}) as Record<string, unknown>;
        const wanted =
          typeof context.default_quantity === 'number'
            ? ` (${context.default_quantity} ${String(context.default_product_uom_name ?? '')})`.replace(' )', ')')
            : '';
        return {
          status: 'insufficient_quantity',
          message: `Odoo: not enough stock to scrap${wanted} at the source location; the scrap stays in draft (${INSUFFICIENT_QTY_WIZARD})`,
        };
      }
      return { status: 'failed', message: `Odoo answered the wizard ${err.resModel}: the scrap was not validated` };
    }
    // Odoo refusing this scrap stays with its row; anything else (transient, access) stops the run
    if (err instanceof OdooValidationError || err instanceof OdooMissingRecordError) return { status: 'failed', message: err.message };
    throw err;
  }
}
