/**
 * inventory-adjust against the Odoo test server as Odoo 18 (XML-RPC: action_apply_inventory
 * answers the `cannot marshal None` fault after its commit): approval required, dry run unless
 * apply=true, inventory_quantity written in inventory mode and applied, quants created for counts
 * Odoo has no quant of, the conflict answer (stock.inventory.conflict) and the lot answer
 * (stock.track.confirmation) detected and reported as not applied, skipped keys with their reason,
 * and reruns that write nothing twice.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { countCsv, type CountRow, dropCount, type InventoryHarness, inventoryHarness, odooEnv, runOk } from '../support/inventory.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';

const SEEDED = '2026-01-10 08:00:00';
const COUNTED = '2026-01-31 18:00'; // Berlin
let server: OdooTestServer;
let h: InventoryHarness;
const ids: Record<string, number> = {};

const pid = (code: string) => server.records('product.product', [['default_code', '=', code]])[0]!.id;
const quantAt = (code: string, location: number, lot?: number) =>
  server.records('stock.quant', [
    ['product_id', '=', pid(code)],
    ['location_id', '=', location],
    ...(lot ? [['lot_id', '=', lot] as [string, string, number]] : []),
  ]);
const qty = (code: string, location: number, lot?: number) => quantAt(code, location, lot).reduce((s, q) => s + Number(q.quantity ?? 0), 0);
const calls = (method: string) => server.calls('stock.quant', method).length;
const write = (model: string, id: number, values: Record<string, unknown>, now: string) =>
  server.store.transaction(() => server.store.write(model, [id], values, { uid: 2, now, context: {} }));

async function importAndApprove(name: string, rows: CountRow[]): Promise<number> {
  dropCount(h, name, countCsv(rows));
  const stats = await runOk(h, 'count-import', { settleSeconds: 0 });
  const entry = (stats.batches as { file: string; batchId: number; status: string }[]).find((b) => b.file === name)!;
  expect(entry.status).toBe('validated');
  await transitionBatch(h.app.db.knex, entry.batchId, 'approve', { actor: 'Anna Finance' });
  return entry.batchId;
}

type AdjustStats = {
  dryRun: boolean;
  batches: Array<{
    batchId: number;
    status: string;
    counts: Record<string, number>;
    notApplied: Array<{ status: string; reason: string }>;
    report: string | null;
    writes: number;
  }>;
  summary: string[];
};
const adjust = async (params: Record<string, unknown>, dryRun = false) =>
  (await runOk(h, 'inventory-adjust', params, { dryRun })) as unknown as AdjustStats;
/** A run whose batch ends load_failed: the run failed (not retried) and kept its stats. */
const adjustLoadFailed = async (params: Record<string, unknown>) => {
  const run = await h.runner.runNow('inventory-adjust', params);
  expect(run.status).toBe('failed');
  expect(run.error?.class).toBe('LoadFailedError');
  return run.stats as unknown as AdjustStats;
};
const ledger = async (batchId: number) =>
  Object.fromEntries(
    ((await h.app.db.knex('inventory_adjustments').where({ batch_id: batchId })) as Record<string, unknown>[]).map((r) => [
      `${Number(r.location_id)}:${Number(r.product_id)}:${String(r.lot_name)}`,
      r,
    ]),
  );

