// Pins the dependency rule itself (.dependency-cruiser.cjs, run by `npm run lint`): dependency-cruiser's CLI, with the
// repository's config, on a tiny tree of the same folders written to a temporary directory.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-deprule-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** the modules of a healthy tree: every layer importing the one below it, and the edges the rule allows on purpose */
const healthy: Record<string, string> = {
  'core/errors.ts': `export class EtlError extends Error {}\n`,
  'extract/forecast/read.ts': `import { EtlError } from '../../core/errors.ts';\nexport const read = () => new EtlError('x');\n`,
  'transform/forecast/rules.ts': `import { read } from '../../extract/forecast/read.ts';\nexport const rules = () => read();\n`,
  'load/ops/runs.ts': `import '../../core/errors.ts';\nexport const runs = 1;\n`,
  'load/forecast/write.ts': `import { rules } from '../../transform/forecast/rules.ts';\nexport const write = () => rules();\n`,
  'jobs/job.ts': `import '../load/ops/runs.ts';\nexport const job = 1;\n`,
  'jobs/forecast/forecast-import.ts': `import '../job.ts';\nimport { write } from '../../load/forecast/write.ts';\nexport const run = () => write();\n`,
  'jobs/costs/cost-load.ts': `import '../job.ts';\nexport const run = 1;\n`,
  'schedules/scheduler.ts': `import '../jobs/job.ts';\nimport '../load/ops/runs.ts';\nexport const scheduler = 1;\n`,
  'tools/plant-simulator/server.ts': `import '../../core/errors.ts';\nexport const server = 1;\n`,
  'app/cli/cli.ts': `import '../../jobs/forecast/forecast-import.ts';\nimport '../../schedules/scheduler.ts';\nimport '../../tools/plant-simulator/server.ts';\n`,
  'test/forecast/forecast.test.ts': `import '../../app/cli/cli.ts';\nimport '../../jobs/forecast/forecast-import.ts';\n`,
};

/**
 * runs the lint's dependency-cruiser command (its default `err` reporter, as `npm run lint` does) on `files`, written
 * under a fresh folder; returns its exit code and its violations as `rule: from -> to`
 */
async function cruise(name: string, files: Record<string, string>): Promise<{ code: number; violations: string[] }> {
  const dir = path.join(tmp, name);
  for (const [file, text] of Object.entries({ ...files, 'tsconfig.json': JSON.stringify(tsconfig) })) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  const folders = [...new Set(Object.keys(files).map((f) => f.split('/')[0]!))];
  const args = [cli, '--config', path.join(root, '.dependency-cruiser.cjs'), ...folders];
  const run = await promisify(execFile)(process.execPath, args, { cwd: dir }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
  // "  error load-imports-core-to-load: load/forecast/write.ts → jobs/job.ts"; a cycle goes on over the next lines
  const violations = [...run.stdout.matchAll(/^\s*error (\S+): (\S+) →\s+(\S+)/gm)].map(
    ([, rule, from, to]) => `${rule}: ${from} -> ${to}`,
  );
  return { code: run.code, violations };
}

const tsconfig = {
  compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true, strict: true },
};

describe('the dependency rule (.dependency-cruiser.cjs)', () => {
  it('passes a tree that imports only downwards, schedules on the job runtime and load/ops, and app on tools/', async () => {
    const { code, violations } = await cruise('healthy', healthy);
    expect(violations).toEqual([]);
    expect(code).toBe(0);
  });

  it('reports an upward import, a cross-pipeline job import, schedules reaching a pipeline, and a type-only cycle', async () => {
    const { code, violations } = await cruise('broken', {
      ...healthy,
      // upward: load must not import jobs
      'load/forecast/write.ts': `import '../../jobs/job.ts';\n${healthy['load/forecast/write.ts']}`,
      // a job of one pipeline importing a job of another
      'jobs/costs/cost-load.ts': `import '../forecast/forecast-import.ts';\nexport const run = 1;\n`,
      // schedules may use the job runtime, not a pipeline's job
      'schedules/scheduler.ts': `import '../jobs/forecast/forecast-import.ts';\nexport const scheduler = 1;\n`,
      // a cycle whose one edge is type-only still counts
      'core/a.ts': `import type { B } from './b.ts';\nexport interface A { b?: B }\n`,
      'core/b.ts': `import { EtlError } from './errors.ts';\nimport './a.ts';\nexport type B = EtlError;\n`,
    });
    expect(violations).toEqual(
      expect.arrayContaining([
        'load-imports-core-to-load: load/forecast/write.ts -> jobs/job.ts',
        'jobs-of-one-pipeline-stay-apart: jobs/costs/cost-load.ts -> jobs/forecast/forecast-import.ts',
        'schedules-import-only-the-job-runtime: schedules/scheduler.ts -> jobs/forecast/forecast-import.ts',
      ]),
    );
    // one violation per cycle; without tsPreCompilationDeps the `import type` edge would vanish and with it the cycle
    expect(violations.filter((v) => v.startsWith('no-circular:'))).toEqual(['no-circular: core/a.ts -> core/b.ts']);
    expect(code).not.toBe(0);
  });
});
