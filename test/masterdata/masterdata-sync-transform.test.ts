/** transform/masterdata/: unit normalisation, version differences, incremental decisions (pure). */
import { describe, expect, it } from 'vitest';
import type { OdooRecord } from '../../core/odoo/values.ts';
import { toBomRow } from '../../transform/masterdata/boms.ts';
import { incrementalDomain, needsFullRefresh } from '../../transform/masterdata/incremental.ts';
import { fieldsToRead, modelSpec } from '../../transform/masterdata/models.ts';
import { isStorable, toProductRow } from '../../transform/masterdata/products.ts';
import { toUomRows, uomFlavour } from '../../transform/masterdata/uoms.ts';

// shaped like ../shared/reference/odoo18-xmlrpc/019-search-read-uom (factor = reference units → this unit)
const odoo18Uoms: OdooRecord[] = [
  { id: 1, name: 'Units', category_id: [1, 'Unit'], uom_type: 'reference', factor: 1.0, rounding: 0.01, active: true },
  { id: 2, name: 'Dozens', category_id: [1, 'Unit'], uom_type: 'bigger', factor: 0.08333333333333333, rounding: 0.01, active: true },
  { id: 3, name: 'Days', category_id: [3, 'Working Time'], uom_type: 'reference', factor: 1.0, rounding: 0.01, active: true },
  { id: 4, name: 'Hours', category_id: [3, 'Working Time'], uom_type: 'smaller', factor: 8.0, rounding: 0.01, active: true },
  { id: 12, name: 'kg', category_id: [2, 'Weight'], uom_type: 'reference', factor: 1.0, rounding: 0.01, active: true },
  { id: 13, name: 'g', category_id: [2, 'Weight'], uom_type: 'smaller', factor: 1000.0, rounding: 0.01, active: true },
  { id: 14, name: 't', category_id: [2, 'Weight'], uom_type: 'bigger', factor: 0.001, rounding: 0.01, active: false },
];
const fields18 = new Set(['name', 'category_id', 'uom_type', 'factor', 'rounding', 'active', 'write_date']);

// shaped like ../shared/reference/odoo19-json2/017-search-read-uom (a tree; `factor` is the opposite of 18's)
const odoo19Uoms: OdooRecord[] = [
  { id: 1, name: 'Units', relative_uom_id: false, relative_factor: 1.0, factor: 1.0, rounding: 0.01, active: true },
  { id: 3, name: 'Dozens', relative_uom_id: [1, 'Units'], relative_factor: 12.0, factor: 12.0, rounding: 0.01, active: false },
  { id: 7, name: 'mm', relative_uom_id: false, relative_factor: 1.0, factor: 1.0, rounding: 0.01, active: true },
  { id: 8, name: 'cm', relative_uom_id: [7, 'mm'], relative_factor: 10.0, factor: 10.0, rounding: 0.01, active: false },
  { id: 9, name: 'm', relative_uom_id: [8, 'cm'], relative_factor: 100.0, factor: 1000.0, rounding: 0.01, active: true },
  { id: 15, name: 'g', relative_uom_id: false, relative_factor: 1.0, factor: 1.0, rounding: 0.01, active: true },
  { id: 16, name: 'kg', relative_uom_id: [15, 'g'], relative_factor: 1000.0, factor: 1000.0, rounding: 0.01, active: true },
  { id: 18, name: 'oz', relative_uom_id: [15, 'g'], relative_factor: 28.3495, factor: 28.3495, rounding: 0.01, active: true },
  { id: 19, name: 'lb', relative_uom_id: [18, 'oz'], relative_factor: 16.0, factor: 453.592, rounding: 0.01, active: true },
  { id: 20, name: 'in', relative_uom_id: [8, 'cm'], relative_factor: 2.54, factor: 25.4, rounding: 0.01, active: true },
  { id: 21, name: 'ft', relative_uom_id: [20, 'in'], relative_factor: 12.0, factor: 304.79999999999995, rounding: 0.01, active: true },
];
const fields19 = new Set(['name', 'relative_uom_id', 'relative_factor', 'factor', 'rounding', 'active', 'write_date', 'sequence']);

function byName(rows: ReturnType<typeof toUomRows>['rows']) {
  return Object.fromEntries(rows.map((r) => [r.name, r]));
}

