/**
 * Lineage of supplier-load (Odoo 19 test server, JSON-2), with the example supplier file: the
 * purchase line a confirmation moved and the receipt move an ASN filled name the file, the
 * line(s), the auto-approved batch and the run; the file's lineage lists each line with where it
 * went or what the load said about it (unchanged: Odoo already held it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileLineageText, recordLineageText } from '../../app/cli/lineage.ts';
import { supplierImportJob } from '../../jobs/suppliers/supplier-import.ts';
import { supplierLoadJob } from '../../jobs/suppliers/supplier-load.ts';
import { supplierPoExportJob } from '../../jobs/suppliers/supplier-po-export.ts';
import { lineageOfFile, lineageOfRecord } from '../../load/odoo-ledger/lineage.ts';
import { type SupplierWorld, supplierWorld } from '../suppliers/fixtures.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/inbox/suppliers/WOODC-confirmation.csv');

describe('supplier-load lineage', () => {
  let w: SupplierWorld;
  let po: { orderId: number; lineIds: number[]; name: string };
  let loadRun: number;

  beforeAll(async () => {
    w = await supplierWorld('lineage_sup', 19, [supplierPoExportJob, supplierImportJob, supplierLoadJob], {
      suppliers: { approval: 'auto' },
    });
    po = w.order([
      { productId: w.caseBlack, qty: 10, date: '2026-12-12 10:00:00' },
      { productId: w.panel, qty: 5, date: '2026-12-12 10:00:00' },
    ]);
    await w.run('supplier-po-export');
    fs.writeFileSync(path.join(w.inbox, 'WOODC-confirmation.csv'), fs.readFileSync(EXAMPLE));
    await w.run('supplier-import');
    loadRun = (await w.run('supplier-load')).id;
  }, 60_000);
  afterAll(async () => w?.close());

  it('a purchase line names the file line of its confirmed date, the auto-approval and the run', async () => {
    const writes = await lineageOfRecord(w.app.db.knex, 'purchase.order.line', po.lineIds[0]!);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      operation: 'update',
      file: { kind: 'supplier_confirmation', path: expect.stringMatching(/WOODC-confirmation\.csv$/) },
      lines: [{ line: 1, ref: '5' }], // the header is on line 4 of the file
      batch: { kind: 'supplier_confirmation', approval: { auto: true, by: 'mfg-etl' } },
      run: { id: loadRun, job: 'supplier-load' },
    });
    expect(recordLineageText('purchase.order.line', po.lineIds[0]!, writes)).toMatch(/approval\s+auto-approved/);
  });

  it('the receipt move an ASN filled names both lines that shipped to it', async () => {
    const move = w.server.records('stock.move', [['purchase_line_id', '=', po.lineIds[0]!]])[0]!;
    const writes = await lineageOfRecord(w.app.db.knex, 'stock.move', move.id);
    expect(writes.flatMap((x) => x.lines!.map((l) => l.ref)).sort()).toEqual(['5', '6']);
  });

  it("the file's lineage: each line, where it went or what the load said", async () => {
    const f = await lineageOfFile(w.app.db.knex, EXAMPLE); // the file on disk: found by its content
    expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    const lines = f.batches[0]!.lines;
    expect(lines.map((l) => [l.ref, l.went.map((x) => x.model).sort()])).toEqual([
      ['5', ['purchase.order.line', 'stock.move']],
      ['6', ['stock.move']],
      ['7', []],
    ]);
    expect(lines[2]!.why).toEqual([
      'asn unchanged: the receipt already holds these quantities and lots',
      'date unchanged: Odoo already plans 2026-12-12 10:00:00',
    ]);
    expect(fileLineageText(f)).toMatch(/^7\s+asn unchanged: .*; date unchanged: /m);
  });
});
