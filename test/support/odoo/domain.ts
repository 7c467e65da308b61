/**
 * Domains and ordering for the test server: leaves `[path, operator, value]` with
 * `= != in not in < > <= >= like ilike not like not ilike =like =ilike`, dotted paths through
 * many2one / x2many fields, and the prefix operators `& | !` (implicit `&` between terms).
 * Null semantics follow Odoo's SQL: `!=` and `not in` match empty values, comparisons do not.
 */
import { raise } from './exceptions.ts';
import type { Env, Rec } from './models.ts';
import { PyTuple, pyRepr } from './py.ts';
import type { Store } from './store.ts';

type Predicate = (rec: Rec) => boolean;

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === false || (Array.isArray(value) && value.length === 0);
}

function likeRegex(pattern: string, anchored: boolean, insensitive: boolean): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(anchored ? `^${body}$` : body, insensitive ? 'si' : 's');
}

/** Raw value for comparisons: many2one as id, x2many as ids, computed fields computed. */
function rawValue(store: Store, model: string, rec: Rec, field: string): unknown {
  if (field === 'id') return rec.id;
  const fd = store.requireModel(model).fields[field];
  if (!fd) return undefined;
  if (fd.compute) return fd.compute(rec, store);
  if (fd.type === 'one2many')
    return store
      .all(fd.relation as string)
      .filter((child) => child[fd.inverse as string] === rec.id)
      .map((child) => child.id);
  return rec[field];
}

/** A test for one leaf's operator and value, prepared once per search (regexes, sets). */
function comparator(store: Store, model: string, field: string, op: string, value: unknown): (raw: unknown) => boolean {
  const fd = field === 'id' ? undefined : store.requireModel(model).fields[field];
  const relational = fd?.type === 'many2one' || fd?.type === 'one2many' || fd?.type === 'many2many';
  const ids = (raw: unknown): unknown[] => (Array.isArray(raw) ? raw : isEmpty(raw) ? [] : [raw]);
  const names = (raw: unknown): string[] =>
    relational && fd?.relation ? ids(raw).map((id) => store.display(fd.relation as string, Number(id))) : [];
  const texts = (raw: unknown): string[] => (relational ? names(raw) : isEmpty(raw) ? [] : [String(raw)]);
  const negate = (test: (raw: unknown) => boolean) => (raw: unknown) => !test(raw);

  switch (op) {
    case '=':
    case '==': {
      if (value === false || value === null) return isEmpty;
      if (relational && typeof value === 'string') return (raw) => names(raw).includes(value);
      if (fd?.type === 'boolean') return (raw) => Boolean(raw) === Boolean(value);
      return (raw) => ids(raw).some((item) => item === value);
    }
    case '!=':
    case '<>':
      return negate(comparator(store, model, field, '=', value));
    case 'in': {
      const list = Array.isArray(value) ? (value as unknown[]) : [value];
      const set = new Set(list);
      if (fd?.type === 'boolean') return (raw) => list.some((item) => Boolean(item) === Boolean(raw));
      return (raw) =>
        (set.has(false) && isEmpty(raw)) ||
        ids(raw).some((item) => set.has(item)) ||
        (relational && names(raw).some((name) => set.has(name)));
    }
    case 'not in':
      return negate(comparator(store, model, field, 'in', value));
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const numeric = typeof value === 'number';
      const numberField = fd?.type === 'float' || fd?.type === 'integer' || fd?.type === 'monetary';
      const b = numeric ? value : String(value);
      return (raw) => {
        if (isEmpty(raw) && !numberField) return false;
        const a = numeric ? Number(raw ?? 0) : String(raw ?? '');
        return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
      };
    }
    case 'like':
    case 'ilike':
    case '=like':
    case '=ilike': {
      if (value === false) return isEmpty;
      const regex = likeRegex(String(value), op.startsWith('='), op.endsWith('ilike'));
      return (raw) => texts(raw).some((item) => regex.test(item));
    }
    case 'not like':
    case 'not ilike':
      return negate(comparator(store, model, field, op.slice(4), value));
    case 'child_of':
    case 'parent_of':
      // hierarchies are shallow in the test data: treated as `in`
      return comparator(store, model, field, 'in', value);
    default:
      throw raise.value(`Invalid leaf ${pyRepr(new PyTuple([field, op, value]))}`);
  }
}

function leaf(store: Store, model: string, leafValue: unknown[]): Predicate {
  const [path, op, value] = leafValue as [unknown, unknown, unknown];
  if (typeof path !== 'string' || typeof op !== 'string') throw raise.value(`Invalid leaf ${pyRepr(new PyTuple(leafValue))}`);
  const [head = '', ...rest] = path.split('.');
  const def = store.requireModel(model);
  if (head !== 'id' && !(head in def.fields)) {
    const where = store.version >= 19 ? 'condition' : 'leaf';
    throw raise.value(`Invalid field ${model}.${head} in ${where} ${pyRepr(new PyTuple([path, op, value]))}`, []);
  }
  if (rest.length > 0) {
    const fd = def.fields[head];
    const relation = fd?.relation;
    if (!relation) throw raise.value(`Invalid field ${model}.${path} in leaf ${pyRepr(new PyTuple([path, op, value]))}`);
    const inner = leaf(store, relation, [rest.join('.'), op, value]);
    return (rec) => {
      const raw = rawValue(store, model, rec, head);
      const ids = Array.isArray(raw) ? (raw as number[]) : typeof raw === 'number' ? [raw] : [];
      return ids.some((id) => {
        const target = store.get(relation, id);
        return target ? inner(target) : false;
      });
    };
  }
  const test = comparator(store, model, head, op, value);
  if (head === 'id') return (rec) => test(rec.id);
  return (rec) => test(rawValue(store, model, rec, head));
}

