/**
 * Test isolation: every test file gets its own staging schema (and queue schema) in the real
 * PostgreSQL, its own temp folders, and quiet logs; cleanup drops them all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type App, openApp } from '../../core/app.ts';
import { loadConfig, type Env } from '../../core/config.ts';
import { createLogger, type Logger } from '../../core/logger.ts';

export const TEST_DATABASE_URL = process.env.MFG_ETL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestApp extends App {
  dir: string;
  env: Env;
  logLines: Record<string, unknown>[];
  cleanup(): Promise<void>;
}

export function uniqueSchema(prefix: string): string {
  return `t_${prefix.replace(/[^a-z0-9]/g, '_').slice(0, 16)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A logger whose JSON lines land in `lines` (nothing on the console). */
export function captureLogger(lines: Record<string, unknown>[], level = 'debug', redactor = loadConfig({}, os.tmpdir()).redactor): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return createLogger({ level, format: 'json', redactor, stream, console: false });
}

/** `file`: the JSON config file's sections, written into the app's folder (removed on cleanup). */
export async function testApp(name: string, extraEnv: Env = {}, file?: Record<string, unknown>): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mfg-etl-${name}-`));
  const schema = uniqueSchema(name);
  let configEnv: Env = {};
  if (file) {
    const configFile = path.join(dir, 'mfg-etl.config.json');
    fs.writeFileSync(configFile, JSON.stringify(file));
    configEnv = { MFG_ETL_CONFIG: configFile };
  }
  const env: Env = {
    ...configEnv,
    MFG_ETL_DATABASE_URL: TEST_DATABASE_URL,
    MFG_ETL_SCHEMA: schema,
    MFG_ETL_DATA_DIR: path.join(dir, 'data'),
    MFG_ETL_INBOX: path.join(dir, 'inbox'),
    MFG_ETL_REPORTS: path.join(dir, 'reports'),
    MFG_ETL_LOG_LEVEL: 'debug',
    MFG_ETL_RETRY_DELAY_SECONDS: '1',
    MFG_ETL_WORKER_POLL_SECONDS: '0.5',
    MFG_ETL_SHUTDOWN_TIMEOUT_SECONDS: '2',
    ...extraEnv,
  };
  const logLines: Record<string, unknown>[] = [];
  const config = loadConfig(env, dir);
  const app = await openApp({ env, cwd: dir, logger: captureLogger(logLines, 'debug', config.redactor) });
  return {
    ...app,
    dir,
    env,
    logLines,
    async cleanup() {
      try {
        await app.db.knex.raw(`drop schema if exists "${schema}" cascade`);
        await app.db.knex.raw(`drop schema if exists "${schema}_queue" cascade`);
      } finally {
        await app.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
