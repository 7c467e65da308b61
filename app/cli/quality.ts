/** The quality pipeline: holds (open holds), quality setup (quarantine locations), tokens (API clients). */
import type { Command } from 'commander';
import { QUALITY_SCOPE } from '../../core/config/scopes.ts';
import { ConfigError, UsageError } from '../../core/errors.ts';
import { table, when } from './format.ts';
import { print, printJson, withApp } from './io.ts';

const SCOPES = [QUALITY_SCOPE];

// the settings (zod) and the SQL behind the commands load when one runs, not for `mfg-etl --help`
const settings = () => import('../../core/config/quality.ts');
const staging = () => import('../../load/quality/staging.ts');
const audit = () => import('../../load/staging/audit.ts');
const CLIENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function age(seconds: number): string {
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}

export function registerQualityCommands(program: Command): void {
  program
    .command('holds')
    .description('open quality holds: lots, quantity in quarantine, value, age, what they blocked, event → stock moved time')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withApp(async (app) => {
        const holds = await (await staging()).listOpenHolds(app.db.knex);
        if (opts.json) return printJson(holds);
        if (holds.length === 0) return print('no open quality holds');
        print(
          table(
            ['NONCONFORMANCE', 'STATUS', 'WH', 'PRODUCT', 'LOTS', 'QTY', 'VALUE', 'AGE', 'MOVED IN', 'BLOCKED', 'REASON'],
            holds.map((h) => [
              h.nonconformance,
              h.status === 'failed' ? `failed: ${h.error ?? ''}`.slice(0, 60) : h.status,
              h.warehouse,
              h.product,
              h.lots.join(' '),
              h.quantity,
              h.value.toFixed(2),
              age(h.ageSeconds),
              h.latencyMs === null ? '-' : `${(h.latencyMs / 1000).toFixed(1)}s`,
              h.blocked.map((b) => b.name).join(' ') || '-',
              h.reason,
            ]),
          ),
        );
      }),
    );

  const quality = program.command('quality').description('quality holds: setup');
  quality
    .command('setup')
    .description('create the quarantine location of each warehouse in Odoo where it is missing (beside WH/Stock, never inside it)')
    .option('--warehouse <code...>', 'only these warehouse codes')
    .option('--json', 'machine-readable output')
    .action(async (opts: { warehouse?: string[]; json?: boolean }) =>
      withApp(async (app) => {
        // the Odoo client and the set-up job load for this command only (CLI start-up time)
        const { odooOptionsFromConfig } = await import('../../core/odoo/config.ts');
        const { OdooClient } = await import('../../core/odoo/index.ts');
        const { setupQuarantine } = await import('../../jobs/quality/setup.ts');
        const s = (await settings()).qualitySettings(app.config);
        const options = odooOptionsFromConfig(app.config);
        if (!options)
          throw new ConfigError(
            'quality setup needs Odoo: set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER and MFG_ETL_ODOO_API_KEY',
          );
        const client = new OdooClient(options, app.logger);
        try {
          const done = await setupQuarantine(client, s, opts.warehouse);
          if (opts.json) return printJson(done);
          print(
            table(
              ['WAREHOUSE', 'QUARANTINE', 'ID', ''],
              done.map((d) => [d.warehouse, d.location, d.locationId, d.created ? 'created' : 'exists']),
            ),
          );
        } finally {
          client.close();
        }
      }),
    );

  const tokens = program.command('tokens').description('API tokens of the clients that push quality events');
  tokens
    .command('add <client>')
    .description('make (or replace) the token of a client and print it once; only its sha256 is kept')
    .requiredOption('--scope <scope...>', `what the token may do: ${SCOPES.join(', ')}`)
    .action(async (client: string, opts: { scope: string[] }) =>
      withApp(async (app) => {
        if (!CLIENT.test(client)) throw new UsageError(`client name "${client}": use letters, digits, '.', '_' or '-' (at most 64)`);
        const unknown = opts.scope.filter((s) => !SCOPES.includes(s));
        if (unknown.length) throw new UsageError(`unknown scope ${unknown.join(', ')}; valid scopes: ${SCOPES.join(', ')}`);
        const token = await (await staging()).addToken(app.db.knex, client, opts.scope);
        await (
          await audit()
        ).appendAudit(app.db.knex, {
          actor: 'cli',
          entity: 'api_token',
          entityId: client,
          action: 'token_added',
          details: { scopes: opts.scope },
        });
        process.stderr.write(`token of ${client} (shown once; store it in the QMS, send it as Authorization: Bearer <token>):\n`);
        print(token);
      }),
    );
  tokens
    .command('revoke <client>')
    .description('revoke the token of a client (its calls answer 401 from now on)')
    .action(async (client: string) =>
      withApp(async (app) => {
        if (!(await (await staging()).revokeToken(app.db.knex, client))) throw new UsageError(`no active token for client "${client}"`);
        await (await audit()).appendAudit(app.db.knex, { actor: 'cli', entity: 'api_token', entityId: client, action: 'token_revoked' });
        print(`revoked the token of ${client}`);
      }),
    );
  tokens
    .command('list')
    .description('clients with their scopes, when the token was made, last used, revoked')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withApp(async (app) => {
        const list = await (await staging()).listTokens(app.db.knex);
        if (opts.json) return printJson(list);
        print(
          table(
            ['CLIENT', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
            list.map((t) => [t.client, t.scopes.join(' '), when(t.createdAt), when(t.lastUsedAt), when(t.revokedAt)]),
          ),
        );
      }),
    );
}
