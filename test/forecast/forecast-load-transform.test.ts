/**
 * forecast-load's pure part: demand windows, min/max with multiples, target rows for both targets,
 * zeroing of dropped periods inside the horizon, and the plan against a ledger.
 */
import { describe, expect, it } from 'vitest';
import {
  demandBetween,
  type ForecastCell,
  forecastKey,
  forecastLoadParamsSchema,
  forecastLoadSettings,
  formatPlan,
  localDate,
  mpsTargets,
  orderpointKey,
  orderpointLevels,
  orderpointTargets,
  parseKey,
  payloadHash,
  periodDays,
  planModel,
  qtyCell,
  roundUpToMultiple,
  scheduleKey,
  summarisePlan,
  windowAnchor,
} from '../../transform/forecast/load/index.ts';

const cell = (over: Partial<ForecastCell>): ForecastCell => ({
  productId: 11,
  productCode: 'P11',
  warehouseId: 1,
  warehouseCode: 'WH',
  lotStockId: 8,
  companyId: 1,
  uomRounding: 0.01,
  periodStart: '2026-01-05',
  quantity: 70,
  lines: 1,
  ...over,
});

describe('demand maths', () => {
  it('spreads a period over its days: weeks 7, months their calendar length', () => {
    expect(periodDays('2026-01-05', 'week')).toBe(7);
    expect(periodDays('2026-02-01', 'month')).toBe(28);
    expect(periodDays('2028-02-01', 'month')).toBe(29);
    expect(periodDays('2026-03-01', 'month')).toBe(31);
  });

  it('sums the overlapped parts of periods and counts days outside the forecast as no demand', () => {
    const periods = [
      { periodStart: '2026-01-05', quantity: 70 }, // 10/day
      { periodStart: '2026-01-12', quantity: 140 }, // 20/day
    ];
    // Thursday 8th + 10 days: 4 days of week 1 (40) + 6 days of week 2 (120)
    expect(demandBetween(periods, 'week', '2026-01-08', 0, 10)).toBeCloseTo(160, 9);
    // beyond the last period: only 3 days of week 2 are forecast
    expect(demandBetween(periods, 'week', '2026-01-16', 0, 30)).toBeCloseTo(60, 9);
    expect(demandBetween(periods, 'week', '2026-01-05', 3, 3)).toBe(0);
    // a month of 31 days with 310: 10/day
    expect(demandBetween([{ periodStart: '2026-03-01', quantity: 310 }], 'month', '2026-03-10', 0, 5.5)).toBeCloseTo(55, 9);
  });

  it('rounds up to the multiple without turning float noise into another multiple', () => {
    expect(roundUpToMultiple(51, 20)).toBe(60);
    expect(roundUpToMultiple(60.000000001, 20)).toBe(60);
    expect(roundUpToMultiple(0.1 + 0.2, 0.1)).toBe(0.3);
    expect(roundUpToMultiple(12.3456, 0.01)).toBe(12.35);
    expect(roundUpToMultiple(7.2, 0)).toBe(7.2);
  });

  it('min = demand over lead + safety days, max = min + review demand, both multiples', () => {
    const periods = Array.from({ length: 8 }, (_, i) => ({
      periodStart: new Date(Date.UTC(2026, 0, 5 + 7 * i)).toISOString().slice(0, 10),
      quantity: 35.7,
    }));
    const levels = orderpointLevels({
      periods,
      bucket: 'week',
      anchor: '2026-01-07',
      leadDays: 3,
      safetyDays: 7,
      reviewDays: 7,
      multiple: 20,
    });
    expect(levels.coverDemand).toBeCloseTo(51, 9); // 5.1/day × 10
    expect(levels.reviewDemand).toBeCloseTo(35.7, 9);
    expect(levels).toMatchObject({ min: 60, max: 100 }); // 51 → 60; 60 + 35.7 → 100
    const flat = orderpointLevels({
      periods,
      bucket: 'week',
      anchor: '2026-01-07',
      leadDays: 14,
      safetyDays: 7,
      reviewDays: 7,
      multiple: 1,
    });
    expect(flat).toMatchObject({ min: 108, max: 144 }); // 107.1 → 108; 108 + 35.7 → 144
    expect(flat.min).toBeLessThanOrEqual(flat.max);
  });

  it('anchors the window at the given day but not before the first period, in the plant time zone', () => {
    expect(windowAnchor('2026-01-05', '2026-01-07')).toBe('2026-01-07');
    expect(windowAnchor('2026-02-02', '2026-01-07')).toBe('2026-02-02');
    expect(localDate(new Date('2026-01-04T23:30:00Z'), 'Europe/Berlin')).toBe('2026-01-05');
    expect(localDate(new Date('2026-01-04T23:30:00Z'), 'UTC')).toBe('2026-01-04');
  });
});

