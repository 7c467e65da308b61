/**
 * MANUFACTURING EXECUTION block of the test server (models; the methods and test helpers are in
 * mrp.ts). Built from the execution captures (18: ../shared/reference/odoo18-xmlrpc-execution,
 * 19: odoo19-json2-execution):
 *   - mrp.production as the release read sees it (003/012): moves and work orders made at create
 *     from the BoM (lines scaled by qty, operations with duration_expected = cycle × qty),
 *     reservation_state, qty_producing / qty_produced, backorder_sequence, the group
 *     (18 procurement_group_id, 19 production_group_id), the finished lot (18 lot_producing_id,
 *     19 many2many lot_producing_ids: reading the 18 name fails as in 002);
 *   - work orders (operation_id, duration_expected, duration, qty_produced, time_ids; the ones after
 *     the first wait: 18 'pending', 19 'blocked'), work center working_state (blocked by an open
 *     non-productive time row, 019-022), productivity rows with workorder_id / production_id;
 *   - raw / finished moves (raw_material_production_id / production_id, has_tracking, lot_ids,
 *     18's `scrapped`), stock.scrap production_id (scrap move linked to the MO, 099-103 / 094-098);
 *   - the wizards mrp.production.backorder(.line), mrp.consumption.warning(.line) (created with
 *     the action's context) and change.production.qty.
 * One2many reads of MOs and moves go through an id index kept by afterWrite hooks, so thousands of
 * orders stay fast (a benchmark makes 5,000).
 */
import type { FieldDef, HookStore, ModelDef, ModelExtension, Rec, StoreView } from './models.ts';

const fd = (type: FieldDef['type'], string: string, extra: Partial<FieldDef> = {}): FieldDef => ({ type, string, ...extra });
const m2o = (relation: string, string: string, extra: Partial<FieldDef> = {}): FieldDef => fd('many2one', string, { relation, ...extra });
const always = (value: unknown) => (): unknown => value;

export function idOf(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined;
}

// ---- children index -------------------------------------------------------------------------------

/** `${model}.${field}` -> parent id -> child ids (may hold stale ids: readers re-check the link). */
const INDEXES = new WeakMap<StoreView, Map<string, Map<number, Set<number>>>>();

function indexOf(store: StoreView, key: string): Map<number, Set<number>> {
  let byStore = INDEXES.get(store);
  if (!byStore) INDEXES.set(store, (byStore = new Map()));
  let index = byStore.get(key);
  if (!index) byStore.set(key, (index = new Map()));
  return index;
}

function track(store: StoreView, model: string, field: string, rec: Rec): void {
  const parent = idOf(rec[field]);
  if (parent === undefined) return;
  const index = indexOf(store, `${model}.${field}`);
  let set = index.get(parent);
  if (!set) index.set(parent, (set = new Set()));
  set.add(rec.id);
}

/** Records of `model` whose `field` points at `parentId`, by id. */
export function children(store: StoreView, model: string, field: string, parentId: number): Rec[] {
  const set = indexOf(store, `${model}.${field}`).get(parentId);
  if (!set) return [];
  const out: Rec[] = [];
  for (const id of set) {
    const rec = store.get(model, id);
    if (rec && rec[field] === parentId) out.push(rec);
  }
  return out.sort((a, b) => a.id - b.id);
}

const ids = (recs: Rec[]) => recs.map((r) => r.id);

/** Keeps the index of the given many2one fields of a model after each create / write. */
function indexed(def: ModelDef, fields: string[]): void {
  const before = def.afterWrite;
  def.afterWrite = (store, rec, vals, env, created) => {
    for (const field of fields) track(store, def.name, field, rec);
    before?.(store, rec, vals, env, created);
  };
}

export function moveQuantity(store: StoreView, moveId: number): number {
  return children(store, 'stock.move.line', 'move_id', moveId).reduce((sum, l) => sum + Number(l.quantity ?? 0), 0);
}

export function rawMoves(store: StoreView, moId: number): Rec[] {
  return children(store, 'stock.move', 'raw_material_production_id', moId).filter((m) => !m.scrapped && !m.is_scrap);
}

export function finishedMoves(store: StoreView, moId: number): Rec[] {
  return children(store, 'stock.move', 'production_id', moId);
}

