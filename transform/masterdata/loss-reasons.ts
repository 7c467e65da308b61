/** Productivity loss reasons (mrp.workcenter.productivity.loss) → md_loss_reasons rows (pure). */
import { many2oneId, type OdooRecord } from '../../core/odoo/values.ts';
import { active, bool, type Fields, int, text, writeDate } from './values.ts';

export interface LossReasonRow {
  odoo_id: number;
  name: string;
  loss_type_id: number | null;
  loss_type: string | null;
  manual: boolean | null;
  sequence: number | null;
  active: boolean;
  write_date: string | null;
}

export function toLossReasonRow(r: OdooRecord, fields: Fields): LossReasonRow {
  return {
    odoo_id: r.id,
    name: text(r.name) ?? `loss reason ${r.id}`,
    loss_type_id: many2oneId(r.loss_id),
    loss_type: text(r.loss_type),
    manual: bool(r.manual),
    sequence: int(r.sequence),
    active: active(r, fields),
    write_date: writeDate(r),
  };
}
