/**
 * Alerts against a local webhook receiver: once per incident, a recovery message when it clears,
 * retries with backoff on a failing receiver, never an exception into the caller.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../core/config.ts';
import { DataValidationError } from '../../core/errors.ts';
import { AlertEvaluator } from '../../app/alerts.ts';
import { defineJob } from '../../jobs/job.ts';
import { Runner } from '../../jobs/runner.ts';
import { createBatch, transitionBatch } from '../../load/staging/batches.ts';
import { createRun, finishRun } from '../../load/ops/runs.ts';
import { closedPort, startWebhookReceiver, type WebhookReceiver } from '../support/http.ts';
import { registryOf } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const sometimes = defineJob({
  name: 'sometimes',
  description: 'fails for good when asked to',
  schedule: null,
  params: z.object({ fail: z.boolean().default(false) }),
  async run(_ctx, params) {
    if (params.fail) throw new DataValidationError('the count file is missing a column');
    return { rowsRead: 1 };
  },
});
const nightly = defineJob({
  name: 'nightly',
  description: 'expected hourly by the config',
  schedule: null,
  params: z.object({}),
  run: async () => ({}),
});
const registry = registryOf(sometimes, nightly);

let app: TestApp;
let hook: WebhookReceiver;
let runner: Runner;
let evaluator: AlertEvaluator;
let configDir: string;

type Body = { text: string; mfg_etl: { event: string; key: string; kind: string; url?: string } };
const sent = (key: string) => (hook.bodies as Body[]).filter((b) => b.mfg_etl.key === key);

beforeAll(async () => {
  hook = await startWebhookReceiver();
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-alerts-'));
  const configFile = path.join(configDir, 'config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      jobs: { nightly: { expectedEveryMinutes: 60 } },
      alerts: { approvalWaitHours: 1, reconciliationValueThreshold: 500, attempts: 3, retryDelayMs: 20, timeoutMs: 2000 },
      http: { publicUrl: 'https://etl.example.com/' },
    }),
  );
  app = await testApp('alerts', { MFG_ETL_CONFIG: configFile, MFG_ETL_ALERT_WEBHOOK_URL: hook.url, MFG_ETL_RETRY_LIMIT: '0' });
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
  evaluator = new AlertEvaluator({ config: app.config, db: app.db, logger: app.logger, registry });
});

afterAll(async () => {
  await evaluator?.stop();
  await runner?.stop();
  await hook?.close();
  await app?.cleanup();
  fs.rmSync(configDir, { recursive: true, force: true });
});

describe('alerts', () => {
  it('sends one alert for a dead run however often it is evaluated, and one recovery once the job succeeds again', async () => {
    const dead = await runner.runNow('sometimes', { fail: true });
    expect(dead.status).toBe('dead');
    const key = `dead:${dead.id}`;

    const first = await evaluator.evaluate();
    expect(first?.opened.map((i) => i.key)).toContain(key);
    expect(sent(key)).toHaveLength(1);
    const alert = sent(key)[0]!;
    expect(alert.text).toBe(
      `🔴 mfg-etl alert: sometimes: run ${dead.id} failed for good and is in the dead letters: the count file is missing a column\nhttps://etl.example.com/runs/${dead.id}`,
    );
    expect(alert.mfg_etl).toMatchObject({ event: 'opened', kind: 'dead_letter', key, url: `https://etl.example.com/runs/${dead.id}` });

    await evaluator.evaluate();
    await evaluator.evaluate();
    expect(sent(key)).toHaveLength(1);

    expect((await runner.runNow('sometimes', {})).status).toBe('succeeded');
    const after = await evaluator.evaluate();
    expect(after?.resolved.map((i) => i.key)).toContain(key);
    expect(sent(key)).toHaveLength(2);
    expect(sent(key)[1]!.text).toMatch(/^✅ mfg-etl resolved: sometimes: the dead run was replayed or the job has succeeded since \(was: /);
    expect(sent(key)[1]!.mfg_etl.event).toBe('resolved');

    await evaluator.evaluate();
    expect(sent(key)).toHaveLength(2);
  });

  it('alerts when a workflow is late against its expected interval and recovers when it runs', async () => {
    const old = await createRun(app.db.knex, { job: 'nightly', trigger: 'schedule' });
    await finishRun(app.db.knex, old.id, 'succeeded', {}, null);
    const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000);
    await app.db.knex('job_runs').where({ id: old.id }).update({ started_at: threeHoursAgo, finished_at: threeHoursAgo });

    await evaluator.evaluate();
    expect(sent('late:nightly')).toHaveLength(1);
    expect(sent('late:nightly')[0]!.text).toMatch(
      /^🔴 mfg-etl alert: nightly is late: last success 3 h ago, expected every 1 h\nhttps:\/\/etl.example.com\/runs\?job=nightly$/,
    );

    await runner.runNow('nightly', {});
    await evaluator.evaluate();
    expect(sent('late:nightly').map((b) => b.mfg_etl.event)).toEqual(['opened', 'resolved']);
    expect(sent('late:nightly')[1]!.text).toMatch(/^✅ mfg-etl resolved: nightly is on time again/);
  });

  it('alerts on a batch waiting for approval longer than configured, and recovers once it is decided', async () => {
    const waiting = await createBatch(app.db.knex, { kind: 'forecast', scope: 'P01', version: 'w10', actor: 'test' });
    await transitionBatch(app.db.knex, waiting.id, 'validate', { actor: 'test' });
    const recent = await createBatch(app.db.knex, { kind: 'forecast', scope: 'P02', version: 'w10', actor: 'test' });
    await transitionBatch(app.db.knex, recent.id, 'validate', { actor: 'test' });
    await app.db
      .knex('batches')
      .where({ id: waiting.id })
      .update({ validated_at: new Date(Date.now() - 2 * 3_600_000) });

    await evaluator.evaluate();
    expect(sent(`approval:${waiting.id}`)).toHaveLength(1);
    expect(sent(`approval:${waiting.id}`)[0]!.text).toMatch(
      new RegExp(`batch ${waiting.id} \\(forecast P01 version w10\\) has been waiting for approval for 2 h \\(limit 1 h\\)`),
    );
    expect(sent(`approval:${recent.id}`)).toHaveLength(0);

    await transitionBatch(app.db.knex, waiting.id, 'approve', { actor: 'anna' });
    await evaluator.evaluate();
    expect(sent(`approval:${waiting.id}`).map((b) => b.mfg_etl.event)).toEqual(['opened', 'resolved']);
  });

  it('alerts when the latest reconciliation of a warehouse is worth more than the threshold, and recovers with a smaller one', async () => {
    const knex = app.db.knex;
    const count = await createBatch(knex, { kind: 'inventory_count', scope: 'WH', version: '2026-03-01', actor: 'test' });
    const [snapshot] = await knex('inventory_snapshots')
      .insert({ warehouse_id: 1, warehouse_code: 'WH', purpose: 'reconciliation', taken_at: new Date(), finished_at: new Date() })
      .returning('id');
    const reconcile = async (valueImpactAbs: number) => {
      const [row] = await knex('inventory_reconciliations')
        .insert({
          warehouse_id: 1,
          warehouse_code: 'WH',
          kind: 'daily',
          count_batch_id: count.id,
          snapshot_id: snapshot.id,
          coverage: 'warehouse',
          settings: JSON.stringify({ currency: 'EUR' }),
          totals: JSON.stringify({ value_impact_abs: valueImpactAbs, value_impact_net: -valueImpactAbs }),
          status: 'done',
          finished_at: new Date(),
        })
        .returning('id');
      return row.id as number;
    };
    const big = await reconcile(1234.5);
    await evaluator.evaluate();
    const key = 'reconciliation:WH:daily';
    expect(sent(key)).toHaveLength(1);
    expect(sent(key)[0]!.text).toBe(
      `🔴 mfg-etl alert: inventory reconciliation ${big} of warehouse WH (daily): the discrepancies are worth 1234.50 EUR, over the threshold of 500\nhttps://etl.example.com/reports`,
    );
    await reconcile(2000); // still over: the same incident
    await evaluator.evaluate();
    expect(sent(key)).toHaveLength(1);
    await reconcile(120);
    await evaluator.evaluate();
    expect(sent(key).map((b) => b.mfg_etl.event)).toEqual(['opened', 'resolved']);
    expect(sent(key)[1]!.text).toMatch(
      /^✅ mfg-etl resolved: warehouse WH \(daily reconciliation\): the latest reconciliation is within the threshold/,
    );
  });

  it('retries a failing receiver with backoff, and keeps an undelivered alert for the next evaluation', async () => {
    hook.failNext(2);
    const dead = await runner.runNow('sometimes', { fail: true });
    const key = `dead:${dead.id}`;
    const result = await evaluator.evaluate();
    expect(result?.delivered).toContainEqual([result!.opened.find((i) => i.key === key)!.id, 'alert']);
    expect(sent(key)).toHaveLength(1);
    expect(app.logLines.filter((l) => l.message === 'alert delivery failed, retrying' && l.key === key)).toHaveLength(2);

    // receiver down for longer than the tries: nothing thrown, the alert stays pending
    const again = await runner.runNow('sometimes', { fail: true });
    const key2 = `dead:${again.id}`;
    hook.failNext(3, 500);
    const failed = await evaluator.evaluate();
    expect(failed?.failed.map(([, which, error]) => [which, error])).toEqual([['alert', 'webhook answered HTTP 500: unavailable']]);
    expect(sent(key2)).toHaveLength(0);
    const row = await app.db.knex('alert_incidents').where({ key: key2 }).first();
    expect(row).toMatchObject({ notified_at: null, attempts: 1, last_error: 'webhook answered HTTP 500: unavailable' });

    await evaluator.evaluate();
    expect(sent(key2)).toHaveLength(1);
  });

  it('never throws when the webhook cannot be reached, and two evaluators at once send each alert once', async () => {
    const port = await closedPort();
    const unreachable = loadConfig({ ...app.env, MFG_ETL_ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` }, app.dir);
    const lonely = new AlertEvaluator({ config: unreachable, db: app.db, logger: app.logger, registry });
    const dead = await runner.runNow('sometimes', { fail: true });
    const result = await lonely.evaluate();
    expect(result?.failed[0]?.[2]).toMatch(/ECONNREFUSED|fetch failed/);
    // the webhook URL carries a token: it never reaches the log
    expect(app.logLines.filter((l) => String(l.message).startsWith('alert delivery failed')).length).toBeGreaterThan(3);
    expect(JSON.stringify(app.logLines)).not.toContain('secret-token-123456');

    const other = new AlertEvaluator({ config: app.config, db: app.db, logger: app.logger, registry });
    await Promise.all([evaluator.evaluate(), other.evaluate()]);
    await evaluator.evaluate();
    expect(sent(`dead:${dead.id}`)).toHaveLength(1);
    const open = await app.db.knex('alert_incidents').where({ key: `dead:${dead.id}` });
    expect(open).toHaveLength(1);
  });
});
