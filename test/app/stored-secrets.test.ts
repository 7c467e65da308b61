/**
 * Secrets are masked before they are stored, not only when logged: a run error echoing a bearer
 * token, the run's log lines, an alert incident's delivery error naming a webhook URL with
 * credentials, and audit details. What is stored is what the status page and the CLI show.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../core/config.ts';
import { OdooAuthError } from '../../core/odoo/errors.ts';
import { AlertEvaluator } from '../../app/alerts.ts';
import { StatusServer } from '../../app/http/server.ts';
import { defineJob } from '../../jobs/job.ts';
import { Runner } from '../../jobs/runner.ts';
import { appendAudit } from '../../load/staging/audit.ts';
import { closedPort, request } from '../support/http.ts';
import { runCli } from '../support/cli.ts';
import { registryOf } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const TOKEN = '3f9a8c7d6e5b4a39281706f5e4d3c2b1';
const echoing = defineJob({
  name: 'echoing',
  description: 'Odoo echoes the key in its answer',
  schedule: null,
  params: z.object({}),
  async run(ctx) {
    ctx.logger.warn(`retrying with Authorization: Bearer ${TOKEN}`);
    throw new OdooAuthError(`Odoo answered 401: invalid bearer ${TOKEN}`, { context: { header: `Bearer ${TOKEN}` } });
  },
});
const registry = registryOf(echoing);

let app: TestApp;
let runner: Runner;

beforeAll(async () => {
  app = await testApp('stored-secrets', { MFG_ETL_RETRY_LIMIT: '0' });
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
});

afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
});

describe('secrets are masked before they are stored', () => {
  it('a run error and the run log echoing a bearer token are stored masked, and shown masked by the run page and dead-letters', async () => {
    const run = await runner.runNow('echoing', {});
    expect(run.status).toBe('dead');
    const row = await app.db.knex('job_runs').where({ id: run.id }).first();
    expect(JSON.stringify(row.error)).not.toContain(TOKEN);
    expect(row.error.message).toBe('Odoo answered 401: invalid bearer [redacted]');
    let logs: { message: string; meta: unknown }[] = [];
    for (let i = 0; i < 40 && logs.length < 2; i++) {
      logs = await app.db.knex('run_logs').where({ run_id: run.id });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(logs.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);

    const server = new StatusServer({ config: app.config, db: app.db, logger: app.logger, registry, port: 0 });
    const url = await server.listen();
    try {
      const page = await request(`${url}/runs/${run.id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('invalid bearer [redacted]');
    } finally {
      await server.close();
    }
    const cli = await runCli(['dead-letters', '--json'], app.env, app.dir);
    expect(cli.stdout).toContain('invalid bearer [redacted]');
    expect(cli.stdout).not.toContain(TOKEN);
  });

  it('a delivery error naming a webhook URL with credentials is stored masked in alert_incidents and not shown on the overview', async () => {
    const port = await closedPort();
    const file = path.join(app.dir, 'one-try.json');
    fs.writeFileSync(file, JSON.stringify({ alerts: { attempts: 1 } }));
    const config = loadConfig(
      { ...app.env, MFG_ETL_CONFIG: file, MFG_ETL_ALERT_WEBHOOK_URL: `http://hookuser:hook-pass-777@127.0.0.1:${port}/hook` },
      app.dir,
    );
    const evaluator = new AlertEvaluator({ config, db: app.db, logger: app.logger, registry });
    const result = await evaluator.evaluate();
    expect(result?.failed.length).toBeGreaterThan(0);
    const rows = await app.db.knex('alert_incidents').whereNotNull('last_error');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain('hook-pass-777');
    const server = new StatusServer({ config, db: app.db, logger: app.logger, registry, port: 0 });
    const url = await server.listen();
    try {
      expect((await request(`${url}/`)).text).not.toContain('hook-pass-777');
    } finally {
      await server.close();
    }
  });

  it('audit details are stored masked', async () => {
    await appendAudit(app.db.knex, {
      actor: 'anna',
      entity: 'batch',
      entityId: 1,
      action: 'rejected',
      details: { reason: `Odoo said: invalid bearer ${TOKEN}`, apiKey: 'k-0123456789' },
    });
    const row = await app.db.knex('audit_events').where({ actor: 'anna', action: 'rejected' }).first();
    expect(JSON.stringify(row.details)).not.toContain(TOKEN);
    expect(JSON.stringify(row.details)).not.toContain('k-0123456789');
  });
});
