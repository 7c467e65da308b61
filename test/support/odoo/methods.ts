/**
 * The model methods the test server answers, with their Python signatures: XML-RPC binds
 * positional arguments to them, JSON-2 checks its named arguments against them (422 on an
 * unexpected or missing one, or `ids` for an @api.model method).
 */
import { raise, type OdooException } from './exceptions.ts';
import { searchRecords } from './domain.ts';
import { Loader } from './load.ts';
import { findMrpMethod } from './mrp.ts';
import { PURCHASE_METHODS } from './purchase.ts';
import type { Env, Rec } from './models.ts';
import { PyFloat, PyTuple, pyRepr } from './py.ts';
import type { Store } from './store.ts';
import {
  assignPickings,
  confirmPickings,
  processBackorder,
  unlinkMoveLines,
  unreservePickings,
  unreserveProductions,
  validatePickings,
  writeMoveLines,
} from './stock-moves.ts';

export interface CallScope {
  store: Store;
  env: Env;
  model: string;
  method: string;
  protocol: 'xmlrpc' | 'json2';
  /** companies visible to this call (allowed_company_ids, else all of the user's) */
  companies: number[];
  userTz: string;
  /** XML-RPC: create was given one dict (answers an int) */
  singleCreate?: boolean;
}

export interface MethodSpec {
  /** parameters after `ids`, in positional order */
  params: Array<{ name: string; required?: boolean }>;
  /** a record method: takes ids */
  record: boolean;
  /** only on these models */
  models?: string[];
  /** what a read-only user may not do */
  access?: 'create' | 'write' | 'unlink';
  run(scope: CallScope, ids: number[], kw: Record<string, unknown>): unknown;
}

const p = (name: string, required = false) => ({ name, required });

function existing(scope: CallScope, ids: number[]): Rec[] {
  return ids.map((id) => scope.store.get(scope.model, id)).filter((rec): rec is Rec => rec !== undefined);
}

function search(scope: CallScope, kw: Record<string, unknown>): Rec[] {
  return searchRecords(scope.store, scope.model, kw.domain ?? [], {
    env: scope.env,
    order: typeof kw.order === 'string' ? kw.order : undefined,
    offset: typeof kw.offset === 'number' ? kw.offset : 0,
    limit: typeof kw.limit === 'number' ? kw.limit : undefined,
    companies: scope.companies,
  });
}

function fieldsGet(scope: CallScope, kw: Record<string, unknown>): Record<string, unknown> {
  const def = scope.store.requireModel(scope.model);
  const wanted = Array.isArray(kw.allfields) && kw.allfields.length ? new Set((kw.allfields as unknown[]).map(String)) : undefined;
  const attributes = Array.isArray(kw.attributes) && kw.attributes.length ? new Set((kw.attributes as unknown[]).map(String)) : undefined;
  const out: Record<string, unknown> = {};
  for (const [name, fd] of Object.entries(def.fields)) {
    if (wanted && !wanted.has(name)) continue; // unknown names are left out silently, as Odoo does
    const all: Record<string, unknown> = {
      company_dependent: Boolean(fd.companyDependent),
      digits: fd.digits,
      help: fd.help,
      readonly: Boolean(fd.readonly || fd.compute || name === 'id'),
      relation: fd.relation,
      required: Boolean(fd.required),
      selection: fd.type === 'selection' ? fd.selection : undefined,
      store: !fd.compute && name !== 'display_name',
      string: fd.string,
      type: fd.type,
    };
    const attrs: Record<string, unknown> = {};
    for (const key of Object.keys(all).sort()) {
      if (all[key] === undefined) continue;
      if (attributes && !attributes.has(key)) continue;
      attrs[key] = all[key];
    }
    out[name] = attrs;
  }
  return out;
}

function windowAction(
  resModel: string,
  name: string,
  context: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    type: 'ir.actions.act_window',
    view_mode: 'form',
    views: [[false, 'form']],
    res_model: resModel,
    target: 'new',
    context,
    ...extra,
  };
}

