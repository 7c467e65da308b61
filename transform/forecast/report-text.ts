/**
 * The plain-words report a planner reads beside a forecast file (`<name>.report.txt`), and the
 * checkpoint lines of the errors CSV. Pure text building.
 */
import { checksAndRowProblems, type CheckpointResult, fileOutcome } from '../shared/checkpoints.ts';

export interface ReportInput {
  fileName: string;
  batchId: number;
  status: string;
  scope: string;
  version: string;
  stats: Record<string, unknown>;
  checkpoints: readonly CheckpointResult[];
  errorCount: number;
  errorsListed: number;
}

const num = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : String(v ?? '-'));

const outcome = (status: string): string =>
  fileOutcome(status, {
    rejected: 'REJECTED: nothing was staged. Fix the problems below and drop the corrected file into the inbox again.',
    approved: 'ACCEPTED and approved automatically (every checkpoint passed).',
    validated: 'ACCEPTED, waiting for approval: some checkpoints need a person to look (see WARNING below).',
  });

export function forecastReport(r: ReportInput): string {
  const s = r.stats;
  const lines = [`Forecast file: ${r.fileName}`, `Batch ${r.batchId}: ${outcome(r.status)}`, '', `Scope ${r.scope}, version ${r.version}`];
  if (typeof s.lines === 'number' && s.lines > 0) {
    lines.push(
      `${r.status === 'rejected' ? 'Read ' : ''}${num(s.lines)} lines, ${num(s.products)} products, ${num(s.periods)} periods from ${String(s.firstPeriod)} to ${String(s.lastPeriod)}, total quantity ${num(s.totalQuantity)} (product units)`,
    );
  }
  lines.push(...checksAndRowProblems(r));
  return `${lines.join('\n')}\n`;
}
