/**
 * masterdata-sync: snapshots Odoo's master data into the md_ staging tables — units of measure,
 * product categories, products, warehouses, locations, workcenters, productivity loss reasons,
 * BoMs with their lines and operations.
 *
 *   per model: fields_get (read only the fields this server has) → paged search_read
 *   (`write_date > watermark`, archived included) → map → upsert → watermark, committed together.
 *
 * Incremental by write_date; a full refresh (param `full`, or when the model's last one is older
 * than `fullRefreshHours`) reads everything and marks what Odoo no longer has as deleted.
 * The watermark is stored in the transaction that staged the rows, so a failed write never moves
 * it. Units of measure and product categories are small and read completely every time.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { flag } from '../../core/flags.ts';
import { MAX_DAYS } from '../../core/config/values.ts';
import { ConfigError, DataValidationError } from '../../core/errors.ts';
import { changedRecords, installedModels, latestWriteDate, modelFields, readPages } from '../../extract/masterdata/odoo.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import type { OdooDomain, OdooRecord } from '../../core/odoo/values.ts';
import {
  markMissing,
  readSyncStates,
  refreshProductCategories,
  saveSyncState,
  snapshotFacts,
  stagingTable,
  type SyncState,
  upsertMasterdata,
} from '../../load/masterdata/staging.ts';
import { incrementalDomain, maxWriteDate, needsFullRefresh, parseOdooDateTime } from '../../transform/masterdata/incremental.ts';
import { fieldsToRead, MASTERDATA_MODELS, type MasterdataKind, modelSpec, type ModelSpec } from '../../transform/masterdata/models.ts';
import { ROW_MAPPERS } from '../../transform/masterdata/rows.ts';
import { toUomRows, uomFlavour } from '../../transform/masterdata/uoms.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

export const DEFAULT_FULL_REFRESH_HOURS = 24;
export const DEFAULT_LOOKBACK_SECONDS = 300;
/** more changed parents than this: the children are read completely instead of by parent id */
const MAX_PARENT_IDS = 1000;

/** Committed together: the BoM, its lines and operations form one snapshot. */
const GROUPS: readonly (readonly MasterdataKind[])[] = [
  ['uoms'],
  ['product_categories'],
  ['products'],
  ['warehouses'],
  ['locations'],
  ['workcenters'],
  ['loss_reasons'],
  ['boms', 'bom_lines', 'bom_operations'],
];

export const masterdataSyncParams = z
  .object({
    /** read everything (archived included) and mark what Odoo no longer has as deleted */
    full: flag.default(false),
    /** a model whose last full refresh is older than this gets one automatically */
    fullRefreshHours: z.coerce
      .number()
      .positive()
      .max(MAX_DAYS * 24)
      .default(DEFAULT_FULL_REFRESH_HOURS),
    /** incremental reads start this long before the watermark (late commits) */
    lookbackSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(MAX_DAYS * 86_400)
      .default(DEFAULT_LOOKBACK_SECONDS),
    /** records per Odoo call (default: MFG_ETL_ODOO_BATCH_SIZE) */
    batchSize: z.coerce.number().int().positive().max(100_000).optional(),
  })
  .strict();

export type MasterdataSyncParams = z.infer<typeof masterdataSyncParams>;

export interface ModelStats {
  model: string;
  mode: 'full' | 'incremental' | 'skipped';
  read: number;
  upserted: number;
  inserted: number;
  updated: number;
  /** archived in Odoo since the last sync, plus `deleted` */
  deactivated: number;
  /** gone from Odoo (full refresh, or the refresh of a changed parent); in a dry run: would be */
  deleted: number;
  watermark: string | null;
  /** fields this model would read that this Odoo version does not have */
  unavailableFields?: string[];
  skipped?: string;
  [extra: string]: unknown;
}

interface Shared {
  ctx: JobContext;
  client: OdooClient;
  params: MasterdataSyncParams;
  states: Map<string, SyncState>;
  installed: Set<string>;
  now: Date;
  /** ids read this run per Odoo model (parents of children refreshed with them) */
  readIds: Map<string, number[]>;
  /** models read completely this run */
  fullModels: Set<string>;
  uomFlavour?: string;
}

function notConfigured(): ConfigError {
  return new ConfigError(
    'masterdata-sync needs an Odoo connection: set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER and MFG_ETL_ODOO_API_KEY (or MFG_ETL_ODOO_API_KEY_FILE)',
    { context: { variables: ['MFG_ETL_ODOO_URL', 'MFG_ETL_ODOO_DB', 'MFG_ETL_ODOO_USER', 'MFG_ETL_ODOO_API_KEY'] } },
  );
}

function emptyStats(spec: ModelSpec, mode: ModelStats['mode']): ModelStats {
  return { model: spec.model, mode, read: 0, upserted: 0, inserted: 0, updated: 0, deactivated: 0, deleted: 0, watermark: null };
}

