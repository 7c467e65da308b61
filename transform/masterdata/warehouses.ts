/** Warehouses (stock.warehouse) → md_warehouses rows (pure). */
import { many2oneId, type OdooRecord } from '../../core/odoo/values.ts';
import { active, type Fields, text, writeDate } from './values.ts';

export interface WarehouseRow {
  odoo_id: number;
  code: string;
  name: string;
  lot_stock_id: number | null;
  view_location_id: number | null;
  company_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toWarehouseRow(r: OdooRecord, fields: Fields): WarehouseRow {
  return {
    odoo_id: r.id,
    code: text(r.code) ?? `WH${r.id}`,
    name: text(r.name) ?? text(r.code) ?? `warehouse ${r.id}`,
    lot_stock_id: many2oneId(r.lot_stock_id),
    view_location_id: many2oneId(r.view_location_id),
    company_id: many2oneId(r.company_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}
