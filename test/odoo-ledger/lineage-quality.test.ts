/**
 * Lineage of quality-apply (Odoo 18 test server, XML-RPC): a hold over two lots from two lines of
 * a quality file is one event; the quarantine transfers it made name the file, both lines, the
 * batch, its approval and the run; the file's lineage lists each line with the transfer it went to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineageOfFile, lineageOfRecord } from '../../load/odoo-ledger/lineage.ts';
import { dropQualityFile, type QualityHarness, qualityHarness } from '../support/quality.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';

let server: OdooTestServer;
let h: QualityHarness;

beforeAll(async () => {
  server = await startOdooTestServer({ version: 18 });
  h = await qualityHarness('lineage-quality', server);
}, 60_000);
afterAll(async () => {
  await h?.close();
  await server?.close();
});

describe('quality-apply lineage', () => {
  it('a quarantine transfer names the file lines of its hold, the batch, the approval and the run', async () => {
    dropQualityFile(
      h,
      'qms-holds.csv',
      [
        'nonconformance,action,product,lot,warehouse,location,quantity,reason,decided_by,decided_at',
        'NC-900,hold,FURN_8855,L-029,WH,,,porosity,J. Ortiz,2026-12-05T09:14:00Z',
        'NC-900,hold,FURN_8855,L-030,WH,,,porosity,J. Ortiz,2026-12-05T09:14:00Z',
      ].join('\n') + '\n',
    );
    const imported = await h.runner.runNow('quality-import', { settleSeconds: 0 });
    expect(imported.status).toBe('succeeded');
    const batchId = (imported.stats.batches as Array<{ batchId: number; status: string }>)[0]!.batchId;
    // an auto-approved file is applied by the import run itself

    const transfer = server.store.all('stock.picking').find((p) => String(p.origin ?? '').includes(' NC-900 '))!;
    const [w] = await lineageOfRecord(h.app.db.knex, 'stock.picking', transfer.id);
    expect(w).toMatchObject({
      operation: 'create',
      file: { batchId, kind: 'quality_events', path: expect.stringMatching(/qms-holds\.csv$/) },
      batch: { id: batchId, approval: { auto: true } },
      run: { id: imported.id, job: 'quality-import' },
    });
    expect(w!.lines!.map((l) => l.ref)).toEqual(['2', '3']);

    const f = await lineageOfFile(h.app.db.knex, 'quality/qms-holds.csv');
    expect(f.batches[0]!.lines.map((l) => [l.ref, l.went.map((x) => `${x.model} ${x.id}`)])).toEqual([
      ['2', [`stock.picking ${transfer.id}`]],
      ['3', [`stock.picking ${transfer.id}`]],
    ]);
  });
});
