/**
 * forecast-import through the real Runner on PostgreSQL, with master data: each format and layout
 * staged with the figures a planner checks, unit conversion, every checkpoint firing and passing,
 * the delta against the previous approved version, auto-approval, and duplicate files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../extract/inbox/inbox.ts';
import { runCli } from '../support/cli.ts';
import {
  addWarehouses,
  archiveMonth,
  auditOf,
  batchesFromSha,
  batchOf,
  drop,
  type ForecastHarness,
  forecastHarness,
  isoWeek,
  lineCount,
  lineRows,
  loadMasterData,
  longCsv,
  mondayOf,
  runImport,
  series,
  sumQuantity,
  tree,
  week,
  weeks,
  withCheckpoints,
} from '../support/forecast.ts';
import { writeWorkbook } from '../fixtures/files.ts';

let h: ForecastHarness;
beforeAll(async () => {
  h = await forecastHarness('fc-import');
  await loadMasterData(h.app);
  await addWarehouses(
    h.app,
    Array.from({ length: 40 }, (_, i) => `W${String(i + 1).padStart(2, '0')}`),
  );
});
afterAll(async () => h?.close());

const ALL_CHECKPOINTS = [
  'parse_errors',
  'duplicate_keys',
  'unknown_products',
  'unknown_warehouses',
  'unknown_units',
  'unit_conversion',
  'negative_quantity',
  'zero_total',
  'horizon_coverage',
  'past_periods',
  'version_delta',
];

/** German number text: 1234.5 → "1.234,5" */
const de = (n: number) => n.toLocaleString('de-DE', { maximumFractionDigits: 3 });

