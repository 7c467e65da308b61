/**
 * mes-load: posts approved MES production reports (mes_report batches) into Odoo, line by line in
 * file order: work order times, produced quantity + finished lot + consumption with lots (one
 * write on the MO), scrap, and the close when the MES says the order is complete (wizards answered
 * by mes.partialCompletion / mes.consumptionDifference). Exactly once per MES transaction: a posted
 * line is never taken again, every step is recorded (the line's result, and load_ledger as
 * `<transaction id>:<step>`) before the next starts, and each step reads back Odoo first, so a
 * retry after a crash between an Odoo write and its record changes Odoo once.
 * A held line (consumption difference under 'hold') waits for a person; `--param retryHeld=true`
 * takes it again.
 * Lines post on the release's current order (by id, not by name): a partial completion closed with
 * a backorder (mes.partialCompletion 'backorder') moves the release to the backorder, so later
 * reports naming the request post there; quantities are per order (the backorder starts from zero).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import pLimit from 'p-limit';
import { z } from 'zod';
import { mesSettings } from '../../core/config/mes.ts';
import { ConfigError, describeError } from '../../core/errors.ts';
import {
  addConsumption,
  type Consumption,
  ensureLots,
  lotKeyOf,
  MesPostError,
  postLine,
  readSnapshot,
  type StepRecorder,
} from '../../load/mes/odoo.ts';
import {
  batchesWithHeldLines,
  continueRelease,
  openLines,
  pinLineOrder,
  postedReports,
  releasedOrders,
  setLine,
} from '../../load/mes/reports.ts';
import { appendLedger, type LedgerEntry } from '../../load/odoo-ledger/ledger.ts';
import { type Batch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import type { MesReport } from '../../transform/mes/performance.ts';
import { ACTOR } from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { MES_INBOX } from './mes-report.ts';
import { jobEntry } from '../catalog.ts';

/** orders posted at once (the client's own limiter still caps the connections) */
const ORDERS_AT_ONCE = 4;

const hashOf = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

interface BatchOutcome {
  batchId: number;
  status: string;
  posted: number;
  held: number;
  failed: number;
  waiting: number;
  calls: number;
  problems: string[];
}

type OdooClientOf = NonNullable<ReturnType<typeof odooClient>>;

