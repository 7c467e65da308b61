/**
 * Pure rules of the status page and alerts (traffic lights, freshness, alert conditions), the
 * HTML escaping, the users file, and the run log store's behaviour when the database is down.
 */
import os from 'node:os';
import knexFactory from 'knex';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { RunLogTransport } from '../../core/run-logs.ts';
import { hashPassword, parseUsers, verifyPassword } from '../../app/http/auth.ts';
import { escapeHtml, href, html } from '../../app/http/html.ts';
import {
  alertConditions,
  assessWorkflow,
  defaultExpectedMinutes,
  humanDuration,
  rowCounts,
  type WorkflowFacts,
} from '../../transform/shared/health.ts';
import { captureLogger } from '../support/staging.ts';

const NOW = new Date('2026-03-02T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const RULES = { approvalWaitHours: 24 };

function facts(over: Partial<WorkflowFacts> = {}): WorkflowFacts {
  return {
    job: 'forecast-import',
    expectedEveryMinutes: 15,
    lastRun: { id: 9, status: 'succeeded', at: ago(3), error: null },
    lastFinished: { id: 9, status: 'succeeded', at: ago(3), error: null },
    lastSuccessAt: ago(3),
    running: 0,
    queued: 0,
    deadLetters: 0,
    lastDead: null,
    pendingApprovals: 0,
    oldestApprovalSince: null,
    since: ago(10_000),
    ...over,
  };
}

describe('workflow traffic lights', () => {
  it('is green with the age of the last success when fresh', () => {
    expect(assessWorkflow(facts(), NOW, RULES)).toEqual({
      job: 'forecast-import',
      light: 'green',
      reasons: ['last success 3 min ago, expected every 15 min'],
      late: false,
      ageMinutes: 3,
    });
  });

  it('is red when late against the expected interval', () => {
    const h = assessWorkflow(
      facts({ lastSuccessAt: ago(125), lastRun: { id: 9, status: 'succeeded', at: ago(125), error: null } }),
      NOW,
      RULES,
    );
    expect(h.light).toBe('red');
    expect(h.late).toBe(true);
    expect(h.reasons).toEqual(['late: last success 2 h 5 min ago, expected every 15 min']);
  });

  it('counts freshness from the installation when a scheduled job never succeeded', () => {
    expect(assessWorkflow(facts({ lastRun: null, lastFinished: null, lastSuccessAt: null, since: ago(5) }), NOW, RULES)).toMatchObject({
      light: 'amber',
      reasons: ['no run yet'],
      late: false,
    });
    expect(assessWorkflow(facts({ lastRun: null, lastFinished: null, lastSuccessAt: null, since: ago(60) }), NOW, RULES)).toMatchObject({
      light: 'red',
      reasons: ['late: no successful run in 1 h, expected every 15 min'],
    });
  });

  it('is red for a dead letter with its error, amber once the job has succeeded since', () => {
    const dead = { id: 12, status: 'dead', at: ago(10), error: 'BoM cycle\n  through COMP_LEG' };
    const red = assessWorkflow(facts({ deadLetters: 1, lastDead: dead, lastSuccessAt: ago(14), lastFinished: dead }), NOW, RULES);
    expect(red.light).toBe('red');
    expect(red.reasons[0]).toBe('run failed for good (dead letter, last run 12): BoM cycle through COMP_LEG');
    const recovered = assessWorkflow(facts({ deadLetters: 2, lastDead: dead, lastSuccessAt: ago(2) }), NOW, RULES);
    expect(recovered.light).toBe('amber');
    expect(recovered.reasons[0]).toBe(
      '2 runs failed for good (dead letters, last run 12): BoM cycle through COMP_LEG; succeeded since, replay or leave it',
    );
  });

  it('is amber while a failed attempt waits for its retry, and for batches waiting for approval', () => {
    const retrying = assessWorkflow(facts({ lastFinished: { id: 10, status: 'failed', at: ago(1), error: 'Odoo timed out' } }), NOW, RULES);
    expect(retrying).toMatchObject({ light: 'amber', reasons: ['last attempt failed, will be retried: Odoo timed out'] });
    const waiting = assessWorkflow(facts({ pendingApprovals: 2, oldestApprovalSince: ago(26 * 60) }), NOW, RULES);
    expect(waiting).toMatchObject({ light: 'amber', reasons: ['2 batches waiting for approval (oldest 26 h, over 24 h)'] });
  });

  it('never calls a manual job late', () => {
    expect(
      assessWorkflow(facts({ expectedEveryMinutes: null, lastRun: null, lastFinished: null, lastSuccessAt: null }), NOW, RULES),
    ).toMatchObject({
      light: 'green',
      late: false,
      reasons: ['manual job, no runs yet'],
    });
  });

  it('derives the default expectation from the schedule: its interval plus a grace of at most an hour', () => {
    expect(defaultExpectedMinutes(5)).toBe(10);
    expect(defaultExpectedMinutes(1440)).toBe(1500);
    expect(humanDuration(45_000)).toBe('45 s');
    expect(humanDuration(3 * 86_400_000 + 3_600_000)).toBe('3 days 1 h');
  });
});

describe('alert conditions', () => {
  const base = { workflows: [facts()], deadRuns: [], waitingBatches: [], reconciliations: [] };

  it('holds nothing when all is well', () => {
    expect(alertConditions(base, NOW, { ...RULES, reconciliationValueThreshold: 100 })).toEqual([]);
  });

  it('names each condition with a stable key', () => {
    const conditions = alertConditions(
      {
        workflows: [
          facts({ job: 'cost-rollup', expectedEveryMinutes: 60, lastSuccessAt: ago(200) }),
          facts({ job: 'forecast-import', lastSuccessAt: ago(1) }),
        ],
        deadRuns: [
          { id: 7, job: 'forecast-import', finishedAt: ago(30), error: 'boom' }, // succeeded since: cleared
          { id: 8, job: 'cost-rollup', finishedAt: ago(30), error: 'cycle' },
        ],
        waitingBatches: [
          { id: 3, kind: 'forecast', scope: 'P01', version: 'w9', since: ago(25 * 60) },
          { id: 4, kind: 'forecast', scope: 'P02', version: 'w9', since: ago(60) },
        ],
        reconciliations: [
          { id: 5, warehouse: 'WH', kind: 'daily', finishedAt: ago(5), valueImpact: 150.5, currency: 'EUR' },
          { id: 6, warehouse: 'WH2', kind: 'daily', finishedAt: ago(5), valueImpact: 99, currency: 'EUR' },
        ],
      },
      NOW,
      { ...RULES, reconciliationValueThreshold: 100 },
    );
    expect(conditions.map((c) => c.key)).toEqual(['dead:8', 'late:cost-rollup', 'approval:3', 'reconciliation:WH:daily']);
    expect(conditions[1]!.message).toBe('cost-rollup is late: last success 3 h 20 min ago, expected every 1 h');
    expect(conditions[3]!.message).toBe(
      'inventory reconciliation 5 of warehouse WH (daily): the discrepancies are worth 150.50 EUR, over the threshold of 100',
    );
  });

  it('sends no reconciliation alerts when the threshold is null', () => {
    const impact = {
      ...base,
      reconciliations: [{ id: 5, warehouse: 'WH', kind: 'daily', finishedAt: ago(5), valueImpact: 1e9, currency: null }],
    };
    expect(alertConditions(impact, NOW, { ...RULES, reconciliationValueThreshold: null })).toEqual([]);
  });
});

describe('row counts of run stats', () => {
  it('maps the documented stats keys to stages and ignores the rest', () => {
    expect(rowCounts({ rowsRead: 10, rowsStaged: 8, rowsRejected: 1, rowsFailed: 1, rowsWritten: 5, files: 3, rowsLoaded: 'x' })).toEqual({
      read: 10,
      staged: 8,
      rejected: 2,
      loaded: 5,
    });
  });
});

describe('HTML escaping', () => {
  it('escapes every interpolated value, nested templates stay markup', () => {
    const name = `<script>alert('x')</script>"&`;
    const out = html`<td title="${name}">${name}${html`<b>${name}</b>`}${[name, 1]}${null}${undefined}${false}</td>`.value;
    expect(out).toBe(
      '<td title="&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;<b>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;</b>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;1</td>',
    );
    expect(escapeHtml('`')).toBe('&#96;');
    expect(href('reports', '2026/03/a b?.csv')).toBe('/reports/2026/03/a%20b%3F.csv');
  });
});

describe('users file', () => {
  it('reads logins, scrypt hashes and display names; rejects plain passwords and duplicates with the line number', async () => {
    const hash = await hashPassword('correct horse battery');
    const users = parseUsers(`# comment\n\nanna:${hash}:Anna Planner\nbob:${hash}\n`, 'users');
    expect([...users.values()].map((u) => [u.login, u.name])).toEqual([
      ['anna', 'Anna Planner'],
      ['bob', 'bob'],
    ]);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('wrong', hash)).toBe(false);
    expect(() => parseUsers('anna:secret', 'users')).toThrow(
      'MFG_ETL_HTTP_USERS_FILE users line 1: the password hash of "anna" is not an scrypt hash',
    );
    expect(() => parseUsers(`anna:${hash}\nanna:${hash}`, 'users')).toThrow('line 2: user "anna" appears twice');
    expect(() => parseUsers(`an na:${hash}`, 'users')).toThrow('line 1: expected <login>:<scrypt hash>');
  });
});