export function workorders(store: StoreView, moId: number): Rec[] {
  return children(store, 'mrp.workorder', 'production_id', moId).sort(
    (a, b) => Number(a.sequence ?? 0) - Number(b.sequence ?? 0) || a.id - b.id,
  );
}

/** 'assigned' when every open raw move is reserved, 'confirmed' when some is not; false on draft / done. */
function reservationState(rec: Rec, store: StoreView): unknown {
  if (!['confirmed', 'progress', 'to_close'].includes(String(rec.state))) return false;
  const open = rawMoves(store, rec.id).filter((m) => m.state !== 'done' && m.state !== 'cancel');
  if (open.length === 0) return 'assigned';
  if (open.every((m) => m.state === 'assigned')) return 'assigned';
  return open.some((m) => m.state === 'waiting') ? 'waiting' : 'confirmed';
}

/** A work center is blocked while an availability / quality time row is open (020-021). */
export function openBlockRows(store: StoreView, workcenterId: number): Rec[] {
  return children(store, 'mrp.workcenter.productivity', 'workcenter_id', workcenterId).filter((row) => {
    if (row.date_end) return false;
    const loss = store.get('mrp.workcenter.productivity.loss', idOf(row.loss_id) ?? 0);
    const type = store.get('mrp.workcenter.productivity.loss.type', idOf(loss?.loss_id) ?? 0)?.loss_type;
    return type !== 'productive' && type !== 'performance';
  });
}

// ---- models -----------------------------------------------------------------------------------

type NewModel = Omit<ModelDef, 'fields' | 'order'> & { order?: string; fields: Record<string, FieldDef> };

/** The context's default_* value ([[0,0,vals]] commands or ids), as the wizards read it. */
const fromContext =
  (key: string, fallback: unknown = []) =>
  (_s: StoreView, env: { context: Record<string, unknown> }): unknown =>
    env.context[key] ?? fallback;

export function groupModel(v19: boolean): { model: string; field: string } {
  return v19
    ? { model: 'mrp.production.group', field: 'production_group_id' }
    : { model: 'procurement.group', field: 'procurement_group_id' };
}

function mrpModels(v19: boolean): NewModel[] {
  const group = groupModel(v19);
  return [
    {
      name: group.model,
      description: v19 ? 'Production Group' : 'Procurement Group',
      fields: { name: fd('char', 'Reference', { required: true }) },
    },
    {
      name: 'mrp.production.backorder',
      description: 'Wizard to mark as done or create back order',
      fields: {
        mrp_production_ids: fd('many2many', 'Manufacturing Orders', {
          relation: 'mrp.production',
          default: fromContext('default_mrp_production_ids'),
        }),
        mrp_production_backorder_line_ids: fd('one2many', 'Backorder Confirmation Lines', {
          relation: 'mrp.production.backorder.line',
          inverse: 'mrp_production_backorder_id',
          default: fromContext('default_mrp_production_backorder_line_ids'),
        }),
      },
    },
    {
      name: 'mrp.production.backorder.line',
      description: 'Backorder Confirmation Line',
      fields: {
        mrp_production_backorder_id: m2o('mrp.production.backorder', 'MO Backorder', { required: true }),
        mrp_production_id: m2o('mrp.production', 'Manufacturing Order', { required: true }),
        to_backorder: fd('boolean', 'To Backorder'),
      },
    },
    {
      name: 'mrp.consumption.warning',
      description: 'Wizard in case of consumption in warning/strict and more component has been used for a MO (related to the bom)',
      fields: {
        mrp_production_ids: fd('many2many', 'Manufacturing Orders', {
          relation: 'mrp.production',
          default: fromContext('default_mrp_production_ids'),
        }),
        consumption: fd('selection', 'Consumption', {
          selection: [
            ['flexible', 'Allowed'],
            ['warning', 'Allowed with warning'],
            ['strict', 'Blocked'],
          ],
          compute: (rec, store) => {
            const lines = store.all('mrp.consumption.warning.line').filter((l) => l.mrp_consumption_warning_id === rec.id);
            return lines.some((l) => l.consumption === 'strict') ? 'strict' : lines.length ? 'warning' : 'flexible';
          },
        }),
        mrp_consumption_warning_line_ids: fd('one2many', 'Mrp Consumption Warning Line', {
          relation: 'mrp.consumption.warning.line',
          inverse: 'mrp_consumption_warning_id',
          default: fromContext('default_mrp_consumption_warning_line_ids'),
        }),
      },
    },
    {
      name: 'mrp.consumption.warning.line',
      description: 'Line of issue consumption',
      fields: {
        mrp_consumption_warning_id: m2o('mrp.consumption.warning', 'Parent Wizard', { required: true }),
        mrp_production_id: m2o('mrp.production', 'Manufacturing Order', { required: true }),
        consumption: fd('selection', 'Consumption', {
          selection: [
            ['flexible', 'Allowed'],
            ['warning', 'Allowed with warning'],
            ['strict', 'Blocked'],
          ],
        }),
        product_id: m2o('product.product', 'Product', { required: true }),
        product_uom_id: m2o('uom.uom', 'Unit'),
        product_consumed_qty_uom: fd('float', 'Consumed'),
        product_expected_qty_uom: fd('float', 'To Consume'),
      },
    },
    {
      name: 'change.production.qty',
      description: 'Change Production Qty',
      fields: {
        mo_id: m2o('mrp.production', 'Manufacturing Order', { required: true }),
        product_qty: fd('float', 'Quantity To Produce', { required: true }),
      },
    },
  ];
}

