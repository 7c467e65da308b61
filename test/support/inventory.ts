/**
 * Helpers for the inventory job tests: an app + runner over the inventory jobs (and
 * masterdata-sync) on the real PostgreSQL, optionally pointed at an Odoo test server; count files
 * dropped into <inbox>/counts; runs that must succeed; readers for lines and reports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Env } from '../../core/config.ts';
import { countImportJob } from '../../jobs/inventory/count-import.ts';
import { inventoryAdjustJob } from '../../jobs/inventory/inventory-adjust.ts';
import { inventoryReconciliationJob, inventoryReconciliationMonthEndJob } from '../../jobs/inventory/inventory-reconciliation.ts';
import { masterdataSyncJob } from '../../jobs/masterdata/masterdata-sync.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import type { OdooTestServer } from './odoo/index.ts';
import { type TestApp, testApp } from './staging.ts';

export const DEMO_MASTERDATA_SQL = fileURLToPath(new URL('../../sql/demo/masterdata.sql', import.meta.url));
export const DEMO_LOCATIONS_SQL = fileURLToPath(new URL('../../sql/demo/locations.sql', import.meta.url));

export interface InventoryHarness {
  app: TestApp;
  runner: Runner;
  /** <inbox>/counts */
  root: string;
  close(): Promise<void>;
}

export function odooEnv(server: OdooTestServer): Env {
  return { MFG_ETL_ODOO_URL: server.url, MFG_ETL_ODOO_DB: server.db, MFG_ETL_ODOO_USER: 'admin', MFG_ETL_ODOO_API_KEY: server.adminApiKey };
}

/** A test app (plant time zone Europe/Berlin unless given) with a started runner over the inventory jobs. */
export async function inventoryHarness(name: string, extraEnv: Env = {}, configFile?: Record<string, unknown>): Promise<InventoryHarness> {
  const env: Env = { MFG_ETL_TIMEZONE: 'Europe/Berlin', MFG_ETL_LOG_LEVEL: 'info', MFG_ETL_INBOX_SETTLE_SECONDS: '0', ...extraEnv };
  const app = await testApp(name, env, configFile);
  const registry = createRegistry([
    masterdataSyncJob,
    countImportJob,
    inventoryReconciliationJob,
    inventoryReconciliationMonthEndJob,
    inventoryAdjustJob,
  ]);
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
  const root = path.join(app.config.inbox, 'counts');
  fs.mkdirSync(root, { recursive: true });
  return {
    app,
    runner,
    root,
    async close() {
      try {
        await runner.stop();
      } finally {
        await app.cleanup();
      }
    },
  };
}

/** The demo master data: units, warehouses P01/P02, products 101–204, locations and categories. */
export async function loadDemoMasterData(app: TestApp): Promise<void> {
  await app.db.knex.raw(fs.readFileSync(DEMO_MASTERDATA_SQL, 'utf8'));
  await app.db.knex.raw(fs.readFileSync(DEMO_LOCATIONS_SQL, 'utf8'));
}

export type CountRow = {
  location: string;
  product: string;
  lot?: string;
  quantity: string | number;
  unit?: string;
  countedAt?: string;
  warehouse?: string;
};

/** A count CSV; columns with no value in any row are left out. */
export function countCsv(rows: readonly CountRow[], options: { delimiter?: string; header?: string[]; title?: string } = {}): string {
  const d = options.delimiter ?? ';';
  const has = (k: keyof CountRow) => rows.some((r) => r[k] !== undefined);
  const cols: Array<[keyof CountRow, string]> = [
    ['warehouse', 'Warehouse'],
    ['location', 'Location'],
    ['product', 'Product'],
    ['lot', 'Lot'],
    ['quantity', 'Quantity'],
    ['unit', 'Unit'],
    ['countedAt', 'Counted at'],
  ];
  const used = cols.filter(([k]) => k === 'location' || k === 'product' || k === 'quantity' || has(k));
  const quote = (v: string) => (v.includes(d) || v.includes('"') ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [...(options.title ? [options.title] : []), (options.header ?? used.map(([, h]) => h)).join(d)];
  for (const r of rows) lines.push(used.map(([k]) => quote(String(r[k] ?? ''))).join(d));
  return `${lines.join('\n')}\n`;
}

export function dropCount(h: InventoryHarness, name: string, content: string | Buffer, mtime?: Date): string {
  const file = path.join(h.root, name);
  fs.writeFileSync(file, content);
  if (mtime) fs.utimesSync(file, mtime, mtime);
  return file;
}

/** A run that must succeed; returns its stats. */
export async function runOk(
  h: InventoryHarness,
  job: string,
  params: Record<string, unknown> = {},
  options: { dryRun?: boolean } = {},
): Promise<Record<string, unknown> & { run: JobRun }> {
  const run = await h.runner.runNow(job, params, options);
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  expect(run.status).toBe('succeeded');
  return { ...run.stats, run };
}

export type LineRow = Record<string, unknown> & { class: string; moved_since_count: boolean; is_discrepancy: boolean };

export async function reconciliationLines(h: InventoryHarness, reconciliationId: number): Promise<LineRow[]> {
  return h.app.db.knex('inventory_reconciliation_lines').where({ reconciliation_id: reconciliationId }).orderBy('line_no');
}

/** The line of (location name, product code, lot) in a reconciliation. */
export function lineOf(lines: readonly LineRow[], location: string, product: string, lot: string | null = null): LineRow {
  const found = lines.find((l) => l.location_name === location && l.product_code === product && (l.lot_name ?? null) === lot);
  expect(
    found,
    `no line ${location} ${product} ${lot ?? ''} in ${JSON.stringify(lines.map((l) => [l.location_name, l.product_code, l.lot_name, l.class]))}`,
  ).toBeDefined();
  return found!;
}

/** Odoo datetime text ('YYYY-MM-DD HH:MM:SS', UTC) */
export function odooTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
