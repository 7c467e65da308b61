/** The words every config section uses for checkpoints: how severe a failed check is, and when a batch approves itself. */
import { z } from 'zod';

export const severitySchema = z.enum(['error', 'warning']);
export type Severity = z.infer<typeof severitySchema>;

export const approvalPolicySchema = z.enum(['auto', 'auto-unless-warnings', 'manual']);
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

/** A checkpoint's setting in a config section: its severity and the largest measured value that still passes. */
export const checkpointSetting = (severity: Severity, threshold: number) =>
  z
    .object({ severity: severitySchema.default(severity), threshold: z.number().nonnegative().default(threshold) })
    .strict()
    .default({ severity, threshold });
