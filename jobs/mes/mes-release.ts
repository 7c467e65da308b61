/**
 * mes-release: manufacturing orders ready for the floor out to the MES. Reads the orders (batched:
 * a handful of calls per run, whatever the number of orders), builds each order's release
 * content, and for every order new, changed or cancelled since its last message writes ONE B2MML
 * message into `<outbox>/mes/` (Process / Change / Cancel OperationsSchedule), and POSTs it to
 * mes.url when set (a failed POST keeps the file and is retried by the next run). Then releases
 * the MES has not answered within mes.ackTimeoutMinutes become overdue (the alert evaluator
 * opens the incident).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Config } from '../../core/config.ts';
import { type MesSettings, mesSettings } from '../../core/config/mes.ts';
import { ConfigError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { readOrders } from '../../extract/mes/orders.ts';
import { deliverMessage } from '../../load/mes/delivery.ts';
import { outboxFolder, writeAtomically } from '../../load/outbox/outbox.ts';
import {
  markDelivered,
  markDeliveryError,
  markOverdue,
  RELEASE_STATES,
  recordRelease,
  releaseCounts,
  releasedFacts,
  undeliveredMessages,
} from '../../load/mes/releases.ts';
import { messageFileName, planReleases, type ReleaseContent, type Verb } from '../../transform/mes/release.ts';
import { scheduleXml } from '../../transform/mes/schedule-xml.ts';
import { defineJob } from '../job.ts';
import { odooClient } from '../resources.ts';
import { jobEntry } from '../catalog.ts';

/** first retry of a failed POST after this, then doubling */
const DELIVERY_RETRY_MS = 500;
const DELIVERY_TIMEOUT_MS = 10_000;

export interface WriteContext {
  config: Pick<Config, 'outbox' | 'mesToken'>;
  settings: MesSettings;
  db: Knex;
  logger: Logger;
  runId: number | null;
}

export interface WrittenMessage {
  verb: Verb;
  mo: string;
  messageId: string;
  file: string;
  delivered?: boolean;
  deliveryError?: string;
}

/** Writes one message (file + rows, then the optional POST). `seq` orders the files of one run. */
export async function writeRelease(
  w: WriteContext,
  m: { verb: Verb; content: ReleaseContent; hash: string },
  seq: number,
  now = new Date(),
): Promise<WrittenMessage> {
  const dir = await outboxFolder(w.config.outbox, ['mes']);
  const messageId = randomUUID();
  const body = scheduleXml({ verb: m.verb, messageId, sender: w.settings.sender, createdAt: now, content: m.content });
  const name = messageFileName(now, seq, m.verb, m.content.mo);
  let file = '';
  const id = await recordRelease(
    w.db,
    {
      verb: m.verb,
      messageId,
      content: m.content,
      hash: m.hash,
      bodySha256: createHash('sha256').update(body).digest('hex'),
      at: now,
      runId: w.runId,
    },
    async () => (file = await writeAtomically(dir, name, body)),
  );
  const out: WrittenMessage = { verb: m.verb, mo: m.content.mo, messageId, file };
  if (w.settings.url) {
    const sent = await deliver(w, body);
    out.delivered = sent.ok;
    if (sent.ok) await markDelivered(w.db, id, new Date());
    else {
      out.deliveryError = sent.error;
      await markDeliveryError(w.db, id, sent.error);
    }
  }
  return out;
}

function deliver(w: WriteContext, body: string) {
  return deliverMessage(body, {
    url: w.settings.url!,
    ...(w.config.mesToken ? { token: w.config.mesToken } : {}),
    attempts: w.settings.deliveryAttempts,
    retryDelayMs: DELIVERY_RETRY_MS,
    timeoutMs: DELIVERY_TIMEOUT_MS,
    logger: w.logger,
  });
}

/** POSTs again the messages whose delivery failed on an earlier run (their files are in the outbox). */
async function retryDeliveries(w: WriteContext): Promise<{ retried: number; delivered: number }> {
  const pending = await undeliveredMessages(w.db);
  let delivered = 0;
  for (const m of pending) {
    const body = await readFile(m.file, 'utf8').catch(() => undefined);
    if (body === undefined) {
      await markDeliveryError(w.db, m.id, `the file ${m.file} is gone: send the order again with \`mfg-etl release ${m.moName} --again\``);
      continue;
    }
    const sent = await deliver(w, body);
    if (sent.ok) {
      delivered += 1;
      await markDelivered(w.db, m.id, new Date());
    } else {
      await markDeliveryError(w.db, m.id, sent.error);
      break; // the MES is down: the rest waits for the next run
    }
  }
  return { retried: pending.length, delivered };
}

