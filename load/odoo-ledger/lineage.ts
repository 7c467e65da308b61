/**
 * Lineage: which file line put an Odoo record there, and where each line of a file went. Read
 * from the load ledger (every write of every pipeline, with its batch, run and, since migration
 * 016, its source batch and staged line numbers) and the staged line tables (the line's place in
 * the file, through the view lineage_staged_lines).
 *
 * How a load records its lines: give each planned write (`WriteEntry` of write.ts) `lines` (line_no
 * of the batch's staged lines; several when the record sums several lines, [] when the write comes
 * from a line's absence) and, when the lines are another batch's, `sourceBatchId`. A load that
 * appends ledger rows itself sets `sourceBatchId` and `sourceLines` on its `LedgerEntry`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import { NotFoundError, UsageError } from '../../core/errors.ts';
import { redactSecrets } from '../../core/redact.ts';
import { runSql } from '../../core/sql.ts';

type Db = Knex | Knex.Transaction;

/** The most lines listed per write (an MPS schedule sums every period of a product). */
export const MAX_LINES_LISTED = 200;

export interface LineRef {
  /** line_no of the staged line */
  line: number;
  /** its place in the file: "12", "Sheet1!D12" (null: the pipeline keeps no line table) */
  ref: string | null;
}

export interface Approval {
  by: string | null;
  at: Date | null;
  comment: string | null;
  /** approved by mfg-etl's policy, not a person */
  auto: boolean;
}

export interface RecordWrite {
  ledgerId: number;
  model: string;
  odooId: number;
  businessKey: string;
  externalId: string | null;
  operation: string;
  at: Date;
  batch: { id: number; kind: string; scope: string; version: string; status: string; approval: Approval } | null;
  /** the file the write came from: null when there is none (see `noFile`) */
  file: { batchId: number; kind: string; path: string | null; name: string | null; sha256: string | null; approval: Approval } | null;
  /** the lines of the file (null: not recorded); `lineCount` can exceed the lines listed */
  lines: LineRef[] | null;
  lineCount: number | null;
  /** why no file line is named */
  noFile?: string;
  run: {
    id: number;
    job: string;
    trigger: string;
    status: string;
    attempt: number;
    startedAt: Date | null;
    finishedAt: Date | null;
    host: string | null;
  } | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : redactSecrets(String(v)));

function approvalOf(by: unknown, at: unknown, comment: unknown): Approval {
  const text = str(comment);
  return { by: str(by), at: (at as Date | null) ?? null, comment: text, auto: text !== null && text.startsWith('auto-approved') };
}

/** Why a write names no file line. */
function noFileReason(kind: string | null, source: string | null, lines: unknown, batchId: number | null, businessKey: string): string {
  if (kind === 'historian') return `no file: historian data (${source ?? 'OPC UA tags'}, the batch's time range)`;
  if (kind === 'cost_rollup') return 'no file line: a price computed by the rollup from the bills of materials and component costs';
  if (Array.isArray(lines) && lines.length === 0)
    return 'no line: written because the file no longer has this record (a dropped line is zeroed)';
  if (batchId === null) return `no file: written for an event a client sent over the API (${businessKey})`;
  return 'lines not recorded: written before lineage (migration 016)';
}

