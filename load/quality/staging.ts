/**
 * The quality pipeline's tables (migration 012): staged events (once per nonconformance +
 * action), what holds moved into quarantine (hold lines), API tokens (sha256 only) and the
 * per-client rate windows; plus the open-holds listing the CLI, the status page and the report
 * share.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { runSql } from '../../core/sql.ts';
import type { OpenHoldLine, QualityAction, QualityEvent } from '../../transform/quality/events.ts';

type Db = Knex | Knex.Transaction;

export type StageOutcome = 'staged' | 'same' | 'conflict';

export interface StoredEvent {
  id: number;
  nonconformance: string;
  action: QualityAction;
  event: QualityEvent;
  source: string;
  status: 'staged' | 'applied' | 'failed';
  attempts: number;
  receivedAt: Date;
  appliedAt: Date | null;
  result: Record<string, unknown> | null;
  error: string | null;
  /** the file batch it came from (null: over HTTP) and the file lines that make it (lineage) */
  batchId: number | null;
  sourceLines: number[] | null;
}

/** A file line's number from its place in the file: "12" → 12, "Sheet1!12" → 12. */
export function lineNumberOf(ref: string): number | null {
  const m = /(\d+)$/.exec(ref);
  return m ? Number(m[1]) : null;
}

function toEvent(r: Record<string, unknown>): StoredEvent {
  return {
    id: Number(r.id),
    nonconformance: String(r.nonconformance),
    action: r.action as QualityAction,
    event: r.event as QualityEvent,
    source: String(r.source),
    status: r.status as StoredEvent['status'],
    attempts: Number(r.attempts ?? 0),
    receivedAt: r.received_at as Date,
    appliedAt: (r.applied_at as Date | null) ?? null,
    result: (r.result as Record<string, unknown> | null) ?? null,
    error: (r.error as string | null) ?? null,
    batchId: r.batch_id === null || r.batch_id === undefined ? null : Number(r.batch_id),
    sourceLines: Array.isArray(r.source_lines) ? (r.source_lines as Array<number | string>).map(Number) : null,
  };
}

/** Stages an event once: a new id, the same id for the same content, or a conflict with the stored one. */
export async function stageEvent(
  db: Db,
  o: { event: QualityEvent; hash: string; source: string; batchId?: number | null; receivedAt: Date; refs?: readonly string[] },
): Promise<{ id: number; outcome: StageOutcome }> {
  const refs = o.refs?.filter((r) => lineNumberOf(r) !== null);
  const rows = await runSql<{ id: string }>(db, 'quality/stage_event', [
    o.event.nonconformance,
    o.event.action,
    o.hash,
    JSON.stringify(o.event),
    o.source,
    o.batchId ?? null,
    o.receivedAt,
    refs ? refs.map((r) => lineNumberOf(r)) : null,
    refs ?? null,
  ]);
  if (rows[0]) return { id: Number(rows[0].id), outcome: 'staged' };
  const existing = (await db('quality_events')
    .where({ nonconformance: o.event.nonconformance, action: o.event.action })
    .first('id', 'content_hash')) as { id: string; content_hash: string };
  return { id: Number(existing.id), outcome: existing.content_hash === o.hash ? 'same' : 'conflict' };
}

/** The stored event of a nonconformance + action, if any (its id and content hash). */
export async function findEventKey(db: Db, nonconformance: string, action: string): Promise<{ id: number; hash: string } | undefined> {
  const row = (await db('quality_events').where({ nonconformance, action }).first('id', 'content_hash')) as
    { id: string; content_hash: string } | undefined;
  return row ? { id: Number(row.id), hash: row.content_hash } : undefined;
}

/** Whether a hold of this nonconformance is staged, and whether a release or scrap of it is. */
export async function eventHistory(db: Db, nonconformance: string): Promise<{ holdStaged: boolean; closedBy?: 'release' | 'scrap' }> {
  const rows = (await db('quality_events').where({ nonconformance }).select('action')) as Array<{ action: string }>;
  const actions = new Set(rows.map((r) => r.action));
  return {
    holdStaged: actions.has('hold'),
    closedBy: actions.has('scrap') ? 'scrap' : actions.has('release') ? 'release' : undefined,
  };
}

