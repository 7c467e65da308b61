/**
 * What cost-load writes for a batch, decided from the staged lines, what Odoo holds right now
 * and the ledger of earlier runs. Pure: the reads and writes are in load/odoo-costs.ts.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../../core/errors.ts';

/**
 * Why a price cannot be written without revaluation on this Odoo, or undefined. Odoo 19 values
 * standard-cost stock live at price × quantity: `disable_auto_revaluation` only drops the
 * product.value history row, the stock value moves anyway (valuation capture 023-024).
 */
export function revaluationRefusal(odooMajor: number, revalue: boolean): string | undefined {
  if (revalue || odooMajor < 19) return undefined;
  return (
    `revaluation off (MFG_ETL_COST_REVALUE=false, costs.revalue false or --param revalue=false) cannot be honoured on Odoo ${odooMajor}: ` +
    'it values standard-cost stock at price × quantity on hand, so changing the price revalues the stock anyway, and the ' +
    'context key would only drop the product.value history row. Remove the setting (or set it to true) and run cost-load again.'
  );
}

/** Odoo's context key that stops the automatic revaluation of a standard price change (17/18 only). */
export function revaluationContext(odooMajor: number, revalue: boolean): Record<string, boolean> {
  const refused = revaluationRefusal(odooMajor, revalue);
  if (refused) throw new ConfigError(refused);
  return revalue ? {} : { disable_auto_svl: true };
}

/** Where Odoo records a price change: valuation layers until 18, product.value from 19. */
export function valuationModel(odooMajor: number): 'stock.valuation.layer' | 'product.value' {
  return odooMajor >= 19 ? 'product.value' : 'stock.valuation.layer';
}

export const PRICE_MODEL = 'product.product';

export function priceKey(productId: number, company: number | null | undefined): string {
  return `standard_price:${productId}@${company ?? 'default'}`;
}

export function priceHash(price: number): string {
  return createHash('sha256')
    .update(JSON.stringify({ standard_price: price }))
    .digest('hex');
}

export interface PlanLine {
  productId: number;
  code: string;
  newCost: number;
}

export interface LiveProduct {
  id: number;
  standardPrice: number;
  costMethod: string | null;
  valuation: string | null;
}

export type PlanOutcome = 'write' | 'unchanged' | 'not_standard' | 'gone' | 'done';

export interface PlannedLine extends PlanLine {
  outcome: PlanOutcome;
  priceBefore: number | null;
  valuation: string | null;
  key: string;
  hash: string;
}

export interface LoadPlan {
  lines: PlannedLine[];
  /** products to write, grouped by price (one write call per group and chunk) */
  groups: Array<{ price: number; ids: number[] }>;
  counts: Record<PlanOutcome, number>;
}

/** Prices Odoo would store the same: at its digits, or (stored unrounded, Odoo 19) to the millionth. */
const samePrice = (a: number, b: number, digits: number | null) => Math.abs(a - b) < 0.5 * 10 ** -(digits ?? 6);

/**
 * Per line: already written by this batch with this payload (ledger) → done; the product is no
 * longer on standard cost in Odoo (FIFO / average) → not written; Odoo already holds the price →
 * unchanged; gone from Odoo → reported; otherwise written.
 */
export function planLoad(
  lines: readonly PlanLine[],
  live: ReadonlyMap<number, LiveProduct>,
  written: ReadonlyMap<string, string>,
  o: { company: number | null | undefined; priceDigits: number | null },
): LoadPlan {
  const out: PlannedLine[] = [];
  const byPrice = new Map<number, number[]>();
  const counts: Record<PlanOutcome, number> = { write: 0, unchanged: 0, not_standard: 0, gone: 0, done: 0 };
  for (const line of lines) {
    const key = priceKey(line.productId, o.company);
    const hash = priceHash(line.newCost);
    const p = live.get(line.productId);
    let outcome: PlanOutcome;
    if (written.get(key) === hash) outcome = 'done';
    else if (!p) outcome = 'gone';
    else if (p.costMethod !== null && p.costMethod !== 'standard') outcome = 'not_standard';
    else if (samePrice(p.standardPrice, line.newCost, o.priceDigits)) outcome = 'unchanged';
    else outcome = 'write';
    counts[outcome]++;
    out.push({ ...line, outcome, priceBefore: p?.standardPrice ?? null, valuation: p?.valuation ?? null, key, hash });
    if (outcome === 'write') (byPrice.get(line.newCost) ?? byPrice.set(line.newCost, []).get(line.newCost)!).push(line.productId);
  }
  const groups = [...byPrice.entries()].sort((a, b) => a[0] - b[0]).map(([price, ids]) => ({ price, ids }));
  return { lines: out, groups, counts };
}

export interface SummaryEntryLine {
  accountId: number;
  name: string;
  debit: number;
  credit: number;
}

/**
 * The summary journal entry of a batch for products on periodic valuation: the stock value
 * change (Σ qty × delta) between the valuation account and its counterpart. Nothing for 0.
 */
export function summaryEntryLines(
  amount: number,
  accounts: { valuationAccountId: number; counterpartAccountId: number },
  label: string,
): SummaryEntryLine[] {
  const value = Math.round(amount * 100) / 100;
  if (value === 0) return [];
  const up = value > 0;
  const abs = Math.abs(value);
  return [
    { accountId: accounts.valuationAccountId, name: label, debit: up ? abs : 0, credit: up ? 0 : abs },
    { accountId: accounts.counterpartAccountId, name: label, debit: up ? 0 : abs, credit: up ? abs : 0 },
  ];
}
