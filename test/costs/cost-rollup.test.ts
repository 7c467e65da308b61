/**
 * cost-rollup end to end on the real PostgreSQL: master data written into the md_ tables, the
 * job run through the real Runner, the staged lines, checkpoints and batch states checked
 * against figures worked out by hand (and against the TypeScript reference rollup).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { costRollupJob } from '../../jobs/costs/cost-rollup.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { getBatch, listCheckpoints } from '../../load/staging/batches.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { generateCostData, insertCostData } from '../../bench/support/cost-data.ts';
import { referenceRollup } from '../../transform/costs/index.ts';
import { CostFixture, DOZENS, G, KG, lineOf, type Row, UNITS } from './cost-fixtures.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
let runner: Runner;
let md: CostFixture;

const rollup = async (params: Record<string, unknown> = {}): Promise<JobRun> => {
  const run = await runner.runNow('cost-rollup', { report: false, force: true, ...params });
  if (run.status !== 'succeeded') throw new Error(`cost-rollup ${run.status}: ${JSON.stringify(run.error)}`);
  return run;
};
const batchOf = (run: JobRun) => Number(run.stats.batchId);
const line = (run: JobRun, code: string) => lineOf(app.db.knex, batchOf(run), code);
const checkpoint = async (run: JobRun, name: string) => (await listCheckpoints(app.db.knex, batchOf(run))).find((c) => c.name === name)!;
const setCosts = (costs: Record<string, unknown>) => {
  (app.config.file as Row).costs = costs;
};

beforeAll(async () => {
  app = await testApp('costrollup', { MFG_ETL_ODOO_COMPANY: '1' });
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([costRollupJob]) });
  await runner.start();
  md = new CostFixture(app.db.knex);
});
afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
});
beforeEach(async () => {
  setCosts({});
  await md.reset();
});

/** Odoo's demo Table: Table Top (2 Wood Panels + 60 min), 4 legs, 4 bolts, 10 screws + 60 min. */
async function tableData(): Promise<void> {
  await md.products(
    { id: 45, code: 'FURN_9666', price: 290 },
    { id: 46, code: 'FURN_8522', price: 240 },
    { id: 47, code: 'FURN_2333', price: 10 },
    { id: 48, code: 'CONS_89957', price: 0.5 },
    { id: 49, code: 'CONS_25630', price: 0.1 },
    { id: 53, code: 'FURN_7023', price: 80 },
  );
  await md.workcenter(1, { costsHour: 40 });
  await md.bom({
    id: 2,
    product: null,
    tmpl: 45,
    lines: [
      [46, 1],
      [47, 4],
      [48, 4],
      [49, 10],
    ],
    ops: [{ workcenter: 1, minutes: 60 }],
  });
  await md.bom({ id: 3, product: null, tmpl: 46, lines: [[53, 2]], ops: [{ workcenter: 1, minutes: 60 }] });
}