/** Compile a domain (Polish notation, implicit AND) into a predicate. */
export function compileDomain(store: Store, model: string, domain: unknown): Predicate {
  if (domain === undefined || domain === null || domain === false) return () => true;
  if (!Array.isArray(domain)) throw raise.value(`Invalid domain: ${pyRepr(domain)}`);
  const stack: Predicate[] = [];
  for (let i = domain.length - 1; i >= 0; i--) {
    const item: unknown = domain[i];
    if (item === '!') {
      const a = stack.pop() ?? (() => true);
      stack.push((rec) => !a(rec));
    } else if (item === '&' || item === '|') {
      const a = stack.pop() ?? (() => true);
      const b = stack.pop() ?? (() => true);
      stack.push(item === '&' ? (rec) => a(rec) && b(rec) : (rec) => a(rec) || b(rec));
    } else if (Array.isArray(item) && item.length === 3) {
      stack.push(leaf(store, model, item));
    } else if (Array.isArray(item) && item.length === 0) {
      stack.push(() => true);
    } else {
      throw raise.value(`Invalid leaf ${pyRepr(item)}`);
    }
  }
  return (rec) => stack.every((predicate) => predicate(rec));
}

function mentionsActive(domain: unknown): boolean {
  return Array.isArray(domain) && domain.some((item) => Array.isArray(item) && item[0] === 'active');
}

type OrderKey = { field: string; desc: boolean };

function parseOrder(store: Store, model: string, order: string | undefined, strict: boolean): OrderKey[] {
  const def = store.requireModel(model);
  const spec = order && order.trim() ? order : def.order;
  const keys: OrderKey[] = [];
  for (const part of spec.split(',')) {
    const [field = '', direction = 'asc'] = part.trim().split(/\s+/);
    if (!field) continue;
    if (field !== 'id' && !(field in def.fields)) {
      if (strict && order) throw raise.value(`Invalid field ${pyRepr(field)} on model ${pyRepr(model)}`);
      continue;
    }
    keys.push({ field, desc: direction.toLowerCase() === 'desc' });
  }
  return keys;
}

function sortValue(store: Store, model: string, rec: Rec, field: string): unknown {
  const raw = rawValue(store, model, rec, field);
  const fd = field === 'id' ? undefined : store.requireModel(model).fields[field];
  if (fd?.type === 'many2one') return typeof raw === 'number' ? store.display(fd.relation as string, raw) : null;
  return isEmpty(raw) ? null : raw;
}

export interface SearchOptions {
  env: Env;
  order?: string;
  offset?: number;
  limit?: number | false | null;
  /** the user's companies filtered by allowed_company_ids */
  companies: number[];
}

export function searchRecords(store: Store, model: string, domain: unknown, options: SearchOptions): Rec[] {
  const def = store.requireModel(model);
  const predicate = compileDomain(store, model, domain);
  const activeTest = 'active' in def.fields && options.env.context.active_test !== false && !mentionsActive(domain);
  const companyField = def.fields.company_id;
  let matches = store.all(model).filter((rec) => {
    if (activeTest && rec.active === false) return false;
    if (companyField) {
      const company = companyField.compute ? companyField.compute(rec, store) : rec.company_id;
      if (typeof company === 'number' && company > 0 && !options.companies.includes(company)) return false;
    }
    return predicate(rec);
  });
  const keys = parseOrder(store, model, options.order, true);
  if (keys.length === 0 || keys[0]?.field !== 'id') keys.push({ field: 'id', desc: false });
  if (keys.length === 1 && keys[0]?.field === 'id') {
    // the usual paging order: no need to compute sort values
    const desc = keys[0].desc;
    matches.sort((a, b) => (desc ? b.id - a.id : a.id - b.id));
  } else {
    // Postgres: NULLS LAST ascending, NULLS FIRST descending; values computed once per record
    const decorated = matches.map((rec) => ({ rec, values: keys.map(({ field }) => sortValue(store, model, rec, field)) }));
    decorated.sort((a, b) => {
      for (let k = 0; k < keys.length; k++) {
        const desc = keys[k]?.desc ?? false;
        const x = a.values[k];
        const y = b.values[k];
        if (x === y) continue;
        if (x === null) return desc ? -1 : 1;
        if (y === null) return desc ? 1 : -1;
        const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        if (cmp !== 0) return desc ? -cmp : cmp;
      }
      return 0;
    });
    matches = decorated.map((item) => item.rec);
  }
  const offset = options.offset ?? 0;
  const limit = typeof options.limit === 'number' && options.limit > 0 ? options.limit : undefined;
  return limit === undefined ? matches.slice(offset) : matches.slice(offset, offset + limit);
}
