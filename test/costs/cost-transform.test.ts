/**
 * The pure parts of costing: cost update parsing, cycles as paths, overhead per category, the
 * load plan (what cost-load writes, skips, or already wrote), Odoo's revaluation context per
 * version, the summary journal entry, reading back what Odoo recorded, and the settings.
 */
import { describe, expect, it } from 'vitest';
import { parseDateCell } from '../../extract/tabular/dates.ts';
import type { TabularRow } from '../../extract/tabular/types.ts';
import { readValuationRecords } from '../../load/costs/odoo.ts';
import {
  CostUpdateParser,
  type CostUpdateLine,
  findCycles,
  floatRound,
  kitCycle,
  parseCostSettings,
  planLoad,
  priceKey,
  priceHash,
  rateFor,
  referenceRollup,
  resolveOverhead,
  revaluationContext,
  summaryEntryLines,
  valuationModel,
} from '../../transform/costs/index.ts';

const rows = (...cells: Array<Array<string | number | Date | null>>): TabularRow[] =>
  cells.map((c, i) => ({ ref: String(i + 1), cells: c }));

function parse(input: TabularRow[], options: Partial<ConstructorParameters<typeof CostUpdateParser>[0]> = {}) {
  const parser = new CostUpdateParser({
    rate: (c) => rateFor({ companyCurrency: 'EUR', currencyRates: { USD: 0.9 } }, c),
    defaultValidFrom: '2026-05-01',
    ...options,
  });
  const out: CostUpdateLine[] = [];
  for (const row of input) parser.push(row, out);
  parser.finish();
  return { lines: out, summary: parser.summary() };
}

describe('cost update parsing', () => {
  it('finds the header under title rows and reads decimal commas, currencies and dates', () => {
    const { lines, summary } = parse(
      rows(
        ['Price list Q2'],
        [],
        ['Artikelnummer', 'Kosten', 'Währung', 'Gültig ab'],
        ['A-1', '1.234,50', 'usd', '15.04.2026'],
        ['B-2', '0,75', '', new Date(Date.UTC(2026, 5, 1))],
      ),
    );
    expect(summary).toMatchObject({ headerRef: '3', rows: 2, lines: 2, errorCount: 0, currencies: ['USD'] });
    expect(lines.map((l) => [l.productCode, l.sourceCost, l.currency, l.rate, l.companyCost, l.validFrom])).toEqual([
      ['A-1', 1234.5, 'USD', 0.9, 1234.5 * 0.9, '2026-04-15'],
      ['B-2', 0.75, null, 1, 0.75, '2026-06-01'],
    ]);
  });

  it('turns bad cells into row errors and never takes a foreign cost without a rate', () => {
    const { lines, summary } = parse(
      rows(
        ['sku', 'cost', 'currency', 'valid from'],
        ['A', 'abc', 'EUR', '2026-01-01'],
        ['B', '2', 'GBP', '2026-01-01'],
        ['C', '3', 'EUR', '31.02.2026'],
        ['', '4', '', '2026-01-01'],
        ['D', '1,500', '', '2026-01-01'],
      ),
    );
    expect(lines).toEqual([]);
    expect(summary.errorCount).toBe(5);
    expect(summary.currencyErrors).toBe(1);
    expect(summary.errors.map((e) => e.message)).toEqual([
      '"abc" is not a number',
      'no exchange rate configured for GBP: add costs.currencyRates.GBP (company currency per GBP); the cost is not taken as is',
      'not a date: write it as YYYY-MM-DD (or DD.MM.YYYY)',
      'the product code is empty',
      '"1,500" could be read as 1500 or 1.5; set the number locale (en or de) for this file',
    ]);
  });

  it('takes the valid-from date of the run when the file has no such column, and refuses files without a header', () => {
    expect(parse(rows(['product', 'price'], ['X', 2])).lines[0]).toMatchObject({ validFrom: '2026-05-01', currency: null, companyCost: 2 });
    expect(() => parse(rows(['a', 'b'], ['1', '2']))).toThrow(/No header row found/);
    expect(() => parse(rows(['product', 'cost', 'price'], ['X', 1, 2]))).toThrow(
      /two cost columns \("cost" and "price"\); configure costs.updates.columns/,
    );
    expect(parseDateCell('2026-2-3')).toBe('2026-02-03');
    expect(parseDateCell('02/03/2026')).toBeUndefined();
  });
});

describe('cycles', () => {
  it('gives one path per cycle, from its lowest id, self-loops included', () => {
    const cycles = findCycles([
      [3, 1],
      [1, 2],
      [2, 3],
      [2, 9],
      [9, 9],
      [5, 6],
    ]);
    expect(cycles).toEqual([
      [1, 2, 3, 1],
      [9, 9],
    ]);
    expect(kitCycle([40, 12, 11, 12])).toEqual([11, 12, 11]);
  });
});

