/**
 * The pure inventory rules: settings, tolerances per category (with inheritance), classification
 * edges, count times in the plant time zone, the month-end guard over a real cron calendar, and the
 * count file parser.
 */
import os from 'node:os';
import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { ConfigError, DataValidationError } from '../../core/errors.ts';
import { inventorySettings } from '../../core/config/inventory.ts';
import type { TabularRow } from '../../extract/tabular/types.ts';
import {
  classify,
  CountRowParser,
  type CountLine,
  DAILY_SCHEDULE,
  defaultInventorySettings,
  isLastDayOfMonth,
  localDate,
  MONTH_END_SCHEDULE,
  monthEndDecision,
  parseCountTime,
  resolveTolerances,
  withinTolerance,
} from '../../transform/inventory/index.ts';

const configWith = (inventory: unknown) => ({ ...loadConfig({}, os.tmpdir()), file: { inventory } });

describe('settings', () => {
  it('fills every default', () => {
    const s = defaultInventorySettings();
    expect(s).toMatchObject({ coverage: 'warehouse', currency: 'EUR', approval: 'manual', locale: 'auto', maxErrors: 1000 });
    expect(s.tolerances).toEqual({ default: { abs: 0, pct: 0 }, categories: {} });
    expect(s.checkpoints.unknown_locations).toEqual({ severity: 'error', threshold: 0 });
    expect(s.checkpoints.lot_tracking).toEqual({ severity: 'warning', threshold: 0 });
  });

  it('reads the config file section and names the wrong key', () => {
    const s = inventorySettings(
      configWith({ tolerances: { default: { abs: 1 }, categories: { 'All / Raw Materials': { pct: 2.5 } } }, currency: 'USD' }) as never,
    );
    expect(s.tolerances.default).toEqual({ abs: 1, pct: 0 });
    expect(s.tolerances.categories['All / Raw Materials']).toEqual({ abs: 0, pct: 2.5 });
    expect(s.currency).toBe('USD');
    expect(() => inventorySettings(configWith({ tolerances: { default: { abs: -1 } } }) as never)).toThrow(
      /inventory\.tolerances\.default\.abs/,
    );
    expect(() => inventorySettings(configWith({ currency: 'euro' }) as never)).toThrow(ConfigError);
    expect(() => inventorySettings(configWith({ coverage: 'all' }) as never)).toThrow(/inventory\.coverage/);
    expect(() => inventorySettings(configWith({ unknownKey: 1 }) as never)).toThrow(ConfigError);
    expect(() => inventorySettings(configWith({ fileNamePattern: '^(?<scope>\\w+)' }) as never)).toThrow(/named group \(\?<warehouse>/);
    expect(() => inventorySettings(configWith({ fileNamePattern: '([' }) as never)).toThrow(/not a valid regular expression/);
  });
});

describe('tolerances', () => {
  const categories = [
    { id: 1, name: 'All', completeName: 'All', parentId: null },
    { id: 5, name: 'Raw Materials', completeName: 'All / Raw Materials', parentId: 1 },
    { id: 6, name: 'Steel', completeName: 'All / Raw Materials / Steel', parentId: 5 },
    { id: 7, name: 'Components', completeName: 'All / Components', parentId: 1 },
    { id: 8, name: 'Screws', completeName: 'All / Components / Screws', parentId: 7 },
  ];

  it('matches a key by full name (spaces around / ignored), name or id; sub-categories inherit the nearest', () => {
    const { byCategory, unused } = resolveTolerances(categories, {
      'all/raw materials': { abs: 0.5, pct: 0 },
      Screws: { abs: 10, pct: 0 },
      '6': { abs: 0, pct: 2 },
      'No Such Category': { abs: 1, pct: 1 },
    });
    const by = Object.fromEntries(byCategory.map((t) => [t.categId, t]));
    expect(by[5]).toMatchObject({ key: 'all/raw materials', abs: 0.5, pct: 0 });
    expect(by[6]).toMatchObject({ key: '6', abs: 0, pct: 2 }); // its own key wins over the parent's
    expect(by[8]).toMatchObject({ key: 'Screws', abs: 10 });
    expect(by[7]).toBeUndefined(); // nothing configured on Components or All: the default applies
    expect(by[1]).toBeUndefined();
    expect(unused).toEqual(['No Such Category']);
  });

  it('inherits through several levels and survives a parent loop', () => {
    const looped = [
      { id: 1, name: 'A', completeName: 'A', parentId: 2 },
      { id: 2, name: 'B', completeName: 'B', parentId: 1 },
    ];
    expect(resolveTolerances(looped, { X: { abs: 1, pct: 0 } }).byCategory).toEqual([]);
    const deep = resolveTolerances(categories, { All: { abs: 3, pct: 0 } }).byCategory;
    expect(deep.map((t) => t.categId).sort()).toEqual([1, 5, 6, 7, 8]);
  });

  it('passes the edges: |diff| = abs and |diff| = pct % of Odoo', () => {
    expect(withinTolerance(2, 100, { abs: 2, pct: 0 })).toBe(true);
    expect(withinTolerance(-2, 100, { abs: 2, pct: 0 })).toBe(true);
    expect(withinTolerance(2.001, 100, { abs: 2, pct: 0 })).toBe(false);
    expect(withinTolerance(5, 100, { abs: 0, pct: 5 })).toBe(true);
    expect(withinTolerance(5.01, 100, { abs: 0, pct: 5 })).toBe(false);
    // the larger of the two applies
    expect(withinTolerance(4, 10, { abs: 4, pct: 10 })).toBe(true);
    expect(withinTolerance(0, 0, { abs: 0, pct: 0 })).toBe(true);
    expect(withinTolerance(0.1, 0, { abs: 0, pct: 50 })).toBe(false); // a percentage of nothing is nothing
  });
});

describe('classification', () => {
  const t0 = { abs: 0, pct: 0 };
  const at = new Date('2026-01-31T17:00:00Z');
  const before = new Date('2026-01-31T16:00:00Z');
  const after = new Date('2026-01-31T18:00:00Z');
  const facts = (odooQty: number | null, countedQty: number | null, extra: Partial<Parameters<typeof classify>[0]> = {}) => ({
    odooQty,
    countedQty,
    tolerance: t0,
    countedAt: at,
    odooChangedAt: before,
    ...extra,
  });

  it('gives every class', () => {
    expect(classify(facts(5, 5))).toMatchObject({ class: 'match', difference: 0, isDiscrepancy: false });
    expect(classify(facts(5, 7))).toMatchObject({ class: 'over', difference: 2, isDiscrepancy: true });
    expect(classify(facts(5, 3))).toMatchObject({ class: 'short', difference: -2, isDiscrepancy: true });
    expect(classify(facts(null, 4))).toMatchObject({ class: 'missing_in_odoo', difference: 4 });
    expect(classify(facts(6, null))).toMatchObject({ class: 'missing_in_wms', difference: -6 });
  });

  it('a missing side within tolerance is a match', () => {
    expect(classify(facts(null, 0)).class).toBe('match');
    expect(classify(facts(0.5, null, { tolerance: { abs: 0.5, pct: 0 } })).class).toBe('match');
    expect(classify(facts(0.6, null, { tolerance: { abs: 0.5, pct: 0 } })).class).toBe('missing_in_wms');
  });

  it('flags lines whose quants changed after the count instead of counting them', () => {
    expect(classify(facts(5, 3, { odooChangedAt: after }))).toMatchObject({ class: 'short', movedSinceCount: true, isDiscrepancy: false });
    // a match stays a match, whatever moved
    expect(classify(facts(5, 5, { odooChangedAt: after }))).toMatchObject({ class: 'match', movedSinceCount: false });
    // the same second is not "after"
    expect(classify(facts(5, 3, { odooChangedAt: at })).movedSinceCount).toBe(false);
  });
});

describe('plant time', () => {
  const tz = 'Europe/Berlin';
  it('reads count times as Berlin wall clock, in winter and in summer, and instants with an offset as such', () => {
    expect(parseCountTime('2026-01-31 18:00', tz).at?.toISOString()).toBe('2026-01-31T17:00:00.000Z');
    expect(parseCountTime('2026-07-31T18:00:00', tz).at?.toISOString()).toBe('2026-07-31T16:00:00.000Z');
    expect(parseCountTime('31.01.2026 18:30', tz).at?.toISOString()).toBe('2026-01-31T17:30:00.000Z');
    expect(parseCountTime('2026-01-31', tz).at?.toISOString()).toBe('2026-01-30T23:00:00.000Z'); // start of the day
    expect(parseCountTime('2026-01-31T18:00:00Z', tz).at?.toISOString()).toBe('2026-01-31T18:00:00.000Z');
    expect(parseCountTime('2026-01-31T18:00:00+02:00', tz).at?.toISOString()).toBe('2026-01-31T16:00:00.000Z');
    // an XLSX date cell holds the wall clock in its UTC fields
    expect(parseCountTime(new Date(Date.UTC(2026, 0, 31, 18, 0)), tz).at?.toISOString()).toBe('2026-01-31T17:00:00.000Z');
    // Excel serial 46053.75 = 2026-01-31 18:00
    expect(parseCountTime(46053.75, tz).at?.toISOString()).toBe('2026-01-31T17:00:00.000Z');
  });

  it('refuses what it cannot place', () => {
    expect(parseCountTime('01/02/2026', tz).error).toMatch(/ambiguous/);
    expect(parseCountTime('2026-02-30', tz).error).toMatch(/not a valid date/);
    expect(parseCountTime('yesterday', tz).error).toMatch(/not a date/);
    expect(parseCountTime(12, tz).error).toMatch(/number, not a date/);
  });

  it('knows the last day of a month in the plant time zone', () => {
    expect(isLastDayOfMonth(new Date('2026-01-31T21:59:00Z'), tz)).toBe(true); // 22:59 in Berlin
    expect(isLastDayOfMonth(new Date('2026-01-31T23:30:00Z'), tz)).toBe(false); // already Feb 1 in Berlin
    expect(isLastDayOfMonth(new Date('2026-01-31T23:30:00Z'), 'UTC')).toBe(true);
    expect(isLastDayOfMonth(new Date('2027-02-28T12:00:00Z'), tz)).toBe(true);
    expect(isLastDayOfMonth(new Date('2028-02-28T12:00:00Z'), tz)).toBe(false); // leap year
    expect(isLastDayOfMonth(new Date('2028-02-29T12:00:00Z'), tz)).toBe(true);
    expect(localDate(new Date('2026-01-31T23:30:00Z'), tz)).toBe('2026-02-01');
  });
});

describe('schedules', () => {
  it('are valid cron expressions', () => {
    expect(cron.validate(DAILY_SCHEDULE)).toBe(true);
    expect(cron.validate(MONTH_END_SCHEDULE)).toBe(true);
  });

  it.each(['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'UTC'])(
    'the month-end job proceeds exactly once a month, on its last day (%s)',
    (tz) => {
      const task = cron.createTask(MONTH_END_SCHEDULE, () => {}, { timezone: tz });
      try {
        // every slot of the next ~25 months (4 a month at most)
        const slots = task.getNextRuns(100);
        const proceeding = slots.filter((slot) => monthEndDecision(slot, new Date(), tz).run);
        const months = new Map<string, string[]>();
        for (const slot of slots) months.set(localDate(slot, tz).slice(0, 7), []);
        for (const slot of proceeding) months.get(localDate(slot, tz).slice(0, 7))!.push(localDate(slot, tz));
        const complete = [...months.keys()].slice(1, -1); // the first and last month may be cut
        expect(complete.length).toBeGreaterThanOrEqual(20);
        for (const month of complete) {
          const days = months.get(month)!;
          expect(days, month).toHaveLength(1);
          const [y, m] = month.split('-').map(Number);
          const last = new Date(Date.UTC(y!, m!, 0)).getUTCDate();
          expect(days[0], month).toBe(`${month}-${String(last).padStart(2, '0')}`);
        }
        // a skipped slot says why
        const skipped = slots.find((slot) => !monthEndDecision(slot, new Date(), tz).run)!;
        expect(monthEndDecision(skipped, new Date(), tz).reason).toMatch(/is not the last day of its month/);
      } finally {
        void task.destroy();
      }
    },
  );

  it('a manual month-end run always proceeds, for the current month', () => {
    const d = monthEndDecision(null, new Date('2026-03-10T10:00:00Z'), 'Europe/Berlin');
    expect(d).toEqual({ run: true, period: '2026-03', reason: 'manual run' });
  });
});

describe('count parser', () => {
  const rows = (...cells: Array<Array<string | number | Date | null>>): TabularRow[] =>
    cells.map((c, i) => ({ ref: String(i + 1), cells: c }));
  const parse = (input: TabularRow[], options: Partial<ConstructorParameters<typeof CountRowParser>[0]> = {}) => {
    const p = new CountRowParser({ timeZone: 'Europe/Berlin', ...options });
    const out: CountLine[] = [];
    for (const r of input) p.push(r, out);
    p.finish(out);
    return { lines: out, summary: p.summary() };
  };

  it('finds the header below title rows, with aliases in English and German', () => {
    const { lines, summary } = parse(
      rows(
        ['Inventur Werk P01', null],
        [null, null],
        ['Lagerplatz', 'Artikelnummer', 'Charge', 'Menge', 'ME', 'Zähldatum', 'Bemerkung'],
        ['P01/Stock', 'FURN_7800', null, '1.234,5', 'Units', '31.01.2026 18:00', 'ok'],
        ['P01-A', 'COMP_LEG', 'L-7', '12', null, null, null],
      ),
    );
    expect(summary).toMatchObject({ headerRef: '3', rows: 2, lines: 2, errorCount: 0, numberLocale: 'de', ignoredColumns: ['Bemerkung'] });
    expect(summary.columns).toEqual({
      location: 'Lagerplatz',
      product: 'Artikelnummer',
      lot: 'Charge',
      quantity: 'Menge',
      unit: 'ME',
      counted_at: 'Zähldatum',
    });
    expect(lines[0]).toMatchObject({
      location: 'P01/Stock',
      product: 'FURN_7800',
      quantity: 1234.5,
      unit: 'Units',
      lot: undefined,
      sourceRef: '4',
    });
    expect(lines[0]!.countedAt?.toISOString()).toBe('2026-01-31T17:00:00.000Z');
    expect(lines[1]).toMatchObject({ location: 'P01-A', lot: 'L-7', quantity: 12, countedAt: undefined });
  });

  it('holds an ambiguous quantity until the number style is known', () => {
    const { lines, summary } = parse(rows(['Location', 'Product', 'Qty'], ['A', 'P1', '1,500'], ['A', 'P2', '2,25']));
    expect(summary.numberLocale).toBe('de');
    expect(lines.map((l) => [l.product, l.quantity])).toEqual([
      ['P2', 2.25],
      ['P1', 1.5],
    ]);
  });

  it('collects row errors with cell references and goes on', () => {
    const { lines, summary } = parse(
      rows(
        ['Location', 'Product', 'Quantity', 'Counted at'],
        ['A', '', '1', null],
        ['A', 'P', 'lots', null],
        ['A', 'P', '2', '01/02/2026'],
        ['A', 'P', '3', null],
        [null, null, null, null],
      ),
      { numberLocale: 'en' },
    );
    expect(lines).toHaveLength(1);
    expect(summary).toMatchObject({ rows: 4, blankRows: 1, errorCount: 3 });
    expect(summary.errors.map((e) => [e.ref, e.column])).toEqual([
      ['2', 'Product'],
      ['3', 'Quantity'],
      ['4', 'Counted at'],
    ]);
    expect(summary.errors[1]!.message).toMatch(/not a number/);
    expect(summary.errors[2]!.message).toMatch(/ambiguous/);
  });

  it('refuses a file without a header, naming the closest row, and two columns for one field', () => {
    expect(() => parse(rows(['Location', 'Note'], ['A', 'x']))).toThrow(DataValidationError);
    expect(() => parse(rows(['Location', 'Note'], ['A', 'x']))).toThrow(/Closest was row 1, with location/);
    expect(() => parse(rows(['Location', 'Product', 'SKU', 'Qty']))).toThrow(/two product columns/);
  });

  it('takes configured header names over the aliases', () => {
    const { lines } = parse(rows(['Platz', 'Teil', 'Stück'], ['A', 'P', '4']), {
      mapping: { location: 'Platz', product: ['Teil'], quantity: 'Stück' },
    });
    expect(lines).toEqual([expect.objectContaining({ location: 'A', product: 'P', quantity: 4 })]);
  });
});
