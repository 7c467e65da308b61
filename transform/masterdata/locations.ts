/** Stock locations (stock.location) → md_locations rows (pure). */
import { many2oneId, type OdooRecord } from '../../core/odoo/values.ts';
import { active, type Fields, text, writeDate } from './values.ts';

export interface LocationRow {
  odoo_id: number;
  complete_name: string;
  name: string | null;
  barcode: string | null;
  usage: string | null;
  parent_id: number | null;
  warehouse_id: number | null;
  company_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toLocationRow(r: OdooRecord, fields: Fields): LocationRow {
  return {
    odoo_id: r.id,
    complete_name: text(r.complete_name) ?? text(r.name) ?? `location ${r.id}`,
    name: text(r.name),
    barcode: text(r.barcode),
    usage: text(r.usage),
    parent_id: many2oneId(r.location_id),
    warehouse_id: many2oneId(r.warehouse_id),
    company_id: many2oneId(r.company_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}
