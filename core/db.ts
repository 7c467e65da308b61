/**
 * Database access. With MFG_ETL_DATABASE_URL set we talk to that PostgreSQL; without it we
 * start embedded PGlite (Postgres in WebAssembly) with its data in <dataDir>/pglite and serve it
 * on a loopback socket, so knex, pg and pg-boss use one code path in both cases.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { ConfigError } from './errors.ts';
import type { Logger } from './logger.ts';

// Return bigint (int8) and numeric as JS numbers/strings we choose: ids are bigserial but stay
// well inside 2^53, and numeric stays a string so money and quantities are never rounded silently.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export interface Database {
  knex: Knex;
  /** connection string for other clients (pg-boss) */
  connectionString: string;
  schema: string;
  embedded: boolean;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  schema: string;
  logger: Logger;
  /** connections in the knex pool */
  poolMax?: number;
}

interface EmbeddedServer {
  url: string;
  close(): Promise<void>;
}

async function startEmbedded(dataDir: string, logger: Logger): Promise<EmbeddedServer> {
  const dir = path.resolve(dataDir, 'pglite');
  fs.mkdirSync(dir, { recursive: true });
  // imported lazily: the WebAssembly build costs start-up time that PostgreSQL users never need
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  let db;
  try {
    db = await PGlite.create(dir);
  } catch (err) {
    throw new ConfigError(
      `embedded database in ${dir} cannot be opened (${(err as Error).message}); is another mfg-etl process using it? Set MFG_ETL_DATABASE_URL to share a PostgreSQL instead`,
      { cause: err },
    );
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  logger.debug('embedded PGlite started', { dataDir: dir, address: server.getServerConn() });
  return {
    url,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

function knexLog(logger: Logger): Knex.Config['log'] {
  const text = (message: unknown): string =>
    message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
  return {
    warn: (message: unknown) => logger.warn(`database: ${text(message)}`),
    error: (message: unknown) => logger.error(`database: ${text(message)}`),
    deprecate: (method: string, alternative: string) => logger.debug(`database: ${method} is deprecated, use ${alternative}`),
    debug: (message: unknown) => logger.debug('database debug', { detail: text(message) }),
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const embedded = options.databaseUrl ? undefined : await startEmbedded(options.dataDir, options.logger);
  const connectionString = options.databaseUrl ?? embedded!.url;
  const knex = knexFactory({
    client: 'pg',
    connection: { connectionString, application_name: 'mfg-etl' },
    searchPath: [options.schema, 'public'],
    // PGlite serialises everything through one session, more connections only queue
    pool: { min: 0, max: embedded ? 4 : (options.poolMax ?? 8) },
    // knex prints its warnings with console.log (stdout) unless given hooks: they go through the
    // logger (stderr, redacted), so `--json` output stays clean when the database is unreachable
    log: knexLog(options.logger),
  });
  try {
    await knex.raw('select 1');
  } catch (err) {
    await knex.destroy();
    await embedded?.close();
    throw new ConfigError(`cannot connect to the database: ${(err as Error).message}; check MFG_ETL_DATABASE_URL`, { cause: err });
  }
  let closed = false;
  return {
    knex,
    connectionString,
    schema: options.schema,
    embedded: Boolean(embedded),
    async close() {
      if (closed) return;
      closed = true;
      await knex.destroy();
      await embedded?.close();
    },
  };
}