describe('run log store', () => {
  it('never throws into the logger when the database is unreachable, and keeps a bounded buffer', async () => {
    const knex = knexFactory({
      client: 'pg',
      connection: 'postgres://postgres@127.0.0.1:1/none',
      pool: { min: 0, max: 1 },
      acquireConnectionTimeout: 2000,
    });
    const lines: Record<string, unknown>[] = [];
    const logger = captureLogger(lines, 'debug', loadConfig({}, os.tmpdir()).redactor);
    const transport = new RunLogTransport(knex, { flushMs: 60_000, maxBuffered: 5, batchSize: 100 });
    logger.add(transport);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- saved as it was, to be put back on process.stderr below
    const stderr = process.stderr.write;
    let complaints = '';
    process.stderr.write = ((chunk: string) => ((complaints += chunk), true)) as typeof process.stderr.write;
    try {
      for (let i = 0; i < 8; i++) logger.child({ runId: 1 }).info(`line ${i}`);
      logger.info('not a run line');
      await transport.flush();
      await transport.stop();
    } finally {
      process.stderr.write = stderr;
      await knex.destroy().catch(() => {});
    }
    expect(lines).toHaveLength(9); // the other transports got every line
    expect(transport.dropped).toBe(8); // 3 over the bound, then 5 given up at stop
    expect(complaints).toMatch(/^mfg-etl: run log lines not stored yet \(.*ECONNREFUSED/);
  });
});
