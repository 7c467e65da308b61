/**
 * npm run demo: the forecast import end to end on the embedded database, with no other set-up.
 * Makes a working folder (./demo, reset on every run), loads sample master data, drops sample
 * forecast files (an XLSX export with title rows and weekly columns, a semicolon CSV with
 * decimal commas, and one file with mistakes), runs forecast-import through the real runner,
 * prints the checkpoints and the batch states, then the forecast-load plan (no Odoo configured:
 * what would be written, nothing sent) and where everything is, then serves the status page on
 * the demo data until Ctrl-C when run from a terminal (`npm run demo -- --no-serve` skips that).
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { type App, openApp } from '../core/app.ts';
import { type Env, loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { sqlText } from '../core/sql.ts';
import { listBatches, listCheckpoints } from '../load/staging/batches.ts';
import { createPeriodNormaliser } from '../transform/forecast/periods.ts';
import { runCostDemo } from './cost-demo.ts';
import { startStatusServer } from '../app/http/server.ts';
import { runHistorianDemo } from './historian-demo.ts';
import { runMesDemo } from './mes-demo.ts';
import { prepareInventoryDemo } from './inventory-demo.ts';
import { defaultRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';

const root = path.resolve(process.env.MFG_ETL_DEMO_DIR ?? 'demo');
const DAY = 86_400_000;

function weeksFrom(monday: string, count: number): string[] {
  const start = Date.parse(`${monday}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 7 * DAY).toISOString().slice(0, 10));
}

function isoWeekLabel(isoDate: string): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  const thursday = new Date(d.getTime() + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** A planning tool's XLSX export: two title rows, then product / unit and one column per week. */
async function writeXlsx(file: string, weeks: string[], version: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Forecast');
  ws.addRow(['Demand forecast – finished goods']);
  ws.addRow(['Plant: P01', '', `Version: ${version}`]);
  ws.addRow([]);
  ws.addRow(['Product', 'Unit', ...weeks.map((w) => new Date(`${w}T00:00:00Z`))]);
  const base: Record<string, number> = { FURN_7800: 40, FURN_8888: 120, FURN_6666: 15, FURN_9999: 60 };
  for (const [product, qty] of Object.entries(base)) {
    ws.addRow([product, 'Units', ...weeks.map((_, i) => qty + ((i * 7) % 11))]);
  }
  ws.getRow(4).eachCell((cell, col) => {
    if (col > 2) cell.numFmt = 'dd.mm.yyyy';
  });
  await wb.xlsx.writeFile(file);
}

/** A semicolon CSV as a German ERP exports it: decimal commas, ISO weeks, some lines in dozens. */
function writeCsv(file: string, weeks: string[]): void {
  const rows = ['Artikelnummer;Werk;Woche;Menge;ME'];
  const parts: [string, string, number][] = [
    ['COMP_LEG', 'Units', 160],
    ['COMP_TOP', 'Units', 40],
    ['COMP_SCREW', 'Dozens', 85.5],
    ['RAW_STEEL', 'kg', 1250.75],
  ];
  for (const [product, unit, qty] of parts) {
    weeks.forEach((w, i) => rows.push(`${product};P02;${isoWeekLabel(w)};${String(qty + i * 2).replace('.', ',')};${unit}`));
  }
  fs.writeFileSync(file, `${rows.join('\r\n')}\r\n`);
}

/** A file with mistakes a planner makes: an unknown product, a negative quantity, a bad date. */
function writeBadCsv(file: string, weeks: string[]): void {
  fs.writeFileSync(
    file,
    [
      'sku,warehouse,week,qty',
      `FURN_7800,P02,${weeks[0]},10`,
      `FURN_7801,P02,${weeks[1]},12`,
      `FURN_8888,P02,${weeks[2]},-5`,
      `FURN_8888,P02,31.02.2026,7`,
    ].join('\n') + '\n',
  );
}