/** Every write of one Odoo record by mfg-etl, newest first. Throws NotFoundError when there is none. */
export async function lineageOfRecord(db: Db, model: string, id: number): Promise<RecordWrite[]> {
  if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(model)) throw new UsageError(`"${model}" is not an Odoo model name (e.g. stock.quant)`);
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`"${id}" is not an Odoo record id (a positive whole number)`);
  const rows = await runSql(db, 'odoo-ledger/lineage_record', [model, id, MAX_LINES_LISTED]);
  if (rows.length === 0)
    throw new NotFoundError(
      `no record of ${model} id ${id} was written by mfg-etl — lineage covers writes since migration 016 (older writes show without lines)`,
      { context: { model, id } },
    );
  return rows.map((r): RecordWrite => {
    const batchId = num(r.batch_id);
    const sourceBatchId = num(r.source_batch_id);
    const refs = (r.refs as Array<{ line: number; ref: string }>) ?? [];
    const refOf = new Map(refs.map((x) => [Number(x.line), x.ref]));
    const sourceLines = r.source_lines as Array<number | string> | null;
    const lines =
      sourceLines === null
        ? null
        : sourceLines.slice(0, MAX_LINES_LISTED).map((l) => ({ line: Number(l), ref: str(refOf.get(Number(l))) }));
    const write: RecordWrite = {
      ledgerId: Number(r.ledger_id),
      model: String(r.odoo_model),
      odooId: Number(r.odoo_id),
      businessKey: String(r.business_key),
      externalId: str(r.external_id),
      operation: String(r.operation),
      at: r.loaded_at as Date,
      batch:
        batchId === null
          ? null
          : {
              id: batchId,
              kind: String(r.batch_kind),
              scope: String(r.batch_scope),
              version: String(r.batch_version),
              status: String(r.batch_status),
              approval: approvalOf(r.approved_by, r.approved_at, r.approval_comment),
            },
      file:
        sourceBatchId === null || (lines !== null && lines.length === 0)
          ? null
          : {
              batchId: sourceBatchId,
              kind: String(r.source_kind),
              path: str(r.source_path),
              name: str(r.source_file_name),
              sha256: str(r.source_sha256),
              approval: approvalOf(r.source_approved_by, r.source_approved_at, r.source_approval_comment),
            },
      lines: lines !== null && lines.length === 0 ? null : lines,
      lineCount: num(r.line_count),
      run:
        r.run_id === null
          ? null
          : {
              id: Number(r.run_id),
              job: String(r.run_job),
              trigger: String(r.run_trigger),
              status: String(r.run_status),
              attempt: Number(r.run_attempt),
              startedAt: (r.run_started_at as Date | null) ?? null,
              finishedAt: (r.run_finished_at as Date | null) ?? null,
              host: str(r.run_host),
            },
    };
    if (write.file === null || write.lines === null)
      write.noFile = noFileReason(
        (r.batch_kind as string | null) ?? null,
        str(r.batch_source),
        r.source_lines,
        batchId,
        String(r.business_key),
      );
    return write;
  });
}

// ---- from a file --------------------------------------------------------------------------------

export interface FileBatch {
  id: number;
  kind: string;
  scope: string;
  version: string;
  status: string;
  source: string | null;
  sha256: string | null;
  createdAt: Date;
  approval: Approval | null;
  rejected: { by: string | null; at: Date | null; reason: string | null } | null;
}

export interface LineDestination {
  model: string;
  id: number | null;
  operation: string;
  batchId: number | null;
  runId: number | null;
  at: string;
  /** lines summed into the record (1: this line alone) */
  lines: number;
}

export interface FileLine {
  line: number;
  ref: string;
  went: LineDestination[];
  /** why nothing (or not everything) of the line reached Odoo; empty when it did */
  why: string[];
}

export interface BatchLineage {
  batch: FileBatch;
  staged: number;
  /** staged lines with at least one write */
  written: number;
  writes: number;
  /** the file's row errors: lines that were never staged */
  rowErrors: Array<{ ref: string; column: string; message: string }>;
  lines: FileLine[];
  /** the line_no to pass as `after` for the next page; null: this was the last */
  nextAfter: number | null;
  /** for the whole file, when no line is staged (a rejected file keeps none) */
  note?: string;
}

export interface FileLineage {
  query: string;
  sha256: string | null;
  batches: BatchLineage[];
}

const SHA256 = /^[0-9a-f]{64}$/i;

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The batches of a file given by sha256, by a path on disk (hashed), or by the path / name the inbox recorded. */
async function fileBatches(db: Db, pathOrSha: string, hashFiles: boolean): Promise<{ sha256: string | null; batches: FileBatch[] }> {
  const query = pathOrSha.trim();
  if (query === '') throw new UsageError('give a file path, a file name or the sha256 of a file');
  let sha: string | null = SHA256.test(query) ? query.toLowerCase() : null;
  let name: string | null = null;
  if (!sha) {
    name = path.basename(query);
    if (hashFiles)
      try {
        const real = await realpath(query);
        if ((await stat(real)).isFile()) sha = await sha256Of(real);
      } catch {
        // not on this disk (archived, moved, another host): found by the path the inbox recorded
      }
  }
  const rows = await runSql(db, 'odoo-ledger/lineage_file_batches', [sha, sha ? null : query, name]);
  const batches = rows.map((r): FileBatch => ({
    id: Number(r.id),
    kind: String(r.kind),
    scope: String(r.scope),
    version: String(r.version),
    status: String(r.status),
    source: str(r.source),
    sha256: str(r.source_sha256),
    createdAt: r.created_at as Date,
    approval: r.approved_at ? approvalOf(r.approved_by, r.approved_at, r.approval_comment) : null,
    rejected: r.rejected_at ? { by: str(r.rejected_by), at: r.rejected_at as Date, reason: str(r.reject_reason) } : null,
  }));
  return { sha256: sha, batches };
}

