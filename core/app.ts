/**
 * Opens what every command needs, in order: configuration, logger, database (PostgreSQL or
 * embedded PGlite), migrations. The returned handle closes them in reverse order.
 */
import { type Config, type Env, loadConfig } from './config.ts';
import { type Database, openDatabase } from './db.ts';
import { createLogger, type Logger } from './logger.ts';
import { migrate } from './migrate.ts';

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
  return {
    config,
    logger,
    db,
    async close() {
      await db.close();
    },
  };
}
