/**
 * Workbooks that print: the cost, inventory and OEE workbooks converted to PDF by LibreOffice
 * headless, as a finance person would print them. Every sheet is one page wide (its last column's
 * header is on the sheet's first page), the header row comes back on every later page, the page
 * header names the report and the run, and the page count stays what the rows need. Read back with
 * exceljs first: page setup, print titles and frozen panes on every sheet.
 *
 * Needs `soffice` (Debian: libreoffice-calc-nogui) and `pdftotext` (poppler-utils): skipped with a
 * message when they are missing outside CI; in CI (CI=true) missing tools fail the test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costRollupJob } from '../../jobs/costs/cost-rollup.ts';
import { createRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { writeOeeReport } from '../../load/historian/oee-workbook.ts';
import { writeHoldsReport } from '../../load/quality/report.ts';
import { workbookBuffer } from '../../load/suppliers/files.ts';
import { writeInventoryReport, type InventoryReportInput } from '../../load/inventory/workbook.ts';
import type { ReportLine } from '../../load/inventory/staging.ts';
import { createBatch, transitionBatch } from '../../load/staging/batches.ts';
import { CostFixture } from '../costs/cost-fixtures.ts';
import { readZipEntry, zipEntries } from '../../load/workbooks/zip.ts';
import { makeTmpDir } from '../fixtures/files.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const tools = has('soffice') && has('pdftotext');
const ci = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!tools && !ci) {
  console.warn(
    'workbooks-print: skipped: soffice or pdftotext missing (apt-get install -y libreoffice-calc-nogui poppler-utils); in CI this test runs',
  );
}

let app: TestApp;
let runner: Runner;
const tmp = await makeTmpDir('print');
const files: Record<'costs' | 'inventory' | 'oee', string> = { costs: '', inventory: '', oee: '' };

async function writeCosts(): Promise<string> {
  const md = new CostFixture(app.db.knex);
  await md.reset();
  const products = [];
  for (let i = 1; i <= 60; i++) {
    products.push({ id: 100 + i, code: `PART-${i}`, price: i, categName: i % 2 ? 'Raw' : 'Bought-in parts', categ: 7 + (i % 2) });
  }
  await md.products(
    { id: 1, code: 'DESK', price: 150, categName: 'Finished goods', categ: 5 },
    { id: 2, code: 'FRAME', price: 0, categName: 'Sub assemblies', categ: 6 },
    ...products,
  );
  await md.workcenter(1, { costsHour: 36 });
  await md.bom({
    id: 1,
    product: 2,
    code: 'FRAME-BOM',
    lines: products.slice(0, 40).map((p) => [p.id, 2] as [number, number]),
    ops: [{ workcenter: 1, minutes: 10 }],
  });
  await md.bom({ id: 2, product: 1, lines: [[2, 3]] });
  const run = await runner.runNow('cost-rollup', {});
  expect(run.status).toBe('succeeded');
  return (run.stats.report as { xlsx: string }).xlsx;
}

async function writeOee(): Promise<string> {
  const knex = app.db.knex;
  const batch = await createBatch(knex, { kind: 'historian', scope: 'print-test', version: 'w1', actor: 'test' });
  await transitionBatch(knex, batch.id, 'validate', { actor: 'test' });
  const rows = [];
  for (let day = 1; day <= 14; day++) {
    const date = `2026-02-${String(day).padStart(2, '0')}`;
    for (const asset of ['PRESS-01', 'PRESS-02', 'WELD-01']) {
      for (const [shift, from, to] of [
        ['A', '05', '13'],
        ['B', '13', '21'],
      ] as const) {
        rows.push({
          asset,
          shift_date: date,
          shift,
          start_at: `${date}T${from}:00:00Z`,
          end_at: `${date}T${to}:00:00Z`,
          good: 300 + day,
          scrap: day % 5,
          running_minutes: 400,
          down_minutes: 40,
          idle_minutes: 40,
          complete: true,
          batch_id: batch.id,
        });
      }
    }
  }
  await knex('historian_shifts').insert(rows);
  const report = await writeOeeReport(knex, {
    dir: tmp.dir,
    from: '2026-02-01',
    to: '2026-02-14',
    timeZone: 'Europe/Berlin',
    assets: { 'PRESS-01': { idealRatePerHour: 60, workcenter: 'WC-PRESS' } },
    runId: 4242,
  });
  return report.xlsx;
}

const LOCATIONS = Array.from({ length: 30 }, (_, i) => `WH/Stock/Zone ${String.fromCharCode(65 + (i % 26))}${i}`);
/** the inventory chart's locations: the 25 largest net impacts */
const CHARTED = LOCATIONS.slice(5);