/** The children of the parents read this run, or undefined when they must be read completely. */
async function parentScope(
  s: Shared,
  spec: ModelSpec,
  extra: Record<string, unknown>,
): Promise<{ ids: number[]; watermark?: Date | null } | undefined> {
  const parent = spec.parent;
  if (!parent) return { ids: [] };
  if (parent.model === 'product.template') {
    // templates have no staging table of their own: only which ones changed, and their watermark
    const state = s.states.get(parent.model);
    if (!state?.watermark) return undefined;
    const changed = await changedRecords(
      s.client,
      parent.model,
      incrementalDomain(state.watermark, s.params.lookbackSeconds),
      s.params.batchSize,
    );
    extra.changedTemplates = changed.length;
    if (changed.length > MAX_PARENT_IDS) return undefined;
    return { ids: changed.map((r) => r.id), watermark: maxWriteDate(changed, state.watermark) };
  }
  if (s.fullModels.has(parent.model)) return undefined;
  const ids = s.readIds.get(parent.model) ?? [];
  return ids.length > MAX_PARENT_IDS ? undefined : { ids };
}

async function syncModel(s: Shared, db: Knex | Knex.Transaction, kind: MasterdataKind): Promise<ModelStats> {
  const { ctx, client, params } = s;
  const spec = modelSpec(kind);
  if (!s.installed.has(spec.model)) return { ...emptyStats(spec, 'skipped'), skipped: `${spec.model} is not installed` };

  const available = await modelFields(client, spec.model);
  const { fields, missing } = fieldsToRead(spec, available);
  if (missing.length) {
    throw new DataValidationError(
      `masterdata-sync: ${spec.model} on this Odoo has no field ${missing.join(', ')}; cannot stage ${stagingTable(kind)}`,
      {
        context: { model: spec.model, missing },
      },
    );
  }
  const state = s.states.get(spec.model);
  const extra: Record<string, unknown> = {};
  let full = needsFullRefresh({
    forced: params.full,
    alwaysFull: spec.alwaysFull,
    lastFullAt: state?.lastFullAt ?? null,
    watermark: state?.watermark ?? null,
    now: s.now,
    hours: params.fullRefreshHours,
  });
  let scope: { ids: number[]; watermark?: Date | null } | undefined = { ids: [] };
  if (!full) {
    scope = await parentScope(s, spec, extra);
    if (!scope) full = true;
  }
  const domain: OdooDomain = full
    ? []
    : incrementalDomain(
        state?.watermark as Date,
        params.lookbackSeconds,
        spec.parent && scope?.ids.length ? { field: spec.parent.field, ids: scope.ids } : undefined,
      );

  const stats = emptyStats(spec, full ? 'full' : 'incremental');
  const unavailable = spec.fields.filter((f) => !available.has(f));
  if (unavailable.length) stats.unavailableFields = unavailable;
  const apply = !ctx.dryRun;
  const seen: number[] = [];
  let watermark = state?.watermark ?? null;
  // a complete product read: the templates' watermark is taken before it, so a template changed
  // while the products are being read is read again next time
  const templateWatermark =
    spec.parent?.model === 'product.template' && apply
      ? full
        ? parseOdooDateTime(await latestWriteDate(client, 'product.template'))
        : (scope?.watermark ?? null)
      : null;

  const stage = async (rows: unknown[]) => {
    if (!apply) return;
    const counts = await upsertMasterdata(db, kind, rows as never);
    stats.inserted += counts.inserted;
    stats.updated += counts.updated;
    stats.deactivated += counts.deactivated;
  };

  if (kind === 'uoms') {
    // ratios need the whole tree / every category's reference unit
    const records: OdooRecord[] = [];
    for await (const page of readPages(client, { model: spec.model, domain, fields, batchSize: params.batchSize })) records.push(...page);
    const { rows, problems } = toUomRows(records, available);
    if (problems.length) {
      throw new DataValidationError(`masterdata-sync: units of measure cannot be normalised: ${problems.slice(0, 5).join('; ')}`, {
        context: { problems },
      });
    }
    s.uomFlavour = uomFlavour(available);
    stats.read = records.length;
    seen.push(...records.map((r) => r.id));
    watermark = maxWriteDate(records, watermark);
    await stage(rows);
  } else {
    const mapper = ROW_MAPPERS[kind] as (r: OdooRecord, f: ReadonlySet<string>) => unknown;
    for await (const page of readPages(client, { model: spec.model, domain, fields, batchSize: params.batchSize })) {
      ctx.signal.throwIfAborted();
      stats.read += page.length;
      for (const r of page) seen.push(r.id);
      watermark = maxWriteDate(page, watermark);
      await stage(page.map((r) => mapper(r, available)));
      ctx.progress(`masterdata-sync: ${kind}`, stats.read);
    }
  }

  if (full) {
    stats.deleted = await markMissing(db, kind, seen, { apply });
    s.fullModels.add(spec.model);
  } else if (spec.parent && scope && scope.ids.length) {
    stats.deleted = await markMissing(db, kind, seen, { parent: { column: spec.parent.field, ids: scope.ids }, apply });
  }
  s.readIds.set(spec.model, seen);
  stats.deactivated += apply ? stats.deleted : 0;
  stats.upserted = stats.inserted + stats.updated;
  stats.watermark = watermark?.toISOString() ?? null;
  Object.assign(stats, extra);

  if (kind === 'product_categories' && apply) stats.productsUpdated = await refreshProductCategories(db);

  if (apply) {
    await saveSyncState(db, { model: spec.model, watermark, full, runId: ctx.runId, stats });
    if (spec.parent?.model === 'product.template') {
      await saveSyncState(db, {
        model: 'product.template',
        watermark: templateWatermark,
        full,
        runId: ctx.runId,
        stats: { parentOf: spec.model },
      });
    }
  }
  ctx.logger.info(
    `masterdata-sync ${kind}: ${stats.mode}, read ${stats.read}, upserted ${stats.upserted}, deactivated ${stats.deactivated}`,
    {
      kind,
      model: spec.model,
      dryRun: ctx.dryRun,
      read: stats.read,
      upserted: stats.upserted,
      deleted: stats.deleted,
    },
  );
  return stats;
}

