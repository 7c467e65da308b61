/**
 * supplier-import → supplier-load against the Odoo test server as 18 (XML-RPC) and 19 (JSON-2),
 * with the example supplier file (examples/inbox/suppliers/): confirmed dates move the purchase
 * line and its receipt's scheduled date; the ASN pre-fills lots and quantities on the receipt and
 * leaves it unvalidated; the same file twice writes once; a line received since the file was made
 * is refused with a report while the rest of the file is written; a file with unknown lines or a
 * lot on an untracked product is rejected with its row report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supplierImportJob } from '../../jobs/suppliers/supplier-import.ts';
import { supplierLoadJob } from '../../jobs/suppliers/supplier-load.ts';
import { supplierPoExportJob } from '../../jobs/suppliers/supplier-po-export.ts';
import { getBatch } from '../../load/staging/batches.ts';
import { receive } from '../support/odoo/purchase.ts';
import { type SupplierWorld, supplierWorld } from './fixtures.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/inbox/suppliers/WOODC-confirmation.csv');
type Row = Record<string, unknown>;

describe.each([18, 19] as const)('supplier files into Odoo %i', (version) => {
  let w: SupplierWorld;
  let po: { orderId: number; lineIds: number[]; name: string };

  const drop = (name: string, content: string | Buffer) => fs.writeFileSync(path.join(w.inbox, name), content);
  const picking = (lineId: number) => {
    const move = w.server.records('stock.move', [['purchase_line_id', '=', lineId]])[0]!;
    return w.server.read('stock.picking', Number(move.picking_id), ['state', 'scheduled_date', 'date_deadline']);
  };
  const moveLines = (lineId: number) =>
    w.server
      .records('stock.move.line', [['move_id.purchase_line_id', '=', lineId]])
      .map((ml) => w.server.read('stock.move.line', ml.id, ['lot_id', 'lot_name', 'quantity', 'picked', 'state']))
      .map((r) => ({ ...r, quantity: Number((r.quantity as { value: number }).value ?? r.quantity) }) as Row & { quantity: number });
  /** calls that change records */
  const writes = () => w.server.calls().filter((c) => ['write', 'load', 'create', 'unlink'].includes(c.method)).length;

  beforeAll(async () => {
    w = await supplierWorld(`supimp${version}`, version, [supplierPoExportJob, supplierImportJob, supplierLoadJob], {
      suppliers: { approval: 'auto' },
    });
    // P00012 as in the captures: Drawer Case Black x 10 (lot) and Wood Panel x 5, both for 2026-12-12
    po = w.order([
      { productId: w.caseBlack, qty: 10, date: '2026-12-12 10:00:00' },
      { productId: w.panel, qty: 5, date: '2026-12-12 10:00:00' },
    ]);
    expect(po.name).toBe('P00012');
    await w.run('supplier-po-export');
  });
  afterAll(async () => {
    await w?.close();
  });

  let batchId: number;

  it('stages the example file (title rows, any column order, the vendor’s product code) as an approved batch', async () => {
    drop('WOODC-confirmation.csv', fs.readFileSync(EXAMPLE));
    const r = await w.run('supplier-import');
    expect(r.stats).toMatchObject({ files: 1, staged: 1, rejected: 0 });
    batchId = Number((r.stats.batches as Row[])[0]!.batchId);
    const batch = await getBatch(w.app.db.knex, batchId);
    expect(batch.status).toBe('approved');
    expect(batch.stats).toMatchObject({ lines: 3, matched: 3, confirmations: 2, shipments: 3 });
    const staged = (await w.app.db.knex('supplier_confirmation_lines').where({ batch_id: batchId }).orderBy('line_no')) as Row[];
    expect(staged.map((l) => [Number(l.po_line_id), l.lot, Number(l.shipped_qty)])).toEqual([
      [po.lineIds[0], 'ASN-LOT-A', 6],
      [po.lineIds[0], 'ASN-LOT-B', 2],
      [po.lineIds[1], null, 5],
    ]);
  });

  it('moves the purchase line and its receipt move to the confirmed date (the receipt is planned at its earliest open move)', async () => {
    expect(picking(po.lineIds[0]!).scheduled_date).toBe('2026-12-12 10:00:00');
    const r = await w.run('supplier-load');
    expect(r.stats).toMatchObject({ conflicts: 0, failed: 0 });
    expect(w.server.read('purchase.order.line', po.lineIds[0]!, ['date_planned']).date_planned).toBe('2026-12-19 10:00:00');
    const move = w.server.records('stock.move', [['purchase_line_id', '=', po.lineIds[0]!]])[0]!;
    expect(move.date).toBe('2026-12-19 10:00:00');
    expect(move.date_deadline).toBe('2026-12-19 10:00:00');
    // the Wood Panel keeps 2026-12-12 (confirmed as requested): the receipt is planned at its earliest open move
    expect(picking(po.lineIds[0]!).scheduled_date).toBe('2026-12-12 10:00:00');
    expect(w.server.read('purchase.order.line', po.lineIds[1]!, ['date_planned']).date_planned).toBe('2026-12-12 10:00:00');
    const results = (await w.app.db.knex('supplier_load_results').where({ batch_id: batchId }).orderBy(['line_no', 'action'])) as Row[];
    expect(results.map((x) => [x.line_no, x.action, x.outcome])).toEqual([
      [1, 'asn', 'written'],
      [1, 'date', 'written'],
      [2, 'asn', 'written'],
      // the receipt was pre-filled with the whole 5 and the date confirmed as requested: nothing to write
      [3, 'asn', 'unchanged'],
      [3, 'date', 'unchanged'],
    ]);
    expect((await getBatch(w.app.db.knex, batchId)).status).toBe('loaded');
  });

  it('pre-fills lots and quantities from the ASN on the receipt and leaves it unvalidated', () => {
    const lines = moveLines(po.lineIds[0]!);
    const lotA = w.server.records('stock.lot', [['name', '=', 'ASN-LOT-A']]);
    expect(lotA).toEqual([]); // a lot Odoo does not know goes as lot_name (made at validation, capture 178)
    expect(lines.map((l) => [l.lot_id, l.lot_name, l.quantity, l.picked, l.state])).toEqual([
      [false, 'ASN-LOT-A', 6, false, 'partially_available'],
      [false, 'ASN-LOT-B', 2, false, 'partially_available'],
    ]);
    expect(moveLines(po.lineIds[1]!).map((l) => [l.quantity, l.state])).toEqual([[5, 'assigned']]);
    expect(picking(po.lineIds[0]!).state).toBe('assigned');
    expect(w.server.calls('stock.picking', 'button_validate')).toHaveLength(0);
    expect(w.server.read('purchase.order', po.orderId, ['receipt_status']).receipt_status).toBe('pending');
  });

  it('writes the same supplier file only once: a second copy is a duplicate, a rerun writes nothing', async () => {
    const before = writes();
    drop('WOODC-confirmation-again.csv', fs.readFileSync(EXAMPLE));
    const r = await w.run('supplier-import');
    expect(r.stats).toMatchObject({ files: 1, duplicates: 1, staged: 0 });
    const load = await w.run('supplier-load');
    expect(load.stats).toMatchObject({ written: 0 });
    expect(writes()).toBe(before);
    const ledger = (await w.app.db.knex('load_ledger').where({ batch_id: batchId }).count('* as n').first()) as { n: string };
    expect(Number(ledger.n)).toBe(3); // one per written file line and action
  });

  it('refuses a line received since the file was made, with a report, and writes the others', async () => {
    const second = w.order([{ productId: w.panel, qty: 8, date: '2026-12-14 10:00:00' }]);
    const third = w.order([{ productId: w.panel, qty: 4, date: '2026-12-14 10:00:00' }]);
    await w.run('supplier-po-export');
    receive(w.server.store, second.lineIds[0]!, 3); // the warehouse received 3 after the file went out
    drop(
      'WOODC-late.csv',
      ['PO,Line,Confirmed date,Shipped qty', `${second.name},1,2026-12-21,5`, `${third.name},1,2026-12-22,3`].join('\n') + '\n',
    );
    const imported = await w.run('supplier-import');
    const id = Number((imported.stats.batches as Row[])[0]!.batchId);
    const before = writes();
    const r = await w.run('supplier-load');
    const loaded = (r.stats.batches as Row[])[0]!;
    expect(loaded).toMatchObject({ batchId: id, status: 'loaded', conflicts: 2, written: 2 });
    expect(w.server.read('purchase.order.line', second.lineIds[0]!, ['date_planned']).date_planned).toBe('2026-12-14 10:00:00');
    expect(w.server.read('purchase.order.line', third.lineIds[0]!, ['date_planned']).date_planned).toBe('2026-12-22 10:00:00');
    expect(writes() - before).toBe(3); // dates: one load of purchase lines, one of moves; ASN: one write of the move
    // a receipt of one line: its scheduled date is the confirmed date now
    expect(picking(third.lineIds[0]!).scheduled_date).toBe('2026-12-22 10:00:00');
    const report = fs.readFileSync(String(loaded.report), 'utf8');
    expect(report).toMatch(/conflict,"?P00013: 3 received since the file was made/);
    const errors = (await w.app.db.knex('load_row_errors').where({ batch_id: id })) as Row[];
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('received since'), expect.stringContaining('received since')]);
  });

  it('moves a receipt’s scheduled date with a confirmed date, which writing date_planned alone does not (captures 165-167)', async () => {
    const alone = w.order([{ productId: w.caseBlack, qty: 2, date: '2026-12-15 10:00:00' }]);
    const env = { uid: 2, now: '2026-12-05 00:00:00', context: {} };
    w.server.store.transaction(() =>
      w.server.store.write('purchase.order.line', [alone.lineIds[0]!], { date_planned: '2026-12-29 10:00:00' }, env),
    );
    expect(picking(alone.lineIds[0]!)).toMatchObject({ scheduled_date: '2026-12-15 10:00:00', date_deadline: '2026-12-29 10:00:00' });
    await w.run('supplier-po-export');
    drop('WOODC-alone.csv', ['PO,Line,Confirmed date', `${alone.name},1,2027-01-05`].join('\n') + '\n');
    await w.run('supplier-import');
    await w.run('supplier-load');
    expect(picking(alone.lineIds[0]!)).toMatchObject({ state: 'assigned', scheduled_date: '2027-01-05 10:00:00' });
  });

  it('rejects a file naming unknown lines or a lot for an untracked product, with its row report', async () => {
    drop('WOODC-wrong.csv', ['PO;Line;Confirmed qty;Shipped qty;Lot', 'P09999;1;3;;', `${po.name};2;;5;LOT-X`].join('\n') + '\n');
    const r = await w.run('supplier-import');
    expect(r.stats).toMatchObject({ files: 1, rejected: 1 });
    const rejected = path.join(w.inbox, 'rejected');
    const files = fs.readdirSync(rejected);
    const report = fs.readFileSync(
      path.join(
        rejected,
        files.find((f) => f.endsWith('.report.txt'))!,
      ),
      'utf8',
    );
    expect(report).toContain('REJECTED');
    expect(report).toMatch(/unknown_lines/);
    expect(report).toMatch(/lot_untracked/);
    const errors = fs.readFileSync(
      path.join(
        rejected,
        files.find((f) => f.endsWith('.errors.csv'))!,
      ),
      'utf8',
    );
    expect(errors).toContain('P09999 is not a confirmed purchase order');
    expect(errors).toContain('not tracked by lot');
  });

  it('reads the purchase lines of all the files of a run in one search_read, each file still matched and checked on its own', async () => {
    const a = w.order([{ productId: w.panel, qty: 6, date: '2026-12-16 10:00:00' }]);
    const b = w.order([{ productId: w.panel, qty: 7, date: '2026-12-16 10:00:00' }]);
    await w.run('supplier-po-export');
    drop('WOODC-run-a.csv', ['PO,Line,Confirmed qty,Confirmed date', `${a.name},1,6,2026-12-18`].join('\n') + '\n');
    drop(
      'WOODC-run-b.csv',
      ['PO,Line,Confirmed qty,Confirmed date', `${b.name},1,9,2026-12-18`, 'P09998,1,1,2026-12-18'].join('\n') + '\n',
    );
    const before = w.server.calls('purchase.order.line', 'search_read').length;
    const r = await w.run('supplier-import');
    expect(r.stats).toMatchObject({ files: 2, staged: 1, rejected: 1 });
    expect(w.server.calls('purchase.order.line', 'search_read').length - before).toBe(1);
    const outcome = Object.fromEntries((r.stats.batches as Row[]).map((x) => [x.file, x.status]));
    expect(outcome).toEqual({ 'WOODC-run-a.csv': 'approved', 'WOODC-run-b.csv': 'rejected' });
    const rejected = path.join(w.inbox, 'rejected');
    const errors = fs.readFileSync(
      path.join(
        rejected,
        fs.readdirSync(rejected).find((f) => f.startsWith('WOODC-run-b') && f.endsWith('.errors.csv'))!,
      ),
      'utf8',
    );
    expect(errors).toContain('P09998 is not a confirmed purchase order');
  });
});