describe('keys, hashes and settings', () => {
  it('builds stable keys that parse back', () => {
    expect(scheduleKey(1, 11)).toBe('fc_mps_w1_p11');
    expect(forecastKey(1, 11, '2026-01-05')).toBe('fc_mps_w1_p11_d20260105');
    expect(orderpointKey(2, 7)).toBe('fc_op_w2_p7');
    expect(parseKey('fc_mps_w1_p11_d20260105')).toEqual({ kind: 'forecast', warehouseId: 1, productId: 11, periodStart: '2026-01-05' });
    expect(parseKey('fc_op_w2_p7')).toEqual({ kind: 'orderpoint', warehouseId: 2, productId: 7 });
    expect(parseKey('something_else')).toBeUndefined();
  });

  it('hashes the payload as sent: same cells same hash, any cell different another', () => {
    const a = payloadHash('m', ['id', 'x'], ['mfg_etl.k', '1']);
    expect(payloadHash('m', ['id', 'x'], ['mfg_etl.k', '1'])).toBe(a);
    expect(payloadHash('m', ['id', 'x'], ['mfg_etl.k', '1.5'])).not.toBe(a);
    expect(payloadHash('n', ['id', 'x'], ['mfg_etl.k', '1'])).not.toBe(a);
    expect(qtyCell(0.1 + 0.2)).toBe('0.3');
    expect(qtyCell(-0)).toBe('0');
  });

  it('reads command-line strings, refuses unknown parameters, and fills defaults', () => {
    const params = forecastLoadParamsSchema.parse({ target: 'mps', safetyDays: '3', manageForeignRules: 'false', batch: '12' });
    expect(params).toEqual({ target: 'mps', safetyDays: 3, manageForeignRules: false, batch: 12 });
    expect(forecastLoadParamsSchema.safeParse({ targt: 'mps' }).success).toBe(false);
    expect(forecastLoadParamsSchema.safeParse({ target: 'both' }).success).toBe(false);
    expect(forecastLoadSettings(params, { reviewDays: 14 })).toEqual({
      target: 'mps',
      safetyDays: 3,
      reviewDays: 14,
      defaultLeadDays: 0,
      manageForeignRules: false,
    });
    expect(forecastLoadSettings({})).toEqual({
      target: 'auto',
      safetyDays: 7,
      reviewDays: 7,
      defaultLeadDays: 0,
      manageForeignRules: false,
    });
  });
});

