/** The job registry: every job the runner, the scheduler and the CLI know by name. */
import { UsageError } from '../core/errors.ts';
import { costImportJob } from './costs/cost-import.ts';
import { costLoadJob } from './costs/cost-load.ts';
import { costRollupJob } from './costs/cost-rollup.ts';
import { countImportJob } from './inventory/count-import.ts';
import { forecastImportJob } from './forecast/forecast-import.ts';
import { forecastLoadJob } from './forecast/forecast-load.ts';
import { historianExtractJob } from './historian/historian-extract.ts';
import { historianLoadJob } from './historian/historian-load.ts';
import { housekeepingJob } from './housekeeping/housekeeping.ts';
import { inventoryAdjustJob } from './inventory/inventory-adjust.ts';
import { inventoryReconciliationJob, inventoryReconciliationMonthEndJob } from './inventory/inventory-reconciliation.ts';
import { mesLoadJob } from './mes/mes-load.ts';
import { mesReportJob } from './mes/mes-report.ts';
import { masterdataSyncJob } from './masterdata/masterdata-sync.ts';
import { materialShortagesJob } from './suppliers/material-shortages.ts';
import { mesReleaseJob } from './mes/mes-release.ts';
import { qualityApplyJob } from './quality/quality-apply.ts';
import { qualityImportJob } from './quality/quality-import.ts';
import { qualityReportJob } from './quality/quality-report.ts';
import { supplierImportJob } from './suppliers/supplier-import.ts';
import { supplierLoadJob } from './suppliers/supplier-load.ts';
import { supplierPoExportJob } from './suppliers/supplier-po-export.ts';
import type { JobDefinition } from './job.ts';

export type JobRegistry = ReadonlyMap<string, JobDefinition>;

export function createRegistry(jobs: readonly JobDefinition[]): JobRegistry {
  const map = new Map<string, JobDefinition>();
  for (const job of jobs) {
    if (map.has(job.name)) throw new Error(`job ${job.name} is registered twice`);
    map.set(job.name, job);
  }
  return map;
}

export const defaultJobs: readonly JobDefinition[] = [
  costImportJob,
  costLoadJob,
  costRollupJob,
  countImportJob,
  forecastImportJob,
  forecastLoadJob,
  historianExtractJob,
  historianLoadJob,
  housekeepingJob,
  inventoryAdjustJob,
  inventoryReconciliationJob,
  inventoryReconciliationMonthEndJob,
  masterdataSyncJob,
  materialShortagesJob,
  mesLoadJob,
  mesReleaseJob,
  mesReportJob,
  qualityApplyJob,
  qualityImportJob,
  qualityReportJob,
  supplierImportJob,
  supplierLoadJob,
  supplierPoExportJob,
];

export function defaultRegistry(): JobRegistry {
  return createRegistry(defaultJobs);
}

export function findJob(registry: JobRegistry, name: string): JobDefinition {
  const job = registry.get(name);
  if (!job) throw new UsageError(`unknown job "${name}"; valid jobs: ${[...registry.keys()].join(', ')}`);
  return job;
}

// kept beside the catalog, which the CLI and the schedules use without loading any job
export { unknownJobs } from './catalog.ts';
