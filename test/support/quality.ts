/**
 * Helpers for the quality tests: an app + runner over the quality jobs on the real PostgreSQL,
 * pointed at an Odoo test server seeded with a lot-tracked product (Drawer, FURN_8855) whose lots
 * sit in WH/Stock and WH/Stock/Shelf 1, the quarantine location set up, and files dropped into
 * <inbox>/quality.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../../core/config.ts';
import { qualitySettings } from '../../core/config/quality.ts';
import { OdooClient } from '../../core/odoo/index.ts';
import { odooOptionsFromConfig } from '../../core/odoo/config.ts';
import { qualityApplyJob } from '../../jobs/quality/quality-apply.ts';
import { qualityImportJob } from '../../jobs/quality/quality-import.ts';
import { setupQuarantine } from '../../jobs/quality/setup.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { odooEnv } from './inventory.ts';
import { type OdooTestServer, seedLotStock } from './odoo/index.ts';
import { type TestApp, testApp } from './staging.ts';

export const STOCK = 8; // WH/Stock
export const SHELF1 = 18; // WH/Stock/Shelf 1
export const CUSTOMERS = 5;
export const DELIVERY_TYPE = 2;

export interface QualityHarness {
  app: TestApp;
  runner: Runner;
  server: OdooTestServer;
  client: OdooClient;
  productId: number;
  lotIds: Map<string, number>;
  quarantineId: number;
  /** <inbox>/quality */
  root: string;
  close(): Promise<void>;
}

/** Drawer lots: L-029 (80, oldest: FIFO takes it first), L-030 (63), L-031 (40) in WH/Stock, L-031 also 5 on Shelf 1. */
export const DRAWER_LOTS = [
  ['L-029', STOCK, 80],
  ['L-030', STOCK, 63],
  ['L-031', STOCK, 40],
  ['L-031', SHELF1, 5],
] as const;

export async function qualityHarness(
  name: string,
  server: OdooTestServer,
  extraEnv: Env = {},
  quality: Record<string, unknown> = {},
): Promise<QualityHarness> {
  const env: Env = {
    MFG_ETL_TIMEZONE: 'Europe/Berlin',
    MFG_ETL_LOG_LEVEL: 'info',
    MFG_ETL_INBOX_SETTLE_SECONDS: '0',
    ...odooEnv(server),
    ...extraEnv,
  };
  const app = await testApp(name, env, { quality });
  const registry = createRegistry([qualityImportJob, qualityApplyJob]);
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
  const root = path.join(app.config.inbox, 'quality');
  fs.mkdirSync(root, { recursive: true });
  const seeded = seedLotStock(server.store, { code: 'FURN_8855', name: 'Drawer', price: 25 }, DRAWER_LOTS);
  const client = new OdooClient(odooOptionsFromConfig(app.config)!, app.logger);
  const [setup] = await setupQuarantine(client, qualitySettings(app.config), ['WH']);
  return {
    app,
    runner,
    server,
    client,
    productId: seeded.productId,
    lotIds: seeded.lotIds,
    quarantineId: setup!.locationId,
    root,
    async close() {
      client.close();
      try {
        await runner.stop();
      } finally {
        await app.cleanup();
      }
    },
  };
}

/** Quantity of a lot per location id (non-zero quants only). */
export function lotStock(h: QualityHarness, lot: string): Record<number, number> {
  const out: Record<number, number> = {};
  for (const q of h.server.store.all('stock.quant')) {
    if (q.lot_id !== h.lotIds.get(lot) || Number(q.quantity) === 0) continue;
    out[Number(q.location_id)] = (out[Number(q.location_id)] ?? 0) + Number(q.quantity);
  }
  return out;
}

/** A delivery of `qty` Drawers from WH/Stock, confirmed and reserved (as 144-146 / 139-141). */
export async function reservedDelivery(h: QualityHarness, qty: number): Promise<{ id: number; name: string }> {
  const created = await h.client.create('stock.picking', {
    picking_type_id: DELIVERY_TYPE,
    location_id: STOCK,
    location_dest_id: CUSTOMERS,
    origin: 'QC hold test',
    move_ids: [
      [
        0,
        0,
        {
          ...(h.server.version >= 19 ? {} : { name: 'Drawer' }),
          product_id: h.productId,
          product_uom_qty: qty,
          product_uom: 1,
          location_id: STOCK,
          location_dest_id: CUSTOMERS,
        },
      ],
    ],
  });
  const id = Array.isArray(created) ? created[0]! : created;
  await h.client.callAction('stock.picking', 'action_confirm', [id]);
  await h.client.callAction('stock.picking', 'action_assign', [id]);
  const [p] = await h.client.read('stock.picking', [id], ['name']);
  return { id, name: String(p!.name) };
}

/** Reserved quantity per lot name on a picking's move lines. */
export function reservedByLot(h: QualityHarness, pickingId: number): Record<string, number> {
  const names = new Map([...h.lotIds].map(([n, id]) => [id, n]));
  const out: Record<string, number> = {};
  for (const l of h.server.store.all('stock.move.line')) {
    if (l.picking_id !== pickingId) continue;
    const name = names.get(Number(l.lot_id)) ?? String(l.lot_id);
    out[name] = (out[name] ?? 0) + Number(l.quantity);
  }
  return out;
}

export function dropQualityFile(h: QualityHarness, name: string, content: string): string {
  const file = path.join(h.root, name);
  fs.writeFileSync(file, content);
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
  return file;
}
