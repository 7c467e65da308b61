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
 *    the client answers null, and the state is read back;
 *  - a backorder renames the order (WH/MO/00008 -> WH/MO/00008-001, done) and makes the rest a new
 *    order WH/MO/00008-002 in the same group (18 procurement_group_id, 19 production_group_id, 058):
 *    orders are therefore read by id (the release's current order), and the close step finds the
 *    backorder through the group so the request continues on it.
 */
import { EtlError } from '../../core/errors.ts';
import { type OdooClient, OdooWizardError } from '../../core/odoo/index.ts';
import type { MesReport } from '../../transform/mes/performance.ts';

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
  return out;
}

// ---- what a batch needs from Odoo, read in a few batched calls ----------------------------------------

export type MesClient = Pick<OdooClient, 'searchRead' | 'read' | 'create' | 'write' | 'call' | 'callAction' | 'loadRecords' | 'version'>;

export interface Mo {
  id: number;
  /** Odoo's name now (WH/MO/00008-001 after a backorder), not necessarily the request ID */
  name: string;
  state: string;
  productId: number;
  productQty: number;
  qtyProducing: number;
  lotId: number | null;
  /** 18 procurement_group_id, 19 production_group_id: a backorder shares it (058) */
  groupId: number | null;
}
export interface MoveLine {
  id: number;
  lotId: number | null;
  quantity: number;
}
export interface RawMove {
  id: number;
  productId: number;
  locationId: number;
  locationDestId: number;
  state: string;
  lines: MoveLine[];
}
export interface Workorder {
  id: number;
  name: string;
  workcenterId: number;
  state: string;
}

export interface OdooSnapshot {
  v19: boolean;
  /** by id */
  mos: Map<number, Mo>;
  /** Odoo name → id, of the orders read by name (requests without a release) */
  names: Map<string, number>;
  workorders: Map<number, Workorder[]>;
  rawMoves: Map<number, RawMove[]>;
  /** by default_code */
  products: Map<string, { id: number; tracking: string }>;
  /** `${product id}\u0000${lot name}` → lot id */
  lots: Map<string, number>;
  /** the loss reason of productive time (loss_type 'productive') */
  productiveLoss: number | undefined;
  workcenters: Map<string, number>;
  /** `${work order id}|${date_start}` of the time rows Odoo has */
  productivity: Map<string, number>;
  /** stock.scrap by origin */
  scraps: Map<string, { id: number; state: string }>;
  /** MOs whose move lines this run wrote (read again before the next write) */
  dirty: Set<number>;
}

