/**
 * The example input files under examples/inbox/<folder>/ (the README points newcomers at them):
 * each one dropped into a fresh inbox folder of the same name and taken by the real import job
 * against the demo master data. Each must stage (not be rejected), with no row errors and the
 * number of lines it holds. A file the parser no longer understands, a header alias that went
 * away or a demo product renamed fails here before a newcomer meets it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costImportJob } from '../jobs/costs/cost-import.ts';
import { createRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';
import { getBatch } from '../load/staging/batches.ts';
import { COST_UPDATE_ALIASES } from '../transform/costs/updates.ts';
import { DEFAULT_ALIASES } from '../transform/forecast/columns.ts';
import { COUNT_ALIASES } from '../transform/inventory/count-parser.ts';
import { SUPPLIER_ALIASES } from '../transform/suppliers/parse.ts';
import type { Knex } from 'knex';
import { forecastHarness, loadMasterData, runImport } from './support/forecast.ts';
import { inventoryHarness, loadDemoMasterData, runOk } from './support/inventory.ts';
import { type TestApp, testApp } from './support/staging.ts';

const EXAMPLES = fileURLToPath(new URL('../examples/inbox/', import.meta.url));

/** every example file of an inbox folder with the lines it must stage */
const EXPECTED: Record<'forecasts' | 'costs' | 'counts', Record<string, number>> = {
  forecasts: {
    'P01_2027-01_long.csv': 36, // 3 products × 12 weeks, long layout
    'P02_2027-01_wide.csv': 48, // 4 products × 12 ISO-week columns, German headers and decimals
    'P01_2027-01_wide.xlsx': 48, // 4 products × 12 date columns under two title rows
    'P02_2027-01_long.xlsx': 24, // 2 products × 12 weeks, German headers, date cells
  },
  costs: {
    'cost-updates_2027-01.csv': 4,
    'cost-updates_2027-02.xlsx': 3,
  },
  counts: {
    'P01-count_2026-11-30.csv': 8,
    'P02-count_2026-11-30.xlsx': 5,
  },
};

type FileResult = { file: string; batchId: number; status: string; outcome: string };

function copyExamples(folder: keyof typeof EXPECTED, inbox: string): void {
  const dir = path.join(inbox, folder);
  fs.mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(EXPECTED[folder])) fs.copyFileSync(path.join(EXAMPLES, folder, name), path.join(dir, name));
}

async function rowErrors(db: Knex, batchId: number): Promise<unknown[]> {
  return db('batch_row_errors').where({ batch_id: batchId }).select('ref', 'col', 'value', 'message');
}

async function expectStaged(db: Knex, batches: readonly FileResult[], folder: keyof typeof EXPECTED, table: string): Promise<void> {
  for (const [name, lines] of Object.entries(EXPECTED[folder])) {
    const result = batches.find((b) => b.file === name);
    expect(result, `${folder}/${name} was not taken: ${JSON.stringify(batches)}`).toBeDefined();
    expect(result!.outcome, `${folder}/${name}`).toBe('staged');
    expect(await rowErrors(db, result!.batchId), `${folder}/${name}: row errors`).toEqual([]);
    const [row] = await db(table).where({ batch_id: result!.batchId }).count<{ n: string }[]>('* as n');
    expect(Number(row!.n), `${folder}/${name}: lines`).toBe(lines);
    expect((await getBatch(db, result!.batchId)).status, `${folder}/${name}`).not.toBe('rejected');
  }
}

