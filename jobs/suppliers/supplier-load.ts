/**
 * supplier-load: approved supplier files into Odoo, exactly once per file line.
 *
 *   approved supplier_confirmation batches (oldest first, all in one pass) → what Odoo holds now
 *   (the purchase lines, their receipt moves and move lines, known lots: one read each for all
 *   files) → plan per file (transform/suppliers/load-plan.ts) → loading → confirmed dates as
 *   `load` rows by database id (purchase line date_planned, then the open receipt moves' date;
 *   a few calls per thousand lines) and ASNs (the receipt move's move lines with quantities and
 *   lots, one write per move), each recorded in the ledger as soon as it landed → loaded, or
 *   load_failed when Odoo refused a row (a rerun does only what the ledger does not hold).
 *
 * A line received since the file was made is refused (conflict) and reported; the receipt is
 * never validated (the warehouse does that). The outcome of every file line is kept
 * (supplier_load_results, load_row_errors) and written as `<reports>/supplier-load_<batch>_run<run>.csv`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { supplierSettings } from '../../core/config/suppliers.ts';
import { ConfigError, describeError } from '../../core/errors.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import { readLots, readMoveLines, readMoves, readPoLinesById } from '../../extract/suppliers/odoo.ts';
import { appendLedger, batchLedgerHashes } from '../../load/odoo-ledger/ledger.ts';
import { saveLoadErrors } from '../../load/odoo-ledger/load-errors.ts';
import { ledgerRows, recordInLedger, writeGroups, type WriteGroup } from '../../load/odoo-ledger/write.ts';
import { type Batch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { csvText } from '../../load/suppliers/files.ts';
import { confirmationLines, saveLoadResults, type StagedConfirmation } from '../../load/suppliers/staging.ts';
import {
  type DateWrite,
  type Entry,
  type LineOutcome,
  planSupplierLoad,
  type SupplierLoadPlan,
} from '../../transform/suppliers/load-plan.ts';
import { ACTOR } from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { SUPPLIER_FILES } from './supplier-import.ts';
import { jobEntry } from '../catalog.ts';

interface Pass {
  batch: Batch;
  lines: StagedConfirmation[];
  plan: SupplierLoadPlan;
  outcomes: LineOutcome[];
}

/** What Odoo holds for every line of these files, read once for all of them. */
async function plans(ctx: JobContext, client: OdooClient, batches: readonly Batch[]): Promise<Pass[]> {
  const knex = ctx.db.knex;
  const staged = new Map<number, StagedConfirmation[]>();
  for (const b of batches) staged.set(b.id, await confirmationLines(knex, b.id));
  const all = [...staged.values()].flat();
  const live = await readPoLinesById(client, [...new Set(all.map((l) => l.poLineId))]);
  const moves = new Map((await readMoves(client, [...new Set([...live.values()].flatMap((l) => l.moveIds))])).map((m) => [m.id, m]));
  const shippedLines = new Set(all.filter((l) => l.shippedQty !== null).map((l) => l.poLineId));
  const asnMoves = [...moves.values()].filter((m) => m.purchaseLineId !== null && shippedLines.has(m.purchaseLineId));
  const moveLines = new Map(
    (
      await readMoveLines(
        client,
        asnMoves.flatMap((m) => m.moveLineIds),
      )
    ).map((ml) => [ml.id, ml]),
  );
  const lotNames = all.flatMap((l) => (l.lot !== null && l.shippedQty !== null ? [l.lot] : []));
  const lots = await readLots(
    client,
    asnMoves.map((m) => m.productId),
    lotNames,
  );
  const out: Pass[] = [];
  for (const batch of batches) {
    const lines = staged.get(batch.id)!;
    const plan = planSupplierLoad(
      batch.id,
      lines,
      live,
      moves,
      moveLines,
      lots,
      { dates: await batchLedgerHashes(knex, batch.id, 'purchase.order.line'), asn: await batchLedgerHashes(knex, batch.id, 'stock.move') },
      ctx.config.timezone,
    );
    out.push({ batch, lines, plan, outcomes: [...plan.outcomes] });
  }
  return out;
}

/**
 * The confirmed dates of every file of the pass: purchase lines first, then their moves, as
 * `load` rows by database id; a file line is written when its purchase line and all its moves
 * were taken, and is recorded in the ledger then.
 */
