/**
 * quality-import: files from the QMS in <inbox>/quality/ (CSV or XLSX with the header
 * `nonconformance,action,product,lot,warehouse,location,quantity,reason,decided_by,decided_at`,
 * one lot a line, or JSON lines of the endpoint's event) become staged quality events, with the
 * inbox rules of the other imports (claim, duplicates, archive, reject with a report). Lines of
 * one nonconformance + action are one event. Any line that fails a check rejects the whole file
 * and nothing of it is applied. An event already staged with the same content is skipped (the
 * same event twice moves stock once); other content under its key is a row problem.
 * When the file is approved, quality-apply's work runs at once.
 */
import { readFile } from 'node:fs/promises';
import type { Knex } from 'knex';
import { qualitySettings, type QualitySettings } from '../../core/config/quality.ts';
import { ConfigError } from '../../core/errors.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import type { ClaimedFile } from '../../extract/inbox/inbox.ts';
import { type Cell, openTabular } from '../../extract/tabular/index.ts';
import type { Batch } from '../../load/staging/batches.ts';
import { recordCheckpoints } from '../../load/staging/batches.ts';
import { saveRowErrors } from '../../load/staging/row-errors.ts';
import { checksAndRowProblems, type CheckpointResult, type RowError } from '../../transform/shared/checkpoints.ts';
import {
  eventHash,
  groupFileEvents,
  lineToInput,
  parseEventInput,
  QUALITY_FILE_COLUMNS,
  type QualityEvent,
  type QualityFileLine,
} from '../../transform/quality/events.ts';
import { concludeStagedFile, importInbox, inboxImportParams, type InboxBatchKind, startInboxBatch } from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { checkEvent } from './intake.ts';
import { stageEvent, findEventKey } from '../../load/quality/staging.ts';
import { applyPending } from './quality-apply.ts';
import { jobEntry } from '../catalog.ts';

export const QUALITY_INBOX = { kind: 'quality_events', folder: 'quality' } as const;

function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (cell instanceof Date) return cell.toISOString();
  return String(cell).trim();
}

/** The file's lines as endpoint bodies, with their row references; unreadable lines as problems. */
async function readLines(claimed: ClaimedFile): Promise<{ bodies: Array<{ ref: string; body: unknown }>; problems: RowError[] }> {
  const bodies: Array<{ ref: string; body: unknown }> = [];
  const problems: RowError[] = [];
  if (/\.(jsonl|ndjson|json)$/i.test(claimed.name)) {
    const text = await readFile(claimed.path, 'utf8');
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      try {
        bodies.push({ ref: String(i + 1), body: JSON.parse(line) as unknown });
      } catch (err) {
        problems.push({ ref: String(i + 1), column: '', value: line.slice(0, 80), message: `not JSON: ${(err as Error).message}` });
      }
    });
    return { bodies, problems };
  }
  const source = await openTabular(claimed.path, { fileName: claimed.name });
  let header: Map<string, number> | undefined;
  for await (const row of source.rows()) {
    const cells = row.cells.map(cellText);
    if (!header) {
      header = new Map(cells.map((c, i) => [c.toLowerCase().replace(/\s+/g, '_'), i]));
      const missing = QUALITY_FILE_COLUMNS.filter(
        (c) => !header!.has(c) && c !== 'location' && c !== 'quantity' && c !== 'decided_by' && c !== 'decided_at',
      );
      if (missing.length) {
        problems.push({
          ref: row.ref,
          column: missing.join(', '),
          value: '',
          message: `the header lacks ${missing.join(', ')}; expected ${QUALITY_FILE_COLUMNS.join(',')}`,
        });
        return { bodies, problems };
      }
      continue;
    }
    if (cells.every((c) => c === '')) continue;
    const values: QualityFileLine['values'] = {};
    for (const column of QUALITY_FILE_COLUMNS) {
      const i = header.get(column);
      if (i !== undefined) values[column] = cells[i] ?? '';
    }
    bodies.push({ ref: row.ref, body: lineToInput({ ref: row.ref, values }) });
  }
  return { bodies, problems };
}