async function main(): Promise<void> {
  fs.rmSync(root, { recursive: true, force: true });
  const env: Env = {
    ...process.env,
    MFG_ETL_DATA_DIR: path.join(root, 'data'),
    MFG_ETL_INBOX: path.join(root, 'inbox'),
    MFG_ETL_REPORTS: path.join(root, 'reports'),
    MFG_ETL_LOG_LEVEL: process.env.MFG_ETL_LOG_LEVEL ?? 'warn',
  };
  const config = loadConfig(env, root);
  const logger = createLogger({ level: config.logLevel, format: 'pretty', redactor: config.redactor });
  const app = await openApp({ env, cwd: root, logger });
  const out = (line = '') => process.stdout.write(`${line}\n`);
  try {
    out(`mfg-etl demo in ${root}`);
    out(`database: ${app.db.embedded ? `embedded PGlite in ${path.join(config.dataDir, 'pglite')}` : 'MFG_ETL_DATABASE_URL'}`);
    await app.db.knex.raw(sqlText('demo/masterdata'));
    out('loaded sample master data: 8 products, 2 warehouses (P01, P02), 5 units');

    const periods = createPeriodNormaliser({ bucket: 'week', weekStart: config.forecastWeekStart, timeZone: config.timezone });
    const weeks = weeksFrom(periods.current(new Date()), 16);
    const inbox = path.join(config.inbox, 'forecasts');
    fs.mkdirSync(inbox, { recursive: true });
    const version = isoWeekLabel(weeks[0]!);
    await writeXlsx(path.join(inbox, `P01_${version}.xlsx`), weeks, version);
    writeCsv(path.join(inbox, `P02_${version}.csv`), weeks);
    writeBadCsv(path.join(inbox, `P02_${version}_draft.csv`), weeks);
    out(`dropped 3 forecast files into ${inbox}\n`);

    const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: defaultRegistry() });
    await runner.start();
    const run = await runner.runNow('forecast-import', { settleSeconds: 0 });
    out(`forecast-import run ${run.id}: ${run.status}${run.error ? ` (${run.error.message})` : ''}\n`);

    for (const batch of (await listBatches(app.db.knex, { kind: 'forecast' })).reverse()) {
      const s = batch.stats;
      out(`batch ${batch.id}  ${batch.source}  scope ${batch.scope}  version ${batch.version}  →  ${batch.status.toUpperCase()}`);
      if (Number(s.lines) > 0)
        out(
          `  ${String(s.lines)} lines, ${String(s.products)} products, ${String(s.periods)} weeks ${String(s.firstPeriod)} … ${String(s.lastPeriod)}, total ${String(s.totalQuantity)} (product units)`,
        );
      for (const c of await listCheckpoints(app.db.knex, batch.id)) {
        out(`  ${c.passed ? 'ok  ' : c.severity === 'error' ? 'FAIL' : 'warn'}  ${c.name}: ${c.message}`);
      }
      out();
    }
    // standard costs rolled up through the sample BoMs: a batch waiting for finance, and its report
    await runCostDemo(app, runner, out);

    // inventory: a sample Odoo stock snapshot for P01 against a bundled count file
    const { snapshotId } = await prepareInventoryDemo(app.db.knex, app.config.inbox);
    const inv = await runner.runNow('inventory-reconciliation', { warehouse: 'P01', snapshot: snapshotId, settleSeconds: 0 });
    out(`\ninventory-reconciliation run ${inv.id}: ${inv.status}${inv.error ? ` (${inv.error.message})` : ''}`);
    for (const line of (inv.stats.summary ?? []) as string[]) out(`  ${line}`);
    out();

    // without MFG_ETL_ODOO_* the load is a plan: what would be written to Odoo, nothing sent
    const load = await runner.runNow('forecast-load', { target: 'orderpoint' });
    await runner.stop();
    out(`forecast-load run ${load.id}: ${load.status}${load.stats.dryRunReason ? ` (plan only: ${String(load.stats.dryRunReason)})` : ''}`);
    for (const r of (load.stats.results ?? []) as {
      batchId: number;
      scope: string;
      plan: { models: { model: string; create: number; update: number; unchanged: number }[] };
      planFile?: string;
    }[]) {
      const models = r.plan.models
        .map((m) => `${m.model}: ${m.create} to create, ${m.update} to update, ${m.unchanged} unchanged`)
        .join('; ');
      out(`  batch ${r.batchId} (${r.scope}): ${models}`);
      if (r.planFile) out(`  plan: ${r.planFile}`);
    }
    // the shop floor: a simulated OPC UA historian, its aggregates, the downtime/scrap plan and the OEE report
    await runHistorianDemo(app, out);
    // the MES link: one order released to a simulated MES, acknowledged, reported and closed in a stand-in Odoo
    await runMesDemo(app, out);
    out();
    // the reports folder too, or the status page says "No reports yet"
    const rel = (dir: string) => path.relative(process.cwd(), dir) || '.';
    const envHint = `MFG_ETL_DATA_DIR=${rel(config.dataDir)} MFG_ETL_INBOX=${rel(config.inbox)} MFG_ETL_REPORTS=${rel(config.reports)}`;
    out('Where things are:');
    out(`  archived files:  ${path.join(inbox, 'archive')}`);
    out(`  rejected files:  ${path.join(inbox, 'rejected')} (each with .errors.csv and .report.txt)`);
    out(`  reports:         ${config.reports} (cost-rollup, inventory-reconciliation and OEE workbooks, load plans)`);
    out(`  staging data:    ${path.join(config.dataDir, 'pglite')}`);
    out('Try (or run `mfg-etl init --demo` in an empty folder once, then the same commands without the variables):');
    out(`  ${envHint} npx mfg-etl batches`);
    out(`  ${envHint} npx mfg-etl batch <id>`);
    out(`  ${envHint} npx mfg-etl history`);
    // an interactive demo ends on the status page; piped or scripted runs just finish
    if (process.stdin.isTTY && !process.argv.includes('--no-serve')) await serveStatusPage(app, out);
    else out(`  ${envHint} npx mfg-etl serve    # the status page`);
  } finally {
    await app.close();
  }
}

/** The status page on the demo's data until Ctrl-C (skip with `npm run demo -- --no-serve`). */
async function serveStatusPage(app: App, out: (line?: string) => void): Promise<void> {
  const server = await startStatusServer({ config: app.config, db: app.db, logger: app.logger, registry: defaultRegistry() });
  out(`\nStatus page: ${server.url}/  (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
}

await main();
