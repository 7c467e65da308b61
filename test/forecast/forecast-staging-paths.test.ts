/**
 * forecast-import staging paths against each other, on PostgreSQL through the real runner: lines
 * resolved in Node and COPYed, lines left to the unnest INSERT (unit conversion, non-ASCII codes),
 * figures counted by the tally while staging, and the SQL queries (sql/forecast/check_*.sql, run by
 * `measureForecast` without known figures, as the overflow fallback does). Whatever path a file
 * took, its batch stats and checkpoint results must be what the SQL queries measure on the staged
 * lines; the staged text must be the file's text; the total must be PostgreSQL's sum exactly.
 *
 * Every checkpoint that would reject is configured as a warning, so the lines stay in staging
 * for the SQL side to measure after the import.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { forecastSettings } from '../../core/config/forecast.ts';
import { CopyRowWriter } from '../../load/staging/copy-rows.ts';
import { type MeasureInput, measureForecast, measureForecastDelta, previousApprovedForecast } from '../../load/forecast/staging.ts';
import { forecastCheckpoints } from '../../transform/forecast/checkpoints.ts';
import { DecimalSum, ForecastTally, type TallyFigures } from '../../transform/forecast/index.ts';
import { DEFAULT_TALLY_LIMITS, type TallyLimits } from '../../transform/forecast/tally.ts';
import { createPeriodNormaliser } from '../../transform/forecast/periods.ts';
import { minimalXlsxParts, sheetXml, writeZip } from '../fixtures/files.ts';
import {
  addWarehouses,
  batchOf,
  drop,
  type ForecastHarness,
  forecastHarness,
  lineRows,
  loadMasterData,
  type LongRow,
  longCsv,
  runImport,
  series,
  week,
  weeks,
} from '../support/forecast.ts';

const WARN = { severity: 'warning' } as const;

let h: ForecastHarness;
beforeAll(async () => {
  const checkpoints = Object.fromEntries(
    [
      'parse_errors',
      'duplicate_keys',
      'unknown_products',
      'unknown_warehouses',
      'unknown_units',
      'unit_conversion',
      'negative_quantity',
      'zero_total',
    ].map((n) => [n, WARN]),
  );
  h = await forecastHarness('fc-paths', {}, { forecast: { locale: 'en', checkpoints } });
  await loadMasterData(h.app);
  // a non-ASCII warehouse and unit: Node leaves their resolution (lower()) to SQL
  await addWarehouses(h.app, ['WÄ1']);
  await h.app.db.knex('md_uoms').insert({ odoo_id: 31, name: 'Päckchen', ref_group: 'Unit', ref_ratio: 6, rounding: 0.01 });
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

// ---- observing the paths --------------------------------------------------------------------

interface Paths {
  /** lines written as COPY rows (one endRow each) */
  copied(): number;
  /** what each tally of the run returned from figures(), and why it gave up, if it did */
  tallies(): { figures: TallyFigures | undefined; overflowed: string | undefined }[];
}

function watchPaths(): Paths {
  const endRow = vi.spyOn(CopyRowWriter.prototype, 'endRow');
  const figures = vi.spyOn(ForecastTally.prototype, 'figures');
  return {
    copied: () => endRow.mock.calls.length,
    tallies: () =>
      figures.mock.contexts.map((tally, i) => ({
        figures: figures.mock.results[i]!.value as TallyFigures | undefined,
        overflowed: (tally as ForecastTally).overflowed,
      })),
  };
}

// ---- the SQL side ---------------------------------------------------------------------------

type Imported = Awaited<ReturnType<typeof batchOf>>;

