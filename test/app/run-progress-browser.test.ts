/**
 * The run's page in Debian's Chromium shows a running run's newest progress as a bar with counts,
 * share, rate and time left, from the progress lines the runner stores in run_logs; no script
 * (the page refreshes itself), and no bar once the run is over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StatusServer } from '../../app/http/server.ts';
import { defineJob } from '../../jobs/job.ts';
import { Runner } from '../../jobs/runner.ts';
import { latestProgressLine } from '../../load/ops/ops.ts';
import { findRun } from '../../load/ops/runs.ts';
import { registryOf } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const CHROMIUM = process.env.MFG_ETL_TEST_CHROMIUM ?? '/usr/bin/chromium';

let release: () => void = () => {};
const longJob = defineJob({
  name: 'forecast-import',
  description: 'imports forecasts',
  schedule: null,
  params: z.object({}),
  async run(ctx) {
    ctx.progress('Staging forecast rows', 0, 10_000);
    await new Promise<void>((resolve) => (release = resolve));
    ctx.progress('Staging forecast rows', 10_000, 10_000);
    return { rowsStaged: 10_000 };
  },
});

let app: TestApp;
let runner: Runner;
let server: StatusServer;
let base: string;
let browser: Browser;
let profile: string;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waited 20 s for ${what}`);
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set MFG_ETL_TEST_CHROMIUM)`);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-chromium-'));
  app = await testApp('run-progress');
  const registry = registryOf(longJob);
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
  await runner.work();
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
  release();
  await browser?.close();
  await server?.close();
  await runner?.stop();
  await app?.cleanup();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

describe("a running run's page", () => {
  it('shows the newest progress line as a bar with counts, share, rate and time left, and none once it is over', async () => {
    const queued = await runner.enqueue('forecast-import', {}, { trigger: 'manual' });
    // the runner stores the step's first line at once (flushed within a second)
    const first = await until('the first progress line', () => latestProgressLine(app.db.knex, queued.id));
    expect(first.meta).toMatchObject({ done: 0, total: 10_000 });
    expect((await findRun(app.db.knex, queued.id))!.status).toBe('running');

    const page = await browser.newPage();
    try {
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${base}/runs/${queued.id}`);
      const bar = page.locator('#run-progress progress');
      expect(await bar.evaluate((el: HTMLProgressElement) => [el.value, el.max])).toEqual([0, 10_000]);
      expect(await page.locator('#run-progress .progress-step').innerText()).toBe('Staging forecast rows');
      expect(await page.locator('#run-progress .progress-figures').innerText()).toMatch(/^0 of 10,000 \(0 %\) · as of /);
      // the page follows the run without script
      expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('10');
      expect(await page.locator('script').count()).toBe(0);

      // ten seconds later the runner logs the step again, with its rate (the line it writes, stored as it stores it)
      app.logger.info('progress: Staging forecast rows', {
        runId: queued.id,
        job: 'forecast-import',
        done: 2500,
        total: 10_000,
        perSecond: 250,
      });
      await until('the second progress line', async () => {
        const line = await latestProgressLine(app.db.knex, queued.id);
        return line?.meta.done === 2500 ? line : undefined;
      });
      await page.reload();
      expect(await bar.evaluate((el: HTMLProgressElement) => [el.value, el.max, el.position])).toEqual([2500, 10_000, 0.25]);
      expect(await page.locator('#run-progress .progress-figures').innerText()).toMatch(
        /^2,500 of 10,000 \(25 %\) · 250 per second · about 30 s left · as of /,
      );
      const box = await bar.boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      expect(box!.height).toBeGreaterThan(8);
      if (process.env.MFG_ETL_TEST_SCREENSHOTS)
        await page.screenshot({ path: path.join(process.env.MFG_ETL_TEST_SCREENSHOTS, 'run-progress.png'), fullPage: true });

      // a step without a total: an indeterminate bar with the count so far
      app.logger.info('progress: Reading historian', { runId: queued.id, job: 'forecast-import', done: 1234 });
      await until('the third progress line', async () => {
        const line = await latestProgressLine(app.db.knex, queued.id);
        return line?.message === 'progress: Reading historian' ? line : undefined;
      });
      await page.reload();
      expect(await bar.evaluate((el: HTMLProgressElement) => el.position)).toBe(-1);
      expect(await page.locator('#run-progress .progress-figures').innerText()).toMatch(/^1,234 so far · as of /);

      release();
      await until('the run to finish', async () => ((await findRun(app.db.knex, queued.id))!.status === 'succeeded' ? true : undefined));
      await page.reload();
      expect(await page.locator('#run-progress').count()).toBe(0);
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
