/**
 * A small supplier world on the Odoo test server: two vendors (one with a ref, one without),
 * a lot-tracked component with the vendor's own product code, an untracked one, and confirmed
 * purchase orders with their receipts; plus the test app and a runner for the supplier jobs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobDefinition } from '../../jobs/job.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { startOdooTestServer, type OdooTestServer } from '../support/odoo/index.ts';
import { confirmedOrder } from '../support/odoo/purchase.ts';
import { type TestApp, testApp } from '../support/staging.ts';

export interface SupplierWorld {
  server: OdooTestServer;
  app: TestApp;
  runner: Runner;
  outbox: string;
  inbox: string;
  vendor: number;
  other: number;
  caseBlack: number;
  panel: number;
  run(job: string, params?: Record<string, unknown>): Promise<JobRun>;
  /** a confirmed order of `vendor` for these lines (date: UTC 'YYYY-MM-DD HH:MM:SS') */
  order(
    lines: Array<{ productId: number; qty: number; date: string }>,
    partner?: number,
  ): { orderId: number; lineIds: number[]; name: string };
  close(): Promise<void>;
}

export async function supplierWorld(
  name: string,
  version: 18 | 19,
  jobs: readonly JobDefinition[],
  file: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<SupplierWorld> {
  const server = await startOdooTestServer({ version });
  const vendor = server.create('res.partner', { name: 'Wood Corner', ref: 'WOODC', email: 'orders@woodcorner.example' });
  const other = server.create('res.partner', { name: 'Gemini Furniture' });
  const caseBlack = server.create('product.product', {
    default_code: 'FURN_5623',
    name: 'Drawer Case Black',
    is_storable: true,
    tracking: 'lot',
  });
  const panel = server.records('product.product', [['default_code', '=', 'FURN_7023']])[0]!.id;
  server.create('product.supplierinfo', { partner_id: vendor, product_id: caseBlack, product_code: 'WC-CASE-BLK', price: 25 });
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), `mfg-etl-${name}-outbox-`));
  const app = await testApp(
    name,
    {
      MFG_ETL_OUTBOX: outbox,
      MFG_ETL_ODOO_URL: server.url,
      MFG_ETL_ODOO_DB: server.db,
      MFG_ETL_ODOO_USER: 'admin',
      MFG_ETL_ODOO_API_KEY: server.adminApiKey,
      MFG_ETL_INBOX_SETTLE_SECONDS: '0',
      MFG_ETL_TIMEZONE: 'UTC',
      ...env,
    },
    file,
  );
  const inbox = path.join(app.config.inbox, 'suppliers');
  fs.mkdirSync(inbox, { recursive: true });
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([...jobs]) });
  await runner.start();
  return {
    server,
    app,
    runner,
    outbox,
    inbox,
    vendor,
    other,
    caseBlack,
    panel,
    async run(job, params = {}) {
      const r = await runner.runNow(job, params);
      if (r.status !== 'succeeded') throw new Error(`${job} ${r.status}: ${JSON.stringify(r.error)}`);
      return r;
    },
    order(lines, partner = vendor) {
      const made = confirmedOrder(
        server.store,
        partner,
        lines.map((l) => ({ productId: l.productId, qty: l.qty, date: l.date })),
      );
      return { ...made, name: String(server.store.get('purchase.order', made.orderId)!.name) };
    },
    async close() {
      await runner.stop();
      await app.cleanup();
      await server.close();
      fs.rmSync(outbox, { recursive: true, force: true });
    },
  };
}

/** The CSV files of a supplier's outbox folder, newest last, as rows of cells (simple CSV: no quotes in the data). */
export function outboxCsv(outbox: string, code: string): Array<{ name: string; rows: string[][] }> {
  const dir = path.join(outbox, 'suppliers', code);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort((a, b) => Number(/run(\d+)/.exec(a)?.[1]) - Number(/run(\d+)/.exec(b)?.[1]))
    .map((f) => ({
      name: f,
      rows: fs
        .readFileSync(path.join(dir, f), 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n')
        .map((line) => line.split(',')),
    }));
}