export async function getEvent(db: Db, id: number): Promise<StoredEvent | undefined> {
  const row = (await db('quality_events').where({ id }).first()) as Record<string, unknown> | undefined;
  return row ? toEvent(row) : undefined;
}

/** Events not applied yet, oldest first. */
export async function pendingEvents(db: Db, limit: number): Promise<StoredEvent[]> {
  // a file's events wait for their batch's approval (quality.approval manual)
  const rows = (await db('quality_events as e')
    .leftJoin('batches as b', 'b.id', 'e.batch_id')
    .whereNot('e.status', 'applied')
    .where((q) => {
      void q.whereNull('e.batch_id').orWhereIn('b.status', ['approved', 'loading', 'loaded']);
    })
    .orderBy('e.id')
    .limit(limit)
    .select('e.*')) as Array<Record<string, unknown>>;
  return rows.map(toEvent);
}

export async function markApplied(db: Db, id: number, result: Record<string, unknown>): Promise<void> {
  await db('quality_events')
    .where({ id })
    .update({ status: 'applied', applied_at: db.fn.now(), result: JSON.stringify(result), error: null, attempts: db.raw('attempts + 1') });
}

export async function markFailed(db: Db, id: number, error: string): Promise<void> {
  await db('quality_events')
    .where({ id })
    .update({ status: 'failed', error, attempts: db.raw('attempts + 1') });
}

/** The hold event of a nonconformance. */
export async function holdOf(db: Db, nonconformance: string): Promise<StoredEvent | undefined> {
  const row = (await db('quality_events').where({ nonconformance, action: 'hold' }).first()) as Record<string, unknown> | undefined;
  return row ? toEvent(row) : undefined;
}

// ---- hold lines ---------------------------------------------------------------------------------

export interface NewHoldLine {
  eventId: number;
  nonconformance: string;
  warehouse: string;
  productId: number;
  productCode: string;
  lotId: number;
  lotName: string;
  fromLocationId: number;
  fromLocation: string;
  quarantineLocationId: number;
  quantity: number;
  unitCost: number;
  reason: string;
}

export async function insertHoldLines(db: Db, lines: readonly NewHoldLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db('quality_hold_lines').insert(
    lines.map((l) => ({
      event_id: l.eventId,
      nonconformance: l.nonconformance,
      warehouse: l.warehouse,
      product_id: l.productId,
      product_code: l.productCode,
      lot_id: l.lotId,
      lot_name: l.lotName,
      from_location_id: l.fromLocationId,
      from_location: l.fromLocation,
      quarantine_location_id: l.quarantineLocationId,
      quantity: l.quantity,
      unit_cost: l.unitCost,
      reason: l.reason,
    })),
  );
}

/** Open lines (still in quarantine) of these lots (by name) of a product in a warehouse. */
export async function openHoldLines(db: Db, productCode: string, warehouse: string, lots: readonly string[]): Promise<OpenHoldLine[]> {
  if (lots.length === 0) return [];
  const rows = (await db('quality_hold_lines')
    .where({ product_code: productCode, warehouse })
    .whereIn('lot_name', [...lots])
    .whereNull('closed_at')
    .orderBy('id')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: Number(r.id),
    nonconformance: String(r.nonconformance),
    lotId: Number(r.lot_id),
    lot: String(r.lot_name),
    fromLocationId: Number(r.from_location_id),
    fromLocation: String(r.from_location),
    quarantineLocationId: Number(r.quarantine_location_id),
    quantity: Number(r.quantity),
  }));
}

/** Saves the plan of an event before its first Odoo write: a rerun follows the same plan. */
export async function savePlan(db: Db, id: number, plan: Record<string, unknown>): Promise<void> {
  await db('quality_events')
    .where({ id })
    .update({ result: JSON.stringify({ plan }) });
}

