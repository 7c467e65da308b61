/**
 * In-memory records of the test server, with Odoo's transaction semantics: every RPC call runs
 * in one transaction (an undo journal); any error rolls back everything the call did.
 * Sequences (ids) are not rolled back, as in Postgres.
 */
import { OdooException, RequiredFieldMissing, frames, raise } from './exceptions.ts';
import { buildModels, type Env, type FieldDef, type ModelDef, type Rec, type StoreView } from './models.ts';
import { PyFloat, pyFloatRepr, pyFloatRound, pyRepr } from './py.ts';
import { MRP_EXTENSION } from './mrp-models.ts';
import { PURCHASE_EXTENSION } from './purchase-models.ts';

export function utcNow(): string {
  return new Date().toISOString().slice(0, 19).replace('T', ' ');
}

const IGNORED_ON_WRITE = new Set(['id', 'display_name', 'create_uid', 'create_date', 'write_uid', 'write_date']);

function idOf(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === false;
}

type Command = unknown[];

export class Store implements StoreView {
  readonly models: Map<string, ModelDef>;
  private readonly tables = new Map<string, Map<number, Rec>>();
  private readonly nextIds = new Map<string, number>();
  private readonly sequences = new Map<string, number>();
  private readonly imdIndex = new Map<string, Set<number>>();
  private journal: Array<() => void> | null = null;

  constructor(
    readonly version: 18 | 19,
    readonly enterprise: boolean,
  ) {
    this.models = buildModels({ version, enterprise, extensions: [PURCHASE_EXTENSION, MRP_EXTENSION] });
    for (const name of this.models.keys()) this.tables.set(name, new Map());
  }

  // ---- StoreView -------------------------------------------------------------------------------

  model(name: string): ModelDef | undefined {
    return this.models.get(name);
  }

  get(model: string, id: number): Rec | undefined {
    return this.tables.get(model)?.get(id);
  }

  all(model: string): Rec[] {
    return [...(this.tables.get(model)?.values() ?? [])];
  }

  count(model: string): number {
    return this.tables.get(model)?.size ?? 0;
  }

  display(model: string, id: number): string {
    const rec = this.get(model, id);
    if (!rec) return '';
    const def = this.models.get(model);
    if (def?.display) return def.display(rec, this);
    return typeof rec.name === 'string' ? rec.name : `${model},${id}`;
  }

  imdIds(completeName: string): number[] {
    return [...(this.imdIndex.get(completeName) ?? [])];
  }

  /** ir.model.data row of an external id ('module.name'). */
  xmlidRecord(xmlid: string): Rec | undefined {
    const [first] = this.imdIndex.get(xmlid) ?? [];
    return first === undefined ? undefined : this.get('ir.model.data', first);
  }

  xmlidToId(xmlid: string): number | undefined {
    const imd = this.xmlidRecord(xmlid);
    if (!imd) return undefined;
    const id = Number(imd.res_id);
    return this.get(String(imd.model), id) ? id : undefined;
  }

  nextSequence(code: string): number {
    const next = (this.sequences.get(code) ?? 0) + 1;
    this.sequences.set(code, next);
    return next;
  }

  // ---- transactions ----------------------------------------------------------------------------