describe('overhead per category', () => {
  it('matches id, name or complete name; sub-categories inherit unless configured themselves', () => {
    const cats = [
      { id: 1, name: 'All', completeName: 'All', parentId: null },
      { id: 2, name: 'Finished', completeName: 'All / Finished', parentId: 1 },
      { id: 3, name: 'Desks', completeName: 'All / Finished / Desks', parentId: 2 },
      { id: 4, name: 'Chairs', completeName: 'All / Finished / Chairs', parentId: 2 },
    ];
    const r = resolveOverhead({ 'all/finished': 12, '4': 0, Nowhere: 5 }, cats);
    expect([...r.percents.entries()]).toEqual([
      [2, 12],
      [3, 12],
    ]);
    expect(r.unmatched).toEqual(['Nowhere']);
  });
});

describe('load plan', () => {
  const live = new Map([
    [1, { id: 1, standardPrice: 10, costMethod: 'standard', valuation: 'periodic' }],
    [2, { id: 2, standardPrice: 5, costMethod: 'fifo', valuation: 'periodic' }],
    [3, { id: 3, standardPrice: 7.004, costMethod: 'standard', valuation: 'real_time' }],
    [5, { id: 5, standardPrice: 1, costMethod: 'standard', valuation: 'periodic' }],
    [6, { id: 6, standardPrice: 1, costMethod: 'standard', valuation: 'periodic' }],
  ]);
  it('writes what changed, grouped by price; skips FIFO, unchanged, gone and what this batch already wrote', () => {
    const lines = [
      { productId: 1, code: 'A', newCost: 12 },
      { productId: 2, code: 'B', newCost: 6 },
      { productId: 3, code: 'C', newCost: 7 },
      { productId: 4, code: 'D', newCost: 3 },
      { productId: 5, code: 'E', newCost: 12 },
      { productId: 6, code: 'F', newCost: 2 },
    ];
    const written = new Map([[priceKey(6, 1), priceHash(2)]]);
    const plan = planLoad(lines, live, written, { company: 1, priceDigits: 2 });
    expect(plan.lines.map((l) => [l.code, l.outcome])).toEqual([
      ['A', 'write'],
      ['B', 'not_standard'],
      ['C', 'unchanged'],
      ['D', 'gone'],
      ['E', 'write'],
      ['F', 'done'],
    ]);
    expect(plan.groups).toEqual([{ price: 12, ids: [1, 5] }]);
    expect(plan.counts).toEqual({ write: 2, unchanged: 1, not_standard: 1, gone: 1, done: 1 });
    // the same price written before by another batch is no reason to skip: the key is per batch
    expect(planLoad(lines.slice(0, 1), live, new Map(), { company: 1, priceDigits: 2 }).counts.write).toBe(1);
  });

  it('stops the revaluation with the context key of Odoo 17/18, refuses to on 19 (stock is valued live there)', () => {
    expect(revaluationContext(17, false)).toEqual({ disable_auto_svl: true });
    expect(revaluationContext(18, false)).toEqual({ disable_auto_svl: true });
    expect(() => revaluationContext(19, false)).toThrow(/cannot be honoured on Odoo 19/);
    expect(revaluationContext(19, true)).toEqual({});
    expect([valuationModel(18), valuationModel(19)]).toEqual(['stock.valuation.layer', 'product.value']);
  });

  it('books the summary entry on the side the stock value moved, nothing for zero', () => {
    const acc = { valuationAccountId: 10, counterpartAccountId: 20 };
    expect(summaryEntryLines(25.004, acc, 'x').map((l) => [l.accountId, l.debit, l.credit])).toEqual([
      [10, 25, 0],
      [20, 0, 25],
    ]);
    expect(summaryEntryLines(-6, acc, 'x').map((l) => [l.accountId, l.debit, l.credit])).toEqual([
      [10, 0, 6],
      [20, 6, 0],
    ]);
    expect(summaryEntryLines(0.001, acc, 'x')).toEqual([]);
  });
});

