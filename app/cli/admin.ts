/** Administration: migrate, config, hash-password. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { print, printJson, type RegistryLoader, useRedactor } from './io.ts';

/** A password from the terminal (not echoed, asked twice) or the first line of stdin. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const { createInterface } = await import('node:readline/promises');
    const { Writable } = await import('node:stream');
    let muted = false;
    const output = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (!muted) process.stderr.write(chunk);
        done();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: true });
    const ask = async (prompt: string) => {
      process.stderr.write(prompt);
      muted = true;
      const answer = await rl.question('');
      muted = false;
      process.stderr.write('\n');
      return answer;
    };
    try {
      const first = await ask('password: ');
      const second = await ask('again: ');
      if (first !== second) throw new UsageError('the two passwords differ');
      return first;
    } finally {
      rl.close();
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export function registerAdminCommands(program: Command, loadRegistry: RegistryLoader): void {
  program
    .command('migrate')
    .description('apply pending staging schema migrations')
    .action(async () => {
      const { openApp } = await import('../../core/app.ts');
      const { migrate } = await import('../../core/migrate.ts');
      const app = await openApp({ migrate: false });
      try {
        const applied = await migrate(app.db.knex, app.config.schema, app.logger);
        print(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
      } finally {
        await app.close();
      }
    });
  program
    .command('config')
    .description('check the whole configuration and show it (secrets masked)')
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (opts: { json?: boolean }) => {
      const { loadConfig } = await import('../../core/config.ts');
      const { checkConfiguration } = await import('./checks.ts');
      const config = loadConfig();
      useRedactor(config.redactor);
      // the same check as start, serve, worker and scheduler: every mistake, exit 2
      checkConfiguration(config, await loadRegistry());
      const { redactor: _r, file: _f, ...shown } = config;
      if (opts.json) return printJson(shown);
      print(JSON.stringify(config.redactor.value(shown), null, 2));
    });
  program
    .command('hash-password')
    .description('hash a status page password (at least 8 characters; read from the terminal or stdin) for MFG_ETL_HTTP_USERS_FILE')
    .option('--user <login>', 'print a whole users-file line for this login')
    .option('--name <display name>', 'with --user: the name the audit trail records')
    .action(async (opts: { user?: string; name?: string }) => {
      if (opts.user !== undefined && !/^[A-Za-z0-9._@-]{1,64}$/.test(opts.user))
        throw new UsageError('--user: letters, digits, . _ @ - (at most 64)');
      if (opts.name !== undefined && (opts.user === undefined || /[\r\n]/.test(opts.name)))
        throw new UsageError('--name needs --user and must be one line');
      const password = await readPassword();
      if (password.length < 8) throw new UsageError('the password must have at least 8 characters');
      const { hashPassword } = await import('../http/auth.ts');
      const hash = await hashPassword(password);
      print(opts.user ? [opts.user, hash, ...(opts.name ? [opts.name.trim()] : [])].join(':') : hash);
    });
}