async function writeInventory(): Promise<string> {
  const lines: ReportLine[] = [];
  for (let i = 0; i < 150; i++) {
    const odoo = 10 + (i % 7);
    const counted = i % 3 === 0 ? odoo - 1 : odoo;
    lines.push({
      line_no: i + 1,
      location_name: `WH/Stock/Shelf ${1 + (i % 12)}`,
      product_code: `PART-${i}`,
      product_name: `Steel bracket, galvanised, size ${i}`,
      category: 'Raw materials / Steel',
      lot_name: i % 4 === 0 ? `LOT-${i}` : null,
      uom: 'Units',
      odoo_qty: odoo,
      counted_qty: counted,
      difference: counted - odoo,
      tolerance_abs: 0,
      tolerance_pct: 0,
      class: counted < odoo ? 'short' : 'match',
      moved_since_count: false,
      is_discrepancy: counted !== odoo,
      standard_price: 2.5,
      value_impact: (counted - odoo) * 2.5,
      counted_at: Date.UTC(2026, 0, 31, 8, 0),
      odoo_changed_at: null,
      since_previous: i % 3 === 0 ? 'new' : null,
    });
  }
  const disc = lines.filter((l) => l.is_discrepancy);
  const input: InventoryReportInput = {
    dir: tmp.dir,
    baseName: 'inventory-reconciliation_WH_2026-01-31',
    timeZone: 'Europe/Berlin',
    currency: 'EUR',
    meta: {
      warehouse: { code: 'WH', name: 'Main warehouse' },
      runId: 777,
      reconciliationId: 1,
      kind: 'daily',
      period: null,
      generatedAt: new Date(Date.UTC(2026, 0, 31, 9, 0)),
      countBatch: { id: 5, source: 'counts.csv', status: 'validated', countedFrom: null, countedTo: null },
      snapshot: { id: 3, takenAt: new Date(Date.UTC(2026, 0, 31, 7, 0)), source: 'odoo', quants: 150 },
      coverage: 'warehouse',
      tolerances: { default: { abs: 0, pct: 0 }, categories: [] },
      previous: null,
    },
    totals: {
      lines: lines.length,
      matched: lines.length - disc.length,
      discrepancies: disc.length,
      moved_since_count: 0,
      by_class: { short: disc.length },
      value_impact_abs: disc.length * 2.5,
      value_impact_net: -disc.length * 2.5,
      new_discrepancies: disc.length,
      persisting: 0,
      resolved: 0,
      odoo_lines: lines.length,
      counted_lines: lines.length,
      unresolved_lines: 0,
    } as InventoryReportInput['totals'],
    // enough locations that the chart below the tables would straddle a page break left to itself
    byLocation: LOCATIONS.map((location, i) => ({
      location_name: location,
      category: 'Raw materials / Steel',
      lines: 10,
      matched: 8,
      discrepancies: 2,
      moved: 0,
      value_impact_abs: 100 + i * 7,
      value_impact_net: -(100 + i * 7),
    })),
    lines: async function* (which) {
      yield which === 'all' ? lines : disc;
    },
  };
  return (await writeInventoryReport(input)).xlsx;
}

beforeAll(async () => {
  app = await testApp('wbprint');
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([costRollupJob]) });
  await runner.start();
  files.costs = await writeCosts();
  files.oee = await writeOee();
  files.inventory = await writeInventory();
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
  await tmp.cleanup();
});

/** the header row's texts of a sheet (the row its print titles repeat) */
function printTitleTexts(ws: ExcelJS.Worksheet): string[] {
  const row = Number(ws.pageSetup.printTitlesRow?.split(':')[0]);
  return (ws.getRow(row).values as ExcelJS.CellValue[]).slice(1).map((v) => String(v ?? ''));
}

