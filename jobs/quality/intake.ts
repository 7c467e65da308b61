/**
 * The one way a quality event comes in, for the endpoint and the file import alike: parse and
 * normalise, answer a repeat (same id) or a conflict (other content under the same
 * nonconformance + action) without asking Odoo, check the event against Odoo (product, lots,
 * location, quantity on hand, the hold a release or scrap needs), then stage it durably.
 * Nothing is applied here: quality-apply does that (triggered at once by the caller).
 */
import type { Knex } from 'knex';
import type { QualitySettings } from '../../core/config/quality.ts';
import type { OdooClient } from '../../core/odoo/index.ts';
import { eventFacts } from '../../extract/quality/odoo.ts';
import { eventHistory, findEventKey, stageEvent } from '../../load/quality/staging.ts';
import { eventHash, eventProblems, parseEventInput, type QualityEvent } from '../../transform/quality/events.ts';

export type IntakeOutcome =
  | { status: 'staged' | 'same'; id: number; event: QualityEvent }
  | { status: 'conflict'; id: number; event: QualityEvent }
  | { status: 'invalid'; problems: string[]; event?: QualityEvent };

/** Checks an event against Odoo and what is staged: the problems, none when it may be staged. */
export async function checkEvent(
  db: Knex | Knex.Transaction,
  client: OdooClient,
  s: QualitySettings,
  event: QualityEvent,
): Promise<string[]> {
  const [facts, history] = await Promise.all([eventFacts(client, event, s), eventHistory(db, event.nonconformance)]);
  return eventProblems(event, facts, history);
}

export async function receiveEvent(
  deps: { db: Knex | Knex.Transaction; client: OdooClient; settings: QualitySettings },
  body: unknown,
  o: { source: string; receivedAt: Date; batchId?: number | null },
): Promise<IntakeOutcome> {
  const parsed = parseEventInput(body);
  if (!parsed.event) return { status: 'invalid', problems: parsed.problems };
  const event = parsed.event;
  const hash = eventHash(event);
  // a repeat needs no Odoo round trip: the same content is the same event, other content a conflict
  const known = await findEventKey(deps.db, event.nonconformance, event.action);
  if (known) return { status: known.hash === hash ? 'same' : 'conflict', id: known.id, event };
  const problems = await checkEvent(deps.db, deps.client, deps.settings, event);
  if (problems.length) return { status: 'invalid', problems, event };
  const staged = await stageEvent(deps.db, { event, hash, source: o.source, receivedAt: o.receivedAt, batchId: o.batchId ?? null });
  return { status: staged.outcome === 'conflict' ? 'conflict' : staged.outcome, id: staged.id, event };
}
