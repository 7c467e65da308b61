/**
 * The plan file of a dry run: `<reports>/forecast-load-plan_<batch>_<timestamp>.json`, with the
 * summary, the readable text, and the rows that would be written (capped per model).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  formatPlan,
  type ModelPlan,
  type PlanHeader,
  type PlanSummary,
  rowsToWrite,
  type SkippedRow,
} from '../../transform/forecast/load/index.ts';

/** rows listed per model in the file; the counts are always complete */
const ROWS_PER_MODEL = 5000;

function stamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export async function writePlanReport(
  reportsDir: string,
  input: {
    header: PlanHeader;
    summary: PlanSummary;
    models: readonly ModelPlan[];
    skipped: readonly SkippedRow[];
    settings: Record<string, unknown>;
  },
  at: Date = new Date(),
): Promise<string> {
  await fs.mkdir(reportsDir, { recursive: true });
  const file = path.join(reportsDir, `forecast-load-plan_${input.header.batchId}_${stamp(at)}.json`);
  const body = {
    kind: 'forecast-load-plan',
    createdAt: at.toISOString(),
    ...input.header,
    settings: input.settings,
    summary: input.summary,
    text: formatPlan(input.summary, input.header),
    changes: input.models.map((m) => {
      const rows = rowsToWrite(m);
      return {
        model: m.model,
        fields: m.fields,
        total: rows.length,
        listed: Math.min(rows.length, ROWS_PER_MODEL),
        rows: rows.slice(0, ROWS_PER_MODEL).map((r) => ({
          op: r.op,
          key: r.key,
          ref: r.ref,
          values: r.values,
          cells: r.cells,
          ...(r.adoptId !== undefined ? { takeOver: r.adoptId } : {}),
        })),
      };
    }),
    notSent: input.skipped.slice(0, ROWS_PER_MODEL),
  };
  // written whole then renamed: a reader never sees half a plan
  const tmp = `${file}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`);
  await fs.rename(tmp, file);
  return file;
}