describe('cost-rollup', () => {
  it('rolls up several levels with sub-assemblies: Table Top 200, Table 283 as Odoo', async () => {
    await tableData();
    const run = await rollup();
    expect(run.stats).toMatchObject({ products: 2, costed: 2, maxLevel: 1, status: 'validated' });
    const top = await line(run, 'FURN_8522');
    // levels count up from the bottom: made from bought parts only → 0
    expect(top).toMatchObject({
      kind: 'manufactured',
      level: 0,
      bom_id: 3,
      material_cost: 160,
      operation_cost: 40,
      new_cost: 200,
      current_cost: 240,
      delta: -40,
    });
    const table = await line(run, 'FURN_9666');
    // the sub-assembly at its rolled-up 200, not its stored 240
    expect(table).toMatchObject({ level: 1, material_cost: 243, purchased_material: 43, operation_cost: 40, new_cost: 283, delta: -7 });
    // through all levels: purchased material 4×10 + 4×0.5 + 10×0.1 + 2×80 = 203, operations 40 + 40
    expect(table).toMatchObject({ material_rolled: 203, operation_rolled: 80, overhead_rolled: 0 });
    expect(Number(table.delta_pct)).toBeCloseTo(-2.4138, 3);
    // approval defaults to manual: finance approves
    expect((await getBatch(app.db.knex, batchOf(run))).status).toBe('validated');
  });

  it('explodes kits into their components and operations at the level that uses them', async () => {
    await md.products(
      { id: 1, code: 'SET', price: 0 },
      { id: 2, code: 'KIT', price: 0 },
      { id: 3, code: 'PART-A', price: 5 },
      { id: 4, code: 'PART-B', price: 2 },
      { id: 5, code: 'PART-C', price: 1.25 },
    );
    await md.workcenter(1, { costsHour: 30 });
    await md.bom({
      id: 10,
      product: 1,
      lines: [
        [2, 2],
        [3, 1],
      ],
    });
    await md.bom({
      id: 11,
      product: 2,
      kit: true,
      lines: [
        [4, 3],
        [5, 1],
      ],
      ops: [{ workcenter: 1, minutes: 10 }],
    });
    const run = await rollup();
    const set = await line(run, 'SET');
    // 5 + 2 × (3×2 + 1.25) = 19.5 material, all purchased; kit operations 2 × 10 min at 30/h = 10
    expect(set).toMatchObject({ material_cost: 19.5, purchased_material: 19.5, operation_cost: 10, new_cost: 29.5, level: 0 });
    const kit = await line(run, 'KIT');
    expect(kit).toMatchObject({ kind: 'kit', new_cost: 12.25, operation_cost: 5 });
    // the kit is no component of SET in the costing graph: SET sits right above the parts
    expect(run.stats.maxLevel).toBe(0);
  });

  it('converts units: dozens vs units, g vs kg, a BoM made in dozens', async () => {
    await md.products(
      { id: 1, code: 'BOX', price: 0 },
      { id: 2, code: 'SCREW', price: 0.1 },
      { id: 3, code: 'STEEL', price: 4, uom: KG },
      { id: 4, code: 'WASHER', price: 0.6, uom: DOZENS },
    );
    // one BoM makes 1 dozen boxes: 2 dozen screws (24 × 0.1), 500 g of steel (0.5 kg × 4), 6 washers (½ dozen × 0.6)
    await md.bom({
      id: 20,
      product: 1,
      qty: 1,
      uom: DOZENS,
      lines: [
        [2, 2, DOZENS],
        [3, 500, G],
        [4, 6, UNITS],
      ],
    });
    const run = await rollup();
    // washers: 6 units of a product kept in dozens = 0.5 dozen × 0.6 = 0.3; total 2.4 + 2 + 0.3 = 4.7 per dozen boxes
    const box = await line(run, 'BOX');
    expect(Number(box.material_cost)).toBeCloseTo(4.7 / 12, 6);
    expect(box.new_cost).toBe(0.39);
  });

  it('divides by a BoM quantity other than one, operations included', async () => {
    await md.products({ id: 1, code: 'BATCH', price: 0 }, { id: 2, code: 'RESIN', price: 2.5 });
    await md.workcenter(1, { costsHour: 40 });
    await md.bom({ id: 30, product: 1, qty: 4, lines: [[2, 4]], ops: [{ workcenter: 1, minutes: 60 }] });
    const run = await rollup();
    // (4 × 2.5 + 60 min × 40/h) / 4 = (10 + 40) / 4
    expect(await line(run, 'BATCH')).toMatchObject({ material_cost: 2.5, operation_cost: 10, new_cost: 12.5, bom_qty: 4 });
  });

  it('costs operations by time mode and efficiency, with setup and cleanup amortised over the BoM quantity', async () => {
    await md.products({ id: 1, code: 'MACHINED', price: 0 }, { id: 2, code: 'BAR', price: 1 });
    await md.workcenter(1, { costsHour: 60, efficiency: 80, start: 15, stop: 15 });
    await md.workcenter(2, { costsHour: 30 });
    // manual: 24 min / 80 % = 30 min; + 30 min setup and cleanup (not divided by the efficiency) → 1 h × 60
    // auto: Odoo's computed 20 min is used (not the manual 90) → 20 min × 30/h = 10
    await md.bom({
      id: 40,
      product: 1,
      qty: 10,
      lines: [[2, 10]],
      ops: [
        { workcenter: 1, minutes: 24 },
        { workcenter: 2, minutes: 90, mode: 'auto', computed: 20 },
      ],
    });
    const run = await rollup();
    // per unit: (60 + 10) / 10 = 7 operations, 1 material
    expect(await line(run, 'MACHINED')).toMatchObject({ operation_cost: 7, material_cost: 1, new_cost: 8 });
  });

  it('adds overhead per category (sub-categories inherit), on purchased material and operations of each level', async () => {
    await md.categories(
      { id: 7, name: 'Finished', complete: 'All / Finished' },
      { id: 8, name: 'Desks', parent: 7, complete: 'All / Finished / Desks' },
      { id: 9, name: 'Parts', complete: 'All / Parts' },
    );
    await md.products(
      { id: 1, code: 'DESK', price: 0, categ: 8 },
      { id: 2, code: 'FRAME', price: 0, categ: 7 },
      { id: 3, code: 'TUBE', price: 25, categ: 9 },
      { id: 4, code: 'GLUE', price: 10, categ: 9 },
    );
    await md.workcenter(1, { costsHour: 60 });
    await md.bom({ id: 50, product: 2, lines: [[3, 4]], ops: [{ workcenter: 1, minutes: 20 }] });
    await md.bom({
      id: 51,
      product: 1,
      lines: [
        [2, 2],
        [4, 1],
      ],
    });
    setCosts({ overhead: { 'All / Finished': 10, Parts: 50 } });
    const run = await rollup();
    // FRAME: 100 material + 20 operations, overhead 10 % of 120 = 12 → 132
    expect(await line(run, 'FRAME')).toMatchObject({
      material_cost: 100,
      operation_cost: 20,
      overhead_pct: 10,
      overhead_cost: 12,
      new_cost: 132,
    });
    // DESK (inherits 10 %): 2 × 132 + 10 glue; overhead only on its own purchased material (10) → 1
    const desk = await line(run, 'DESK');
    expect(desk).toMatchObject({ material_cost: 274, purchased_material: 10, overhead_cost: 1, new_cost: 275 });
    expect(desk).toMatchObject({ material_rolled: 210, operation_rolled: 40, overhead_rolled: 25 });
    setCosts({ overhead: { 'All / Finished': 10 }, overheadBase: 'operations' });
    const ops = await rollup();
    expect(await line(ops, 'FRAME')).toMatchObject({ overhead_cost: 2, new_cost: 122 });
  });

  it("chooses the BoM Odoo would: lowest sequence, then the variant's own before the template's, shared or own company", async () => {
    await md.products(
      { id: 1, code: 'VAR-RED', tmpl: 100, price: 0 },
      { id: 2, code: 'VAR-BLUE', tmpl: 100, price: 0 },
      { id: 3, code: 'P1', price: 1 },
      { id: 4, code: 'P2', price: 2 },
    );
    await md.products(
      { id: 5, code: 'P3', price: 3 },
      { id: 6, code: 'P4', price: 4 },
      { id: 7, code: 'OTHER', price: 0 },
      { id: 8, code: 'P5', price: 5 },
    );
    await md.bom({ id: 60, product: null, tmpl: 100, sequence: 1, lines: [[3, 1]] }); // template BoM
    await md.bom({ id: 61, product: 1, tmpl: 100, sequence: 1, lines: [[4, 1]] }); // RED's own, same sequence: wins
    await md.bom({ id: 62, product: 2, tmpl: 100, sequence: 5, lines: [[5, 1]] }); // BLUE's own, higher sequence: the template wins
    await md.bom({ id: 63, product: 7, sequence: 0, company: 2, lines: [[6, 1]] }); // another company's: not visible
    await md.bom({ id: 64, product: 7, sequence: 3, company: 1, lines: [[8, 1]] });
    await md.bom({ id: 65, product: 7, sequence: 3, company: null, lines: [[3, 1]] }); // same sequence, newer id: loses
    const run = await rollup();
    expect(await line(run, 'VAR-RED')).toMatchObject({ bom_id: 61, new_cost: 2 });
    expect(await line(run, 'VAR-BLUE')).toMatchObject({ bom_id: 60, new_cost: 1 });
    expect(await line(run, 'OTHER')).toMatchObject({ bom_id: 64, new_cost: 5 });
  });

  it('finds BoM cycles, lists their path and rejects the batch; what sits above is not costed', async () => {
    await md.products(
      { id: 1, code: 'CYC-A', price: 1 },
      { id: 2, code: 'CYC-B', price: 1 },
      { id: 3, code: 'CYC-C', price: 1 },
      { id: 4, code: 'TOP', price: 1 },
      { id: 5, code: 'OK', price: 1 },
      { id: 6, code: 'RAW', price: 3 },
    );
    await md.products({ id: 7, code: 'KIT-1', price: 0 }, { id: 8, code: 'KIT-2', price: 0 });
    await md.bom({ id: 70, product: 1, lines: [[2, 1]] });
    await md.bom({
      id: 71,
      product: 2,
      lines: [
        [3, 1],
        [6, 1],
      ],
    });
    await md.bom({ id: 72, product: 3, lines: [[1, 2]] });
    await md.bom({ id: 73, product: 4, lines: [[1, 1]] });
    await md.bom({ id: 74, product: 5, lines: [[6, 2]] });
    await md.bom({ id: 75, product: 7, kit: true, lines: [[8, 1]] });
    await md.bom({
      id: 76,
      product: 8,
      kit: true,
      lines: [
        [7, 1],
        [6, 1],
      ],
    });
    const run = await rollup();
    expect(run.stats.status).toBe('rejected');
    const cycles = await checkpoint(run, 'bom_cycles');
    expect(cycles).toMatchObject({ severity: 'error', passed: false });
    expect(cycles.measured.paths).toEqual(expect.arrayContaining(['CYC-A → CYC-B → CYC-C → CYC-A', 'KIT-1 → KIT-2 → KIT-1']));
    expect(cycles.message).toContain('CYC-A → CYC-B → CYC-C → CYC-A');
    expect(await line(run, 'TOP')).toMatchObject({ new_cost: null, writable: false });
    expect(String((await line(run, 'TOP')).note)).toContain('above a BoM cycle');
    expect((await line(run, 'CYC-B')).note).toBe('not costed: in the BoM cycle CYC-A → CYC-B → CYC-C → CYC-A');
    expect((await line(run, 'KIT-2')).note).toBe('not costed: in the BoM cycle KIT-1 → KIT-2 → KIT-1');
    expect(await line(run, 'OK')).toMatchObject({ new_cost: 6 });
    expect((await getBatch(app.db.knex, batchOf(run))).status).toBe('rejected');
  });

  it('reports components without a cost: an error by default, a warning (costed at 0) when configured', async () => {
    await md.products(
      { id: 1, code: 'ASSY', price: 10 },
      { id: 2, code: 'FREE', price: 0 },
      { id: 3, code: 'NULL', price: null },
      { id: 4, code: 'PAID', price: 4 },
    );
    await md.bom({
      id: 80,
      product: 1,
      lines: [
        [2, 1],
        [3, 1],
        [4, 2],
      ],
    });
    const strict = await rollup();
    const missing = await checkpoint(strict, 'missing_cost');
    expect(missing).toMatchObject({ severity: 'error', passed: false });
    expect(missing.measured.components).toBe(2);
    expect(missing.message).toMatch(/FREE \(used by ASSY\)/);
    expect(strict.stats.status).toBe('rejected');

    setCosts({ checkpoints: { missing_cost: { severity: 'warning' } }, approval: 'auto-unless-warnings' });
    const lenient = await rollup();
    expect(lenient.stats.status).toBe('validated');
    expect(await line(lenient, 'ASSY')).toMatchObject({ new_cost: 8 });
    // a zero price is a real price when so configured
    setCosts({ zeroCostIsMissing: false, checkpoints: { missing_cost: { severity: 'warning' } } });
    const zeroOk = await rollup();
    expect((await checkpoint(zeroOk, 'missing_cost')).measured.components).toBe(1);
  });

  it('flags unit problems and operations without a workcenter instead of guessing', async () => {
    await md.products(
      { id: 1, code: 'MIXED', price: 1 },
      { id: 2, code: 'PAINT', price: 3, uom: KG },
      { id: 3, code: 'NOWC', price: 1 },
      { id: 4, code: 'BASE', price: 1 },
    );
    await md.bom({ id: 90, product: 1, lines: [[2, 2, DOZENS]] }); // kg bought per dozen: no conversion
    await md.bom({ id: 91, product: 3, lines: [[4, 1]], ops: [{ workcenter: 99, minutes: 5 }] });
    const run = await rollup();
    expect(await checkpoint(run, 'unit_conversion')).toMatchObject({ passed: false });
    expect((await checkpoint(run, 'unit_conversion')).message).toContain('MIXED line PAINT: unit_group');
    expect(await checkpoint(run, 'operation_data')).toMatchObject({ passed: false });
    expect(await line(run, 'MIXED')).toMatchObject({ new_cost: null });
    expect(await line(run, 'NOWC')).toMatchObject({ new_cost: null });
  });

  it('warns about big movers and notes FIFO / average products, whose cost is not written', async () => {
    await md.products(
      { id: 1, code: 'JUMP', price: 10 },
      { id: 2, code: 'AVG', price: 5, method: 'average' },
      { id: 3, code: 'PART', price: 20 },
    );
    await md.bom({ id: 100, product: 1, lines: [[3, 1]] });
    await md.bom({ id: 101, product: 2, lines: [[3, 0.25]] });
    setCosts({ approval: 'auto' });
    const run = await rollup();
    const delta = await checkpoint(run, 'cost_delta');
    expect(delta).toMatchObject({ severity: 'warning', passed: false });
    expect(delta.measured.topMovers).toEqual([{ product: 'JUMP', current: 10, next: 20, deltaPct: 100 }]);
    const method = await checkpoint(run, 'cost_method');
    expect(method).toMatchObject({ passed: true, measured: expect.objectContaining({ products: 1 }) });
    expect(method.message).toContain('AVG (average)');
    expect(await line(run, 'AVG')).toMatchObject({ writable: false, new_cost: 5 });
    // policy auto: warnings do not hold the batch
    expect(run.stats.status).toBe('approved');
  });

  it('makes no new batch when nothing changed, unless forced', async () => {
    await tableData();
    const first = await rollup();
    const again = await runner.runNow('cost-rollup', { report: false });
    expect(again.stats).toMatchObject({ unchanged: true, sameAsBatchId: batchOf(first) });
    await app.db.knex('md_products').where({ odoo_id: 47 }).update({ standard_price: 11 });
    const changed = await rollup({ force: false });
    expect(batchOf(changed)).toBeGreaterThan(batchOf(first));
    expect(await line(changed, 'FURN_9666')).toMatchObject({ new_cost: 287 });
  });

  it('a rollup that changes nothing says so and leaves no batch waiting for approval', async () => {
    await tableData();
    await app.db.knex('md_products').where({ odoo_id: 46 }).update({ standard_price: 200 });
    await app.db.knex('md_products').where({ odoo_id: 45 }).update({ standard_price: 283 });
    const before = Number(((await app.db.knex('batches').where({ kind: 'cost_rollup' }).max('id as id').first()) as Row).id ?? 0);
    const run = await runner.runNow('cost-rollup', { report: false });
    expect(run.status).toBe('succeeded');
    expect(run.stats).toMatchObject({ unchanged: true, nothingChanged: true, products: 2, costed: 2 });
    expect(String(run.stats.note)).toMatch(/^nothing changed/);
    expect(run.stats.batchId).toBeUndefined();
    const after = await app.db.knex('batches').where({ kind: 'cost_rollup' }).where('id', '>', before).count('* as n').first();
    expect(Number((after as Row).n)).toBe(0);
    // forced: a batch all the same
    expect(Number((await rollup()).stats.batchId)).toBeGreaterThan(before);
  });

  it('agrees with a straightforward recursive rollup on a generated structure (kits, units, several BoMs)', async () => {
    await app.db.knex.raw('truncate md_products, md_boms, md_bom_lines, md_bom_operations, md_workcenters, md_product_categories, md_uoms');
    const data = generateCostData({ products: 900, levels: 5, bomLines: 4000, seed: 11, kitShare: 0.15, secondBomShare: 0.2 });
    await insertCostData(app.db.knex, data);
    const run = await rollup();
    const ref = referenceRollup(data);
    const sql = new Map(
      (
        (await app.db
          .knex('cost_rollup_lines')
          .where({ batch_id: batchOf(run) })
          .select('product_id', 'new_cost', 'kind')) as Row[]
      ).map((r) => [Number(r.product_id), r]),
    );
    expect(sql.size).toBe(ref.size);
    expect(run.stats).toMatchObject({ products: ref.size, costed: ref.size, maxLevel: 3 });
    expect([...sql.values()].filter((r) => r.kind === 'kit').length).toBeGreaterThan(10);
    const differ = [...ref].filter(([id, r]) => Number(sql.get(id)?.new_cost) !== r?.newCost);
    expect(differ).toEqual([]);
  });

  it('a dry run computes the checkpoints and keeps nothing', async () => {
    await tableData();
    const before = await app.db.knex('batches').count('* as n').first();
    const run = await runner.runNow('cost-rollup', { report: false, force: true }, { dryRun: true });
    expect(run.stats).toMatchObject({ dryRun: true, wouldBe: 'validated', products: 2, costed: 2 });
    expect(await app.db.knex('batches').count('* as n').first()).toEqual(before);
  });
});
