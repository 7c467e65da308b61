/**
 * The test server's supplier flow answers like the execution captures (18: XML-RPC 157-180,
 * 19: JSON-2 152-176), through the real client: create + button_confirm make a receipt whose move
 * lines hold the whole demand without lot; writing a line's date_planned moves only the open
 * moves' deadline (not the move date, not the receipt's scheduled date, not the order's date);
 * move_line_ids commands with lot_id / lot_name are taken and the move reads partially available;
 * a lot of another product is refused with the version's message; 19 refuses product_uom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdooClient, OdooError } from '../../core/odoo/index.ts';
import { startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';
import { captureLogger } from '../support/staging.ts';

describe.each([18, 19] as const)('purchase and receipts on the test server as Odoo %i', (version) => {
  let server: OdooTestServer;
  let client: OdooClient;
  let po: number;
  let lines: number[];
  let picking: number;
  let caseBlack: number;
  const panel = () => server.records('product.product', [['default_code', '=', 'FURN_7023']])[0]!.id;
  const uom = version >= 19 ? 'product_uom_id' : 'product_uom';

  beforeAll(async () => {
    server = await startOdooTestServer({ version });
    const logger = captureLogger([], 'error');
    client = new OdooClient({ url: server.url, db: server.db, user: 'admin', apiKey: server.adminApiKey }, logger);
    caseBlack = server.create('product.product', {
      default_code: 'FURN_5623',
      name: 'Drawer Case Black',
      is_storable: true,
      tracking: 'lot',
    });
    const vendor = server.create('res.partner', { name: 'Wood Corner' });
    // 160 / 156
    po = await client.create('purchase.order', {
      partner_id: vendor,
      order_line: [
        [0, 0, { product_id: caseBlack, product_qty: 10, price_unit: 25.0, date_planned: '2026-12-12 16:03:52' }],
        [0, 0, { product_id: panel(), product_qty: 5, price_unit: 10.0, date_planned: '2026-12-12 16:03:52' }],
      ],
    });
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  it('confirms the order with True and makes a receipt whose move lines hold the demand, no lot (161-169 / 157-165)', async () => {
    expect(await client.callAction('purchase.order', 'button_confirm', [po])).toBe(true);
    const [order] = await client.read(
      'purchase.order',
      [po],
      ['name', 'state', 'picking_ids', 'order_line', 'date_planned', 'receipt_status'],
    );
    expect(order).toMatchObject({ name: 'P00012', state: 'purchase', date_planned: '2026-12-12 16:03:52', receipt_status: 'pending' });
    lines = order!.order_line as number[];
    picking = (order!.picking_ids as number[])[0]!;
    const [receipt] = await client.read('stock.picking', [picking], ['name', 'state', 'scheduled_date', 'date_deadline', 'origin']);
    expect(receipt).toMatchObject({ name: 'WH/IN/00007', state: 'assigned', scheduled_date: '2026-12-12 16:03:52', origin: 'P00012' });
    const mls = await client.searchRead(
      'stock.move.line',
      [['picking_id', '=', picking]],
      ['product_id', 'lot_id', 'lot_name', 'quantity', 'picked', 'state'],
      { order: 'id asc' },
    );
    expect(mls.map((m) => [m.lot_id, m.lot_name, m.quantity, m.picked, m.state])).toEqual([
      [false, false, 10, false, 'assigned'],
      [false, false, 5, false, 'assigned'],
    ]);
  });

  it('moves only the open moves’ deadline when date_planned is written (165-168 / 161-164)', async () => {
    expect(await client.write('purchase.order.line', [lines[0]!], { date_planned: '2026-12-19 16:03:52' })).toBe(true);
    expect((await client.read('stock.picking', [picking], ['scheduled_date']))[0]!.scheduled_date).toBe('2026-12-12 16:03:52');
    const moves = await client.searchRead('stock.move', [['picking_id', '=', picking]], ['date', 'date_deadline', 'purchase_line_id'], {
      order: 'id asc',
    });
    expect(moves.map((m) => [m.date, m.date_deadline])).toEqual([
      ['2026-12-12 16:03:52', '2026-12-19 16:03:52'],
      ['2026-12-12 16:03:52', '2026-12-12 16:03:52'],
    ]);
    expect((moves[0]!.purchase_line_id as [number, string])[1]).toBe('[FURN_5623] Drawer Case Black');
    expect((await client.read('purchase.order', [po], ['date_planned']))[0]!.date_planned).toBe('2026-12-12 16:03:52');
  });

  it('takes an ASN as move_line_ids commands with lot_id and lot_name; the move reads partially available (171-173 / 167-169)', async () => {
    const lot = server.create('stock.lot', { name: 'ASN-LOT-A', product_id: caseBlack });
    const [move] = await client.searchRead('stock.move', [['purchase_line_id', '=', lines[0]!]], ['move_line_ids']);
    const line = (move!.move_line_ids as number[])[0]!;
    const ok = await client.write('stock.move', [move!.id], {
      move_line_ids: [
        [1, line, { lot_id: lot, quantity: 6 }],
        [0, 0, { lot_name: 'ASN-LOT-B', quantity: 2, product_id: caseBlack, location_id: 4, location_dest_id: 8, picking_id: picking }],
      ],
    });
    expect(ok).toBe(true);
    const mls = await client.searchRead('stock.move.line', [['move_id', '=', move!.id]], ['lot_id', 'lot_name', 'quantity', 'state'], {
      order: 'id asc',
    });
    expect(mls.map((m) => [m.lot_id === false ? false : (m.lot_id as [number, string])[1], m.lot_name, m.quantity, m.state])).toEqual([
      ['ASN-LOT-A', false, 6, 'partially_available'],
      [false, 'ASN-LOT-B', 2, 'partially_available'],
    ]);
    expect((await client.read('stock.picking', [picking], ['state']))[0]!.state).toBe('assigned');
  });

  it('refuses a lot of another product with the version’s message (096 / 091)', async () => {
    const other = server.create('stock.lot', { name: 'CAP-DRAWER-001', product_id: panel() });
    const [ml] = await client.searchRead('stock.move.line', [['product_id', '=', caseBlack]], ['id'], { limit: 1 });
    const err = await client.write('stock.move.line', [ml!.id], { lot_id: other }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OdooError);
    expect((err as Error).message).toContain(
      version >= 19
        ? 'The Lot/Serial number (CAP-DRAWER-001) is linked to another product.'
        : 'This lot CAP-DRAWER-001 is incompatible with this product [FURN_5623] Drawer Case Black',
    );
  });

  it(`reads the line's unit as ${uom}; ${version >= 19 ? 'the 18.0 name product_uom fails (153)' : 'product_uom is the 18.0 name'}`, async () => {
    const [line] = await client.read('purchase.order.line', [lines[1]!], [uom, 'qty_received', 'product_uom_qty']);
    expect(line).toMatchObject({ [uom]: [1, 'Units'], qty_received: 0, product_uom_qty: 5 });
    if (version >= 19) {
      const err = await client.read('purchase.order.line', [lines[1]!], ['product_uom']).catch((e: unknown) => e);
      expect((err as Error).message).toContain("Invalid field 'product_uom' on 'purchase.order.line'");
    }
  });
});
