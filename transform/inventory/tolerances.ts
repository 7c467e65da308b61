/**
 * Tolerances per product category, and the classification rule of a reconciliation line.
 * Pure. The set-based SQL (sql/inventory/reconciliation.sql) applies the same rule to every line;
 * `classify` here is its specification in TypeScript (test/inventory-rules.test.ts holds the two
 * against each other on the edges).
 */
import type { Tolerance } from '../../core/config/inventory.ts';

export const CLASSES = ['match', 'over', 'short', 'missing_in_odoo', 'missing_in_wms'] as const;
export type LineClass = (typeof CLASSES)[number];

export interface CategoryInfo {
  id: number;
  name: string;
  /** "All / Saleable / Office Furniture" */
  completeName: string | null;
  parentId: number | null;
}

export interface ResolvedTolerance extends Tolerance {
  categId: number;
  /** the configuration key that gave it (the category's own or an ancestor's) */
  key: string;
}

/** lower case, single spaces, no spaces around "/" */
export function normaliseCategoryKey(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/\s*\/\s*/g, '/')
    .replace(/\s+/g, ' ');
}

/**
 * Which configured tolerance applies to each category: its own key (id, name or full name), else
 * the nearest ancestor's; categories with neither are left out (the default applies).
 * `unused` lists configured keys that matched no category (a typo in the config file).
 */
export function resolveTolerances(
  categories: readonly CategoryInfo[],
  configured: Readonly<Record<string, Tolerance>>,
): { byCategory: ResolvedTolerance[]; unused: string[] } {
  const keys = new Map<string, string>();
  for (const key of Object.keys(configured)) keys.set(normaliseCategoryKey(key), key);
  const used = new Set<string>();
  const own = (c: CategoryInfo): string | undefined => {
    for (const candidate of [String(c.id), c.completeName, c.name]) {
      if (!candidate) continue;
      const key = keys.get(normaliseCategoryKey(candidate));
      if (key !== undefined) return key;
    }
    return undefined;
  };
  const byId = new Map(categories.map((c) => [c.id, c]));
  const out: ResolvedTolerance[] = [];
  for (const c of categories) {
    let cursor: CategoryInfo | undefined = c;
    const seen = new Set<number>();
    let key: string | undefined;
    while (cursor && !seen.has(cursor.id)) {
      seen.add(cursor.id);
      key = own(cursor);
      if (key !== undefined) break;
      cursor = cursor.parentId === null ? undefined : byId.get(cursor.parentId);
    }
    if (key === undefined) continue;
    used.add(key);
    out.push({ categId: c.id, key, ...configured[key]! });
  }
  return { byCategory: out, unused: Object.keys(configured).filter((k) => !used.has(k)) };
}

/** |difference| ≤ abs, or |difference| ≤ pct % of |Odoo quantity|: the edges pass. */
export function withinTolerance(difference: number, odooQty: number, t: Tolerance): boolean {
  const d = Math.abs(difference);
  return d <= t.abs || d * 100 <= t.pct * Math.abs(odooQty);
}

export interface LineFacts {
  /** null: no quant for the key in the snapshot */
  odooQty: number | null;
  /** null: the count does not name the key */
  countedQty: number | null;
  tolerance: Tolerance;
  countedAt: Date | null;
  /** latest write_date / in_date of the key's quants */
  odooChangedAt: Date | null;
}

export interface Classified {
  class: LineClass;
  difference: number;
  movedSinceCount: boolean;
  isDiscrepancy: boolean;
}

/**
 * difference = counted − Odoo. Within tolerance: match (whatever side is missing). Otherwise:
 * missing_in_odoo (no quant), missing_in_wms (not counted), over (counted more), short (counted
 * less). A line that is not a match while Odoo changed the quants after the count is flagged
 * moved_since_count and is not a discrepancy: the two figures are from different moments.
 */
export function classify(f: LineFacts): Classified {
  const odoo = f.odooQty ?? 0;
  const counted = f.countedQty ?? 0;
  const difference = counted - odoo;
  let cls: LineClass;
  if (withinTolerance(difference, odoo, f.tolerance)) cls = 'match';
  else if (f.odooQty === null) cls = 'missing_in_odoo';
  else if (f.countedQty === null) cls = 'missing_in_wms';
  else cls = difference > 0 ? 'over' : 'short';
  const moved = cls !== 'match' && f.countedAt !== null && f.odooChangedAt !== null && f.odooChangedAt.getTime() > f.countedAt.getTime();
  return { class: cls, difference, movedSinceCount: moved, isDiscrepancy: cls !== 'match' && !moved };
}
