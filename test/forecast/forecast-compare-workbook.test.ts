/**
 * forecast-import writes, for a version with a previous approved version of its scope, the
 * comparison workbook beside the batch page's pictures: totals by period and top movers, each with
 * a native Excel chart over the sheet's own cells (load/forecast/compare-workbook.ts).
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastVersionCompare } from '../../load/forecast/staging.ts';
import { readZipEntry, zipEntries } from '../../load/workbooks/zip.ts';
import {
  addWarehouses,
  batchOf,
  drop,
  type ForecastHarness,
  forecastHarness,
  loadMasterData,
  longCsv,
  runImport,
  series,
} from '../support/forecast.ts';

let h: ForecastHarness;
beforeAll(async () => {
  h = await forecastHarness('fc-compare');
  await loadMasterData(h.app);
  await addWarehouses(h.app, ['W30']);
});
afterAll(async () => h?.close());

async function parts(file: string): Promise<Map<string, string>> {
  const fh = await open(file, 'r');
  try {
    const out = new Map<string, string>();
    for (const e of await zipEntries(fh, file))
      if (e.name.startsWith('xl/charts/')) out.set(e.name, (await readZipEntry(fh, e)).toString('utf8'));
    return out;
  } finally {
    await fh.close();
  }
}

const refs = (chart: string) => [...chart.matchAll(/<c:f>([^<]*)<\/c:f>/g)].map((m) => m[1]!.replace(/&apos;/g, "'"));
const cachedLabels = (chart: string) =>
  [
    ...chart
      .split('<c:strCache>')[1]!
      .split('</c:strCache>')[0]!
      .matchAll(/<c:v>([^<]*)<\/c:v>/g),
  ].map((m) => m[1]);

describe('the forecast comparison workbook', () => {
  it('is written for a version with a previous approved one, with a line chart by period and a bar chart of the top movers', async () => {
    drop(h, 'cmp-v1.csv', longCsv([...series('FURN_7800', 'W30', 100), ...series('FURN_8888', 'W30', 50)]));
    const s1 = await runImport(h);
    expect((await batchOf(h, s1, 'cmp-v1.csv')).status).toBe('approved');
    expect(s1.run.stats.compareReports).toBeUndefined(); // nothing to compare with

    drop(h, 'cmp-v2.csv', longCsv([...series('FURN_7800', 'W30', 110), ...series('FURN_8888', 'W30', 150)]));
    const s2 = await runImport(h);
    const b2 = await batchOf(h, s2, 'cmp-v2.csv');
    const reports = s2.run.stats.compareReports as { batchId: number; xlsx: string }[];
    expect(reports).toEqual([{ batchId: b2.id, xlsx: path.join(h.app.config.reports, `forecast-compare_W30_batch${b2.id}.xlsx`) }]);
    expect(s2.run.stats.summary).toContain(`batch ${b2.id} against the previous approved version: ${reports[0]!.xlsx}`);

    // the cells: what the status page's pictures show
    const compare = (await forecastVersionCompare(h.app.db.knex, b2))!;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(reports[0]!.xlsx);
    const byPeriod = wb.getWorksheet('By period')!;
    const periodRows = byPeriod
      .getSheetValues()
      .slice(2)
      .map((r) => (r as ExcelJS.CellValue[]).slice(1, 4));
    expect(periodRows).toEqual(compare.periods.map((p) => [p.period, p.current, p.previous]));
    expect(compare.periods).toHaveLength(12);
    expect(compare.periods[0]).toMatchObject({ current: 260, previous: 150 });
    const movers = wb.getWorksheet('Top movers')!;
    expect(movers.getRow(2).values).toEqual([undefined, 'FURN_8888', 600, 1800, 1200]);
    expect(byPeriod.pageSetup).toMatchObject({ fitToPage: true, fitToWidth: 1, orientation: 'landscape' });

    // the charts read those cells and cache their values
    const charts = await parts(reports[0]!.xlsx);
    const line = charts.get('xl/charts/chart1.xml')!;
    const bar = charts.get('xl/charts/chart2.xml')!;
    expect(line).toContain('<c:lineChart>');
    expect(refs(line)).toEqual([`'By period'!$A$2:$A$13`, `'By period'!$B$2:$B$13`, `'By period'!$A$2:$A$13`, `'By period'!$C$2:$C$13`]);
    expect(cachedLabels(line)).toEqual(compare.periods.map((p) => p.period));
    expect(bar).toContain('<c:barChart>');
    expect(refs(bar)).toEqual([`'Top movers'!$A$2:$A$3`, `'Top movers'!$D$2:$D$3`]);
    expect(cachedLabels(bar)).toEqual(['FURN_8888', 'FURN_7800']);
    expect(bar).toContain('<c:v>1200</c:v>');
  });
});
