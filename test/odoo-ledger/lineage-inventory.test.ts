/**
 * Lineage of inventory-adjust: a count file imported from the inbox, approved by a person,
 * applied to the Odoo test server (18, XML-RPC); the quant written names the file, its line(s),
 * the batch, the approval and the run, and the file's lineage lists every line with where it
 * went or why not (a lot Odoo does not know, a product not in the master data).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineageOfFile, lineageOfRecord } from '../../load/odoo-ledger/lineage.ts';
import { transitionBatch } from '../../load/staging/batches.ts';
import { recordLineageText, fileLineageText } from '../../app/cli/lineage.ts';
import { countCsv, dropCount, type InventoryHarness, inventoryHarness, odooEnv, runOk } from '../support/inventory.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';

let server: OdooTestServer;
let h: InventoryHarness;
let lotProduct: number;

beforeAll(async () => {
  server = await startOdooTestServer({ version: 18 });
  lotProduct = server.create('product.product', { default_code: 'LOTX', name: 'Part LOTX', is_storable: true, tracking: 'lot' });
  server.create('stock.lot', { name: 'LX-1', product_id: lotProduct });
  // Odoo's stock last moved before the count (a move after it would be refused)
  for (const q of server.store.all('stock.quant')) {
    q.write_date = '2026-01-10 08:00:00';
    q.in_date = '2026-01-10 08:00:00';
  }
  h = await inventoryHarness('lineage-inv', odooEnv(server));
  await runOk(h, 'masterdata-sync');
}, 60_000);

afterAll(async () => {
  await h?.close();
  await server?.close();
});

describe('inventory-adjust lineage', () => {
  let batchId: number;
  let runId: number;
  const at = '2026-01-31 18:00';

  it('a quant the count wrote names the file, its lines, the batch, the approval and the run', async () => {
    const file = dropCount(
      h,
      'WH-lineage.csv',
      countCsv([
        { location: 'WH/Stock', product: 'FURN_9666', quantity: 3, countedAt: at }, // line 2
        { location: 'WH/Stock', product: 'FURN_8522', quantity: 2, countedAt: at }, // line 3
        { location: 'WH/Stock/Shelf 2', product: 'LOTX', quantity: 1, lot: 'LX-9', countedAt: at }, // line 4: unknown lot
        { location: 'WH/Stock/Shelf 1', product: 'FURN_2333', quantity: 4, countedAt: at }, // line 5: a quant created
      ]),
    );
    const imported = await runOk(h, 'count-import', { settleSeconds: 0 });
    batchId = (imported.batches as Array<{ batchId: number }>)[0]!.batchId;
    await transitionBatch(h.app.db.knex, batchId, 'approve', { actor: 'Anna Finance', reason: 'counted twice' });
    const run = await h.runner.runNow('inventory-adjust', { batch: batchId, apply: true });
    runId = run.id;

    const pid = (code: string) => server.records('product.product', [['default_code', '=', code]])[0]!.id;
    const quant = server.records('stock.quant', [
      ['product_id', '=', pid('FURN_9666')],
      ['location_id', '=', 8],
    ])[0]!;
    const writes = await lineageOfRecord(h.app.db.knex, 'stock.quant', quant.id);
    expect(writes).toHaveLength(1);
    const w = writes[0]!;
    expect(w.operation).toBe('update');
    expect(w.file?.path).toMatch(/WH-lineage\.csv$/);
    expect(w.file?.batchId).toBe(batchId);
    expect(w.lines?.map((l) => l.ref)).toEqual(['2']);
    expect(w.batch).toMatchObject({ id: batchId, kind: 'inventory_count' });
    expect(w.batch?.approval).toMatchObject({ by: 'Anna Finance', comment: 'counted twice', auto: false });
    expect(w.run).toMatchObject({ id: runId, job: 'inventory-adjust', trigger: 'manual' });
    const text = recordLineageText('stock.quant', quant.id, writes);
    expect(text).toMatch(/line\s+2\n/);
    expect(text).toMatch(/approved .* by Anna Finance: counted twice/);
    expect(text).toMatch(new RegExp(`run\\s+${runId}: inventory-adjust`));

    const created = server.records('stock.quant', [
      ['product_id', '=', pid('FURN_2333')],
      ['location_id', '=', 18],
    ])[0]!;
    const c = await lineageOfRecord(h.app.db.knex, 'stock.quant', created.id);
    expect(c[0]).toMatchObject({ operation: 'create', lines: [{ ref: '5' }] });
    void file;
  });

  it("the file's lineage lists every line with where it went or why not", async () => {
    const f = await lineageOfFile(h.app.db.knex, 'WH-lineage.csv');
    expect(f.batches).toHaveLength(1);
    const b = f.batches[0]!;
    expect(b.batch.id).toBe(batchId);
    expect(b.staged).toBe(4);
    expect(b.lines.map((l) => l.ref)).toEqual(['2', '3', '4', '5']);
    const byRef = new Map(b.lines.map((l) => [l.ref, l]));
    expect(byRef.get('2')!.went).toMatchObject([{ model: 'stock.quant', operation: 'update', lines: 1, runId }]);
    expect(byRef.get('3')!.went).toMatchObject([{ model: 'stock.quant', operation: 'update' }]);
    expect(byRef.get('5')!.went).toMatchObject([{ model: 'stock.quant', operation: 'create' }]);
    expect(byRef.get('4')!.went).toEqual([]);
    expect(byRef.get('4')!.why.join()).toMatch(/count skipped: lot LX-9 does not exist in Odoo/);
    expect(fileLineageText(f)).toMatch(/^4\s+count skipped: lot LX-9/m);
    // found by content too: the sha256 the batch recorded
    const bySha = await lineageOfFile(h.app.db.knex, b.batch.sha256!);
    expect(bySha.batches.map((x) => x.batch.id)).toEqual([batchId]);
  });

  it('a rejected file says so for each of its lines', async () => {
    dropCount(
      h,
      'WH-twice.csv',
      countCsv([
        { location: 'WH/Stock', product: 'FURN_9666', quantity: 3, countedAt: at },
        { location: 'WH/Stock', product: 'FURN_9666', quantity: 1, countedAt: at },
      ]),
    );
    await runOk(h, 'count-import', { settleSeconds: 0 });
    const f = await lineageOfFile(h.app.db.knex, 'WH-twice.csv');
    expect(f.batches[0]!.batch.status).toBe('rejected');
    // a rejected count keeps no staged lines: the batch says why, for the whole file
    expect(f.batches[0]!.lines).toEqual([]);
    expect(f.batches[0]!.note).toMatch(/^batch \d+ rejected: .*nothing of this file is loaded/);
    expect(fileLineageText(f)).toMatch(/batch \d+ rejected: /);
  });

  it('says clearly when a record or a file is unknown', async () => {
    await expect(lineageOfRecord(h.app.db.knex, 'res.partner', 999)).rejects.toThrow(
      /no record of res\.partner id 999 was written by mfg-etl — lineage covers writes since migration 016/,
    );
    await expect(lineageOfFile(h.app.db.knex, 'never-seen.csv')).rejects.toThrow(/no batch was made from never-seen\.csv/);
    await expect(lineageOfRecord(h.app.db.knex, 'not a model', 1)).rejects.toThrow(/not an Odoo model name/);
  });
});
