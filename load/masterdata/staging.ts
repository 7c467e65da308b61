/**
 * Master data staging: bulk upserts of the md_ tables (one array parameter per column through
 * unnest, sql/masterdata/upsert_*.sql), marking what Odoo no longer has, and the sync state
 * (write_date watermark and last full refresh per Odoo model).
 */
import type { Knex } from 'knex';
import { DataValidationError } from '../../core/errors.ts';
import { runSql } from '../../core/sql.ts';
import type { MasterdataKind } from '../../transform/masterdata/models.ts';
import type { MasterdataRows } from '../../transform/masterdata/rows.ts';

type Db = Knex | Knex.Transaction;

interface TableSpec<K extends MasterdataKind> {
  table: string;
  /** in the order of the SQL file's parameters */
  columns: ReadonlyArray<keyof MasterdataRows[K] & string>;
}

const TABLES: { [K in MasterdataKind]: TableSpec<K> } = {
  uoms: {
    table: 'md_uoms',
    columns: [
      'odoo_id',
      'name',
      'ref_group',
      'ref_ratio',
      'rounding',
      'ref_uom_id',
      'category_id',
      'relative_uom_id',
      'relative_factor',
      'active',
      'write_date',
    ],
  },
  product_categories: {
    table: 'md_product_categories',
    columns: ['odoo_id', 'name', 'complete_name', 'parent_id', 'cost_method', 'valuation', 'active', 'write_date'],
  },
  products: {
    table: 'md_products',
    columns: [
      'odoo_id',
      'product_tmpl_id',
      'default_code',
      'name',
      'type',
      'is_storable',
      'tracking',
      'uom_id',
      'uom_po_id',
      'categ_id',
      'categ_name',
      'cost_method',
      'valuation',
      'standard_price',
      'company_id',
      'produce_delay',
      'active',
      'write_date',
    ],
  },
  warehouses: {
    table: 'md_warehouses',
    columns: ['odoo_id', 'code', 'name', 'lot_stock_id', 'view_location_id', 'company_id', 'active', 'write_date'],
  },
  locations: {
    table: 'md_locations',
    columns: ['odoo_id', 'complete_name', 'name', 'barcode', 'usage', 'parent_id', 'warehouse_id', 'company_id', 'active', 'write_date'],
  },
  workcenters: {
    table: 'md_workcenters',
    columns: [
      'odoo_id',
      'name',
      'code',
      'sequence',
      'costs_hour',
      'time_efficiency',
      'default_capacity',
      'time_start',
      'time_stop',
      'oee_target',
      'calendar_id',
      'calendar_name',
      'company_id',
      'active',
      'write_date',
    ],
  },
  loss_reasons: {
    table: 'md_loss_reasons',
    columns: ['odoo_id', 'name', 'loss_type_id', 'loss_type', 'manual', 'sequence', 'active', 'write_date'],
  },
  boms: {
    table: 'md_boms',
    columns: [
      'odoo_id',
      'code',
      'type',
      'is_kit',
      'product_tmpl_id',
      'product_id',
      'product_qty',
      'uom_id',
      'sequence',
      'company_id',
      'produce_delay',
      'days_to_prepare_mo',
      'active',
      'write_date',
    ],
  },
  bom_lines: {
    table: 'md_bom_lines',
    columns: ['odoo_id', 'bom_id', 'product_id', 'product_qty', 'uom_id', 'sequence', 'operation_id', 'active', 'write_date'],
  },
  bom_operations: {
    table: 'md_bom_operations',
    columns: [
      'odoo_id',
      'bom_id',
      'name',
      'workcenter_id',
      'sequence',
      'time_mode',
      'time_mode_batch',
      'time_cycle_manual',
      'time_cycle',
      'company_id',
      'active',
      'write_date',
    ],
  },
};

export function stagingTable(kind: MasterdataKind): string {
  return TABLES[kind].table;
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  /** rows that were active and are now archived */
  deactivated: number;
}

