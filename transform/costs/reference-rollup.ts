/**
 * A straightforward recursive rollup in TypeScript over master data held in memory: the same
 * rules as sql/costs/rollup.sql (Odoo's BoM choice and BoM cost, kits exploded, overhead, the
 * unit cost rounded before a parent uses it), written the obvious way — depth first with a memo.
 * bench/cost-rollup times the SQL against it and the tests use it as a second opinion. Pure.
 */
export interface RefUom {
  id: number;
  group: string;
  ratio: number;
}
export interface RefProduct {
  id: number;
  tmplId: number | null;
  uomId: number | null;
  standardPrice: number | null;
  active: boolean;
  type: string | null;
  categId: number | null;
}
export interface RefBom {
  id: number;
  type: string;
  productTmplId: number | null;
  productId: number | null;
  productQty: number;
  uomId: number | null;
  sequence: number | null;
  companyId: number | null;
  active: boolean;
}
export interface RefLine {
  id: number;
  bomId: number;
  productId: number;
  productQty: number;
  uomId: number | null;
}
export interface RefOperation {
  id: number;
  bomId: number;
  workcenterId: number | null;
  timeMode: string | null;
  timeCycleManual: number | null;
  timeCycle: number | null;
}
export interface RefWorkcenter {
  id: number;
  costsHour: number | null;
  timeEfficiency: number | null;
  timeStart: number | null;
  timeStop: number | null;
}

export interface RefInput {
  uoms: RefUom[];
  products: RefProduct[];
  boms: RefBom[];
  lines: RefLine[];
  operations: RefOperation[];
  workcenters: RefWorkcenter[];
  /** component cost updates in force (product id → cost per product unit) */
  updates?: Map<number, number>;
}

export interface RefOptions {
  companyId?: number | null;
  priceDigits?: number | null;
  overheadPct?: Map<number, number>;
  overheadBase?: 'material_and_operations' | 'operations' | 'material';
  zeroCostIsMissing?: boolean;
}

export interface RefResult {
  bomId: number;
  kit: boolean;
  material: number;
  purchased: number;
  operations: number;
  overhead: number;
  newCost: number;
}

/**
 * Odoo's float_round (HALF-UP, with the same epsilon nudge), so a value that is a half cent in
 * decimal but a hair below in binary still rounds up, as Odoo and PostgreSQL's numeric do.
 */
export function floatRound(value: number, digits: number): number {
  const factor = 10 ** -digits;
  if (value === 0) return 0;
  let normalized = value / factor;
  const epsilonMagnitude = Math.log2(Math.abs(normalized));
  const epsilon = 2 ** (epsilonMagnitude - 52);
  normalized += Math.sign(normalized) * epsilon;
  const rounded = Math.sign(normalized) * Math.floor(Math.abs(normalized) + 0.5);
  return rounded / 10 ** digits;
}

/**
 * The rollup's rounding of a unit cost: half up, where a value within 1e-9 below a half cent is
 * that half cent (sql/costs/rollup.sql does the same on exact decimals): what a tie that binary
 * floats or repeating decimals leave a hair short should have been.
 */
export function roundCost(value: number, digits: number): number {
  return floatRound(value + Math.sign(value) * 1e-9, digits);
}