function applyInventory(scope: CallScope, ids: number[]): unknown {
  const quants = existing(scope, ids);
  const isOutdated = scope.store.requireModel('stock.quant').fields.is_outdated?.compute;
  const outdated = quants.filter((q) => Boolean(isOutdated?.(q, scope.store)));
  if (outdated.length > 0) {
    // 108: a count made before stock moved needs the conflict wizard; nothing is applied
    return windowAction('stock.inventory.conflict', 'Conflict in Inventory Adjustment', {
      ...scope.env.context,
      default_quant_ids: quants.map((q) => q.id),
      default_quant_to_fix_ids: outdated.map((q) => q.id),
    });
  }
  for (const quant of quants) {
    if (!quant.inventory_quantity_set) continue;
    scope.store.write(
      'stock.quant',
      [quant.id],
      {
        quantity: quant.inventory_quantity,
        inventory_quantity: 0,
        inventory_diff_quantity: 0,
        inventory_quantity_set: false,
        inventory_date: false,
      },
      scope.env,
    );
  }
  return null; // Python None: over XML-RPC the answer becomes the `cannot marshal None` fault
}

function validateScrap(scope: CallScope, ids: number[]): unknown {
  const { store, env } = scope;
  for (const scrap of existing(scope, ids)) {
    const quants = store
      .all('stock.quant')
      .filter(
        (q) => q.product_id === scrap.product_id && q.location_id === scrap.location_id && (!scrap.lot_id || q.lot_id === scrap.lot_id),
      );
    const available = quants.reduce((sum, q) => sum + Number(q.quantity ?? 0), 0);
    const wanted = Number(scrap.scrap_qty ?? 0);
    if (wanted > available) {
      // 099: not enough stock answers a warning wizard and leaves the scrap in draft
      return {
        name: `${store.display('product.product', Number(scrap.product_id))}: Insufficient Quantity To Scrap`,
        view_mode: 'form',
        res_model: 'stock.warn.insufficient.qty.scrap',
        view_id: 901,
        type: 'ir.actions.act_window',
        context: {
          default_product_id: scrap.product_id,
          default_location_id: scrap.location_id,
          default_scrap_id: scrap.id,
          default_quantity: new PyFloat(wanted),
          default_product_uom_name: store.display('uom.uom', Number(scrap.product_uom_id)),
        },
        target: 'new',
      };
    }
    let left = wanted;
    for (const quant of quants) {
      const take = Math.min(left, Number(quant.quantity ?? 0));
      if (take > 0) store.write('stock.quant', [quant.id], { quantity: Number(quant.quantity) - take }, env);
      left -= take;
    }
    store.write(
      'stock.scrap',
      [scrap.id],
      { state: 'done', name: `SP/${String(store.nextSequence('stock.scrap')).padStart(5, '0')}`, date_done: env.now },
      env,
    );
  }
  return true;
}

/** How many reference units one unit holds (18: 1 / factor, Dozens 12; 19: the computed factor, Dozens 12). */
function unitSize(store: Store, uomId: number): number {
  const uom = store.get('uom.uom', uomId);
  if (!uom) return 1;
  if (store.version >= 19) return Number(store.models.get('uom.uom')?.fields.factor?.compute?.(uom, store) ?? 1) || 1;
  return 1 / (Number(uom.factor) || 1);
}