/**
 * A dry run without Odoo: which orders are ready for the floor is read from Odoo only, so it says
 * what the stored releases are waiting for instead (answers, overdue marks, POSTs to retry).
 */
async function dryRunWithoutOdoo(db: Knex, s: MesSettings): Promise<Record<string, unknown>> {
  const counts = Object.fromEntries((await releaseCounts(db)).map((c) => [c.state, c.count])) as Record<string, number>;
  const cutoff = Date.now() - s.ackTimeoutMinutes * 60_000;
  // the releases mes-release would mark overdue now (load/mes/releases.ts markOverdue, read-only)
  const wouldBeOverdue = (await db('mes_releases')
    .where({ state: 'released' })
    .where('released_at', '<', new Date(cutoff))
    .orderBy('mo_name')
    .pluck('mo_name')) as string[];
  const undelivered = s.url ? (await undeliveredMessages(db)).length : 0;
  const total = Object.values(counts).reduce((n, c) => n + c, 0);
  return {
    dryRun: true,
    odoo: null,
    releases: counts,
    wouldBeOverdue,
    undelivered,
    summary: [
      `DRY RUN: no order read, no message written; ${total} release(s) on record: ${RELEASE_STATES.map((st) => `${counts[st] ?? 0} ${st}`).join(', ')}`,
      wouldBeOverdue.length
        ? `${wouldBeOverdue.length} release(s) unanswered for more than ${s.ackTimeoutMinutes} min would be marked overdue: ${wouldBeOverdue.slice(0, 10).join(', ')}${wouldBeOverdue.length > 10 ? ', …' : ''}`
        : `no release waits longer than ${s.ackTimeoutMinutes} min for the MES's answer`,
      ...(undelivered ? [`${undelivered} message(s) whose POST failed would be sent to the MES again`] : []),
      'Odoo is not configured: nothing read from or sent to Odoo; the orders ready for the floor are read from Odoo only',
      'to release: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY, then mfg-etl run mes-release',
    ],
  };
}

export const mesReleaseJob = defineJob({
  ...jobEntry('mes-release'),
  params: z.object({}).strict(),
  checkSettings: mesSettings,
  async run(ctx) {
    const s = mesSettings(ctx.config);
    // the MES link is opt-in: without a `mes` section (`"mes": {}` releases everything) nothing is read or sent
    if (ctx.config.file.mes === undefined)
      return { enabled: false, note: 'no "mes" section in the config file: the MES link is off (add "mes": {} to release orders)' };
    const client = odooClient(ctx);
    if (!client && ctx.dryRun) return dryRunWithoutOdoo(ctx.db.knex, s);
    if (!client) throw new ConfigError('mes-release reads manufacturing orders from Odoo: set MFG_ETL_ODOO_URL, _DB, _USER and _API_KEY');
    const knex = ctx.db.knex;
    try {
      const released = await releasedFacts(knex);
      const open = released.filter((r) => r.state !== 'cancelled').map((r) => r.moId);
      const read = await readOrders(client, s, open);
      const plan = planReleases(read.orders, released, read.cancelled);
      for (const skip of plan.skipped) ctx.logger.warn('order not released', skip);
      const count = (verb: Verb) => plan.messages.filter((m) => m.verb === verb).length;
      const summary = {
        orders: read.orders.length,
        process: count('Process'),
        change: count('Change'),
        cancel: count('Cancel'),
        unchanged: plan.unchanged,
        skipped: plan.skipped,
        odooCalls: client.calls,
      };
      if (ctx.dryRun) return { dryRun: true, ...summary };

      const w: WriteContext = { config: ctx.config, settings: s, db: knex, logger: ctx.logger, runId: ctx.runId };
      const retry = s.url ? await retryDeliveries(w) : { retried: 0, delivered: 0 };
      const written: WrittenMessage[] = [];
      for (const [i, m] of plan.messages.entries()) {
        ctx.signal.throwIfAborted();
        written.push(await writeRelease(w, m, i + 1));
        ctx.progress('messages written', written.length, plan.messages.length);
      }
      const overdue = await markOverdue(knex, s.ackTimeoutMinutes, new Date());
      if (overdue.length) ctx.logger.warn('releases not acknowledged in time', { overdue, timeoutMinutes: s.ackTimeoutMinutes });
      ctx.logger.info('MES messages written', { ...summary, messages: written.length });
      return {
        ...summary,
        rowsRead: read.orders.length,
        rowsWritten: written.length,
        messages: written,
        overdue,
        ...(s.url
          ? {
              delivered: written.filter((m) => m.delivered).length + retry.delivered,
              deliveryFailed: written.filter((m) => m.delivered === false).length,
              retried: retry.retried,
            }
          : {}),
        odooCalls: client.calls,
      };
    } finally {
      client.close();
    }
  },
});
