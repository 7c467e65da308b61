/**
 * A generated manufacturing structure for the cost rollup bench (and a smaller one for the
 * tests): products on `levels` levels (level 0 bought, the others made), BoMs whose first line
 * comes from the level just below (so the structure really is that deep) and the rest from any
 * lower level, mixed units (kg bought, lines in g; dozens bought, lines in units; BoMs made in
 * dozens), BoM quantities other than one, operations on workcenters with setup, cleanup and
 * efficiency, kits, and products with a second BoM that must not be chosen. Deterministic for
 * a seed. Written into the md_ tables in chunks through knex.
 */
import type { Knex } from 'knex';
import type { RefInput } from '../../transform/costs/reference-rollup.ts';
import { prng } from '../../tools/plant-simulator/machines.ts';

export interface CostDataShape {
  products: number;
  levels: number;
  bomLines: number;
  seed?: number;
  /** share of level-1 products that are kits */
  kitShare?: number;
  /** share of made products with a second (losing) BoM */
  secondBomShare?: number;
  workcenters?: number;
}

export const UOM = { units: 1, dozens: 2, kg: 12, g: 13 } as const;

export function generateCostData(shape: CostDataShape): RefInput & { levelOf: Map<number, number> } {
  const rnd = prng(shape.seed ?? 42);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const money = (lo: number, hi: number) => Math.round((lo + rnd() * (hi - lo)) * 100) / 100;

  const uoms = [
    { id: UOM.units, group: 'Unit', ratio: 1 },
    { id: UOM.dozens, group: 'Unit', ratio: 12 },
    { id: UOM.kg, group: 'Weight', ratio: 1 },
    { id: UOM.g, group: 'Weight', ratio: 0.001 },
  ];
  // 40 % bought, the rest spread evenly over the made levels
  const bought = Math.round(shape.products * 0.4);
  const perLevel = Math.floor((shape.products - bought) / (shape.levels - 1));
  const byLevel: number[][] = Array.from({ length: shape.levels }, () => []);
  const levelOf = new Map<number, number>();
  const products: RefInput['products'] = [];
  for (let i = 1; i <= shape.products; i++) {
    const level = i <= bought ? 0 : Math.min(shape.levels - 1, 1 + Math.floor((i - bought - 1) / perLevel));
    const r = rnd();
    const uomId = level === 0 ? (r < 0.1 ? UOM.kg : r < 0.15 ? UOM.dozens : UOM.units) : UOM.units;
    products.push({
      id: i,
      tmplId: i,
      uomId,
      standardPrice: level === 0 ? money(0.05, 200) : money(10, 2000),
      active: true,
      type: 'consu',
      categId: 1 + (i % 12),
    });
    byLevel[level]!.push(i);
    levelOf.set(i, level);
  }
  const workcenters = Array.from({ length: shape.workcenters ?? 20 }, (_, i) => ({
    id: i + 1,
    costsHour: money(20, 120),
    timeEfficiency: pick([100, 100, 100, 80, 90, 110, 75]),
    timeStart: pick([0, 0, 5, 10, 15, 30]),
    timeStop: pick([0, 0, 5, 10]),
  }));

  const made = byLevel.slice(1).flat();
  const kits = new Set(byLevel[1]!.filter(() => rnd() < (shape.kitShare ?? 0.05)));
  const second = new Set(made.filter((p) => !kits.has(p) && rnd() < (shape.secondBomShare ?? 0.05)));
  const bomCount = made.length + second.size;
  const boms: RefInput['boms'] = [];
  const lines: RefInput['lines'] = [];
  const operations: RefInput['operations'] = [];
  let lineId = 0;
  let opId = 0;
  // lines per BoM so that the total comes out at shape.bomLines
  let linesLeft = shape.bomLines;
  let bomsLeft = bomCount;
  const lowerThan = (level: number) => byLevel.slice(0, level).flat();
  const lowerCache = new Map<number, number[]>();
  const lower = (level: number) => lowerCache.get(level) ?? lowerCache.set(level, lowerThan(level)).get(level)!;

  const addBom = (productId: number, bomId: number, sequence: number, kit: boolean) => {
    const level = levelOf.get(productId)!;
    const target = Math.max(1, Math.round(linesLeft / bomsLeft));
    const n = Math.max(1, Math.min(linesLeft - (bomsLeft - 1), target + int(-2, 2)));
    linesLeft -= n;
    bomsLeft--;
    const variant = rnd() < 0.2;
    boms.push({
      id: bomId,
      type: kit ? 'phantom' : 'normal',
      productTmplId: productId,
      productId: variant ? productId : null,
      productQty: kit ? 1 : pick([1, 1, 1, 2, 4, 5, 10]),
      uomId: !kit && rnd() < 0.05 ? UOM.dozens : UOM.units,
      sequence,
      companyId: null,
      active: true,
    });
    const used = new Set<number>();
    for (let k = 0; k < n; k++) {
      // kits take bought parts only; the first line of a made product comes from the level below
      let component: number;
      let guard = 0;
      do {
        component = kit ? pick(byLevel[0]!) : k === 0 ? pick(byLevel[level - 1]!) : rnd() < 0.6 ? pick(byLevel[0]!) : pick(lower(level));
      } while ((used.has(component) || (kit && kits.has(component))) && ++guard < 20);
      used.add(component);
      const cu = products[component - 1]!.uomId;
      let uomId = cu;
      let qty = int(1, 8);
      if (cu === UOM.kg && rnd() < 0.5) {
        uomId = UOM.g;
        qty = int(50, 900);
      } else if (cu === UOM.dozens && rnd() < 0.5) {
        uomId = UOM.units;
        qty = int(1, 30);
      }
      lines.push({ id: ++lineId, bomId, productId: component, productQty: qty, uomId });
    }
    if (!kit || rnd() < 0.5) {
      for (let k = int(kit ? 1 : 1, 2); k > 0; k--) {
        const auto = rnd() < 0.2;
        const manual = int(1, 90);
        operations.push({
          id: ++opId,
          bomId,
          workcenterId: pick(workcenters).id,
          timeMode: auto ? 'auto' : 'manual',
          timeCycleManual: manual,
          timeCycle: auto ? int(1, 90) : manual,
        });
      }
    }
  };

  let bomId = 0;
  for (const p of made) {
    addBom(p, ++bomId, int(0, 3), kits.has(p));
    if (second.has(p)) addBom(p, ++bomId, 50, false); // higher sequence: never chosen
  }
  return { uoms, products, boms, lines, operations, workcenters, levelOf };
}