export interface SnapshotInput {
  /** the orders the lines post on (the releases' current orders, the lines' pinned ones) */
  moIds: readonly number[];
  /** orders without a release: read by name */
  moNames: readonly string[];
  productCodes: readonly string[];
  lotNames: readonly string[];
  workcenterNames: readonly string[];
  scrapOrigins: readonly string[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
const idOf = (v: unknown): number | null => (Array.isArray(v) && typeof v[0] === 'number' ? v[0] : typeof v === 'number' ? v : null);
const CHUNK = 1000;

async function searchIn(
  client: MesClient,
  model: string,
  field: string,
  values: readonly unknown[],
  fields: string[],
  extra: Array<[string, string, unknown]> = [],
) {
  const out = [];
  const list = [...new Set(values)];
  for (let i = 0; i < list.length; i += CHUNK)
    out.push(...(await client.searchRead(model, [[field, 'in', list.slice(i, i + CHUNK)], ...extra], fields)));
  return out;
}

export const lotKeyOf = (productId: number, lot: string) => `${productId}\u0000${lot}`;
export const timeKeyOf = (workorderId: number, dateStart: string) => `${workorderId}|${dateStart}`;

/** Odoo 'YYYY-MM-DD HH:MM:SS' (UTC) of an ISO time. */
export function odooTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
}

const groupField = (v19: boolean) => (v19 ? 'production_group_id' : 'procurement_group_id');
const moFields = (v19: boolean) => [
  'name',
  'state',
  'product_id',
  'product_qty',
  'qty_producing',
  v19 ? 'lot_producing_ids' : 'lot_producing_id',
  groupField(v19),
];

function toMo(v19: boolean, r: Record<string, unknown> & { id: number }): Mo {
  const lot = r[v19 ? 'lot_producing_ids' : 'lot_producing_id'];
  return {
    id: r.id,
    name: String(r.name),
    state: String(r.state),
    productId: idOf(r.product_id) ?? 0,
    productQty: num(r.product_qty),
    qtyProducing: num(r.qty_producing),
    lotId: Array.isArray(lot) ? (v19 ? (typeof lot[0] === 'number' ? lot[0] : null) : idOf(lot)) : null,
    groupId: idOf(r[groupField(v19)]),
  };
}

/** Adds orders to the snapshot with their work orders, raw moves (and lines) and time rows: a few batched reads. */
async function addOrders(
  client: MesClient,
  snap: OdooSnapshot,
  rows: ReadonlyArray<Record<string, unknown> & { id: number }>,
): Promise<void> {
  for (const r of rows) snap.mos.set(r.id, toMo(snap.v19, r));
  const moIds = rows.map((r) => r.id);
  if (!moIds.length) return;
  const { workorders, rawMoves, productivity } = snap;
  const woRows = await searchIn(client, 'mrp.workorder', 'production_id', moIds, ['name', 'workcenter_id', 'production_id', 'state']);
  for (const r of woRows) {
    const mo = idOf(r.production_id) ?? 0;
    const list = workorders.get(mo) ?? [];
    list.push({ id: r.id, name: String(r.name), workcenterId: idOf(r.workcenter_id) ?? 0, state: String(r.state) });
    workorders.set(mo, list);
  }
  const moveRows = await searchIn(client, 'stock.move', 'raw_material_production_id', moIds, [
    'product_id',
    'location_id',
    'location_dest_id',
    'raw_material_production_id',
    'state',
  ]);
  const byMove = new Map<number, RawMove>();
  for (const r of moveRows) {
    const move: RawMove = {
      id: r.id,
      productId: idOf(r.product_id) ?? 0,
      locationId: idOf(r.location_id) ?? 0,
      locationDestId: idOf(r.location_dest_id) ?? 0,
      state: String(r.state),
      lines: [],
    };
    byMove.set(r.id, move);
    const mo = idOf(r.raw_material_production_id) ?? 0;
    const list = rawMoves.get(mo) ?? [];
    list.push(move);
    rawMoves.set(mo, list);
  }
  if (byMove.size)
    for (const r of await searchIn(client, 'stock.move.line', 'move_id', [...byMove.keys()], ['move_id', 'lot_id', 'quantity']))
      byMove.get(idOf(r.move_id) ?? 0)?.lines.push({ id: r.id, lotId: idOf(r.lot_id), quantity: num(r.quantity) });
  const woIds = woRows.map((w) => w.id);
  if (woIds.length)
    for (const r of await searchIn(client, 'mrp.workcenter.productivity', 'workorder_id', woIds, ['workorder_id', 'date_start']))
      productivity.set(timeKeyOf(idOf(r.workorder_id) ?? 0, String(r.date_start)), r.id);
}

export async function readSnapshot(client: MesClient, input: SnapshotInput): Promise<OdooSnapshot> {
  const v19 = (await client.version()).major >= 19;
  const snap: OdooSnapshot = {
    v19,
    mos: new Map(),
    names: new Map(),
    workorders: new Map(),
    rawMoves: new Map(),
    products: new Map(),
    lots: new Map(),
    productiveLoss: undefined,
    workcenters: new Map(),
    productivity: new Map(),
    scraps: new Map(),
    dirty: new Set(),
  };
  const byId = input.moIds.length ? await searchIn(client, 'mrp.production', 'id', input.moIds, moFields(v19)) : [];
  const byName = input.moNames.length ? await searchIn(client, 'mrp.production', 'name', input.moNames, moFields(v19)) : [];
  for (const r of byName) snap.names.set(String(r.name), r.id);
  await addOrders(client, snap, [...new Map([...byId, ...byName].map((r) => [r.id, r])).values()]);
  const { products, lots, workcenters, scraps } = snap;
  for (const r of await searchIn(client, 'product.product', 'default_code', input.productCodes, ['default_code', 'tracking']))
    products.set(String(r.default_code), { id: r.id, tracking: String(r.tracking) });
  if (input.lotNames.length)
    for (const r of await searchIn(
      client,
      'stock.lot',
      'name',
      input.lotNames,
      ['name', 'product_id'],
      [['product_id', 'in', [...products.values()].map((p) => p.id)]],
    ))
      lots.set(lotKeyOf(idOf(r.product_id) ?? 0, String(r.name)), r.id);
  const [loss] = await client.searchRead('mrp.workcenter.productivity.loss', [['loss_type', '=', 'productive']], ['name'], { limit: 1 });
  snap.productiveLoss = loss?.id;
  for (const r of await searchIn(client, 'mrp.workcenter', 'name', input.workcenterNames, ['name'])) workcenters.set(String(r.name), r.id);
  for (const r of await searchIn(client, 'stock.scrap', 'origin', input.scrapOrigins, ['origin', 'state']))
    scraps.set(String(r.origin), { id: r.id, state: String(r.state) });
  return snap;
}

/**
 * The backorder that continues a closed order (058): an open order of the same product in the
 * same group, named after it (`<base>-NNN`); the newest when several. Read into the snapshot.
 */
export async function findBackorder(client: MesClient, snap: OdooSnapshot, mo: Mo): Promise<Mo | undefined> {
  const [now] = await client.read('mrp.production', [mo.id], ['name', groupField(snap.v19)]);
  const groupId = idOf(now?.[groupField(snap.v19)]) ?? mo.groupId;
  if (groupId === null) return undefined;
  const base = String(now?.name ?? mo.name).replace(/-\d{3,}$/, '');
  const rows = await client.searchRead(
    'mrp.production',
    [
      [groupField(snap.v19), '=', groupId],
      ['id', '!=', mo.id],
      ['product_id', '=', mo.productId],
      ['state', 'not in', ['done', 'cancel']],
    ],
    moFields(snap.v19),
  );
  const candidates = rows.filter((r) => String(r.name).startsWith(`${base}-`)).sort((a, b) => b.id - a.id);
  const bo = candidates[0];
  if (!bo) return undefined;
  mo.name = String(now?.name ?? mo.name);
  await addOrders(client, snap, [bo]);
  return snap.mos.get(bo.id);
}

/** Re-reads the raw moves and their lines of one MO (after this run wrote them). */
export async function refreshRawMoves(client: MesClient, snap: OdooSnapshot, mo: Mo): Promise<void> {
  const moves = snap.rawMoves.get(mo.id) ?? [];
  if (!moves.length) return;
  for (const m of moves) m.lines = [];
  const byMove = new Map(moves.map((m) => [m.id, m]));
  for (const r of await searchIn(client, 'stock.move.line', 'move_id', [...byMove.keys()], ['move_id', 'lot_id', 'quantity']))
    byMove.get(idOf(r.move_id) ?? 0)?.lines.push({ id: r.id, lotId: idOf(r.lot_id), quantity: num(r.quantity) });
  snap.dirty.delete(mo.id);
}

/**
 * Finished lots Odoo does not have yet, made in one call: `stock.lot.load` on 18 (create is broken
 * over XML-RPC, 040-041), `create` on 19. Answers the new lots' keys → ids (already in `snap.lots`).
 */
export async function ensureLots(
  client: MesClient,
  snap: OdooSnapshot,
  wanted: ReadonlyArray<{ productId: number; name: string }>,
): Promise<Map<string, number>> {
  const made = new Map<string, number>();
  const missing = [...new Map(wanted.map((w) => [lotKeyOf(w.productId, w.name), w])).values()].filter(
    (w) => !snap.lots.has(lotKeyOf(w.productId, w.name)),
  );
  if (!missing.length) return made;
  let ids: Array<number | null>;
  if (snap.v19) {
    ids = await client.create(
      'stock.lot',
      missing.map((m) => ({ name: m.name, product_id: m.productId })),
    );
  } else {
    const loaded = await client.loadRecords(
      'stock.lot',
      ['name', 'product_id/.id'],
      missing.map((m) => [m.name, m.productId]),
    );
    ids = loaded.ids;
    const refused = loaded.rows.flatMap((r) => (r.ok ? [] : [r.message]));
    if (refused.length) throw new MesPostError(`stock.lot.load refused ${refused.length} finished lot(s): ${refused.join('; ')}`);
  }
  missing.forEach((m, i) => {
    const id = ids[i];
    if (typeof id === 'number') {
      snap.lots.set(lotKeyOf(m.productId, m.name), id);
      made.set(lotKeyOf(m.productId, m.name), id);
    }
  });
  return made;
}

// ---- posting one report line ----------------------------------------------------------------------

/** A report line cannot be posted as it stands: says what is wrong in Odoo and what to do. */
export class MesPostError extends EtlError {}

/** What was consumed of one component (cumulated over the order's reports): per lot name ('' = no lot). */
export type Consumption = Map<string, Map<string, number>>;

export function addConsumption(into: Consumption, report: MesReport): void {
  for (const m of report.consumed) {
    const lots = into.get(m.code) ?? new Map<string, number>();
    lots.set(m.lot ?? '', (lots.get(m.lot ?? '') ?? 0) + m.quantity);
    into.set(m.code, lots);
  }
}

export interface LinePolicy {
  partialCompletion: 'backorder' | 'close';
  consumptionDifference: 'accept' | 'hold';
}

export type StepName = 'times' | 'produce' | 'scrap' | 'done';

/** Told after each step reached Odoo: records it (ledger + the line's result) before the next step starts. */
export type StepRecorder = (step: StepName, model: string, ids: number[], result: Record<string, unknown>) => Promise<void>;

export interface LineOutcome {
  status: 'posted' | 'held';
  message?: string;
  calls: number;
  /** the close made a backorder: the request continues on this order */
  continuedAs?: Mo;
}

interface LineInput {
  transactionId: string;
  /** the OperationsRequest ID (the order's name when it was released) */
  moName: string;
  /** the order the line posts on (the release's current order); undefined: none found */
  moId: number | undefined;
  /** work order id → name of the request's earlier orders: a segment naming one posts on the work order of that name */
  formerWorkOrders?: ReadonlyMap<string, string>;
  report: MesReport;
  /** steps done by an earlier run (the line's result) */
  done: Record<string, unknown>;
  /** produced and consumed by this order's reports, this one included (absolute values are written) */
  producedTotal: number;
  consumption: Consumption;
  /** the scrap of this order's earlier reports: their scrap of the finished product is posted once the order is done */
  earlierScrap: ReadonlyArray<{ transactionId: string; scrap: MesReport['scrap'] }>;
}

/** The lines of one raw move as commands that leave exactly `wanted` (lot id or null → quantity). */
function lineCommands(move: RawMove, wanted: Array<{ lotId: number | null; qty: number }>): unknown[] {
  const commands: unknown[] = [];
  const lines = [...move.lines];
  wanted.forEach((w, i) => {
    const vals = { lot_id: w.lotId ?? false, quantity: w.qty, picked: true };
    const line = lines[i];
    if (line) commands.push([1, line.id, vals]);
    else
      commands.push([0, 0, { ...vals, product_id: move.productId, location_id: move.locationId, location_dest_id: move.locationDestId }]);
  });
  for (const extra of lines.slice(wanted.length)) commands.push([2, extra.id]);
  return commands;
}

/**
 * The raw moves' wanted lines: reported lots by id; quantity reported without a lot fills the
 * reserved lines in order (keeping their lots), the rest on the last one.
 */
function wantedLines(
  snap: OdooSnapshot,
  move: RawMove,
  code: string,
  lots: Map<string, number>,
): Array<{ lotId: number | null; qty: number }> {
  const out: Array<{ lotId: number | null; qty: number }> = [];
  for (const [lot, qty] of lots) {
    if (!lot) continue;
    const lotId = snap.lots.get(lotKeyOf(move.productId, lot));
    if (lotId === undefined)
      throw new MesPostError(`Odoo has no lot ${lot} of ${code}: receive it in Odoo (or correct the report), then run mes-load again`);
    out.push({ lotId, qty });
  }
  let loose = lots.get('') ?? 0;
  if (loose > 0) {
    const reserved = move.lines.filter((l) => !out.some((o) => o.lotId !== null && o.lotId === l.lotId));
    reserved.forEach((l, i) => {
      if (loose <= 1e-9) return;
      const take = i === reserved.length - 1 ? loose : Math.min(loose, l.quantity);
      out.push({ lotId: l.lotId, qty: take });
      loose -= take;
    });
    if (loose > 1e-9) out.push({ lotId: null, qty: loose });
  }
  return out;
}

function workorderOf(snap: OdooSnapshot, mo: Mo, ref: string | undefined): Workorder | undefined {
  if (!ref) return undefined;
  return (snap.workorders.get(mo.id) ?? []).find((w) => String(w.id) === ref || w.name === ref);
}

/**
 * A wizard's answer by policy. The wizard's button may answer the next wizard (18/19: confirming the
 * consumption runs button_mark_done again, which may ask for the backorder): `next`.
 */
async function answerWizard(
  client: MesClient,
  err: OdooWizardError,
  policy: LinePolicy,
  mo: Mo,
): Promise<{ held?: string; next?: OdooWizardError; calls: number }> {
  const context = (err.action.context ?? {}) as Record<string, unknown>;
  const wizard = async (model: string, button: string): Promise<{ next?: OdooWizardError; calls: number }> => {
    const [id] = await client.create(model, [{}], { context });
    try {
      await client.callAction(model, button, [id!], { context });
      return { calls: 2 };
    } catch (e) {
      // 19: action_backorder opens the backorder MO (an act_window of mrp.production): the work is done
      if (e instanceof OdooWizardError && e.resModel === 'mrp.production') return { calls: 2 };
      if (e instanceof OdooWizardError) return { next: e, calls: 2 };
      throw e;
    }
  };
  if (err.resModel === 'mrp.production.backorder')
    return wizard(err.resModel, policy.partialCompletion === 'backorder' ? 'action_backorder' : 'action_close_mo');
  if (err.resModel === 'mrp.consumption.warning') {
    if (policy.consumptionDifference === 'accept') return wizard(err.resModel, 'action_confirm');
    return {
      calls: 0,
      held: `order ${mo.name} is held: what the MES consumed differs from the BoM and mes.consumptionDifference is 'hold'. Everything else of the report is in Odoo (times, quantities, lots, scrap). Next step: check the consumption on ${mo.name} in Odoo and mark it done there (confirm the consumption warning), then run \`mfg-etl run mes-load --param retryHeld=true\` to record it; or set mes.consumptionDifference to 'accept' and run the same command`,
    };
  }
  throw new MesPostError(
    `button_mark_done on ${mo.name} answered the wizard '${err.resModel}', which mfg-etl does not answer: finish the order in Odoo, then run \`mfg-etl run mes-load --param retryHeld=true\``,
  );
}

/**
 * Posts one report line, step by step, each step first reading back (from the snapshot) whether
 * Odoo has it already, so a retry after a crash between an Odoo write and its record changes
 * Odoo once: time rows by work order + start, the production writes are absolute (total produced,
 * total consumed per lot), scrap by origin = `<transaction id>#n`, the close by the MO's state.
 */
export async function postLine(
  client: MesClient,
  snap: OdooSnapshot,
  line: LineInput,
  policy: LinePolicy,
  record: StepRecorder,
): Promise<LineOutcome> {
  const { report, done } = line;
  let calls = 0;
  const mo = line.moId === undefined ? undefined : snap.mos.get(line.moId);
  if (!mo)
    throw new MesPostError(
      line.moId === undefined
        ? `Odoo has no manufacturing order ${line.moName}: was it renamed or deleted? Check it in Odoo; the report stays failed until then`
        : `Odoo has no manufacturing order with id ${line.moId} (request ${line.moName}): was it deleted? Check it in Odoo; the report stays failed until then`,
    );
  if (mo.state === 'cancel')
    throw new MesPostError(`order ${line.moName} is cancelled in Odoo: nothing is posted; tell the MES to drop it`);
  const closed = mo.state === 'done';

  // 1. work order times: one productive time row per segment with start and end
  if (!done.times) {
    const rows: Array<Record<string, unknown>> = [];
    const existing: number[] = [];
    for (const seg of report.segments) {
      if (!seg.start || !seg.end) continue;
      const ref = seg.workOrder ?? report.workOrder;
      const wo =
        workorderOf(snap, mo, ref) ??
        workorderOf(snap, mo, ref === undefined ? undefined : line.formerWorkOrders?.get(ref)) ??
        (seg.workcenter
          ? (snap.workorders.get(mo.id) ?? []).find((w) => w.workcenterId === snap.workcenters.get(seg.workcenter!))
          : undefined);
      if (!wo)
        throw new MesPostError(
          `segment ${seg.id} of transaction ${line.transactionId} names no work order of ${mo.name} (${seg.workOrder ?? seg.workcenter ?? 'none given'}): check the order's work orders in Odoo`,
        );
      const start = odooTime(seg.start);
      const known = snap.productivity.get(timeKeyOf(wo.id, start));
      if (known !== undefined) {
        existing.push(known);
        continue;
      }
      if (snap.productiveLoss === undefined)
        throw new MesPostError(
          'Odoo has no productive loss reason (mrp.workcenter.productivity.loss with type productive): create one, then run mes-load again',
        );
      rows.push({
        workorder_id: wo.id,
        workcenter_id: (seg.workcenter && snap.workcenters.get(seg.workcenter)) || wo.workcenterId,
        date_start: start,
        date_end: odooTime(seg.end),
        loss_id: snap.productiveLoss,
        description: `MES ${line.transactionId}`,
      });
    }
    const ids = rows.length ? await client.create('mrp.workcenter.productivity', rows) : [];
    calls += rows.length ? 1 : 0;
    rows.forEach((r, i) => snap.productivity.set(timeKeyOf(Number(r.workorder_id), String(r.date_start)), ids[i]!));
    await record('times', 'mrp.workcenter.productivity', ids, { times: [...existing, ...ids] });
  }

  // 2. produced quantity and finished lot (one write on the MO), consumption with lots (one write per component move); absolute values
  if (!done.produce && !closed) {
    const vals: Record<string, unknown> = {};
    if (line.producedTotal > 0) vals.qty_producing = line.producedTotal;
    if (report.finishedLot) {
      const lotId = snap.lots.get(lotKeyOf(mo.productId, report.finishedLot));
      if (lotId === undefined)
        throw new MesPostError(`the finished lot ${report.finishedLot} of ${mo.name} could not be made in Odoo: run mes-load again`);
      if (lotId !== mo.lotId) vals[snap.v19 ? 'lot_producing_ids' : 'lot_producing_id'] = snap.v19 ? [[6, 0, [lotId]]] : lotId;
    }
    if (snap.dirty.has(mo.id)) {
      // this run wrote the order's lines for an earlier report: read them again
      await refreshRawMoves(client, snap, mo);
      calls++;
    }
    const touched = new Set(report.consumed.map((m) => m.code));
    const moveWrites: Array<{ moveId: number; vals: Record<string, unknown> }> = [];
    const pickOnly: number[] = [];
    for (const code of touched) {
      const product = snap.products.get(code);
      const move =
        product && (snap.rawMoves.get(mo.id) ?? []).find((m) => m.productId === product.id && m.state !== 'done' && m.state !== 'cancel');
      if (!move)
        throw new MesPostError(
          `order ${mo.name} has no open component move for ${code}: add the component to the order in Odoo (or correct the report), then run mes-load again`,
        );
      const wanted = wantedLines(snap, move, code, line.consumption.get(code) ?? new Map());
      // consumed exactly what was reserved (same lots, same quantities): only mark it picked
      const same =
        wanted.length === move.lines.length &&
        wanted.every((w, i) => w.lotId === move.lines[i]!.lotId && Math.abs(w.qty - move.lines[i]!.quantity) < 1e-9);
      if (same) pickOnly.push(move.id);
      else moveWrites.push({ moveId: move.id, vals: { picked: true, move_line_ids: lineCommands(move, wanted) } });
    }
    if (Object.keys(vals).length) {
      await client.write('mrp.production', [mo.id], vals);
      calls++;
      mo.qtyProducing = line.producedTotal || mo.qtyProducing;
    }
    // the moves consumed as reserved in one write; the others one write each (their lines with lots); absolute values: a repeat changes nothing
    if (pickOnly.length) {
      await client.write('stock.move', pickOnly, { picked: true });
      calls++;
    }
    for (const w of moveWrites) {
      await client.write('stock.move', [w.moveId], w.vals);
      calls++;
    }
    if (moveWrites.length) snap.dirty.add(mo.id);
    await record('produce', 'mrp.production', Object.keys(vals).length || moveWrites.length || pickOnly.length ? [mo.id] : [], {
      produce: { qtyProducing: line.producedTotal },
    });
  }

  // 3. scrap, linked to the order; found again by its origin. Odoo scraps an order's product from
  // its destination only once the order is done (before, from the component location), so scrap of
  // the finished product waits for the close, this report's and the earlier ones' alike
  const scrapDone = (done.scrap ?? {}) as Record<string, number>;
  const postScrap = async (origin: string, m: MesReport['scrap'][number]): Promise<void> => {
    const product = snap.products.get(m.code);
    if (!product) throw new MesPostError(`Odoo has no product ${m.code} to scrap for ${mo.name}: check the code, then run mes-load again`);
    let scrap = snap.scraps.get(origin);
    if (!scrap) {
      const lotId = m.lot ? snap.lots.get(lotKeyOf(product.id, m.lot)) : undefined;
      const [id] = await client.create('stock.scrap', [
        { production_id: mo.id, product_id: product.id, scrap_qty: m.quantity, origin, ...(lotId ? { lot_id: lotId } : {}) },
      ]);
      calls++;
      scrap = { id: id!, state: 'draft' };
      snap.scraps.set(origin, scrap);
    }
    if (scrap.state !== 'done') {
      try {
        await client.callAction('stock.scrap', 'action_validate', [scrap.id]);
      } catch (e) {
        if (e instanceof OdooWizardError)
          throw new MesPostError(
            `scrap of ${m.quantity} ${m.code} on ${mo.name} was refused by Odoo (${e.resModel}: not enough stock at the scrap's location); the scrap waits in draft as ${origin}: validate it in Odoo, then run mes-load again`,
          );
        throw e;
      }
      calls++;
      scrap.state = 'done';
    }
    scrapDone[origin] = scrap.id;
    await record('scrap', 'stock.scrap', [scrap.id], { scrap: { ...scrapDone } });
  };
  const isFinished = (m: MesReport['scrap'][number]) => snap.products.get(m.code)?.id === mo.productId;
  const finishedScrap: Array<{ origin: string; m: MesReport['scrap'][number] }> = [];
  for (const earlier of line.earlierScrap)
    earlier.scrap.forEach((m, i) => {
      if (isFinished(m)) finishedScrap.push({ origin: `${earlier.transactionId}#${i + 1}`, m });
    });
  for (const [i, m] of report.scrap.entries()) {
    const origin = `${line.transactionId}#${i + 1}`;
    if (isFinished(m)) finishedScrap.push({ origin, m });
    else if (scrapDone[origin] === undefined) await postScrap(origin, m);
  }

  // 4. close the order when the MES says it is complete: every wizard answered by policy
  let continuedAs: Mo | undefined;
  if (report.complete && !done.done) {
    // the rest went to a backorder: now (the backorder wizard answered) or before a crash (closed, not recorded)
    let backordered = closed;
    if (!closed) {
      let pending: OdooWizardError | undefined;
      try {
        await client.callAction('mrp.production', 'button_mark_done', [mo.id]);
      } catch (e) {
        if (!(e instanceof OdooWizardError)) throw e;
        pending = e;
      }
      calls++;
      if (pending) {
        for (let round = 0; pending; round++) {
          if (round >= 4) throw new MesPostError(`order ${mo.name}: Odoo kept answering wizards (${pending.resModel}); finish it in Odoo`);
          if (pending.resModel === 'mrp.production.backorder') backordered = true;
          const answer = await answerWizard(client, pending, policy, mo);
          calls += answer.calls;
          if (answer.held) return { status: 'held', message: answer.held, calls };
          pending = answer.next;
        }
        // wizards answer None (18) or another action: read back that the order is closed
        const [after] = await client.read('mrp.production', [mo.id], ['state']);
        calls++;
        if (after?.state !== 'done')
          throw new MesPostError(
            `order ${mo.name} is still ${String(after?.state)} after the wizards were answered: check it in Odoo, then run mes-load again`,
          );
      }
      mo.state = 'done';
    }
    if (backordered && policy.partialCompletion === 'backorder') {
      continuedAs = await findBackorder(client, snap, mo);
      calls += 2;
    }
    await record('done', 'mrp.production', closed ? [] : [mo.id], {
      done: true,
      ...(continuedAs ? { continuedAs: { id: continuedAs.id, name: continuedAs.name, qty: continuedAs.productQty } } : {}),
    });
  }
  // 5. scrap of the finished product, once the order is done (an earlier report's too: found by origin)
  if (mo.state === 'done')
    for (const { origin, m } of finishedScrap) if (snap.scraps.get(origin)?.state !== 'done') await postScrap(origin, m);
  return { status: 'posted', calls, ...(continuedAs ? { continuedAs } : {}) };
}
