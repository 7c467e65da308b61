/**
 * The plain-words report beside a cost update file (`<name>.report.txt`). Pure text building.
 */
import { checksAndRowProblems, type CheckpointResult, fileOutcome } from '../shared/checkpoints.ts';

export interface CostUpdateReportInput {
  fileName: string;
  batchId: number;
  status: string;
  stats: Record<string, unknown>;
  checkpoints: readonly CheckpointResult[];
  errorCount: number;
  errorsListed: number;
}

const outcome = (status: string): string =>
  fileOutcome(status, {
    rejected: 'REJECTED: no cost of this file is used. Fix the problems below and drop the corrected file into the inbox again.',
    approved: 'ACCEPTED and approved: the next cost-rollup uses these costs.',
    validated: 'ACCEPTED, waiting for approval: some checks need a person to look (WARNING below); approve it with mfg-etl approve.',
  });

export function costUpdateReport(r: CostUpdateReportInput): string {
  const s = r.stats;
  const lines = [`Cost update file: ${r.fileName}`, `Batch ${r.batchId}: ${outcome(r.status)}`, ''];
  if (typeof s.lines === 'number') {
    lines.push(
      `${Number(s.rows ?? 0)} rows read, ${s.lines} costs${Array.isArray(s.currencies) && s.currencies.length ? ` (currencies ${(s.currencies as string[]).join(', ')})` : ''}.`,
    );
  }
  lines.push(...checksAndRowProblems(r));
  lines.push(
    '',
    "Columns: product code, cost, and optionally currency (a rate must be configured for every currency other than the company's), valid from (YYYY-MM-DD) and unit (the cost is per that unit).",
  );
  return `${lines.join('\n')}\n`;
}
