/** Staged batches: list, show, approve, reject. */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { BATCH_KINDS, BATCH_STATUSES } from '../../transform/shared/batch-names.ts';
import { table, when } from './format.ts';
import { positiveId, print, printJson, withApp } from './io.ts';

// the batch rules and their SQL (zod) load when a command runs, not for `mfg-etl --help`
const staging = () => import('../../load/staging/batches.ts');

export function registerBatchCommands(program: Command): void {
  program
    .command('batches')
    .description('staged batches, newest first')
    .option('--kind <kind>', BATCH_KINDS.join(', '))
    .option('--status <status>', BATCH_STATUSES.join(', '))
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: { kind?: string; status?: string; limit: string; json?: boolean }) => {
      // a misspelt filter would list nothing and look like "no batches": say so instead (exit 2)
      if (opts.kind !== undefined && !(BATCH_KINDS as readonly string[]).includes(opts.kind))
        throw new UsageError(`--kind: unknown batch kind "${opts.kind}"; known kinds: ${BATCH_KINDS.join(', ')}`);
      if (opts.status !== undefined && !(BATCH_STATUSES as readonly string[]).includes(opts.status))
        throw new UsageError(`--status: unknown batch status "${opts.status}"; known statuses: ${BATCH_STATUSES.join(', ')}`);
      return withApp(async (app) => {
        const batches = await (
          await staging()
        ).listBatches(app.db.knex, { kind: opts.kind, status: opts.status, limit: positiveId(opts.limit, '--limit') });
        if (opts.json) return printJson(batches);
        print(
          table(
            ['BATCH', 'KIND', 'SCOPE', 'VERSION', 'STATUS', 'CREATED', 'SOURCE'],
            batches.map((b) => [b.id, b.kind, b.scope, b.version, b.status, when(b.createdAt), b.source]),
          ),
        );
      });
    });
  program
    .command('batch <id>')
    .description('one batch with its stats and checkpoint results')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) =>
      withApp(async (app) => {
        const batch = await (await staging()).getBatch(app.db.knex, positiveId(id, 'batch id'));
        const checkpoints = await (await staging()).listCheckpoints(app.db.knex, batch.id);
        if (opts.json)
          return printJson({
            ...batch,
            checkpoints: checkpoints.map(({ name, severity, passed, measured, message }) => ({
              name,
              severity,
              passed,
              measured,
              message,
            })),
          });
        print(
          [
            `batch ${batch.id}: ${batch.kind} ${batch.scope} version ${batch.version} — ${batch.status}`,
            `source ${batch.source ?? '-'} (sha256 ${batch.sourceSha256 ?? '-'})`,
            `created ${when(batch.createdAt)} by ${batch.createdBy}`,
            batch.approvedBy
              ? `approved ${when(batch.approvedAt)} by ${batch.approvedBy}${batch.approvalComment ? `: ${batch.approvalComment}` : ''}`
              : '',
            batch.rejectedBy ? `rejected ${when(batch.rejectedAt)} by ${batch.rejectedBy}: ${batch.rejectReason ?? ''}` : '',
            `stats ${JSON.stringify(batch.stats, null, 2)}`,
            checkpoints.length ? '\ncheckpoints:' : 'no checkpoints recorded',
            ...checkpoints.map(
              (c) =>
                `  ${c.passed ? 'pass' : c.severity === 'error' ? 'FAIL' : 'WARN'}  ${c.name}: ${c.message}  ${JSON.stringify(c.measured)}`,
            ),
          ]
            .filter(Boolean)
            .join('\n'),
        );
      }),
    );
  program
    .command('approve <batch>')
    .description('approve a validated batch for loading into Odoo')
    .requiredOption('--by <name>', 'who approves (written to the audit trail)')
    .option('--comment <text>', 'why')
    .action(async (id: string, opts: { by: string; comment?: string }) =>
      withApp(async (app) => {
        const batch = await (
          await staging()
        ).transitionBatch(app.db.knex, positiveId(id, 'batch id'), 'approve', { actor: opts.by, reason: opts.comment });
        print(`batch ${batch.id} approved by ${opts.by}`);
      }),
    );
  program
    .command('reject <batch>')
    .description('reject a batch so it is never loaded')
    .requiredOption('--by <name>', 'who rejects (written to the audit trail)')
    .requiredOption('--reason <text>', 'why')
    .action(async (id: string, opts: { by: string; reason: string }) =>
      withApp(async (app) => {
        const batch = await (
          await staging()
        ).transitionBatch(app.db.knex, positiveId(id, 'batch id'), 'reject', { actor: opts.by, reason: opts.reason });
        print(`batch ${batch.id} rejected by ${opts.by}`);
      }),
    );
}
