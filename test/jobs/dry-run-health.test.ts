/**
 * A dry run computes and reports without changing anything: it is not a success of the job on
 * the status page, and its failure never lands in the dead letters nor raises an alert.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner } from '../../jobs/runner.ts';
import { alertFacts, workflowFacts } from '../../load/ops/ops.ts';
import { listDeadLetters, listRuns } from '../../load/ops/runs.ts';
import { alertConditions, assessWorkflow } from '../../transform/shared/health.ts';
import { permanentFailureJob, registryOf, slowJob } from '../support/jobs.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
let runner: Runner;
const registry = registryOf(slowJob('sleepy'), permanentFailureJob('refuses'));
const expectations = [
  { job: 'sleepy', expectedEveryMinutes: 60 },
  { job: 'refuses', expectedEveryMinutes: null },
];
const RULES = { approvalWaitHours: 24, reconciliationValueThreshold: null };

beforeAll(async () => {
  app = await testApp('dryrun', { MFG_ETL_RETRY_LIMIT: '2' });
  runner = new Runner({ config: app.config, db: app.db, logger: app.logger, registry });
  await runner.start();
});
afterAll(async () => {
  await runner?.stop();
  await app?.cleanup();
});

describe('dry runs on the status page and in alerts', () => {
  it('a successful dry run is not a success of the job: the scheduled job is not green', async () => {
    const run = await runner.runNow('sleepy', { ms: 5 }, { dryRun: true });
    expect(run).toMatchObject({ status: 'succeeded', dryRun: true });
    const [facts] = await workflowFacts(app.db.knex, expectations);
    expect(facts!.lastSuccessAt).toBeNull();
    const health = assessWorkflow(facts!, new Date(), RULES);
    expect(health.light).not.toBe('green');
    expect(health.reasons.join(' ')).not.toMatch(/succeeded/);
  });

  it('a dry run that fails for good is not retried, is not a dead letter and raises no alert', async () => {
    const run = await runner.runNow('refuses', {}, { dryRun: true });
    expect(run).toMatchObject({ status: 'failed', dryRun: true, attempt: 1 });
    expect(run.error?.class).toBe('DataValidationError');
    expect((await listRuns(app.db.knex, { job: 'refuses' })).length).toBe(1);
    expect(await listDeadLetters(app.db.knex)).toEqual([]);
    const facts = await alertFacts(app.db.knex, expectations);
    expect(alertConditions(facts, new Date(), RULES)).toEqual([]);
    const refuses = facts.workflows.find((w) => w.job === 'refuses')!;
    expect(refuses.deadLetters).toBe(0);
    expect(assessWorkflow(refuses, new Date(), RULES).light).toBe('green');
  });

  it('a real run that fails for good still dead-letters and alerts', async () => {
    const run = await runner.runNow('refuses', {});
    expect(run).toMatchObject({ status: 'dead', dryRun: false });
    expect((await listDeadLetters(app.db.knex)).map((r) => r.id)).toEqual([run.id]);
    const conditions = alertConditions(await alertFacts(app.db.knex, expectations), new Date(), RULES);
    expect(conditions.map((c) => c.key)).toEqual([`dead:${run.id}`]);
  });
});