async function stageQualityFile(
  ctx: JobContext,
  s: QualitySettings,
  client: OdooClient,
  trx: Knex.Transaction,
  claimed: ClaimedFile,
  sha: string,
): Promise<Batch> {
  const batch = await startInboxBatch(ctx, trx, QUALITY_INBOX, claimed, sha, {});
  const receivedAt = new Date();
  const { bodies, problems } = await readLines(claimed);
  const parsed: Array<{ ref: string; event: QualityEvent }> = [];
  for (const { ref, body } of bodies) {
    const r = parseEventInput(body);
    if (r.event) parsed.push({ ref, event: r.event });
    else for (const p of r.problems) problems.push({ ref, column: p.split(':')[0] ?? '', value: '', message: p });
  }
  const grouped = groupFileEvents(parsed);
  for (const p of grouped.problems) problems.push({ ref: p.ref, column: 'nonconformance', value: '', message: p.message });
  let staged = 0;
  let repeats = 0;
  // in file order: a release after its hold in the same file sees the hold staged
  for (const { refs, event } of grouped.events) {
    const hash = eventHash(event);
    const known = await findEventKey(trx, event.nonconformance, event.action);
    if (known) {
      if (known.hash === hash) repeats++;
      else
        problems.push({
          ref: refs[0]!,
          column: 'nonconformance',
          value: event.nonconformance,
          message: `${event.nonconformance} ${event.action} was staged before (event ${known.id}) with other content`,
        });
      continue;
    }
    const found = await checkEvent(trx, client, s, event);
    if (found.length) {
      for (const message of found) problems.push({ ref: refs.join(', '), column: 'nonconformance', value: event.nonconformance, message });
      continue;
    }
    await stageEvent(trx, { event, hash, source: `file:${claimed.name}`, batchId: batch.id, receivedAt, refs });
    staged++;
  }
  const results: CheckpointResult[] = [
    {
      name: 'event_checks',
      severity: 'error',
      passed: problems.length === 0,
      measured: { lines: bodies.length, events: grouped.events.length, problems: problems.length },
      message:
        problems.length === 0 ? `${grouped.events.length} event(s) pass` : `${problems.length} problem(s); nothing of this file is applied`,
    },
    {
      name: 'not_empty',
      severity: 'error',
      passed: bodies.length > 0 || problems.length > 0,
      measured: { lines: bodies.length },
      message: bodies.length > 0 ? `${bodies.length} line(s)` : 'the file has no event lines',
    },
  ];
  if (problems.length) await trx('quality_events').where({ batch_id: batch.id }).delete();
  await recordCheckpoints(trx, batch.id, results);
  await saveRowErrors(trx, batch.id, problems.slice(0, s.maxErrors));
  const stats = {
    claimId: claimed.claimId,
    fileName: claimed.name,
    lines: bodies.length,
    events: grouped.events.length,
    staged: problems.length ? 0 : staged,
    repeats,
    errorCount: problems.length,
  };
  return concludeStagedFile(trx, batch.id, { stats, scope: 'quality' }, { results, policy: s.approval });
}

export function qualityInboxKind(ctx: JobContext, s: QualitySettings, client: OdooClient): InboxBatchKind {
  return {
    ...QUALITY_INBOX,
    stage: (trx, claimed, sha) => stageQualityFile(ctx, s, client, trx, claimed, sha),
    report: ({ fileName, batch, checkpoints, rowErrors }) =>
      [
        `Quality file ${fileName}: batch ${batch.id}, ${batch.status}.`,
        batch.status === 'rejected' ? 'Nothing of this file was staged or applied. Correct the lines below and drop the file again.' : '',
        ...checksAndRowProblems({ fileName, checkpoints, errorCount: rowErrors.length, errorsListed: rowErrors.length }),
        '',
      ].join('\n'),
  };
}

export const qualityImportJob = defineJob({
  ...jobEntry('quality-import'),
  params: inboxImportParams,
  checkSettings: qualitySettings,
  async run(ctx, params) {
    const s = qualitySettings(ctx.config);
    const client = odooClient(ctx);
    if (!client)
      throw new ConfigError(
        'quality-import needs Odoo to check events: set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER and MFG_ETL_ODOO_API_KEY',
      );
    try {
      const stats = await importInbox(ctx, qualityInboxKind(ctx, s, client), params.settleSeconds ?? ctx.config.inboxSettleSeconds);
      // staged events are applied at once (the minutely quality-apply is the safety net)
      const applied = await applyPending(ctx, client, s);
      return { ...stats, applied: applied.applied, applyFailed: applied.failed };
    } finally {
      client.close();
    }
  },
});