async function writeDates(ctx: JobContext, client: OdooClient, passes: readonly Pass[]): Promise<{ calls: number; error?: unknown }> {
  const items = passes.flatMap((p) => p.plan.dates.map((d) => ({ pass: p, d })));
  const failed = new Map<DateWrite, string>();
  let calls = 0;
  try {
    const lineItems = items.filter((i) => i.d.writeLine);
    if (lineItems.length) {
      const res = await client.loadRecords(
        'purchase.order.line',
        ['.id', 'date_planned'],
        lineItems.map((i) => [String(i.d.poLineId), i.d.date]),
      );
      calls += res.calls;
      res.rows.forEach((r, n) => {
        if (!r.ok) failed.set(lineItems[n]!.d, r.message);
      });
    }
    const moveItems = items.filter((i) => !failed.has(i.d)).flatMap((i) => i.d.moveIds.map((moveId) => ({ i, moveId })));
    if (moveItems.length) {
      const res = await client.loadRecords(
        'stock.move',
        ['.id', 'date'],
        moveItems.map((m) => [String(m.moveId), m.i.d.date]),
      );
      calls += res.calls;
      res.rows.forEach((r, n) => {
        if (!r.ok) failed.set(moveItems[n]!.i.d, r.message);
      });
    }
  } catch (error) {
    const message = describeError(error).message;
    for (const i of items) if (!failed.has(i.d)) failed.set(i.d, message);
    // what landed before the error is unknown row by row: nothing is recorded, a rerun writes the same dates again
    for (const i of items) i.pass.outcomes.push(outcome(i.pass, i.d.entry, 'date', 'failed', failed.get(i.d)!));
    return { calls, error };
  }
  const written = items.filter((i) => !failed.has(i.d));
  await appendLedger(
    ctx.db.knex,
    ledgerRows(
      'purchase.order.line',
      ctx.runId,
      written.map((i) => ({ entry: i.d.entry, id: i.d.poLineId })),
      false,
    ),
  );
  for (const i of items)
    i.pass.outcomes.push(outcome(i.pass, i.d.entry, 'date', failed.has(i.d) ? 'failed' : 'written', failed.get(i.d) ?? ''));
  return { calls };
}

function outcome(p: Pass, entry: Entry, action: 'date' | 'asn', result: LineOutcome['outcome'], message: string): LineOutcome {
  return {
    lineNo: entry.lineNo,
    sourceRef: p.lines.find((l) => l.lineNo === entry.lineNo)?.sourceRef ?? '',
    action,
    outcome: result,
    message,
  };
}

async function writeLoadReport(ctx: JobContext, batch: Batch, outcomes: readonly LineOutcome[]): Promise<string> {
  const dir = path.resolve(ctx.config.reports);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `supplier-load_${batch.id}_run${ctx.runId}.csv`);
  const rows = outcomes.map((o) => [o.sourceRef, o.action, o.outcome, o.message]);
  await writeFile(
    file,
    csvText([`row of ${String(batch.stats.fileName ?? batch.source ?? 'the file')}`, 'action', 'outcome', 'message'], rows),
  );
  return file;
}

async function finish(ctx: JobContext, p: Pass, writeCalls: number): Promise<Record<string, unknown>> {
  const knex = ctx.db.knex;
  p.outcomes.sort((a, b) => a.lineNo - b.lineNo || a.action.localeCompare(b.action));
  await saveLoadResults(knex, p.batch.id, ctx.runId, p.outcomes);
  const refused = p.outcomes.filter((o) => o.outcome === 'conflict' || o.outcome === 'failed');
  await saveLoadErrors(
    knex,
    p.batch.id,
    ctx.runId,
    refused.map((o) => ({
      model: o.action === 'date' ? 'purchase.order.line' : 'stock.move',
      key: `${p.batch.id}/${o.lineNo}/${o.action}`,
      ref: `row ${o.sourceRef}`,
      message: o.message,
      lines: [o.lineNo],
    })),
  );
  const report = await writeLoadReport(ctx, p.batch, p.outcomes);
  const count = (o: LineOutcome['outcome']) => p.outcomes.filter((x) => x.outcome === o).length;
  const stats = {
    runId: ctx.runId,
    written: count('written'),
    unchanged: count('unchanged'),
    conflicts: count('conflict'),
    failed: count('failed'),
    writeCalls,
    report,
  };
  if (stats.failed > 0) {
    const reason = refused.find((o) => o.outcome === 'failed')?.message ?? 'Odoo refused rows';
    await transitionBatch(knex, p.batch.id, 'fail_load', { actor: ACTOR, reason, stats: { load: stats } });
    return { batchId: p.batch.id, status: 'load_failed', ...stats };
  }
  await transitionBatch(knex, p.batch.id, 'finish_load', { actor: ACTOR, stats: { load: stats } });
  return { batchId: p.batch.id, status: 'loaded', ...stats };
}

/**
 * A dry run without Odoo: what the approved files would write, from their staged lines only (what
 * Odoo holds now, e.g. a line received since, is not compared); no dead letter, no alert.
 */
