/**
 * Units of measure (uom.uom) → md_uoms rows (pure: no I/O), normalised to
 * `ref_group` / `ref_ratio` (how many reference units one unit holds):
 *
 * - Odoo ≤ 18: `uom.category` + `factor` = how many of this unit make one reference unit
 *   (Dozens 1/12, g 1000 in Weight whose reference is kg) → ref_ratio = 1 / factor
 *   (`factor_inv`), ref_group = the category.
 * - Odoo 19: no categories; units form a tree (`relative_uom_id`, `relative_factor` = how many
 *   parent units one unit holds) and `factor` means the opposite of 18's → ref_ratio = product
 *   of relative_factor up to the root, ref_group = the root unit.
 *
 * The reference unit may differ (18: kg; 19: g) but every conversion within a group is the same
 * on both: Dozens = 12 Units, g = 0.001 kg.
 */
import { many2oneId, many2oneName, type OdooRecord } from '../../core/odoo/values.ts';
import { active, type Fields, num, roundRatio, text, writeDate } from './values.ts';

export interface UomRow {
  odoo_id: number;
  name: string;
  ref_group: string;
  ref_ratio: number;
  rounding: number | null;
  ref_uom_id: number | null;
  category_id: number | null;
  relative_uom_id: number | null;
  relative_factor: number | null;
  active: boolean;
  write_date: string | null;
}

export type UomFlavour = 'tree' | 'category';

/** Odoo 19+ units form a tree; Odoo ≤ 18 units belong to categories. Decided by the fields the server has. */
export function uomFlavour(fields: Fields): UomFlavour | undefined {
  if (fields.has('relative_uom_id') && fields.has('relative_factor')) return 'tree';
  if (fields.has('category_id') && (fields.has('factor') || fields.has('factor_inv'))) return 'category';
  return undefined;
}

/**
 * All units of measure (archived included: products may use them) → rows with ref_group and
 * ref_ratio. Needs the complete set: a unit's ratio depends on its parents (19) or on its
 * category's reference unit (18). Units whose ratio cannot be worked out are reported.
 */
export function toUomRows(records: readonly OdooRecord[], fields: Fields): { rows: UomRow[]; problems: string[] } {
  const flavour = uomFlavour(fields);
  if (!flavour)
    return {
      rows: [],
      problems: ['uom.uom has neither relative_uom_id/relative_factor (Odoo 19) nor category_id/factor (Odoo 18 and older)'],
    };
  const rows: UomRow[] = [];
  const problems: string[] = [];
  const byId = new Map(records.map((r) => [r.id, r]));
  const referenceOf = new Map<number, number>(); // 18: category → its reference unit
  if (flavour === 'category') {
    for (const r of records) {
      const category = many2oneId(r.category_id);
      if (category !== null && r.uom_type === 'reference' && (!referenceOf.has(category) || r.active !== false))
        referenceOf.set(category, r.id);
    }
  }
  for (const r of records) {
    const name = text(r.name) ?? `uom ${r.id}`;
    let ratio: number | null = null;
    let group: string | null = null;
    let refUom: number | null = null;
    if (flavour === 'tree') {
      ({ ratio, group, refUom } = walkToRoot(r, byId));
      if (ratio === null)
        problems.push(`unit ${name} (${r.id}): its reference units cannot be followed to a root (missing, cyclic or factor ≤ 0)`);
    } else {
      const category = many2oneId(r.category_id);
      const inv = num(r.factor_inv);
      const factor = num(r.factor);
      ratio = inv !== null && inv > 0 ? inv : factor !== null && factor > 0 ? 1 / factor : null;
      group = many2oneName(r.category_id) ?? (category === null ? null : `uom.category ${category}`);
      refUom = category === null ? null : (referenceOf.get(category) ?? null);
      if (ratio === null || group === null) problems.push(`unit ${name} (${r.id}): no category or no positive factor`);
    }
    if (ratio === null || group === null || !(ratio > 0)) continue;
    rows.push({
      odoo_id: r.id,
      name,
      ref_group: group,
      ref_ratio: roundRatio(ratio),
      rounding: num(r.rounding),
      ref_uom_id: refUom,
      category_id: flavour === 'category' ? many2oneId(r.category_id) : null,
      relative_uom_id: flavour === 'tree' ? many2oneId(r.relative_uom_id) : null,
      relative_factor: flavour === 'tree' ? num(r.relative_factor) : null,
      active: active(r, fields),
      write_date: writeDate(r),
    });
  }
  return { rows, problems };
}

function walkToRoot(
  start: OdooRecord,
  byId: ReadonlyMap<number, OdooRecord>,
): { ratio: number | null; group: string | null; refUom: number | null } {
  let ratio = 1;
  let current: OdooRecord = start;
  const seen = new Set<number>();
  for (;;) {
    if (seen.has(current.id)) return { ratio: null, group: null, refUom: null }; // a cycle
    seen.add(current.id);
    const parentId = many2oneId(current.relative_uom_id);
    if (parentId === null) return { ratio, group: text(current.name) ?? `uom ${current.id}`, refUom: current.id };
    const factor = num(current.relative_factor);
    if (factor === null || !(factor > 0)) return { ratio: null, group: null, refUom: null };
    ratio *= factor;
    const parent = byId.get(parentId);
    if (!parent) return { ratio: null, group: null, refUom: null };
    current = parent;
  }
}
