/**
 * The overview's pictures in a real headless browser (Debian's Chromium, playwright-core), from
 * known data: runs of two jobs (dots coloured by outcome), a reconciliation (one bar per location,
 * short negative), shift counts of two assets over three weeks (one line per asset). Structure,
 * not pixels: the SVGs, their series, bars and dots, and not one Content-Security-Policy violation
 * (the page's strict policy stays: the pictures are inline SVG with presentation attributes).
 */
import fs from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DataValidationError } from '../../core/errors.ts';
import { StatusServer } from '../../app/http/server.ts';
import { defineJob } from '../../jobs/job.ts';
import { Runner } from '../../jobs/runner.ts';
import { createSnapshot } from '../../load/inventory/staging.ts';
import { createBatch } from '../../load/staging/batches.ts';
import { registryOf } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const CHROMIUM = process.env.MFG_ETL_TEST_CHROMIUM ?? '/usr/bin/chromium';
const DAY = 86_400_000;

const okJob = defineJob({
  name: 'forecast-import',
  description: 'imports forecasts',
  schedule: '*/5 * * * *',
  params: z.object({}),
  run: async () => ({ rowsStaged: 3 }),
});
const badJob = defineJob({
  name: 'cost-rollup',
  description: 'nightly cost rollup',
  schedule: '0 2 * * *',
  params: z.object({}),
  async run() {
    throw new DataValidationError('BoM of FURN_7800 has a cycle');
  },
});
const registry = registryOf(okJob, badJob);

let app: TestApp;
let server: StatusServer;
let base: string;
let browser: Browser;
let versions: { previous: number; rejected: number; current: number };

async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { violations: string[] }).violations ??= [];
      (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return violations;
}

async function seedReconciliation(): Promise<void> {
  const knex = app.db.knex;
  const batch = await createBatch(knex, { kind: 'inventory_count', scope: 'WH1', version: 'c1', actor: 'test' });
  const snapshot = await createSnapshot(knex, {
    warehouseId: 1,
    warehouseCode: 'WH1',
    purpose: 'reconciliation',
    takenAt: new Date(),
    source: 'test',
    runId: null,
  });
  const [rec] = await knex('inventory_reconciliations')
    .insert({
      warehouse_id: 1,
      warehouse_code: 'WH1',
      kind: 'daily',
      count_batch_id: batch.id,
      snapshot_id: snapshot,
      coverage: 'warehouse',
      settings: JSON.stringify({ currency: 'EUR' }),
      totals: JSON.stringify({ value_impact_abs: 75 }),
      status: 'done',
      finished_at: new Date(),
    })
    .returning('id');
  const line = (no: number, location: string, difference: number, price: number) => ({
    reconciliation_id: rec.id,
    line_no: no,
    line_key: `${location}:P${no}`,
    location_name: location,
    product_code: `P${no}`,
    difference,
    tolerance_abs: 0,
    tolerance_pct: 0,
    class: difference < 0 ? 'short' : difference > 0 ? 'over' : 'match',
    is_discrepancy: difference !== 0,
    standard_price: price,
    value_impact: difference * price,
  });
  await knex('inventory_reconciliation_lines').insert([
    line(1, 'WH1/Stock/Shelf A', -5, 10), // -50
    line(2, 'WH1/Stock/Shelf A', 0, 3),
    line(3, 'WH1/Stock/Shelf B', 2, 12.5), // +25
    line(4, 'WH1/Stock/Rack 1', 0, 1),
  ]);
}

/** two versions of scope PIC (the first approved, a rejected one in between) and their lines */
async function seedForecastVersions(): Promise<{ previous: number; rejected: number; current: number }> {
  const knex = app.db.knex;
  const version = async (v: string, status: string, lines: Array<[string, string, number]>) => {
    const b = await createBatch(knex, { kind: 'forecast', scope: 'PIC', version: v, actor: 'test' });
    await knex('batches').where({ id: b.id }).update({ status });
    await knex('forecast_lines').insert(
      lines.map(([product, period, q], i) => ({
        batch_id: b.id,
        line_no: i + 1,
        product_code: product,
        warehouse_code: 'WH1',
        period_start: period,
        quantity: q,
        source_quantity: q,
        source_ref: String(i + 2),
      })),
    );
    return b.id;
  };
  const weeks = ['2026-01-05', '2026-01-12', '2026-01-19'];
  const previous = await version('v1', 'approved', [
    ...weeks.map((w) => ['P1', w, 10] as [string, string, number]),
    ...weeks.map((w) => ['P2', w, 5] as [string, string, number]),
  ]);
  const rejected = await version('v2', 'rejected', [['P9', '2026-01-05', 1000]]);
  // P1 doubles (+30), P2 is dropped (-15), P3 is new (+8), and one more week
  const current = await version('v3', 'validated', [
    ...weeks.map((w) => ['P1', w, 20] as [string, string, number]),
    ['P3', '2026-01-19', 4],
    ['P3', '2026-01-26', 4],
  ]);
  return { previous, rejected, current };
}