beforeAll(async () => {
  server = await startOdooTestServer({ version: 18 });
  const product = (code: string, extra: Record<string, unknown> = {}) =>
    (ids[code] = server.create('product.product', {
      default_code: code,
      name: `Part ${code}`,
      is_storable: true,
      standard_price: 5,
      ...extra,
    }));
  product('TRACKED', { tracking: 'lot' });
  product('LOTX', { tracking: 'lot' });
  product('CONFL');
  ids.lotx1 = server.create('stock.lot', { name: 'LX-1', product_id: ids.LOTX });
  ids.conflQuant = server.create('stock.quant', { product_id: ids.CONFL, location_id: 18, quantity: 20 });
  for (const q of server.store.all('stock.quant')) {
    q.write_date = SEEDED;
    q.in_date = SEEDED;
  }
  // someone counted 15 in Odoo, then 3 left the shelf: Odoo's count is outdated (captures 101-108)
  write('stock.quant', ids.conflQuant, { inventory_quantity: 15 }, '2026-01-20 09:00:00');
  write('stock.quant', ids.conflQuant, { quantity: 17 }, '2026-01-20 10:00:00');
  // the wood panels moved after the count
  write('stock.quant', quantAt('FURN_7023', 8)[0]!.id, { quantity: 11 }, '2026-02-01 07:00:00');

  h = await inventoryHarness('inv-adjust', odooEnv(server));
  await runOk(h, 'masterdata-sync');
}, 60_000);

afterAll(async () => {
  await h?.close();
  await server?.close();
});

