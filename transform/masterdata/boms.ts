/** Bills of materials (mrp.bom), their lines (mrp.bom.line) and operations (mrp.routing.workcenter) → md_ rows; staged together as one snapshot (pure). */
import { many2oneId, type OdooRecord } from '../../core/odoo/values.ts';
import { active, type Fields, int, num, text, writeDate } from './values.ts';

export interface BomRow {
  odoo_id: number;
  code: string | null;
  type: string;
  is_kit: boolean;
  product_tmpl_id: number | null;
  product_id: number | null;
  product_qty: number | null;
  uom_id: number | null;
  sequence: number | null;
  company_id: number | null;
  produce_delay: number | null;
  days_to_prepare_mo: number | null;
  active: boolean;
  write_date: string | null;
}

export function toBomRow(r: OdooRecord, fields: Fields): BomRow {
  const type = text(r.type) ?? 'normal';
  return {
    odoo_id: r.id,
    code: text(r.code),
    type,
    is_kit: type === 'phantom',
    product_tmpl_id: many2oneId(r.product_tmpl_id),
    product_id: many2oneId(r.product_id),
    product_qty: num(r.product_qty),
    uom_id: many2oneId(r.product_uom_id),
    sequence: int(r.sequence),
    company_id: many2oneId(r.company_id),
    produce_delay: num(r.produce_delay),
    days_to_prepare_mo: num(r.days_to_prepare_mo),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface BomLineRow {
  odoo_id: number;
  bom_id: number;
  product_id: number | null;
  product_qty: number | null;
  uom_id: number | null;
  sequence: number | null;
  operation_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toBomLineRow(r: OdooRecord, fields: Fields): BomLineRow {
  return {
    odoo_id: r.id,
    bom_id: many2oneId(r.bom_id) ?? 0,
    product_id: many2oneId(r.product_id),
    product_qty: num(r.product_qty),
    uom_id: many2oneId(r.product_uom_id),
    sequence: int(r.sequence),
    operation_id: many2oneId(r.operation_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}

export interface BomOperationRow {
  odoo_id: number;
  bom_id: number;
  name: string;
  workcenter_id: number | null;
  sequence: number | null;
  time_mode: string | null;
  time_mode_batch: number | null;
  time_cycle_manual: number | null;
  time_cycle: number | null;
  company_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toBomOperationRow(r: OdooRecord, fields: Fields): BomOperationRow {
  return {
    odoo_id: r.id,
    bom_id: many2oneId(r.bom_id) ?? 0,
    name: text(r.name) ?? `operation ${r.id}`,
    workcenter_id: many2oneId(r.workcenter_id),
    sequence: int(r.sequence),
    time_mode: text(r.time_mode),
    time_mode_batch: int(r.time_mode_batch),
    time_cycle_manual: num(r.time_cycle_manual),
    time_cycle: num(r.time_cycle),
    company_id: many2oneId(r.company_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}
