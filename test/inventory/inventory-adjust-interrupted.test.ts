/**
 * inventory-adjust interrupted at any point of an apply (Odoo stops, or the process dies between
 * an Odoo write and its ledger row) is safe to rerun: the rerun recognises its own
 * `inventory_quantity` writes (the ledger records the intent before writing), finishes the
 * apply, applies no quant twice, leaves no quant with a count recorded and unapplied, and still
 * refuses stock someone else moved. Odoo 18 over XML-RPC (the test server, fault knobs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { countCsv, type CountRow, dropCount, type InventoryHarness, inventoryHarness, odooEnv, runOk } from '../support/inventory.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';

const SEEDED = '2026-01-10 08:00:00';
const COUNTED = '2026-01-31 18:00'; // Berlin
const STOCK = 8; // WH/Stock
let server: OdooTestServer;
let h: InventoryHarness;
const quants: Record<string, number> = {};

const quant = (code: string) => server.records('stock.quant', [['id', '=', quants[code]!]])[0]!;
/** action_apply_inventory calls that reached Odoo and listed the quant */
const applyCalls = (code: string) =>
  server.calls('stock.quant', 'action_apply_inventory').filter((c) => c.outcome !== 'http503' && c.ids?.includes(quants[code]!)).length;
/** inventory_quantity writes that reached Odoo for the quant */
const countWrites = (code: string) =>
  server.calls('stock.quant', 'write').filter((c) => c.outcome !== 'http503' && c.ids?.includes(quants[code]!)).length;

async function approvedCount(name: string, rows: Array<[string, number]>): Promise<number> {
  const lines: CountRow[] = rows.map(([product, quantity]) => ({ location: 'WH/Stock', product, quantity, countedAt: COUNTED }));
  dropCount(h, name, countCsv(lines));
  const stats = await runOk(h, 'count-import', { settleSeconds: 0 });
  const entry = (stats.batches as { file: string; batchId: number; status: string }[]).find((b) => b.file === name)!;
  expect(entry.status).toBe('validated');
  await transitionBatch(h.app.db.knex, entry.batchId, 'approve', { actor: 'Anna Finance' });
  return entry.batchId;
}

type AdjustBatch = { status: string; counts: Record<string, number>; notApplied: Array<{ product: number; reason: string }> };
const apply = async (batch: number) => {
  const stats = await runOk(h, 'inventory-adjust', { batch, apply: true });
  return (stats.batches as AdjustBatch[])[0]!;
};

/** Every named quant holds its count, applied once, with no count left recorded in Odoo. */
function expectAppliedOnce(counted: Record<string, number>): void {
  for (const [code, qty] of Object.entries(counted)) {
    const q = quant(code);
    expect({ code, quantity: Number(q.quantity), set: Boolean(q.inventory_quantity_set), applies: applyCalls(code) }).toEqual({
      code,
      quantity: qty,
      set: false,
      applies: 1,
    });
  }
}

beforeAll(async () => {
  server = await startOdooTestServer({ version: 18 });
  const stocked = (code: string, quantity: number) => {
    const product = server.create('product.product', { default_code: code, name: `Part ${code}`, is_storable: true, standard_price: 5 });
    quants[code] = server.create('stock.quant', { product_id: product, location_id: STOCK, quantity });
  };
  for (const [code, qty] of [
    ['A1', 10],
    ['A2', 20],
    ['A3', 30],
    ['A4', 40],
    ['A5', 50],
    ['B1', 10],
    ['B2', 20],
    ['C1', 10],
    ['C2', 20],
    ['C3', 30],
  ] as const)
    stocked(code, qty);
  server.create('product.product', { default_code: 'B3', name: 'Part B3', is_storable: true, standard_price: 5 });
  for (const q of server.store.all('stock.quant')) {
    q.write_date = SEEDED;
    q.in_date = SEEDED;
  }
  // no job retry: the test reruns by hand, as the operator (or the next scheduled run) would
  h = await inventoryHarness('inv-adjust-interrupted', { ...odooEnv(server), MFG_ETL_RETRY_LIMIT: '0', MFG_ETL_ODOO_BATCH_SIZE: '2' });
  await runOk(h, 'masterdata-sync');
}, 60_000);

afterAll(async () => {
  await h?.close();
  await server?.close();
});