const productionStates: Array<[string, string]> = [
  ['draft', 'Draft'],
  ['confirmed', 'Confirmed'],
  ['progress', 'In Progress'],
  ['to_close', 'To Close'],
  ['done', 'Done'],
  ['cancel', 'Cancelled'],
];

function extendModels(v19: boolean): Record<string, (def: ModelDef) => void> {
  const group = groupModel(v19);
  return {
    'mrp.production': (def) => {
      def.display = (rec) => String(rec.name ?? '');
      Object.assign(def.fields, {
        state: fd('selection', 'State', { selection: productionStates, default: always('draft') }),
        product_uom_id: m2o('uom.uom', 'Product Unit of Measure', {
          required: true,
          default: (store, _env, vals) => idOf(store.get('product.product', idOf(vals.product_id) ?? 0)?.uom_id) ?? 1,
        }),
        qty_producing: fd('float', 'Quantity Producing', { digits: [16, 2] }),
        qty_produced: fd('float', 'Quantity', { digits: [16, 2] }),
        date_finished: fd('datetime', 'End'),
        date_deadline: fd('datetime', 'Deadline'),
        bom_id: m2o('mrp.bom', 'Bill of Material'),
        picking_type_id: m2o('stock.picking.type', 'Operation Type', {
          default: (store) => store.xmlidToId('stock.picking_type_manufacturing') ?? false,
        }),
        location_src_id: m2o('stock.location', 'Components Location', {
          default: (store, _env, vals) =>
            idOf(store.get('stock.picking.type', idOf(vals.picking_type_id) ?? 0)?.default_location_src_id) ??
            store.xmlidToId('stock.stock_location_stock') ??
            false,
        }),
        location_dest_id: m2o('stock.location', 'Finished Products Location', {
          default: (store, _env, vals) =>
            idOf(store.get('stock.picking.type', idOf(vals.picking_type_id) ?? 0)?.default_location_dest_id) ??
            store.xmlidToId('stock.stock_location_stock') ??
            false,
        }),
        warehouse_id: m2o('stock.warehouse', 'Warehouse', {
          readonly: true,
          compute: (rec, store) => idOf(store.get('stock.picking.type', idOf(rec.picking_type_id) ?? 0)?.warehouse_id) ?? false,
        }),
        reservation_state: fd('selection', 'MO Readiness', {
          selection: [
            ['confirmed', 'Waiting'],
            ['assigned', 'Ready'],
            ['waiting', 'Waiting Another Operation'],
          ],
          readonly: true,
          compute: reservationState,
        }),
        origin: fd('char', 'Source'),
        user_id: m2o('res.users', 'Responsible', { default: (_s, env) => env.uid }),
        workorder_ids: fd('one2many', 'Work Orders', {
          relation: 'mrp.workorder',
          inverse: 'production_id',
          compute: (rec, store) => ids(workorders(store, rec.id)),
        }),
        move_raw_ids: fd('one2many', 'Components', {
          relation: 'stock.move',
          inverse: 'raw_material_production_id',
          compute: (rec, store) => ids(rawMoves(store, rec.id)),
        }),
        move_finished_ids: fd('one2many', 'Finished Products', {
          relation: 'stock.move',
          inverse: 'production_id',
          compute: (rec, store) => ids(finishedMoves(store, rec.id)),
        }),
        scrap_ids: fd('one2many', 'Scraps', {
          relation: 'stock.scrap',
          inverse: 'production_id',
          compute: (rec, store) => ids(children(store, 'stock.scrap', 'production_id', rec.id)),
        }),
        scrap_count: fd('integer', 'Number of scraps', {
          readonly: true,
          compute: (rec, store) => children(store, 'stock.scrap', 'production_id', rec.id).length,
        }),
        ...(v19
          ? { lot_producing_ids: fd('many2many', 'Lot/Serial Number', { relation: 'stock.lot' }) }
          : { lot_producing_id: m2o('stock.lot', 'Lot/Serial Number') }),
        [group.field]: m2o(group.model, v19 ? 'Production Group' : 'Procurement Group'),
        backorder_sequence: fd('integer', 'Backorder Sequence', { default: always(0) }),
      });
      const before = def.afterWrite;
      def.afterWrite = (store, rec, vals, env, created) => {
        before?.(store, rec, vals, env, created);
        if (created && idOf(rec.bom_id)) explodeProduction(store, rec, env);
      };
    },
    'mrp.bom': (def) => {
      def.fields.consumption = fd('selection', 'Flexible Consumption', {
        selection: [
          ['flexible', 'Allowed'],
          ['warning', 'Allowed with warning'],
          ['strict', 'Blocked'],
        ],
        required: true,
        default: always('warning'),
      });
    },
    'mrp.workorder': (def) => {
      def.display = (rec, store) => `${store.display('mrp.production', idOf(rec.production_id) ?? 0)} - ${String(rec.name ?? '')}`;
      Object.assign(def.fields, {
        operation_id: m2o('mrp.routing.workcenter', 'Operation'),
        sequence: fd('integer', 'Sequence', { default: always(100) }),
        state: fd('selection', 'Status', {
          selection: [
            v19 ? ['blocked', 'Blocked'] : ['pending', 'Waiting for another WO'],
            ['waiting', 'Waiting for components'],
            ['ready', 'Ready'],
            ['progress', 'In Progress'],
            ['done', 'Finished'],
            ['cancel', 'Cancelled'],
          ],
          default: always('ready'),
        }),
        duration_expected: fd('float', 'Expected Duration', { digits: [16, 2] }),
        duration: fd('float', 'Real Duration', { digits: [16, 2] }),
        qty_producing: fd('float', 'Currently Produced Quantity', {
          readonly: true,
          compute: (rec, store) => Number(store.get('mrp.production', idOf(rec.production_id) ?? 0)?.qty_producing ?? 0),
        }),
        qty_produced: fd('float', 'Quantity', { digits: [16, 2] }),
        production_state: fd('selection', 'Production State', {
          selection: productionStates,
          readonly: true,
          compute: (rec, store) => store.get('mrp.production', idOf(rec.production_id) ?? 0)?.state ?? false,
        }),
        time_ids: fd('one2many', 'Time Logs', {
          relation: 'mrp.workcenter.productivity',
          inverse: 'workorder_id',
          compute: (rec, store) => ids(children(store, 'mrp.workcenter.productivity', 'workorder_id', rec.id)).reverse(),
        }),
      });
      indexed(def, ['production_id']);
    },
    'mrp.workcenter': (def) => {
      Object.assign(def.fields, {
        working_state: fd('selection', 'Workcenter Status', {
          selection: [
            ['normal', 'Normal'],
            ['blocked', 'Blocked'],
            ['done', 'In Progress'],
          ],
          readonly: true,
          compute: (rec, store) => {
            if (openBlockRows(store, rec.id).length) return 'blocked';
            return children(store, 'mrp.workcenter.productivity', 'workcenter_id', rec.id).some((r) => !r.date_end) ? 'done' : 'normal';
          },
        }),
        time_ids: fd('one2many', 'Time Logs', {
          relation: 'mrp.workcenter.productivity',
          inverse: 'workcenter_id',
          compute: (rec, store) => ids(children(store, 'mrp.workcenter.productivity', 'workcenter_id', rec.id)).reverse(),
        }),
      });
    },
    'mrp.workcenter.productivity': (def) => {
      Object.assign(def.fields, {
        workorder_id: m2o('mrp.workorder', 'Work Order'),
        production_id: m2o('mrp.production', 'Manufacturing Order', {
          readonly: true,
          compute: (rec, store) => idOf(store.get('mrp.workorder', idOf(rec.workorder_id) ?? 0)?.production_id) ?? false,
        }),
      });
      indexed(def, ['workorder_id', 'workcenter_id']);
    },
    'stock.move': (def) => {
      Object.assign(def.fields, {
        production_id: m2o('mrp.production', 'Production Order for finished products'),
        bom_line_id: m2o('mrp.bom.line', 'BoM Line'),
        workorder_id: m2o('mrp.workorder', 'Work Order To Consume'),
        is_scrap: fd('boolean', 'Is Scrap'),
        ...(v19 ? {} : { scrapped: fd('boolean', 'Scrapped') }),
        has_tracking: fd('selection', 'Product with Tracking', {
          selection: [
            ['serial', 'By Unique Serial Number'],
            ['lot', 'By Lots'],
            ['none', 'By Quantity'],
          ],
          readonly: true,
          compute: (rec, store) => store.get('product.product', idOf(rec.product_id) ?? 0)?.tracking ?? 'none',
        }),
        lot_ids: fd('many2many', 'Serial Numbers', {
          relation: 'stock.lot',
          readonly: true,
          compute: (rec, store) => [
            ...new Set(children(store, 'stock.move.line', 'move_id', rec.id).flatMap((l) => (idOf(l.lot_id) ? [Number(l.lot_id)] : []))),
          ],
        }),
        quantity: fd('float', 'Quantity', { readonly: true, digits: [16, 2], compute: (rec, store) => moveQuantity(store, rec.id) }),
      });
      const lines = def.fields.move_line_ids;
      if (lines)
        def.fields.move_line_ids = { ...lines, children: (rec, store) => ids(children(store, 'stock.move.line', 'move_id', rec.id)) };
      def.fields.date ??= fd('datetime', 'Date Scheduled', { default: (_s, env) => env.now });
      indexed(def, ['raw_material_production_id', 'production_id']);
    },
    'stock.move.line': (def) => indexed(def, ['move_id']),
    'stock.scrap': (def) => {
      Object.assign(def.fields, {
        production_id: m2o('mrp.production', 'Manufacturing Order'),
        move_ids: fd('one2many', 'Scrap Move', {
          relation: 'stock.move',
          inverse: 'scrap_id',
          compute: (rec, store) => ids(children(store, 'stock.move', 'scrap_id', rec.id)),
        }),
      });
      const before = def.afterWrite;
      def.afterWrite = (store, rec, vals, env, created) => {
        track(store, 'stock.scrap', 'production_id', rec);
        before?.(store, rec, vals, env, created);
        if (!created && vals.state === 'done') scrapMove(store, rec, env);
      };
    },
  };
}

