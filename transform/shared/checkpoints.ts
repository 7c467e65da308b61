/**
 * Checkpoints: quality checks attached to a batch. Each records what it measured, not only
 * pass/fail. An `error` that fails blocks the batch; a failing `warning` needs a person's
 * approval unless the approval policy allows auto-approval.
 */
import { z } from 'zod';
import { type ApprovalPolicy, approvalPolicySchema, type Severity, severitySchema } from '../../core/config/policy.ts';

// the policy vocabulary is configuration (core/config/policy.ts); re-exported for the checkpoint code
export { type ApprovalPolicy, approvalPolicySchema, type Severity, severitySchema };

export const checkpointResultSchema = z.object({
  name: z.string(),
  severity: severitySchema,
  passed: z.boolean(),
  measured: z.record(z.string(), z.unknown()),
  message: z.string(),
});
export type CheckpointResult = z.infer<typeof checkpointResultSchema>;

export type Verdict = 'rejected' | 'approve' | 'await_approval';

/** What the checkpoints and the policy decide for a freshly validated batch. */
export function verdict(results: readonly CheckpointResult[], policy: ApprovalPolicy): Verdict {
  if (results.some((r) => !r.passed && r.severity === 'error')) return 'rejected';
  if (policy === 'manual') return 'await_approval';
  if (policy === 'auto-unless-warnings' && results.some((r) => !r.passed)) return 'await_approval';
  return 'approve';
}

/** one problem in a file, as a person finds it: where (row or cell), which column, what was there, why */
export const RowErrorSchema = z.object({
  ref: z.string(),
  column: z.string(),
  value: z.string(),
  message: z.string(),
});
export type RowError = z.infer<typeof RowErrorSchema>;

/** The seven-character mark of a checkpoint in plain-text reports: OK, FAILED (error) or WARNING. */
export function checkpointMark(c: Pick<CheckpointResult, 'passed' | 'severity'>): string {
  if (c.passed) return 'OK     ';
  return c.severity === 'error' ? 'FAILED ' : 'WARNING';
}

/**
 * The part every inbox file's `<name>.report.txt` shares: the checks in plain words, then where
 * the row problems are listed (the `.errors.csv` beside the report).
 */
export function checksAndRowProblems(o: {
  fileName: string;
  checkpoints: readonly CheckpointResult[];
  errorCount: number;
  errorsListed: number;
}): string[] {
  const lines = ['', 'Checks:', ...o.checkpoints.map((c) => `  ${checkpointMark(c)} ${c.name}: ${c.message}`)];
  if (o.errorCount > 0) {
    const which = o.errorCount > o.errorsListed ? `The first ${o.errorsListed} of ${o.errorCount}` : `The ${o.errorCount}`;
    lines.push('', `${which} row problems are listed in ${o.fileName}.errors.csv (row or cell, column, value, what is wrong).`);
  }
  return lines;
}

export function checkpointResult(
  name: string,
  severity: Severity,
  passed: boolean,
  measured: Record<string, unknown>,
  message: string,
): CheckpointResult {
  return { name, severity, passed, measured, message };
}

/** ": A, B, C, D, E, …" — the first five examples for a checkpoint message, or nothing */
export function examplesText(values: readonly string[] | null | undefined): string {
  const v = values ?? [];
  return v.length ? `: ${v.slice(0, 5).join(', ')}${v.length > 5 ? ', …' : ''}` : '';
}

/** parse_errors of a file-fed batch: rows the parser could not read, against the setting's threshold */
export function parseErrorsCheckpoint(
  parse: { rows: number; errorCount: number; examples: readonly unknown[] },
  c: { severity: Severity; threshold: number },
): CheckpointResult {
  const passed = parse.errorCount <= c.threshold;
  return checkpointResult(
    'parse_errors',
    c.severity,
    passed,
    { rows: parse.rows, errors: parse.errorCount, threshold: c.threshold, examples: parse.examples.slice(0, 5) },
    passed ? `all ${parse.rows} rows read` : `${parse.errorCount} of ${parse.rows} rows could not be read (see the error report)`,
  );
}

/** duplicate_keys: each key once; `keyParts` name the key's parts as people say them ("product", "warehouse", "period"). */
export function duplicateKeysCheckpoint(
  d: { duplicate_keys: number; duplicate_lines: number; examples: readonly unknown[] },
  c: { severity: Severity; threshold: number },
  keyParts: readonly string[],
): CheckpointResult {
  const passed = d.duplicate_keys <= c.threshold;
  const spoken = `${keyParts.slice(0, -1).join(', ')} and ${keyParts[keyParts.length - 1] ?? ''}`;
  return checkpointResult(
    'duplicate_keys',
    c.severity,
    passed,
    { duplicateKeys: d.duplicate_keys, duplicateLines: d.duplicate_lines, examples: d.examples, threshold: c.threshold },
    passed
      ? `each ${spoken} appears once`
      : `${d.duplicate_keys} ${keyParts.join('/')} combinations appear more than once (${d.duplicate_lines} lines)`,
  );
}

/**
 * An unknown-reference checkpoint (unknown products, warehouses, locations…). Without master data it
 * cannot say anything: it says so, as a warning, and points to masterdata-sync.
 */
export function referenceCheckpoint(
  name: string,
  c: { severity: Severity; threshold: number },
  f: { master: number; unknown: number; examples: string[] | null; what: string; lines?: number },
): CheckpointResult {
  if (f.master === 0) {
    return checkpointResult(
      name,
      'warning',
      false,
      { masterDataRows: 0, unknown: null },
      `no ${f.what} master data synced yet: ${f.what}s not checked (run masterdata-sync)`,
    );
  }
  const passed = f.unknown <= c.threshold;
  return checkpointResult(
    name,
    c.severity,
    passed,
    {
      unknown: f.unknown,
      ...(f.lines === undefined ? {} : { lines: f.lines }),
      examples: f.examples ?? [],
      threshold: c.threshold,
      masterDataRows: f.master,
    },
    passed ? `all ${f.what}s known` : `${f.unknown} unknown ${f.what}s${examplesText(f.examples)}`,
  );
}

/** The first line of a file report: what became of the file, in the words of its pipeline. */
export function fileOutcome(status: string, says: { rejected: string; approved: string; validated: string }): string {
  return status === 'rejected' || status === 'approved' || status === 'validated' ? says[status] : `status: ${status}`;
}

/** negative_quantity: lines with a quantity below zero (threshold: how many may pass), with example rows. */
export function negativeQuantityCheckpoint(
  lines: { negative_lines: number; negative_examples: string[] | null },
  c: { severity: Severity; threshold: number },
): CheckpointResult {
  const passed = lines.negative_lines <= c.threshold;
  return checkpointResult(
    'negative_quantity',
    c.severity,
    passed,
    { lines: lines.negative_lines, examples: lines.negative_examples ?? [], threshold: c.threshold },
    passed ? 'no negative quantities' : `${lines.negative_lines} negative quantities (rows${examplesText(lines.negative_examples)})`,
  );
}