describe('an apply interrupted by Odoo', () => {
  it('stopping after two stock.quant writes: the rerun finishes the apply and still refuses stock someone else moved', async () => {
    const batchId = await approvedCount('WH-stop.csv', [
      ['A1', 11],
      ['A2', 21],
      ['A3', 31],
      ['A4', 41],
      ['A5', 51],
    ]);
    server.knobs.stopAfter(2, { model: 'stock.quant', method: 'write' });
    const broken = await h.runner.runNow('inventory-adjust', { batch: batchId, apply: true });
    expect(broken.status).not.toBe('succeeded');
    expect(server.knobs.stopped).toBe(true);
    server.knobs.reset();
    // what the stop left behind: two counts recorded in Odoo, none applied
    expect(['A1', 'A2', 'A3'].map((c) => Boolean(quant(c).inventory_quantity_set))).toEqual([true, true, false]);
    // meanwhile someone takes 5 of A5 off the shelf
    server.store.transaction(() =>
      server.store.write('stock.quant', [quants.A5!], { quantity: 45 }, { uid: 2, now: '2026-02-02 09:00:00', context: {} }),
    );

    const rerun = await apply(batchId);
    expect(rerun.counts).toEqual({ applied: 4, skipped: 1 });
    expect(rerun.notApplied).toEqual([expect.objectContaining({ reason: 'stock moved after the count' })]);
    expectAppliedOnce({ A1: 11, A2: 21, A3: 31, A4: 41 });
    // our own writes are not redone: each count went to Odoo once
    expect(['A1', 'A2', 'A3', 'A4'].map(countWrites)).toEqual([1, 1, 1, 1]);
    expect(Number(quant('A5').quantity)).toBe(45);
    expect(countWrites('A5')).toBe(0);
    expect((await getBatch(h.app.db.knex, batchId)).status).toBe('load_failed');
  }, 60_000);

  it('stopping between two apply chunks: the rerun applies the rest and reports every line applied', async () => {
    const batchId = await approvedCount('WH-stop-apply.csv', [
      ['C1', 12],
      ['C2', 22],
      ['C3', 32],
    ]);
    server.knobs.stopAfter(1, { model: 'stock.quant', method: 'action_apply_inventory' });
    const broken = await h.runner.runNow('inventory-adjust', { batch: batchId, apply: true });
    expect(broken.status).not.toBe('succeeded');
    server.knobs.reset();
    const rerun = await apply(batchId);
    expect(rerun).toMatchObject({ status: 'loaded', counts: { applied: 3 } });
    expectAppliedOnce({ C1: 12, C2: 22, C3: 32 });
  }, 60_000);
});

describe('a crash between the Odoo write and the ledger write', () => {
  it('the rerun recognises the count it wrote and the quant it created, and applies each once', async () => {
    const batchId = await approvedCount('WH-crash.csv', [
      ['B1', 13],
      ['B2', 23],
      ['B3', 4], // no quant yet: created
    ]);
    const knex = h.app.db.knex;
    const b2 = Number(server.records('product.product', [['default_code', '=', 'B2']])[0]!.id);
    // the process dies right after Odoo took B2's count, before the ledger says so
    await knex.raw(`create function crash_after_odoo_write() returns trigger language plpgsql as $$
      begin
        if new.status = 'written' and new.product_id = ${b2} then raise exception 'simulated crash'; end if;
        return new;
      end $$`);
    await knex.raw(
      'create trigger crash_after_odoo_write before insert or update on inventory_adjustments for each row execute function crash_after_odoo_write()',
    );
    const broken = await h.runner.runNow('inventory-adjust', { batch: batchId, apply: true });
    expect(broken.status).not.toBe('succeeded');
    expect(Boolean(quant('B2').inventory_quantity_set)).toBe(true);
    await knex.raw('drop trigger crash_after_odoo_write on inventory_adjustments');
    await knex.raw('drop function crash_after_odoo_write()');

    const rerun = await apply(batchId);
    expect(rerun).toMatchObject({ status: 'loaded', counts: { applied: 3 } });
    const created = server.records('stock.quant', [['product_id.default_code', '=', 'B3']]);
    expect(created).toHaveLength(1);
    quants.B3 = created[0]!.id;
    expect(server.calls('stock.quant', 'create').filter((c) => c.outcome === 'ok')).toHaveLength(1);
    expectAppliedOnce({ B1: 13, B2: 23, B3: 4 });
    expect(['B1', 'B2'].map(countWrites)).toEqual([1, 1]);
  }, 60_000);
});
