/**
 * `model.load(fields, rows)` as Odoo's import does it (captures 071-081, 084-090; 19: 033-040,
 * 060-064): string cells converted per field type, `id` = external id (created with the record,
 * `noupdate` false, plus `<name>_product_template` for products), `field/id` and `field/.id`
 * many2one columns, datetimes read in the context tz. Bad data does not fault: the answer is
 * `{ids: false, messages}` and the whole call is rolled back. A non-string cell is a fault.
 */
import { OdooException, RequiredFieldMissing, frames, raise } from './exceptions.ts';
import type { Env, FieldDef } from './models.ts';
import { pyTypeName } from './py.ts';
import type { Store } from './store.ts';

export interface LoadAnswer {
  ids: number[] | false;
  messages: Array<Record<string, unknown>>;
  nextrow: number;
}

interface Column {
  field: string;
  /** '' plain, 'id' external id, '.id' database id */
  kind: '' | 'id' | '.id';
}

class LoadRollback extends Error {
  constructor(readonly answer: LoadAnswer) {
    super('load failed');
  }
}

const TRUES = new Set(['1', 'true', 'yes']);
const FALSES = new Set(['0', 'false', 'no', '']);

/** Offset in ms of a time zone at a UTC instant. */
function tzOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - utcMs;
}

/** 'YYYY-MM-DD HH:MM:SS' wall time in `timeZone` → the same instant in UTC. */
export function localToUtc(local: string, timeZone: string): string {
  if (timeZone === 'UTC') return local;
  const asUtc = Date.parse(`${local.replace(' ', 'T')}Z`);
  let utc = asUtc - tzOffsetMs(asUtc, timeZone);
  utc = asUtc - tzOffsetMs(utc, timeZone); // second pass settles DST edges
  return new Date(utc).toISOString().slice(0, 19).replace('T', ' ');
}

function possibleValues(resModel: string, domain: unknown[]): Record<string, unknown> {
  return {
    name: 'Possible Values',
    type: 'ir.actions.act_window',
    target: 'new',
    view_mode: 'list,form',
    views: [
      [false, 'list'],
      [false, 'form'],
    ],
    context: { create: false },
    help: 'See all possible values',
    res_model: resModel,
    domain,
  };
}

class ConversionError extends Error {
  constructor(
    message: string,
    readonly moreinfo?: unknown,
  ) {
    super(message);
  }
}

export class Loader {
  constructor(
    private readonly store: Store,
    private readonly model: string,
    private readonly env: Env,
    private readonly userTz: string,
  ) {}

  run(fields: unknown, data: unknown): LoadAnswer {
    if (!Array.isArray(fields) || !Array.isArray(data)) throw raise.type("load() missing 1 required positional argument: 'data'");
    const columns = fields.map((name) => this.column(String(name)));
    try {
      return this.store.savepoint(() => {
        const ids: number[] = [];
        const messages: Array<Record<string, unknown>> = [];
        data.forEach((row, index) => {
          const id = this.loadRow(columns, Array.isArray(row) ? row : [], index, messages);
          if (id !== undefined) ids.push(id);
        });
        const answer: LoadAnswer = { ids, messages, nextrow: 0 };
        if (messages.some((m) => m.type === 'error')) throw new LoadRollback({ ids: false, messages, nextrow: 0 });
        return answer;
      });
    } catch (err) {
      if (err instanceof LoadRollback) return err.answer;
      throw err;
    }
  }

  private column(name: string): Column {
    const def = this.store.requireModel(this.model);
    if (name === 'id') return { field: 'id', kind: 'id' };
    if (name === '.id') return { field: 'id', kind: '.id' };
    const [field = '', sub, extra] = name.split('/');
    if (!(field in def.fields) || extra !== undefined || (sub !== undefined && sub !== 'id' && sub !== '.id')) {
      throw raise.value(`Invalid field '${name}' on model '${this.model}'`);
    }
    return { field, kind: sub === 'id' ? 'id' : sub === '.id' ? '.id' : '' };
  }

  private fieldDef(field: string): FieldDef {
    return this.store.requireModel(this.model).fields[field] as FieldDef;
  }