export const masterdataSyncJob = defineJob({
  ...jobEntry('masterdata-sync'),
  params: masterdataSyncParams,
  async run(ctx, params) {
    const client = odooClient(ctx);
    if (!client && ctx.dryRun) {
      // exploring without Odoo: say what the last snapshot holds instead of failing (no dead letter, no alert)
      const facts = await snapshotFacts(ctx.db.knex);
      const when = facts.lastSyncAt ? `last synced ${facts.lastSyncAt.toISOString()}` : 'never synced';
      return {
        dryRun: true,
        odoo: null,
        snapshot: { ...facts, lastSyncAt: facts.lastSyncAt?.toISOString() ?? null },
        summary: [
          'DRY RUN without Odoo (MFG_ETL_ODOO_URL, _DB, _USER, _API_KEY not set): nothing read, nothing written',
          `the last master-data snapshot (${when}) holds ${facts.products} products, ${facts.warehouses} warehouses, ${facts.locations} locations, ${facts.boms} BoMs, ${facts.workcenters} work centers`,
          'to sync: set the Odoo connection, then mfg-etl run masterdata-sync',
        ],
      };
    }
    if (!client) throw notConfigured();
    try {
      const connection = await client.connect();
      const version = await client.version();
      const s: Shared = {
        ctx,
        client,
        params,
        states: await readSyncStates(ctx.db.knex),
        installed: await installedModels(
          client,
          MASTERDATA_MODELS.map((m) => m.model),
        ),
        now: new Date(),
        readIds: new Map(),
        fullModels: new Set(),
      };
      const models: Partial<Record<MasterdataKind, ModelStats>> = {};
      for (const group of GROUPS) {
        ctx.signal.throwIfAborted();
        const work = async (db: Knex | Knex.Transaction) => {
          for (const kind of group) models[kind] = await syncModel(s, db, kind);
        };
        // a dry run writes nothing, so it needs no transaction
        if (ctx.dryRun) await work(ctx.db.knex);
        else await ctx.db.knex.transaction(work);
      }
      const all = Object.values(models);
      const totals = {
        read: all.reduce((n, m) => n + m.read, 0),
        upserted: all.reduce((n, m) => n + m.upserted, 0),
        deactivated: all.reduce((n, m) => n + m.deactivated, 0),
      };
      ctx.logger.info(
        `masterdata-sync ${ctx.dryRun ? '(dry run) ' : ''}read ${totals.read} records, ${ctx.dryRun ? 'wrote nothing' : `upserted ${totals.upserted}, deactivated ${totals.deactivated}`}`,
        { totals, calls: client.calls },
      );
      return {
        dryRun: ctx.dryRun,
        odoo: { version: version.serverVersion, protocol: connection.protocol, units: s.uomFlavour ?? null },
        ...totals,
        calls: client.calls,
        models,
        summary: [
          `${ctx.dryRun ? 'DRY RUN: ' : ''}read ${totals.read} records from Odoo ${version.serverVersion} (${connection.protocol}); ${ctx.dryRun ? 'wrote nothing' : `${totals.upserted} new or changed, ${totals.deactivated} archived or gone`}`,
          ...Object.values(models)
            .filter((m) => m.read > 0 || m.mode === 'skipped')
            .map(
              (m) =>
                `  ${m.model}: ${m.mode === 'skipped' ? 'skipped (not installed)' : `${m.read} read (${m.mode}), ${m.upserted} upserted, ${m.deactivated} deactivated`}`,
            ),
        ],
      };
    } finally {
      client.close();
    }
  },
});
