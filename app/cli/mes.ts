/** The MES link: `releases` (what was released and what the MES answered) and `release <MO> --again`. */
import type { Command } from 'commander';
import { ConfigError, NotFoundError, UsageError } from '../../core/errors.ts';
import { RELEASE_STATES, type ReleaseState } from '../../transform/mes/release-states.ts';
import { table, when } from './format.ts';
import { print, printJson, withApp } from './io.ts';

export function registerMesCommands(program: Command): void {
  program
    .command('releases')
    .description(
      'manufacturing orders released to the MES: state (released, acknowledged, refused, overdue, cancelled), last message, answer',
    )
    .option('--state <state>', `only this state: ${RELEASE_STATES.join(', ')}`)
    .option('--limit <n>', 'at most this many, newest first', '200')
    .option('--json', 'machine-readable output')
    .action(async (opts: { state?: string; limit: string; json?: boolean }) => {
      if (opts.state && !RELEASE_STATES.includes(opts.state as ReleaseState))
        throw new UsageError(`--state ${opts.state}: expected one of ${RELEASE_STATES.join(', ')}`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive whole number, got "${opts.limit}"`);
      await withApp(async (app) => {
        const { listReleases } = await import('../../load/mes/releases.ts');
        const list = await listReleases(app.db.knex, { ...(opts.state ? { state: opts.state as ReleaseState } : {}), limit });
        if (opts.json) return printJson(list);
        if (list.length === 0) return print(opts.state ? `no ${opts.state} releases` : 'nothing released to the MES yet');
        print(
          table(
            ['ORDER', 'PRODUCT', 'QTY', 'STATE', 'LAST', 'RELEASED', 'ACKNOWLEDGED', 'ANSWER'],
            list.map((r) => [
              r.moName,
              r.productCode,
              `${r.content.qty} ${r.content.uom}`,
              r.state,
              r.lastVerb,
              when(r.releasedAt),
              when(r.acknowledgedAt),
              (r.answer ?? '').slice(0, 60),
            ]),
          ),
        );
      });
    });

  program
    .command('release <mo>')
    .description('send one order to the MES again, read fresh from Odoo (Process while never acknowledged, else Change)')
    .option('--again', 'required: re-send the current content as a new message')
    .option('--json', 'machine-readable output')
    .action(async (mo: string, opts: { again?: boolean; json?: boolean }) => {
      if (!opts.again) throw new UsageError(`mfg-etl release ${mo} --again: add --again to send the order again`);
      await withApp(async (app) => {
        // Odoo, the job and the XML writer load for this command only (CLI start-up time)
        const { odooOptionsFromConfig } = await import('../../core/odoo/config.ts');
        const { OdooClient } = await import('../../core/odoo/index.ts');
        const { mesSettings } = await import('../../core/config/mes.ts');
        const { readOrderById, readOrderByName } = await import('../../extract/mes/orders.ts');
        const { releasedOrder, releaseOfOrder } = await import('../../load/mes/releases.ts');
        const { againVerb, contentHash, releaseContent } = await import('../../transform/mes/release.ts');
        const { writeRelease } = await import('../../jobs/mes/mes-release.ts');
        const settings = mesSettings(app.config);
        const options = odooOptionsFromConfig(app.config);
        if (!options)
          throw new ConfigError(
            'release --again reads the order from Odoo: set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER and MFG_ETL_ODOO_API_KEY',
          );
        const client = new OdooClient(options, app.logger);
        try {
          // a request continued on a backorder (WH/MO/00008 now WH/MO/00008-002) is read by the release's current order;
          // the backorder's own name finds its request: either way the message goes out under the request ID
          const released = await releasedOrder(app.db.knex, mo);
          const found = (released && (await readOrderById(client, released.moId))) || (await readOrderByName(client, mo));
          if (!found) throw new NotFoundError(`Odoo has no manufacturing order named "${mo}"`);
          const before = released ?? (await releaseOfOrder(app.db.knex, found.id));
          const request = before?.moName ?? mo;
          const order = found.name === request ? found : { ...found, name: request };
          const w = { config: app.config, settings, db: app.db.knex, logger: app.logger, runId: null };
          let written;
          if (order.state === 'cancel') {
            if (!before) throw new UsageError(`${mo} is cancelled in Odoo and was never released: nothing to send`);
            written = await writeRelease(w, { verb: 'Cancel', content: before.content, hash: before.contentHash }, 1);
          } else if (order.state !== 'confirmed' && order.state !== 'progress') {
            throw new UsageError(`${mo} is ${order.state} in Odoo: only confirmed or in-progress orders go to the floor`);
          } else {
            const built = releaseContent(order);
            if ('problem' in built) throw new UsageError(`${mo} cannot be released: ${built.problem}`);
            const verb = againVerb(before?.state, before?.acknowledgedAt != null);
            written = await writeRelease(w, { verb, content: built.content, hash: contentHash(built.content) }, 1);
          }
          if (opts.json) return printJson(written);
          print(
            `${written.verb}OperationsSchedule for ${request}${request === mo ? '' : ` (Odoo: ${found.name})`} written to ${written.file} (message ${written.messageId})` +
              (written.deliveryError ? `; POST to the MES failed: ${written.deliveryError} (retried by the next mes-release)` : ''),
          );
        } finally {
          client.close();
        }
      });
    });
}