/** The batch measured by the SQL queries alone (measureForecast without known figures), and the checkpoints that gives. */
async function measuredInSql(batch: Imported) {
  const config = h.app.config;
  const s = forecastSettings(config);
  const periods = createPeriodNormaliser({ bucket: config.forecastBucket, weekStart: config.forecastWeekStart, timeZone: config.timezone });
  const input: MeasureInput = {
    batchId: batch.id,
    currentPeriod: periods.current(new Date()),
    horizonPeriods: s.checkpoints.horizon_coverage.threshold,
    periodLength: config.forecastBucket === 'week' ? '7 days' : '1 month',
  };
  const knex = h.app.db.knex;
  const m = await knex.transaction((trx) => measureForecast(trx, input));
  const previous = await previousApprovedForecast(knex, batch.scope!, batch.id);
  const delta =
    previous === undefined ? undefined : await measureForecastDelta(knex, batch.id, previous, s.checkpoints.product_delta.threshold);
  // the parse figures are the parser's, not SQL's: taken from what the import recorded
  const parse = batch.cp.parse_errors!.measured as {
    rows: number;
    errors: number;
    examples: { ref: string; column: string; message: string }[];
  };
  const results = forecastCheckpoints(
    { ...m, delta, parse: { rows: parse.rows, errorCount: parse.errors, examples: parse.examples } },
    s.checkpoints,
  );
  const x = m.summary;
  const stats = {
    lines: Number(x.lines ?? 0),
    totalQuantity: Number(x.total_quantity ?? 0),
    products: Number(x.products ?? 0),
    warehouses: Number(x.warehouses ?? 0),
    periods: Number(x.periods ?? 0),
    firstPeriod: x.first_period ?? null,
    lastPeriod: x.last_period ?? null,
  };
  return { m, stats, results, input };
}

/** The import's stats and every checkpoint (passed, measured, message) equal what SQL measures. */
async function expectSqlAgrees(batch: Imported) {
  const sql = await measuredInSql(batch);
  const { lines, totalQuantity, products, warehouses, periods, firstPeriod, lastPeriod } = batch.stats;
  expect({ lines, totalQuantity, products, warehouses, periods, firstPeriod, lastPeriod }).toEqual(sql.stats);
  // exactly, not merely close
  expect(
    Object.is(batch.stats.totalQuantity, sql.stats.totalQuantity),
    `totalQuantity ${String(batch.stats.totalQuantity)} vs SQL ${sql.stats.totalQuantity}`,
  ).toBe(true);
  expect(Object.keys(batch.cp)).toEqual(sql.results.map((r) => r.name));
  for (const r of sql.results) {
    const stored = batch.cp[r.name]!;
    // through JSON as the import stored it
    expect({ name: r.name, passed: stored.passed, measured: stored.measured, message: stored.message }, r.name).toEqual(
      JSON.parse(JSON.stringify({ name: r.name, passed: r.passed, measured: r.measured, message: r.message })),
    );
  }
  expect(batch.cp.horizon_coverage!.measured.from).toBe(sql.input.currentPeriod);
  return sql;
}

// ---- files ----------------------------------------------------------------------------------

/**
 * Every kind of line at once: plain lines, case variants of ASCII codes, unit conversions (Dozens →
 * Units, g → kg, Päckchen → Units), a non-ASCII warehouse, duplicates (COPY and unnest), a negative,
 * past periods, unknown products / warehouse / units, an unconvertible unit and horizon gaps.
 */