describe('workbooks that print', () => {
  it('set up every sheet: one page wide, landscape when wide, header row repeated, frozen panes, title and run in the header', async () => {
    for (const [name, file] of Object.entries(files)) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(file);
      expect(wb.worksheets.length, name).toBeGreaterThan(1);
      for (const ws of wb.worksheets) {
        const where = `${name} / ${ws.name}`;
        expect(ws.pageSetup, where).toMatchObject({ fitToPage: true, fitToWidth: 1, fitToHeight: 0, paperSize: 9 });
        expect(ws.pageSetup.printTitlesRow, where).toMatch(/^\d+:\d+$/);
        expect(ws.views[0], where).toMatchObject({ state: 'frozen' });
        expect(ws.headerFooter.oddHeader, where).toMatch(/&L.*(Cost rollup|Inventory reconciliation|OEE by shift)/);
        expect(ws.headerFooter.oddHeader, where).toMatch(/&R.*(run|batch) \d+/);
        expect(ws.headerFooter.oddFooter, where).toContain('&A');
        const width = ws.columns.reduce((sum, c) => sum + (c.width ?? 9), 0);
        expect(ws.pageSetup.orientation, where).toBe(width > 95 ? 'landscape' : 'portrait');
      }
    }
  });

  it('the quality holds report and the supplier files print the same way (one page wide, header row on every page, frozen)', async () => {
    const quality = await writeHoldsReport(path.join(tmp.dir, 'quality'), '2026-12-05', []);
    const supplier = path.join(tmp.dir, 'supplier.xlsx');
    fs.writeFileSync(
      supplier,
      await workbookBuffer([
        {
          name: 'Purchase order lines',
          title: ['Purchase orders for WOODC', 'run 7'],
          header: ['PO', 'Line', 'Product'],
          rows: [['P0001', 1, 'X']],
        },
      ]),
    );
    for (const [name, file] of [
      ['quality', quality.xlsx],
      ['supplier', supplier],
    ] as const) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(file);
      for (const ws of wb.worksheets) {
        const where = `${name} / ${ws.name}`;
        expect(ws.pageSetup, where).toMatchObject({ fitToPage: true, fitToWidth: 1, fitToHeight: 0, paperSize: 9 });
        expect(ws.pageSetup.printTitlesRow, where).toMatch(/^\d+:\d+$/);
        expect(ws.views[0], where).toMatchObject({ state: 'frozen' });
        expect(ws.headerFooter.oddFooter, where).toContain('&A');
      }
    }
  });

  it('the cost Summary carries a native bar chart of the revaluation impact by category over its category rows', async () => {
    const fh = await open(files.costs, 'r');
    let chart: string;
    try {
      const entry = (await zipEntries(fh, files.costs)).find((e) => e.name === 'xl/charts/chart1.xml');
      expect(entry, 'chart part').toBeDefined();
      chart = (await readZipEntry(fh, entry!)).toString('utf8');
    } finally {
      await fh.close();
    }
    expect(chart).toContain('<c:barChart>');
    expect(chart).toContain('<a:t>Revaluation impact by product category</a:t>');
    const refs = [...chart.matchAll(/<c:f>([^<]*)<\/c:f>/g)].map((m) => m[1]!.replace(/&apos;|'/g, "'"));
    const [, from, to] = /^'Summary'!\$A\$(\d+):\$A\$(\d+)$/.exec(refs[0]!)!;
    expect(refs[1]).toBe(`'Summary'!$G$${from}:$G$${to}`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(files.costs);
    const ws = wb.getWorksheet('Summary')!;
    expect(ws.getRow(Number(from) - 1).getCell(1).value).toBe('Category');
    expect(ws.getRow(Number(to) + 1).getCell(1).value).toBe('Total');
    const categories = [];
    for (let r = Number(from); r <= Number(to); r++) categories.push(ws.getRow(r).getCell(1).value);
    expect(categories.length).toBeGreaterThan(0);
    // the chart's cached labels are those cells
    const cached = [
      ...chart
        .split('<c:strCache>')[1]!
        .split('</c:strCache>')[0]!
        .matchAll(/<c:v>([^<]*)<\/c:v>/g),
    ].map((m) => m[1]);
    expect(cached).toEqual(categories);
  });

  it('the inventory chart starts a printed page of its own: a manual page break right above it, and it is shorter than a page', async () => {
    const fh = await open(files.inventory, 'r');
    let sheet: string;
    let drawing: string;
    try {
      const entries = await zipEntries(fh, files.inventory);
      const part = async (name: string) =>
        (
          await readZipEntry(
            fh,
            entries.find((e) => e.name === name)!,
          )
        ).toString('utf8');
      sheet = await part('xl/worksheets/sheet1.xml');
      drawing = await part('xl/drawings/drawing1.xml');
    } finally {
      await fh.close();
    }
    const breaks = [...sheet.matchAll(/<brk id="(\d+)"[^>]*man="1"/g)].map((m) => Number(m[1]));
    const [from, to] = [...drawing.matchAll(/<xdr:row>(\d+)<\/xdr:row>/g)].map((m) => Number(m[1]));
    expect(breaks).toHaveLength(1);
    // the break is after row `breaks[0]` (1-based): the next page begins with 0-based row breaks[0]; the chart a row below
    expect(from! - breaks[0]!).toBe(1);
    expect(to! - from!).toBeLessThanOrEqual(31);
  });

  it.skipIf(!tools && !ci)(
    'converted to PDF by LibreOffice: each sheet one page wide (last column on its first page), header repeated, sane page count',
    async () => {
      expect(tools, 'soffice and pdftotext must be installed in CI (see .ci/run)').toBe(true);
      const out = path.join(tmp.dir, 'pdf');
      execFileSync(
        'soffice',
        [
          `-env:UserInstallation=file://${path.join(tmp.dir, 'lo-profile')}`,
          '--headless',
          '--convert-to',
          'pdf',
          '--outdir',
          out,
          ...Object.values(files),
        ],
        { stdio: 'pipe', timeout: 50_000 },
      );
      for (const [name, file] of Object.entries(files)) {
        const pdf = path.join(out, path.basename(file).replace(/\.xlsx$/, '.pdf'));
        const pages = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
          .split('\f')
          .filter((p) => p.trim() !== '')
          .map((p) => p.replace(/\s+/g, ' '));
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.readFile(file);
        // each page's footer names its sheet: the sheets' pages in order
        let page = 0;
        for (const ws of wb.worksheets) {
          const where = `${name} / ${ws.name}`;
          const own: string[] = [];
          while (page < pages.length && pages[page]!.includes(`${ws.name} Page`)) own.push(pages[page++]!);
          expect(own.length, `${where}: pages`).toBeGreaterThan(0);
          // one page wide: the last column's header is on the sheet's first page, with the first
          const header = printTitleTexts(ws);
          for (const text of [header[0]!, header.at(-1)!]) {
            for (const word of text.split(/\s+/)) expect(own[0], `${where}: "${text}" on page 1`).toContain(word);
          }
          // every later page repeats the header row and carries the title and run
          for (const p of own.slice(1)) expect(p, `${where}: header repeated`).toContain(header.at(-1)!.split(/\s+/)[0]!);
          for (const p of own) expect(p, where).toMatch(/run \d+|batch \d+/);
          // as many pages as the rows need, not columns spilling over: ≤ 1 page per 25 rows (+1)
          expect(own.length, `${where}: page count`).toBeLessThanOrEqual(Math.ceil(ws.rowCount / 25) + 1);
        }
        expect(page, `${name}: every page belongs to a sheet`).toBe(pages.length);
        if (name === 'costs') expect(pages.join('\n'), 'the chart is drawn').toContain('Revaluation impact by product category');
        if (name === 'inventory') {
          // a chart cut by a page break is drawn on both pages (its title twice), each showing part of it
          const charted = pages.filter((p) => p.includes('Stock value impact by location'));
          expect(charted, 'the inventory chart on exactly one page').toHaveLength(1);
          for (const location of CHARTED) expect(charted[0], `${location} in the chart`).toContain(location);
        }
      }
    },
    60_000,
  );
});