async function seedShifts(): Promise<void> {
  const knex = app.db.knex;
  const batch = await createBatch(knex, { kind: 'historian', scope: 'pictures', version: 'w1', actor: 'test' });
  const rows = [];
  for (const weeksAgo of [0, 1, 2]) {
    const date = new Date(Date.now() - weeksAgo * 7 * DAY).toISOString().slice(0, 10);
    for (const asset of ['PRESS-01', 'WELD-01']) {
      rows.push({
        asset,
        shift_date: date,
        shift: 'A',
        start_at: `${date}T05:00:00Z`,
        end_at: `${date}T13:00:00Z`,
        good: 300 - weeksAgo * 20,
        scrap: 10 + weeksAgo,
        running_minutes: 400 - weeksAgo * 30,
        down_minutes: 40 + weeksAgo * 30,
        idle_minutes: 40,
        complete: true,
        batch_id: batch.id,
      });
    }
  }
  await knex('historian_shifts').insert(rows);
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set MFG_ETL_TEST_CHROMIUM)`);
  app = await testApp('pictures', { MFG_ETL_RETRY_LIMIT: '0' });
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
  for (let i = 0; i < 3; i++) await runner.runNow('forecast-import', {});
  for (let i = 0; i < 2; i++) await runner.runNow('cost-rollup', {});
  await runner.stop();
  await seedReconciliation();
  await seedShifts();
  versions = await seedForecastVersions();
  server = new StatusServer({ config: app.config, db: app.db, logger: app.logger, registry, port: 0 });
  base = await server.listen();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await app?.cleanup();
});

describe('pictures on the status page', () => {
  it('draws runs, stock value by location and availability/quality per asset as inline SVG, with no CSP violation', async () => {
    const page = await browser.newPage();
    const violations = await watchCsp(page);
    try {
      const response = await page.goto(`${base}/`);
      expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
      const section = page.locator('#pictures');
      expect(await section.locator('svg.chart').count()).toBeGreaterThanOrEqual(4);

      const runs = section.locator('svg[data-chart="runs"]');
      expect(await runs.locator('circle.dot').count()).toBe(5);
      expect(await runs.locator('circle.dot[data-status="succeeded"]').count()).toBe(3);
      expect(await runs.locator('circle.dot[data-status="dead"]').count()).toBe(2);
      expect(await runs.locator('g.lane').count()).toBe(2);
      expect(await runs.locator('circle.dot[data-status="dead"]').first().getAttribute('fill')).toBe('#c62828');
      expect(await runs.locator('a[href^="/runs/"]').count()).toBe(5);

      const bars = section.locator('svg[data-chart="reconciliation-WH1"] rect.bar');
      expect(await bars.count()).toBe(3);
      const values = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
      expect(values.sort((a, b) => a - b)).toEqual([-50, 0, 25]);
      expect(await section.locator('svg[data-chart="reconciliation-WH1"] rect.bar[data-value="-50"]').getAttribute('fill')).toBe('#c62828');

      for (const metric of ['availability', 'quality']) {
        const chart = section.locator(`svg[data-chart="oee-${metric}"]`);
        expect(await chart.locator('g.series').count(), metric).toBe(2);
        expect(await chart.locator('g.series').evaluateAll((els) => els.map((e) => e.getAttribute('data-points')))).toEqual(['3', '3']);
        expect(await chart.locator('g.series path').first().getAttribute('d')).toMatch(/^M[\d.]+ [\d.]+ L/);
      }
      // no ideal rates configured: no performance, so no OEE line
      expect(await section.locator('svg[data-chart="oee-oee"]').count()).toBe(0);
      // every picture is visible and fits the page's width
      const width = await page.evaluate(() => document.documentElement.clientWidth);
      for (const box of await section.locator('svg.chart').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width))) {
        expect(box).toBeGreaterThan(100);
        expect(box).toBeLessThanOrEqual(width);
      }
      // nothing inside the SVGs needs a style attribute or element, nor a script
      expect(await section.locator('svg [style], svg style, svg script').count()).toBe(0);
      expect(violations).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { violations?: string[] }).violations ?? [])).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('draws a forecast version against the previous approved one of its scope: totals by period and the top movers', async () => {
    const page = await browser.newPage();
    const violations = await watchCsp(page);
    try {
      const response = await page.goto(`${base}/batches/${versions.current}`);
      expect(response!.status()).toBe(200);
      expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
      const section = page.locator('#version-compare');
      // compared with the approved version, not the rejected one in between
      expect(await section.locator(`a[href="/batches/${versions.previous}"]`).count()).toBe(1);
      const periods = section.locator('svg[data-chart="forecast-periods"]');
      const series = await periods
        .locator('g.series')
        .evaluateAll((els) => els.map((e) => [e.getAttribute('data-series'), e.getAttribute('data-points')]));
      expect(series).toEqual([
        [`this version (#${versions.current})`, '4'],
        [`previous approved (#${versions.previous})`, '3'],
      ]);
      const bars = section.locator('svg[data-chart="forecast-movers"] rect.bar');
      expect(await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))))).toEqual([30, -15, 8]);
      const labels = await section.locator('svg[data-chart="forecast-movers"] text').allTextContents();
      expect(labels.map((t) => t.trim()).filter((t) => /^P\d$/.test(t))).toEqual(['P1', 'P2', 'P3']);
      expect(await section.locator('svg [style], svg style, svg script').count()).toBe(0);

      // the first version of a scope has nothing to compare with
      await page.goto(`${base}/batches/${versions.previous}`);
      expect(await page.locator('#version-compare').count()).toBe(0);
      expect(violations).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { violations?: string[] }).violations ?? [])).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