/** mrp `button_bom_cost` / `action_bom_cost`: components at standard price + operations, over the BoM qty. */
function bomCost(scope: CallScope, ids: number[], single: boolean): unknown {
  const { store, env } = scope;
  let products =
    scope.model === 'product.template'
      ? store.all('product.product').filter((prod) => ids.includes(Number(prod.product_tmpl_id)))
      : existing(scope, ids);
  if (single && products.length !== 1) throw raise.value(`Expected singleton: ${scope.model}${pyRepr(new PyTuple(ids))}`);
  const inSet = new Set(products.map((prod) => prod.id));
  const computed = new Map<number, number>();
  const cost = (productId: number, depth: number): number => {
    const known = computed.get(productId);
    if (known !== undefined) return known;
    const product = store.get('product.product', productId);
    const bom = store
      .all('mrp.bom')
      .find((b) => b.active !== false && (b.product_id === productId || (!b.product_id && b.product_tmpl_id === product?.product_tmpl_id)));
    if (!product || !bom || depth > 10) return Number(product?.standard_price ?? 0);
    let total = 0;
    for (const line of store.all('mrp.bom.line').filter((l) => l.bom_id === bom.id)) {
      const component = Number(line.product_id);
      const unit = inSet.has(component) ? cost(component, depth + 1) : Number(store.get('product.product', component)?.standard_price ?? 0);
      // uom._compute_price: the component's price per unit of the line
      const componentUom = Number(store.get('product.product', component)?.uom_id ?? 0);
      total +=
        ((unit * unitSize(store, Number(line.product_uom_id ?? componentUom))) / unitSize(store, componentUom)) *
        Number(line.product_qty ?? 0);
    }
    for (const op of store.all('mrp.routing.workcenter').filter((o) => o.bom_id === bom.id)) {
      const wc = store.get('mrp.workcenter', Number(op.workcenter_id));
      const efficiency = Number(wc?.time_efficiency ?? 100) || 100;
      const minutes = Number(wc?.time_start ?? 0) + Number(wc?.time_stop ?? 0) + (Number(op.time_cycle_manual ?? 0) * 100) / efficiency;
      total += (minutes / 60) * Number(wc?.costs_hour ?? 0);
    }
    // per unit of the BoM, then in the product's unit (bom.product_uom_id._compute_price)
    const perBomUnit = total / (Number(bom.product_qty ?? 1) || 1);
    const bomUom = Number(bom.product_uom_id ?? product.uom_id);
    const value = (perBomUnit * unitSize(store, Number(product.uom_id))) / unitSize(store, bomUom);
    computed.set(productId, value);
    return value;
  };
  products = products.filter((prod) =>
    store.all('mrp.bom').some((b) => b.product_id === prod.id || (!b.product_id && b.product_tmpl_id === prod.product_tmpl_id)),
  );
  for (const product of products) store.write('product.product', [product.id], { standard_price: cost(product.id, 0) }, env);
  return null;
}

function postMoves(scope: CallScope, ids: number[]): unknown {
  const { store, env } = scope;
  for (const move of existing(scope, ids)) {
    const lines = store.all('account.move.line').filter((l) => l.move_id === move.id);
    const balance = lines.reduce((sum, l) => sum + Number(l.debit ?? 0) - Number(l.credit ?? 0), 0);
    if (lines.length === 0) throw raise.userError('You need to add a line before posting.');
    if (Math.abs(balance) > 0.005) {
      throw raise.userError(
        `The move (${store.display('account.move', move.id)}) is not balanced.\nThe total of debits equals ${lines.reduce((s, l) => s + Number(l.debit ?? 0), 0).toFixed(2)} and the total of credits equals ${lines.reduce((s, l) => s + Number(l.credit ?? 0), 0).toFixed(2)}.`,
      );
    }
    const name =
      move.name && move.name !== '/'
        ? move.name
        : `MISC/${env.now.slice(0, 4)}/${String(store.nextSequence('account.move')).padStart(5, '0')}`;
    store.write('account.move', [move.id], { state: 'posted', name }, env);
  }
  return false;
}

