/** Product categories (product.category) → md_product_categories rows (pure). */
import { many2oneId, type OdooRecord } from '../../core/odoo/values.ts';
import { active, type Fields, normaliseValuation, text, writeDate } from './values.ts';

export interface ProductCategoryRow {
  odoo_id: number;
  name: string;
  complete_name: string | null;
  parent_id: number | null;
  cost_method: string | null;
  valuation: string | null;
  active: boolean;
  write_date: string | null;
}

export function toProductCategoryRow(r: OdooRecord, fields: Fields): ProductCategoryRow {
  return {
    odoo_id: r.id,
    name: text(r.name) ?? `category ${r.id}`,
    complete_name: text(r.complete_name) ?? text(r.name),
    parent_id: many2oneId(r.parent_id),
    cost_method: text(r.property_cost_method),
    valuation: normaliseValuation(r.property_valuation),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}
