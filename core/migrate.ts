/**
 * Applies sql/migrations/*.sql in name order. Each file runs in its own transaction under a
 * transaction-level advisory lock (keyed by schema), re-checking the migrations table inside the
 * lock, so two processes migrating at once apply each file exactly once. When every file is
 * already recorded, one plain query says so and nothing is locked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { EtlError } from './errors.ts';
import type { Logger } from './logger.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../sql/migrations/', import.meta.url));

export class MigrationError extends EtlError {
  override readonly permanent = true;
}

function listMigrations(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// the schema or its migrations table does not exist yet
const NOT_THERE = new Set(['42P01', '3F000']);

async function upToDate(knex: Knex, s: string, files: string[]): Promise<boolean> {
  try {
    const done = await knex.raw<{ rows: { name: string }[] }>(`select name from ${s}.migrations`);
    const names = new Set(done.rows.map((r) => r.name));
    return files.every((f) => names.has(f));
  } catch (err) {
    if (NOT_THERE.has((err as { code?: string }).code ?? '')) return false;
    throw err;
  }
}

export async function migrate(knex: Knex, schema: string, logger: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = listMigrations(dir);
  const applied: string[] = [];
  const lockKey = `mfg-etl migrate ${schema}`;
  const s = quoteIdent(schema);
  // the usual case costs one query instead of a locked transaction per file (CLI start-up)
  if (await upToDate(knex, s, files)) return applied;

  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [lockKey]);
    await trx.raw(`create schema if not exists ${s}`);
    await trx.raw(`create table if not exists ${s}.migrations (name text primary key, applied_at timestamptz not null default now())`);
  });

  for (const file of files) {
    await knex.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [lockKey]);
      const done = await trx.raw(`select 1 from ${s}.migrations where name = ?`, [file]);
      if (done.rows.length > 0) return;
      await trx.raw(`set local search_path to ${s}, public`);
      try {
        await trx.raw(fs.readFileSync(path.join(dir, file), 'utf8'));
      } catch (err) {
        throw new MigrationError(`migration ${file} failed: ${(err as Error).message}`, { cause: err, context: { file, schema } });
      }
      await trx.raw(`insert into ${s}.migrations (name) values (?)`, [file]);
      applied.push(file);
    });
  }
  if (applied.length) logger.info('migrations applied', { schema, applied });
  return applied;
}
