/**
 * The MES link part of `npm run demo`: one manufacturing order released to the shop floor,
 * acknowledged, reported and closed, with the files exchanged. The demo has no real Odoo: this
 * part starts the Odoo test double the tests use (test/support/odoo, answering like Odoo 19 over
 * JSON-2), seeds one order ready for the floor, and points this part's config at it (the rest of
 * the demo keeps running without Odoo). The MES is the simulated one (tools/plant-simulator/mes.ts).
 * examples/demo.ts calls it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../core/app.ts';
import type { Config } from '../core/config.ts';
import { defaultRegistry } from '../jobs/registry.ts';
import { odooClient } from '../jobs/resources.ts';
import { Runner } from '../jobs/runner.ts';
import { releasedOrder } from '../load/mes/releases.ts';
import { listBatches, listCheckpoints } from '../load/staging/batches.ts';
import { type ExchangedFile, SimulatedMes } from '../tools/plant-simulator/mes.ts';
import { confirmedProduction, seedMrpExecution } from '../test/support/odoo/mrp.ts';
import { startOdooTestServer } from '../test/support/odoo/server.ts';

const str = (v: unknown) => (Array.isArray(v) ? String(v[1] ?? v[0]) : v === false || v === null || v === undefined ? '-' : String(v));

export async function runMesDemo(app: App, out: (line?: string) => void): Promise<void> {
  const odoo = await startOdooTestServer({ version: 19 });
  try {
    out(
      `\nMES link: a stand-in Odoo at ${odoo.url}: the Odoo test double the tests use, answering like Odoo 19 over JSON-2 (not a real Odoo)`,
    );
    seedMrpExecution(odoo);
    const moId = confirmedProduction(odoo, { qty: 2, reserve: true });
    const mo = odoo.store.get('mrp.production', moId)!;
    const moName = String(mo.name);
    const product = odoo.store.get('product.product', Number(mo.product_id))!;
    out(
      `  seeded manufacturing order ${moName}: ${str(mo.product_qty)} × [${str(product.default_code)}] ${str(product.name)}, confirmed, its components reserved`,
    );

    // this part's own outbox, beside the demo's inbox (MES messages go to <outbox>/mes)
    const outbox = path.join(path.dirname(path.resolve(app.config.inbox)), 'outbox');
    const config: Config = {
      ...app.config,
      odooUrl: odoo.url,
      odooDb: odoo.db,
      odooUser: 'admin',
      odooApiKey: odoo.adminApiKey,
      odooProtocol: 'json2',
      outbox,
      file: { ...app.config.file, mes: { sender: 'mfg-etl-demo' } },
    };
    const runner = new Runner({ config, db: app.db, logger: app.logger, registry: defaultRegistry() });
    const mes = new SimulatedMes({
      outboxDir: path.join(outbox, 'mes'),
      inboxDir: path.join(config.inbox, 'mes'),
      stateFile: path.join(config.dataDir, 'simulated-mes.json'),
      sender: 'simulated-mes',
      // a component scrapped on the floor: the report carries it, mes-load posts a stock.scrap on the order
      scrap: { qty: 1, reason: 'cracked on the press', code: 'FURN_7023' },
    });
    const showFiles = (list: readonly ExchangedFile[]) => {
      for (const f of list)
        out(
          `    MES ${f.direction === 'read' ? 'read ' : 'wrote'}  ${f.path}\n               ${f.direction === 'read' ? f.gist : `${f.verb}: ${f.gist}`}`,
        );
    };
    const state = async () => (await releasedOrder(app.db.knex, moName))?.state ?? 'not released';
    await runner.start();
    try {
      const release = await runner.runNow('mes-release', {});
      out(
        `  mes-release run ${release.id}: ${release.status}${release.error ? ` (${release.error.message})` : ''}, release state: ${await state()}`,
      );
      const pass = await mes.poll();
      out('  the simulated MES answered:');
      showFiles(pass.files);

      const report = await runner.runNow('mes-report', { settleSeconds: 0 });
      out(
        `  mes-report run ${report.id}: ${report.status}${report.error ? ` (${report.error.message})` : ''}, release state: ${await state()}`,
      );
      for (const batch of (await listBatches(app.db.knex, { kind: 'mes_report' })).reverse()) {
        const st = batch.stats;
        const what = st.document === 'performance' ? `performance report, ${str(st.lines)} line(s)` : str(st.document);
        out(`    batch ${batch.id}  ${batch.source}  (${what})  →  ${batch.status.toUpperCase()}`);
        for (const c of await listCheckpoints(app.db.knex, batch.id))
          out(`      ${c.passed ? 'ok  ' : c.severity === 'error' ? 'FAIL' : 'warn'}  ${c.name}: ${c.message}`);
      }

      const load = await runner.runNow('mes-load', {});
      out(`  mes-load run ${load.id}: ${load.status}${load.error ? ` (${load.error.message})` : ''}`);
      for (const line of (load.stats.summary ?? []) as string[]) out(`    ${line}`);
      const ledger = (await app.db
        .knex('load_ledger')
        .where({ run_id: load.id })
        .orderBy('id')
        .select('business_key', 'odoo_model', 'odoo_id', 'operation')) as Array<Record<string, unknown>>;
      out('    what it wrote (load ledger: MES transaction:step → Odoo record):');
      for (const l of ledger)
        out(`      ${String(l.business_key).padEnd(28)} ${String(l.operation).padEnd(7)} ${String(l.odoo_model)} ${str(l.odoo_id)}`);
    } finally {
      await runner.stop();
    }

    const client = odooClient({ config, logger: app.logger })!;
    try {
      const [done] = await client.searchRead(
        'mrp.production',
        [['id', '=', moId]],
        ['name', 'state', 'qty_produced', 'product_qty', 'lot_producing_ids'],
      );
      const lotIds = (done?.lot_producing_ids ?? []) as number[];
      const lots = lotIds.length ? await client.searchRead('stock.lot', [['id', 'in', lotIds]], ['name']) : [];
      out(
        `  in Odoo now: ${str(done?.name)} ${str(done?.state)}, produced ${str(done?.qty_produced)} of ${str(done?.product_qty)}, finished lot ${lots.map((l) => String(l.name)).join(', ') || '-'}`,
      );
    } finally {
      client.close();
    }
    if (fs.existsSync(outbox))
      out(`  files: ${path.join(outbox, 'mes')} (to the MES), ${path.join(config.inbox, 'mes', 'archive')} (from it)`);
  } finally {
    await odoo.close();
  }
}
