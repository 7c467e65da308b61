/**
 * Native Excel charts written into finished workbooks (load/workbooks/chart.ts; exceljs cannot
 * write charts): the inventory reconciliation's Summary gets a bar chart of the net value impact
 * by location over its own cells. Checked three ways: exceljs still reads the workbook (every other
 * part unchanged), the chart, drawing, relationship and content-type parts are well-formed XML (the
 * headless browser's XML parser) and point at each other and at the right cells, and LibreOffice
 * converts it to PDF with the chart drawn (its title, which no cell holds, is in the text).
 *
 * The PDF check needs `soffice` and `pdftotext` (skipped with a message outside CI when missing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_LOCATIONS, type InventoryReportInput, writeInventoryReport } from '../../load/inventory/workbook.ts';
import type { LocationSummary } from '../../load/inventory/staging.ts';
import { addCharts } from '../../load/workbooks/chart.ts';
import { readZipEntry, zipEntries } from '../../load/workbooks/zip.ts';
import { OEE_SHEETS, writeOeeReport } from '../../load/historian/oee-workbook.ts';
import { createBatch } from '../../load/staging/batches.ts';
import { makeTmpDir } from '../fixtures/files.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const CHROMIUM = process.env.MFG_ETL_TEST_CHROMIUM ?? '/usr/bin/chromium';
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const tools = has('soffice') && has('pdftotext');
const ci = Boolean(process.env.CI) && process.env.CI !== 'false';

const tmp = await makeTmpDir('charts');
let browser: Browser;

function inventoryInput(baseName: string, byLocation: LocationSummary[]): InventoryReportInput {
  return {
    dir: tmp.dir,
    baseName,
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
      snapshot: { id: 3, takenAt: new Date(Date.UTC(2026, 0, 31, 7, 0)), source: 'odoo', quants: 10 },
      coverage: 'warehouse',
      tolerances: { default: { abs: 0, pct: 0 }, categories: [] },
      previous: null,
    },
    totals: {
      lines: 12,
      matched: 4,
      discrepancies: 8,
      moved_since_count: 0,
      by_class: { short: 8 },
      value_impact_abs: 90,
      value_impact_net: -20,
      new_discrepancies: 8,
      persisting: 0,
      resolved: 0,
    } as unknown as InventoryReportInput['totals'],
    byLocation,
    lines: async function* () {
      yield [];
    },
  };
}

const loc = (location: string, category: string, net: number): LocationSummary => ({
  location_name: location,
  category,
  lines: 3,
  matched: 1,
  discrepancies: 2,
  moved: 0,
  value_impact_abs: Math.abs(net),
  value_impact_net: net,
});

/** every part of the archive, uncompressed */
async function parts(file: string): Promise<Map<string, string>> {
  const fh = await open(file, 'r');
  try {
    const out = new Map<string, string>();
    for (const e of await zipEntries(fh, file)) out.set(e.name, (await readZipEntry(fh, e)).toString('utf8'));
    return out;
  } finally {
    await fh.close();
  }
}

interface Parsed {
  error: string | null;
  /** elements by local name: their attributes and text */
  find: (name: string) => Array<{ attrs: Record<string, string>; text: string }>;
}

/** parses with the browser's XML parser (a real, strict one) */
async function parseXml(xml: string, names: readonly string[]): Promise<Parsed> {
  const page = await browser.newPage();
  try {
    const result = await page.evaluate(
      ({ xml, names }) => {
        const doc = new DOMParser().parseFromString(xml, 'application/xml');
        const err = doc.getElementsByTagName('parsererror')[0];
        const found: Record<string, Array<{ attrs: Record<string, string>; text: string }>> = {};
        for (const n of names) {
          found[n] = [...doc.getElementsByTagNameNS('*', n)].map((el) => ({
            attrs: Object.fromEntries([...el.attributes].map((a) => [a.name, a.value])),
            text: el.textContent ?? '',
          }));
        }
        return { error: err ? (err.textContent ?? 'parse error') : null, found };
      },
      { xml, names: [...names] },
    );
    return { error: result.error, find: (n) => result.found[n] ?? [] };
  } finally {
    await page.close();
  }
}

