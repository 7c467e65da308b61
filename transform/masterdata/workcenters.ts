/** Workcenters (mrp.workcenter) → md_workcenters rows (pure). */
import { many2oneId, many2oneName, type OdooRecord } from '../../core/odoo/values.ts';
import { active, type Fields, int, num, text, writeDate } from './values.ts';

export interface WorkcenterRow {
  odoo_id: number;
  name: string;
  code: string | null;
  sequence: number | null;
  costs_hour: number | null;
  time_efficiency: number | null;
  default_capacity: number | null;
  time_start: number | null;
  time_stop: number | null;
  oee_target: number | null;
  calendar_id: number | null;
  calendar_name: string | null;
  company_id: number | null;
  active: boolean;
  write_date: string | null;
}

export function toWorkcenterRow(r: OdooRecord, fields: Fields): WorkcenterRow {
  return {
    odoo_id: r.id,
    name: text(r.name) ?? `workcenter ${r.id}`,
    code: text(r.code),
    sequence: int(r.sequence),
    costs_hour: num(r.costs_hour),
    time_efficiency: num(r.time_efficiency),
    default_capacity: num(r.default_capacity),
    time_start: num(r.time_start),
    time_stop: num(r.time_stop),
    oee_target: num(r.oee_target),
    calendar_id: many2oneId(r.resource_calendar_id),
    calendar_name: many2oneName(r.resource_calendar_id),
    company_id: many2oneId(r.company_id),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}
