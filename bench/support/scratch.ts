/**
 * A bench's scratch space in the real PostgreSQL: a schema (and its queue schema) named after
 * the process, dropped on cleanup together with whatever the bench registered (runner, app,
 * servers, temp folders), also on SIGINT/SIGTERM. BENCH_KEEP_SCHEMA=1 keeps the schemas to look at.
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger, type Logger } from '../../core/logger.ts';
import type { SecretRedactor } from '../../core/redact.ts';

export const BENCH_DATABASE_URL = process.env.MFG_ETL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchScratch {
  schema: string;
  /** a cleanup step, run in registration order before the schemas are dropped; failures are reported, not thrown */
  onCleanup(what: string, step: () => unknown): void;
  cleanup(): Promise<void>;
}

async function dropSchemas(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, application_name: 'mfg-etl-bench-cleanup' });
  await client.connect();
  try {
    await client.query(`set lock_timeout = '20s'`);
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.query(`drop schema if exists "${schema}_queue" cascade`);
  } finally {
    await client.end();
  }
}

export function benchScratch(prefix: string): BenchScratch {
  const schema = `${prefix}_${process.pid}`;
  const steps: [string, () => unknown][] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      const problems: string[] = [];
      const all: [string, () => unknown][] = [
        ...steps,
        [`drop schemas ${schema}, ${schema}_queue`, () => (process.env.BENCH_KEEP_SCHEMA ? undefined : dropSchemas(schema))],
      ];
      for (const [what, step] of all) {
        try {
          await step();
        } catch (err) {
          problems.push(`${what}: ${(err as Error).message}`);
        }
      }
      for (const p of problems) process.stderr.write(`bench cleanup: ${p}\n`);
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up ${schema}\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  return { schema, onCleanup: (what, step) => void steps.push([what, step]), cleanup };
}

/** Waits for `p` at most `ms` (a cleanup step must not hang the bench's exit); undefined on timeout. */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Warnings and errors as JSON lines kept in `lines` (the first 200), for the message when a run fails. */
export function quietLogger(redactor: SecretRedactor, lines: string[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) if (lines.length < 200) lines.push(line);
      done();
    },
  });
  return createLogger({ level: 'warn', format: 'json', redactor, stream, console: false });
}