let file: string;
let oeeFile: string;
let app: TestApp;

/** two assets, three days, two shifts a day: WELD-01 loses more time and more parts each day */
async function writeOee(): Promise<string> {
  const knex = app.db.knex;
  const batch = await createBatch(knex, { kind: 'historian', scope: 'charts', version: 'w1', actor: 'test' });
  const rows = [];
  for (const [d, date] of ['2026-02-02', '2026-02-03', '2026-02-04'].entries()) {
    for (const asset of ['PRESS-01', 'WELD-01']) {
      const worse = asset === 'WELD-01' ? d + 1 : 0;
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
          good: 300 - worse * 20,
          scrap: 10 * worse,
          running_minutes: 400 - worse * 40,
          down_minutes: 40 + worse * 40,
          idle_minutes: 40,
          complete: true,
          batch_id: batch.id,
        });
      }
    }
  }
  await knex('historian_shifts').insert(rows);
  return (await writeOeeReport(knex, { dir: tmp.dir, from: '2026-02-02', to: '2026-02-04', timeZone: 'Europe/Berlin', runId: 31 })).xlsx;
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set MFG_ETL_TEST_CHROMIUM)`);
  app = await testApp('wbcharts');
  oeeFile = await writeOee();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  file = (
    await writeInventoryReport(
      inventoryInput('inventory-charts', [
        loc('WH/Stock/A', 'Raw', -50),
        loc('WH/Stock/A', 'Bought-in', 10),
        loc('WH/Stock/B', 'Raw', 25),
        loc('WH/Stock/C & D', 'Raw', -5),
      ]),
    )
  ).xlsx;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.cleanup();
  await tmp.cleanup();
});

describe('native charts in the workbooks', () => {
  it('draws the net value impact by location on the inventory Summary as a bar chart over its own cells, and exceljs still reads the workbook', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Discrepancies', 'All lines']);
    const ws = wb.getWorksheet('Summary')!;
    const rows: Array<[number, unknown[]]> = [];
    ws.eachRow((row, n) => rows.push([n, (row.values as unknown[]).slice(1)]));
    const header = rows.find(([, v]) => v[0] === 'Location' && v[1] === 'Net value impact')!;
    expect(header, 'the chart data block').toBeDefined();
    const block = rows.filter(([n]) => n > header[0]);
    // per location (categories summed), the largest absolute value first
    expect(block.map(([, v]) => v.slice(0, 2))).toEqual([
      ['WH/Stock/A', -40],
      ['WH/Stock/B', 25],
      ['WH/Stock/C & D', -5],
    ]);
    const first = block[0]![0];
    const last = block.at(-1)![0];

    const p = await parts(file);
    const chart = await parseXml(p.get('xl/charts/chart1.xml')!, ['barChart', 'ser', 'f', 't', 'pt', 'barDir']);
    expect(chart.error).toBeNull();
    expect(chart.find('barChart')).toHaveLength(1);
    expect(chart.find('barDir')[0]!.attrs.val).toBe('bar');
    expect(chart.find('ser')).toHaveLength(1);
    expect(chart.find('t').map((t) => t.text)).toContain('Stock value impact by location (EUR)');
    expect(chart.find('f').map((f) => f.text)).toEqual([`'Summary'!$A$${first}:$A$${last}`, `'Summary'!$B$${first}:$B$${last}`]);
    // cached values, for readers that do not recalculate
    expect(chart.find('pt').map((pt) => pt.text)).toEqual(['WH/Stock/A', 'WH/Stock/B', 'WH/Stock/C & D', '-40', '25', '-5']);

    const drawing = await parseXml(p.get('xl/drawings/drawing1.xml')!, ['twoCellAnchor', 'graphicFrame', 'chart']);
    expect(drawing.error).toBeNull();
    expect(drawing.find('twoCellAnchor')).toHaveLength(1);
    const chartRid = drawing.find('chart')[0]!.attrs['r:id'];
    const drawingRels = await parseXml(p.get('xl/drawings/_rels/drawing1.xml.rels')!, ['Relationship']);
    expect(drawingRels.error).toBeNull();
    expect(drawingRels.find('Relationship').find((r) => r.attrs.Id === chartRid)?.attrs.Target).toBe('../charts/chart1.xml');

    const sheet = await parseXml(p.get('xl/worksheets/sheet1.xml')!, ['drawing']);
    expect(sheet.error).toBeNull();
    const drawingRid = sheet.find('drawing')[0]!.attrs['r:id'];
    const sheetRels = await parseXml(p.get('xl/worksheets/_rels/sheet1.xml.rels')!, ['Relationship']);
    expect(sheetRels.find('Relationship').find((r) => r.attrs.Id === drawingRid)?.attrs.Target).toBe('../drawings/drawing1.xml');
    // only the Summary has a drawing
    expect([...p.keys()].filter((k) => k.startsWith('xl/drawings/drawing'))).toEqual(['xl/drawings/drawing1.xml']);

    const types = await parseXml(p.get('[Content_Types].xml')!, ['Override']);
    expect(types.error).toBeNull();
    const overrides = Object.fromEntries(types.find('Override').map((o) => [o.attrs.PartName, o.attrs.ContentType]));
    expect(overrides['/xl/charts/chart1.xml']).toBe('application/vnd.openxmlformats-officedocument.drawingml.chart+xml');
    expect(overrides['/xl/drawings/drawing1.xml']).toBe('application/vnd.openxmlformats-officedocument.drawing+xml');
  });

  it(`shows at most ${CHART_LOCATIONS} locations, the largest net value impact first, and says so`, async () => {
    const many = Array.from({ length: CHART_LOCATIONS + 5 }, (_, i) =>
      loc(`WH/Stock/Bin ${String(i).padStart(2, '0')}`, 'Raw', (i % 2 ? -1 : 1) * (i + 1)),
    );
    const big = (await writeInventoryReport(inventoryInput('inventory-charts-many', many))).xlsx;
    const chart = await parseXml((await parts(big)).get('xl/charts/chart1.xml')!, ['cat', 'pt']);
    expect(chart.error).toBeNull();
    const labels = chart
      .find('pt')
      .map((pt) => pt.text)
      .filter((t) => t.startsWith('WH/'));
    expect(labels).toHaveLength(CHART_LOCATIONS);
    expect(labels[0]).toBe(`WH/Stock/Bin ${CHART_LOCATIONS + 4}`); // value ±30, the largest
    expect(labels).not.toContain('WH/Stock/Bin 00'); // value 1, the smallest
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(big);
    const texts: string[] = [];
    wb.getWorksheet('Summary')!.eachRow((row) => texts.push(String(row.getCell(1).value ?? '')));
    expect(texts).toContain(`Net value impact per location, largest first (the ${CHART_LOCATIONS} largest)`);
  });

  it('adds a chart to a finished workbook leaving every other part byte for byte as it was', async () => {
    const plain = (await writeInventoryReport(inventoryInput('inventory-charts-none', []))).xlsx;
    const before = await parts(plain);
    expect(
      [...before.keys()].some((k) => k.startsWith('xl/charts/')),
      'no locations, no chart',
    ).toBe(false);
    const copy = path.join(tmp.dir, 'with-line-chart.xlsx');
    fs.copyFileSync(plain, copy);
    await addCharts(copy, [
      {
        sheet: 'All lines',
        kind: 'line',
        title: 'A line chart',
        categories: { range: { col: 0, fromRow: 2, toRow: 3 }, labels: ['a', 'b'] },
        series: [
          { name: 'one', range: { col: 6, fromRow: 2, toRow: 3 }, values: [1, null] },
          { name: 'two', range: { col: 7, fromRow: 2, toRow: 3 }, values: [2, 3] },
        ],
        anchor: { fromCol: 0, fromRow: 5, toCol: 6, toRow: 20 },
      },
    ]);
    const after = await parts(copy);
    const changed = [...after.keys()].filter((k) => before.get(k) !== after.get(k)).sort();
    expect(changed).toEqual([
      '[Content_Types].xml',
      'xl/charts/chart1.xml',
      'xl/drawings/_rels/drawing1.xml.rels',
      'xl/drawings/drawing1.xml',
      'xl/worksheets/_rels/sheet3.xml.rels',
      'xl/worksheets/sheet3.xml',
    ]);
    const chart = await parseXml(after.get('xl/charts/chart1.xml')!, ['lineChart', 'ser', 'legend']);
    expect(chart.error).toBeNull();
    expect(chart.find('lineChart')).toHaveLength(1);
    expect(chart.find('ser')).toHaveLength(2);
    expect(chart.find('legend')).toHaveLength(1);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(copy);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Discrepancies', 'All lines']);
  });

  it('draws availability and quality per asset and day in the OEE workbook as two line charts, a line per asset', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(oeeFile);
    const ws = wb.getWorksheet(OEE_SHEETS.days)!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual([
      'Shift date',
      'PRESS-01 availability',
      'WELD-01 availability',
      'PRESS-01 quality',
      'WELD-01 quality',
    ]);
    expect(ws.getRow(4).getCell(1).value).toBe('2026-02-04');
    expect(ws.getRow(4).getCell(3).value).toBeCloseTo(280 / 440, 6); // WELD-01, day 3: running 280, down 160

    const p = await parts(oeeFile);
    const sheetPart = 'xl/worksheets/sheet4.xml';
    const sheet = await parseXml(p.get(sheetPart)!, ['drawing']);
    expect(sheet.error).toBeNull();
    expect(sheet.find('drawing')).toHaveLength(1);
    const drawing = await parseXml(p.get('xl/drawings/drawing1.xml')!, ['twoCellAnchor', 'chart']);
    expect(drawing.error).toBeNull();
    expect(drawing.find('twoCellAnchor')).toHaveLength(2);
    const expected = {
      'xl/charts/chart1.xml': ['Availability per asset and day', ['$B$2:$B$4', '$C$2:$C$4']],
      'xl/charts/chart2.xml': ['Quality per asset and day', ['$D$2:$D$4', '$E$2:$E$4']],
    } as const;
    for (const [part, [title, columns]] of Object.entries(expected)) {
      const chart = await parseXml(p.get(part)!, ['lineChart', 'ser', 'tx', 'f', 't', 'legend']);
      expect(chart.error, part).toBeNull();
      expect(chart.find('lineChart'), part).toHaveLength(1);
      expect(chart.find('ser'), part).toHaveLength(2);
      expect(chart.find('t').map((t) => t.text)).toContain(title);
      expect(chart.find('legend'), part).toHaveLength(1);
      const refs = chart.find('f').map((f) => f.text);
      expect(refs).toEqual([
        `'Per asset and day'!$A$2:$A$4`,
        `'Per asset and day'!${columns[0]}`,
        `'Per asset and day'!$A$2:$A$4`,
        `'Per asset and day'!${columns[1]}`,
      ]);
    }
  });

  it.skipIf(!tools && !ci)(
    'LibreOffice converts the workbooks with their charts: each chart title (in no cell) is drawn on its sheet',
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
          file,
          oeeFile,
        ],
        { stdio: 'pipe', timeout: 50_000 },
      );
      const text = execFileSync('pdftotext', ['-layout', path.join(out, 'inventory-charts.pdf'), '-'], { encoding: 'utf8' });
      const summary = text
        .split('\f')
        .filter((page) => /Summary\s+Page/.test(page))
        .join('\n');
      expect(summary).toContain('Stock value impact by location (EUR)');
      // the value axis' labels are drawn too, beyond the cells' money figures
      expect(summary).toMatch(/-40\s+-30\s+-20\s+-10\s+0\s+10\s+20\s+30/);

      const oee = execFileSync('pdftotext', ['-layout', path.join(out, path.basename(oeeFile).replace(/\.xlsx$/, '.pdf')), '-'], {
        encoding: 'utf8',
      });
      const days = oee
        .split('\f')
        .filter((page) => /Per asset and day\s+Page/.test(page))
        .join('\n');
      expect(days).toContain('Availability per asset and day');
      expect(days).toContain('Quality per asset and day');
    },
    60_000,
  );
});
