/**
 * The data behind the status page's pictures (app/http/charts.ts draws them), each one set-based
 * SQL file in sql/ops/. Tables of pipelines that are not installed yet answer empty.
 */
import type { Knex } from 'knex';
import { pgQuery, runSql } from '../../core/sql.ts';

type Db = Knex | Knex.Transaction;

async function tableExists(db: Db, table: string): Promise<boolean> {
  const { rows } = await pgQuery<{ present: string | null }>(db, 'select to_regclass($1) as present', [table]);
  return Boolean(rows[0]?.present);
}

export interface RunDot {
  id: number;
  job: string;
  status: string;
  startedAt: Date;
  seconds: number;
}

/** finished attempts since `since`, newest first, at most `limit` */
export async function chartRuns(db: Db, since: Date, limit = 500): Promise<RunDot[]> {
  const rows = await runSql<{ id: string | number; job: string; status: string; started_at: Date; seconds: number }>(db, 'ops/chart_runs', [
    since,
    limit,
  ]);
  return rows.map((r) => ({ id: Number(r.id), job: r.job, status: r.status, startedAt: r.started_at, seconds: Number(r.seconds) }));
}

export interface LocationImpact {
  reconciliationId: number;
  warehouse: string;
  finishedAt: Date | null;
  currency: string | null;
  location: string;
  valueImpact: number;
}

/** the latest finished reconciliation of each warehouse: net value impact per location */
export async function chartReconciliationLocations(db: Db): Promise<LocationImpact[]> {
  if (!(await tableExists(db, 'inventory_reconciliations'))) return [];
  const rows = await runSql<{
    id: string | number;
    warehouse_code: string;
    finished_at: Date | null;
    currency: string | null;
    location_name: string;
    value_impact: number;
  }>(db, 'ops/chart_reconciliation_locations');
  return rows.map((r) => ({
    reconciliationId: Number(r.id),
    warehouse: r.warehouse_code,
    finishedAt: r.finished_at,
    currency: r.currency,
    location: r.location_name,
    valueImpact: Number(r.value_impact),
  }));
}

export interface AssetWeek {
  asset: string;
  /** Monday of the week, YYYY-MM-DD */
  week: string;
  good: number;
  scrap: number;
  runningMinutes: number;
  downMinutes: number;
  idleMinutes: number;
}

/** shift counts summed per asset and week since `since` (YYYY-MM-DD) */
export async function chartOeeWeeks(db: Db, since: string): Promise<AssetWeek[]> {
  if (!(await tableExists(db, 'historian_shifts'))) return [];
  const rows = await runSql<{
    asset: string;
    week: string;
    good: number;
    scrap: number;
    running_minutes: number;
    down_minutes: number;
    idle_minutes: number;
  }>(db, 'ops/chart_oee_weeks', [since]);
  return rows.map((r) => ({
    asset: r.asset,
    week: r.week,
    good: Number(r.good),
    scrap: Number(r.scrap),
    runningMinutes: Number(r.running_minutes),
    downMinutes: Number(r.down_minutes),
    idleMinutes: Number(r.idle_minutes),
  }));
}