function mixedRows(variant = 0): LongRow[] {
  const rows: LongRow[] = [
    // `variant`: the same file with other bytes (the inbox takes a file seen before as a duplicate)
    ...series(
      'FURN_7800',
      'P01',
      weeks(12).map((w) => 10 + w * 0.5 + variant / 1000),
    ),
    { product: 'FURN_7800', warehouse: 'P01', period: week(-3), quantity: 3 }, // past periods
    { product: 'FURN_7800', warehouse: 'P01', period: week(-2), quantity: 3 },
    ...series('FURN_8888', 'p02', 7.25, 12, 'units'), // lower-case codes, the product's own unit
    ...series('COMP_SCREW', 'P01', 1.5, 12, 'Dozens'), // converted by SQL
    ...series('RAW_STEEL', 'P02', 2500.125, 12, 'g'), // converted by SQL
    ...series('FURN_9999', 'P01', 2, 12, 'Päckchen'), // non-ASCII unit, known product: SQL
    ...series('FURN_6666', 'WÄ1', 4, 12).filter((_, i) => i !== 4), // non-ASCII warehouse (SQL), a gap
    ...series('NOPE_1', 'P01', 9, 3), // unknown product, a short series
    ...series('NOPE_2', 'P02', 0.3, 2, 'Päckchen'), // unknown product with a non-ASCII unit: COPY, unit left to SQL
    ...series('COMP_LEG', 'ZZ9', 5, 12), // unknown warehouse
    ...series('COMP_TOP', 'P01', 6, 12, 'furlong'), // unknown unit: quantity NULL
    ...series('FURN_7800', 'P02', 8, 12, 'kg'), // a unit of another group: quantity NULL
  ];
  rows[20] = { ...rows[20]!, quantity: -4 }; // FURN_8888 p02: a negative
  // duplicates: one key three times (COPY), one twice (unnest)
  rows.push(
    { product: 'FURN_7800', warehouse: 'P01', period: week(3), quantity: 1 },
    { product: 'FURN_7800', warehouse: 'P01', period: week(3), quantity: 2 },
  );
  rows.push({ product: 'COMP_SCREW', warehouse: 'P01', period: week(5), quantity: 0.5, unit: 'Dozens' });
  return rows;
}

