/**
 * Plain-words texts of the inventory jobs: the report beside a rejected count file
 * (`<name>.report.txt`) and the short summary a run leaves in its stats for the CLI. Pure.
 */
import { checksAndRowProblems, type CheckpointResult, fileOutcome } from '../shared/checkpoints.ts';

const num = (v: unknown, digits = 3) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(v ?? '-');
const money = (v: number, currency: string) =>
  `${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;

const outcome = (status: string): string =>
  fileOutcome(status, {
    rejected: 'REJECTED: nothing was staged. Fix the problems below and drop the corrected file into the inbox again.',
    approved: 'ACCEPTED and approved automatically.',
    validated: 'ACCEPTED: it is reconciled with Odoo; it must be approved (mfg-etl approve) before inventory-adjust may apply it.',
  });

export interface CountReportInput {
  fileName: string;
  batchId: number;
  status: string;
  scope: string;
  stats: Record<string, unknown>;
  checkpoints: readonly CheckpointResult[];
  errorCount: number;
  errorsListed: number;
}

export function countReport(r: CountReportInput): string {
  const s = r.stats;
  const lines = [`Count file: ${r.fileName}`, `Batch ${r.batchId}: ${outcome(r.status)}`, '', `Warehouse ${r.scope}`];
  if (typeof s.lines === 'number' && s.lines > 0) {
    lines.push(
      `${r.status === 'rejected' ? 'Read ' : ''}${num(s.lines)} count lines, ${num(s.locations)} locations, ${num(s.products)} products, counted at ${String(s.countedAt ?? '-')}`,
    );
  }
  lines.push(...checksAndRowProblems(r));
  return `${lines.join('\n')}\n`;
}

export interface ReconciliationFigures {
  warehouse: string;
  lines: number;
  matched: number;
  discrepancies: number;
  movedSinceCount: number;
  byClass: Record<string, number>;
  valueImpactAbs: number;
  valueImpactNet: number;
  currency: string;
  newDiscrepancies: number;
  resolved: number;
  persisting: number;
  previousId: number | null;
  xlsx: string | null;
  csv: string | null;
}

/** The lines the CLI prints after a reconciliation: figures first, then where the reports are. */
export function reconciliationSummary(f: ReconciliationFigures): string[] {
  const cls = ['over', 'short', 'missing_in_odoo', 'missing_in_wms'].map((c) => `${c} ${num(f.byClass[c] ?? 0)}`).join(', ');
  const out = [
    `${f.warehouse}: ${num(f.lines)} lines, ${num(f.matched)} matched, ${num(f.discrepancies)} discrepancies (${cls}), ${num(f.movedSinceCount)} moved since count`,
    `${f.warehouse}: value impact ${money(f.valueImpactNet, f.currency)} net, ${money(f.valueImpactAbs, f.currency)} absolute`,
    f.previousId === null
      ? `${f.warehouse}: first reconciliation of this warehouse`
      : `${f.warehouse}: against run ${f.previousId}: ${num(f.newDiscrepancies)} new, ${num(f.resolved)} resolved, ${num(f.persisting)} persisting`,
  ];
  if (f.xlsx) out.push(`report: ${f.xlsx}`);
  if (f.csv) out.push(`discrepancies: ${f.csv}`);
  return out;
}
