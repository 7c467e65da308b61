/**
 * forecast-import approval, configured in the JSON config file (MFG_ETL_CONFIG): the `manual`
 * policy, per-checkpoint severity, and approving a newer version superseding the older one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import {
  auditOf,
  batchOf,
  drop,
  type ForecastHarness,
  forecastHarness,
  loadMasterData,
  longCsv,
  runImport,
  series,
  withCheckpoints,
} from '../support/forecast.ts';

let h: ForecastHarness;
beforeAll(async () => {
  h = await forecastHarness(
    'fc-approval',
    {},
    { forecast: { approval: 'manual', checkpoints: { negative_quantity: { severity: 'warning' } } } },
  );
  await loadMasterData(h.app);
});
afterAll(async () => {
  await h?.close();
});

const cli = (args: string[]) => runCli(args, { ...h.app.env, MFG_ETL_LOG_LEVEL: 'warn' }, h.app.dir);

describe('approval policy from the config file', () => {
  it('manual: a version that passes every checkpoint still waits for a person', async () => {
    drop(h, 'manual-p01.csv', longCsv(series('FURN_7800', 'P01', 20)));
    const stats = await runImport(h);
    const batch = await batchOf(h, stats, 'manual-p01.csv');
    expect(Object.values(batch.cp).every((c) => c.passed)).toBe(true);
    expect(batch).toMatchObject({ status: 'validated', approvedAt: null, approvedBy: null });
    expect((await auditOf(h, batch.id)).map((e) => e.action)).toEqual(['received', 'validated']);
  });

  it('takes checkpoint severities from the config file: a negative quantity configured as a warning does not reject', async () => {
    const rows = series('FURN_8888', 'P02', 4);
    rows[3] = { ...rows[3]!, quantity: -1 };
    drop(h, 'negative-warning.csv', longCsv(rows));
    const stats = await runImport(h);
    const batch = await batchOf(h, stats, 'negative-warning.csv');
    expect(batch.cp.negative_quantity).toMatchObject({ severity: 'warning', passed: false, measured: { lines: 1 } });
    expect(batch.status).toBe('validated');
    expect(batch.stats.lines).toBe(12);
  });

  it('approving a newer version supersedes the older approved-but-unloaded one of the same scope', async () => {
    drop(h, 'scope-a-v1.csv', longCsv(series('COMP_LEG', 'P01', 100)));
    const v1 = await batchOf(h, await runImport(h), 'scope-a-v1.csv');
    expect(v1).toMatchObject({ status: 'validated', scope: 'P01' });

    const approve1 = await cli(['approve', String(v1.id), '--by', 'Anna Planner', '--comment', 'looks right']);
    expect(approve1.code, approve1.stderr).toBe(0);
    expect(await withCheckpoints(h, v1.id)).toMatchObject({
      status: 'approved',
      approvedBy: 'Anna Planner',
      approvalComment: 'looks right',
    });

    // v2 of the same scope: compared against v1 (approved), then approved by a person
    drop(h, 'scope-a-v2.csv', longCsv(series('COMP_LEG', 'P01', 104)));
    const v2 = await batchOf(h, await runImport(h), 'scope-a-v2.csv');
    expect(v2.status).toBe('validated');
    expect(v2.cp.version_delta).toMatchObject({ passed: true, measured: { previousBatchId: v1.id } });
    // v1 only becomes superseded when v2 is approved, not when v2 arrives
    expect((await withCheckpoints(h, v1.id)).status).toBe('approved');

    const approve2 = await cli(['approve', String(v2.id), '--by', 'Ben Supervisor']);
    expect(approve2.code, approve2.stderr).toBe(0);
    expect(await withCheckpoints(h, v2.id)).toMatchObject({ status: 'approved', approvedBy: 'Ben Supervisor' });
    expect(await withCheckpoints(h, v1.id)).toMatchObject({ status: 'superseded', supersededBy: v2.id });
    expect((await auditOf(h, v1.id)).at(-1)).toMatchObject({
      action: 'superseded',
      actor: 'Ben Supervisor',
      details: { from: 'approved', to: 'superseded', reason: `replaced by batch ${v2.id}` },
    });

    // another scope is left alone
    const other = (await h.app.db.knex('batches').where({ kind: 'forecast', scope: 'P02' }).first('status')) as { status: string };
    expect(other.status).toBe('validated');

    // a superseded version cannot be approved again
    const again = await cli(['approve', String(v1.id), '--by', 'Anna Planner']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/superseded; cannot approve/);
  });
});
