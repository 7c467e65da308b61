/**
 * Opens what every command needs, in order: configuration, logger, database (PostgreSQL or
 * embedded PGlite), migrations. The returned handle closes them in reverse order.
 */
import { type Config, type Env, loadConfig } from './config.ts';
import { type Database, openDatabase } from './db.ts';
import { createLogger, type Logger } from './logger.ts';
import { migrate } from './migrate.ts';
import { attachRunLogs } from './run-logs.ts';

export interface App {
  config: Config;
  logger: Logger;
  db: Database;
  close(): Promise<void>;
}

export interface OpenOptions {
  env?: Env;
  cwd?: string;
  /** apply pending migrations (default true; `mfg-etl migrate` reports them itself) */
  migrate?: boolean;
  /** overrides for tests: quiet logs */
  logger?: Logger;
  /** store the log lines of job runs in run_logs (default true once migrated) */
  runLogs?: boolean;
}

export function loggerFor(config: Config): Logger {
  return createLogger({ level: config.logLevel, format: config.logFormat, redactor: config.redactor });
}

export async function openApp(options: OpenOptions = {}): Promise<App> {
  const config = loadConfig(options.env ?? process.env, options.cwd ?? process.cwd());
  const logger = options.logger ?? loggerFor(config);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.schema, logger });
  try {
    if (options.migrate !== false) await migrate(db.knex, config.schema, logger);
  } catch (err) {
    await db.close();
    throw err;
  }
  // a run's log lines, for its page on the status page (needs the run_logs table)
  const runLogs = options.migrate !== false && options.runLogs !== false ? attachRunLogs(logger, db.knex) : undefined;
  return {
    config,
    logger,
    db,
    async close() {
      await runLogs?.stop();
      await db.close();
    },
  };
}