describe('target rows', () => {
  it('mps: a schedule per (warehouse, product), a forecast per period, dropped periods zeroed only inside the horizon', () => {
    const cells = [
      cell({ periodStart: '2026-01-05', quantity: 10 }),
      cell({ periodStart: '2026-01-12', quantity: 12.5 }),
      cell({ productId: 12, productCode: 'P12', periodStart: '2026-01-19', quantity: 3 }),
      cell({ productId: null, productCode: 'NOPE', periodStart: '2026-01-05' }),
      cell({ productId: 13, productCode: 'P13', quantity: null }),
    ];
    const dropped = [
      { productId: 11, warehouseId: 1, periodStart: '2026-01-19', productCode: 'P11', warehouseCode: 'WH' }, // inside: zero
      { productId: 99, warehouseId: 1, periodStart: '2026-01-12', productCode: 'P99', warehouseCode: 'WH' }, // product gone: zero
      { productId: 11, warehouseId: 1, periodStart: '2026-01-26', productCode: 'P11', warehouseCode: 'WH' }, // after the horizon: kept
      { productId: 11, warehouseId: 1, periodStart: '2026-01-05', productCode: 'P11', warehouseCode: 'WH' }, // still there
    ];
    const t = mpsTargets(cells, dropped);
    expect(t.schedules.fields).toEqual(['id', 'product_id/.id', 'warehouse_id/.id', 'company_id/.id']);
    expect(t.schedules.rows.map((r) => r.cells)).toEqual([
      ['mfg_etl.fc_mps_w1_p11', '11', '1', '1'],
      ['mfg_etl.fc_mps_w1_p12', '12', '1', '1'],
    ]);
    expect(t.forecasts.fields).toEqual(['id', 'production_schedule_id/id', 'date', 'forecast_qty']);
    expect(t.forecasts.rows.map((r) => [r.cells, r.reason ?? '', r.dependsOn ?? ''])).toEqual([
      [['mfg_etl.fc_mps_w1_p11_d20260105', 'mfg_etl.fc_mps_w1_p11', '2026-01-05', '10'], '', 'fc_mps_w1_p11'],
      [['mfg_etl.fc_mps_w1_p11_d20260112', 'mfg_etl.fc_mps_w1_p11', '2026-01-12', '12.5'], '', 'fc_mps_w1_p11'],
      [['mfg_etl.fc_mps_w1_p12_d20260119', 'mfg_etl.fc_mps_w1_p12', '2026-01-19', '3'], '', 'fc_mps_w1_p12'],
      [['mfg_etl.fc_mps_w1_p11_d20260119', 'mfg_etl.fc_mps_w1_p11', '2026-01-19', '0'], 'dropped', 'fc_mps_w1_p11'],
      [['mfg_etl.fc_mps_w1_p99_d20260112', 'mfg_etl.fc_mps_w1_p99', '2026-01-12', '0'], 'dropped', ''],
    ]);
    expect(t.horizon).toEqual({ first: '2026-01-05', last: '2026-01-19' });
    expect(t.skipped.map((s) => [s.kind, s.ref])).toEqual([
      ['unresolved', 'NOPE @ WH 2026-01-05'],
      ['no_quantity', 'P13 @ WH 2026-01-05'],
    ]);
  });

  it('orderpoint: levels from lead times and multiples, a missing stock location is an error, dropped rules go to 0/0', () => {
    const weeks = ['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26', '2026-02-02'];
    const cells = [
      ...weeks.map((w) => cell({ periodStart: w, quantity: 70 })),
      ...weeks.map((w) => cell({ productId: 12, productCode: 'P12', periodStart: w, quantity: 35 })),
      cell({ warehouseId: 2, warehouseCode: 'W2', lotStockId: null, companyId: 1 }),
    ];
    const t = orderpointTargets(
      cells,
      [{ productId: 50, warehouseId: 1, productCode: 'P50', warehouseCode: 'WH', lotStockId: 8, companyId: 1 }],
      {
        bucket: 'week',
        anchor: '2026-01-05',
        safetyDays: 7,
        reviewDays: 7,
        defaultLeadDays: 3,
        leadTimes: new Map([[11, { days: 14, source: 'bom' }]]),
        multiples: new Map([[orderpointKey(1, 12), { multiple: 20, source: 'qty_multiple' }]]),
        newRuleMultiple: () => ({ multiple: 1, source: 'default' }),
      },
    );
    expect(t.orderpoints.fields).toEqual([
      'id',
      'product_id/.id',
      'warehouse_id/.id',
      'location_id/.id',
      'product_min_qty',
      'product_max_qty',
      'company_id/.id',
    ]);
    expect(t.orderpoints.rows.map((r) => r.cells)).toEqual([
      ['mfg_etl.fc_op_w1_p11', '11', '1', '8', '210', '280', '1'], // 10/day × 21; + 70
      ['mfg_etl.fc_op_w1_p12', '12', '1', '8', '60', '100', '1'], // 5/day × 10 = 50 → 60; 60 + 35 → 100
      ['mfg_etl.fc_op_w1_p50', '50', '1', '8', '0', '0', '1'],
    ]);
    expect(t.orderpoints.rows[0]!.values).toMatchObject({ leadDays: 14, leadSource: 'bom' });
    expect(t.orderpoints.rows[1]!.values).toMatchObject({ leadDays: 3, leadSource: 'default', multiple: 20 });
    expect(t.skipped).toEqual([expect.objectContaining({ kind: 'error', key: 'fc_op_w2_p11', ref: 'P11 @ W2' })]);
    expect(t.skipped[0]!.reason).toMatch(/no stock location/);
  });
});