export function referenceRollup(input: RefInput, options: RefOptions = {}): Map<number, RefResult | null> {
  // null: unrounded, as Odoo 19 stores standard_price
  const digits = options.priceDigits === undefined ? 2 : options.priceDigits;
  const round = (v: number) => (digits === null ? v : roundCost(v, digits));
  const base = options.overheadBase ?? 'material_and_operations';
  const uoms = new Map(input.uoms.map((u) => [u.id, u]));
  const products = new Map(input.products.map((p) => [p.id, p]));
  const workcenters = new Map(input.workcenters.map((w) => [w.id, w]));
  const linesByBom = new Map<number, RefLine[]>();
  for (const l of input.lines) (linesByBom.get(l.bomId) ?? linesByBom.set(l.bomId, []).get(l.bomId)!).push(l);
  const opsByBom = new Map<number, RefOperation[]>();
  for (const o of input.operations) (opsByBom.get(o.bomId) ?? opsByBom.set(o.bomId, []).get(o.bomId)!).push(o);

  // mrp.bom._bom_find: order sequence, product_id (a variant's own BoM first), id
  const visible = input.boms.filter(
    (b) => b.active && (options.companyId == null || b.companyId === null || b.companyId === options.companyId),
  );
  visible.sort(
    (a, b) => (a.sequence ?? 0) - (b.sequence ?? 0) || Number(a.productId === null) - Number(b.productId === null) || a.id - b.id,
  );
  const byVariant = new Map<number, RefBom>();
  const byTemplate = new Map<number, RefBom>();
  for (const b of visible) {
    if (b.productId !== null) {
      if (!byVariant.has(b.productId)) byVariant.set(b.productId, b);
    } else if (b.productTmplId !== null && !byTemplate.has(b.productTmplId)) byTemplate.set(b.productTmplId, b);
  }
  const chosen = (productId: number): RefBom | undefined => {
    const p = products.get(productId);
    if (!p || !p.active || p.type === 'service') return undefined;
    const v = byVariant.get(productId);
    const t = p.tmplId === null ? undefined : byTemplate.get(p.tmplId);
    if (v && t) return (v.sequence ?? 0) <= (t.sequence ?? 0) ? v : t;
    return v ?? t;
  };

  /** product units one BoM makes */
  const output = (bom: RefBom, productId: number): number | null => {
    const pu = uoms.get(products.get(productId)?.uomId ?? -1);
    const bu = uoms.get(bom.uomId ?? products.get(productId)?.uomId ?? -1);
    if (!pu || !bu || pu.group !== bu.group || !(bom.productQty > 0)) return null;
    return (bom.productQty * bu.ratio) / pu.ratio;
  };
  /** component units per one product unit */
  const lineQty = (line: RefLine, out: number): number | null => {
    const cu = uoms.get(products.get(line.productId)?.uomId ?? -1);
    const lu = uoms.get(line.uomId ?? products.get(line.productId)?.uomId ?? -1);
    if (!cu || !lu || cu.group !== lu.group || line.productQty < 0) return null;
    return (line.productQty * lu.ratio) / cu.ratio / out;
  };
  /** operations of a BoM per product unit */
  const opsCost = (bom: RefBom, out: number): number | null => {
    let total = 0;
    for (const o of opsByBom.get(bom.id) ?? []) {
      const w = o.workcenterId === null ? undefined : workcenters.get(o.workcenterId);
      const efficiency = w?.timeEfficiency ?? 100;
      if (!w || efficiency <= 0) return null;
      const cycle = o.timeMode === 'auto' ? (o.timeCycle ?? o.timeCycleManual ?? 0) : (o.timeCycleManual ?? o.timeCycle ?? 0);
      total += (((w.timeStart ?? 0) + (w.timeStop ?? 0) + (cycle * 100) / efficiency) / 60) * (w.costsHour ?? 0);
    }
    return total / out;
  };
  const purchasedCost = (productId: number): number => {
    const update = input.updates?.get(productId);
    if (update !== undefined) return round(update);
    const price = products.get(productId)?.standardPrice ?? null;
    return price ?? 0; // missing costs are costed at 0 (the checkpoint reports them)
  };

  const memo = new Map<number, RefResult | null>();
  const visiting = new Set<number>();

  const roll = (productId: number): RefResult | null => {
    if (memo.has(productId)) return memo.get(productId)!;
    if (visiting.has(productId)) return null; // a cycle
    const bom = chosen(productId)!;
    visiting.add(productId);
    const acc = { material: 0, purchased: 0, operations: 0, ok: true };
    const out = output(bom, productId);
    if (out === null) acc.ok = false;
    else {
      const own = opsCost(bom, out);
      if (own === null) acc.ok = false;
      else acc.operations += own;
      explode(bom, out, 1, [productId], acc);
    }
    visiting.delete(productId);
    let result: RefResult | null = null;
    if (acc.ok) {
      const pct = options.overheadPct?.get(products.get(productId)?.categId ?? -1) ?? 0;
      const ovBase = base === 'operations' ? acc.operations : base === 'material' ? acc.purchased : acc.purchased + acc.operations;
      const overhead = (pct / 100) * ovBase;
      result = {
        bomId: bom.id,
        kit: bom.type === 'phantom',
        material: acc.material,
        purchased: acc.purchased,
        operations: acc.operations,
        overhead,
        newCost: round(acc.material + acc.operations + overhead),
      };
    }
    memo.set(productId, result);
    return result;
  };

  /** adds a BoM's lines (× mult) to acc; kits are opened up, their operations counted here */
  const explode = (
    bom: RefBom,
    out: number,
    mult: number,
    kitPath: number[],
    acc: { material: number; purchased: number; operations: number; ok: boolean },
  ) => {
    for (const line of linesByBom.get(bom.id) ?? []) {
      if (!products.has(line.productId)) {
        acc.ok = false;
        continue;
      }
      const q = lineQty(line, out);
      if (q === null) {
        acc.ok = false;
        continue;
      }
      const qty = q * mult;
      const sub = chosen(line.productId);
      if (sub && sub.type === 'phantom') {
        if (kitPath.includes(line.productId)) {
          acc.ok = false;
          continue;
        }
        const kitOut = output(sub, line.productId);
        const kitOps = kitOut === null ? null : opsCost(sub, kitOut);
        if (kitOut === null || kitOps === null) {
          acc.ok = false;
          continue;
        }
        acc.operations += qty * kitOps;
        explode(sub, kitOut, qty, [...kitPath, line.productId], acc);
      } else if (sub) {
        const r = roll(line.productId);
        if (r === null) acc.ok = false;
        else acc.material += qty * r.newCost;
      } else {
        const cost = purchasedCost(line.productId);
        acc.material += qty * cost;
        acc.purchased += qty * cost;
      }
    }
  };

  const results = new Map<number, RefResult | null>();
  for (const p of input.products) if (chosen(p.id)) results.set(p.id, roll(p.id));
  return results;
}