describe('reading back what Odoo recorded', () => {
  const fake = (rowsOf: Record<string, unknown[]>) => {
    const asked: Array<{ model: string; domain: unknown }> = [];
    const client = {
      searchReadAll: async (model: string, domain: unknown) => {
        asked.push({ model, domain });
        return rowsOf[model] ?? [];
      },
    };
    return { client: client as unknown as Parameters<typeof readValuationRecords>[0], asked };
  };

  it('Odoo 17/18: the valuation layers made after the watermark, with their journal entries', async () => {
    // as captured in odoo18-xmlrpc 126: a revaluation layer of a real-time product and its entry
    const { client, asked } = fake({
      'stock.valuation.layer': [
        {
          id: 12,
          product_id: [68, '[ETL-LRT] ETL Load Real-time Part'],
          quantity: 0,
          value: 6,
          description: 'Product value manually modified (from 4.0 to 5.0)',
          account_move_id: [26, 'STJ/2026/11/0002 (ETL-LRT)'],
        },
      ],
    });
    const records = await readValuationRecords(client, 'stock.valuation.layer', 11, [68]);
    expect(records).toEqual([
      {
        productId: 68,
        odooModel: 'stock.valuation.layer',
        odooId: 12,
        value: 6,
        quantity: 0,
        accountMoveId: 26,
        description: 'Product value manually modified (from 4.0 to 5.0)',
      },
    ]);
    expect(asked[0]!.domain).toEqual([
      ['id', '>', 11],
      ['product_id', 'in', [68]],
    ]);
  });

  it('Odoo 19: the product.value records (the new unit price)', async () => {
    // as captured in odoo19-json2 054
    const { client } = fake({
      'product.value': [
        {
          id: 168,
          product_id: [31, '[FURN_0269] Office Chair Black'],
          value: 190,
          description: 'Price update from 180.0 to 190.0 by Mitchell Admin',
          move_id: false,
        },
      ],
    });
    expect(await readValuationRecords(client, 'product.value', 118, [31])).toEqual([
      {
        productId: 31,
        odooModel: 'product.value',
        odooId: 168,
        value: 190,
        quantity: null,
        accountMoveId: null,
        description: 'Price update from 180.0 to 190.0 by Mitchell Admin',
      },
    ]);
  });
});

describe('settings and rounding', () => {
  it('names the offending key of the costs section', () => {
    expect(parseCostSettings({ overheadBase: 'labour' })).toMatchObject({ ok: false, key: 'costs.overheadBase' });
    expect(parseCostSettings({ checkpoints: { cost_delta: { severity: 'fatal' } } })).toMatchObject({
      ok: false,
      key: 'costs.checkpoints.cost_delta.severity',
    });
    expect(parseCostSettings({ bogus: 1 })).toMatchObject({ ok: false });
    const ok = parseCostSettings({});
    expect(ok.ok && ok.settings).toMatchObject({
      approval: 'manual',
      priceDigits: 2,
      revalue: true,
      overheadBase: 'material_and_operations',
      updates: { approval: 'auto-unless-warnings' },
    });
    expect(rateFor({ companyCurrency: 'EUR', currencyRates: { USD: 0.9 } }, 'eur')).toBe(1);
    expect(rateFor({ currencyRates: {} }, 'EUR')).toBeUndefined();
  });

  it("rounds half-cents up like Odoo's float_round, where binary floats fall just short", () => {
    expect(0.145 * 100).toBeLessThan(14.5);
    expect(floatRound(0.145, 2)).toBe(0.15);
    expect(floatRound(143.875, 2)).toBe(143.88);
    expect(floatRound(-2.675, 2)).toBe(-2.68);
    expect(floatRound(1.004, 2)).toBe(1);
  });

  it('the reference rollup: Table Top 200, Table 283', () => {
    const r = referenceRollup({
      uoms: [{ id: 1, group: 'U', ratio: 1 }],
      products: [45, 46, 47, 48, 49, 53].map((id, i) => ({
        id,
        tmplId: id,
        uomId: 1,
        standardPrice: [290, 240, 10, 0.5, 0.1, 80][i]!,
        active: true,
        type: 'consu',
        categId: 1,
      })),
      boms: [
        { id: 2, type: 'normal', productTmplId: 45, productId: null, productQty: 1, uomId: 1, sequence: 0, companyId: null, active: true },
        { id: 3, type: 'normal', productTmplId: 46, productId: null, productQty: 1, uomId: 1, sequence: 0, companyId: null, active: true },
      ],
      lines: [
        { id: 1, bomId: 2, productId: 46, productQty: 1, uomId: 1 },
        { id: 2, bomId: 2, productId: 47, productQty: 4, uomId: 1 },
        { id: 3, bomId: 2, productId: 48, productQty: 4, uomId: 1 },
        { id: 4, bomId: 2, productId: 49, productQty: 10, uomId: 1 },
        { id: 5, bomId: 3, productId: 53, productQty: 2, uomId: 1 },
      ],
      operations: [
        { id: 1, bomId: 2, workcenterId: 1, timeMode: 'manual', timeCycleManual: 60, timeCycle: 60 },
        { id: 2, bomId: 3, workcenterId: 1, timeMode: 'manual', timeCycleManual: 60, timeCycle: 60 },
      ],
      workcenters: [{ id: 1, costsHour: 40, timeEfficiency: 100, timeStart: 0, timeStop: 0 }],
    });
    expect(r.get(46)?.newCost).toBe(200);
    expect(r.get(45)?.newCost).toBe(283);
  });
});
