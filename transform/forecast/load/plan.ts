/**
 * The load plan: each target row compared with the ledger (what mfg-etl last wrote under that key)
 * and with what Odoo already holds that mfg-etl did not create. A row is
 *   create     — no ledger entry: Odoo has no record of ours under that key (as far as we know);
 *   update     — the ledger's payload hash differs (or a foreign record is taken over);
 *   unchanged  — same hash as the ledger's last entry: nothing is sent.
 * Foreign records (a rule or schedule without an `mfg_etl` external id) are left alone unless
 * configured, and so are the rows that depend on them. Pure.
 */
import { type LedgerOp, ledgerOp } from '../../shared/odoo-write.ts';
import type { SkipKind, SkippedRow, TargetRow, TargetSet } from './targets.ts';

export type Operation = LedgerOp;

export interface LedgerState {
  hash: string;
  odooId: number | null;
}

/** A record in Odoo in the place of a target row that has no `mfg_etl` external id. */
export interface ForeignRecord {
  id: number;
}

export interface PlannedRow extends TargetRow {
  op: Operation;
  /** the record id the ledger knows, or the foreign record taken over */
  odooId: number | null;
  /** take over this foreign record (write its mfg_etl external id) before loading */
  adoptId?: number;
}

export interface ModelPlan {
  model: string;
  fields: string[];
  rows: PlannedRow[];
}

export interface ForeignPolicy {
  /** foreign records by target key */
  records: ReadonlyMap<string, ForeignRecord>;
  /** take them over (manageForeignRules) */
  manage: boolean;
  /** keys left alone so far (rows depending on them are left alone too); filled in */
  blocked: Set<string>;
}

export function planModel(
  set: TargetSet,
  ledger: ReadonlyMap<string, LedgerState>,
  foreign: ForeignPolicy,
): { plan: ModelPlan; skipped: SkippedRow[] } {
  const rows: PlannedRow[] = [];
  const skipped: SkippedRow[] = [];
  for (const row of set.rows) {
    if (row.dependsOn !== undefined && foreign.blocked.has(row.dependsOn)) {
      foreign.blocked.add(row.key);
      skipped.push({
        kind: 'foreign',
        model: set.model,
        key: row.key,
        ref: row.ref,
        reason: `its record ${row.dependsOn} is not managed by mfg-etl: left alone`,
      });
      continue;
    }
    const found = foreign.records.get(row.key);
    if (found && !foreign.manage) {
      foreign.blocked.add(row.key);
      skipped.push({
        kind: 'foreign',
        model: set.model,
        key: row.key,
        ref: row.ref,
        reason: `${set.model} ${found.id} exists and was not created by mfg-etl: left alone (manageForeignRules=false)`,
      });
      continue;
    }
    if (found) {
      rows.push({ ...row, op: 'update', odooId: found.id, adoptId: found.id });
      continue;
    }
    const last = ledger.get(row.key);
    rows.push({ ...row, op: ledgerOp(last, row.hash), odooId: last?.odooId ?? null });
  }
  return { plan: { model: set.model, fields: set.fields, rows }, skipped };
}

/** Rows to send (creates and updates), in plan order. */
export function rowsToWrite(plan: ModelPlan): PlannedRow[] {
  return plan.rows.filter((r) => r.op !== 'unchanged');
}

// ---- summary ------------------------------------------------------------------------------------

export interface PlanExample {
  key: string;
  ref: string;
  values: Record<string, string | number | null>;
  reason?: string;
}

export interface ModelSummary {
  model: string;
  create: number;
  update: number;
  unchanged: number;
  /** foreign records taken over (counted in update) */
  adopt: number;
  /** rows that set an earlier version's period or rule to zero (counted in create/update/unchanged) */
  zeroed: number;
  examples: Record<Operation, PlanExample[]>;
}

export interface PlanSummary {
  /** rows to send to Odoo */
  writes: number;
  models: ModelSummary[];
  skipped: { total: number; byKind: Partial<Record<SkipKind, number>>; examples: SkippedRow[] };
}

export function summarisePlan(models: readonly ModelPlan[], skipped: readonly SkippedRow[], examplesPerKind = 3): PlanSummary {
  const summaries = models.map((m): ModelSummary => {
    const examples: Record<Operation, PlanExample[]> = { create: [], update: [], unchanged: [] };
    const s: ModelSummary = { model: m.model, create: 0, update: 0, unchanged: 0, adopt: 0, zeroed: 0, examples };
    for (const r of m.rows) {
      s[r.op]++;
      if (r.adoptId !== undefined) s.adopt++;
      if (r.reason === 'dropped') s.zeroed++;
      if (examples[r.op].length < examplesPerKind) {
        examples[r.op].push({
          key: r.key,
          ref: r.ref,
          values: r.values,
          ...(r.adoptId !== undefined ? { reason: `take over record ${r.adoptId}` } : r.reason ? { reason: r.reason } : {}),
        });
      }
    }
    return s;
  });
  const byKind: Partial<Record<SkipKind, number>> = {};
  for (const s of skipped) byKind[s.kind] = (byKind[s.kind] ?? 0) + 1;
  return {
    writes: summaries.reduce((n, s) => n + s.create + s.update, 0),
    models: summaries,
    skipped: { total: skipped.length, byKind, examples: skipped.slice(0, examplesPerKind * 2) },
  };
}

export interface PlanHeader {
  batchId: number;
  scope: string;
  version: string;
  target: string;
  /** why nothing is written, when nothing is */
  dryRunReason?: string;
  notes?: string[];
}

function valuesText(values: Record<string, string | number | null>): string {
  return Object.entries(values)
    .filter(([k]) => k !== 'product' && k !== 'warehouse')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** The plan as a person reads it (logs, the .txt report, the demo). */
export function formatPlan(summary: PlanSummary, header: PlanHeader): string {
  const lines = [`forecast-load plan: batch ${header.batchId} (scope ${header.scope}, version ${header.version}), target ${header.target}`];
  if (header.dryRunReason) lines.push(`  dry run: ${header.dryRunReason}; nothing is written to Odoo`);
  for (const note of header.notes ?? []) lines.push(`  note: ${note}`);
  for (const m of summary.models) {
    const extra = [m.adopt ? `${m.adopt} taken over` : '', m.zeroed ? `${m.zeroed} set to zero (not in this version)` : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${m.model}: ${m.create} create, ${m.update} update, ${m.unchanged} unchanged${extra ? ` (${extra})` : ''}`);
    for (const op of ['create', 'update', 'unchanged'] as const) {
      for (const e of m.examples[op])
        lines.push(`    ${op.padEnd(9)} ${e.ref}  ${valuesText(e.values)}${e.reason ? `  [${e.reason}]` : ''}`);
    }
  }
  if (summary.skipped.total > 0) {
    const kinds = Object.entries(summary.skipped.byKind)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    lines.push(`  not sent: ${summary.skipped.total} (${kinds})`);
    for (const s of summary.skipped.examples) lines.push(`    ${s.kind.padEnd(11)} ${s.ref}: ${s.reason}`);
  }
  lines.push(`  rows to write: ${summary.writes}`);
  return lines.join('\n');
}