export async function closeHoldLines(db: Db, ids: readonly number[], by: 'release' | 'scrap'): Promise<void> {
  if (ids.length === 0) return;
  await db('quality_hold_lines')
    .whereIn('id', [...ids])
    .update({ closed_at: db.fn.now(), closed_by: by });
}

/** Lot names other open holds cover (same product and warehouse). */
export async function lotsCoveredByOthers(db: Db, nonconformance: string, product: string, warehouse: string): Promise<Set<string>> {
  const rows = await runSql<{ lot: string }>(db, 'quality/covered_lots', [nonconformance, product, warehouse]);
  return new Set(rows.map((r) => r.lot));
}

// ---- the open-holds listing -----------------------------------------------------------------------

export interface OpenHold {
  id: number;
  nonconformance: string;
  status: string;
  product: string;
  warehouse: string;
  reason: string;
  lots: string[];
  quantity: number;
  value: number;
  receivedAt: Date;
  appliedAt: Date | null;
  ageSeconds: number;
  /** received → stock moved, ms (null until applied) */
  latencyMs: number | null;
  blocked: Array<{ model: string; id: number; name: string }>;
  error: string | null;
}

export async function listOpenHolds(db: Db, now: Date = new Date()): Promise<OpenHold[]> {
  const rows = await runSql<Record<string, unknown>>(db, 'quality/open_holds', [now]);
  return rows.map((r) => ({
    id: Number(r.id),
    nonconformance: String(r.nonconformance),
    status: String(r.status),
    product: String(r.product),
    warehouse: String(r.warehouse),
    reason: String(r.reason ?? ''),
    lots: (r.lots as string[]) ?? [],
    quantity: Number(r.quantity ?? 0),
    value: Number(r.value ?? 0),
    receivedAt: r.received_at as Date,
    appliedAt: (r.applied_at as Date | null) ?? null,
    ageSeconds: Math.max(0, Math.round(Number(r.age_seconds ?? 0))),
    latencyMs: r.latency_ms === null || r.latency_ms === undefined ? null : Math.round(Number(r.latency_ms)),
    blocked: (r.blocked as OpenHold['blocked']) ?? [],
    error: (r.error as string | null) ?? null,
  }));
}

// ---- API tokens -------------------------------------------------------------------------------------

export const TOKEN_PREFIX = 'mfgq_';

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token for `client` (replacing any earlier one): shown once, only its sha256 is kept. */
export async function addToken(db: Db, client: string, scopes: readonly string[]): Promise<string> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  await db('api_tokens')
    .insert({ client, token_hash: tokenHash(token), scopes: [...scopes], created_at: db.fn.now(), revoked_at: null, last_used_at: null })
    .onConflict('client')
    .merge();
  return token;
}

export async function revokeToken(db: Db, client: string): Promise<boolean> {
  const n = await db('api_tokens').where({ client }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  return Number(n) > 0;
}

export interface TokenInfo {
  client: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export async function listTokens(db: Db): Promise<TokenInfo[]> {
  const rows = (await db('api_tokens').orderBy('client')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    client: String(r.client),
    scopes: r.scopes as string[],
    createdAt: r.created_at as Date,
    revokedAt: (r.revoked_at as Date | null) ?? null,
    lastUsedAt: (r.last_used_at as Date | null) ?? null,
  }));
}

/** The client a bearer token belongs to (not revoked), compared in constant time on the hash. */
export async function clientOfToken(db: Db, token: string): Promise<{ client: string; scopes: string[] } | undefined> {
  const hash = tokenHash(token);
  const row = (await db('api_tokens').where({ token_hash: hash }).whereNull('revoked_at').first('client', 'scopes', 'token_hash')) as
    { client: string; scopes: string[]; token_hash: string } | undefined;
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
  await db('api_tokens').where({ client: row.client }).update({ last_used_at: db.fn.now() });
  return { client: row.client, scopes: row.scopes };
}

/** Counts a call of `client` and answers its calls in this minute. */
export async function rateHit(db: Db, client: string): Promise<number> {
  const rows = await runSql<{ calls: number }>(db, 'quality/rate_hit', [client]);
  return Number(rows[0]?.calls ?? 0);
}