/** The scrap's stock move (102 / 097): done, linked to the MO's components; 19 sends it to Inventory adjustment. */
function scrapMove(store: HookStore, scrap: Rec, env: HookEnv): void {
  const v19 = store.version >= 19;
  const dest = v19 ? (store.xmlidToId('stock.location_inventory') ?? 14) : Number(scrap.scrap_location_id);
  const moId = idOf(scrap.production_id);
  const mo = moId ? store.get('mrp.production', moId) : undefined;
  const consumed = mo && ['confirmed', 'progress', 'to_close', 'draft'].includes(String(mo.state));
  store.patch('stock.scrap', scrap.id, { scrap_location_id: dest });
  const orm = store as Orm;
  const move = orm.create(
    'stock.move',
    {
      ...(v19 ? {} : { name: String(scrap.name ?? ''), scrapped: true }),
      is_scrap: true,
      product_id: scrap.product_id,
      product_uom_qty: scrap.scrap_qty,
      location_id: scrap.location_id,
      location_dest_id: dest,
      raw_material_production_id: consumed ? moId : false,
      scrap_id: scrap.id,
      origin: mo?.name ?? false,
      state: 'done',
      picked: true,
    },
    env,
  );
  orm.create(
    'stock.move.line',
    {
      move_id: move,
      product_id: scrap.product_id,
      lot_id: scrap.lot_id || false,
      quantity: scrap.scrap_qty,
      location_id: scrap.location_id,
      location_dest_id: dest,
      picked: true,
    },
    env,
  );
}

