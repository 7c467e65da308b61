/** The long-running processes: start (all in one), serve (status page and alerts), worker, scheduler. */
import type { Command } from 'commander';
import type { App } from '../../core/app.ts';
import { ConfigError } from '../../core/errors.ts';
import type { JobRegistry } from '../../jobs/registry.ts';
import type { Runner } from '../../jobs/runner.ts';
import type { StatusServer } from '../http/server.ts';
import { onSignal, print, type RegistryLoader, withApp } from './io.ts';

// the runner, scheduler, status server and alerts load only when a long-running process starts (CLI start-up time)
const runtime = async () => {
  const [{ Runner }, { effectiveSchedules }, { Scheduler }, { AlertEvaluator }, { checkConfiguration }, { startStatusServer }] =
    await Promise.all([
      import('../../jobs/runner.ts'),
      import('../../schedules/schedule.ts'),
      import('../../schedules/scheduler.ts'),
      import('../alerts.ts'),
      import('./checks.ts'),
      import('../http/server.ts'),
    ]);
  return { Runner, effectiveSchedules, Scheduler, AlertEvaluator, checkConfiguration, startStatusServer };
};

/** The status page server and the alert evaluator, for `start` and `serve`; stops them in reverse. */
async function startOps(
  app: App,
  registry: JobRegistry,
  runner: Runner,
): Promise<{ server: StatusServer | undefined; stop(): Promise<void> }> {
  const { AlertEvaluator, startStatusServer } = await runtime();
  // validates the config file's `http` and `alerts` sections before anything starts
  const alerts = new AlertEvaluator({ config: app.config, db: app.db, logger: app.logger, registry });
  const server =
    app.config.httpPort === 'off'
      ? undefined
      : await startStatusServer({ config: app.config, db: app.db, logger: app.logger, registry, runner });
  alerts.start();
  return {
    server,
    async stop() {
      await server?.close();
      await alerts.stop();
    },
  };
}

async function runDaemon(app: App, registry: JobRegistry, mode: { worker: boolean; scheduler: boolean; ops?: boolean }): Promise<void> {
  const { Runner, effectiveSchedules, Scheduler, checkConfiguration } = await runtime();
  // a wrong config section or job parameter stops the daemon now (exit 2), not at the job's first run in the night
  checkConfiguration(app.config, registry);
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
  // the status server queues quality-apply when the QMS posts an event
  const ops = mode.ops ? await startOps(app, registry, runner) : undefined;
  const scheduler = mode.scheduler ? new Scheduler(app.db.knex, runner, effectiveSchedules(registry, app.config), app.logger) : undefined;
  if (mode.worker) await runner.work();
  scheduler?.start();
  app.logger.info('mfg-etl running', {
    worker: mode.worker,
    scheduler: Boolean(scheduler),
    statusPage: ops?.server ? `${ops.server.url}/` : undefined,
    pid: process.pid,
  });
  await new Promise<void>((resolve) => {
    onSignal(async () => {
      await scheduler?.stop();
      await runner.stop();
      await ops?.stop();
      resolve();
    });
  });
}

export function registerDaemonCommands(program: Command, loadRegistry: RegistryLoader): void {
  program
    .command('start')
    .description('run the scheduler, a worker, the status page and alerts in this process')
    .action(async () =>
      withApp(async (app) => runDaemon(app, await loadRegistry(), { worker: true, scheduler: app.config.scheduler, ops: true })),
    );
  program
    .command('serve')
    .description('serve the status page, /healthz, /readyz and /metrics, and send alerts (no jobs run here)')
    .action(async () =>
      withApp(async (app) => {
        if (app.config.httpPort === 'off') throw new ConfigError('MFG_ETL_HTTP_PORT: is off; mfg-etl serve needs a port');
        const registry = await loadRegistry();
        const { checkConfiguration, Runner } = await runtime();
        checkConfiguration(app.config, registry);
        // no workers here: the runner only queues the quality-apply runs the endpoint starts
        const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
        await runner.start();
        const ops = await startOps(app, registry, runner);
        const stopped = new Promise<void>((resolve) =>
          onSignal(async () => {
            await ops.stop();
            await runner.stop();
            resolve();
          }),
        );
        print(`status page: ${ops.server!.url}/`);
        await stopped;
      }),
    );
  program
    .command('worker')
    .description('run a worker only (more workers on more machines share the work)')
    .action(async () => withApp(async (app) => runDaemon(app, await loadRegistry(), { worker: true, scheduler: false })));
  program
    .command('scheduler')
    .description('run the scheduler only (enqueues runs at their cron times)')
    .action(async () => withApp(async (app) => runDaemon(app, await loadRegistry(), { worker: false, scheduler: true })));
}