describe('a count with every case', () => {
  let batchId: number;
  const row = (location: string, product: string, quantity: number, extra: Partial<CountRow> = {}): CountRow => ({
    location,
    product,
    quantity,
    countedAt: COUNTED,
    ...extra,
  });

  it('refuses a count nobody approved', async () => {
    dropCount(h, 'unapproved.csv', countCsv([row('WH/Stock', 'FURN_7800', 1)]));
    const stats = await runOk(h, 'count-import', { settleSeconds: 0 });
    const id = (stats.batches as { batchId: number }[])[0]!.batchId;
    const run = await h.runner.runNow('inventory-adjust', { batch: id, apply: true });
    expect(run.status).toBe('dead');
    expect(run.error?.message).toMatch(/is validated: approve it first/);
    expect(calls('write') + calls('create')).toBe(0);
    await transitionBatch(h.app.db.knex, id, 'reject', { actor: 'test', reason: 'not needed' });
  });

  it('a dry run (no apply=true, or --dry-run) says what it would do and writes nothing', async () => {
    batchId = await importAndApprove('WH-full.csv', [
      row('WH/Stock', 'FURN_7800', 60), // unchanged
      row('WH/Stock', 'FURN_9666', 3), // 1 → 3
      row('WH/Stock', 'FURN_8522', 2), // 5 → 2
      row('WH/Stock/Shelf 1', 'FURN_2333', 4), // no quant there: created
      row('WH/Stock/Shelf 1', 'CONFL', 15), // Odoo answers the conflict wizard
      row('WH/Stock/Shelf 2', 'TRACKED', 2), // tracked by lot, counted without: skipped
      row('WH/Stock/Shelf 2', 'LOTX', 3, { lot: 'LX-1' }), // created with its lot
      row('WH/Stock/Shelf 2', 'LOTX', 1, { lot: 'LX-9' }), // a lot Odoo does not know: skipped
      row('WH/Stock', 'FURN_7023', 10), // moved after the count: skipped
    ]);
    for (const run of [await adjust({ batch: batchId }), await adjust({ batch: batchId, apply: true }, true)]) {
      expect(run.dryRun).toBe(true);
      expect(run.batches[0]!.counts).toEqual({ unchanged: 1, write: 3, create: 2, skip: 3 });
      expect(run.summary[0]).toMatch(/^DRY RUN \(add --param apply=true to write\) batch \d+ WH: /);
      expect(run.batches[0]!.notApplied.map((n) => n.reason).sort()).toEqual([
        'lot LX-9 does not exist in Odoo for this product',
        'product tracked by lot: the count needs a lot',
        'stock moved after the count',
      ]);
    }
    expect(calls('write') + calls('create') + calls('action_apply_inventory')).toBe(0);
    expect((await getBatch(h.app.db.knex, batchId)).status).toBe('approved');
  });

  it('applies the count with apply=true, reports the conflict and what it skipped', async () => {
    const appliesBefore = calls('action_apply_inventory');
    const run = await adjustLoadFailed({ batch: batchId, apply: true });
    const b = run.batches[0]!;
    expect(run.dryRun).toBe(false);
    // the conflict wizard names its quant: the rest is applied by one more call, no halving
    expect(calls('action_apply_inventory') - appliesBefore).toBe(2);
    // Odoo now holds the counts
    expect(qty('FURN_9666', 8)).toBe(3);
    expect(qty('FURN_8522', 8)).toBe(2);
    expect(qty('FURN_2333', 18)).toBe(4);
    expect(qty('LOTX', 17, ids.lotx1)).toBe(3); // WH/Stock/Shelf 2
    expect(qty('FURN_7800', 8)).toBe(60);
    // one write per distinct count (3 and 2), the outdated Odoo count (15) not rewritten; two creates
    expect(calls('write')).toBe(2);
    expect(calls('create')).toBe(2);
    expect(server.calls('stock.quant', 'create').every((c) => c.context.inventory_mode === true)).toBe(true);
    expect(server.calls('stock.quant', 'write').every((c) => c.context.inventory_mode === true)).toBe(true);
    // the conflict: nothing applied to that quant, reported as not applied
    expect(qty('CONFL', 18)).toBe(17);
    expect(b.counts).toEqual({ unchanged: 1, applied: 4, conflict: 1, skipped: 3 });
    expect(b.status).toBe('load_failed');
    const conflict = b.notApplied.find((n) => n.status === 'conflict')!;
    expect(conflict.reason).toMatch(/stock\.inventory\.conflict/);
    expect(
      b.notApplied
        .filter((n) => n.status === 'skipped')
        .map((n) => n.reason)
        .sort(),
    ).toEqual([
      'lot LX-9 does not exist in Odoo for this product',
      'product tracked by lot: the count needs a lot',
      'stock moved after the count',
    ]);
    const l = await ledger(batchId);
    expect(l[`18:${ids.CONFL}:`]).toMatchObject({ status: 'conflict' });
    expect(Number(l[`18:${ids.CONFL}:`]!.quant_id)).toBe(ids.conflQuant);
    expect(l[`8:${pid('FURN_9666')}:`]).toMatchObject({ status: 'applied' });
    // the batch's audit trail and the report finance reads
    const events = await h.app.db
      .knex('audit_events')
      .where({ entity: 'batch', entity_id: String(batchId) })
      .orderBy('id')
      .pluck('action');
    expect(events).toEqual(['received', 'validated', 'approved', 'loading', 'load_failed', 'inventory_adjusted']);
    const report = fs.readFileSync(b.report!, 'utf8');
    expect(report.split('\r\n')[0]).toBe('\ufefflocation,product,product_name,lot,odoo_qty,counted_qty,status,reason,quant_id');
    expect(report).toMatch(/WH\/Stock\/Shelf 1,CONFL,Part CONFL,,17,15,conflict,/);
    expect(run.summary[0]).toMatch(/batch \d+ WH → load_failed: 4 applied, 1 unchanged, 1 conflict, 3 skipped; report /);
  });

  it('a second run writes nothing again: applied lines are skipped, the recorded count is only re-applied', async () => {
    const writes = calls('write');
    const creates = calls('create');
    const applies = server.calls('stock.quant', 'action_apply_inventory');
    const run = await adjustLoadFailed({ batch: batchId, apply: true });
    expect(calls('write')).toBe(writes);
    expect(calls('create')).toBe(creates);
    const reapplied = server.calls('stock.quant', 'action_apply_inventory').slice(applies.length);
    expect(reapplied.map((c) => c.ids)).toEqual([[ids.conflQuant]]);
    expect(run.batches[0]!.counts).toMatchObject({ applied: 4, conflict: 1 });
    expect(run.batches[0]!.writes).toBe(0);
    expect(qty('FURN_9666', 8)).toBe(3);
  });
});