it('lists every file of examples/inbox/ (a new example needs its expected line count here, or a test of its own pipeline)', () => {
  for (const folder of fs.readdirSync(EXAMPLES)) {
    const files = fs.readdirSync(path.join(EXAMPLES, folder)).sort();
    if (folder in EXPECTED) {
      expect(files).toEqual(Object.keys(EXPECTED[folder as keyof typeof EXPECTED]).sort());
      continue;
    }
    // the execution pipelines' examples (quality, suppliers…) are used by test/<folder>/: each file must be named there
    const testDir = path.join(import.meta.dirname, folder);
    expect(fs.existsSync(testDir), `examples/inbox/${folder} has no test/${folder}/ using it`).toBe(true);
    const tests = fs
      .readdirSync(testDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => fs.readFileSync(path.join(testDir, f), 'utf8'))
      .join('\n');
    for (const name of files) expect(tests, `examples/inbox/${folder}/${name} is used by no test in test/${folder}/`).toContain(name);
  }
});

describe('example forecasts (long and wide, CSV and XLSX)', () => {
  let h: Awaited<ReturnType<typeof forecastHarness>>;
  beforeAll(async () => {
    h = await forecastHarness('examples-fc', { MFG_ETL_INBOX_SETTLE_SECONDS: '0' });
    await loadMasterData(h.app);
  });
  afterAll(async () => h?.close());

  it('stage with no row errors and every line', async () => {
    copyExamples('forecasts', h.app.config.inbox);
    const stats = await runImport(h);
    await expectStaged(h.app.db.knex, stats.batches, 'forecasts', 'forecast_lines');
  });
});

describe('example cost updates (CSV in the company currency, XLSX with currency and price unit)', () => {
  let app: TestApp;
  let runner: Runner;
  beforeAll(async () => {
    // without Odoo the company currency comes from the config file
    app = await testApp('examples-cost', { MFG_ETL_INBOX_SETTLE_SECONDS: '0' }, { costs: { companyCurrency: 'EUR' } });
    runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: createRegistry([costImportJob]) });
    await runner.start();
    await loadMasterData(app);
  });
  afterAll(async () => {
    await runner?.stop();
    await app?.cleanup();
  });

  it('stage with no row errors and every line', async () => {
    copyExamples('costs', app.config.inbox);
    const run = await runner.runNow('cost-import', { settleSeconds: 0 });
    expect(run.error, JSON.stringify(run.error)).toBeNull();
    await expectStaged(app.db.knex, run.stats.batches as FileResult[], 'costs', 'cost_update_lines');
  });
});

describe('example counts (German CSV, English XLSX)', () => {
  let h: Awaited<ReturnType<typeof inventoryHarness>>;
  beforeAll(async () => {
    h = await inventoryHarness('examples-count');
    await loadDemoMasterData(h.app);
  });
  afterAll(async () => h?.close());

  it('stage with no row errors and every line', async () => {
    copyExamples('counts', h.app.config.inbox);
    const stats = await runOk(h, 'count-import', { settleSeconds: 0 });
    await expectStaged(h.app.db.knex, stats.batches as FileResult[], 'counts', 'inventory_count_lines');
  });
});

it('README lists every built-in header name of the forecast, cost update, count and supplier files', () => {
  const readme = fs.readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const rows = new Map<string, string>();
  for (const m of readme.matchAll(/^\| (forecasts|costs|counts|suppliers) \| ([a-z ]+) \| (.+) \|$/gm)) rows.set(`${m[1]} ${m[2]}`, m[3]!);
  const label: Record<string, string> = {
    validFrom: 'valid from',
    counted_at: 'counted at',
    lineId: 'line id',
    supplierCode: 'supplier code',
    confirmedQty: 'confirmed qty',
    confirmedDate: 'confirmed date',
    shippedQty: 'shipped qty',
    shipDate: 'ship date',
  };
  for (const [inbox, aliases] of [
    ['forecasts', DEFAULT_ALIASES],
    ['costs', COST_UPDATE_ALIASES],
    ['counts', COUNT_ALIASES],
    ['suppliers', SUPPLIER_ALIASES],
  ] as const) {
    for (const [field, names] of Object.entries(aliases)) {
      const row = rows.get(`${inbox} ${label[field] ?? field}`);
      expect(row, `README row for ${inbox} ${field}`).toBeDefined();
      expect(row!.split(', ')).toEqual([...(names as readonly string[])]);
    }
  }
});
