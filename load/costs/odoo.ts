/**
 * Standard costs into Odoo: read what Odoo holds right before writing, write `standard_price`
 * (grouped by price, in the configured company's context, with or without the revaluation
 * context), read back what Odoo recorded for the change, and the optional summary journal entry.
 *
 * Odoo 17/18: a price change on a standard-cost product with valued stock adds a
 * stock.valuation.layer (quantity 0, value = delta × quantity) and, under automated valuation,
 * a posted journal entry; context `disable_auto_svl` skips it. Odoo 19 has no valuation layers:
 * the change adds a product.value record (the new unit price) and revalues the stock moves;
 * context `disable_auto_revaluation` skips it. FIFO / average products only change their price.
 */
import type { OdooClient } from '../../core/odoo/index.ts';
import { many2oneId } from '../../core/odoo/values.ts';
import type { LiveProduct, SummaryEntryLine } from '../../transform/costs/load-plan.ts';
import type { ValuationRecord } from './staging.ts';

export type CostClient = Pick<
  OdooClient,
  'read' | 'write' | 'search' | 'searchRead' | 'searchReadAll' | 'create' | 'callAction' | 'existingModels' | 'version' | 'fieldsGet'
>;

/** What Odoo holds now for these products (missing ids are gone or archived). */
export async function readLiveProducts(client: CostClient, ids: readonly number[]): Promise<Map<number, LiveProduct>> {
  const out = new Map<number, LiveProduct>();
  if (ids.length === 0) return out;
  const rows = await client.read('product.product', [...ids], ['standard_price', 'cost_method', 'valuation']);
  for (const r of rows) {
    out.set(Number(r.id), {
      id: Number(r.id),
      standardPrice: Number(r.standard_price ?? 0),
      costMethod: typeof r.cost_method === 'string' ? r.cost_method : null,
      valuation: typeof r.valuation === 'string' ? r.valuation : null,
    });
  }
  return out;
}

/** Writes one price on many products; chunks of `chunkSize` ids per call. */
export async function writePrice(
  client: CostClient,
  price: number,
  ids: readonly number[],
  context: Record<string, unknown>,
  chunkSize = 200,
): Promise<void> {
  for (let i = 0; i < ids.length; i += chunkSize) {
    await client.write('product.product', ids.slice(i, i + chunkSize), { standard_price: price }, { context });
  }
}

/** The highest record id of `model` now: what comes after it was made by our writes. */
export async function watermark(client: CostClient, model: string): Promise<number> {
  const ids = await client.search(model, [], { order: 'id desc', limit: 1 });
  return ids[0] ?? 0;
}

/** Valuation records Odoo made for these products after `after` (layers on 17/18, product.value on 19). */
export async function readValuationRecords(
  client: CostClient,
  model: string,
  after: number,
  productIds: readonly number[],
): Promise<ValuationRecord[]> {
  if (productIds.length === 0) return [];
  if (model === 'stock.valuation.layer') {
    const rows = await client.searchReadAll(
      model,
      [
        ['id', '>', after],
        ['product_id', 'in', [...productIds]],
      ],
      ['product_id', 'quantity', 'value', 'description', 'account_move_id'],
    );
    return rows.map((r) => ({
      productId: many2oneId(r.product_id) ?? null,
      odooModel: model,
      odooId: Number(r.id),
      value: Number(r.value ?? 0),
      quantity: Number(r.quantity ?? 0),
      accountMoveId: many2oneId(r.account_move_id) ?? null,
      description: typeof r.description === 'string' ? r.description : null,
    }));
  }
  const rows = await client.searchReadAll(
    model,
    [
      ['id', '>', after],
      ['product_id', 'in', [...productIds]],
    ],
    ['product_id', 'value', 'description'],
  );
  // product.value: `value` is the new unit price; its move_id is a stock.move, and 19 makes no journal entry
  return rows.map((r) => ({
    productId: many2oneId(r.product_id) ?? null,
    odooModel: model,
    odooId: Number(r.id),
    value: Number(r.value ?? 0),
    quantity: null,
    accountMoveId: null,
    description: typeof r.description === 'string' ? r.description : null,
  }));
}

/** An existing journal entry of ours (by its reference), after a crash between create and ledger. */
export async function findEntry(client: CostClient, ref: string): Promise<number | undefined> {
  const ids = await client.search('account.move', [['ref', '=', ref]], { limit: 1 });
  return ids[0];
}

/** Creates (and posts) the summary journal entry; answers its id. */
export async function createSummaryEntry(
  client: CostClient,
  entry: { journalId: number; ref: string; date: string; lines: readonly SummaryEntryLine[]; post: boolean },
  context: Record<string, unknown> = {},
): Promise<number> {
  const id = await client.create(
    'account.move',
    {
      move_type: 'entry',
      journal_id: entry.journalId,
      ref: entry.ref,
      date: entry.date,
      line_ids: entry.lines.map((l) => [0, 0, { account_id: l.accountId, name: l.name, debit: l.debit, credit: l.credit }]),
    },
    { context },
  );
  if (entry.post) await client.callAction('account.move', 'action_post', [id], { context });
  return id;
}