async function loadBatch(ctx: JobContext, client: OdooClientOf, batch: Batch, retryHeld: boolean): Promise<BatchOutcome> {
  const s = mesSettings(ctx.config);
  const knex = ctx.db.knex;
  const lines = await openLines(knex, batch.id, retryHeld);
  const out: BatchOutcome = { batchId: batch.id, status: batch.status, posted: 0, held: 0, failed: 0, waiting: 0, calls: 0, problems: [] };
  if (lines.length === 0 && batch.status === 'loaded') return out;
  const transitions = batch.status === 'approved' || batch.status === 'load_failed';
  if (transitions) await transitionBatch(knex, batch.id, 'start_load', { actor: ACTOR, details: { runId: ctx.runId } });

  const callsBefore = client.calls;
  const moNames = [...new Set(lines.map((l) => l.moName))];
  // request ID → the order now carrying it (the release's mo_id; a backorder after a partial completion)
  const releases = [...(await releasedOrders(knex, moNames)).values()];
  const current = new Map(releases.map((r) => [r.moName, r.moId]));
  // work order ids of the request's earlier orders (the MES may name them until the Change reaches it)
  const former = new Map(releases.map((r) => [r.moName, r.formerWorkOrders]));
  const orderOf = (l: (typeof lines)[number]): number | undefined => l.moId ?? current.get(l.moName);
  const codes = new Set<string>();
  const lotNames = new Set<string>();
  const workcenters = new Set<string>();
  const origins: string[] = [];
  for (const l of lines) {
    const r = l.report;
    if (r.productCode) codes.add(r.productCode);
    if (r.finishedLot) lotNames.add(r.finishedLot);
    for (const m of [...r.consumed, ...r.scrap]) {
      codes.add(m.code);
      if (m.lot) lotNames.add(m.lot);
    }
    for (const seg of r.segments) if (seg.workcenter) workcenters.add(seg.workcenter);
    r.scrap.forEach((_m, i) => origins.push(`${l.transactionId}#${i + 1}`));
  }
  // the order's reports whose production reached Odoo before (per order id: a backorder starts from
  // zero): absolute quantities include them, and their scrap of the finished product waits for the order to be done
  const base = await postedReports(knex, [...new Set(lines.map(orderOf).filter((id) => id !== undefined))]);
  for (const list of base.values())
    for (const { report: r } of list) {
      r.scrap.forEach((m, i) => {
        codes.add(m.code);
        if (m.lot) lotNames.add(m.lot);
        origins.push(`${r.transactionId}#${i + 1}`);
      });
    }
  let failure: unknown;
  // nothing to post (an acknowledgment file's batch, recorded when staged): no Odoo call
  if (lines.length > 0)
    try {
      const snap = await readSnapshot(client, {
        moIds: [...new Set(lines.map(orderOf).filter((id) => id !== undefined))],
        moNames: moNames.filter((name) => lines.some((l) => l.moName === name && orderOf(l) === undefined)),
        productCodes: [...codes],
        lotNames: [...lotNames],
        workcenterNames: [...workcenters],
        scrapOrigins: origins,
      });
      // finished lots Odoo lacks, made in one call for the batch
      const finished = lines.flatMap((l) => {
        const id = orderOf(l) ?? snap.names.get(l.moName);
        const mo = id === undefined ? undefined : snap.mos.get(id);
        return l.report.finishedLot && mo && !l.result.produce ? [{ productId: mo.productId, name: l.report.finishedLot, line: l }] : [];
      });
      const made = await ensureLots(client, snap, finished);
      const lotEntries: LedgerEntry[] = finished
        .filter((f) => made.has(lotKeyOf(f.productId, f.name)))
        .map((f) => ({
          batchId: batch.id,
          businessKey: `${f.line.transactionId}:lot`,
          odooModel: 'stock.lot',
          odooId: made.get(lotKeyOf(f.productId, f.name))!,
          externalId: null,
          operation: 'create',
          payloadHash: hashOf(f.name, f.productId),
          runId: ctx.runId,
          sourceBatchId: batch.id,
          sourceLines: [f.line.lineNo],
        }));
      await appendLedger(knex, lotEntries);

      const closedWorkOrders = (moId: number): Record<string, string> =>
        Object.fromEntries((snap.workorders.get(moId) ?? []).map((wo) => [String(wo.id), wo.name]));
      const inRun = new Map<number, Array<{ id: number; report: MesReport }>>();
      const blocked = new Map<string, string>();
      const postOne = async (line: (typeof lines)[number]): Promise<void> => {
        ctx.signal.throwIfAborted();
        const wait = blocked.get(line.moName);
        if (wait) {
          out.waiting++;
          await setLine(knex, line.id, 'staged', {}, `waits for transaction ${wait} of the same order, which failed: fix that one first`);
          return;
        }
        // the order this line posts on: kept from an earlier attempt, else the request's current order
        const moId = orderOf(line) ?? snap.names.get(line.moName);
        if (moId !== undefined && line.moId === null) await pinLineOrder(knex, line.id, moId);
        const earlier = moId === undefined ? [] : [...(base.get(moId) ?? []), ...(inRun.get(moId) ?? [])].filter((x) => x.id !== line.id);
        const producedTotal = [...earlier.map((e) => e.report), line.report].reduce((sum, r) => sum + r.producedQty, 0);
        const consumption: Consumption = new Map();
        for (const r of [...earlier.map((e) => e.report), line.report]) addConsumption(consumption, r);
        const result: Record<string, unknown> = { ...line.result };
        const record: StepRecorder = async (step, model, ids, stepResult) => {
          Object.assign(result, stepResult);
          const continued = step === 'done' ? (stepResult.continuedAs as { id: number; name: string; qty: number } | undefined) : undefined;
          // the release moves to the backorder in the same transaction as the close's record: a retry
          // finds either both (and does not close the backorder) or neither (and finds the backorder again)
          await knex.transaction(async (trx) => {
            if (continued && moId !== undefined) await continueRelease(trx, line.moName, moId, continued, closedWorkOrders(moId));
            await record2(trx, step, model, ids, stepResult);
          });
          if (continued && moId !== undefined) {
            current.set(line.moName, continued.id);
            former.set(line.moName, new Map([...(former.get(line.moName) ?? []), ...Object.entries(closedWorkOrders(moId))]));
          }
          if (step === 'produce' && moId !== undefined) {
            const list = inRun.get(moId) ?? [];
            list.push({ id: line.id, report: line.report });
            inRun.set(moId, list);
          }
        };
        const record2 = async (
          trx: Knex.Transaction,
          step: Parameters<StepRecorder>[0],
          model: string,
          ids: number[],
          stepResult: Record<string, unknown>,
        ) => {
          await appendLedger(
            trx,
            ids.map((id, i) => ({
              batchId: batch.id,
              businessKey: ids.length > 1 ? `${line.transactionId}:${step}:${i + 1}` : `${line.transactionId}:${step}`,
              odooModel: model,
              odooId: id,
              externalId: null,
              operation: step === 'times' || step === 'scrap' ? 'create' : 'update',
              payloadHash: hashOf(line.transactionId, step, stepResult),
              runId: ctx.runId,
              // lineage: the file line (OperationsResponse) this record came from
              sourceBatchId: batch.id,
              sourceLines: [line.lineNo],
            })),
          );
          await setLine(trx, line.id, 'posting', stepResult, null);
        };
        try {
          await setLine(knex, line.id, 'posting', {}, null);
          const outcome = await postLine(
            client,
            snap,
            {
              transactionId: line.transactionId,
              moName: line.moName,
              moId,
              formerWorkOrders: former.get(line.moName),
              report: line.report,
              done: line.result,
              producedTotal,
              consumption,
              earlierScrap: earlier.map((e) => ({ transactionId: e.report.transactionId, scrap: e.report.scrap })),
            },
            { partialCompletion: s.partialCompletion, consumptionDifference: s.consumptionDifference },
            record,
          );
          if (outcome.status === 'held') {
            out.held++;
            out.problems.push(`${line.transactionId}: ${outcome.message}`);
            await setLine(knex, line.id, 'held', {}, outcome.message ?? null);
          } else {
            out.posted++;
            await setLine(knex, line.id, 'posted', {}, null);
          }
        } catch (err) {
          const message = describeError(err).message;
          const text =
            err instanceof MesPostError
              ? message
              : `Odoo answered: ${message}. Steps already in Odoo are recorded and not repeated: run mfg-etl run mes-load again`;
          out.failed++;
          out.problems.push(`${line.transactionId}: ${text}`);
          blocked.set(line.moName, line.transactionId);
          await setLine(knex, line.id, 'failed', {}, text);
          if (!(err instanceof MesPostError)) failure ??= err;
        }
      };
      // orders are independent: a few at once; the reports of one order in file order
      const byOrder = new Map<string, typeof lines>();
      for (const line of lines) byOrder.set(line.moName, [...(byOrder.get(line.moName) ?? []), line]);
      const limit = pLimit(ORDERS_AT_ONCE);
      await Promise.all(
        [...byOrder.values()].map((group) =>
          limit(async () => {
            for (const line of group) await postOne(line);
          }),
        ),
      );
    } catch (err) {
      failure ??= err;
      out.problems.push(describeError(err).message);
    }
  out.calls = client.calls - callsBefore;
  const stats = { posted: out.posted, held: out.held, failed: out.failed, waiting: out.waiting, calls: out.calls };
  if (transitions || batch.status === 'loading') {
    const next =
      out.failed || out.waiting || failure
        ? await transitionBatch(knex, batch.id, 'fail_load', {
            actor: ACTOR,
            reason: out.problems.slice(0, 3).join(' | ') || 'load failed',
            stats: { load: stats },
          })
        : await transitionBatch(knex, batch.id, 'finish_load', { actor: ACTOR, stats: { load: stats } });
    out.status = next.status;
  }
  return out;
}

