/** `mfg-etl lineage`: which file line put an Odoo record there, and where each line of a file went. */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import type { Approval, FileLineage, RecordWrite } from '../../load/odoo-ledger/lineage.ts';
import { table, when } from './format.ts';
import { positiveId, print, printJson, withApp } from './io.ts';

function approvalText(a: Approval): string {
  if (!a.at) return 'not approved';
  if (a.auto)
    return `auto-approved ${when(a.at)}${a.comment ? ` (${a.comment.replace(/^auto-approved\s*/, '').replace(/^\((.*)\)$/, '$1')})` : ''}`;
  return `approved ${when(a.at)} by ${a.by ?? '?'}${a.comment ? `: ${a.comment}` : ''}`;
}

const LINES_SHOWN = 20;

/** One write of a record as people read it. */
export function recordLineageText(model: string, id: number, writes: readonly RecordWrite[]): string {
  const out = [`${model} ${id}: ${writes.length} write(s) by mfg-etl, newest first`];
  for (const w of writes) {
    out.push('', `${when(w.at)}  ${w.operation}  ${w.businessKey}${w.externalId ? ` (external id ${w.externalId})` : ''}`);
    if (w.file) {
      const name = w.file.path ?? w.file.name ?? '?';
      out.push(`  file      ${name}${w.file.sha256 ? ` (sha256 ${w.file.sha256.slice(0, 12)}…)` : ''}`);
    }
    if (w.lines && w.lines.length > 0) {
      const shown = w.lines.slice(0, LINES_SHOWN).map((l) => l.ref ?? `#${l.line}`);
      const more = (w.lineCount ?? w.lines.length) - shown.length;
      out.push(
        `  line${shown.length > 1 ? 's' : ' '}     ${shown.join(', ')}${more > 0 ? ` and ${more} more (--json lists ${w.lines.length})` : ''}`,
      );
    }
    if (w.noFile) out.push(`  file      ${w.noFile}`);
    if (w.file && w.batch && w.file.batchId !== w.batch.id)
      out.push(`  from      batch ${w.file.batchId} (${w.file.kind}), ${approvalText(w.file.approval)}`);
    if (w.batch)
      out.push(
        `  batch     ${w.batch.id} (${w.batch.kind} ${w.batch.scope} version ${w.batch.version}, now ${w.batch.status})`,
        `  approval  ${approvalText(w.batch.approval)}`,
      );
    else out.push('  batch     none');
    if (w.run)
      out.push(
        `  run       ${w.run.id}: ${w.run.job} (${w.run.trigger}, attempt ${w.run.attempt}) started ${when(w.run.startedAt)}${w.run.host ? ` on ${w.run.host}` : ''}, ${w.run.status}`,
      );
    else out.push('  run       unknown (the run record was removed)');
  }
  return out.join('\n');
}

/** A file's lineage as people read it: per batch, each line and where it went or why not. */
export function fileLineageText(f: FileLineage): string {
  const out: string[] = [];
  for (const b of f.batches) {
    const batch = b.batch;
    out.push(
      `batch ${batch.id}: ${batch.kind} ${batch.scope} version ${batch.version} — ${batch.status}`,
      `file ${batch.source ?? '-'} (sha256 ${batch.sha256 ?? '-'}), staged ${when(batch.createdAt)}`,
      batch.approval
        ? approvalText(batch.approval)
        : batch.rejected
          ? `rejected ${when(batch.rejected.at)}: ${batch.rejected.reason ?? ''}`
          : 'not approved',
      `${b.staged} staged line(s), ${b.written} reached Odoo in ${b.writes} write(s); ${b.rowErrors.length} line(s) never staged`,
    );
    const rows = b.lines.map((l) => [
      l.ref,
      l.went.map((w) => `${w.operation} ${w.model} ${w.id ?? '?'}${w.lines > 1 ? ` (with ${w.lines - 1} other line(s))` : ''}`).join('; '),
      l.why.join('; '),
    ]);
    if (b.note) out.push(b.note);
    if (rows.length) out.push('', table(['line', 'went to', 'why not'], rows));
    if (b.nextAfter !== null) out.push(`… more lines: add --after ${b.nextAfter}`);
    if (b.rowErrors.length) {
      out.push('', 'never staged (row errors of the import):');
      for (const e of b.rowErrors) out.push(`  ${e.ref}${e.column ? ` [${e.column}]` : ''}: ${e.message}`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export function registerLineageCommands(program: Command): void {
  program
    .command('lineage [model] [id]')
    .description('which file, line, batch, approval and run wrote an Odoo record; or, with --file, where each line of a file went')
    .option('--file <path|sha256>', 'a file (path on disk, the inbox path a batch shows, or its sha256) instead of a record')
    .option('--after <line>', 'with --file: list the lines after this line number (pages of --limit)')
    .option('--limit <n>', 'with --file: lines listed per batch', '1000')
    .option('--json', 'machine-readable output')
    .action(
      async (model: string | undefined, id: string | undefined, opts: { file?: string; after?: string; limit: string; json?: boolean }) => {
        const { lineageOfFile, lineageOfRecord } = await import('../../load/odoo-ledger/lineage.ts');
        if (opts.file !== undefined) {
          if (model !== undefined) throw new UsageError('give either <model> <id> or --file, not both');
          const after = opts.after === undefined ? undefined : positiveId(opts.after, '--after');
          const limit = positiveId(opts.limit, '--limit');
          return withApp(async (app) => {
            const f = await lineageOfFile(app.db.knex, opts.file!, { ...(after !== undefined ? { after } : {}), limit });
            if (opts.json) printJson(f);
            else print(fileLineageText(f));
          });
        }
        if (model === undefined || id === undefined)
          throw new UsageError(
            'usage: mfg-etl lineage <model> <id> (e.g. mfg-etl lineage stock.quant 42) or mfg-etl lineage --file <path|sha256>',
          );
        const recordId = positiveId(id, 'record id');
        return withApp(async (app) => {
          const writes = await lineageOfRecord(app.db.knex, model, recordId);
          if (opts.json) printJson({ model, id: recordId, writes });
          else print(recordLineageText(model, recordId, writes));
        });
      },
    );
}