describe('fast path and SQL path agree', () => {
  it('a file mixing COPY and unnest lines with every kind of problem: stats and every checkpoint equal the SQL measurement', async () => {
    const paths = watchPaths();
    const rows = mixedRows();
    drop(h, 'mixed.csv', longCsv(rows));
    const stats = await runImport(h);
    expect(stats).toMatchObject({ staged: 1, duplicates: 0 });
    const batch = await batchOf(h, stats, 'mixed.csv');
    expect(batch.status).toBe('validated');

    // both ways in were taken, and the tally counted (it did not give up)
    expect(batch.stats.lines).toBe(rows.length);
    const copied = paths.copied();
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThan(rows.length);
    const [tally] = paths.tallies();
    expect(tally).toMatchObject({ overflowed: undefined });
    expect(tally!.figures).toMatchObject({ resolved: false });

    const sql = await expectSqlAgrees(batch);
    // the file really has every problem (the comparison is not between two zeros)
    expect(sql.m.duplicates).toMatchObject({ duplicate_keys: 2, duplicate_lines: 5 });
    expect(sql.m.lines).toMatchObject({ negative_lines: 1, past_periods: 2, past_lines: 2 });
    expect(sql.m.references).toMatchObject({ unknown_products: 2, unknown_warehouses: 1, unknown_units: 1, unconvertible_lines: 24 });
    expect(sql.m.horizon.series_with_gaps).toBeGreaterThanOrEqual(3);
    // the figures the tally did count equal SQL's
    const f = tally!.figures!;
    expect(f.lines).toEqual({ ...sql.m.summary, total_quantity: f.lines.total_quantity });
    expect(f.duplicates).toEqual({ duplicate_keys: sql.m.duplicates.duplicate_keys, duplicate_lines: sql.m.duplicates.duplicate_lines });
    expect(f.horizon).toEqual({
      series: sql.m.horizon.series,
      series_with_gaps: sql.m.horizon.series_with_gaps,
      missing_periods: sql.m.horizon.missing_periods,
    });

    // SQL's conversions are in the staged lines: Dozens → Units ×12, g → kg ×0.001, Päckchen → Units ×6
    const staged = await lineRows(h, batch.id);
    const q = (product: string) =>
      staged.filter((l) => l.product_code === product).map((l) => (l.quantity === null ? null : Number(l.quantity)));
    expect(new Set(q('COMP_SCREW'))).toEqual(new Set([18, 6]));
    expect(new Set(q('RAW_STEEL'))).toEqual(new Set([2.500125]));
    expect(new Set(q('FURN_9999'))).toEqual(new Set([12]));
    expect(new Set(q('COMP_TOP'))).toEqual(new Set([null]));
    expect(staged.find((l) => l.warehouse_code === 'WÄ1')).toMatchObject({ warehouse_id: expect.anything() });
  });

  it('a clean file, resolved and counted entirely in Node (no SQL check runs), measures what the SQL queries measure', async () => {
    const paths = watchPaths();
    const rows = [
      ...series(
        'FURN_7800',
        'P01',
        weeks(12).map((w) => 100 + w / 8),
      ),
      ...series('FURN_8888', 'p02', 0.1, 12, 'UNITS'),
      ...series('COMP_LEG', 'P01', 12, 14),
    ];
    drop(h, 'clean.csv', longCsv(rows));
    const batch = await batchOf(h, await runImport(h), 'clean.csv');

    expect(paths.copied()).toBe(rows.length);
    const [tally] = paths.tallies();
    expect(tally).toMatchObject({
      overflowed: undefined,
      figures: { resolved: true, duplicates: { duplicate_keys: 0 }, horizon: { series_with_gaps: 0 } },
    });
    expect(tally!.figures!.references).toMatchObject({
      unknown_products: 0,
      unknown_warehouses: 0,
      unknown_units: 0,
      unconvertible_lines: 0,
      units_used: 1,
    });
    expect(Object.values(batch.cp).every((c) => c.passed)).toBe(true);

    await expectSqlAgrees(batch);
  });

  // each limit makes the tally give up at a different point of the same file
  const overflows: [string, Partial<TallyLimits>, string][] = [
    ['products', { products: 2 }, 'too many products'],
    ['warehouses', { warehouses: 1 }, 'too many warehouses'],
    ['series', { series: 3 }, 'too many series'],
    ['periods', { periods: 5 }, 'too many periods'],
    ['units', { units: 1 }, 'too many units'],
    // the first duplicate needs a second bit array: more words than allowed
    ['series × periods', { keyWords: 1024 }, 'too many series × periods'],
  ];
  it.each(overflows.map((o, i) => [...o, i + 1] as const))(
    'when the tally overflows its %s limit, the SQL fallback gives the same stats and checkpoints',
    async (_what, limits, reason, variant) => {
      const saved: TallyLimits = { ...DEFAULT_TALLY_LIMITS };
      // DEFAULT_TALLY_LIMITS is read by each new ForecastTally: the job's tally takes these
      Object.assign(DEFAULT_TALLY_LIMITS, limits);
      try {
        const paths = watchPaths();
        const name = `overflow-${reason.replace(/\W+/g, '-')}.csv`;
        const rows = mixedRows(variant);
        drop(h, name, longCsv(rows));
        const stats = await runImport(h);
        expect(stats).toMatchObject({ staged: 1, duplicates: 0 });
        const batch = await batchOf(h, stats, name);
        expect(paths.tallies()).toEqual([{ figures: undefined, overflowed: reason }]);
        const sql = await expectSqlAgrees(batch);
        expect(batch.stats.lines).toBe(rows.length);
        expect(sql.m.duplicates.duplicate_keys).toBe(2);
      } finally {
        Object.assign(DEFAULT_TALLY_LIMITS, saved);
      }
    },
  );
});

