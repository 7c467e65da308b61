/**
 * mfg-etl command line. Exit codes: 0 success, 1 a job or command failed, 2 usage or
 * configuration error (one line on stderr). List commands take --json (stdout only; logs go to
 * stderr). Progress shows only on a terminal and never with --json.
 */
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { type App, openApp } from '../../core/app.ts';
import { loadConfig } from '../../core/config.ts';
import { clientCertificateInfo } from '../../extract/historian/index.ts';
import { ConfigError, EtlError, UsageError } from '../../core/errors.ts';
import { migrate } from '../../core/migrate.ts';
import { SecretRedactor } from '../../core/redact.ts';
import { getBatch, listBatches, listCheckpoints, transitionBatch } from '../../load/staging/batches.ts';
import { getRun, type JobRun, lastRunByJob, listDeadLetters, listRuns } from '../../load/ops/runs.ts';
import { effectiveSchedules, nextFireTime } from '../../schedules/schedule.ts';
import { Scheduler } from '../../schedules/scheduler.ts';
import { AlertEvaluator } from '../alerts.ts';
import { brief, duration, table, terminalProgress, when } from './format.ts';
import { hashPassword } from '../http/auth.ts';
import { type StatusServer, startStatusServer } from '../http/server.ts';
import { defaultRegistry, findJob, type JobRegistry } from '../../jobs/registry.ts';
import { Runner } from '../../jobs/runner.ts';

const registry: JobRegistry = defaultRegistry();
let redactor = new SecretRedactor();

class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function print(text: string): void {
  process.stdout.write(`${redactor.text(text)}\n`);
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(redactor.value(value), null, 2)}\n`);
}

function positiveId(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive whole number, got "${value}"`);
  return n;
}