async function dryRunWithoutOdoo(ctx: JobContext, batchId: number | undefined): Promise<Record<string, unknown>> {
  const knex = ctx.db.knex;
  const q = knex('batches').where({ kind: SUPPLIER_FILES.kind }).whereIn('status', ['approved', 'loading', 'load_failed']).orderBy('id');
  if (batchId) q.where({ id: batchId });
  const batches = [];
  for (const r of (await q.select('id')) as Array<{ id: number }>) {
    const batch = await getBatch(knex, Number(r.id));
    const lines = await confirmationLines(knex, batch.id);
    const written = await batchLedgerHashes(knex, batch.id, 'purchase.order.line');
    batches.push({
      batchId: batch.id,
      status: batch.status,
      file: String(batch.stats.fileName ?? batch.source ?? ''),
      lines: lines.length,
      dates: lines.filter((l) => l.confirmedDate !== null).length,
      asnLines: lines.filter((l) => l.shippedQty !== null).length,
      lots: lines.filter((l) => l.shippedQty !== null && l.lot !== null).length,
      alreadyWritten: written.size,
    });
  }
  const summary = [
    batches.length
      ? `DRY RUN: ${batches.length} approved supplier file(s) waiting to be loaded, nothing written`
      : 'DRY RUN: no approved supplier file waiting to be loaded (approve one with: mfg-etl approve <batch> --by <name>)',
    ...batches.map(
      (b) =>
        `  batch ${b.batchId}${b.file ? ` ${b.file}` : ''} (${b.status}): ${b.lines} line(s): ${b.dates} confirmed date(s), ${b.asnLines} ASN line(s) (${b.lots} with a lot)${b.alreadyWritten ? `, ${b.alreadyWritten} written by an earlier run` : ''}`,
    ),
    `${NO_ODOO}; counted from the staged lines, not compared with what Odoo holds now (a line received since is refused when loading)`,
    'to load: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY, then mfg-etl run supplier-load',
  ];
  return { dryRun: true, odoo: null, batches, summary };
}

const NO_ODOO = 'Odoo is not configured: nothing read from or sent to Odoo';

export const supplierLoadJob = defineJob({
  ...jobEntry('supplier-load'),
  params: z.object({ batchId: z.coerce.number().int().positive().optional() }).strict(),
  checkSettings: supplierSettings,
  async run(ctx, params) {
    const client = odooClient(ctx);
    if (!client && ctx.dryRun) return dryRunWithoutOdoo(ctx, params.batchId);
    if (!client) throw new ConfigError('supplier-load writes to Odoo: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY');
    try {
      const q = ctx.db
        .knex('batches')
        .where({ kind: SUPPLIER_FILES.kind })
        .whereIn('status', ['approved', 'loading', 'load_failed'])
        .orderBy('id');
      if (params.batchId) q.where({ id: params.batchId });
      const batches: Batch[] = [];
      for (const r of (await q.select('id')) as Array<{ id: number }>) batches.push(await getBatch(ctx.db.knex, Number(r.id)));
      if (batches.length === 0) return { batches: [], written: 0, unchanged: 0, conflicts: 0, failed: 0 };
      const passes = await plans(ctx, client, batches);
      if (ctx.dryRun)
        return {
          dryRun: true,
          batches: passes.map((p) => ({
            batchId: p.batch.id,
            dates: p.plan.dates.length,
            asnWrites: p.plan.asn.length,
            outcomes: p.plan.outcomes.length,
          })),
        };
      for (const p of passes)
        if (p.batch.status !== 'loading')
          await transitionBatch(ctx.db.knex, p.batch.id, 'start_load', { actor: ACTOR, details: { runId: ctx.runId } });

      const dates = await writeDates(ctx, client, passes);
      let asnCalls = 0;
      let asnError: unknown;
      if (!dates.error)
        for (const p of passes) {
          const groups: Array<WriteGroup<Entry>> = p.plan.asn.map((a) => ({
            entries: a.entries,
            write: async () => void (await client.write('stock.move', [a.moveId], { move_line_ids: a.commands })),
          }));
          const asn = await writeGroups(groups, { record: recordInLedger(ctx.db.knex, 'stock.move', ctx.runId), signal: ctx.signal });
          asnCalls += asn.calls;
          for (const { entry } of asn.written) p.outcomes.push(outcome(p, entry, 'asn', 'written', ''));
          if (asn.failure) {
            asnError ??= asn.failure.error;
            const message = describeError(asn.failure.error).message;
            for (const { entry } of asn.failure.entries) p.outcomes.push(outcome(p, entry, 'asn', 'failed', message));
          }
        }
      const results: Array<Record<string, unknown>> = [];
      for (const p of passes) results.push(await finish(ctx, p, p === passes[0] ? dates.calls + asnCalls : 0));
      if (dates.error) throw dates.error instanceof Error ? dates.error : new Error(describeError(dates.error).message); // the run fails and is retried; the batches say load_failed meanwhile
      const sum = (k: string) => results.reduce((n, r) => n + Number(r[k] ?? 0), 0);
      return {
        batches: results,
        written: sum('written'),
        unchanged: sum('unchanged'),
        conflicts: sum('conflicts'),
        failed: sum('failed'),
        writeCalls: dates.calls + asnCalls,
        ...(asnError ? { error: describeError(asnError).message } : {}),
      };
    } finally {
      client.close();
    }
  },
});