describe('formats and layouts', () => {
  it('stages a semicolon CSV in long layout with decimal commas, auto-approves it and shows it in `batch --json`', async () => {
    const rows = [
      ...series(
        'FURN_7800',
        'W01',
        weeks(12).map((w) => 1000.5 + w),
      ),
      ...series('FURN_8888', 'W01', 0.25),
    ];
    const content = longCsv(
      rows.map((r) => ({ ...r, quantity: de(Number(r.quantity)) })),
      { delimiter: ';' },
    );
    expect(content).toContain(';1.000,5\n'); // thousands separator and decimal comma really in the file
    drop(h, 'plan-w01.csv', content);

    const stats = await runImport(h);
    expect(stats).toMatchObject({ files: 1, staged: 1, rejected: 0, duplicates: 0, rowsStaged: 24 });
    const batch = await batchOf(h, stats, 'plan-w01.csv');
    const total = sumQuantity(rows);
    expect(batch).toMatchObject({
      kind: 'forecast',
      status: 'approved',
      scope: 'W01',
      version: 'plan-w01',
      source: 'forecasts/plan-w01.csv',
    });
    expect(batch.stats).toMatchObject({
      format: 'csv',
      layout: 'long',
      rows: 24,
      lines: 24,
      products: 2,
      warehouses: 1,
      periods: 12,
      firstPeriod: week(0),
      lastPeriod: week(11),
      errorCount: 0,
    });
    expect(batch.stats.totalQuantity).toBeCloseTo(total, 6);
    for (const name of ALL_CHECKPOINTS) expect(batch.cp[name], name).toMatchObject({ passed: true });
    expect(batch.cp.version_delta!.measured).toMatchObject({ previousBatchId: null });
    expect(batch.approvedBy).toBe('mfg-etl');
    expect((await auditOf(h, batch.id)).map((e) => e.action)).toEqual(['received', 'validated', 'approved']);

    // lines keep their lineage: the file line of each row
    const lines = await lineRows(h, batch.id);
    expect(lines[0]).toMatchObject({ product_code: 'FURN_7800', warehouse_code: 'W01', source_ref: '2' });
    expect(Number(lines[0]!.product_id)).toBe(101);
    expect(Number(lines[0]!.quantity)).toBe(1000.5);
    expect(lines.at(-1)).toMatchObject({ product_code: 'FURN_8888', source_ref: '25' });

    // the file left the inbox for this month's archive, under its own name
    expect(tree(h.root)).toContain(path.join(archiveMonth(), 'plan-w01.csv'));
    expect(fs.existsSync(path.join(h.root, 'plan-w01.csv'))).toBe(false);

    const cli = await runCli(['batch', String(batch.id), '--json'], { ...h.app.env, MFG_ETL_LOG_LEVEL: 'warn' }, h.app.dir);
    expect(cli.code, cli.stderr).toBe(0);
    const shown = JSON.parse(cli.stdout) as {
      stats: Record<string, unknown>;
      checkpoints: Record<string, unknown>[];
      status: string;
      source: string;
    };
    expect(shown).toMatchObject({ id: batch.id, status: 'approved', scope: 'W01', source: 'forecasts/plan-w01.csv' });
    expect(shown.stats).toMatchObject({ lines: 24, products: 2, periods: 12, firstPeriod: week(0), lastPeriod: week(11) });
    expect(shown.stats.totalQuantity).toBeCloseTo(total, 6);
    expect(shown.checkpoints.map((c) => c.name)).toEqual(ALL_CHECKPOINTS);
    for (const c of shown.checkpoints) {
      expect(Object.keys(c).sort()).toEqual(['measured', 'message', 'name', 'passed', 'severity']);
      expect(c.severity).toMatch(/^(error|warning)$/);
      expect(typeof c.message).toBe('string');
      expect(typeof c.measured).toBe('object');
    }
    expect(shown.checkpoints.find((c) => c.name === 'parse_errors')).toMatchObject({ passed: true, measured: { rows: 24, errors: 0 } });
  });

  it('stages a wide CSV whose period headers are ISO weeks', async () => {
    const header = ['sku', 'warehouse', ...weeks(12).map(isoWeek)];
    const products = ['COMP_LEG', 'COMP_TOP', 'COMP_SCREW'];
    const body = products.map((p, i) => [p, 'W02', ...weeks(12).map((w) => String((i + 1) * 10 + w))]);
    drop(h, 'wide-weeks.csv', `${[header, ...body].map((r) => r.join(',')).join('\r\n')}\r\n`);

    const stats = await runImport(h);
    const batch = await batchOf(h, stats, 'wide-weeks.csv');
    const expectedTotal = products.reduce((s, _p, i) => s + weeks(12).reduce((t, w) => t + (i + 1) * 10 + w, 0), 0);
    expect(batch.status).toBe('approved');
    expect(batch.stats).toMatchObject({
      layout: 'wide',
      rows: 3,
      lines: 36,
      products: 3,
      periods: 12,
      firstPeriod: week(0),
      lastPeriod: week(11),
      totalQuantity: expectedTotal,
    });
    const lines = await lineRows(h, batch.id);
    // one line per cell; in a CSV the reference is the file line (the column is reported separately)
    expect(lines.slice(0, 12).map((l) => [l.product_code, l.source_ref])).toEqual(weeks(12).map(() => ['COMP_LEG', '2']));
    expect(lines.at(-1)).toMatchObject({ product_code: 'COMP_SCREW', source_ref: '4' });
    expect(lines[0]!.period_start).toBeInstanceOf(Date);
    expect(new Set(lines.map((l) => (l.period_start as Date).toISOString().slice(0, 10)))).toEqual(new Set(weeks(12).map((w) => week(w))));
  });

  it('stages an XLSX wide export with title rows above the header, date headers and a formula cell', async () => {
    const file = path.join(h.root, 'export-w03.xlsx');
    await writeWorkbook(file, (wb) => {
      const ws = wb.addWorksheet('Forecast');
      ws.addRow(['Demand forecast export, generated by the planning tool']);
      ws.addRow(['Version: XLSX-7']);
      ws.addRow([]);
      ws.addRow(['Item', 'Plant', 'UoM', ...weeks(12).map((w) => mondayOf(w))]);
      ws.addRow(['FURN_6666', 'W03', 'Units', ...weeks(12).map(() => 5)]);
      ws.addRow(['FURN_9999', 'W03', 'Units', ...weeks(12).map(() => 7)]);
      // a formula with its cached result: the result counts
      ws.getCell('D6').value = { formula: 'D5+2', result: 7 };
      ws.addRow([]); // trailing empty rows are ignored
      ws.addRow([]);
    });

    const stats = await runImport(h);
    const batch = await batchOf(h, stats, 'export-w03.xlsx');
    expect(batch).toMatchObject({ status: 'approved', scope: 'W03', version: 'XLSX-7' });
    expect(batch.stats).toMatchObject({
      format: 'xlsx',
      layout: 'wide',
      rows: 2,
      lines: 24,
      products: 2,
      periods: 12,
      firstPeriod: week(0),
      lastPeriod: week(11),
      totalQuantity: 12 * 5 + 12 * 7,
    });
    const lines = await lineRows(h, batch.id);
    expect(lines.map((l) => l.source_ref)).toContain('Forecast!D6');
    expect(lines.find((l) => l.source_ref === 'Forecast!D6')).toMatchObject({ product_code: 'FURN_9999' });
    expect(Number(lines.find((l) => l.source_ref === 'Forecast!D6')!.quantity)).toBe(7);
  });
});

