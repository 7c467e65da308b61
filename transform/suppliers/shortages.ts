/**
 * Material shortages for the next N weeks, by component and week: demand (components of
 * confirmed manufacturing orders, and of the approved forecast one BoM level down) against stock
 * on hand plus incoming purchase lines at their confirmed dates. Weeks start on Monday; what is
 * dated before the first week (overdue orders, late receipts) counts in the first week; what is
 * after the horizon is left out. The projected stock carries from week to week; a week whose
 * projected stock is below zero is short by that much. Pure.
 */

export interface Demand {
  productId: number;
  /** YYYY-MM-DD, plant time */
  date: string;
  qty: number;
  source: 'mo' | 'forecast';
}

export interface Incoming {
  productId: number;
  /** YYYY-MM-DD, plant time: the supplier's confirmed date, else the planned one */
  date: string;
  qty: number;
  poName: string;
  partnerId: number;
  /** the confirmed date is later than the one requested */
  slipped: boolean;
}

export interface WeekRow {
  productId: number;
  weekStart: string;
  moDemand: number;
  forecastDemand: number;
  incoming: number;
  /** projected stock at the end of the week */
  projected: number;
  shortage: number;
}

export interface ProductShortage {
  productId: number;
  onHand: number;
  demand: number;
  incoming: number;
  firstShortWeek: string;
  maxShortage: number;
  /** incoming lines whose date slipped past their request, for the planner's call to the supplier */
  slipped: Incoming[];
}

export interface ShortageResult {
  weeks: string[];
  rows: WeekRow[];
  short: ProductShortage[];
}

const DAY = 86_400_000;
const ms = (d: string) => Date.parse(`${d}T00:00:00Z`);
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The Monday of the week of `day` and the `count` Mondays from it. */
export function weekStarts(day: string, count: number): string[] {
  const t = ms(day);
  const monday = t - ((new Date(t).getUTCDay() + 6) % 7) * DAY;
  return Array.from({ length: count }, (_, i) => iso(monday + i * 7 * DAY));
}

/** The index of the week holding `day` (0 for anything before the first week), or -1 after the horizon. */
function weekIndex(weeks: readonly string[], day: string): number {
  const t = ms(day);
  const first = ms(weeks[0]!);
  if (t < first) return 0;
  const i = Math.floor((t - first) / (7 * DAY));
  return i < weeks.length ? i : -1;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export function computeShortages(
  weeks: readonly string[],
  onHand: ReadonlyMap<number, number>,
  demand: readonly Demand[],
  incoming: readonly Incoming[],
): ShortageResult {
  const products = [...new Set(demand.filter((d) => weekIndex(weeks, d.date) >= 0 && d.qty > 0).map((d) => d.productId))].sort(
    (a, b) => a - b,
  );
  const wanted = new Set(products);
  const grid = new Map<number, Array<{ mo: number; fc: number; inc: number }>>();
  for (const p of products)
    grid.set(
      p,
      weeks.map(() => ({ mo: 0, fc: 0, inc: 0 })),
    );
  for (const d of demand) {
    const i = weekIndex(weeks, d.date);
    if (i < 0 || !wanted.has(d.productId)) continue;
    const cell = grid.get(d.productId)![i]!;
    if (d.source === 'mo') cell.mo += d.qty;
    else cell.fc += d.qty;
  }
  for (const inc of incoming) {
    const i = weekIndex(weeks, inc.date);
    if (i < 0 || !wanted.has(inc.productId)) continue;
    grid.get(inc.productId)![i]!.inc += inc.qty;
  }
  const rows: WeekRow[] = [];
  const short: ProductShortage[] = [];
  for (const p of products) {
    let projected = onHand.get(p) ?? 0;
    let first = '';
    let max = 0;
    let totalDemand = 0;
    let totalIncoming = 0;
    grid.get(p)!.forEach((cell, i) => {
      projected += cell.inc - cell.mo - cell.fc;
      totalDemand += cell.mo + cell.fc;
      totalIncoming += cell.inc;
      const shortage = projected < -1e-9 ? -projected : 0;
      if (shortage > 0 && !first) first = weeks[i]!;
      max = Math.max(max, shortage);
      rows.push({
        productId: p,
        weekStart: weeks[i]!,
        moDemand: round(cell.mo),
        forecastDemand: round(cell.fc),
        incoming: round(cell.inc),
        projected: round(projected),
        shortage: round(shortage),
      });
    });
    if (first)
      short.push({
        productId: p,
        onHand: round(onHand.get(p) ?? 0),
        demand: round(totalDemand),
        incoming: round(totalIncoming),
        firstShortWeek: first,
        maxShortage: round(max),
        slipped: incoming.filter((x) => x.productId === p && x.slipped),
      });
  }
  return { weeks: [...weeks], rows, short };
}
