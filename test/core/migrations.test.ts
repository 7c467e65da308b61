import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS_DIR } from '../../core/migrate.ts';
import { captureLogger, TEST_DATABASE_URL, uniqueSchema } from '../support/staging.ts';

const schema = uniqueSchema('migrations');
const knex = knexFactory({ client: 'pg', connection: TEST_DATABASE_URL, pool: { min: 0, max: 6 } });
const logger = captureLogger([]);
const files = fs
  .readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .sort();

afterAll(async () => {
  await knex.raw(`drop schema if exists "${schema}" cascade`);
  await knex.destroy();
});

describe('migrations', () => {
  it('apply every file exactly once when two processes migrate a fresh schema at the same time', async () => {
    const [a, b] = await Promise.all([migrate(knex, schema, logger), migrate(knex, schema, logger)]);
    const applied = [...a, ...b].sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(applied).toEqual(files);
    const rows = await knex.raw(`select name from "${schema}".migrations order by name`);
    expect(rows.rows.map((r: { name: string }) => r.name)).toEqual(files);
  });

  it('are idempotent: a second run applies nothing and keeps the data', async () => {
    await knex.raw(`insert into "${schema}".audit_events (actor, entity, entity_id, action) values ('t', 'x', '1', 'keep')`);
    expect(await migrate(knex, schema, logger)).toEqual([]);
    const rows = await knex.raw(`select count(*)::int as n from "${schema}".audit_events where action = 'keep'`);
    expect(rows.rows[0].n).toBe(1);
  });

  it('on an up-to-date schema answer from one query without waiting for the migration lock', async () => {
    // another process holds the lock (a migration in progress elsewhere): the check must not queue behind it
    const holder = await knex.client.acquireConnection();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock(hashtext($1))', [`mfg-etl migrate ${schema}`]);
      const answered = await Promise.race([
        migrate(knex, schema, logger),
        new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 3000)),
      ]);
      expect(answered).toEqual([]);
    } finally {
      await holder.query('rollback');
      await knex.client.releaseConnection(holder);
    }
  });

  it('still apply a new file when the schema lacks one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
    for (const f of files) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, '999_later.sql'), 'create table later_one (id int);');
    expect(await migrate(knex, schema, logger, dir)).toEqual(['999_later.sql']);
    const rows = await knex.raw(`select to_regclass(?) is not null as there`, [`"${schema}".later_one`]);
    expect(rows.rows[0].there).toBe(true);
  });
});