describe('units of measure', () => {
  it('stages a line in Dozens for a product in Units as twelve times the quantity', async () => {
    const rows = [...series('FURN_9999', 'W04', 2, 12, 'Dozens')];
    rows[0] = { ...rows[0]!, unit: 'Units', quantity: 5 }; // one line already in the product unit
    drop(h, 'dozens-w04.csv', longCsv(rows));

    const stats = await runImport(h);
    const batch = await batchOf(h, stats, 'dozens-w04.csv');
    expect(batch.status).toBe('approved');
    expect(batch.stats.totalQuantity).toBe(5 + 11 * 2 * 12);
    expect(batch.cp.unknown_units).toMatchObject({ passed: true });
    expect(batch.cp.unit_conversion).toMatchObject({ passed: true, measured: { lines: 0 } });
    const lines = await lineRows(h, batch.id);
    expect(lines[0]).toMatchObject({ source_unit: 'Units' });
    expect(Number(lines[0]!.quantity)).toBe(5);
    expect(lines[1]).toMatchObject({ source_unit: 'Dozens' });
    expect(Number(lines[1]!.source_quantity)).toBe(2);
    expect(Number(lines[1]!.quantity)).toBe(24);
  });

  it('rejects a file whose unit belongs to another group (kg for a product in Units)', async () => {
    const rows = series('COMP_TOP', 'W05', 3, 12, 'Units');
    rows[4] = { ...rows[4]!, unit: 'kg' };
    drop(h, 'kg-w05.csv', longCsv(rows));

    const stats = await runImport(h);
    const batch = await batchOf(h, stats, 'kg-w05.csv');
    expect(batch.status).toBe('rejected');
    expect(batch.cp.unknown_units).toMatchObject({ passed: true }); // kg is a known unit…
    expect(batch.cp.unit_conversion).toMatchObject({ severity: 'error', passed: false, measured: { lines: 1, examples: ['6'] } }); // …just not for this product
    expect(batch.cp.unit_conversion!.message).toMatch(/1 lines have a unit that does not convert/);
    expect(batch.rejectReason).toMatch(/unit_conversion/);
    expect(await lineCount(h, batch.id)).toBe(0);
    expect(tree(h.root)).toEqual(
      expect.arrayContaining(['rejected/kg-w05.csv', 'rejected/kg-w05.csv.errors.csv', 'rejected/kg-w05.csv.report.txt']),
    );
  });
});

