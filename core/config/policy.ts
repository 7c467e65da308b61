/** The words every config section uses for checkpoints: how severe a failed check is, and when a batch approves itself. */
import { z } from 'zod';

export const severitySchema = z.enum(['error', 'warning']);
export type Severity = z.infer<typeof severitySchema>;

export const approvalPolicySchema = z.enum(['auto', 'auto-unless-warnings', 'manual']);
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;