export const METHODS: Record<string, MethodSpec> = {
  search_read: {
    record: false,
    params: [p('domain'), p('fields'), p('offset'), p('limit'), p('order')],
    run: (scope, _ids, kw) => {
      const fields = scope.store.fieldsToRead(scope.model, kw.fields);
      return search(scope, kw).map((rec) => scope.store.readRecord(scope.model, rec, fields));
    },
  },
  search: {
    record: false,
    params: [p('domain', true), p('offset'), p('limit'), p('order')],
    run: (scope, _ids, kw) => search(scope, kw).map((rec) => rec.id),
  },
  search_count: {
    record: false,
    params: [p('domain', true), p('limit')],
    run: (scope, _ids, kw) => search(scope, { domain: kw.domain, limit: kw.limit }).length,
  },
  read: {
    record: true,
    params: [p('fields'), p('load')],
    run: (scope, ids, kw) => {
      const fields = scope.store.fieldsToRead(scope.model, kw.fields);
      return existing(scope, ids).map((rec) => scope.store.readRecord(scope.model, rec, fields));
    },
  },
  fields_get: { record: false, params: [p('allfields'), p('attributes')], run: (scope, _ids, kw) => fieldsGet(scope, kw) },
  name_search: {
    record: false,
    params: [p('name'), p('domain'), p('operator'), p('limit')],
    run: (scope, _ids, kw) => {
      const name = typeof kw.name === 'string' ? kw.name.toLowerCase() : '';
      const limit = typeof kw.limit === 'number' ? kw.limit : 100;
      return search(scope, { domain: kw.domain ?? [] })
        .filter((rec) => scope.store.display(scope.model, rec.id).toLowerCase().includes(name))
        .slice(0, limit)
        .map((rec) => [rec.id, scope.store.display(scope.model, rec.id)]);
    },
  },
  create: {
    record: false,
    access: 'create',
    params: [p('vals_list', true)],
    run: (scope, _ids, kw) => {
      const single = !Array.isArray(kw.vals_list);
      const list = (single ? [kw.vals_list] : kw.vals_list) as unknown[];
      const ids = list.map((vals) => scope.store.create(scope.model, (vals ?? {}) as Record<string, unknown>, scope.env));
      // XML-RPC answers an int for one dict; JSON-2 always a list (024)
      return scope.protocol === 'xmlrpc' && single ? ids[0] : ids;
    },
  },
  write: {
    record: true,
    access: 'write',
    params: [p('vals', true)],
    run: (scope, ids, kw) => {
      const vals = (kw.vals ?? {}) as Record<string, unknown>;
      if (scope.model === 'stock.move.line') writeMoveLines(scope, ids, vals);
      else scope.store.write(scope.model, ids, vals, scope.env);
      return true;
    },
  },
  unlink: {
    record: true,
    access: 'unlink',
    params: [],
    run: (scope, ids) => {
      if (scope.model === 'stock.move.line') unlinkMoveLines(scope, ids);
      else scope.store.unlink(scope.model, ids, scope.env);
      return true;
    },
  },
  load: {
    record: false,
    access: 'create',
    params: [p('fields', true), p('data', true)],
    run: (scope, _ids, kw) => new Loader(scope.store, scope.model, scope.env, scope.userTz).run(kw.fields, kw.data),
  },
  action_archive: {
    record: true,
    access: 'write',
    params: [],
    run: (scope, ids) => {
      scope.store.write(scope.model, ids, { active: false }, scope.env);
      return null;
    },
  },
  action_unarchive: {
    record: true,
    access: 'write',
    params: [],
    run: (scope, ids) => {
      scope.store.write(scope.model, ids, { active: true }, scope.env);
      return null;
    },
  },
  context_get: {
    record: false,
    models: ['res.users'],
    params: [],
    run: (scope) => ({ lang: 'en_US', tz: scope.userTz, uid: scope.env.uid }),
  },
  action_apply_inventory: {
    record: true,
    access: 'write',
    models: ['stock.quant'],
    params: [],
    run: (scope, ids) => applyInventory(scope, ids),
  },
  action_validate: { record: true, access: 'write', models: ['stock.scrap'], params: [], run: (scope, ids) => validateScrap(scope, ids) },
  action_confirm: {
    record: true,
    access: 'write',
    models: ['stock.picking'],
    params: [],
    run: (scope, ids) => confirmPickings(scope, ids),
  },
  action_assign: { record: true, access: 'write', models: ['stock.picking'], params: [], run: (scope, ids) => assignPickings(scope, ids) },
  button_validate: {
    record: true,
    access: 'write',
    models: ['stock.picking'],
    params: [],
    run: (scope, ids) => validatePickings(scope, ids),
  },
  do_unreserve: {
    record: true,
    access: 'write',
    models: ['stock.picking', 'mrp.production'],
    params: [],
    run: (scope, ids) => (scope.model === 'stock.picking' ? unreservePickings(scope, ids) : unreserveProductions(scope, ids)),
  },
  process: {
    record: true,
    access: 'write',
    models: ['stock.backorder.confirmation'],
    params: [],
    run: (scope, ids) => processBackorder(scope, ids, true),
  },
  process_cancel_backorder: {
    record: true,
    access: 'write',
    models: ['stock.backorder.confirmation'],
    params: [],
    run: (scope, ids) => processBackorder(scope, ids, false),
  },
  action_post: { record: true, access: 'write', models: ['account.move'], params: [], run: (scope, ids) => postMoves(scope, ids) },
  button_bom_cost: {
    record: true,
    access: 'write',
    models: ['product.product'],
    params: [],
    run: (scope, ids) => bomCost(scope, ids, true),
  },
  action_bom_cost: {
    record: true,
    access: 'write',
    models: ['product.product', 'product.template'],
    params: [],
    run: (scope, ids) => bomCost(scope, ids, false),
  },
};