  /** One row, in a savepoint: its messages are collected, the others go on. */
  private loadRow(columns: Column[], row: unknown[], index: number, messages: Array<Record<string, unknown>>): number | undefined {
    const info = { rows: { from: index, to: index } };
    const vals: Record<string, unknown> = {};
    let xmlid: string | undefined;
    let dbId: number | undefined;
    let failed = false;

    columns.forEach((column, c) => {
      const cell = row[c] ?? '';
      if (column.field === 'id') {
        if (typeof cell !== 'string') throw raise.attribute(`'${pyTypeName(cell)}' object has no attribute 'split'`);
        if (column.kind === 'id' && cell) xmlid = cell.includes('.') ? cell : `__import__.${cell}`;
        if (column.kind === '.id' && cell) dbId = Number(cell);
        return;
      }
      const fd = this.fieldDef(column.field);
      try {
        vals[column.field] = this.convert(column, fd, cell, messages, index);
      } catch (err) {
        if (!(err instanceof ConversionError)) throw err;
        failed = true;
        messages.push({
          ...info,
          type: 'error',
          record: index,
          field: column.field,
          message: err.message.replace('%(field)s', fd.string),
          ...(err.moreinfo !== undefined ? { moreinfo: err.moreinfo } : {}),
          field_name: fd.string,
        });
      }
    });

    const existingId = dbId ?? (xmlid ? this.store.xmlidToId(xmlid) : undefined);
    try {
      return this.store.savepoint(() => {
        let id: number;
        if (existingId !== undefined && this.store.get(this.model, existingId)) {
          this.store.write(this.model, [existingId], vals, this.env);
          id = existingId;
        } else {
          id = this.store.create(this.model, vals, this.env);
          if (xmlid) this.writeXmlid(xmlid, id);
        }
        if (failed) throw new LoadRollback({ ids: false, messages: [], nextrow: 0 });
        return id;
      });
    } catch (err) {
      if (err instanceof LoadRollback) return undefined;
      if (err instanceof RequiredFieldMissing) {
        messages.push({ ...info, record: index, type: 'error', ...this.requiredMessage(err) });
        return undefined;
      }
      if (err instanceof OdooException && err.pyClass.startsWith('odoo.exceptions.')) {
        messages.push({ ...info, record: index, type: 'error', message: err.message });
        return undefined;
      }
      throw err;
    }
  }

  private requiredMessage(err: RequiredFieldMissing): Record<string, unknown> {
    const store = this.store;
    const fd = store.requireModel(err.model).fields[err.field] as FieldDef;
    const v19 = store.version >= 19;
    const tail =
      '\n- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n';
    if (err.model !== this.model) {
      // the NOT NULL failed on another table (product.template for product.product)
      return v19
        ? { message: `Missing required value for the field '${fd.string}' (${err.field}).\nModel: Unknown${tail}` }
        : { message: `Missing required value for the field '${err.field}' on a linked model [${err.model.replace(/\./g, '_')}]` };
    }
    const description = store.requireModel(err.model).description;
    return v19
      ? {
          message: `Missing required value for the field '${fd.string}' (${err.field}).\nModel: '${description}' (${err.model})${tail}`,
          field: err.field,
        }
      : { message: `Missing required value for the field '${fd.string}' (${err.field})`, field: err.field };
  }

  private writeXmlid(xmlid: string, id: number): void {
    const [module = '', ...rest] = xmlid.split('.');
    const name = rest.join('.');
    const upsert = (imdName: string, model: string, resId: number) => {
      const existing = this.store.xmlidRecord(`${module}.${imdName}`);
      if (existing) this.store.write('ir.model.data', [existing.id], { model, res_id: resId }, this.env);
      else this.store.create('ir.model.data', { module, name: imdName, model, res_id: resId, noupdate: false }, this.env);
    };
    if (this.model === 'product.product') {
      const tmpl = this.store.get('product.product', id)?.product_tmpl_id;
      if (typeof tmpl === 'number') upsert(`${name}_product_template`, 'product.template', tmpl);
    }
    upsert(name, this.model, id);
  }

