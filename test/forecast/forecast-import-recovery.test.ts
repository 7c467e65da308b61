/**
 * forecast-import without master data (the referential checkpoints say so as warnings), and its
 * crash safety: a file left in processing/ before or after its batch committed, and concurrent
 * imports that must never take one file twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, PROCESSING, sha256File } from '../../extract/inbox/inbox.ts';
import { forecastImportJob } from '../../jobs/forecast/forecast-import.ts';
import { defaultRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';
import { createRun, finishRun } from '../../load/ops/runs.ts';
import {
  archiveMonth,
  batchesFromSha,
  batchOf,
  drop,
  type ForecastHarness,
  forecastHarness,
  type ImportStats,
  lineCount,
  longCsv,
  runImport,
  series,
  tree,
} from '../support/forecast.ts';

let h: ForecastHarness;
beforeAll(async () => {
  h = await forecastHarness('fc-recovery');
});
afterAll(async () => h?.close());

const processing = () => path.join(h.root, PROCESSING);

describe('without master data', () => {
  it('reports the referential checkpoints as warnings that say no master data was synced, and waits for approval', async () => {
    drop(h, 'no-master.csv', longCsv(series('FURN_7800', 'P01', 10, 12, 'Units')));
    const stats = await runImport(h);
    const batch = await batchOf(h, stats, 'no-master.csv');
    expect(batch.status).toBe('validated'); // auto-unless-warnings: a person decides
    for (const [name, what] of [
      ['unknown_products', 'product'],
      ['unknown_warehouses', 'warehouse'],
      ['unknown_units', 'unit'],
    ] as const) {
      expect(batch.cp[name], name).toMatchObject({ severity: 'warning', passed: false, measured: { masterDataRows: 0, unknown: null } });
      expect(batch.cp[name]!.message).toBe(`no ${what} master data synced yet: ${what}s not checked (run masterdata-sync)`);
    }
    // everything else is clean
    expect(
      Object.values(batch.cp)
        .filter((c) => !c.passed)
        .map((c) => c.name),
    ).toEqual(['unknown_products', 'unknown_warehouses', 'unknown_units']);
    expect(batch.stats).toMatchObject({ lines: 12, totalQuantity: 120 });
    expect(await lineCount(h, batch.id)).toBe(12);
  });
});

describe('crash safety', () => {
  it('imports once a file a crashed run left in processing/ right after claiming it', async () => {
    const content = longCsv(series('FURN_8888', 'P02', 3));
    drop(h, 'claimed-then-crashed.csv', content);
    const claimed = await claim(h.root, 'claimed-then-crashed.csv');
    expect(claimed).not.toBeNull();
    expect(fs.readdirSync(processing())).toEqual([path.basename(claimed!.path)]);

    // a dry run writes nothing: it names the file and leaves it for the next real run
    const dry = await h.runner.runNow('forecast-import', { settleSeconds: 0 }, { dryRun: true });
    expect(dry.status).toBe('succeeded');
    expect(dry.stats).toMatchObject({ dryRun: true, unfinished: ['claimed-then-crashed.csv'] });
    expect(String((dry.stats as { summary: string[] }).summary)).toContain('1 file(s) an interrupted run left in processing/');
    expect(fs.readdirSync(processing())).toEqual([path.basename(claimed!.path)]);

    const stats = await runImport(h);
    expect(stats).toMatchObject({ files: 1, staged: 1 });
    const batch = await batchOf(h, stats, 'claimed-then-crashed.csv');
    expect(batch.stats.claimId).toBe(claimed!.claimId); // the claim of the crashed run, finished
    expect(batch.stats.lines).toBe(12);
    expect(fs.readdirSync(processing())).toEqual([]);
    expect(fs.readFileSync(path.join(h.root, archiveMonth(), 'claimed-then-crashed.csv'), 'utf8')).toBe(content);

    // and a second run finds nothing left to do
    expect(await runImport(h)).toMatchObject({ files: 0, batches: [] });
    expect(await batchesFromSha(h, batch.sourceSha256!)).toHaveLength(1);
  });

  it('finishes moving a file whose batch committed before the crash, without a second batch', async () => {
    const content = longCsv(series('FURN_6666', 'P03', 4));
    drop(h, 'committed-then-crashed.csv', content);
    const first = await runImport(h);
    const batch = await batchOf(h, first, 'committed-then-crashed.csv');
    const archived = path.join(h.root, archiveMonth(), 'committed-then-crashed.csv');
    expect(fs.existsSync(archived)).toBe(true);

    // the state a crash between the commit and the move leaves: the file still under its claim name
    const claimId = batch.stats.claimId as string;
    expect(claimId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/);
    fs.mkdirSync(processing(), { recursive: true });
    fs.copyFileSync(archived, path.join(processing(), `${claimId}--committed-then-crashed.csv`));
    fs.unlinkSync(archived);

    const again = await runImport(h);
    expect(again.batches).toEqual([{ file: 'committed-then-crashed.csv', batchId: batch.id, status: batch.status, outcome: 'staged' }]);
    expect(again).toMatchObject({ duplicates: 0 });
    expect(await batchesFromSha(h, batch.sourceSha256!)).toHaveLength(1);
    expect(fs.readdirSync(processing())).toEqual([]);
    expect(fs.readFileSync(archived, 'utf8')).toBe(content);
    expect(tree(path.join(h.root, archiveMonth())).filter((f) => f.includes('committed-then-crashed'))).toEqual([
      'committed-then-crashed.csv',
    ]);
    expect(
      h.app.logLines.some((l) => l.message === 'finishing a file whose batch committed before an interruption' && l.batchId === batch.id),
    ).toBe(true);
  });

  it('finishes a rejected file whose batch committed before the crash: reports written once, no second batch', async () => {
    const rows = series('FURN_9999', 'P04', 2);
    rows[1] = { ...rows[1]!, quantity: 'n/a' };
    drop(h, 'rejected-then-crashed.csv', longCsv(rows));
    const first = await runImport(h);
    const batch = await batchOf(h, first, 'rejected-then-crashed.csv');
    expect(batch.status).toBe('rejected');
    const rejected = path.join(h.root, 'rejected', 'rejected-then-crashed.csv');
    const errorsCsv = fs.readFileSync(`${rejected}.errors.csv`, 'utf8');

    // crash after the commit, before the reports and the move
    fs.copyFileSync(rejected, path.join(processing(), `${batch.stats.claimId as string}--rejected-then-crashed.csv`));
    for (const suffix of ['', '.errors.csv', '.report.txt']) fs.unlinkSync(`${rejected}${suffix}`);

    const again = await runImport(h);
    expect(again.batches).toEqual([{ file: 'rejected-then-crashed.csv', batchId: batch.id, status: 'rejected', outcome: 'rejected' }]);
    // rejected batches do not hold the unique (kind, sha256) slot: only the claim id prevents a second batch
    expect(await batchesFromSha(h, batch.sourceSha256!)).toHaveLength(1);
    expect(fs.readFileSync(`${rejected}.errors.csv`, 'utf8')).toBe(errorsCsv);
    expect(fs.readFileSync(`${rejected}.report.txt`, 'utf8')).toMatch(
      new RegExp(`^Forecast file: rejected-then-crashed.csv\nBatch ${batch.id}: REJECTED`),
    );
    expect(fs.readdirSync(processing())).toEqual([]);
  });
});

describe('concurrent imports', () => {
  function dropMany(prefix: string, n: number): Map<string, string> {
    const files = new Map<string, string>();
    for (let i = 0; i < n; i++) {
      const name = `${prefix}-${i}.csv`;
      // distinct content per file (otherwise they would be duplicates of each other)
      files.set(name, drop(h, name, longCsv(series(`${prefix.toUpperCase()}_${i}`, `C${i}`, i + 1))));
    }
    return files;
  }

  async function expectEachFileOnce(files: Map<string, string>, results: ImportStats[]): Promise<void> {
    const entries = results.flatMap((r) => r.batches);
    expect(entries.map((e) => e.file).sort()).toEqual([...files.keys()].sort());
    expect(entries.every((e) => e.outcome === 'staged')).toBe(true);
    expect(new Set(entries.map((e) => e.batchId)).size).toBe(files.size);
    const archiveFiles = tree(path.join(h.root, archiveMonth()));
    for (const name of files.keys()) {
      expect(
        archiveFiles.filter((f) => f.endsWith(name)),
        name,
      ).toEqual([name]);
      const rows = await h.app.db.knex('batches').where({ kind: 'forecast', source: `forecasts/${name}` });
      expect(rows, name).toHaveLength(1);
      expect(await sha256File(path.join(h.root, archiveMonth(), name))).toBe(rows[0].source_sha256);
    }
    expect(fs.readdirSync(processing())).toEqual([]);
    const names = [...files.keys()];
    expect(tree(h.root).filter((f) => (f.startsWith('rejected/') || f.includes('duplicates')) && names.some((n) => f.includes(n)))).toEqual(
      [],
    );
  }

  it('two runners asked at once over several files: each file becomes exactly one batch', async () => {
    const files = dropMany('two-runners', 8);
    const second = new Runner({ config: h.app.config, db: h.app.db, logger: h.app.logger, registry: defaultRegistry() });
    await second.start();
    try {
      const results = await Promise.all([runImport(h), runImport(h, second)]);
      await expectEachFileOnce(files, results);
    } finally {
      await second.stop();
    }
  });

  it('two job executions running truly in parallel (as if the queue let them) never take one file twice', async () => {
    const files = dropMany('parallel', 10);
    const execute = async () => {
      const run = await createRun(h.app.db.knex, { job: 'forecast-import', trigger: 'manual' });
      const stats = await forecastImportJob.run(
        {
          config: h.app.config,
          db: h.app.db,
          logger: h.app.logger.child({ runId: run.id }),
          signal: new AbortController().signal,
          runId: run.id,
          attempt: 1,
          dryRun: false,
          progress: () => {},
        },
        { settleSeconds: 0 },
      );
      await finishRun(h.app.db.knex, run.id, 'succeeded', stats, null);
      return stats as unknown as ImportStats;
    };
    // the others start while the first is in the middle of a file it claimed
    const firstRun = execute();
    const deadline = Date.now() + 10_000;
    while (!(fs.existsSync(processing()) && fs.readdirSync(processing()).length > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1));
    const results = await Promise.all([firstRun, execute(), execute()]);
    await expectEachFileOnce(files, results);
  });
});