/** Why a staged line without a write did not reach Odoo, from its batch's state. */
function batchReason(b: FileBatch): string {
  if (b.kind === 'cost_update' && ['approved', 'loaded'].includes(b.status))
    return 'no standard price written from this line yet: cost-rollup then cost-load use it (unless a newer line or Odoo already holds the price)';
  switch (b.status) {
    case 'rejected':
      return `batch ${b.id} rejected${b.rejected?.reason ? `: ${b.rejected.reason}` : ''}: nothing of this file is loaded`;
    case 'received':
    case 'validated':
      return `not loaded yet: batch ${b.id} is ${b.status} (awaits approval: mfg-etl approve ${b.id} --by <name>)`;
    case 'approved':
    case 'loading':
      return `not loaded yet: batch ${b.id} is ${b.status} (its load job takes it next)`;
    case 'superseded':
      return `batch ${b.id} superseded by a newer version before it was loaded`;
    case 'load_failed':
      return `batch ${b.id} load_failed: see mfg-etl batch ${b.id}`;
    default:
      return b.kind === 'cost_update'
        ? 'no price written from this line: no rollup loaded since used it (a newer line, a BoM product, or Odoo already held the price)'
        : 'nothing written for this line: Odoo already held what it says (a load writes only what changed)';
  }
}

/**
 * Where each line of a file went, per batch made from the file (newest first): one page of
 * `limit` lines after line_no `after`. Throws NotFoundError when no batch came from the file.
 */
export async function lineageOfFile(
  db: Db,
  pathOrSha: string,
  o: { after?: number; limit?: number; /** a path on this disk is hashed (CLI); false for the status page */ hashFiles?: boolean } = {},
): Promise<FileLineage> {
  const { sha256, batches } = await fileBatches(db, pathOrSha, o.hashFiles ?? true);
  if (batches.length === 0)
    throw new NotFoundError(
      `no batch was made from ${redactSecrets(pathOrSha)} — give the file itself, its sha256, or the inbox path a batch shows (mfg-etl batches)`,
      { context: { file: pathOrSha } },
    );
  const limit = Math.max(1, Math.min(o.limit ?? 1000, 100_000));
  const out: BatchLineage[] = [];
  for (const batch of batches) {
    const [sum] = await runSql(db, 'odoo-ledger/lineage_file_summary', [batch.id]);
    const rows = await runSql(db, 'odoo-ledger/lineage_file_lines', [batch.id, o.after ?? 0, limit]);
    const lines = rows.map((r): FileLine => {
      const went = ((r.went as Array<Record<string, unknown>>) ?? []).map((w) => ({
        model: String(w.model),
        id: num(w.id),
        operation: String(w.operation),
        batchId: num(w.batchId),
        runId: num(w.runId),
        at: String(w.at),
        lines: Number(w.lines),
      }));
      const why: string[] = [
        ...(r.refused as string[]).map((m) => `refused: ${redactSecrets(m)}`),
        ...(r.supplier as string[]).filter((m) => !/ written$/.test(m)).map((m) => redactSecrets(m)),
      ];
      const counted = r.counted === null ? null : redactSecrets(String(r.counted));
      if (counted !== null && (went.length === 0 || !/^(written|applied)$/.test(counted))) why.push(`count ${counted}`);
      if (went.length === 0 && why.length === 0) why.push(batchReason(batch));
      return { line: Number(r.line_no), ref: String(r.source_ref), went, why };
    });
    out.push({
      batch,
      staged: Number(sum?.staged ?? 0),
      written: Number(sum?.written ?? 0),
      writes: Number(sum?.writes ?? 0),
      rowErrors: ((sum?.row_errors as Array<Record<string, unknown>>) ?? []).map((e) => ({
        ref: String(e.ref),
        column: String(e.column),
        message: redactSecrets(String(e.message)),
      })),
      lines,
      nextAfter: lines.length === limit ? lines[lines.length - 1]!.line : null,
      ...(Number(sum?.staged ?? 0) === 0 ? { note: batchReason(batch) } : {}),
    });
  }
  return { query: redactSecrets(pathOrSha), sha256, batches: out };
}