  private convert(column: Column, fd: FieldDef, cell: unknown, messages: Array<Record<string, unknown>>, index: number): unknown {
    if (typeof cell !== 'string') {
      if ((fd.type === 'float' || fd.type === 'monetary' || fd.type === 'integer') && typeof cell === 'number') return cell;
      // what ir.fields' converters do with a non-string: call a str method on it
      throw raise.attribute(
        `'${pyTypeName(cell)}' object has no attribute 'lower'`,
        fd.type === 'boolean' ? frames.loadBoolean(this.store.version) : [],
      );
    }
    if (fd.type === 'many2one') return this.many2one(column, fd, cell);
    if (cell === '') return false; // an empty cell is no value (False), for every type
    switch (fd.type) {
      case 'boolean': {
        const lower = cell.toLowerCase();
        if (TRUES.has(lower)) return true;
        if (FALSES.has(lower)) return false;
        messages.push({
          rows: { from: index, to: index },
          type: 'warning',
          record: index,
          field: column.field,
          message: `Unknown value '${cell}' for boolean field '${fd.string}', assuming 'yes'`,
          moreinfo: "Use '1' for yes and '0' for no",
          field_name: fd.string,
        });
        return true;
      }
      case 'integer': {
        if (!/^\s*[-+]?\d+\s*$/.test(cell)) throw new ConversionError(`'${cell}' does not seem to be an integer for field '%(field)s'`);
        return parseInt(cell, 10);
      }
      case 'float':
      case 'monetary': {
        const value = Number(cell);
        if (cell.trim() === '' || !Number.isFinite(value))
          throw new ConversionError(`'${cell}' does not seem to be a number for field '%(field)s'`);
        return value;
      }
      case 'selection': {
        const match = fd.selection?.find(([value, label]) => value === cell || label.toLowerCase() === cell.toLowerCase());
        if (!match)
          throw new ConversionError(
            `Value '${cell}' not found in selection field '%(field)s'`,
            fd.selection?.map(([, label]) => label),
          );
        return match[0];
      }
      case 'date': {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(cell))
          throw new ConversionError(`'${cell}' does not seem to be a valid date for field '%(field)s'`, "Use the format '2012-12-31'");
        return cell;
      }
      case 'datetime': {
        const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(cell);
        if (!m)
          throw new ConversionError(
            `'${cell}' does not seem to be a valid datetime for field '%(field)s'`,
            "Use the format '2012-12-31 23:59:59'",
          );
        const local = `${m[1]} ${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}`;
        const tz = typeof this.env.context.tz === 'string' && this.env.context.tz ? this.env.context.tz : this.userTz;
        return localToUtc(local, tz);
      }
      case 'many2many':
        return cell.split(',').map((part) => {
          const id = column.kind === '.id' ? Number(part) : this.store.xmlidToId(part.trim());
          if (!id)
            throw new ConversionError(
              `No matching record found for external id '${part}' in field '%(field)s'`,
              possibleValues('ir.model.data', [['model', '=', fd.relation]]),
            );
          return id;
        });
      default:
        return cell;
    }
  }

  private many2one(column: Column, fd: FieldDef, cell: string): unknown {
    if (cell === '') return false;
    const relation = fd.relation as string;
    if (column.kind === 'id') {
      const xmlid = cell.includes('.') ? cell : `__import__.${cell}`;
      const id = this.store.xmlidToId(xmlid);
      if (id === undefined || this.store.xmlidRecord(xmlid)?.model !== relation) {
        throw new ConversionError(
          `No matching record found for external id '${cell}' in field '%(field)s'`,
          possibleValues('ir.model.data', [['model', '=', relation]]),
        );
      }
      return id;
    }
    if (column.kind === '.id') {
      if (!/^\d+$/.test(cell))
        throw new ConversionError(`Invalid database id '${cell}' for the field '%(field)s'`, possibleValues(relation, []));
      const id = Number(cell);
      if (!this.store.get(relation, id))
        throw new ConversionError(`No matching record found for database id '${cell}' in field '%(field)s'`, possibleValues(relation, []));
      return id;
    }
    // by name, like name_search(operator='=')
    const found = this.store
      .all(relation)
      .find((rec) => rec.name === cell || this.store.display(relation, rec.id) === cell || rec.default_code === cell);
    if (!found) throw new ConversionError(`No matching record found for name '${cell}' in field '%(field)s'`, possibleValues(relation, []));
    return found.id;
  }
}
