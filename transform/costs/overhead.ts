/**
 * Overhead percent per product category. Configuration names a category by id, name or complete
 * name ("All / Saleable / Office Furniture"); a sub-category without an entry of its own inherits
 * its nearest configured parent's percent. Pure: the categories come from the master data.
 */
export interface CategoryInfo {
  id: number;
  name: string | null;
  completeName: string | null;
  parentId: number | null;
}

export interface OverheadByCategory {
  /** every category that gets an overhead, with its percent */
  percents: Map<number, number>;
  /** configured keys that matched no category */
  unmatched: string[];
}

const norm = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/\s*\/\s*/g, ' / ');

export function resolveOverhead(configured: Record<string, number>, categories: readonly CategoryInfo[]): OverheadByCategory {
  const direct = new Map<number, number>();
  const unmatched: string[] = [];
  for (const [key, pct] of Object.entries(configured)) {
    const k = norm(key);
    const hits = categories.filter(
      (c) =>
        String(c.id) === key.trim() || (c.name !== null && norm(c.name) === k) || (c.completeName !== null && norm(c.completeName) === k),
    );
    if (hits.length === 0) unmatched.push(key);
    // an exact id or complete name wins over a plain name that several categories share
    for (const c of hits)
      if (!direct.has(c.id) || String(c.id) === key.trim() || (c.completeName !== null && norm(c.completeName) === k))
        direct.set(c.id, pct);
  }
  const byId = new Map(categories.map((c) => [c.id, c]));
  const percents = new Map<number, number>();
  for (const c of categories) {
    let cur: CategoryInfo | undefined = c;
    for (let guard = 0; cur && guard < 50; guard++) {
      const pct = direct.get(cur.id);
      if (pct !== undefined) {
        if (pct > 0) percents.set(c.id, pct);
        break;
      }
      cur = cur.parentId === null ? undefined : byId.get(cur.parentId);
    }
  }
  return { percents, unmatched };
}
