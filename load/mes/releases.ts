/**
 * What mfg-etl released to the MES and what the MES answered (mes_releases, one row per order;
 * mes_messages, every message written). States: released → acknowledged | refused, released →
 * overdue when not answered within mes.ackTimeoutMinutes, cancelled after a Cancel. An answer
 * naming an older message than the order's last one does not acknowledge the newer change.
 */
import type { Knex } from 'knex';
import { redactSecrets } from '../../core/redact.ts';
import { runSql } from '../../core/sql.ts';
import type { Acknowledgment } from '../../transform/mes/acknowledgment.ts';
import { type ReleaseContent, releaseContentSchema, type ReleasedFact, type Verb } from '../../transform/mes/release.ts';
import { appendAudit } from '../staging/audit.ts';

type Db = Knex | Knex.Transaction;

import type { ReleaseState } from '../../transform/mes/release-states.ts';
export { RELEASE_STATES, type ReleaseState } from '../../transform/mes/release-states.ts';

export interface ReleasedOrder {
  moName: string;
  moId: number;
  productCode: string;
  state: ReleaseState;
  contentHash: string;
  content: ReleaseContent;
  lastVerb: Verb;
  lastMessageId: string;
  releasedAt: Date;
  /** last time the MES acknowledged the order (any message) */
  acknowledgedAt: Date | null;
  answer: string | null;
  alertedAt: Date | null;
  runId: number | null;
}

interface ReleaseRow {
  mo_name: string;
  mo_id: string | number;
  product_code: string;
  state: ReleaseState;
  content_hash: string;
  content: unknown;
  last_verb: Verb;
  last_message_id: string;
  released_at: Date;
  acknowledged_at: Date | null;
  answer: string | null;
  alerted_at: Date | null;
  run_id: string | number | null;
}

function toReleased(r: ReleaseRow): ReleasedOrder {
  return {
    moName: r.mo_name,
    moId: Number(r.mo_id),
    productCode: r.product_code,
    state: r.state,
    contentHash: r.content_hash,
    content: releaseContentSchema.parse(typeof r.content === 'string' ? JSON.parse(r.content) : r.content),
    lastVerb: r.last_verb,
    lastMessageId: r.last_message_id,
    releasedAt: r.released_at,
    acknowledgedAt: r.acknowledged_at,
    answer: r.answer,
    alertedAt: r.alerted_at,
    runId: r.run_id === null ? null : Number(r.run_id),
  };
}

/** The release of one order with the content last sent; undefined when it was never released. */
export async function releasedOrder(db: Db, moName: string): Promise<ReleasedOrder | undefined> {
  const row = (await db('mes_releases').where({ mo_name: moName }).first()) as ReleaseRow | undefined;
  return row ? toReleased(row) : undefined;
}

/** The open release an order carries (a backorder continues its request under the request ID). */
export async function releaseOfOrder(db: Db, moId: number): Promise<ReleasedOrder | undefined> {
  const row = (await db('mes_releases').where({ mo_id: moId }).whereNot({ state: 'cancelled' }).first()) as ReleaseRow | undefined;
  return row ? toReleased(row) : undefined;
}

/** Every release, for the plan of the next messages. */
export async function releasedFacts(db: Db): Promise<ReleasedFact[]> {
  const rows = (await db('mes_releases').select('mo_name', 'mo_id', 'state', 'content_hash', 'content')) as ReleaseRow[];
  return rows.map((r) => ({
    moName: r.mo_name,
    moId: Number(r.mo_id),
    state: r.state,
    contentHash: r.content_hash,
    content: releaseContentSchema.parse(r.content),
  }));
}

export async function listReleases(db: Db, filter: { state?: ReleaseState; limit?: number } = {}): Promise<ReleasedOrder[]> {
  const q = db('mes_releases').orderBy([{ column: 'released_at', order: 'desc' }, { column: 'mo_name' }]);
  if (filter.state) void q.where({ state: filter.state });
  if (filter.limit) void q.limit(filter.limit);
  return ((await q) as ReleaseRow[]).map(toReleased);
}

export async function releaseCounts(db: Db): Promise<Array<{ state: ReleaseState; count: number; oldest: Date | null }>> {
  const rows = await runSql<{ state: ReleaseState; count: number; oldest: Date | null }>(db, 'mes/release_counts');
  return rows.map((r) => ({ state: r.state, count: Number(r.count), oldest: r.oldest }));
}

export interface MessageRecord {
  verb: Verb;
  messageId: string;
  content: ReleaseContent;
  hash: string;
  file: string;
  bodySha256: string;
  at: Date;
  runId: number | null;
}

/**
 * Records a message (release row + message row) inside `write`: the file is written in the same
 * transaction, so a failed write leaves no trace and a failed commit only sends the message again.
 */
