/**
 * A worker in its own process, for the SIGTERM test: real Runner, a slow job, and the same
 * stop-on-signal behaviour as `mfg-etl worker`.
 */
import { openApp } from '../../core/app.ts';
import { Runner } from '../../jobs/runner.ts';
import { registryOf, slowJob } from './jobs.ts';

const app = await openApp();
const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: registryOf(slowJob('slow')) });
await runner.start();
await runner.work(['slow']);
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void runner
    .stop()
    .then(() => app.close())
    .then(() => process.exit(0));
});