/** Turns a unique-index violation (two active Odoo records sharing a code) into a clear, permanent error. */
function explain(err: unknown, kind: MasterdataKind): never {
  const pgErr = err as { code?: string; constraint?: string; detail?: string; message?: string };
  if (pgErr.code === '23505') {
    throw new DataValidationError(
      `masterdata-sync: ${TABLES[kind].table} cannot hold two active records with the same key (${pgErr.detail ?? pgErr.message}); ` +
        'make the code unique in Odoo (or archive one of them), then run masterdata-sync again',
      { cause: err, context: { kind, table: TABLES[kind].table, constraint: pgErr.constraint, detail: pgErr.detail } },
    );
  }
  throw err;
}

/** Inserts or updates one page of rows; unchanged rows are not rewritten. */
export async function upsertMasterdata<K extends MasterdataKind>(
  db: Db,
  kind: K,
  rows: ReadonlyArray<MasterdataRows[K]>,
): Promise<UpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, deactivated: 0 };
  const spec = TABLES[kind];
  const arrays = spec.columns.map((column) => rows.map((row) => row[column] ?? null));
  try {
    const [counts] = await runSql<UpsertCounts & Record<string, number>>(db, `masterdata/upsert_${kind}`, arrays);
    return { inserted: counts?.inserted ?? 0, updated: counts?.updated ?? 0, deactivated: counts?.deactivated ?? 0 };
  } catch (err) {
    explain(err, kind);
  }
}

export interface MarkMissingOptions {
  /** only among the children of these parents (e.g. lines of the BoMs that changed) */
  parent?: { column: string; ids: readonly number[] };
  /** false: only count (dry run) */
  apply: boolean;
}

/** Marks rows Odoo no longer has (not in `seen`) inactive and deleted; answers how many. */
export async function markMissing(db: Db, kind: MasterdataKind, seen: readonly number[], options: MarkMissingOptions): Promise<number> {
  const [row] = await runSql<{ n: number }>(db, 'masterdata/mark_missing', [
    TABLES[kind].table,
    seen,
    options.parent?.column ?? null,
    options.parent ? options.parent.ids : null,
    options.apply,
  ]);
  return row?.n ?? 0;
}

/** Products take their category's current name, costing method and valuation; answers the rows changed. */
export async function refreshProductCategories(db: Db): Promise<number> {
  const [row] = await runSql<{ updated: number }>(db, 'masterdata/refresh_product_categories');
  return row?.updated ?? 0;
}

export interface SyncState {
  model: string;
  watermark: Date | null;
  lastFullAt: Date | null;
  lastSyncAt: Date;
  lastRunId: number | null;
  lastStats: Record<string, unknown>;
}

export async function readSyncStates(db: Db): Promise<Map<string, SyncState>> {
  const rows = (await db('md_sync_state').select('*')) as Array<Record<string, unknown>>;
  return new Map(
    rows.map((r) => [
      String(r.model),
      {
        model: String(r.model),
        watermark: (r.watermark as Date | null) ?? null,
        lastFullAt: (r.last_full_at as Date | null) ?? null,
        lastSyncAt: r.last_sync_at as Date,
        lastRunId: (r.last_run_id as number | null) ?? null,
        lastStats: (r.last_stats as Record<string, unknown>) ?? {},
      },
    ]),
  );
}

/** Call in the transaction that staged the model's rows: the watermark commits with them. */
export async function saveSyncState(
  db: Db,
  input: { model: string; watermark: Date | null; full: boolean; runId: number; stats: Record<string, unknown> },
): Promise<void> {
  await runSql(db, 'masterdata/save_sync_state', [input.model, input.watermark, input.full, input.runId, JSON.stringify(input.stats)]);
}

/** What the last master-data snapshot holds (active rows) and when it was last synced; for plans made without Odoo. */
export interface SnapshotFacts {
  products: number;
  warehouses: number;
  locations: number;
  boms: number;
  workcenters: number;
  lastSyncAt: Date | null;
}

export async function snapshotFacts(db: Db): Promise<SnapshotFacts> {
  const [row] = await runSql<Omit<SnapshotFacts, 'lastSyncAt'> & { last_sync_at: Date | null }>(db, 'masterdata/snapshot_facts');
  const { last_sync_at, ...counts } = row!;
  return { ...counts, lastSyncAt: last_sync_at };
}