describe('unit of measure normalisation', () => {
  it('tells the two models apart by their fields', () => {
    expect(uomFlavour(fields18)).toBe('category');
    expect(uomFlavour(fields19)).toBe('tree');
    expect(uomFlavour(new Set(['name']))).toBeUndefined();
  });

  it('Odoo 18: ratio = 1 / factor within the category, the reference unit found by uom_type', () => {
    const { rows, problems } = toUomRows(odoo18Uoms, fields18);
    expect(problems).toEqual([]);
    const u = byName(rows);
    expect(u.Dozens).toMatchObject({ ref_group: 'Unit', ref_ratio: 12, ref_uom_id: 1, category_id: 1, relative_uom_id: null });
    expect(u.g).toMatchObject({ ref_group: 'Weight', ref_ratio: 0.001, ref_uom_id: 12 });
    expect(u.t).toMatchObject({ ref_ratio: 1000, active: false });
    expect(u.Hours!.ref_ratio).toBe(0.125);
  });

  it('Odoo 19: ratio = product of relative factors up to the root, the root is the group', () => {
    const { rows, problems } = toUomRows(odoo19Uoms, fields19);
    expect(problems).toEqual([]);
    const u = byName(rows);
    expect(u.Dozens).toMatchObject({
      ref_group: 'Units',
      ref_ratio: 12,
      ref_uom_id: 1,
      relative_uom_id: 1,
      relative_factor: 12,
      category_id: null,
      active: false,
    });
    expect(u.m).toMatchObject({ ref_group: 'mm', ref_ratio: 1000, ref_uom_id: 7 });
    expect(u.ft!.ref_ratio).toBe(304.8); // 12 × 2.54 × 10, rounded to 12 significant digits
    expect(u.lb!.ref_ratio).toBe(453.592);
    expect(u.g!.ref_ratio / u.kg!.ref_ratio).toBeCloseTo(0.001, 12);
  });

  it('the same conversions on both versions', () => {
    const u18 = byName(toUomRows(odoo18Uoms, fields18).rows);
    const u19 = byName(toUomRows(odoo19Uoms, fields19).rows);
    const conv = (u: typeof u18, from: string, to: string) => u[from]!.ref_ratio / u[to]!.ref_ratio;
    expect(conv(u18, 'Dozens', 'Units')).toBe(conv(u19, 'Dozens', 'Units'));
    expect(conv(u18, 'g', 'kg')).toBeCloseTo(conv(u19, 'g', 'kg'), 12);
    expect(conv(u18, 'kg', 'g')).toBeCloseTo(conv(u19, 'kg', 'g'), 9);
  });

  it('reports units whose chain is broken instead of guessing a ratio', () => {
    const broken: OdooRecord[] = [{ id: 30, name: 'crate', relative_uom_id: [99, 'gone'], relative_factor: 24, active: true }];
    const { rows, problems } = toUomRows(broken, fields19);
    expect(rows).toEqual([]);
    expect(problems[0]).toContain('crate');
    expect(
      toUomRows([{ id: 2, name: 'bad', category_id: [1, 'Unit'], uom_type: 'bigger', factor: 0, active: true }], fields18).problems,
    ).toHaveLength(1);
  });
});

describe('version differences read from fields_get', () => {
  it('storable: is_storable on 18+, type product on 17 and older', () => {
    expect(isStorable({ id: 1, type: 'consu', is_storable: true }, new Set(['type', 'is_storable']))).toBe(true);
    expect(isStorable({ id: 1, type: 'consu', is_storable: false }, new Set(['type', 'is_storable']))).toBe(false);
    expect(isStorable({ id: 1, type: 'product' }, new Set(['type']))).toBe(true);
    expect(isStorable({ id: 1, type: 'consu' }, new Set(['type']))).toBe(false);
  });

  it('reads only fields the server has, and says which required ones are missing', () => {
    const spec = modelSpec('products');
    const v19 = fieldsToRead(spec, new Set(['name', 'uom_id', 'product_tmpl_id', 'default_code', 'active', 'write_date', 'is_storable']));
    expect(v19.fields).toContain('is_storable');
    expect(v19.fields).not.toContain('uom_po_id');
    expect(v19.missing).toEqual([]);
    expect(fieldsToRead(spec, new Set(['name'])).missing).toEqual(['uom_id', 'product_tmpl_id']);
  });

  it('maps a product: false → null, many2one → id, valuation normalised', () => {
    const fields = new Set([
      'default_code',
      'name',
      'uom_id',
      'uom_po_id',
      'categ_id',
      'valuation',
      'barcode',
      'active',
      'write_date',
      'type',
      'is_storable',
    ]);
    const row = toProductRow(
      {
        id: 5,
        default_code: false,
        name: 'Bolt',
        uom_id: [1, 'Units'],
        uom_po_id: [2, 'Dozens'],
        categ_id: [1, 'All'],
        valuation: 'manual_periodic',
        type: 'consu',
        is_storable: false,
        active: true,
        write_date: '2026-11-24 07:00:00',
      },
      fields,
    );
    expect(row).toMatchObject({
      default_code: null,
      uom_id: 1,
      uom_po_id: 2,
      categ_id: 1,
      categ_name: 'All',
      valuation: 'periodic',
      is_storable: false,
      write_date: '2026-11-24T07:00:00.000Z',
    });
    expect(
      toBomRow({ id: 1, type: 'phantom', product_tmpl_id: [3, 'Desk'], product_id: false, product_qty: 1 }, new Set(['type'])),
    ).toMatchObject({ is_kit: true, product_id: null, active: true });
  });
});

describe('incremental reads', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  it('decides when a full refresh is due', () => {
    const base = {
      forced: false,
      lastFullAt: new Date('2026-11-26T00:00:00Z'),
      watermark: new Date('2026-11-26T11:00:00Z'),
      now,
      hours: 24,
    };
    expect(needsFullRefresh(base)).toBe(false);
    expect(needsFullRefresh({ ...base, hours: 12 })).toBe(true);
    expect(needsFullRefresh({ ...base, forced: true })).toBe(true);
    expect(needsFullRefresh({ ...base, lastFullAt: null })).toBe(true);
    expect(needsFullRefresh({ ...base, watermark: null })).toBe(true);
    expect(needsFullRefresh({ ...base, alwaysFull: true })).toBe(true);
  });

  it('builds `write_date > watermark - lookback`, with the children of changed parents', () => {
    const wm = new Date('2026-11-26T10:00:00Z');
    expect(incrementalDomain(wm, 0)).toEqual([['write_date', '>', '2026-11-26 10:00:00']]);
    expect(incrementalDomain(wm, 300)).toEqual([['write_date', '>', '2026-11-26 09:55:00']]);
    expect(incrementalDomain(wm, 0, { field: 'bom_id', ids: [4, 7] })).toEqual([
      '|',
      ['write_date', '>', '2026-11-26 10:00:00'],
      ['bom_id', 'in', [4, 7]],
    ]);
  });
});