describe('plan', () => {
  it('creates what the ledger does not know, updates what changed, leaves the rest, and holds foreign records and their dependants back', () => {
    const cells = ['2026-01-05', '2026-01-12'].flatMap((w) => [
      cell({ periodStart: w, quantity: 5 }),
      cell({ productId: 12, productCode: 'P12', periodStart: w, quantity: 6 }),
    ]);
    const t = mpsTargets(cells, []);
    const [s11, s12] = t.schedules.rows;
    const ledgerS = new Map([[s11!.key, { hash: s11!.hash, odooId: 501 }]]);
    const blocked = new Set<string>();
    const schedules = planModel(t.schedules, ledgerS, { records: new Map([[s12!.key, { id: 777 }]]), manage: false, blocked });
    expect(schedules.plan.rows.map((r) => [r.key, r.op])).toEqual([[s11!.key, 'unchanged']]);
    expect(schedules.skipped).toEqual([expect.objectContaining({ kind: 'foreign', key: s12!.key })]);

    const f = t.forecasts.rows;
    const ledgerF = new Map([
      [f[0]!.key, { hash: f[0]!.hash, odooId: 1 }],
      [f[2]!.key, { hash: 'old', odooId: 2 }],
    ]);
    const forecasts = planModel(t.forecasts, ledgerF, { records: new Map(), manage: false, blocked });
    expect(forecasts.plan.rows.map((r) => [r.ref, r.op])).toEqual([
      ['P11 @ WH 2026-01-05', 'unchanged'],
      ['P11 @ WH 2026-01-12', 'update'],
    ]);
    expect(forecasts.skipped.map((s) => s.ref)).toEqual(['P12 @ WH 2026-01-05', 'P12 @ WH 2026-01-12']);

    const taken = planModel(t.schedules, new Map(), { records: new Map([[s12!.key, { id: 777 }]]), manage: true, blocked: new Set() });
    expect(taken.plan.rows.map((r) => [r.op, r.adoptId ?? null])).toEqual([
      ['create', null],
      ['update', 777],
    ]);

    const summary = summarisePlan([schedules.plan, forecasts.plan], [...schedules.skipped, ...forecasts.skipped]);
    expect(summary.writes).toBe(1);
    expect(summary.models.map((m) => [m.model, m.create, m.update, m.unchanged])).toEqual([
      ['mrp.production.schedule', 0, 0, 1],
      ['mrp.product.forecast', 0, 1, 1],
    ]);
    expect(summary.skipped.byKind).toEqual({ foreign: 3 });
    const text = formatPlan(summary, { batchId: 7, scope: 'WH', version: 'v1', target: 'mps', dryRunReason: 'requested' });
    expect(text).toContain('mrp.product.forecast: 0 create, 1 update, 1 unchanged');
    expect(text).toContain('dry run: requested; nothing is written to Odoo');
    expect(text).toContain('update    P11 @ WH 2026-01-12  date=2026-01-12 forecast_qty=5');
  });
});
