/** Jobs and their runs: jobs, run, history, show-run, dead-letters, replay. */
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { getRun, type JobRun, lastRunByJob, listDeadLetters, listRuns } from '../../load/ops/runs.ts';
import { brief, duration, table, terminalProgress, when } from './format.ts';
import {
  collectParam,
  ExitCode,
  onSignal,
  positiveId,
  print,
  printJson,
  redacted,
  type RegistryLoader,
  useRedactor,
  withApp,
} from './io.ts';

function runRow(r: JobRun): (string | number | null)[] {
  return [
    r.id,
    r.job,
    r.trigger,
    r.dryRun ? `${r.status} (dry run)` : r.status,
    r.attempt,
    when(r.startedAt ?? r.queuedAt),
    duration(r.startedAt, r.finishedAt),
    r.error?.message.split('\n')[0] ?? headline(r.stats) ?? brief(r.stats),
  ];
}

/** A run's first summary line, cut to one table cell. */
function headline(stats: Record<string, unknown>, max = 80): string | undefined {
  const first = Array.isArray(stats.summary) ? stats.summary[0] : undefined;
  if (typeof first !== 'string') return undefined;
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

/** camelCase stat names as words: rowsStaged → rows staged */
function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/**
 * A finished run for people: the job's own plain-text summary when it gives one, else its figures
 * one per line (never raw JSON; the whole record is behind --json and show-run --json).
 */
export function runOutcome(run: JobRun): string {
  const error = run.error ? `: ${run.error.message}` : '';
  const head = `run ${run.id} of ${run.job} ${run.status}${run.dryRun ? ' (dry run)' : ''}${error}`;
  const summary = run.stats.summary;
  if (Array.isArray(summary) && summary.every((line) => typeof line === 'string')) return [head, ...summary].join('\n');
  // a run that died before measuring anything has no stats: no stray `{}`
  const figures = Object.entries(run.stats).filter(([, v]) => v === null || typeof v !== 'object');
  const nested = Object.entries(run.stats).some(([, v]) => v !== null && typeof v === 'object');
  return [
    head,
    ...figures.map(([k, v]) => `  ${words(k)}: ${String(v)}`),
    ...(nested ? [`details: mfg-etl show-run ${run.id} --json`] : []),
  ].join('\n');
}

export function runJson(r: JobRun) {
  return {
    id: r.id,
    job: r.job,
    trigger: r.trigger,
    status: r.status,
    attempt: r.attempt,
    params: r.params,
    dryRun: r.dryRun,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    stats: r.stats,
    error: r.error ? { message: r.error.message, class: r.error.class, context: r.error.context } : null,
    replayOf: r.replayOf,
    replayedBy: r.replayedBy,
    host: r.host,
    pid: r.pid,
  };
}

export function registerRunCommands(program: Command, loadRegistry: RegistryLoader): void {
  program
    .command('jobs')
    .description('list jobs with their schedule, next fire time and last run')
    .option('--last-run', 'with the embedded database, read the last runs too (opening it takes about a second)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean; lastRun?: boolean }) => {
      // names, schedules and next runs come from the job catalog and the config: no job is loaded
      const [{ loadConfig }, { jobCatalog }, { effectiveSchedules, nextFireTime }] = await Promise.all([
        import('../../core/config.ts'),
        import('../../jobs/catalog.ts'),
        import('../../schedules/schedule.ts'),
      ]);
      const config = loadConfig(process.env, process.cwd());
      useRedactor(config.redactor);
      const schedules = new Map(effectiveSchedules(jobCatalog, config).map((s) => [s.job, s]));
      // one query on a PostgreSQL server; the embedded database costs most of a second to open
      // (and is held by a running `mfg-etl start`), so there the last runs are asked for
      const last = config.databaseUrl || opts.lastRun ? await withApp((app) => lastRunByJob(app.db.knex), { runLogs: false }) : undefined;
      const rows = [...jobCatalog.values()].map((job) => {
        const s = schedules.get(job.name);
        const run = last?.get(job.name);
        return {
          name: job.name,
          description: job.description,
          schedule: s?.cron ?? null,
          timezone: s?.timezone ?? null,
          nextRun: s ? nextFireTime(s) : null,
          ...(last
            ? { lastRun: run ? { id: run.id, status: run.status, at: run.finishedAt ?? run.startedAt ?? run.queuedAt } : null }
            : {}),
        };
      });
      if (opts.json) return printJson(rows);
      const head = ['JOB', 'SCHEDULE', 'NEXT RUN', ...(last ? ['LAST RUN'] : []), 'DESCRIPTION'];
      print(
        table(
          head,
          rows.map((r) => [
            r.name,
            r.schedule ?? 'manual',
            when(r.nextRun),
            ...(r.lastRun !== undefined ? [r.lastRun ? `#${r.lastRun.id} ${r.lastRun.status} ${when(r.lastRun.at)}` : ''] : []),
            r.description,
          ]),
        ),
      );
      if (!last) print('last runs: mfg-etl jobs --last-run, or mfg-etl history');
    });
  program
    .command('run <job>')
    .description('run a job now by name (manual run or rerun), through the same runner as scheduled runs')
    .option('--param <key=value>', 'job parameter, repeatable', collectParam, {})
    .option('--dry-run', 'compute and report without changing anything')
    .option('--no-wait', 'queue the run and return at once; a worker (mfg-etl start or worker) runs it')
    .option('--enqueue', 'the same as --no-wait')
    .option('--json', 'print the run record as JSON')
    .action(
      async (
        jobName: string,
        opts: { param: Record<string, unknown>; dryRun?: boolean; wait: boolean; enqueue?: boolean; json?: boolean },
      ) => {
        const registry = await loadRegistry();
        const { findJob } = await import('../../jobs/registry.ts');
        const { checkRun } = await import('../../jobs/checks.ts');
        const { Runner } = await import('../../jobs/runner.ts');
        const job = findJob(registry, jobName);
        await withApp(async (app) => {
          // parameters and the job's config sections are checked before anything is queued (exit 2)
          checkRun(job, app.config, opts.param);
          const progress = terminalProgress(Boolean(process.stderr.isTTY) && !opts.json);
          // what the run waits for (another run of the job), at once, on stderr
          const notice = (line: string) => process.stderr.write(`mfg-etl: ${redacted(line)}\n`);
          const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry, progress, notice });
          await runner.start();
          try {
            if (opts.enqueue || !opts.wait) {
              const run = await runner.enqueue(jobName, opts.param, { trigger: 'manual', dryRun: opts.dryRun });
              if (opts.json) printJson(runJson(run));
              else print(`run ${run.id} of ${jobName} queued; follow it with: mfg-etl show-run ${run.id}`);
              return;
            }
            // interrupted while waiting or running: the run is cancelled, nothing stays queued
            onSignal(() => runner.stop({ cancel: true }));
            const run = await runner.runNow(jobName, opts.param, { dryRun: opts.dryRun });
            // a job refused by its settings (e.g. an Odoo key that is not MFG_ETL_ODOO_USER's) is a configuration error: exit 2, one line
            const misconfigured = run.status !== 'succeeded' && run.error?.class === 'ConfigError';
            if (misconfigured && !opts.json) throw new ConfigError(run.error?.message ?? 'configuration error');
            if (opts.json) printJson(runJson(run));
            else print(runOutcome(run));
            if (run.status !== 'succeeded') throw new ExitCode(misconfigured ? 2 : 1);
          } finally {
            await runner.stop();
          }
        });
      },
    );
  program
    .command('history')
    .description('recent runs, newest first')
    .option('--job <name>', 'only this job')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'machine-readable output')
    .action(async (opts: { job?: string; limit: string; json?: boolean }) =>
      withApp(async (app) => {
        if (opts.job) (await import('../../jobs/registry.ts')).findJob(await loadRegistry(), opts.job);
        const runs = await listRuns(app.db.knex, { job: opts.job, limit: positiveId(opts.limit, '--limit') });
        if (opts.json) return printJson(runs.map(runJson));
        print(table(['RUN', 'JOB', 'TRIGGER', 'STATUS', 'TRY', 'STARTED', 'TOOK', 'RESULT'], runs.map(runRow)));
      }),
    );
  program
    .command('show-run <id>')
    .description('one run with its parameters, stats and error')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) =>
      withApp(async (app) => {
        const run = await getRun(app.db.knex, positiveId(id, 'run id'));
        if (opts.json) return printJson(runJson(run));
        print(
          [
            `run ${run.id}: ${run.job} (${run.trigger}, attempt ${run.attempt}) ${run.status}${run.dryRun ? ' (dry run)' : ''}`,
            `queued ${when(run.queuedAt)}  started ${when(run.startedAt)}  finished ${when(run.finishedAt)}`,
            `host ${run.host ?? '-'} pid ${run.pid ?? '-'}${run.dryRun ? '  (dry run)' : ''}`,
            `params ${JSON.stringify(run.params)}`,
            ...(Array.isArray(run.stats.summary) ? ['summary:', ...(run.stats.summary as unknown[]).map((l) => `  ${String(l)}`)] : []),
            `stats ${JSON.stringify(run.stats, null, 2)}`,
            run.error ? `error (${run.error.class}): ${run.error.message}` : '',
            run.replayOf ? `replay of run ${run.replayOf}` : '',
            run.replayedBy ? `replayed as run ${run.replayedBy}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      }),
    );
  program
    .command('dead-letters')
    .description('runs that failed for good and were not replayed yet')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withApp(async (app) => {
        const runs = await listDeadLetters(app.db.knex);
        if (opts.json) return printJson(runs.map(runJson));
        if (runs.length === 0) return print('no dead letters');
        print(table(['RUN', 'JOB', 'TRIGGER', 'STATUS', 'TRY', 'STARTED', 'TOOK', 'ERROR'], runs.map(runRow)));
        print(`\nreplay one with: mfg-etl replay <run>`);
      }),
    );
  program
    .command('replay <run>')
    .description('run a dead run again with the same parameters')
    .option('--enqueue', 'hand the replay to the workers instead of running it in this process')
    .option('--json', 'print the run record as JSON')
    .action(async (id: string, opts: { enqueue?: boolean; json?: boolean }) =>
      withApp(async (app) => {
        const { Runner } = await import('../../jobs/runner.ts');
        const runner = new Runner({
          config: app.config,
          db: app.db,
          logger: app.logger,
          registry: await loadRegistry(),
          progress: terminalProgress(Boolean(process.stderr.isTTY) && !opts.json),
        });
        await runner.start();
        try {
          const queued = await runner.replay(positiveId(id, 'run id'));
          let run = queued;
          if (!opts.enqueue) {
            onSignal(() => runner.stop());
            await runner.work([queued.job]);
            run = await runner.waitFor(queued.id);
          }
          if (opts.json) printJson(runJson(run));
          else print(`run ${id} replayed as run ${run.id}: ${run.status}${run.error ? `: ${run.error.message}` : ''}`);
          if (!opts.enqueue && run.status !== 'succeeded') throw new ExitCode(1);
        } finally {
          await runner.stop();
        }
      }),
    );
}