/** Writes the generated data into the md_ tables (units, products, workcenters, BoMs, lines, operations). */
export async function insertCostData(knex: Knex, data: RefInput, chunk = 5000): Promise<void> {
  const put = async (table: string, rows: Array<Record<string, unknown>>) => {
    for (let i = 0; i < rows.length; i += chunk) await knex(table).insert(rows.slice(i, i + chunk));
  };
  await put(
    'md_uoms',
    data.uoms.map((u) => ({
      odoo_id: u.id,
      name: { 1: 'Units', 2: 'Dozens', 12: 'kg', 13: 'g' }[u.id] ?? `U${u.id}`,
      ref_group: u.group,
      ref_ratio: u.ratio,
    })),
  );
  await put(
    'md_products',
    data.products.map((p) => ({
      odoo_id: p.id,
      default_code: `P${String(p.id).padStart(6, '0')}`,
      name: `Product ${p.id}`,
      uom_id: p.uomId,
      product_tmpl_id: p.tmplId,
      standard_price: p.standardPrice,
      categ_id: p.categId,
      categ_name: `Category ${p.categId}`,
      cost_method: 'standard',
      valuation: 'periodic',
      is_storable: true,
      type: p.type,
      active: p.active,
    })),
  );
  await put(
    'md_workcenters',
    data.workcenters.map((w) => ({
      odoo_id: w.id,
      name: `WC ${w.id}`,
      costs_hour: w.costsHour,
      time_efficiency: w.timeEfficiency,
      time_start: w.timeStart,
      time_stop: w.timeStop,
    })),
  );
  await put(
    'md_boms',
    data.boms.map((b) => ({
      odoo_id: b.id,
      type: b.type,
      is_kit: b.type === 'phantom',
      product_tmpl_id: b.productTmplId,
      product_id: b.productId,
      product_qty: b.productQty,
      uom_id: b.uomId,
      sequence: b.sequence,
      company_id: b.companyId,
      active: b.active,
    })),
  );
  await put(
    'md_bom_lines',
    data.lines.map((l) => ({ odoo_id: l.id, bom_id: l.bomId, product_id: l.productId, product_qty: l.productQty, uom_id: l.uomId })),
  );
  await put(
    'md_bom_operations',
    data.operations.map((o) => ({
      odoo_id: o.id,
      bom_id: o.bomId,
      name: `Op ${o.id}`,
      workcenter_id: o.workcenterId,
      time_mode: o.timeMode,
      time_cycle_manual: o.timeCycleManual,
      time_cycle: o.timeCycle,
    })),
  );
}