/** --param key=value, repeatable; values that parse as JSON (numbers, booleans) are taken as such. */
function collectParam(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param expects key=value, got "${value}"`);
  const key = value.slice(0, eq);
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  if (/^(-?\d+(\.\d+)?|true|false|null)$/.test(raw)) parsed = JSON.parse(raw);
  return { ...previous, [key]: parsed };
}

async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp();
  redactor = app.config.redactor;
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

function runRow(r: JobRun): (string | number | null)[] {
  return [
    r.id,
    r.job,
    r.trigger,
    r.status,
    r.attempt,
    when(r.startedAt ?? r.queuedAt),
    duration(r.startedAt, r.finishedAt),
    r.error?.message ?? brief(r.stats),
  ];
}

/** A finished run for people: a job's own plain-text summary when it gives one, else its stats. */
function runOutcome(run: JobRun): string {
  const head = `run ${run.id} of ${run.job} ${run.status}${run.error ? `: ${run.error.message}` : ''}`;
  const summary = run.stats.summary;
  if (Array.isArray(summary) && summary.every((line) => typeof line === 'string')) return [head, ...summary].join('\n');
  return `${head}\n${JSON.stringify(run.stats, null, 2)}`;
}

function runJson(r: JobRun) {
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

/** Stops cleanly on SIGINT/SIGTERM: the callback stops work, then the process exits. */
function onSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`mfg-etl: ${signal} received, finishing the current work\n`);
    stop().then(
      () => process.exit(130),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => handler('SIGINT'));
  process.once('SIGTERM', () => handler('SIGTERM'));
}

/** The status page server and the alert evaluator, for `start` and `serve`; stops them in reverse. */
async function startOps(app: App): Promise<{ server: StatusServer | undefined; stop(): Promise<void> }> {
  // validates the config file's `http` and `alerts` sections before anything starts
  const alerts = new AlertEvaluator({ config: app.config, db: app.db, logger: app.logger, registry });
  const server =
    app.config.httpPort === 'off' ? undefined : await startStatusServer({ config: app.config, db: app.db, logger: app.logger, registry });
  alerts.start();
  return {
    server,
    async stop() {
      await server?.close();
      await alerts.stop();
    },
  };
}

async function runDaemon(app: App, mode: { worker: boolean; scheduler: boolean; ops?: boolean }): Promise<void> {
  // a wrong config section stops the daemon now (exit 2), not at the job's first run in the night
  for (const job of registry.values()) job.checkSettings?.(app.config);
  const ops = mode.ops ? await startOps(app) : undefined;
  const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
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

function buildProgram(): Command {
  const program = new Command('mfg-etl')
    .description('Batch ETL between demand planning, costing and shop floor data and Odoo ERP')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('migrate')
    .description('apply pending staging schema migrations')
    .action(async () => {
      const app = await openApp({ migrate: false });
      try {
        const applied = await migrate(app.db.knex, app.config.schema, app.logger);
        print(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
      } finally {
        await app.close();
      }
    });

  program
    .command('jobs')
    .description('list jobs with their schedule, next fire time and last run')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withApp(async (app) => {
        const schedules = new Map(effectiveSchedules(registry, app.config).map((s) => [s.job, s]));
        const last = await lastRunByJob(app.db.knex);
        const rows = [...registry.values()].map((job) => {
          const s = schedules.get(job.name);
          const run = last.get(job.name);
          return {
            name: job.name,
            description: job.description,
            schedule: s?.cron ?? null,
            timezone: s?.timezone ?? null,
            nextRun: s ? nextFireTime(s) : null,
            lastRun: run ? { id: run.id, status: run.status, at: run.finishedAt ?? run.startedAt ?? run.queuedAt } : null,
          };
        });
        if (opts.json) return printJson(rows);
        print(
          table(
            ['JOB', 'SCHEDULE', 'NEXT RUN', 'LAST RUN', 'DESCRIPTION'],
            rows.map((r) => [
              r.name,
              r.schedule ?? 'manual',
              when(r.nextRun),
              r.lastRun ? `#${r.lastRun.id} ${r.lastRun.status} ${when(r.lastRun.at)}` : '',
              r.description,
            ]),
          ),
        );
      }),
    );

  program
    .command('run <job>')
    .description('run a job now by name (manual run or rerun), through the same runner as scheduled runs')
    .option('--param <key=value>', 'job parameter, repeatable', collectParam, {})
    .option('--dry-run', 'compute and report without changing anything')
    .option('--enqueue', 'hand the run to the workers instead of running it in this process')
    .option('--json', 'print the run record as JSON')
    .action(async (jobName: string, opts: { param: Record<string, unknown>; dryRun?: boolean; enqueue?: boolean; json?: boolean }) => {
      findJob(registry, jobName);
      await withApp(async (app) => {
        const progress = terminalProgress(Boolean(process.stderr.isTTY) && !opts.json);
        const runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry, progress });
        await runner.start();
        try {
          if (opts.enqueue) {
            const run = await runner.enqueue(jobName, opts.param, { trigger: 'manual', dryRun: opts.dryRun });
            if (opts.json) printJson(runJson(run));
            else print(`run ${run.id} of ${jobName} queued; follow it with: mfg-etl show-run ${run.id}`);
            return;
          }
          onSignal(() => runner.stop());
          const run = await runner.runNow(jobName, opts.param, { dryRun: opts.dryRun });
          if (opts.json) printJson(runJson(run));
          else print(runOutcome(run));
          if (run.status !== 'succeeded') throw new ExitCode(1);
        } finally {
          await runner.stop();
        }
      });
    });

  program
    .command('history')
    .description('recent runs, newest first')
    .option('--job <name>', 'only this job')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'machine-readable output')
    .action(async (opts: { job?: string; limit: string; json?: boolean }) =>
      withApp(async (app) => {
        if (opts.job) findJob(registry, opts.job);
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
            `run ${run.id}: ${run.job} (${run.trigger}, attempt ${run.attempt}) ${run.status}`,
            `queued ${when(run.queuedAt)}  started ${when(run.startedAt)}  finished ${when(run.finishedAt)}`,
            `host ${run.host ?? '-'} pid ${run.pid ?? '-'}${run.dryRun ? '  (dry run)' : ''}`,
            `params ${JSON.stringify(run.params)}`,
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
    .command('batches')
    .description('staged batches, newest first')
    .option('--kind <kind>', 'forecast, cost_rollup, historian, inventory_count…')
    .option('--status <status>', 'received, validated, rejected, approved, loading, loaded, load_failed, superseded')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: { kind?: string; status?: string; limit: string; json?: boolean }) =>
      withApp(async (app) => {
        const batches = await listBatches(app.db.knex, { kind: opts.kind, status: opts.status, limit: positiveId(opts.limit, '--limit') });
        if (opts.json) return printJson(batches);
        print(
          table(
            ['BATCH', 'KIND', 'SCOPE', 'VERSION', 'STATUS', 'CREATED', 'SOURCE'],
            batches.map((b) => [b.id, b.kind, b.scope, b.version, b.status, when(b.createdAt), b.source]),
          ),
        );
      }),
    );

  program
    .command('batch <id>')
    .description('one batch with its stats and checkpoint results')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) =>
      withApp(async (app) => {
        const batch = await getBatch(app.db.knex, positiveId(id, 'batch id'));
        const checkpoints = await listCheckpoints(app.db.knex, batch.id);
        if (opts.json)
          return printJson({
            ...batch,
            checkpoints: checkpoints.map(({ name, severity, passed, measured, message }) => ({
              name,
              severity,
              passed,
              measured,
              message,
            })),
          });
        print(
          [
            `batch ${batch.id}: ${batch.kind} ${batch.scope} version ${batch.version} — ${batch.status}`,
            `source ${batch.source ?? '-'} (sha256 ${batch.sourceSha256 ?? '-'})`,
            `created ${when(batch.createdAt)} by ${batch.createdBy}`,
            batch.approvedBy
              ? `approved ${when(batch.approvedAt)} by ${batch.approvedBy}${batch.approvalComment ? `: ${batch.approvalComment}` : ''}`
              : '',
            batch.rejectedBy ? `rejected ${when(batch.rejectedAt)} by ${batch.rejectedBy}: ${batch.rejectReason ?? ''}` : '',
            `stats ${JSON.stringify(batch.stats, null, 2)}`,
            checkpoints.length ? '\ncheckpoints:' : 'no checkpoints recorded',
            ...checkpoints.map(
              (c) =>
                `  ${c.passed ? 'pass' : c.severity === 'error' ? 'FAIL' : 'WARN'}  ${c.name}: ${c.message}  ${JSON.stringify(c.measured)}`,
            ),
          ]
            .filter(Boolean)
            .join('\n'),
        );
      }),
    );

  program
    .command('approve <batch>')
    .description('approve a validated batch for loading into Odoo')
    .requiredOption('--by <name>', 'who approves (written to the audit trail)')
    .option('--comment <text>', 'why')
    .action(async (id: string, opts: { by: string; comment?: string }) =>
      withApp(async (app) => {
        const batch = await transitionBatch(app.db.knex, positiveId(id, 'batch id'), 'approve', { actor: opts.by, reason: opts.comment });
        print(`batch ${batch.id} approved by ${opts.by}`);
      }),
    );

  program
    .command('reject <batch>')
    .description('reject a batch so it is never loaded')
    .requiredOption('--by <name>', 'who rejects (written to the audit trail)')
    .requiredOption('--reason <text>', 'why')
    .action(async (id: string, opts: { by: string; reason: string }) =>
      withApp(async (app) => {
        const batch = await transitionBatch(app.db.knex, positiveId(id, 'batch id'), 'reject', { actor: opts.by, reason: opts.reason });
        print(`batch ${batch.id} rejected by ${opts.by}`);
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
        const runner = new Runner({
          config: app.config,
          db: app.db,
          logger: app.logger,
          registry,
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

  program
    .command('start')
    .description('run the scheduler, a worker, the status page and alerts in this process')
    .action(async () => withApp((app) => runDaemon(app, { worker: true, scheduler: app.config.scheduler, ops: true })));
  program
    .command('serve')
    .description('serve the status page, /healthz, /readyz and /metrics, and send alerts (no jobs run here)')
    .action(async () =>
      withApp(async (app) => {
        if (app.config.httpPort === 'off') throw new ConfigError('MFG_ETL_HTTP_PORT: is off; mfg-etl serve needs a port');
        const ops = await startOps(app);
        const stopped = new Promise<void>((resolve) =>
          onSignal(async () => {
            await ops.stop();
            resolve();
          }),
        );
        print(`status page: ${ops.server!.url}/`);
        await stopped;
      }),
    );
  program
    .command('hash-password')
    .description('hash a status page password (read from the terminal or stdin) for MFG_ETL_HTTP_USERS_FILE')
    .option('--user <login>', 'print a whole users-file line for this login')
    .option('--name <display name>', 'with --user: the name the audit trail records')
    .action(async (opts: { user?: string; name?: string }) => {
      if (opts.user !== undefined && !/^[A-Za-z0-9._@-]{1,64}$/.test(opts.user))
        throw new UsageError('--user: letters, digits, . _ @ - (at most 64)');
      if (opts.name !== undefined && (opts.user === undefined || /[\r\n]/.test(opts.name)))
        throw new UsageError('--name needs --user and must be one line');
      const password = await readPassword();
      if (password.length < 8) throw new UsageError('the password must have at least 8 characters');
      const hash = await hashPassword(password);
      print(opts.user ? [opts.user, hash, ...(opts.name ? [opts.name.trim()] : [])].join(':') : hash);
    });
  program
    .command('worker')
    .description('run a worker only (more workers on more machines share the work)')
    .action(async () => withApp((app) => runDaemon(app, { worker: true, scheduler: false })));
  program
    .command('scheduler')
    .description('run the scheduler only (enqueues runs at their cron times)')
    .action(async () => withApp((app) => runDaemon(app, { worker: false, scheduler: true })));

  program
    .command('config')
    .description('show the effective configuration (secrets masked)')
    .addOption(new Option('--json', 'machine-readable output'))
    .action((opts: { json?: boolean }) => {
      const config = loadConfig();
      redactor = config.redactor;
      const { redactor: _r, file: _f, ...shown } = config;
      if (opts.json) return printJson(shown);
      print(JSON.stringify(redactor.value(shown), null, 2));
    });

  program
    .command('opcua-pki')
    .description('print the OPC UA client certificate (created when missing) and its SHA-1 thumbprint, for the server administrator')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      redactor = config.redactor;
      const info = await clientCertificateInfo(path.resolve(config.dataDir, 'pki'));
      if (opts.json) return printJson(info);
      print(
        [
          `client certificate  ${info.certificateFile}`,
          `SHA-1 thumbprint    ${info.thumbprint}`,
          `application URI     ${info.applicationUri}`,
          `valid until         ${info.notAfter.toISOString()}`,
          '',
          'Give the certificate file (or the thumbprint to check it by) to the OPC UA server administrator to trust',
          '(needed for MFG_ETL_OPCUA_SECURITY_MODE Sign or SignAndEncrypt).',
          `Server certificates this client trusts: ${info.trustedFolder}`,
          `Refused server certificates are saved in ${info.rejectedFolder}; move one into the trusted folder to trust it.`,
        ].join('\n'),
      );
    });

  program
    .command('simulate-plant')
    .description('run an OPC UA plant simulator with historized machines (commissioning and demo) until Ctrl-C')
    .option('--port <n>', 'TCP port (0: any free port)', '4840')
    .option('--days <n>', 'days of history before now', '3')
    .option('--sample-seconds <n>', 'seconds between two samples', '60')
    .option('--machines <n>', 'machines, four tags each', '2')
    .option('--bad-quality', "add bad and uncertain stretches to the temperatures and machine 1's good counter")
    .option(
      '--user <name:password>',
      'accept this user (repeatable; anonymous stays allowed unless --no-anonymous)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--no-anonymous', 'refuse anonymous sessions')
    .option('--strict-certificates', "accept only client certificates in the simulator's trusted folder (default: any)")
    .option('--pki <dir>', "the simulator's PKI folder (default: <data dir>/simulator-pki)")
    .action(
      async (opts: {
        port: string;
        days: string;
        sampleSeconds: string;
        machines: string;
        badQuality?: boolean;
        user: string[];
        anonymous: boolean;
        strictCertificates?: boolean;
        pki?: string;
      }) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got "${opts.port}"`);
        const days = Number(opts.days);
        if (!(days > 0) || days > 366) throw new UsageError(`--days must be a number of days above 0 (at most 366), got "${opts.days}"`);
        const sampleSeconds = Number(opts.sampleSeconds);
        if (!(sampleSeconds >= 0.1) || sampleSeconds > 86_400)
          throw new UsageError(`--sample-seconds must be 0.1–86400, got "${opts.sampleSeconds}"`);
        const machines = positiveId(opts.machines, '--machines');
        if (machines > 1000) throw new UsageError('--machines: at most 1000');
        const users = opts.user.map((pair) => {
          const colon = pair.indexOf(':');
          if (colon <= 0 || colon === pair.length - 1) throw new UsageError(`--user expects name:password, got "${pair}"`);
          return { user: pair.slice(0, colon), password: pair.slice(colon + 1) };
        });
        if (!opts.anonymous && users.length === 0) throw new UsageError('--no-anonymous needs at least one --user name:password');
        const config = loadConfig();
        redactor = config.redactor;
        for (const u of users) redactor.add(u.password);
        // node-opcua's server takes most of a second to load: only this command needs it
        const { startPlantSimulator } = await import('../../tools/plant-simulator/server.ts');
        const step = sampleSeconds * 1000;
        const to = Math.floor(Date.now() / step) * step + step; // the current sample included; live values follow
        const from = to - Math.round(days * 86_400_000);
        const sim = await startPlantSimulator({
          port,
          machines,
          from,
          to,
          sampleSeconds,
          pkiDir: path.resolve(opts.pki ?? path.join(config.dataDir, 'simulator-pki')),
          users,
          allowAnonymous: opts.anonymous,
          badQuality: opts.badQuality,
          acceptUnknownClientCertificates: !opts.strictCertificates,
          live: true,
        });
        const stopped = new Promise<void>((resolve) =>
          onSignal(async () => {
            await sim.stop();
            resolve();
          }),
        );
        print(
          [
            `plant simulator on ${sim.endpointUrl} (namespace ${sim.namespaceUri} is ns=${sim.namespaceIndex})`,
            `security: None, Sign and SignAndEncrypt; ${opts.anonymous ? 'anonymous' : 'no anonymous'}${users.length ? `, users ${users.map((u) => u.user).join(', ')}` : ''}; ${opts.strictCertificates ? 'client certificates must be trusted' : 'any client certificate accepted'}`,
            `server certificate: ${sim.certificateFile} (for Sign / SignAndEncrypt, copy it into ${path.resolve(config.dataDir, 'pki', 'trusted', 'certs')})`,
            `history: ${machines} machines × 4 tags, ${new Date(from).toISOString()} → now, one sample every ${sampleSeconds} s, live values continue`,
            '',
            `environment: MFG_ETL_OPCUA_ENDPOINT=${sim.endpointUrl}`,
            'config file section:',
            JSON.stringify({ historian: { tags: sim.historianTags() } }, null, 2),
            '',
            'Ctrl-C stops the simulator.',
          ].join('\n'),
        );
        await stopped;
      },
    );

  return program;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof ExitCode) return err.code;
  if (err instanceof ConfigError || err instanceof UsageError) return 2;
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are not errors; commander already printed its message
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
    }
    if (!(err instanceof ExitCode)) {
      const message = err instanceof EtlError || err instanceof Error ? err.message : String(err);
      process.stderr.write(`mfg-etl: ${redactor.text(message)}\n`);
      if (process.env.MFG_ETL_LOG_LEVEL === 'debug' && err instanceof Error && err.stack)
        process.stderr.write(`${redactor.text(err.stack)}\n`);
    }
    return exitCodeFor(err);
  }
}

process.exitCode = await main(process.argv);
// pg-boss and pool timers must not keep a finished command alive
process.exit();