type HookEnv = Parameters<NonNullable<ModelDef['afterWrite']>>[3];
type Orm = HookStore & { create(model: string, vals: Record<string, unknown>, env: HookEnv): number };

/** The production location (Virtual Locations/Production on 18, Production on 19). */
function productionLocation(store: StoreView): number | false {
  return store.xmlidToId('stock.location_production') ?? store.all('stock.location').find((l) => l.usage === 'production')?.id ?? false;
}

function addMinutes(date: string, minutes: number): string {
  return new Date(Date.parse(`${date.replace(' ', 'T')}Z`) + minutes * 60000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * mrp.production.create with a BoM (011-012): raw moves from the BoM lines scaled by the quantity,
 * the finished move, one work order per operation (duration_expected = cycle × qty, the first
 * 'ready', the others waiting: 18 'pending', 19 'blocked'), a group named after the MO and the
 * planned end (start + the operations' durations).
 */
export function explodeProduction(hook: HookStore, mo: Rec, env: HookEnv): void {
  const store = hook as Orm;
  const v19 = store.version >= 19;
  const bom = store.get('mrp.bom', Number(mo.bom_id));
  if (!bom) return;
  const qty = Number(mo.product_qty ?? 0);
  const factor = qty / (Number(bom.product_qty) || 1);
  const production = productionLocation(store) || Number(mo.location_src_id);
  const source = idOf(mo.location_src_id) ?? 8;
  const dest = idOf(mo.location_dest_id) ?? 8;
  const date = String(mo.date_start || env.now);
  const lines = store
    .all('mrp.bom.line')
    .filter((l) => l.bom_id === bom.id)
    .sort((a, b) => Number(a.sequence ?? 0) - Number(b.sequence ?? 0) || a.id - b.id);
  for (const line of lines) {
    const product = store.get('product.product', Number(line.product_id));
    store.create(
      'stock.move',
      {
        ...(v19 ? {} : { name: String(mo.name) }),
        product_id: line.product_id,
        product_uom_qty: Number(line.product_qty ?? 0) * factor,
        product_uom: line.product_uom_id || product?.uom_id || 1,
        location_id: source,
        location_dest_id: production,
        raw_material_production_id: mo.id,
        bom_line_id: line.id,
        origin: mo.name,
        date,
        state: 'draft',
      },
      env,
    );
  }
  store.create(
    'stock.move',
    {
      ...(v19 ? {} : { name: String(mo.name) }),
      product_id: mo.product_id,
      product_uom_qty: qty,
      product_uom: mo.product_uom_id,
      location_id: production,
      location_dest_id: dest,
      production_id: mo.id,
      origin: mo.name,
      date,
      state: 'draft',
    },
    env,
  );
  const operations = store
    .all('mrp.routing.workcenter')
    .filter((op) => op.bom_id === bom.id && op.active !== false)
    .sort((a, b) => Number(a.sequence ?? 0) - Number(b.sequence ?? 0) || a.id - b.id);
  let minutes = 0;
  operations.forEach((op, i) => {
    const expected = Number(op.time_cycle_manual ?? 0) * qty;
    minutes += expected;
    store.create(
      'mrp.workorder',
      {
        name: op.name,
        workcenter_id: op.workcenter_id,
        operation_id: op.id,
        production_id: mo.id,
        product_id: mo.product_id,
        sequence: op.sequence,
        duration_expected: expected,
        state: i === 0 ? 'ready' : v19 ? 'blocked' : 'pending',
      },
      env,
    );
  });
  const group = groupModel(v19);
  const changes: Record<string, unknown> = {};
  if (!idOf(mo[group.field])) changes[group.field] = store.create(group.model, { name: String(mo.name) }, env);
  if (!mo.date_finished) changes.date_finished = addMinutes(date, minutes || 60);
  if (Object.keys(changes).length) store.patch('mrp.production', mo.id, changes);
}

function extendAll(v19: boolean): Record<string, (def: ModelDef) => void> {
  const base = extendModels(v19);
  return {
    ...base,
    'stock.move': (def) => {
      base['stock.move']?.(def);
      def.fields.scrap_id = m2o('stock.scrap', 'Scrap');
      indexed(def, ['scrap_id']);
    },
  };
}

export const MRP_EXTENSION: ModelExtension = { models: mrpModels, extend: extendAll };
