/**
 * historian-load: downtime and scrap of approved historian batches into Odoo, then the per-shift
 * OEE report. Scheduled after historian-extract; writes by default (`--dry-run` or
 * `--param dryRun=true`: a plan file, nothing sent to Odoo).
 *
 *   staged rows (closed downtime events, scrap of complete shifts, of approved or loaded batches)
 *   → plan against the ledger (payload hash per external id: equal = nothing to send)
 *   → resolve in Odoo only what is to be written (work centers by code in one search_read, loss
 *     reasons by external id or name, products, the work order that ran, the scrap location)
 *   → approved batches loading → `mrp.workcenter.productivity.load` (tz UTC) → `stock.scrap.load`
 *     + `action_validate` each → ledger and historian_load_status per row
 *   → batches loaded, or load_failed with the reasons (a rerun loads what is left)
 *   → OEE report (XLSX + CSV) of the shift dates the batches cover.
 *
 * A row Odoo cannot take (unknown work center or loss reason, no product, short stock) is reported
 * with its reason and does not stop the others. A scrap Odoo answered "insufficient quantity" to
 * stays in draft; the next run validates that same scrap again, never creates a second one. A
 * validated scrap is never modified: a quantity staged differently afterwards is reported.
 */
import path from 'node:path';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeError } from '../../core/errors.ts';
import { flag } from '../../core/flags.ts';
import { type LoadRowError, saveLoadErrors } from '../../load/odoo-ledger/load-errors.ts';
import {
  findLocation,
  findProducts,
  findWorkcenters,
  type LossCatalog,
  readLossReasons,
  type ScrapState,
  scrapStates,
  type ShopfloorClient,
  UTC,
  validateScrap,
  type Workcenter,
  workorderDuring,
  workordersOn,
} from '../../load/historian/odoo.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import { getBatch, transitionBatch } from '../../load/staging/batches.ts';
import {
  batchDateRange,
  downtimeToPost,
  loadableBatchIds,
  saveStatuses,
  scrapToPost,
  statusesOf,
} from '../../load/historian/load-staging.ts';
import { lastLedgerEntries } from '../../load/odoo-ledger/ledger.ts';
import { loadByExternalId } from '../../load/odoo-ledger/write.ts';
import { type OeeReportFiles, writeOeeReport } from '../../load/historian/oee-workbook.ts';
import {
  type Action,
  downtimeRef,
  type LoadStatus,
  planDowntime as planDowntimeRows,
  type PlannedDowntime,
  type PlannedScrap,
  planScrap as planScrapRows,
  PRODUCTIVITY_FIELDS,
  PRODUCTIVITY_MODEL,
  productivityCells,
  type ProductivityRow,
  SCRAP_MODEL,
  scrapCells,
  scrapFields,
  type ScrapRow,
  scrapRef,
  type StagedDowntime,
  type StagedScrap,
  type StatusEntry,
} from '../../transform/historian/load-plan.ts';
import { qtyCell, xmlid } from '../../transform/shared/odoo-write.ts';
import { type HistorianSettings, historianSettings } from '../../core/config/historian.ts';
import { isoDate } from '../../core/config/values.ts';
import { csvField } from '../../core/spreadsheet-text.ts';
import { ACTOR } from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