describe('checkpoints', () => {
  interface Case {
    name: string;
    checkpoint: string;
    rows: () => Record<string, unknown>[] | string;
    status: 'rejected' | 'validated';
    measured: Record<string, unknown>;
    message: RegExp;
  }
  // every case has its own warehouse (scope); everything else in the file is clean
  const cases: Case[] = [
    {
      name: 'parse_errors: a quantity that is not a number',
      checkpoint: 'parse_errors',
      rows: () => {
        // the unreadable row is beyond the horizon, so it leaves no gap
        const r = [...series('FURN_7800', 'W11', 4), { product: 'FURN_7800', warehouse: 'W11', period: week(12), quantity: 'lots' }];
        return r as unknown as Record<string, unknown>[];
      },
      status: 'rejected',
      measured: { rows: 13, errors: 1, examples: [{ ref: '14', column: 'Quantity', value: 'lots' }] },
      message: /1 of 13 rows could not be read/,
    },
    {
      name: 'duplicate_keys: the same product, warehouse and period twice',
      checkpoint: 'duplicate_keys',
      rows: () =>
        [...series('FURN_7800', 'W12', 4), { product: 'FURN_7800', warehouse: 'W12', period: week(3), quantity: 9 }] as unknown as Record<
          string,
          unknown
        >[],
      status: 'rejected',
      measured: {
        duplicateKeys: 1,
        duplicateLines: 2,
        examples: [{ product: 'FURN_7800', warehouse: 'W12', period: week(3), rows: ['5', '14'] }],
      },
      message: /1 product\/warehouse\/period combinations appear more than once \(2 lines\)/,
    },
    {
      name: 'unknown_products: a product code not in the master data',
      checkpoint: 'unknown_products',
      rows: () => [...series('FURN_7800', 'W13', 4), ...series('NO_SUCH_SKU', 'W13', 1)] as unknown as Record<string, unknown>[],
      status: 'rejected',
      measured: { unknown: 1, examples: ['NO_SUCH_SKU'] },
      message: /1 unknown products: NO_SUCH_SKU/,
    },
    {
      name: 'unknown_warehouses: a warehouse code not in the master data',
      checkpoint: 'unknown_warehouses',
      rows: () => series('FURN_7800', 'ZZ99', 4) as unknown as Record<string, unknown>[],
      status: 'rejected',
      measured: { unknown: 1, examples: ['ZZ99'] },
      message: /1 unknown warehouses: ZZ99/,
    },
    {
      name: 'unknown_units: a unit not in the master data',
      checkpoint: 'unknown_units',
      rows: () => {
        const r = series('FURN_7800', 'W15', 4, 12, 'Units');
        r[7] = { ...r[7]!, unit: 'Crates' };
        return r as unknown as Record<string, unknown>[];
      },
      status: 'rejected',
      measured: { unknown: 1, examples: ['Crates'] },
      message: /1 unknown units: Crates/,
    },
    {
      name: 'negative_quantity: a negative figure',
      checkpoint: 'negative_quantity',
      rows: () => {
        const r = series('FURN_7800', 'W16', 4);
        r[5] = { ...r[5]!, quantity: -3 };
        return r as unknown as Record<string, unknown>[];
      },
      status: 'rejected',
      measured: { lines: 1, examples: ['7'] },
      message: /1 negative quantities \(rows: 7\)/,
    },
    {
      name: 'zero_total: a forecast that sums to zero',
      checkpoint: 'zero_total',
      rows: () => series('FURN_7800', 'W17', 0) as unknown as Record<string, unknown>[],
      status: 'rejected',
      measured: { totalQuantity: 0, lines: 12 },
      message: /totals zero/,
    },
    {
      name: 'horizon_coverage: a gap in the next 12 weeks (warning: waits for approval)',
      checkpoint: 'horizon_coverage',
      rows: () => series('FURN_7800', 'W18', 4).filter((_r, i) => i !== 3) as unknown as Record<string, unknown>[],
      status: 'validated',
      measured: {
        series: 1,
        seriesWithGaps: 1,
        missingPeriods: 1,
        horizonPeriods: 12,
        examples: [{ product: 'FURN_7800', warehouse: 'W18', missing: 1, firstMissing: week(3) }],
      },
      message: /1 of 1 product\/warehouse series miss periods in the next 12 \(1 periods missing\)/,
    },
    {
      name: 'past_periods: a week before the current one (warning: waits for approval)',
      checkpoint: 'past_periods',
      rows: () =>
        [{ product: 'FURN_7800', warehouse: 'W19', period: week(-2), quantity: 4 }, ...series('FURN_7800', 'W19', 4)] as unknown as Record<
          string,
          unknown
        >[],
      status: 'validated',
      measured: { periods: 1, lines: 1, currentPeriod: week(0) },
      message: new RegExp(`1 periods \\(1 lines\\) lie before the current period ${week(0)}`),
    },
  ];

  it.each(cases)('$name', async (c) => {
    const name = `cp-${c.checkpoint}.csv`;
    drop(h, name, longCsv(c.rows() as never));
    const stats = await runImport(h);
    const batch = await batchOf(h, stats, name);
    const cp = batch.cp[c.checkpoint]!;
    expect(cp, JSON.stringify(batch.cp)).toMatchObject({ passed: false, measured: c.measured });
    expect(cp.message).toMatch(c.message);
    expect(batch.status).toBe(c.status);
    expect(cp.severity).toBe(c.status === 'rejected' ? 'error' : 'warning');
    // only the checkpoint under test (and, for a unit, the conversion it implies) fails
    const failed = Object.values(batch.cp)
      .filter((x) => !x.passed)
      .map((x) => x.name);
    expect(failed).toEqual(c.checkpoint === 'unknown_units' ? ['unknown_units', 'unit_conversion'] : [c.checkpoint]);
    if (c.status === 'rejected') {
      expect(await lineCount(h, batch.id)).toBe(0);
      expect(tree(h.root)).toContain(`rejected/${name}`);
    } else {
      expect(await lineCount(h, batch.id)).toBeGreaterThan(0);
      expect(batch.approvedAt).toBeNull();
      expect(tree(h.root)).toContain(path.join(archiveMonth(), name));
    }
  });

  it('compares a version with the previous approved one of the same scope: total change, top movers, products added and dropped', async () => {
    // v1: three products, first of scope W20 → nothing to compare, auto-approved
    const v1 = [...series('FURN_7800', 'W20', 100), ...series('FURN_8888', 'W20', 50), ...series('COMP_LEG', 'W20', 10)];
    drop(h, 'delta-v1.csv', longCsv(v1));
    const s1 = await runImport(h);
    const b1 = await batchOf(h, s1, 'delta-v1.csv');
    expect(b1.status).toBe('approved');
    expect(b1.cp.version_delta).toMatchObject({ passed: true, measured: { previousBatchId: null } });
    expect(b1.cp.product_delta).toBeUndefined();

    // v2: FURN_8888 tripled, FURN_7800 +10 %, COMP_LEG dropped, COMP_TOP added
    const v2 = [...series('FURN_7800', 'W20', 110), ...series('FURN_8888', 'W20', 150), ...series('COMP_TOP', 'W20', 10)];
    drop(h, 'delta-v2.csv', longCsv(v2));
    const s2 = await runImport(h);
    const b2 = await batchOf(h, s2, 'delta-v2.csv');
    expect(b2.status).toBe('validated'); // warnings: a person looks
    const total1 = 12 * 160;
    const total2 = 12 * 270;
    expect(b2.cp.version_delta).toMatchObject({
      severity: 'warning',
      passed: false,
      measured: {
        previousBatchId: b1.id,
        total: total2,
        previousTotal: total1,
        productsAdded: 1,
        addedExamples: ['COMP_TOP'],
        productsDropped: 1,
        droppedExamples: ['COMP_LEG'],
        threshold: 25,
      },
    });
    expect(b2.cp.version_delta!.measured.totalChangePct as number).toBeCloseTo(((total2 - total1) / total1) * 100, 6);
    expect(b2.cp.version_delta!.message).toBe(`total +68.8% against batch ${b1.id}; 1 products added: COMP_TOP; 1 dropped: COMP_LEG`);
    expect(b2.cp.product_delta).toMatchObject({
      severity: 'warning',
      passed: false,
      measured: {
        productsOverThreshold: 1,
        threshold: 50,
        topMovers: [
          { product: 'FURN_8888', previous: 600, current: 1800, changePct: 200 },
          { product: 'FURN_7800', previous: 1200, current: 1320, changePct: 10 },
        ],
      },
    });
    expect(b2.cp.product_delta!.message).toBe('1 products changed by more than 50%');
    expect(b2.stats.previousBatchId).toBe(b1.id);

    // v3: small changes against v1 (v2 was never approved, so v1 is still the reference) → passes, auto-approved,
    // and v1, approved but not loaded, is superseded by it
    const v3 = [...series('FURN_7800', 'W20', 105), ...series('FURN_8888', 'W20', 50), ...series('COMP_LEG', 'W20', 10)];
    drop(h, 'delta-v3.csv', longCsv(v3));
    const s3 = await runImport(h);
    const b3 = await batchOf(h, s3, 'delta-v3.csv');
    expect(b3.cp.version_delta).toMatchObject({ passed: true, measured: { previousBatchId: b1.id, productsAdded: 0, productsDropped: 0 } });
    expect(b3.cp.version_delta!.message).toMatch(/^total \+3\.1% against batch/);
    expect(b3.cp.product_delta).toMatchObject({ passed: true, measured: { productsOverThreshold: 0 } });
    expect(b3.status).toBe('approved');
    const after1 = await withCheckpoints(h, b1.id);
    expect(after1).toMatchObject({ status: 'superseded', supersededBy: b3.id });
    expect((await auditOf(h, b1.id)).at(-1)).toMatchObject({ action: 'superseded', actor: 'mfg-etl' });
  });
});