export function findMethod(model: string, method: string, version: 18 | 19 = 19): MethodSpec | undefined {
  const mrp = findMrpMethod(model, method, version);
  if (mrp) return mrp;
  const spec = METHODS[method] ?? PURCHASE_METHODS[method];
  if (!spec || (spec.models && !spec.models.includes(model))) return undefined;
  return spec;
}

const VERB = { create: 'create', write: 'modify', unlink: 'delete' } as const;

/** The group Odoo names in its ACL message (062: Invoicing/Administrator, 090: Products/Create). */
function groupFor(model: string): string {
  if (model.startsWith('account.')) return 'Invoicing/Administrator';
  if (model.startsWith('product.')) return 'Products/Create';
  if (model.startsWith('mrp.')) return 'Manufacturing/Administrator';
  return 'Inventory/Administrator';
}

export function accessDenied(store: Store, model: string, access: 'create' | 'write' | 'unlink'): OdooException {
  const description = store.model(model)?.description ?? model;
  return raise.access(
    `You are not allowed to ${VERB[access]} '${description}' (${model}) records.\n\nThis operation is allowed for the following groups:\n\t- ${groupFor(model)}\n\nContact your administrator to request access if necessary.`,
  );
}

/** XML-RPC: positional args (ids first for record methods) + kwargs → named arguments. */
export function bindPositional(
  spec: MethodSpec,
  model: string,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
): { ids: number[]; kw: Record<string, unknown> } {
  const positional = [...args];
  let ids: number[] = [];
  if (spec.record) {
    if (positional.length === 0) throw raise.index('list index out of range');
    const first = positional.shift();
    ids = Array.isArray(first) ? first.map(Number) : typeof first === 'number' ? [first] : [];
  }
  const names = spec.params.map((param) => param.name);
  const cls = model
    .split('.')
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
  if (positional.length > names.length) {
    throw raise.type(`${cls}.${method}() takes ${names.length + 1} positional arguments but ${positional.length + 1} were given`);
  }
  const kw: Record<string, unknown> = {};
  positional.forEach((value, i) => {
    kw[names[i] as string] = value;
  });
  for (const [key, value] of Object.entries(kwargs)) {
    if (key === 'context') continue;
    if (!names.includes(key)) throw raise.type(`${cls}.${method}() got an unexpected keyword argument '${key}'`);
    if (key in kw) throw raise.type(`${cls}.${method}() got multiple values for argument '${key}'`);
    kw[key] = value;
  }
  for (const param of spec.params) {
    if (param.required && !(param.name in kw))
      throw raise.type(`${cls}.${method}() missing 1 required positional argument: '${param.name}'`);
  }
  return { ids, kw };
}

/** JSON-2: named arguments only, checked like `inspect.signature(...).bind`. */
export function bindNamed(
  spec: MethodSpec,
  model: string,
  method: string,
  body: Record<string, unknown>,
): { ids: number[]; kw: Record<string, unknown> } {
  const { ids: rawIds, context: _context, ...rest } = body;
  if (!spec.record && rawIds !== undefined) throw raise.unprocessable(`cannot call ${model}.${method} with ids`);
  const names = spec.params.map((param) => param.name);
  // inspect.Signature.bind reports a missing parameter before an unexpected one (082)
  for (const param of spec.params)
    if (param.required && !(param.name in rest)) throw raise.unprocessable(`missing a required argument: '${param.name}'`);
  for (const key of Object.keys(rest)) if (!names.includes(key)) throw raise.unprocessable(`got an unexpected keyword argument '${key}'`);
  const ids = Array.isArray(rawIds) ? rawIds.map(Number) : typeof rawIds === 'number' ? [rawIds] : [];
  return { ids, kw: rest };
}