export const historianLoadParams = z
  .object({
    /** plan only: nothing is sent to Odoo (same as --dry-run) */
    dryRun: flag.default(false),
    /** write the OEE report (default true) */
    report: flag.default(true),
    /** OEE report range (shift dates); default: the shift dates of the batches this run moves along */
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .strict()
  .refine((p) => !p.from || !p.to || p.from <= p.to, { message: 'from must not be after to', path: ['from'] });
type Params = z.infer<typeof historianLoadParams>;

// ---- plan ---------------------------------------------------------------------------------------

interface DowntimeItem extends PlannedDowntime {
  resolved?: ProductivityRow;
  message?: string;
}

interface ScrapItem extends PlannedScrap {
  resolved?: ScrapRow;
  /** Odoo's state of a scrap written earlier */
  odoo?: ScrapState;
  message?: string;
}

/** What one row came to (written to historian_load_status unless unchanged or planned). */
interface Outcome {
  model: string;
  key: string;
  batchId: number;
  ref: string;
  action: Action;
  status: LoadStatus | 'unchanged' | 'planned';
  odooId: number | null;
  message: string | null;
}

const workcenterOf = (settings: HistorianSettings, asset: string) => settings.assets[asset]?.workcenter ?? asset;

async function planDowntime(ctx: JobContext, settings: HistorianSettings, rows: readonly StagedDowntime[]): Promise<DowntimeItem[]> {
  const ledger = await lastLedgerEntries(
    ctx.db.knex,
    PRODUCTIVITY_MODEL,
    rows.map((r) => r.key),
  );
  return planDowntimeRows(rows, ledger, (asset) => workcenterOf(settings, asset));
}

async function planScrap(ctx: JobContext, rows: readonly StagedScrap[]): Promise<ScrapItem[]> {
  const keys = rows.map((r) => r.key);
  const ledger = await lastLedgerEntries(ctx.db.knex, SCRAP_MODEL, keys);
  const statuses = await statusesOf(ctx.db.knex, SCRAP_MODEL, keys);
  return planScrapRows(rows, ledger, statuses);
}

// ---- resolve ------------------------------------------------------------------------------------

function lossList(catalog: LossCatalog): string {
  return catalog.reasons.map((l) => l.name).join(', ') || '(none)';
}

/**
 * Fills `resolved` (what to send) or turns the item into a skip with its reason. Reads Odoo only
 * for rows to write: a rerun with nothing new makes no call.
 */
async function resolve(client: ShopfloorClient, settings: HistorianSettings, downtime: DowntimeItem[], scrap: ScrapItem[]): Promise<void> {
  const writeDown = downtime.filter((i) => i.action === 'create' || i.action === 'update');
  // scraps written before: what Odoo holds now decides (validated meanwhile, deleted)
  const earlier = scrap.filter(
    (i) => i.last?.odooId != null && (i.action === 'validate' || i.action === 'update' || i.action === 'changed_after_validation'),
  );
  const states = await scrapStates(
    client,
    earlier.map((i) => i.last!.odooId!),
  );
  for (const i of earlier) {
    const state = states.get(i.last!.odooId!);
    i.odoo = state;
    if (!state)
      i.action = 'create'; // deleted in Odoo (its external id went with it): make it again
    else if (state.state === 'done' && i.action === 'validate') i.action = 'unchanged';
    else if (state.state === 'done' && i.action === 'update') i.action = 'changed_after_validation';
  }
  const writeScrap = scrap.filter((i) => i.action === 'create' || i.action === 'update');
  const byWorkorder = writeScrap.filter((i) => i.row.product === '');

  const codes = [...writeDown.map((i) => i.workcenterCode), ...byWorkorder.map((i) => workcenterOf(settings, i.row.asset))];
  const workcenters = await findWorkcenters(client, codes);
  const unknownWorkcenter = (asset: string, code: string) =>
    `work center "${code}" (asset ${asset}) not found in Odoo (mrp.workcenter by code): set the code on the work center, or map the asset in historian.assets.${asset}.workcenter`;

  if (writeDown.length > 0) {
    const catalog = await readLossReasons(
      client,
      writeDown.map((i) => i.row.lossReason).filter((r): r is string => r !== null),
    );
    for (const i of writeDown) {
      const wc = workcenters.get(i.workcenterCode);
      const reason = i.row.lossReason;
      const loss = reason === null ? undefined : catalog.resolve(reason);
      if (!wc) i.message = unknownWorkcenter(i.row.asset, i.workcenterCode);
      else if (reason === null)
        i.message = `no loss reason for state code ${i.row.stateCode} of tag ${i.row.tag}: map it in historian.tags (states."${i.row.stateCode}".lossReason); Odoo's reasons: ${lossList(catalog)}`;
      else if (!loss)
        i.message = `loss reason "${reason}" not found in Odoo (neither an external id nor a name of mrp.workcenter.productivity.loss); valid reasons: ${lossList(catalog)}`;
      if (i.message || !wc || !loss) {
        i.action = 'skip';
        continue;
      }
      i.resolved = {
        xmlid: xmlid(i.row.key),
        workcenterId: wc.id,
        lossId: loss.id,
        start: i.row.start,
        end: i.row.end,
        description: i.description,
      };
    }
  }

  if (writeScrap.length === 0) return;
  const products = await findProducts(
    client,
    writeScrap.map((i) => i.row.product).filter((p) => p !== ''),
  );
  let location: { id: number } | undefined;
  let locationProblem: string | undefined;
  if (settings.scrapLocation) {
    location = await findLocation(client, settings.scrapLocation);
    if (!location)
      locationProblem = `scrap location "${settings.scrapLocation}" (historian.scrapLocation) not found in Odoo (stock.location complete name)`;
  }
  const orders = new Map<number, Awaited<ReturnType<typeof workordersOn>>>();
  const ordersOn = async (wc: Workcenter): Promise<Awaited<ReturnType<typeof workordersOn>>> => {
    let list = orders.get(wc.id);
    if (!list) {
      // one read per work center, over all its shifts
      const span = byWorkorder.filter((i) => workcenterOf(settings, i.row.asset) === wc.code);
      const from = new Date(Math.min(...span.map((i) => i.row.start.getTime())));
      const to = new Date(Math.max(...span.map((i) => i.row.end.getTime())));
      orders.set(wc.id, (list = await workordersOn(client, wc.id, from, to)));
    }
    return list;
  };
  for (const i of writeScrap) {
    const r = i.row;
    const skip = (message: string) => {
      i.action = 'skip';
      i.message = message;
    };
    if (locationProblem) {
      skip(locationProblem);
      continue;
    }
    let productId: number;
    let origin = `historian ${r.asset} ${r.shiftDate} ${r.shift}`;
    if (r.product !== '') {
      const p = products.get(r.product);
      if (!p) {
        skip(`product "${r.product}" not found in Odoo (product.product internal reference)`);
        continue;
      }
      productId = p.id;
    } else {
      const code = workcenterOf(settings, r.asset);
      const wc = workcenters.get(code);
      if (!wc) {
        skip(unknownWorkcenter(r.asset, code));
        continue;
      }
      const order = workorderDuring(await ordersOn(wc), r.start, r.end);
      if (!order || order.productId === null) {
        skip(
          `no work order in progress on work center "${code}" during shift ${r.shift} of ${r.shiftDate}, and no product named: set "product" on the scrap tag or historian.assets.${r.asset}.product`,
        );
        continue;
      }
      productId = order.productId;
      origin = order.productionName ? `${order.productionName} - ${order.name}` : order.name;
    }
    i.resolved = { xmlid: xmlid(r.key), productId, quantity: r.quantity, origin, ...(location ? { locationId: location.id } : {}) };
  }
}

// ---- load ---------------------------------------------------------------------------------------

function outcome(
  model: string,
  key: string,
  batchId: number,
  ref: string,
  action: Action,
  status: Outcome['status'],
  odooId: number | null,
  message: string | null,
): Outcome {
  return { model, key, batchId, ref, action, status, odooId, message };
}

/** Outcomes of a plan that is not carried out (dry run, or no Odoo). */
function planned(downtime: readonly DowntimeItem[], scrap: readonly ScrapItem[]): Outcome[] {
  return [
    ...downtime.map((i) =>
      outcome(
        PRODUCTIVITY_MODEL,
        i.row.key,
        i.row.batchId,
        downtimeRef(i.row),
        i.action,
        i.action === 'unchanged' ? 'unchanged' : 'planned',
        i.last?.odooId ?? null,
        i.message ?? null,
      ),
    ),
    ...scrap.map((i) =>
      outcome(
        SCRAP_MODEL,
        i.row.key,
        i.row.batchId,
        scrapRef(i.row),
        i.action,
        i.action === 'unchanged' ? 'unchanged' : 'planned',
        i.last?.odooId ?? null,
        i.message ?? changedMessage(i),
      ),
    ),
  ];
}

function changedMessage(i: ScrapItem): string | null {
  if (i.action !== 'changed_after_validation') return null;
  const odoo = i.odoo ? ` Odoo validated ${qtyCell(i.odoo.quantity)};` : '';
  return `staged quantity is now ${qtyCell(i.row.quantity)} (product ${i.row.product || 'of the work order'}):${odoo} a done scrap cannot change, not modified: correct it in Odoo if needed`;
}

/** A row Odoo's `load` rejected, with Odoo's message. */
function rejected(model: string, i: DowntimeItem | ScrapItem, ref: string, message: string): Outcome {
  return outcome(model, i.row.key, i.row.batchId, ref, i.action, 'failed', i.last?.odooId ?? null, `Odoo rejected the row: ${message}`);
}

/**
 * The resolved rows through the shared write path (`load` by external id, tz UTC, one call per
 * client batch, the ledger after each): per row in order, Odoo's record id or its rejection.
 */
async function sendRows<I extends DowntimeItem | ScrapItem>(
  ctx: JobContext,
  client: ShopfloorClient,
  model: string,
  fields: string[],
  items: readonly I[],
  cells: (item: I) => string[],
): Promise<Array<{ item: I; id: number | null; message: string | null }>> {
  if (items.length === 0) return [];
  const result = await loadByExternalId(
    client,
    model,
    fields,
    items.map((item) => ({
      key: item.row.key,
      batchId: item.row.batchId,
      hash: item.hash,
      op: item.action === 'update' ? ('update' as const) : ('create' as const),
      cells: cells(item),
      item,
    })),
    { db: ctx.db.knex, runId: ctx.runId, chunkSize: client.options.batchSize, concurrency: 1, context: UTC },
  );
  const ids = new Map(result.loaded.map((l) => [l.entry.item, l.id]));
  const messages = new Map(result.failed.map((f) => [f.entry.item, f.message]));
  return items.map((item) => ({ item, id: ids.get(item) ?? null, message: ids.has(item) ? null : (messages.get(item) ?? 'not loaded') }));
}

async function loadDowntime(ctx: JobContext, client: ShopfloorClient, items: readonly DowntimeItem[], out: Outcome[]): Promise<void> {
  const send = items.filter((i) => i.resolved);
  for (const i of items) {
    if (i.action === 'unchanged')
      out.push(
        outcome(PRODUCTIVITY_MODEL, i.row.key, i.row.batchId, downtimeRef(i.row), 'unchanged', 'unchanged', i.last?.odooId ?? null, null),
      );
    if (i.action === 'skip')
      out.push(outcome(PRODUCTIVITY_MODEL, i.row.key, i.row.batchId, downtimeRef(i.row), 'skip', 'skipped', null, i.message ?? null));
  }
  for (const { item: i, id, message } of await sendRows(ctx, client, PRODUCTIVITY_MODEL, [...PRODUCTIVITY_FIELDS], send, (i) =>
    productivityCells(i.resolved!),
  )) {
    const ref = downtimeRef(i.row);
    if (message === null) out.push(outcome(PRODUCTIVITY_MODEL, i.row.key, i.row.batchId, ref, i.action, 'loaded', id, null));
    else out.push(rejected(PRODUCTIVITY_MODEL, i, ref, message));
  }
  ctx.progress('downtime posted', items.length, items.length);
}

async function loadScrap(
  ctx: JobContext,
  client: ShopfloorClient,
  items: readonly ScrapItem[],
  withLocation: boolean,
  out: Outcome[],
): Promise<void> {
  const toValidate: Array<{ item: ScrapItem; id: number }> = [];
  for (const i of items) {
    const ref = scrapRef(i.row);
    const known = i.odoo?.id ?? i.last?.odooId ?? null;
    // unchanged without our 'validated' status: someone validated our draft in Odoo meanwhile
    if (i.action === 'unchanged')
      out.push(
        outcome(
          SCRAP_MODEL,
          i.row.key,
          i.row.batchId,
          ref,
          'unchanged',
          i.status?.status === 'validated' ? 'unchanged' : 'validated',
          known,
          null,
        ),
      );
    if (i.action === 'skip') out.push(outcome(SCRAP_MODEL, i.row.key, i.row.batchId, ref, 'skip', 'skipped', known, i.message ?? null));
    if (i.action === 'changed_after_validation')
      out.push(outcome(SCRAP_MODEL, i.row.key, i.row.batchId, ref, i.action, 'validated', known, changedMessage(i)));
    if (i.action === 'validate') toValidate.push({ item: i, id: known! });
  }
  // the ledger knows the scrap exists before it is validated: a crash in between never makes a second one
  const send = items.filter((i) => i.resolved);
  for (const { item: i, id, message } of await sendRows(ctx, client, SCRAP_MODEL, scrapFields(withLocation), send, (i) =>
    scrapCells(i.resolved!, withLocation),
  )) {
    if (message === null) toValidate.push({ item: i, id: id! });
    else out.push(rejected(SCRAP_MODEL, i, scrapRef(i.row), message));
  }
  let done = 0;
  for (const { item, id } of toValidate) {
    ctx.signal.throwIfAborted();
    const v = await validateScrap(client, id);
    out.push(outcome(SCRAP_MODEL, item.row.key, item.row.batchId, scrapRef(item.row), item.action, v.status, id, v.message));
    ctx.progress('scrap validated', ++done, toValidate.length);
  }
}

/** Writes the run's outcomes to historian_load_status (unchanged and planned rows keep theirs). */
async function recordOutcomes(ctx: JobContext, outcomes: readonly Outcome[]): Promise<void> {
  for (const model of [PRODUCTIVITY_MODEL, SCRAP_MODEL]) {
    const entries: StatusEntry[] = outcomes
      .filter((o) => o.model === model && o.status !== 'unchanged' && o.status !== 'planned')
      .map((o) => ({ key: o.key, status: o.status as LoadStatus, odooId: o.odooId, message: o.message }));
    await saveStatuses(ctx.db.knex, ctx.runId, model, entries);
  }
}

const NOT_DONE = new Set(['skipped', 'insufficient_quantity', 'failed']);

function tally(outcomes: readonly Outcome[], model: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.model !== model) continue;
    const k =
      o.action === 'changed_after_validation'
        ? 'changed_after_validation'
        : o.status === 'planned'
          ? o.action
          : o.status === 'loaded'
            ? o.action === 'update'
              ? 'updated'
              : 'written'
            : o.status;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

function problemsText(list: readonly Outcome[]): string {
  const by: Record<string, number> = {};
  for (const o of list) by[o.status] = (by[o.status] ?? 0) + 1;
  return Object.entries(by)
    .map(([k, v]) => `${v} ${k.replace('_', ' ')}`)
    .join(', ');
}

/** Every loadable batch ends loaded, or load_failed naming the rows Odoo did not take. */
async function finishBatches(
  ctx: JobContext,
  batchIds: readonly number[],
  outcomes: readonly Outcome[],
): Promise<Array<{ batchId: number; status: string; reason?: string }>> {
  const result: Array<{ batchId: number; status: string; reason?: string }> = [];
  for (const id of batchIds) {
    const mine = outcomes.filter((o) => o.batchId === id);
    const bad = mine.filter((o) => NOT_DONE.has(o.status));
    const stats = {
      load: {
        runId: ctx.runId,
        job: 'historian-load',
        downtime: tally(mine, PRODUCTIVITY_MODEL),
        scrap: tally(mine, SCRAP_MODEL),
        at: new Date().toISOString(),
      },
    };
    if (bad.length === 0) {
      const b = await transitionBatch(ctx.db.knex, id, 'finish_load', { actor: ACTOR, stats });
      result.push({ batchId: id, status: b.status });
    } else {
      const first = bad[0]!;
      const reason = `${bad.length} row(s) not in Odoo (${problemsText(bad)}), e.g. ${first.key}: ${first.message ?? first.status}`;
      const b = await transitionBatch(ctx.db.knex, id, 'fail_load', { actor: ACTOR, reason, stats });
      result.push({ batchId: id, status: b.status, reason });
    }
  }
  return result;
}

async function writePlanFile(dir: string, outcomes: readonly Outcome[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');
  const file = path.join(dir, `historian-load-plan_${stamp}Z.csv`);
  const lines = ['model,external_id,batch,row,action,odoo_id,message'];
  for (const o of outcomes)
    lines.push([o.model, xmlid(o.key), o.batchId, o.ref, o.action, o.odooId, o.message].map((v) => csvField(v)).join(','));
  const tmp = `${file}.${process.pid}.partial`;
  await writeFile(tmp, `\ufeff${lines.join('\r\n')}\r\n`);
  await rename(tmp, file);
  return file;
}

/** The CLI's count lines: written / unchanged / skipped / insufficient, always all of them. */
function countLines(down: Record<string, number>, scrap: Record<string, number>, dryRun: boolean): string[] {
  const n = (counts: Record<string, number>, ...keys: string[]) => keys.reduce((sum, k) => sum + (counts[k] ?? 0), 0);
  if (dryRun) {
    return [
      `downtime → ${PRODUCTIVITY_MODEL}: would write ${n(down, 'create', 'update')} (${n(down, 'create')} new, ${n(down, 'update')} changed), ${n(down, 'unchanged')} unchanged, ${n(down, 'skip')} to skip`,
      `scrap → ${SCRAP_MODEL}: would create ${n(scrap, 'create')}, update ${n(scrap, 'update')}, validate again ${n(scrap, 'validate')}; ${n(scrap, 'unchanged')} unchanged, ${n(scrap, 'changed_after_validation')} changed after validation, ${n(scrap, 'skip')} to skip`,
    ];
  }
  return [
    `downtime → ${PRODUCTIVITY_MODEL}: ${n(down, 'written', 'updated')} written (${n(down, 'written')} new, ${n(down, 'updated')} updated), ${n(down, 'unchanged')} unchanged, ${n(down, 'skipped')} skipped, ${n(down, 'failed')} failed`,
    `scrap → ${SCRAP_MODEL}: ${n(scrap, 'validated')} validated, ${n(scrap, 'insufficient_quantity')} insufficient quantity (left in draft), ${n(scrap, 'unchanged')} unchanged, ${n(scrap, 'changed_after_validation')} changed after validation (not modified), ${n(scrap, 'skipped')} skipped, ${n(scrap, 'failed')} failed`,
  ];
}

// ---- the job ------------------------------------------------------------------------------------

export const historianLoadJob = defineJob({
  ...jobEntry('historian-load'),
  params: historianLoadParams,
  checkSettings: historianSettings,
  async run(ctx, params: Params) {
    const settings = historianSettings(ctx.config);
    const knex = ctx.db.knex;
    const client: OdooClient | undefined = odooClient(ctx);
    const dryRunReason =
      ctx.dryRun || params.dryRun
        ? 'requested (dry run)'
        : !client
          ? 'Odoo is not configured (MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER, MFG_ETL_ODOO_API_KEY)'
          : undefined;
    if (!client) ctx.logger.warn('Odoo is not configured: historian-load plans only and writes nothing to Odoo');
    const summary: string[] = [];
    try {
      const batchIds = await loadableBatchIds(knex);
      const downtime = await planDowntime(ctx, settings, await downtimeToPost(knex));
      const scrap = await planScrap(ctx, await scrapToPost(knex));
      const needsOdoo = downtime.some((i) => i.action !== 'unchanged') || scrap.some((i) => i.action !== 'unchanged');
      if (client && needsOdoo) await resolve(client, settings, downtime, scrap);

      let outcomes: Outcome[];
      let batches: Array<{ batchId: number; status: string; reason?: string }> = [];
      let planFile: string | undefined;
      if (dryRunReason) {
        outcomes = planned(downtime, scrap);
        // scheduled every 15 minutes without Odoo: an empty plan is not worth a file each time
        if (outcomes.length > 0 || ctx.dryRun || params.dryRun) planFile = await writePlanFile(ctx.config.reports, outcomes);
        summary.push(`DRY RUN (${dryRunReason}): nothing sent to Odoo; ${planFile ? `plan ${planFile}` : 'nothing to plan'}`);
        batches = await Promise.all(batchIds.map(async (id) => ({ batchId: id, status: (await getBatch(knex, id)).status })));
      } else {
        outcomes = [];
        const started: number[] = [];
        for (const id of batchIds) {
          const b = await getBatch(knex, id);
          if (b.status !== 'loading')
            await transitionBatch(knex, id, 'start_load', { actor: ACTOR, details: { runId: ctx.runId, job: 'historian-load' } });
          started.push(id);
        }
        try {
          await loadDowntime(ctx, client!, downtime, outcomes);
          ctx.signal.throwIfAborted();
          await loadScrap(ctx, client!, scrap, Boolean(settings.scrapLocation), outcomes);
        } catch (err) {
          await recordOutcomes(ctx, outcomes);
          const reason = `load interrupted: ${describeError(err).message}; a rerun loads what is left`;
          for (const id of started)
            await transitionBatch(knex, id, 'fail_load', {
              actor: ACTOR,
              reason,
              stats: { load: { runId: ctx.runId, job: 'historian-load', error: reason } },
            });
          throw err;
        }
        await recordOutcomes(ctx, outcomes);
        for (const id of started) {
          const errors: LoadRowError[] = outcomes
            .filter((o) => o.batchId === id && NOT_DONE.has(o.status))
            .map((o) => ({
              model: o.model,
              key: o.key,
              ref: o.ref,
              message: o.message ?? o.status,
              details: { status: o.status, action: o.action },
            }));
          await saveLoadErrors(knex, id, ctx.runId, errors);
        }
        batches = await finishBatches(ctx, started, outcomes);
      }

      const down = tally(outcomes, PRODUCTIVITY_MODEL);
      const scr = tally(outcomes, SCRAP_MODEL);
      summary.push(...countLines(down, scr, dryRunReason !== undefined));
      for (const b of batches) summary.push(`batch ${b.batchId} → ${b.status}${b.reason ? `: ${b.reason}` : ''}`);
      const problems = outcomes.filter((o) => NOT_DONE.has(o.status) || o.action === 'skip' || o.action === 'changed_after_validation');
      for (const o of problems.slice(0, 20))
        summary.push(`  ${o.status === 'planned' ? o.action : o.status} ${xmlid(o.key)} (${o.ref}): ${o.message ?? ''}`);
      if (problems.length > 20) summary.push(`  … and ${problems.length - 20} more (see the report)`);

      let report: OeeReportFiles | undefined;
      if (params.report) {
        const range =
          params.from || params.to
            ? { from: params.from ?? params.to!, to: params.to ?? params.from! }
            : await batchDateRange(knex, batchIds);
        if (range) {
          report = await writeOeeReport(knex, {
            dir: ctx.config.reports,
            from: range.from,
            to: range.to,
            timeZone: ctx.config.timezone,
            assets: settings.assets,
            runId: ctx.runId,
          });
          summary.push(`OEE report: ${report.xlsx}, ${report.csv} (${report.shifts} shift rows)`);
        } else {
          summary.push('OEE report: no new historian batch; give --param from=YYYY-MM-DD [--param to=YYYY-MM-DD] for a range');
        }
      }
      const count = (counts: Record<string, number>, k: string) => counts[k] ?? 0;
      return {
        dryRun: dryRunReason !== undefined,
        ...(dryRunReason ? { dryRunReason, planFile } : {}),
        odooConfigured: client !== undefined,
        downtime: down,
        scrap: scr,
        written: count(down, 'written') + count(down, 'updated') + count(scr, 'validated'),
        unchanged: count(down, 'unchanged') + count(scr, 'unchanged'),
        skipped: count(down, 'skipped') + count(scr, 'skipped') + count(down, 'skip') + count(scr, 'skip'),
        insufficient: count(scr, 'insufficient_quantity'),
        failed: count(down, 'failed') + count(scr, 'failed'),
        batches,
        odooCalls: client?.calls ?? 0,
        ...(report ? { report: { xlsx: report.xlsx, csv: report.csv, shifts: report.shifts } } : {}),
        reports: report ? [report.xlsx, report.csv] : [],
        summary,
      };
    } finally {
      client?.close();
    }
  },
});
