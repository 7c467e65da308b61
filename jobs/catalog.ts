/**
 * What `mfg-etl jobs` and the schedules need to know about each job (name, description, default
 * schedule, slot rule) without importing the jobs themselves: the registry imports every job and
 * what they import (workbooks, Odoo loaders, OPC UA), about half a second of CLI start-up.
 * Said here only: each job definition spreads its entry (`...jobEntry('cost-import')`).
 */
import type { Config } from '../core/config.ts';
import { closest } from '../core/config/mistakes.ts';
import { DAILY_SCHEDULE, MONTH_END_SCHEDULE, monthEndDecision } from '../transform/inventory/schedule.ts';

/** The part of a job definition that naming and scheduling need (a JobDefinition is one). */
export interface JobEntry {
  name: string;
  description: string;
  schedule: string | null;
  runsOn?: (slot: Date, timeZone: string) => boolean;
}

/** Jobs by name: the registry (ReadonlyMap<string, JobDefinition>) or the catalog below. */
export type JobCatalog = ReadonlyMap<string, JobEntry>;

const entries: readonly JobEntry[] = [
  {
    name: 'cost-import',
    description: 'Stages component cost updates (CSV/XLSX) from the inbox for the next cost rollup',
    schedule: '*/15 * * * *',
  },
  {
    name: 'cost-load',
    description: 'Writes the standard costs of approved cost batches into Odoo (revaluation on or off)',
    schedule: '30 2 * * *',
  },
  {
    name: 'cost-rollup',
    description: 'Rolls standard costs up through the BoMs into a cost batch for finance to approve',
    schedule: '0 2 * * *',
  },
  {
    name: 'count-import',
    description: 'Stages warehouse count files (CSV/XLSX) from the inbox as checked inventory_count batches',
    schedule: '*/5 * * * *',
  },
  {
    name: 'forecast-import',
    description: 'Stages forecast files (CSV/XLSX) from the inbox as validated forecast versions',
    schedule: '*/5 * * * *',
  },
  {
    name: 'forecast-load',
    description: 'Loads approved forecast versions into Odoo (MPS forecasts or replenishment rules), writing only what changed',
    schedule: '*/15 * * * *',
  },
  {
    name: 'historian-extract',
    description:
      'Reads the plant historian over OPC UA and stages samples, hourly and shift aggregates and downtime events as a historian batch',
    schedule: '*/15 * * * *',
  },
  {
    name: 'historian-load',
    description:
      'Posts downtime (mrp.workcenter.productivity) and scrap (stock.scrap) of approved historian batches to Odoo and writes the per-shift OEE report',
    // five minutes after each historian-extract (*/15): its batch is approved by then
    schedule: '5,20,35,50 * * * *',
  },
  {
    name: 'housekeeping',
    description: 'Retention: removes old run records, processed inbox files and old reports',
    schedule: '30 3 * * *',
  },
  {
    name: 'inventory-adjust',
    description: 'Applies an approved warehouse count to Odoo (inventory mode, action_apply_inventory); dry run unless --param apply=true',
    schedule: null,
  },
  {
    name: 'inventory-reconciliation',
    description: "Compares Odoo's on-hand stock with the latest warehouse count and writes the reconciliation reports",
    schedule: DAILY_SCHEDULE,
  },
  {
    name: 'inventory-reconciliation-month-end',
    description: 'The month-end inventory reconciliation: scheduled on days 28–31, runs on the last day of the month only',
    schedule: MONTH_END_SCHEDULE,
    runsOn: (slot, timeZone) => monthEndDecision(slot, slot, timeZone).run,
  },
  {
    name: 'masterdata-sync',
    description: 'Snapshots Odoo master data (units, products, warehouses, locations, BoMs, workcenters, loss reasons) into staging',
    schedule: '5 * * * *',
  },
  {
    name: 'material-shortages',
    description:
      'Projects component stock for the next weeks (MO and forecast demand against stock and confirmed incoming) and alerts new shortages',
    schedule: '30 5 * * *',
  },
  {
    name: 'mes-load',
    description: 'Posts approved MES production reports into Odoo: work order times, consumption and lots, production, scrap, closing',
    schedule: '*/5 * * * *',
  },
  {
    name: 'mes-release',
    description:
      'Releases manufacturing orders ready for the floor to the MES (B2MML in <outbox>/mes/) and marks unanswered releases overdue',
    schedule: '*/5 * * * *',
  },
  {
    name: 'mes-report',
    description: 'Stages MES production reports (B2MML OperationsPerformance) and acknowledgments from <inbox>/mes',
    schedule: '*/5 * * * *',
  },
  {
    name: 'quality-apply',
    description: 'Applies staged quality holds, releases and scraps to Odoo (quarantine transfers), each exactly once',
    schedule: '* * * * *',
  },
  {
    name: 'quality-import',
    description: 'Stages quality hold / release / scrap files from <inbox>/quality and applies them at once',
    schedule: '* * * * *',
  },
  {
    name: 'quality-report',
    description:
      'Writes the daily quality-holds report (XLSX/CSV): open holds, lots, quantities, age, what they blocked, value on hold by reason',
    schedule: '30 6 * * *',
  },
  {
    name: 'supplier-import',
    description: 'Stages supplier confirmations and ASNs (CSV/XLSX) from the inbox, matched to purchase order lines',
    schedule: '*/15 * * * *',
  },
  {
    name: 'supplier-load',
    description: 'Writes approved supplier confirmations (dates) and ASNs (receipt quantities and lots) into Odoo',
    schedule: '*/30 * * * *',
  },
  {
    name: 'supplier-po-export',
    description: 'Writes new and changed confirmed purchase orders per supplier into the outbox (XLSX + CSV)',
    schedule: '0 6 * * 1-5',
  },
];

export const jobCatalog: JobCatalog = new Map(entries.map((e) => [e.name, e]));

/** A job's name, description, default schedule and slot rule: each job definition spreads its entry, so they are said once. */
export function jobEntry(name: string): JobEntry {
  const entry = jobCatalog.get(name);
  if (!entry) throw new Error(`jobs/catalog.ts has no entry for job ${name}: add one`);
  return entry;
}

/** `jobs.<name>` sections that name no job, one line each. */
export function unknownJobs(jobs: JobCatalog, config: Pick<Config, 'jobs'>): string[] {
  const lines: string[] = [];
  for (const name of Object.keys(config.jobs)) {
    if (jobs.has(name)) continue;
    const meant = closest(name, [...jobs.keys()]);
    lines.push(`jobs.${name}: no such job${meant ? ` (did you mean "${meant}"?)` : `; valid jobs: ${[...jobs.keys()].join(', ')}`}`);
  }
  return lines;
}