describe('COPY escaping', () => {
  it('product, warehouse and unit codes with tabs, backslashes, quotes and line breaks are staged exactly as in the file', async () => {
    const paths = watchPaths();
    const codes = ['A\tB', 'back\\slash', '\\N', '\\.', 'say "cheese"', "it's", 'two\nlines', 'x\\ty\\nz', 'Ü\tnon-ASCII\\tab', '\\'];
    const rows: LongRow[] = codes.map((product, i) => ({
      product,
      warehouse: i % 2 ? 'P01' : 'W\\9\t"x"',
      period: week(i % 3),
      quantity: i + 1,
      unit: i % 3 ? 'u\\n\t"t"' : 'Units',
    }));
    // the same codes on a non-ASCII warehouse: the unnest INSERT
    rows.push(...codes.map((product, i) => ({ product, warehouse: 'WÄ1', period: week(0), quantity: i + 0.5, unit: 'Stü\\ck\t' + i })));
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const header = 'Product,Warehouse,Period,Quantity,Unit';
    const csv = `${[header, ...rows.map((r) => [quote(r.product), quote(r.warehouse), r.period, String(r.quantity), quote(r.unit!)].join(','))].join('\n')}\n`;
    drop(h, 'escapes.csv', csv);
    const batch = await batchOf(h, await runImport(h), 'escapes.csv');
    expect(paths.copied()).toBe(codes.length);

    // the file line each record starts on (records with a line break in a field take two)
    let line = 2;
    const refs = rows.map((r) => {
      const ref = String(line);
      line += 1 + (r.product.match(/\n/g)?.length ?? 0);
      return ref;
    });
    const staged = await lineRows(h, batch.id);
    expect(
      staged.map((l) => ({
        product: l.product_code,
        warehouse: l.warehouse_code,
        unit: l.source_unit,
        ref: l.source_ref,
        quantity: Number(l.source_quantity),
      })),
    ).toEqual(rows.map((r, i) => ({ product: r.product, warehouse: r.warehouse, unit: r.unit, ref: refs[i], quantity: r.quantity })));
    expect(batch.stats).toMatchObject({ lines: rows.length, products: codes.length });
    await expectSqlAgrees(batch);
  });

  it('source refs of an XLSX sheet whose name holds a tab, backslash, quotes, a line break and non-ASCII are staged exactly', async () => {
    const paths = watchPaths();
    const sheetName = `Plan "Q1"\tO'Brien\\Ü\nCR\r.`;
    const xmlAttr = (v: string) =>
      v
        .replace(/&/g, '&amp;')
        .replace(/"/g, '&quot;')
        .replace(/</g, '&lt;')
        .replace(/\t/g, '&#9;')
        .replace(/\n/g, '&#10;')
        .replace(/\r/g, '&#13;');
    const xmlText = (v: string) =>
      v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
    const products = ['FURN_7800', 'C\tR\r\\LF\n"x"', 'FURN_8888'];
    const body: (string | number)[][] = [['Product', 'Warehouse', 'Period', 'Quantity']];
    for (const p of products) for (const w of weeks(2)) body.push([xmlText(p), 'P01', week(w), 3 + w]);
    body.push([xmlText(products[1]!), 'WÄ1', week(0), 1]); // unnest
    const parts = minimalXlsxParts({ name: 'xl/worksheets/sheet1.xml', data: sheetXml(body) }).map((part) =>
      part.name === 'xl/workbook.xml'
        ? { ...part, data: String(part.data).replace('name="Forecast"', `name="${xmlAttr(sheetName)}"`) }
        : part,
    );
    expect(String(parts.find((p) => p.name === 'xl/workbook.xml')!.data)).toContain('&#9;');
    await writeZip(path.join(h.root, 'sheet-name.xlsx'), parts);

    const batch = await batchOf(h, await runImport(h), 'sheet-name.xlsx');
    expect(batch.stats).toMatchObject({ format: 'xlsx', lines: 7 });
    expect(paths.copied()).toBe(6);
    const quoted = `'${sheetName.replace(/'/g, "''")}'`;
    const staged = await lineRows(h, batch.id);
    expect(staged.map((l) => [l.product_code, l.warehouse_code, l.source_ref])).toEqual([
      ...products.flatMap((p, i) => weeks(2).map((w) => [p, 'P01', `${quoted}!${2 + i * 2 + w}`])),
      [products[1], 'WÄ1', `${quoted}!8`],
    ]);
    await expectSqlAgrees(batch);
  });
});

describe('exact totals', () => {
  const quantitySets: [string, string[], boolean][] = [
    [
      'short and long decimals',
      [
        ...Array.from({ length: 10 }, () => '0.1'),
        ...Array.from({ length: 7 }, () => '0.2'),
        '0.30000000000000004',
        '0.0000001',
        '1e-7',
        '1E-7',
        '-0.0000001',
        '0.000000123456789',
        '0.1234567',
        '1e-20',
        '3.3333333333333335',
        '-0.1',
        '123456789.123456789',
        '-123456789.12345678',
      ],
      true,
    ],
    [
      'integers at the 32-bit and 53-bit edges, exponents and extremes',
      ['2147483647', '2147483648', '-2147483648', '9007199254740993', '4503599627370495.5', '1e+21', '5e-324', '0.1', '1e-7', '-0.2'],
      false,
    ],
  ];
  it.each(quantitySets)(
    "totalQuantity counted while staging is PostgreSQL's sum(quantity) exactly: %s",
    async (what, texts, floatsDrift) => {
      const paths = watchPaths();
      // one series per quantity (no duplicates); every line COPYed, resolved in Node
      const rows: LongRow[] = texts.map((quantity, i) => ({
        product: i % 2 ? 'FURN_7800' : 'FURN_8888',
        warehouse: 'P01',
        period: week(Math.floor(i / 2)),
        quantity,
      }));
      // lines whose quantity is NULL (unconvertible: kg for a product in Units) are not in the total;
      // an unknown product keeps its own quantity and is
      rows.push(
        { product: 'FURN_6666', warehouse: 'P02', period: week(0), quantity: '0.7', unit: 'kg' },
        { product: 'FURN_6666', warehouse: 'P02', period: week(1), quantity: '1e-9', unit: 'kg' },
        { product: 'NOPE_D', warehouse: 'P02', period: week(0), quantity: '0.1', unit: 'g' },
      );
      const name = `decimals-${what.replace(/\W+/g, '-')}.csv`;
      drop(h, name, longCsv(rows));
      const stats = await runImport(h);
      expect(stats).toMatchObject({ staged: 1, duplicates: 0 });
      const batch = await batchOf(h, stats, name);
      expect(batch.stats.lines).toBe(rows.length);
      expect(paths.copied()).toBe(rows.length);
      const [tally] = paths.tallies();
      // the total in the stats is the tally's (resolved: SQL did not stage any line)
      expect(tally).toMatchObject({ overflowed: undefined, figures: { resolved: true } });
      expect(Object.is(tally!.figures!.lines.total_quantity, batch.stats.totalQuantity)).toBe(true);

      const knex = h.app.db.knex;
      const [pg] = (
        await knex.raw(
          'select sum(quantity)::float8 as f, sum(quantity)::text as t, count(quantity)::int as n from forecast_lines where batch_id = ?',
          [batch.id],
        )
      ).rows as {
        f: number;
        t: string;
        n: number;
      }[];
      expect(pg!.n).toBe(rows.length - 2);
      expect(
        Object.is(batch.stats.totalQuantity, pg!.f),
        `stats ${String(batch.stats.totalQuantity)} vs sum(quantity)::float8 ${pg!.f}`,
      ).toBe(true);
      expect(Object.is(batch.cp.zero_total!.measured.totalQuantity, pg!.f)).toBe(true);

      // the exact decimal sum of the quantities as read (String(n)) is PostgreSQL's numeric sum
      const counted = [...texts.map(Number), 0.1];
      const exact = new DecimalSum();
      for (const n of counted) exact.add(n);
      const [same] = (await knex.raw('select ?::numeric = ?::numeric as same', [exact.text(), pg!.t])).rows as { same: boolean }[];
      expect(same!.same, `${exact.text()} vs ${pg!.t}`).toBe(true);
      // a file where adding the floats in order would not do
      if (floatsDrift) expect(counted.reduce((a, b) => a + b, 0)).not.toBe(pg!.f);

      await expectSqlAgrees(batch);
    },
  );
});
