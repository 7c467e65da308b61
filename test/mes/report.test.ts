/**
 * mes-report: MES production reports (B2MML ProcessOperationsPerformance) from <inbox>/mes become
 * `mes_report` batches, one line per OperationsResponse, checked against what was released and
 * what Odoo knows; a file that fails is rejected with a report a person can act on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mesReportJob } from '../../jobs/mes/mes-report.ts';
import { getBatch, listCheckpoints } from '../../load/staging/batches.ts';
import { seedLotStock } from '../support/odoo/index.ts';
import { EXAMPLES, type MesWorld, mesWorld, performanceXml } from './fixtures.ts';

type Row = Record<string, unknown>;
const STOCK = 8;

const RELEASE = {
  product: { code: 'FURN_8855', name: 'Drawer' },
  qty: 2,
  uom: 'Units',
  workOrders: [
    { id: 1, name: 'Packing', workcenter: 'Drill 1' },
    { id: 2, name: 'Testing', workcenter: 'Assembly 1' },
  ],
  components: [
    { code: 'FURN_2100', qty: 2 },
    { code: 'FURN_5623', qty: 2 },
  ],
};

describe('mes-report stages production reports', () => {
  let w: MesWorld;
  const batchOf = (r: { stats: Row }) => Number((r.stats.batches as Row[])[0]!.batchId);
  const lines = async (batchId: number) =>
    (await w.app.db.knex('mes_report_lines').where({ batch_id: batchId }).orderBy('line_no')) as Row[];
  const rejectedReport = (file: string) => fs.readFileSync(path.join(w.inbox, 'rejected', `${file}.report.txt`), 'utf8');

  beforeAll(async () => {
    w = await mesWorld('mesrep', 18, [mesReportJob], { mes: { approval: 'auto' } });
    seedLotStock(w.server.store, { code: 'FURN_2100', name: 'Drawer Black' }, [['0000000010001', STOCK, 50]]);
    seedLotStock(w.server.store, { code: 'FURN_5623', name: 'Drawer Case Black' }, [['0000000020045', STOCK, 50]]);
    await w.release('WH/MO/00042', 42, RELEASE, 'released', 'mfg-etl-WH_MO_00042-1');
    await w.release('WH/MO/00043', 43, RELEASE);
    await w.release('WH/MO/00044', 44, RELEASE, 'cancelled');
  });
  afterAll(async () => {
    await w?.close();
  });

  let exampleBatch: number;

  it('stages the example performance file as one approved line with the transaction, order, lots, scrap and times', async () => {
    w.drop('WH_MO_00042-performance.xml', fs.readFileSync(path.join(EXAMPLES, 'WH_MO_00042-performance.xml')));
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ files: 1, staged: 1, rejected: 0 });
    exampleBatch = batchOf(r);
    const batch = await getBatch(w.app.db.knex, exampleBatch);
    expect(batch.kind).toBe('mes_report');
    expect(batch.status).toBe('approved');
    const [line] = await lines(exampleBatch);
    expect(line).toMatchObject({
      line_no: 1,
      transaction_id: 'MES-TX-0042-1',
      mo_name: 'WH/MO/00042',
      product_code: 'FURN_8855',
      finished_lot: 'LOT-DRW-0042',
      complete: true,
      status: 'staged',
    });
    expect(Number(line!.produced_qty)).toBe(2);
    const report = line!.report as Row & { segments: Row[]; consumed: Row[]; scrap: Row[] };
    expect(report.segments.map((s) => [s.workOrder, s.workcenter, s.start, s.end])).toEqual([
      ['Packing', 'Drill 1', '2026-12-05T08:00:00.000Z', '2026-12-05T08:45:00.000Z'],
      ['Testing', 'Assembly 1', '2026-12-05T09:00:00.000Z', '2026-12-05T10:30:00.000Z'],
    ]);
    expect(report.consumed.map((m) => [m.code, m.lot, m.quantity])).toEqual([
      ['FURN_2100', '0000000010001', 2],
      ['FURN_5623', '0000000020045', 2],
    ]);
    expect(report.scrap).toEqual([expect.objectContaining({ code: 'FURN_5623', quantity: 1, reason: 'cracked while pressing' })]);
    // the component lots were checked in one search_read
    expect(w.server.calls('stock.lot', 'search_read')).toHaveLength(1);
  });

  it('archives the same file again as a duplicate and skips the same transaction in another file', async () => {
    w.drop('again.xml', fs.readFileSync(path.join(EXAMPLES, 'WH_MO_00042-performance.xml')));
    const dup = await w.run('mes-report');
    expect(dup.stats).toMatchObject({ files: 1, duplicates: 1, staged: 0 });
    // same transaction, same content, other bytes (another BODID and layout)
    const other = fs
      .readFileSync(path.join(EXAMPLES, 'WH_MO_00042-performance.xml'), 'utf8')
      .replace('PERF-2026-12-05-0001', 'PERF-2026-12-05-0002')
      .replace(/\n\s+/g, '\n');
    w.drop('other.xml', other);
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ files: 1, staged: 1, rejected: 0 });
    const batch = await getBatch(w.app.db.knex, batchOf(r));
    expect(batch.stats).toMatchObject({ responses: 1, lines: 0, repeats: 1 });
    expect(await w.app.db.knex('mes_report_lines').where({ transaction_id: 'MES-TX-0042-1' })).toHaveLength(1);
    // each file is a batch of its own: the later one does not supersede the first, still waiting for mes-load
    expect((await getBatch(w.app.db.knex, exampleBatch)).status).toBe('approved');
  });

  it('rejects a transaction id seen before with other content, saying neither is posted again', async () => {
    w.drop(
      'conflict.xml',
      performanceXml([
        { id: 'MES-TX-0042-1', mo: 'WH/MO/00042', produced: 1, lot: 'LOT-DRW-0042' },
        { id: 'MES-TX-0043-1', mo: 'WH/MO/00043', produced: 1 },
      ]),
    );
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ rejected: 1 });
    const batchId = batchOf(r);
    expect(await lines(batchId)).toEqual([]); // nothing of a rejected file stays staged
    const checks = await listCheckpoints(w.app.db.knex, batchId);
    expect(checks.find((c) => c.name === 'transaction_conflict')).toMatchObject({ passed: false, severity: 'error' });
    const report = rejectedReport('conflict.xml');
    expect(report).toContain('Nothing of this file was posted to Odoo');
    expect(report).toContain('OperationsResponse 1 (ID MES-TX-0042-1), ID = MES-TX-0042-1');
    expect(report).toContain('was received before with other content; neither is posted again');
    // the first file's line is untouched
    expect((await lines(exampleBatch))[0]).toMatchObject({ status: 'staged' });
  });

  it('rejects a report for an unknown order with a report a person can act on', async () => {
    w.drop('unknown.xml', performanceXml([{ id: 'TX-UNKNOWN', mo: 'WH/MO/09999', produced: 1 }]));
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ rejected: 1 });
    expect(fs.existsSync(path.join(w.inbox, 'rejected', 'unknown.xml'))).toBe(true);
    const report = rejectedReport('unknown.xml');
    expect(report).toContain('MES file unknown.xml');
    expect(report).toContain('FAILED  unknown_order');
    expect(report).toContain('OperationsRequestID = WH/MO/09999');
    expect(report).toContain('order WH/MO/09999 was never released to the MES by mfg-etl');
    expect(report).toContain('mfg-etl run mes-release');
    const csv = fs.readFileSync(path.join(w.inbox, 'rejected', 'unknown.xml.errors.csv'), 'utf8');
    expect(csv).toContain('WH/MO/09999');
  });

  it('names line, field and value for a cancelled order, another product, over-production, negative quantities and unknown lots', async () => {
    w.drop(
      'bad.xml',
      performanceXml([
        { id: 'TX-C', mo: 'WH/MO/00044', produced: 1 },
        { id: 'TX-P', mo: 'WH/MO/00043', product: 'FURN_7023', produced: 1 },
        { id: 'TX-O', mo: 'WH/MO/00043', produced: 5 },
        { id: 'TX-N', mo: 'WH/MO/00043', consumed: [{ code: 'FURN_2100', qty: -1 }] },
        { id: 'TX-L', mo: 'WH/MO/00043', produced: 1, consumed: [{ code: 'FURN_2100', qty: 1, lot: 'NO-SUCH-LOT' }] },
      ]),
    );
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ rejected: 1 });
    const failed = (await listCheckpoints(w.app.db.knex, batchOf(r))).filter((c) => !c.passed).map((c) => c.name);
    expect(failed).toEqual(
      expect.arrayContaining(['unknown_order', 'product_mismatch', 'over_production', 'negative_quantities', 'unknown_lots']),
    );
    const report = rejectedReport('bad.xml');
    expect(report).toContain('order WH/MO/00044 was cancelled after its release');
    expect(report).toContain('order WH/MO/00043 makes FURN_8855, the report produces FURN_7023');
    expect(report).toMatch(/OperationsResponse 3 \(ID TX-O\), MaterialActual\/Quantity = 5: over_production: order WH\/MO\/00043 is for 2/);
    expect(report).toContain('consumed quantity of FURN_2100 is negative');
    expect(report).toContain('MaterialLotID = NO-SUCH-LOT: unknown_lots: Odoo has no lot NO-SUCH-LOT of FURN_2100');
  });

  it('rejects a file that is not XML, one with a DOCTYPE, and one with a root it does not read, saying what it reads', async () => {
    w.drop('garbage.xml', 'this is not xml <');
    w.drop(
      'entities.xml',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ProcessOperationsPerformance>&e;</ProcessOperationsPerformance>',
    );
    w.drop('schedule.xml', '<ProcessOperationsSchedule xmlns="http://www.mesa.org/xml/B2MML"/>');
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ files: 3, rejected: 3 });
    expect(rejectedReport('garbage.xml')).toContain('not well-formed XML');
    expect(rejectedReport('entities.xml')).toContain('the file declares a DOCTYPE, which MES files may not carry');
    expect(rejectedReport('schedule.xml')).toContain('the root element is <ProcessOperationsSchedule>');
  });

  it('reads SyncOperationsPerformance like ProcessOperationsPerformance, and a response without ResponseState as progress only', async () => {
    const xml = performanceXml([{ id: 'TX-SYNC', mo: 'WH/MO/00043', produced: 1 }])
      .replaceAll('ProcessOperationsPerformance', 'SyncOperationsPerformance')
      .replace('<Process/>', '<Sync/>');
    w.drop('sync.xml', xml);
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ staged: 1, rejected: 0 });
    expect(await lines(batchOf(r))).toEqual([
      expect.objectContaining({ transaction_id: 'TX-SYNC', mo_name: 'WH/MO/00043', complete: false }),
    ]);
  });

  it('reads times without an offset as a parse error naming the field', async () => {
    w.drop(
      'times.xml',
      performanceXml([
        {
          id: 'TX-T',
          mo: 'WH/MO/00043',
          produced: 1,
          segments: [{ wo: 'Packing', workcenter: 'Drill 1', start: '2026-12-05T08:00:00', end: '2026-12-05T09:00:00Z' }],
        },
      ]),
    );
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ rejected: 1 });
    expect(rejectedReport('times.xml')).toContain(
      'SegmentResponse SR1/ActualStartTime = 2026-12-05T08:00:00: not a date and time with its offset',
    );
  });

  it('refuses several lots or quantities in one MaterialActual instead of giving the whole quantity to the first lot', async () => {
    const xml = performanceXml([
      { id: 'TX-L', mo: 'WH/MO/00043', produced: 1, consumed: [{ code: 'FURN_2100', qty: 2, lot: '0000000010001' }] },
    ]).replace(
      '<MaterialLotID>0000000010001</MaterialLotID>',
      '<MaterialLotID>0000000010001</MaterialLotID><MaterialLotID>LOT-B</MaterialLotID>',
    );
    w.drop('lots.xml', xml);
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ rejected: 1 });
    expect(rejectedReport('lots.xml')).toContain(
      'MaterialActual C0/MaterialLotID = 0000000010001, LOT-B: FURN_2100 names several lots in one MaterialActual: send one MaterialActual per lot with its quantity',
    );
  });

  it('hands the example acknowledgment to the release side: the release is acknowledged, the file archived', async () => {
    w.drop('WH_MO_00042-acknowledgment.xml', fs.readFileSync(path.join(EXAMPLES, 'WH_MO_00042-acknowledgment.xml')));
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ files: 1, staged: 1, rejected: 0 });
    const batch = await getBatch(w.app.db.knex, batchOf(r));
    expect(batch.stats).toMatchObject({ document: 'acknowledgment', acknowledgments: 1, acknowledged: 1, refused: 0 });
    // the run says what the file did; nothing waits for mes-load
    expect((r.stats.summary as string[]).join('\n')).toContain(': 1 acknowledgment recorded: 1 acknowledged, 0 refused');
    expect((r.stats.summary as string[]).join('\n')).not.toContain('next: mfg-etl run mes-load');
    const release = (await w.app.db.knex('mes_releases').where({ mo_name: 'WH/MO/00042' }).first()) as Row;
    expect(release.state).toBe('acknowledged');
    const archived = fs.readdirSync(path.join(w.inbox, 'archive'), { recursive: true }).map(String);
    expect(archived.some((f) => f.endsWith('WH_MO_00042-acknowledgment.xml'))).toBe(true);
  });

  it('rejects an acknowledgment it cannot read, saying why', async () => {
    w.drop(
      'bad-ack.xml',
      '<AcknowledgeOperationsSchedule xmlns="http://www.mesa.org/xml/B2MML"><ApplicationArea/></AcknowledgeOperationsSchedule>',
    );
    const r = await w.run('mes-report');
    expect(r.stats).toMatchObject({ rejected: 1 });
    expect(rejectedReport('bad-ack.xml')).toContain('has no DataArea');
  });
});
