/**
 * `mfg-etl init`: a commented mfg-etl.config.json and its folders in the current directory, so
 * every later command works without environment variables. Asks nothing; refuses to overwrite a
 * config file (exit 2) unless --force. `--demo` points the folders at the demo's data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { print } from './io.ts';

export const CONFIG_FILE = 'mfg-etl.config.json';

/** The inbox folders the import jobs read (forecast-import, cost-import, count-import, quality-import, supplier-import). */
export const INBOX_FOLDERS = ['forecasts', 'costs', 'counts', 'quality', 'suppliers', 'mes'] as const;

/** Where `npm run demo` writes its working folder (examples/demo.ts: MFG_ETL_DEMO_DIR, else ./demo of the checkout). */
function demoFolder(): string {
  return path.resolve(process.env.MFG_ETL_DEMO_DIR ?? fileURLToPath(new URL('../../demo', import.meta.url)));
}

/** The config file's content: `//` keys are comments (loadConfig skips them); paths are relative to the file. */
export function initialConfig(
  folders: { dataDir: string; inbox: string; reports: string; outbox: string },
  demo: boolean,
): Record<string, unknown> {
  return {
    '//': [
      `mfg-etl configuration, written by mfg-etl init${demo ? ' --demo' : ''}. Keys starting with // are comments.`,
      'Environment variables (MFG_ETL_*) win over this file. Every key: README.md, section Configuration.',
      'Check it with: mfg-etl config',
    ],
    '// folders': [
      'Relative folders are relative to this file.',
      'dataDir: the embedded database (used while MFG_ETL_DATABASE_URL is not set) and the OPC UA certificates.',
      `inbox: planners and warehouses drop files into ${INBOX_FOLDERS.map((f) => `inbox/${f}`).join(', ')}; processed files move to archive/ or rejected/ below them.`,
      'reports: workbooks, plans and reports the jobs write (the status page lists them).',
      'outbox: files for the outside world (suppliers/<code>/ purchase order files, mes/ orders released to the MES), written atomically.',
    ],
    dataDir: folders.dataDir,
    inbox: folders.inbox,
    reports: folders.reports,
    outbox: folders.outbox,
    '// odoo': [
      'Without Odoo every load is a plan (nothing is sent). To connect, set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB and',
      'MFG_ETL_ODOO_USER (here as odooUrl, odooDb, odooUser if you like) and MFG_ETL_ODOO_API_KEY or MFG_ETL_ODOO_API_KEY_FILE;',
      'keep the API key and the database URL out of this file.',
    ],
    '// mes': 'The MES link is off until this file has a "mes" section: "mes": {} releases every ready order (README: MES link).',
    '// next': 'mfg-etl jobs; mfg-etl run forecast-import; mfg-etl batches; mfg-etl start (scheduler, worker and status page)',
  };
}

export function registerInitCommands(program: Command): void {
  program
    .command('init')
    .description(`write a commented ${CONFIG_FILE} and the data, inbox, reports and outbox folders in the current directory (asks nothing)`)
    .option('--demo', "point the folders at the demo's data (run npm run demo first)")
    .option('--force', `overwrite an existing ${CONFIG_FILE}`)
    .action((opts: { demo?: boolean; force?: boolean }) => {
      const cwd = process.cwd();
      const file = path.join(cwd, CONFIG_FILE);
      if (fs.existsSync(file) && !opts.force)
        throw new UsageError(`${file} exists already: keep it, or overwrite it with mfg-etl init --force`);
      const demo = opts.demo ? demoFolder() : undefined;
      const rel = (p: string) => {
        const r = path.relative(cwd, p);
        return r.startsWith('..') || path.isAbsolute(r) ? p : `./${r.split(path.sep).join('/')}`;
      };
      const folders = demo
        ? {
            dataDir: rel(path.join(demo, 'data')),
            inbox: rel(path.join(demo, 'inbox')),
            reports: rel(path.join(demo, 'reports')),
            outbox: rel(path.join(demo, 'outbox')),
          }
        : { dataDir: './data', inbox: './inbox', reports: './reports', outbox: './outbox' };
      const made: string[] = [];
      const mkdir = (dir: string) => {
        if (!fs.existsSync(dir)) made.push(path.relative(cwd, dir) || dir);
        fs.mkdirSync(dir, { recursive: true });
      };
      const abs = (p: string) => path.resolve(cwd, p);
      mkdir(abs(folders.dataDir));
      for (const f of INBOX_FOLDERS) mkdir(path.join(abs(folders.inbox), f));
      mkdir(abs(folders.reports));
      mkdir(abs(folders.outbox));
      fs.writeFileSync(file, `${JSON.stringify(initialConfig(folders, Boolean(demo)), null, 2)}\n`);
      print(
        [
          `wrote ${file}`,
          made.length ? `made ${made.join(', ')}` : 'the folders exist already',
          ...(demo && !fs.existsSync(path.join(demo, 'data'))
            ? [`the demo has not run yet: run npm run demo in ${path.dirname(demo)} to fill ${demo}`]
            : []),
          'next: mfg-etl config (check it), mfg-etl jobs, then drop a forecast file into inbox/forecasts and mfg-etl run forecast-import',
        ].join('\n'),
      );
    });
}