export async function recordRelease(db: Knex, m: Omit<MessageRecord, 'file'>, write: () => Promise<string>): Promise<number> {
  return db.transaction(async (trx) => {
    await runSql(trx, 'mes/release_record', [
      m.content.mo,
      m.content.moId,
      m.content.product.code,
      m.verb === 'Cancel' ? 'cancelled' : 'released',
      m.hash,
      JSON.stringify(m.content),
      m.verb,
      m.messageId,
      m.at,
      m.runId,
    ]);
    const file = await write();
    const [row] = (await trx('mes_messages')
      .insert({
        message_id: m.messageId,
        mo_name: m.content.mo,
        verb: m.verb,
        file,
        body_sha256: m.bodySha256,
        written_at: m.at,
        run_id: m.runId,
      })
      .returning('id')) as Array<{ id: number }>;
    return Number(row!.id);
  });
}

/** Releases not answered within the timeout become overdue; their order names. */
export async function markOverdue(db: Db, timeoutMinutes: number, now: Date): Promise<string[]> {
  return (await runSql<{ mo_name: string }>(db, 'mes/release_overdue', [now, Math.round(timeoutMinutes)])).map((r) => r.mo_name);
}

/** The alert evaluator opened an incident for these releases: noted once per message. */
export async function markAlerted(db: Db, moNames: readonly string[], now: Date): Promise<void> {
  if (moNames.length)
    await db('mes_releases')
      .whereIn('mo_name', [...moNames])
      .whereNull('alerted_at')
      .update({ alerted_at: now });
}

export interface AcknowledgmentResult {
  acknowledged: number;
  refused: number;
  /** message ids / order names mfg-etl never released */
  unknown: string[];
  /** answers to an older message than the order's last one: they acknowledge nothing */
  stale: string[];
}

export async function recordAcknowledgments(
  db: Knex,
  acks: Acknowledgment[],
  ctx: { runId: number | null; file: string },
): Promise<AcknowledgmentResult> {
  const result: AcknowledgmentResult = { acknowledged: 0, refused: 0, unknown: [], stale: [] };
  for (const ack of acks) {
    await db.transaction(async (trx) => {
      let moName = ack.moName;
      if (ack.messageId) {
        const msg = (await trx('mes_messages').where({ message_id: ack.messageId }).first('mo_name')) as { mo_name: string } | undefined;
        if (!msg || (moName && msg.mo_name !== moName)) {
          result.unknown.push(ack.messageId);
          return;
        }
        moName = msg.mo_name;
      }
      const release = moName ? await releasedOrder(trx, moName) : undefined;
      if (!release) {
        result.unknown.push(ack.messageId ?? ack.moName ?? '?');
        return;
      }
      if (ack.messageId && ack.messageId !== release.lastMessageId) {
        result.stale.push(ack.messageId);
        return;
      }
      const at = ack.at && !Number.isNaN(Date.parse(ack.at)) ? new Date(ack.at) : new Date();
      const text = redactSecrets(ack.text).slice(0, 2000);
      await runSql(trx, 'mes/release_acknowledge', [release.moName, ack.accepted, text, at]);
      await appendAudit(trx, {
        actor: 'mes',
        entity: 'mes_release',
        entityId: release.moName,
        action: ack.accepted ? 'acknowledged' : 'refused',
        details: { file: ctx.file, runId: ctx.runId, messageId: ack.messageId ?? release.lastMessageId, text },
      });
      if (ack.accepted) result.acknowledged += 1;
      else result.refused += 1;
    });
  }
  return result;
}

// ---- messages and their delivery ------------------------------------------------------------------

export interface StoredMessage {
  id: number;
  messageId: string;
  moName: string;
  verb: Verb;
  file: string;
  writtenAt: Date;
  deliveredAt: Date | null;
  deliveryError: string | null;
}

interface MessageRow {
  id: number | string;
  message_id: string;
  mo_name: string;
  verb: Verb;
  file: string;
  written_at: Date;
  delivered_at: Date | null;
  delivery_error: string | null;
}

const toMessage = (r: MessageRow): StoredMessage => ({
  id: Number(r.id),
  messageId: r.message_id,
  moName: r.mo_name,
  verb: r.verb,
  file: r.file,
  writtenAt: r.written_at,
  deliveredAt: r.delivered_at,
  deliveryError: r.delivery_error,
});

/** Messages whose POST to the MES failed before (oldest first): retried by the next mes-release. */
export async function undeliveredMessages(db: Db): Promise<StoredMessage[]> {
  return ((await db('mes_messages').whereNull('delivered_at').whereNotNull('delivery_error').orderBy('id')) as MessageRow[]).map(toMessage);
}

export async function messagesOf(db: Db, moName: string): Promise<StoredMessage[]> {
  return ((await db('mes_messages').where({ mo_name: moName }).orderBy('id')) as MessageRow[]).map(toMessage);
}

export async function markDelivered(db: Db, id: number, at: Date): Promise<void> {
  await db('mes_messages').where({ id }).update({ delivered_at: at, delivery_error: null });
}

export async function markDeliveryError(db: Db, id: number, error: string): Promise<void> {
  await db('mes_messages')
    .where({ id })
    .update({ delivery_error: redactSecrets(error).slice(0, 1000) });
}