describe('the lot answer', () => {
  it('detects stock.track.confirmation, applies the rest and reports the quant it names', async () => {
    const batchId = await importAndApprove('WH-lots.csv', [
      { location: 'WH/Stock', product: 'FURN_8522', quantity: 6 },
      { location: 'WH/Stock', product: 'FURN_9666', quantity: 7 },
    ]);
    // Odoo answers the wizard to the first two apply calls: the pair, then the first alone
    server.knobs.forceWizard({ model: 'stock.quant', method: 'action_apply_inventory' }, 'stock.track.confirmation', {
      count: 2,
      name: 'Tracked Products in Inventory Adjustment',
    });
    try {
      const run = await adjustLoadFailed({ batch: batchId, apply: true });
      const b = run.batches[0]!;
      expect(b.counts).toEqual({ applied: 1, lot_required: 1 });
      expect(b.notApplied).toEqual([
        expect.objectContaining({ status: 'lot_required', reason: expect.stringMatching(/stock\.track\.confirmation/) }),
      ]);
      // the quant the wizard was about keeps its quantity (table 3 or top 2), the other one took the count
      const named = (b.notApplied[0] as unknown as { product: number }).product;
      const [top, table] = [qty('FURN_8522', 8), qty('FURN_9666', 8)];
      if (named === pid('FURN_9666')) expect([top, table]).toEqual([6, 3]);
      else expect([named, top, table]).toEqual([pid('FURN_8522'), 2, 7]);
      expect(b.status).toBe('load_failed');
    } finally {
      server.knobs.reset();
    }
  });
});

describe('a clean count', () => {
  it('is loaded, and adjusting it twice writes once', async () => {
    const batchId = await importAndApprove('WH-clean.csv', [{ location: 'WH/Stock', product: 'FURN_7800', quantity: 58 }]);
    const first = await adjust({ batch: batchId, apply: true });
    expect(first.batches[0]).toMatchObject({ status: 'loaded', counts: { applied: 1 }, writes: 1 });
    expect(qty('FURN_7800', 8)).toBe(58);
    const writes = calls('write');
    const applies = calls('action_apply_inventory');
    const second = await adjust({ batch: batchId, apply: true });
    expect(second.batches[0]).toMatchObject({ status: 'loaded', writes: 0 });
    expect(calls('write')).toBe(writes);
    expect(calls('action_apply_inventory')).toBe(applies);
    // approving it replaced the earlier partly applied counts; without a batch, nothing is left to adjust
    const older = await h.app.db
      .knex('batches')
      .where({ kind: 'inventory_count' })
      .whereNot({ id: batchId })
      .whereIn('status', ['approved', 'load_failed'])
      .count<{ n: string }[]>('* as n');
    expect(Number(older[0]!.n)).toBe(0);
    const none = await adjust({ warehouse: 'WH', apply: true });
    expect(none.batches).toEqual([]);
    expect(none.summary).toEqual(['nothing to adjust: no approved count batch']);
  });
});

describe('a full count of a location (zeroMissing)', () => {
  it('sets what the count does not name to zero, only when asked', async () => {
    const stray = server.create('stock.quant', { product_id: pid('FURN_9666'), location_id: 17, quantity: 5 });
    const batchId = await importAndApprove('WH-shelf2.csv', [{ location: 'WH/Stock/Shelf 2', product: 'LOTX', lot: 'LX-1', quantity: 3 }]);
    const plain = await adjust({ batch: batchId });
    expect(plain.batches[0]!.counts).toEqual({ unchanged: 1 });
    const full = await adjust({ batch: batchId, zeroMissing: true });
    expect(full.batches[0]!.counts).toEqual({ unchanged: 1, write: 1 });
    const applied = await adjust({ batch: batchId, zeroMissing: true, apply: true });
    expect(applied.batches[0]).toMatchObject({ status: 'loaded', counts: { unchanged: 1, applied: 1 } });
    expect(Number(server.records('stock.quant', [['id', '=', stray]])[0]!.quantity)).toBe(0);
    expect(qty('LOTX', 17, ids.lotx1)).toBe(3);
  });
});