/** How many waiting lines carry each step (a line may carry several). */
function stepCounts(lines: ReadonlyArray<{ report: MesReport; producedQty: number; complete: boolean }>) {
  return {
    times: lines.filter((l) => l.report.segments.length > 0).length,
    production: lines.filter((l) => l.producedQty > 0).length,
    consumption: lines.filter((l) => l.report.consumed.length > 0).length,
    scrap: lines.filter((l) => l.report.scrap.length > 0).length,
    closing: lines.filter((l) => l.complete).length,
  };
}

export const mesLoadJob = defineJob({
  ...jobEntry('mes-load'),
  params: z
    .object({
      batchId: z.coerce.number().int().positive().optional(),
      /** take held lines again (after a person resolved them in Odoo, or changed the policy) */
      retryHeld: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
    })
    .strict(),
  checkSettings: mesSettings,
  async run(ctx, params) {
    const client = odooClient(ctx);
    try {
      const q = ctx.db
        .knex('batches')
        .where({ kind: MES_INBOX.kind })
        .whereIn('status', ['approved', 'loading', 'load_failed'])
        .orderBy('id');
      if (params.batchId) q.where({ id: params.batchId });
      const ids = new Set(((await q.select('id')) as Array<{ id: number }>).map((r) => Number(r.id)));
      if (params.retryHeld)
        for (const id of await batchesWithHeldLines(ctx.db.knex)) if (!params.batchId || id === params.batchId) ids.add(id);
      if (ctx.dryRun) {
        const batches: Array<{ batchId: number; lines: number; orders: number } & ReturnType<typeof stepCounts>> = [];
        for (const id of [...ids].sort((a, b) => a - b)) {
          const open = await openLines(ctx.db.knex, id, params.retryHeld === true);
          batches.push({ batchId: id, lines: open.length, orders: new Set(open.map((l) => l.moName)).size, ...stepCounts(open) });
        }
        const lines = batches.reduce((n, b) => n + b.lines, 0);
        const steps = (['times', 'production', 'consumption', 'scrap', 'closing'] as const)
          .map((k) => `${batches.reduce((n, b) => n + b[k], 0)} ${k}`)
          .join(', ');
        return {
          dryRun: true,
          ...(client ? {} : { odoo: null }),
          batches,
          summary: [
            `DRY RUN: nothing posted; ${lines} report line(s) of ${batches.length} approved batch(es) would be posted${lines ? ` (lines with ${steps})` : ''}`,
            ...batches.map((b) => `  batch ${b.batchId}: ${b.lines} line(s) for ${b.orders} order(s)`),
            ...(client
              ? []
              : [
                  'Odoo is not configured: nothing read from or sent to Odoo; counted from the staged lines (lots and order states are checked against Odoo when posting)',
                  'to post: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY, then mfg-etl run mes-load',
                ]),
          ],
        };
      }
      // a dry run reads only the staged lines; posting needs Odoo
      if (!client)
        throw new ConfigError('mes-load writes to Odoo: set MFG_ETL_ODOO_URL, MFG_ETL_ODOO_DB, MFG_ETL_ODOO_USER and MFG_ETL_ODOO_API_KEY');
      const results: BatchOutcome[] = [];
      for (const id of [...ids].sort((a, b) => a - b))
        results.push(await loadBatch(ctx, client, await getBatch(ctx.db.knex, id), params.retryHeld === true));
      const sum = (k: 'posted' | 'held' | 'failed' | 'waiting' | 'calls') => results.reduce((n, r) => n + r[k], 0);
      const stats = {
        batches: results,
        posted: sum('posted'),
        held: sum('held'),
        failed: sum('failed'),
        waiting: sum('waiting'),
        calls: sum('calls'),
        summary: [
          `${results.length} batch(es): ${sum('posted')} report(s) posted, ${sum('held')} held for a person, ${sum('failed')} failed`,
          ...results.flatMap((r) => r.problems.slice(0, 10).map((p) => `batch ${r.batchId}: ${p}`)),
        ],
      };
      // a failed line leaves its batch load_failed (taken again by the next run, every 5 minutes): the run itself succeeds
      return stats;
    } finally {
      client?.close();
    }
  },
});
