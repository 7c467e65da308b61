/**
 * Checkpoints: quality checks attached to a batch. Each records what it measured, not only
 * pass/fail. An `error` that fails blocks the batch; a failing `warning` needs a person's
 * approval unless the approval policy allows auto-approval.
 */
import { z } from 'zod';

export const severitySchema = z.enum(['error', 'warning']);
export type Severity = z.infer<typeof severitySchema>;

export const checkpointResultSchema = z.object({
  name: z.string(),
  severity: severitySchema,
  passed: z.boolean(),
  measured: z.record(z.string(), z.unknown()),
  message: z.string(),
});
export type CheckpointResult = z.infer<typeof checkpointResultSchema>;

export const approvalPolicySchema = z.enum(['auto', 'auto-unless-warnings', 'manual']);
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

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
