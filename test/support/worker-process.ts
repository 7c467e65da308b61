/**
 * A worker in its own process, for the SIGTERM and SIGKILL tests: real Runner, a slow job (named
 * by MFG_ETL_TEST_JOB, default `slow`, so it can stand in for a real job the CLI runs), and the
 * same stop-on-signal behaviour as `mfg-etl worker`.
 */
import { openApp } from '../../core/app.ts';
import { Runner } from '../../jobs/runner.ts';
import { registryOf, slowJob } from './jobs.ts';

const app = await openApp();
const job = process.env.MFG_ETL_TEST_JOB ?? 'slow';
const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry: registryOf(slowJob(job)) });
await runner.start();
await runner.work([job]);
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void runner
    .stop()
    .then(() => app.close())
    .then(() => process.exit(0));
});
