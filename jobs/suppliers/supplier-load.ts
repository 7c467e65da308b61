/**
 * supplier-load: approved supplier files into Odoo, exactly once per file line.
 *
 *   approved supplier_confirmation batches (oldest first) → what Odoo holds now (the purchase
 *   lines, their receipt moves and move lines, known lots) → plan (transform/suppliers/load-plan.ts)
 *   → loading → confirmed dates (purchase line date_planned + the open receipt moves' date, one
 *   write per model and date) and ASNs (the receipt move's move lines with quantities and lots,
 *   one write per move), each recorded in the ledger as soon as it landed → loaded (or
 *   load_failed: a rerun continues where the ledger says it stopped).
 *
 * A line received since the file was made is refused (conflict) and reported; the receipt is
 * never validated (the warehouse does that). The outcome of every file line is kept
 * (supplier_load_results) and written as `<reports>/supplier-load_<batch>_<run>.csv`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { supplierSettings } from '../../core/config/suppliers.ts';
import { ConfigError, describeError } from '../../core/errors.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import { readLots, readMoveLines, readMoves, readPoLinesById } from '../../extract/suppliers/odoo.ts';
import { batchLedgerHashes } from '../../load/odoo-ledger/ledger.ts';
import { recordInLedger, writeGroups, type WriteGroup } from '../../load/odoo-ledger/write.ts';
import { saveLoadErrors } from '../../load/odoo-ledger/load-errors.ts';
import { type Batch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { csvText } from '../../load/suppliers/files.ts';
import { confirmationLines, saveLoadResults } from '../../load/suppliers/staging.ts';
import { type Entry, type LineOutcome, planSupplierLoad } from '../../transform/suppliers/load-plan.ts';
import { ACTOR } from '../inbox-batches.ts';
import { defineJob, type JobContext } from '../job.ts';
import { odooClient } from '../resources.ts';
import { SUPPLIER_FILES } from './supplier-import.ts';

async function loadBatch(ctx: JobContext, client: OdooClient, batch: Batch): Promise<Record<string, unknown>> {
  const knex = ctx.db.knex;
  const lines = await confirmationLines(knex, batch.id);
  const live = await readPoLinesById(client, [...new Set(lines.map((l) => l.poLineId))]);
  const moveIds = [...new Set([...live.values()].flatMap((l) => l.moveIds))];
  const moves = new Map((await readMoves(client, moveIds)).map((m) => [m.id, m]));
  const shippedLines = new Set(lines.filter((l) => l.shippedQty !== null).map((l) => l.poLineId));
  const asnMoves = [...moves.values()].filter((m) => m.purchaseLineId !== null && shippedLines.has(m.purchaseLineId));
  const moveLines = new Map(
    (
      await readMoveLines(
        client,
        asnMoves.flatMap((m) => m.moveLineIds),
      )
    ).map((ml) => [ml.id, ml]),
  );
  const lotNames = lines.flatMap((l) => (l.lot !== null && l.shippedQty !== null ? [l.lot] : []));
  const lots = await readLots(
    client,
    asnMoves.map((m) => m.productId),
    lotNames,
  );
  const plan = planSupplierLoad(
    batch.id,
    lines,
    live,
    moves,
    moveLines,
    lots,
    {
      dates: await batchLedgerHashes(knex, batch.id, 'purchase.order.line'),
      asn: await batchLedgerHashes(knex, batch.id, 'stock.move'),
    },
    ctx.config.timezone,
  );
  const planned = {
    dateWrites: plan.dates.length,
    datesToWrite: plan.dates.reduce((n, g) => n + g.entries.length, 0),
    asnWrites: plan.asn.length,
  };
  if (ctx.dryRun) return { batchId: batch.id, dryRun: true, ...planned, outcomes: plan.outcomes.length };

  if (batch.status !== 'loading') await transitionBatch(knex, batch.id, 'start_load', { actor: ACTOR, details: { runId: ctx.runId } });
  const outcomes: LineOutcome[] = [...plan.outcomes];
  const ref = new Map(lines.map((l) => [l.lineNo, l.sourceRef]));
  const dateGroups: Array<WriteGroup<Entry>> = plan.dates.map((g) => ({
    entries: g.entries,
    write: async () => {
      await client.write('purchase.order.line', g.poLineIds, { date_planned: g.date });
      await client.write('stock.move', g.moveIds, { date: g.date });
    },
  }));
  const dates = await writeGroups(dateGroups, { record: recordInLedger(knex, 'purchase.order.line', ctx.runId), signal: ctx.signal });
  const asnGroups: Array<WriteGroup<Entry>> = dates.failure
    ? []
    : plan.asn.map((a) => ({
        entries: a.entries,
        write: async () => void (await client.write('stock.move', [a.moveId], { move_line_ids: a.commands })),
      }));
  const asn = await writeGroups(asnGroups, { record: recordInLedger(knex, 'stock.move', ctx.runId), signal: ctx.signal });
  const done = (written: ReadonlyArray<{ entry: Entry }>, action: 'date' | 'asn') => {
    for (const { entry } of written)
      outcomes.push({ lineNo: entry.lineNo, sourceRef: ref.get(entry.lineNo) ?? '', action, outcome: 'written', message: '' });
  };
  done(dates.written, 'date');
  done(asn.written, 'asn');
  const failure = dates.failure ?? asn.failure;
  if (failure) {
    const message = describeError(failure.error).message;
    for (const { entry } of failure.entries)
      outcomes.push({
        lineNo: entry.lineNo,
        sourceRef: ref.get(entry.lineNo) ?? '',
        action: dates.failure ? 'date' : 'asn',
        outcome: 'failed',
        message,
      });
  }
  outcomes.sort((a, b) => a.lineNo - b.lineNo || a.action.localeCompare(b.action));
  await saveLoadResults(knex, batch.id, ctx.runId, outcomes);
  const refused = outcomes.filter((o) => o.outcome === 'conflict' || o.outcome === 'failed');
  await saveLoadErrors(
    knex,
    batch.id,
    ctx.runId,
    refused.map((o) => ({
      model: o.action === 'date' ? 'purchase.order.line' : 'stock.move',
      key: `${batch.id}/${o.lineNo}/${o.action}`,
      ref: `row ${o.sourceRef}`,
      message: o.message,
    })),
  );
  const report = await writeLoadReport(ctx, batch, outcomes);
  const count = (outcome: LineOutcome['outcome']) => outcomes.filter((o) => o.outcome === outcome).length;
  const stats = {
    runId: ctx.runId,
    written: count('written'),
    unchanged: count('unchanged'),
    conflicts: count('conflict'),
    failed: count('failed'),
    writeCalls: dates.calls * 2 + asn.calls,
    report,
  };
  if (failure) {
    await transitionBatch(knex, batch.id, 'fail_load', {
      actor: ACTOR,
      reason: describeError(failure.error).message,
      stats: { load: stats },
    });
    return { batchId: batch.id, status: 'load_failed', ...stats };
  }
  await transitionBatch(knex, batch.id, 'finish_load', { actor: ACTOR, stats: { load: stats } });
  return { batchId: batch.id, status: 'loaded', ...stats };
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

export const supplierLoadJob = defineJob({
  name: 'supplier-load',
  description: 'Writes approved supplier confirmations (dates) and ASNs (receipt quantities and lots) into Odoo',
  schedule: '*/30 * * * *',
  params: z.object({ batchId: z.coerce.number().int().positive().optional() }).strict(),
  checkSettings: supplierSettings,
  async run(ctx, params) {
    const client = odooClient(ctx);
    if (!client) throw new ConfigError('supplier-load writes to Odoo: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY');
    try {
      const q = ctx.db
        .knex('batches')
        .where({ kind: SUPPLIER_FILES.kind })
        .whereIn('status', ['approved', 'loading', 'load_failed'])
        .orderBy('id');
      if (params.batchId) q.where({ id: params.batchId });
      const ids = ((await q.select('id')) as Array<{ id: number }>).map((r) => Number(r.id));
      const results: Array<Record<string, unknown>> = [];
      for (const id of ids) {
        ctx.signal.throwIfAborted();
        results.push(await loadBatch(ctx, client, await getBatch(ctx.db.knex, id)));
      }
      const sum = (k: string) => results.reduce((n, r) => n + Number(r[k] ?? 0), 0);
      return {
        batches: results,
        written: sum('written'),
        unchanged: sum('unchanged'),
        conflicts: sum('conflicts'),
        failed: sum('failed'),
      };
    } finally {
      client.close();
    }
  },
});
