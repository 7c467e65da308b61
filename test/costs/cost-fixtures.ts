/**
 * Master data for the cost tests, written straight into the md_ staging tables (what
 * masterdata-sync would snapshot), with readable defaults: units Units / Dozens (group Unit),
 * kg / g (group Weight); every product its own template; BoMs shared (no company).
 */
import type { Knex } from 'knex';

export const UNITS = 1;
export const DOZENS = 2;
export const KG = 12;
export const G = 13;

export interface ProductSpec {
  id: number;
  code: string;
  price?: number | null;
  uom?: number;
  tmpl?: number;
  categ?: number;
  categName?: string;
  method?: string;
  valuation?: string;
  active?: boolean;
}

export interface BomSpec {
  id: number;
  product?: number | null;
  tmpl?: number;
  qty?: number;
  uom?: number | null;
  kit?: boolean;
  sequence?: number;
  company?: number | null;
  code?: string;
  lines: Array<[component: number, qty: number, uom?: number]>;
  ops?: Array<{ workcenter: number; minutes: number; mode?: 'manual' | 'auto'; computed?: number }>;
}

export class CostFixture {
  private lineId = 1000;
  private opId = 5000;

  constructor(private readonly knex: Knex) {}

  async reset(): Promise<void> {
    await this.knex.raw('truncate md_products, md_boms, md_bom_lines, md_bom_operations, md_workcenters, md_product_categories, md_uoms');
    await this.knex('md_uoms').insert([
      { odoo_id: UNITS, name: 'Units', ref_group: 'Unit', ref_ratio: 1 },
      { odoo_id: DOZENS, name: 'Dozens', ref_group: 'Unit', ref_ratio: 12 },
      { odoo_id: KG, name: 'kg', ref_group: 'Weight', ref_ratio: 1 },
      { odoo_id: G, name: 'g', ref_group: 'Weight', ref_ratio: 0.001 },
    ]);
  }

  async products(...specs: ProductSpec[]): Promise<void> {
    await this.knex('md_products').insert(
      specs.map((p) => ({
        odoo_id: p.id,
        default_code: p.code,
        name: `Product ${p.code}`,
        uom_id: p.uom ?? UNITS,
        product_tmpl_id: p.tmpl ?? p.id,
        standard_price: p.price === undefined ? 1 : p.price,
        categ_id: p.categ ?? 1,
        categ_name: p.categName ?? 'All',
        cost_method: p.method ?? 'standard',
        valuation: p.valuation ?? 'periodic',
        is_storable: true,
        type: 'consu',
        active: p.active ?? true,
      })),
    );
  }

  async categories(...rows: Array<{ id: number; name: string; parent?: number; complete?: string }>): Promise<void> {
    await this.knex('md_product_categories').insert(
      rows.map((c) => ({
        odoo_id: c.id,
        name: c.name,
        complete_name: c.complete ?? c.name,
        parent_id: c.parent ?? null,
        cost_method: 'standard',
        valuation: 'periodic',
      })),
    );
  }

  async workcenter(id: number, w: { costsHour: number; efficiency?: number | null; start?: number; stop?: number }): Promise<void> {
    await this.knex('md_workcenters').insert({
      odoo_id: id,
      name: `WC ${id}`,
      costs_hour: w.costsHour,
      time_efficiency: w.efficiency === undefined ? 100 : w.efficiency,
      time_start: w.start ?? 0,
      time_stop: w.stop ?? 0,
    });
  }

  async bom(b: BomSpec): Promise<void> {
    const product = b.product === undefined ? null : b.product;
    const tmpl = b.tmpl ?? (product as number);
    await this.knex('md_boms').insert({
      odoo_id: b.id,
      code: b.code ?? null,
      type: b.kit ? 'phantom' : 'normal',
      is_kit: Boolean(b.kit),
      product_tmpl_id: tmpl,
      product_id: product,
      product_qty: b.qty ?? 1,
      uom_id: b.uom === undefined ? null : b.uom,
      sequence: b.sequence ?? 0,
      company_id: b.company ?? null,
    });
    if (b.lines.length) {
      await this.knex('md_bom_lines').insert(
        b.lines.map(([component, qty, uom]) => ({
          odoo_id: this.lineId++,
          bom_id: b.id,
          product_id: component,
          product_qty: qty,
          uom_id: uom ?? null,
        })),
      );
    }
    if (b.ops?.length) {
      await this.knex('md_bom_operations').insert(
        b.ops.map((o) => ({
          odoo_id: this.opId++,
          bom_id: b.id,
          name: `Op ${this.opId}`,
          workcenter_id: o.workcenter,
          time_mode: o.mode ?? 'manual',
          time_cycle_manual: o.minutes,
          time_cycle: o.computed ?? o.minutes,
        })),
      );
    }
  }
}

export type Row = Record<string, unknown>;

/** The rollup line of a product in a batch, numbers as numbers. */
export async function lineOf(knex: Knex, batchId: number, code: string): Promise<Row> {
  const row = (await knex('cost_rollup_lines').where({ batch_id: batchId, default_code: code }).first()) as Row | undefined;
  if (!row) throw new Error(`no rollup line for ${code} in batch ${batchId}`);
  const out: Row = {};
  for (const [k, v] of Object.entries(row))
    out[k] = typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && k !== 'default_code' ? Number(v) : v;
  return out;
}
