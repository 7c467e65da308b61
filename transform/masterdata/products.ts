/** Product variants (product.product) → md_products rows (pure). */
import { many2oneId, many2oneName, type OdooRecord } from '../../core/odoo/values.ts';
import { active, type Fields, normaliseValuation, num, text, writeDate } from './values.ts';

export interface ProductRow {
  odoo_id: number;
  product_tmpl_id: number | null;
  default_code: string | null;
  name: string;
  type: string | null;
  is_storable: boolean | null;
  tracking: string | null;
  uom_id: number | null;
  uom_po_id: number | null;
  categ_id: number | null;
  categ_name: string | null;
  cost_method: string | null;
  valuation: string | null;
  standard_price: number | null;
  company_id: number | null;
  produce_delay: number | null;
  active: boolean;
  write_date: string | null;
}

/**
 * Storable ("track inventory"): Odoo 18+ has the boolean `is_storable` (type is then `consu`);
 * Odoo ≤ 17 has `type == 'product'`.
 */
export function isStorable(r: OdooRecord, fields: Fields): boolean | null {
  if (fields.has('is_storable')) return r.is_storable === true && r.type !== 'service' && r.type !== 'combo';
  if (fields.has('type')) return r.type === 'product';
  return null;
}

/**
 * The variant's name: its display_name without the leading "[default_code] " (the code has a
 * column of its own), so five variants of one template keep five names.
 */
export function variantName(r: OdooRecord): string | null {
  const display = text(r.display_name);
  if (display === null) return null;
  const code = text(r.default_code);
  return code !== null && display.startsWith(`[${code}] `) ? display.slice(code.length + 3) : display;
}

export function toProductRow(r: OdooRecord, fields: Fields): ProductRow {
  return {
    odoo_id: r.id,
    product_tmpl_id: many2oneId(r.product_tmpl_id),
    default_code: text(r.default_code),
    name: variantName(r) ?? text(r.name) ?? `product ${r.id}`,
    type: text(r.type),
    is_storable: isStorable(r, fields),
    tracking: text(r.tracking),
    uom_id: many2oneId(r.uom_id),
    // Odoo 19 has no purchase unit
    uom_po_id: many2oneId(r.uom_po_id),
    categ_id: many2oneId(r.categ_id),
    categ_name: many2oneName(r.categ_id),
    // the category's values win in SQL (md_product_categories); these are the product's own computed ones
    cost_method: text(r.cost_method),
    valuation: normaliseValuation(r.valuation),
    standard_price: num(r.standard_price),
    company_id: many2oneId(r.company_id),
    produce_delay: num(r.produce_delay),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}