describe('duplicates', () => {
  it('archives a file identical to one already staged as a duplicate, with an audit event and no second batch', async () => {
    const content = longCsv(series('COMP_SCREW', 'W21', 500));
    drop(h, 'first.csv', content);
    const s1 = await runImport(h);
    const original = await batchOf(h, s1, 'first.csv');
    expect(original.status).toBe('approved');

    drop(h, 'same-bytes-other-name.csv', content);
    const s2 = await runImport(h);
    expect(s2).toMatchObject({ files: 1, staged: 0, duplicates: 1, rowsStaged: 0 });
    expect(s2.batches).toEqual([{ file: 'same-bytes-other-name.csv', batchId: original.id, status: 'approved', outcome: 'duplicate' }]);
    const dupPath = path.join(h.root, archiveMonth(), 'duplicates', 'same-bytes-other-name.csv');
    expect(fs.readFileSync(dupPath, 'utf8')).toBe(content);
    expect(await batchesFromSha(h, await sha256File(dupPath))).toHaveLength(1);
    const events = await auditOf(h, original.id);
    expect(events.filter((e) => e.action === 'duplicate_file')).toEqual([
      {
        action: 'duplicate_file',
        actor: 'mfg-etl',
        details: { file: 'same-bytes-other-name.csv', archivedAs: 'same-bytes-other-name.csv', runId: s2.run.id },
      },
    ]);
    expect(fs.existsSync(path.join(h.root, 'same-bytes-other-name.csv'))).toBe(false);
  });
});
