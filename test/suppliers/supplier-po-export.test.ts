/**
 * supplier-po-export against the Odoo test server as 18 (XML-RPC) and 19 (JSON-2): one file per
 * supplier with the supplier's columns, the vendor's own product code, new / changed / cancelled
 * marks against the last export, nothing when nothing changed, written atomically inside the outbox.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supplierPoExportJob } from '../../jobs/suppliers/supplier-po-export.ts';
import { outboxFolder, writeAtomically } from '../../load/outbox/outbox.ts';
import { openTabular } from '../../extract/tabular/index.ts';
import { EXPORT_COLUMNS } from '../../transform/suppliers/export-plan.ts';
import { receive } from '../support/odoo/purchase.ts';
import { outboxCsv, type SupplierWorld, supplierWorld } from './fixtures.ts';

describe.each([18, 19] as const)('supplier-po-export against Odoo %i', (version) => {
  let w: SupplierWorld;
  let first: { orderId: number; lineIds: number[]; name: string };
  let second: { orderId: number; lineIds: number[]; name: string };

  beforeAll(async () => {
    w = await supplierWorld(`supexp${version}`, version, [supplierPoExportJob]);
    first = w.order([
      { productId: w.caseBlack, qty: 10, date: '2026-12-12 10:00:00' },
      { productId: w.panel, qty: 5, date: '2026-12-12 10:00:00' },
    ]);
    second = w.order([{ productId: w.panel, qty: 3, date: '2026-12-20 10:00:00' }], w.other);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('writes one XLSX and one CSV per supplier, in a folder named after the partner ref (else its id)', async () => {
    const r = await w.run('supplier-po-export');
    expect(r.stats).toMatchObject({ suppliers: 2, new: 3, changed: 0, cancelled: 0 });
    const files = fs.readdirSync(path.join(w.outbox, 'suppliers', 'WOODC')).sort();
    expect(files.filter((f) => f.endsWith('.xlsx'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.csv'))).toHaveLength(1);
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    expect(fs.existsSync(path.join(w.outbox, 'suppliers', String(w.other)))).toBe(true);

    const [csv] = outboxCsv(w.outbox, 'WOODC');
    expect(csv!.rows[0]).toEqual([...EXPORT_COLUMNS]);
    const caseRow = csv!.rows.find((r) => r[4] === 'FURN_5623')!;
    // status, PO, line, line id, our code, the vendor's code, …, ordered qty, unit, price, requested date, received
    expect(caseRow.slice(0, 6)).toEqual(['new', first.name, '1', String(first.lineIds[0]), 'FURN_5623', 'WC-CASE-BLK']);
    expect(caseRow.slice(7, 12)).toEqual(['10', 'Units', '1', '2026-12-12', '0']);

    // the XLSX has title rows above the header, and the import reads it back
    const xlsx = files.find((f) => f.endsWith('.xlsx'))!;
    const source = await openTabular(path.join(w.outbox, 'suppliers', 'WOODC', xlsx));
    const rows: unknown[][] = [];
    for await (const row of source.rows()) rows.push(row.cells);
    expect(String(rows[0]![0])).toContain('Wood Corner');
    const header = rows.findIndex((r) => r[0] === 'Status');
    expect(header).toBeGreaterThan(0);
    expect(rows[header]).toEqual([...EXPORT_COLUMNS]);
    expect(rows.length - header - 1).toBe(2);
  });

  it('marks changed, received and cancelled lines on the next export and leaves unchanged suppliers without a file', async () => {
    receive(w.server.store, first.lineIds[0]!, 10); // received in full: no longer open
    w.server.store.transaction(() =>
      w.server.store.write(
        'purchase.order.line',
        [first.lineIds[1]!],
        { date_planned: '2026-12-19 10:00:00' },
        { uid: 2, now: '2026-12-05 00:00:00', context: {} },
      ),
    );
    w.server.store.transaction(() =>
      w.server.store.write('purchase.order', [second.orderId], { state: 'cancel' }, { uid: 2, now: '2026-12-05 00:00:00', context: {} }),
    );
    const r = await w.run('supplier-po-export');
    expect(r.stats).toMatchObject({ suppliers: 2, new: 0, changed: 1, cancelled: 1, received: 1, unchanged: 0 });
    const latest = outboxCsv(w.outbox, 'WOODC').at(-1)!;
    expect(latest.rows.slice(1).map((r) => [r[0], r[4], r[11]])).toEqual([
      ['received', 'FURN_5623', '10'],
      ['changed', 'FURN_7023', '0'],
    ]);
    const cancelled = outboxCsv(w.outbox, String(w.other)).at(-1)!;
    expect(cancelled.rows[1]!.slice(0, 3)).toEqual(['cancelled', second.name, '1']);

    const again = await w.run('supplier-po-export');
    expect(again.stats).toMatchObject({ suppliers: 0, new: 0, changed: 0, cancelled: 0 });
  });

  it('refuses an outbox folder that a symbolic link leads outside the outbox', async () => {
    const outside = fs.mkdtempSync(path.join(path.dirname(w.outbox), 'elsewhere-'));
    fs.mkdirSync(path.join(w.outbox, 'suppliers'), { recursive: true });
    fs.symlinkSync(outside, path.join(w.outbox, 'suppliers', 'EVIL'));
    await expect(outboxFolder(w.outbox, ['suppliers', 'EVIL'])).rejects.toThrow(/outside the outbox/);
    expect(fs.readdirSync(outside)).toEqual([]);
    // a link at the final name is replaced, not followed
    const dir = await outboxFolder(w.outbox, ['suppliers', 'SAFE']);
    const target = path.join(outside, 'victim.csv');
    fs.writeFileSync(target, 'keep');
    fs.symlinkSync(target, path.join(dir, 'PO.csv'));
    await writeAtomically(dir, 'PO.csv', 'new content');
    expect(fs.readFileSync(target, 'utf8')).toBe('keep');
    expect(fs.lstatSync(path.join(dir, 'PO.csv')).isSymbolicLink()).toBe(false);
    fs.rmSync(outside, { recursive: true, force: true });
  });
});