  /** Run fn in one transaction: on error every change it made is undone. */
  transaction<T>(fn: () => T): T {
    if (this.journal) return fn(); // nested: the outer transaction decides
    this.journal = [];
    try {
      const result = fn();
      this.journal = null;
      return result;
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  /** A savepoint inside the current transaction (load runs each row in one). */
  savepoint<T>(fn: () => T): T {
    const journal = this.journal;
    if (!journal) return this.transaction(fn);
    const mark = journal.length;
    try {
      return fn();
    } catch (err) {
      const undo = journal.splice(mark);
      for (let i = undo.length - 1; i >= 0; i--) undo[i]?.();
      throw err;
    }
  }

  private rollback(): void {
    const undo = this.journal ?? [];
    this.journal = null;
    for (let i = undo.length - 1; i >= 0; i--) undo[i]?.();
  }

  private insertRaw(model: string, rec: Rec): void {
    this.tables.get(model)?.set(rec.id, rec);
    if (model === 'ir.model.data') this.indexImd(rec, true);
    this.journal?.push(() => this.deleteRawUnjournaled(model, rec.id));
  }

  private deleteRawUnjournaled(model: string, id: number): Rec | undefined {
    const rec = this.tables.get(model)?.get(id);
    if (!rec) return undefined;
    this.tables.get(model)?.delete(id);
    if (model === 'ir.model.data') this.indexImd(rec, false);
    return rec;
  }

  private deleteRaw(model: string, id: number): void {
    const rec = this.deleteRawUnjournaled(model, id);
    if (rec) this.journal?.push(() => this.insertRawUnjournaled(model, rec));
  }

  private insertRawUnjournaled(model: string, rec: Rec): void {
    this.tables.get(model)?.set(rec.id, rec);
    if (model === 'ir.model.data') this.indexImd(rec, true);
  }

  private patchRaw(model: string, id: number, changes: Record<string, unknown>): void {
    const rec = this.get(model, id);
    if (!rec) return;
    const old: Record<string, unknown> = {};
    for (const key of Object.keys(changes)) old[key] = rec[key];
    if (model === 'ir.model.data') this.indexImd(rec, false);
    Object.assign(rec, changes);
    if (model === 'ir.model.data') this.indexImd(rec, true);
    this.journal?.push(() => {
      if (model === 'ir.model.data') this.indexImd(rec, false);
      Object.assign(rec, old);
      if (model === 'ir.model.data') this.indexImd(rec, true);
    });
  }

  private indexImd(rec: Rec, add: boolean): void {
    const key = `${String(rec.module)}.${String(rec.name)}`;
    const ids = this.imdIndex.get(key) ?? new Set<number>();
    if (add) ids.add(rec.id);
    else ids.delete(rec.id);
    if (ids.size) this.imdIndex.set(key, ids);
    else this.imdIndex.delete(key);
  }

  private newId(model: string): number {
    let current = this.nextIds.get(model);
    if (current === undefined) {
      current = 1;
      for (const id of this.tables.get(model)?.keys() ?? []) current = Math.max(current, id + 1);
    }
    this.nextIds.set(model, current + 1);
    return current;
  }

  /** Stored values changed as they are (no conversion, no checks), journaled: for afterWrite hooks. */
  patch(model: string, id: number, changes: Record<string, unknown>): void {
    this.patchRaw(model, id, changes);
  }

  /** Seeding: put a record as is (fixed id), no defaults, no checks. */
  insert(model: string, rec: Rec): void {
    this.insertRawUnjournaled(model, { ...rec });
    if ((this.nextIds.get(model) ?? 0) <= rec.id) this.nextIds.set(model, rec.id + 1);
  }

  // ---- ORM -------------------------------------------------------------------------------------

  requireModel(model: string): ModelDef {
    const def = this.models.get(model);
    if (!def) throw raise.userError(`Object ${model} doesn't exist`);
    return def;
  }

  private unknownField(model: string, field: string): OdooException {
    return this.version >= 19
      ? raise.value(`Invalid field '${field}' in '${model}'`, frames.create)
      : raise.value(`Invalid field '${field}' on model '${model}'`, frames.create);
  }

  requiredMessage(model: string, field: string): string {
    const def = this.requireModel(model);
    const fd = def.fields[field] as FieldDef;
    const owner = fd.owner ?? model;
    const ownerDesc = this.models.get(owner)?.description ?? def.description;
    return this.version >= 19
      ? `The operation cannot be completed: Missing required value for the field '${fd.string}' (${field}).\nModel: '${ownerDesc}' (${owner})\n- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n`
      : `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${ownerDesc} (${owner})\nField: ${fd.string} (${field})\n`;
  }

  /** Convert one value for storage; x2many commands are returned for later. */
  private convert(model: string, field: string, fd: FieldDef, value: unknown, env: Env, current: Rec | undefined): unknown {
    switch (fd.type) {
      case 'boolean':
        return Boolean(value);
      case 'integer':
        return isEmpty(value) ? 0 : Math.trunc(Number(value));
      case 'float':
      case 'monetary': {
        const n = isEmpty(value) ? 0 : Number(value instanceof PyFloat ? value.value : value);
        // fields.Float.convert_to_column: rounded to the field's digits when it has some
        return Array.isArray(fd.digits) ? pyFloatRound(n, fd.digits[1]) : n;
      }
      case 'char':
      case 'text':
      case 'date':
      case 'datetime':
        return isEmpty(value)
          ? false
          : typeof value === 'string' && fd.type === 'datetime'
            ? value.replace('T', ' ').slice(0, 19)
            : String(value);
      case 'selection': {
        if (isEmpty(value)) return false;
        if (!fd.selection?.some(([key]) => key === value)) {
          throw raise.value(`Wrong value for ${fd.owner ?? model}.${field}: ${pyRepr(value)}`, frames.selection);
        }
        return value;
      }
      case 'many2one': {
        if (isEmpty(value) || value === 0) return false;
        if (typeof value !== 'number')
          throw raise.type(
            `int() argument must be a string, a bytes-like object or a real number, not '${Array.isArray(value) ? 'list' : typeof value}'`,
          );
        if (!this.get(fd.relation as string, value)) {
          const owner = fd.owner ?? model;
          if (this.version >= 19) throw raise.missing(fd.relation as string, [value], env.uid);
          throw raise.validation(
            `The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${this.models.get(owner)?.description ?? owner} (${owner})\nConstraint: ${owner.replace(/\./g, '_')}_${field}_fkey\n`,
          );
        }
        return value;
      }
      case 'many2many': {
        let ids = Array.isArray(current?.[field]) ? [...(current?.[field] as number[])] : [];
        const list = Array.isArray(value) ? value : [];
        for (const item of list) {
          if (typeof item === 'number') ids.push(item);
          else if (Array.isArray(item)) {
            const [op, id, arg] = item as Command;
            if (op === 6) ids = Array.isArray(arg) ? [...(arg as number[])] : [];
            else if (op === 4 && typeof id === 'number') ids.push(id);
            else if (op === 3 && typeof id === 'number') ids = ids.filter((x) => x !== id);
            else if (op === 5) ids = [];
          }
        }
        return [...new Set(ids)].filter((id) => this.get(fd.relation as string, id));
      }
      default:
        return value;
    }
  }

  /** one2many commands: [0,0,vals] create, [1,id,vals] update, [2,id] delete, [4,id] link, [6,0,ids] set. */
  private applyO2m(id: number, fd: FieldDef, commands: unknown, env: Env): void {
    const relation = fd.relation as string;
    const inverse = fd.inverse as string;
    for (const command of Array.isArray(commands) ? commands : []) {
      if (!Array.isArray(command)) continue;
      const [op, target, vals] = command as Command;
      if (op === 0) this.create(relation, { ...(vals as Record<string, unknown>), [inverse]: id }, env);
      else if (op === 1 && typeof target === 'number') this.write(relation, [target], vals as Record<string, unknown>, env);
      else if (op === 2 && typeof target === 'number') this.unlink(relation, [target], env);
      else if (op === 4 && typeof target === 'number') this.write(relation, [target], { [inverse]: id }, env);
      else if (op === 6) for (const t of Array.isArray(vals) ? (vals as number[]) : []) this.write(relation, [t], { [inverse]: id }, env);
    }
  }

  /** `withVariant: false` when product.product creates its own template. */
  create(model: string, input: Record<string, unknown>, env: Env, options: { withVariant?: boolean } = {}): number {
    const def = this.requireModel(model);
    const vals: Record<string, unknown> = { ...input };
    for (const key of Object.keys(vals)) if (!(key in def.fields)) throw this.unknownField(model, key);
    this.beforeCreate(model, vals, env);

    const rec: Rec = { id: 0 };
    const later: Array<[string, FieldDef, unknown]> = [];
    for (const [name, fd] of Object.entries(def.fields)) {
      if (fd.compute || fd.readonly || IGNORED_ON_WRITE.has(name)) continue;
      let value = vals[name];
      if (value === undefined && fd.default) value = fd.default(this, env, vals);
      if (fd.type === 'one2many') {
        if (value !== undefined) later.push([name, fd, value]);
        continue;
      }
      rec[name] = this.convert(model, name, fd, value ?? (fd.type === 'boolean' ? false : undefined), env, undefined);
    }
    for (const [name, fd] of Object.entries(def.fields)) {
      if (fd.required && !fd.compute && fd.type !== 'one2many' && isEmpty(rec[name]))
        throw new RequiredFieldMissing(this.requiredMessage(model, name), model, name);
    }
    rec.id = this.newId(model);
    rec.create_uid = env.uid;
    rec.write_uid = env.uid;
    rec.create_date = env.now;
    rec.write_date = env.now;
    this.insertRaw(model, rec);
    for (const [, fd, value] of later) this.applyO2m(rec.id, fd, value, env);
    this.afterWrite(model, rec, vals, env, true, options.withVariant ?? true);
    this.check(model, rec);
    return rec.id;
  }

  write(model: string, ids: number[], input: Record<string, unknown>, env: Env): void {
    const def = this.requireModel(model);
    const missing = ids.filter((id) => !this.get(model, id));
    if (missing.length) throw raise.missing(model, missing, env.uid);
    for (const key of Object.keys(input)) if (!(key in def.fields)) throw this.unknownField(model, key);
    if (model === 'product.template' && 'standard_price' in input) {
      // the template's inverse (_set_standard_price) writes the variants: same revaluation
      const { standard_price: price, ...rest } = input;
      const variants = this.all('product.product').filter((p) => ids.includes(Number(p.product_tmpl_id)));
      if (variants.length)
        this.write(
          'product.product',
          variants.map((p) => p.id),
          { standard_price: price },
          env,
        );
      if (Object.keys(rest).length === 0) return;
      input = rest;
    }
    for (const id of ids) {
      const rec = this.get(model, id) as Rec;
      const changes: Record<string, unknown> = {};
      const later: Array<[string, FieldDef, unknown]> = [];
      for (const [name, value] of Object.entries(input)) {
        const fd = def.fields[name] as FieldDef;
        if (fd.compute || IGNORED_ON_WRITE.has(name)) continue;
        if (fd.type === 'one2many') later.push([name, fd, value]);
        else changes[name] = this.convert(model, name, fd, value, env, rec);
      }
      for (const name of Object.keys(changes)) {
        const fd = def.fields[name] as FieldDef;
        if (fd.required && isEmpty(changes[name])) throw new RequiredFieldMissing(this.requiredMessage(model, name), model, name);
      }
      const oldPrice = model === 'product.product' && 'standard_price' in changes ? Number(rec.standard_price ?? 0) : undefined;
      if (oldPrice !== undefined && this.version < 19 && !env.context.disable_auto_svl)
        this.changeStandardPrice18(rec, Number(changes.standard_price), input.standard_price, env);
      this.patchRaw(model, id, { ...changes, write_uid: env.uid, write_date: env.now });
      if (oldPrice !== undefined && this.version >= 19 && !env.context.disable_auto_revaluation)
        this.changeStandardPrice19(rec, oldPrice, env);
      for (const [, fd, value] of later) this.applyO2m(id, fd, value, env);
      this.afterWrite(model, rec, input, env, false, false);
      this.check(model, rec);
    }
  }

  /** The company a call works in: the first allowed company, else the user's. */
  private envCompany(env: Env): number {
    const allowed = env.context.allowed_company_ids;
    if (Array.isArray(allowed) && allowed.length) return Number(allowed[0]);
    return idOf(this.get('res.users', env.uid)?.company_id) ?? 1;
  }

  private computed(model: string, field: string, rec: Rec): unknown {
    return this.models.get(model)?.fields[field]?.compute?.(rec, this);
  }

  /**
   * Odoo 18 `ProductProduct._change_standard_price` (valuation captures 014-053), before the
   * write: standard / average products with valued quantity (quantity_svl > 0) get one layer of
   * round(rounded new price × quantity_svl - value_svl); quants without layers are not revalued.
   * Under automated valuation the layer has a posted entry (stock valuation / expense).
   */
  private changeStandardPrice18(rec: Rec, rounded: number, raw: unknown, env: Env): void {
    const method = this.computed('product.product', 'cost_method', rec);
    if (method !== 'standard' && method !== 'average') return;
    const layers = this.all('stock.valuation.layer').filter((l) => l.product_id === rec.id);
    const quantity = layers.reduce((sum, l) => sum + Number(l.quantity ?? 0), 0);
    if (pyFloatRound(quantity, 2) <= 0) return;
    const valueSvl = layers.reduce((sum, l) => sum + Number(l.value ?? 0), 0);
    const value = pyFloatRound(rounded * quantity - valueSvl, 2);
    if (value === 0) return;
    const company = this.envCompany(env);
    const layer = this.create(
      'stock.valuation.layer',
      {
        company_id: company,
        product_id: rec.id,
        description: `Product value manually modified (from ${pyFloatRepr(Number(rec.standard_price ?? 0))} to ${pyFloatRepr(rounded)})`,
        value,
        quantity: 0,
        unit_cost: 0,
        remaining_qty: 0,
        remaining_value: 0,
      },
      env,
    );
    if (this.computed('product.product', 'valuation', rec) !== 'real_time') return;
    const rawNumber = raw instanceof PyFloat ? raw.value : raw;
    const label = `${this.display('res.users', env.uid)} changed cost from ${pyFloatRepr(Number(rec.standard_price ?? 0))} to ${pyRepr(rawNumber)} - ${this.display('product.product', rec.id)}`;
    const amount = Math.abs(value);
    const [debit, credit] = value > 0 ? [1, 4] : [4, 1]; // 110100 Stock Valuation / 600000 Expenses
    const move = this.create(
      'account.move',
      {
        move_type: 'entry',
        journal_id: 4,
        ref: rec.default_code || false,
        company_id: company,
        line_ids: [
          [0, 0, { account_id: debit, name: label, debit: amount, credit: 0 }],
          [0, 0, { account_id: credit, name: label, debit: 0, credit: amount }],
        ],
      },
      env,
    );
    const name = `STJ/${env.now.slice(0, 4)}/${env.now.slice(5, 7)}/${String(this.nextSequence('stock.journal')).padStart(4, '0')}`;
    this.patchRaw('account.move', move, { state: 'posted', name });
    this.patchRaw('stock.valuation.layer', layer, { account_move_id: move });
  }

  /**
   * Odoo 19 `ProductProduct.write` → `_change_standard_price` (valuation captures 018-061), after
   * the write: one product.value row (the new unit price, currency-rounded) for every non-FIFO
   * product whose price changed. The stock value itself follows the price live (total_value).
   */
  private changeStandardPrice19(rec: Rec, oldPrice: number, env: Env): void {
    const price = Number(rec.standard_price ?? 0);
    if (price === oldPrice || this.computed('product.product', 'cost_method', rec) === 'fifo') return;
    this.create(
      'product.value',
      {
        product_id: rec.id,
        value: pyFloatRound(price, 2),
        company_id: this.envCompany(env),
        date: env.now,
        user_id: env.uid,
        description: `Price update from ${pyFloatRepr(oldPrice)} to ${pyFloatRepr(price)} by ${this.display('res.users', env.uid)}`,
      },
      env,
    );
  }

  unlink(model: string, ids: number[], env: Env): void {
    const def = this.requireModel(model);
    const existing = ids.filter((id) => this.get(model, id));
    if (model === 'account.move' && existing.some((id) => this.get(model, id)?.state === 'posted')) {
      throw raise.userError(
        "You can't delete a posted journal item. Don’t play games with your accounting records; reset the journal entry to draft before deleting it.",
      );
    }
    if (model === 'uom.uom') {
      const used = existing.filter((id) => this.all('product.product').some((p) => p.uom_id === id));
      if (used.length) {
        throw raise.userError(
          `The following units of measure are used by the system and cannot be deleted: ${used.map((id) => this.display(model, id)).join(', ')}\nYou can archive them instead.`,
        );
      }
    }
    for (const id of existing) {
      // children whose parent link is required go with the parent (ondelete cascade)
      for (const fd of Object.values(def.fields)) {
        if (fd.type !== 'one2many' || fd.compute) continue;
        const childDef = this.models.get(fd.relation as string);
        const inverse = childDef?.fields[fd.inverse as string];
        const children = this.all(fd.relation as string).filter((child) => child[fd.inverse as string] === id);
        if (inverse?.required)
          this.unlink(
            fd.relation as string,
            children.map((c) => c.id),
            env,
          );
        else for (const child of children) this.patchRaw(fd.relation as string, child.id, { [fd.inverse as string]: false });
      }
      const rec = this.get(model, id) as Rec;
      this.deleteRaw(model, id);
      for (const imd of this.all('ir.model.data')) if (imd.model === model && imd.res_id === id) this.deleteRaw('ir.model.data', imd.id);
      if (model === 'product.product') {
        const tmpl = idOf(rec.product_tmpl_id);
        if (tmpl && !this.all('product.product').some((p) => p.product_tmpl_id === tmpl)) this.unlink('product.template', [tmpl], env);
      }
    }
  }

  private check(model: string, rec: Rec): void {
    for (const constraint of this.models.get(model)?.constraints ?? []) {
      const error = constraint(rec, this);
      if (error) throw error;
    }
  }

  /** product.product keeps its template's fields: a new product makes its template first. */
  private beforeCreate(model: string, vals: Record<string, unknown>, env: Env): void {
    if (model === 'product.product' && isEmpty(vals.product_tmpl_id)) {
      const tmplFields = this.models.get('product.template')?.fields ?? {};
      const shared: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(vals)) {
        if (key in tmplFields && !tmplFields[key]?.compute && key !== 'active' && !['barcode', 'product_tmpl_id'].includes(key))
          shared[key] = value;
      }
      vals.product_tmpl_id = this.create('product.template', shared, env, { withVariant: false });
    }
    if (model === 'product.product') {
      // fill the shared fields from the template when they were not given
      const tmpl = this.get('product.template', Number(vals.product_tmpl_id));
      const productFields = this.models.get('product.product')?.fields ?? {};
      for (const [key, fd] of Object.entries(productFields)) {
        if (fd.owner === 'product.template' && vals[key] === undefined && tmpl && key in tmpl) vals[key] = tmpl[key];
      }
    }
    if (model === 'mrp.bom' && isEmpty(vals.product_tmpl_id) && idOf(vals.product_id)) {
      vals.product_tmpl_id = this.get('product.product', vals.product_id as number)?.product_tmpl_id ?? false;
    }
  }

  private afterWrite(model: string, rec: Rec, vals: Record<string, unknown>, env: Env, created: boolean, withVariant: boolean): void {
    this.models.get(model)?.afterWrite?.(this, rec, vals, env, created);
    if (model === 'product.template' && created && withVariant) {
      this.create('product.product', { product_tmpl_id: rec.id, default_code: vals.default_code ?? false }, env);
    }
    if (model === 'product.product' && !created) {
      // mirror shared fields on the template
      const shared: Record<string, unknown> = {};
      const productFields = this.models.get('product.product')?.fields ?? {};
      for (const key of Object.keys(vals)) if (productFields[key]?.owner === 'product.template') shared[key] = rec[key];
      if (Object.keys(shared).length && idOf(rec.product_tmpl_id)) this.patchRaw('product.template', rec.product_tmpl_id as number, shared);
    }
    if (model === 'product.template' && !created) {
      const productFields = this.models.get('product.product')?.fields ?? {};
      const shared: Record<string, unknown> = {};
      for (const key of Object.keys(vals)) if (productFields[key]?.owner === 'product.template') shared[key] = rec[key];
      if (Object.keys(shared).length)
        for (const p of this.all('product.product')) if (p.product_tmpl_id === rec.id) this.patchRaw('product.product', p.id, shared);
    }
    // a count (inventory_quantity) marks the quant as counted, unless the caller sets the flag itself
    if (model === 'stock.quant' && 'inventory_quantity' in vals && !('inventory_quantity_set' in vals)) {
      this.patchRaw(model, rec.id, {
        inventory_quantity_set: true,
        inventory_diff_quantity: Number(rec.inventory_quantity ?? 0) - Number(rec.quantity ?? 0),
      });
    }
  }

  // ---- reading -----------------------------------------------------------------------------------

  /** A field value as Odoo sends it: false for empty, [id, name] for many2one, floats as floats. */
  readField(model: string, rec: Rec, field: string): unknown {
    const def = this.requireModel(model);
    const fd = def.fields[field] as FieldDef;
    if (field === 'id') return rec.id;
    if (field === 'display_name') return this.display(model, rec.id);
    let raw: unknown = fd.compute ? fd.compute(rec, this) : rec[field];
    if (fd.type === 'one2many' && !fd.compute && fd.children) raw = fd.children(rec, this);
    else if (fd.type === 'one2many' && !fd.compute) {
      raw = this.all(fd.relation as string)
        .filter((child) => child[fd.inverse as string] === rec.id)
        .map((child) => child.id);
    }
    switch (fd.type) {
      case 'many2one': {
        const id = idOf(raw);
        return id && this.get(fd.relation as string, id) ? [id, this.display(fd.relation as string, id)] : false;
      }
      case 'one2many':
      case 'many2many':
        return Array.isArray(raw) ? [...(raw as number[])].sort((a, b) => a - b) : [];
      case 'float':
      case 'monetary':
        return new PyFloat(Number(raw ?? 0));
      case 'integer':
        return Number(raw ?? 0);
      case 'boolean':
        return Boolean(raw);
      default:
        return isEmpty(raw) ? false : raw;
    }
  }

  /** Field names to read: all non-relational-heavy fields when none are asked for. */
  fieldsToRead(model: string, fields: unknown): string[] {
    const def = this.requireModel(model);
    const list = Array.isArray(fields) && fields.length > 0 ? (fields as unknown[]).map(String) : Object.keys(def.fields);
    for (const field of list) {
      if (!(field in def.fields)) {
        throw this.version >= 19
          ? raise.value(`Invalid field '${field}' on '${model}'`, frames.read)
          : raise.value(`Invalid field '${field}' on model '${model}'`, frames.read);
      }
    }
    return list;
  }

  readRecord(model: string, rec: Rec, fields: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { id: rec.id };
    for (const field of fields) if (field !== 'id') out[field] = this.readField(model, rec, field);
    return out;
  }
}

export type { Env, Rec };
