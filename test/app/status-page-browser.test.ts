/**
 * The status page in a real headless browser (Debian's Chromium driven by playwright-core):
 * a failed job shows red with its reason, an approval from the page moves a batch to approved,
 * and the page fits a phone's width.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DataValidationError } from '../../core/errors.ts';
import { hashPassword } from '../../app/http/auth.ts';
import { StatusServer } from '../../app/http/server.ts';
import { defineJob } from '../../jobs/job.ts';
import { Runner } from '../../jobs/runner.ts';
import { createBatch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { registryOf } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const CHROMIUM = process.env.MFG_ETL_TEST_CHROMIUM ?? '/usr/bin/chromium';

const costJob = defineJob({
  name: 'cost-rollup',
  description: 'nightly cost rollup',
  schedule: '0 2 * * *',
  params: z.object({}),
  async run() {
    throw new DataValidationError('BoM of FURN_7800 has a cycle through COMP_LEG');
  },
});
const okJob = defineJob({
  name: 'forecast-import',
  description: 'imports forecasts',
  schedule: '*/5 * * * *',
  params: z.object({}),
  run: async () => ({ rowsStaged: 3 }),
});
const registry = registryOf(okJob, costJob);

let app: TestApp;
let server: StatusServer;
let base: string;
let browser: Browser;
let profile: string;
let batchId: number;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set MFG_ETL_TEST_CHROMIUM)`);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-chromium-'));
  const usersFile = path.join(profile, 'users');
  fs.writeFileSync(usersFile, `anna:${await hashPassword('correct horse battery')}:Anna Planner\n`);
  app = await testApp('browser', { MFG_ETL_HTTP_USERS_FILE: usersFile, MFG_ETL_RETRY_LIMIT: '0' });
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
  await runner.runNow('forecast-import', {});
  await runner.runNow('cost-rollup', {});
  await runner.stop();
  const batch = await createBatch(app.db.knex, {
    kind: 'forecast',
    scope: 'P01',
    version: '2026-W10 <b>bold</b>',
    source: 'P01.xlsx',
    actor: 'forecast-import',
  });
  await transitionBatch(app.db.knex, batch.id, 'validate', { actor: 'forecast-import' });
  batchId = batch.id;
  server = new StatusServer({ config: app.config, db: app.db, logger: app.logger, registry, port: 0 });
  base = await server.listen();
  // playwright gives the browser a new empty profile of its own
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await app?.cleanup();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

/** with users configured every page needs a login: the browser is sent to the form, then back */
async function logIn(page: Page, path: string): Promise<void> {
  await page.goto(`${base}${path}`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('User').fill('anna');
  await page.getByLabel('Password').fill('correct horse battery');
  await Promise.all([page.waitForURL(`${base}${path}`), page.getByRole('button', { name: 'Log in' }).click()]);
}

describe('status page in Chromium', () => {
  it('shows the failed job in red with its reason in the workflows table', async () => {
    const page = await browser.newPage();
    try {
      await logIn(page, '/');
      const row = page.locator('#workflows tr[data-job="cost-rollup"]');
      const badge = row.locator('td.status .light');
      expect(await badge.textContent()).toBe('red');
      expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(198, 40, 40)');
      const reason = (await row.locator('td.reason').innerText()).replace(/\s+/g, ' ');
      expect(reason).toContain('failed for good');
      expect(reason).toContain('BoM of FURN_7800 has a cycle through COMP_LEG');
      expect(await row.locator('td.reason').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(198, 40, 40)');
      const okBadge = page.locator('#workflows tr[data-job="forecast-import"] td.status .light');
      expect(await okBadge.textContent()).toBe('green');
      expect(await okBadge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(26, 127, 55)');
      if (process.env.MFG_ETL_TEST_SCREENSHOTS)
        await page.screenshot({ path: path.join(process.env.MFG_ETL_TEST_SCREENSHOTS, 'overview.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('logs in and approves a batch from its page; the batch is approved by that person', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await logIn(page, `/batches/${batchId}`);
      // the version is shown as text, not markup
      expect(await page.locator('h1').innerText()).toContain('2026-W10 <b>bold</b>');
      await page.getByLabel('Comment').fill('promo week');
      await Promise.all([
        page.waitForURL(`${base}/batches/${batchId}?done=approved`),
        page.getByRole('button', { name: 'Approve' }).click(),
      ]);
      expect(await page.locator('#notice').innerText()).toBe(`Batch ${batchId} approved.`);
      expect(await page.locator('#batch-status').innerText()).toBe('approved');
      const batch = await getBatch(app.db.knex, batchId);
      expect(batch).toMatchObject({ status: 'approved', approvedBy: 'Anna Planner', approvalComment: 'promo week' });
    } finally {
      await context.close();
    }
  });

  it('fits a phone: the page itself does not scroll sideways, wide tables scroll in their box', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    try {
      await logIn(page, '/');
      const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
      expect(widths.page).toBeLessThanOrEqual(widths.viewport);
      if (process.env.MFG_ETL_TEST_SCREENSHOTS)
        await page.screenshot({ path: path.join(process.env.MFG_ETL_TEST_SCREENSHOTS, 'phone.png') });
      const box = page.locator('#workflows').locator('xpath=..');
      expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth && getComputedStyle(el).overflowX === 'auto')).toBe(true);
    } finally {
      await context.close();
    }
  });
});
