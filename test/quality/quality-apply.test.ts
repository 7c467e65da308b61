/**
 * quality-apply against the test Odoo server answering like the execution captures (18 over
 * XML-RPC, 19 over JSON-2): a hold moves every quant of the lot into WH/Quarantine so a delivery
 * can no longer reserve it, unreserves a delivery that had it and names it, a release puts the
 * stock back where it came from, a scrap scraps it from quarantine, a second hold on the lot keeps
 * it held until both are released, and a lost answer after the transfer was validated (a crash
 * between the Odoo move and the ledger write) moves the stock once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qualitySettings } from '../../core/config/quality.ts';
import { receiveEvent } from '../../jobs/quality/intake.ts';
import { getEvent, listOpenHolds } from '../../load/quality/staging.ts';
import { type OdooTestServer, startOdooTestServer } from '../support/odoo/index.ts';
import { lotStock, type QualityHarness, qualityHarness, reservedByLot, reservedDelivery, SHELF1, STOCK } from '../support/quality.ts';

async function stage(h: QualityHarness, body: Record<string, unknown>) {
  const out = await receiveEvent(
    { db: h.app.db.knex, client: h.client, settings: qualitySettings(h.app.config) },
    { product: 'FURN_8855', warehouse: 'WH', reason: 'porosity', ...body },
    { source: 'test', receivedAt: new Date() },
  );
  expect(out.status, JSON.stringify(out)).toBe('staged');
  return (out as { id: number }).id;
}

async function apply(h: QualityHarness) {
  const run = await h.runner.runNow('quality-apply', {});
  expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
  return run.stats;
}

for (const version of [18, 19] as const) {
  describe(`quality holds on Odoo ${version}`, () => {
    let server: OdooTestServer;
    let h: QualityHarness;
    beforeAll(async () => {
      server = await startOdooTestServer({ version });
      h = await qualityHarness(`quality-apply-${version}`, server);
    });
    afterAll(async () => {
      await h?.close();
      await server?.close();
    });

    it('setup made WH/Quarantine beside WH/Stock, not inside it', () => {
      const loc = server.store.get('stock.location', h.quarantineId)!;
      expect(loc.location_id).toBe(7); // WH (view)
      expect(server.store.display('stock.location', h.quarantineId)).toBe('WH/Quarantine');
    });

    it('a hold unreserves the delivery that had the lot, names it, and moves every quant of the lot into quarantine', async () => {
      // FIFO: a delivery of 90 reserves all of L-029 (80) and 10 of L-030
      const delivery = await reservedDelivery(h, 90);
      expect(reservedByLot(h, delivery.id)).toEqual({ 'L-029': 80, 'L-030': 10 });
      const id = await stage(h, { nonconformance: 'NC-1', action: 'hold', lots: ['L-030'] });
      const stats = await apply(h);
      expect(stats.applied).toBe(1);
      expect(lotStock(h, 'L-030')).toEqual({ [h.quarantineId]: 63 });
      const event = await getEvent(h.app.db.knex, id);
      expect(event?.status).toBe('applied');
      expect(event?.result?.unreserved).toEqual([{ model: 'stock.picking', id: delivery.id, name: delivery.name }]);
      // the delivery reserved again, from what is not held
      const after = reservedByLot(h, delivery.id);
      expect(after['L-030'] ?? 0).toBe(0);
      expect(after['L-029']).toBe(80);
      const [hold] = await listOpenHolds(h.app.db.knex);
      expect(hold).toMatchObject({ nonconformance: 'NC-1', quantity: 63, value: 63 * 25, lots: ['L-030'] });
      expect(hold!.blocked.map((b) => b.name)).toEqual([delivery.name]);
      expect(hold!.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it('a held lot cannot be reserved by a delivery afterwards', async () => {
      const delivery = await reservedDelivery(h, 200);
      // all that is free: L-031 (45 at WH/Stock and Shelf 1, 10 of it reserved by the first delivery); none of L-030
      expect(reservedByLot(h, delivery.id)).toEqual({ 'L-031': 35 });
    });

    it('a dry run with Odoo applies nothing and lists the waiting event', async () => {
      const id = await stage(h, { nonconformance: 'NC-2', action: 'hold', lots: ['L-031'] });
      const before = lotStock(h, 'L-031');
      const run = await h.runner.runNow('quality-apply', {}, { dryRun: true });
      expect(run).toMatchObject({ status: 'succeeded', dryRun: true });
      expect((run.stats.summary as string[])[0]).toBe('DRY RUN: 1 quality event(s) waiting to be applied (1 hold); nothing applied');
      expect(lotStock(h, 'L-031')).toEqual(before);
      expect((await getEvent(h.app.db.knex, id))?.status).toBe('staged');
    });

    it('a hold of a lot at two locations moves both, one transfer each, and release puts each back where it came from', async () => {
      // (NC-2's hold was staged by the dry run above)
      await apply(h);
      expect(lotStock(h, 'L-031')).toEqual({ [h.quarantineId]: 45 });
      await stage(h, { nonconformance: 'NC-2', action: 'release', lots: ['L-031'] });
      await apply(h);
      expect(lotStock(h, 'L-031')).toEqual({ [STOCK]: 40, [SHELF1]: 5 });
    });

    it('a lot held by two nonconformances stays in quarantine until both are released', async () => {
      await stage(h, { nonconformance: 'NC-3', action: 'hold', lots: ['L-030'] });
      await apply(h);
      await stage(h, { nonconformance: 'NC-1', action: 'release', lots: ['L-030'] });
      await apply(h);
      expect(lotStock(h, 'L-030')).toEqual({ [h.quarantineId]: 63 });
      await stage(h, { nonconformance: 'NC-3', action: 'release', lots: ['L-030'] });
      await apply(h);
      expect(lotStock(h, 'L-030')).toEqual({ [STOCK]: 63 });
      expect((await listOpenHolds(h.app.db.knex)).map((x) => x.nonconformance)).toEqual([]);
    });

    it('a release for a hold that does not exist, an unknown lot and more than on hand are refused with the reason', async () => {
      const receive = (body: Record<string, unknown>) =>
        receiveEvent(
          { db: h.app.db.knex, client: h.client, settings: qualitySettings(h.app.config) },
          { product: 'FURN_8855', warehouse: 'WH', ...body },
          { source: 'test', receivedAt: new Date() },
        );
      expect(await receive({ nonconformance: 'NC-404', action: 'release', lots: ['L-030'] })).toMatchObject({
        status: 'invalid',
        problems: ['there is no hold for nonconformance NC-404 to release'],
      });
      expect(await receive({ nonconformance: 'NC-9', action: 'hold', lots: ['L-999'] })).toMatchObject({
        status: 'invalid',
        problems: ['unknown lot "L-999" of product FURN_8855'],
      });
      const over = await receive({ nonconformance: 'NC-9', action: 'hold', lots: ['L-030'], quantity: 64 });
      expect(over).toMatchObject({ status: 'invalid' });
      expect((over as { problems: string[] }).problems[0]).toMatch(/quantity 64 is more than the 63 on hand/);
      expect(await receive({ nonconformance: 'NC-9', action: 'hold', lots: ['L-030'], location: 'WH/Nowhere' })).toMatchObject({
        status: 'invalid',
        problems: ['unknown location "WH/Nowhere" (no internal location with that full name in warehouse WH)'],
      });
    });

    it('a crash between the Odoo move and the ledger write moves the stock once', async () => {
      await stage(h, { nonconformance: 'NC-5', action: 'hold', lots: ['L-031'], location: 'WH/Stock/Shelf 1' });
      // button_validate commits, then the connection drops: the attempt fails after Odoo moved the stock;
      // the retry finds the done transfer by its origin instead of moving the stock again
      server.knobs.loseResponse(1, { model: 'stock.picking', method: 'button_validate' });
      const validates = server.calls('stock.picking', 'button_validate').length;
      const run = await h.runner.runNow('quality-apply', {});
      expect(run.status).toBe('succeeded');
      expect(run.attempt).toBe(2); // the first attempt failed on the lost answer
      expect(lotStock(h, 'L-031')).toEqual({ [STOCK]: 40, [h.quarantineId]: 5 });
      expect(server.calls('stock.picking', 'button_validate').length).toBe(validates + 1);
      expect(server.store.all('stock.picking').filter((p) => String(p.origin).includes('NC-5'))).toHaveLength(1);
      const [line] = await h.app.db.knex('quality_hold_lines').where({ nonconformance: 'NC-5' });
      expect(Number(line.quantity)).toBe(5);
      const [ledger] = await h.app.db.knex('load_ledger').where('business_key', 'like', 'quality/NC-5/%').count({ n: '*' });
      expect(Number(ledger!.n)).toBe(1);
    });

    it('a scrap scraps the held lot from quarantine and closes the hold', async () => {
      await stage(h, { nonconformance: 'NC-5', action: 'scrap', lots: ['L-031'] });
      await apply(h);
      expect(lotStock(h, 'L-031')).toEqual({ [STOCK]: 40 });
      const scraps = server.store.all('stock.scrap');
      expect(scraps.at(-1)).toMatchObject({ state: 'done', location_id: h.quarantineId, scrap_qty: 5 });
      expect((await listOpenHolds(h.app.db.knex)).map((x) => x.nonconformance)).toEqual([]);
    });
  });
}
