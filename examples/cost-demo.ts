/**
 * The cost part of `npm run demo`: sample BoMs on the bundled master data (sql/demo/boms.sql),
 * a cost-rollup through the runner, and what finance sees: the batch waiting for approval, its
 * checkpoints, the costs per product and where the report is. jobs/demo.ts calls it after the
 * master data is loaded, with a runner whose registry has `cost-rollup`.
 */
import path from 'node:path';
import type { App } from '../core/app.ts';
import { sqlText } from '../core/sql.ts';
import { getBatch, listCheckpoints } from '../load/staging/batches.ts';
import type { Runner } from '../jobs/runner.ts';

const money = (v: unknown) =>
  v === null || v === undefined ? '-' : Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export async function runCostDemo(
  app: App,
  runner: Runner,
  out: (line?: string) => void,
): Promise<{ batchId?: number; report?: { xlsx: string; csv: string } }> {
  await app.db.knex.raw(sqlText('demo/boms'));
  out('loaded sample bills of materials: 6 BoMs (one kit), 2 workcenters');
  const run = await runner.runNow('cost-rollup', { force: true });
  out(`cost-rollup run ${run.id}: ${run.status}${run.error ? ` (${run.error.message})` : ''}`);
  if (run.status !== 'succeeded' || run.stats.batchId === undefined) return {};
  const batchId = Number(run.stats.batchId);
  const batch = await getBatch(app.db.knex, batchId);
  out(
    `\ncost batch ${batchId}  →  ${batch.status.toUpperCase()}${batch.status === 'validated' ? ' (finance approves: mfg-etl approve ' + batchId + ' --by "Name")' : ''}`,
  );
  for (const c of await listCheckpoints(app.db.knex, batchId)) {
    out(`  ${c.passed ? 'ok  ' : c.severity === 'error' ? 'FAIL' : 'warn'}  ${c.name}: ${c.message}`);
  }
  const lines = (await app.db
    .knex('cost_rollup_lines')
    .where({ batch_id: batchId })
    .orderBy([{ column: 'level', order: 'desc' }, 'default_code'])) as Array<Record<string, unknown>>;
  out('');
  out(
    `  ${'product'.padEnd(11)} ${'kind'.padEnd(12)} lvl ${'material'.padStart(9)} ${'operations'.padStart(10)} ${'new cost'.padStart(9)} ${'current'.padStart(9)}  note`,
  );
  for (const l of lines) {
    out(
      `  ${String(l.default_code).padEnd(11)} ${String(l.kind).padEnd(12)} ${String(l.level ?? '-').padStart(3)} ${money(l.material_cost).padStart(9)} ${money(l.operation_cost).padStart(10)} ${money(l.new_cost).padStart(9)} ${money(l.current_cost).padStart(9)}  ${String(l.note ?? '')}`,
    );
  }
  const report = run.stats.report as { xlsx: string; csv: string } | undefined;
  if (report) out(`\ncost report: ${path.relative(process.cwd(), report.xlsx)} (and .csv beside it)`);
  return { batchId, report };
}
