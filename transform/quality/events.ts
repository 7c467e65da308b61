/**
 * Quality events: a nonconformance decision from the QMS (hold, release, scrap, rework) on lots
 * of a product in a warehouse, as the endpoint's JSON or a file's line gives it, normalised and
 * hashed (same content = same hash: a repeat is the same event). The checks against what Odoo
 * holds (unknown product / lot / location, more than on hand, a release without hold) and the
 * plan of the transfers are here too. Pure.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EventFacts, OdooQuant } from '../../extract/quality/odoo.ts';

export type { EventFacts, OdooQuant };

export const QUALITY_ACTIONS = ['hold', 'release', 'scrap', 'rework'] as const;
export type QualityAction = (typeof QUALITY_ACTIONS)[number];

/** The file header (CSV / XLSX), one lot a line. */
export const QUALITY_FILE_COLUMNS = [
  'nonconformance',
  'action',
  'product',
  'lot',
  'warehouse',
  'location',
  'quantity',
  'reason',
  'decided_by',
  'decided_at',
] as const;

const text = (max: number) => z.string().trim().min(1).max(max);

/** The endpoint's body (and a JSON line of a file). */
export const qualityEventInputSchema = z
  .object({
    nonconformance: text(100),
    action: z.enum(QUALITY_ACTIONS),
    product: text(100),
    lots: z.array(text(100)).min(1).max(500),
    warehouse: text(50),
    location: text(500).nullish(),
    quantity: z.number().finite().positive().nullish(),
    reason: z.string().trim().max(500).nullish(),
    decidedBy: z.string().trim().max(200).nullish(),
    decidedAt: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict();
export type QualityEventInput = z.input<typeof qualityEventInputSchema>;

/** The stored, normalised event: lots sorted and unique, empties as null. */
export interface QualityEvent {
  nonconformance: string;
  action: QualityAction;
  product: string;
  lots: string[];
  warehouse: string;
  location: string | null;
  quantity: number | null;
  reason: string;
  decidedBy: string | null;
  decidedAt: string | null;
}

export function normaliseEvent(input: z.output<typeof qualityEventInputSchema>): QualityEvent {
  return {
    nonconformance: input.nonconformance,
    action: input.action,
    product: input.product,
    lots: [...new Set(input.lots)].sort(),
    warehouse: input.warehouse,
    location: input.location || null,
    quantity: input.quantity ?? null,
    reason: input.reason ?? '',
    decidedBy: input.decidedBy || null,
    decidedAt: input.decidedAt ? new Date(input.decidedAt).toISOString() : null,
  };
}

/** Problems of a body, one line each ("lots: expected a list of at least 1 entries"). */
export function parseEventInput(body: unknown): { event?: QualityEvent; problems: string[] } {
  const parsed = qualityEventInputSchema.safeParse(body);
  if (parsed.success) return { event: normaliseEvent(parsed.data), problems: [] };
  return {
    problems: parsed.error.issues.map((i) => {
      const where = i.path.join('.') || '(body)';
      if (i.code === 'unrecognized_keys') return `${where}: unknown field ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${where}: ${i.message}`;
    }),
  };
}

/** What makes two events the same: every field but who sent it and when. */
export function eventHash(event: QualityEvent): string {
  const ordered = Object.fromEntries(Object.entries(event).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(ordered)).digest('hex');
}

/** The ledger key of an event's Odoo writes (one per nonconformance and action). */
export function eventKey(event: Pick<QualityEvent, 'nonconformance' | 'action'>): string {
  return `quality/${event.nonconformance}/${event.action}`;
}

/** The origin written on the transfers of an event: how a rerun finds what already happened in Odoo. */
export function transferOrigin(
  event: Pick<QualityEvent, 'nonconformance' | 'action'>,
  plan: Pick<TransferPlan, 'fromLocationId' | 'toLocationId'>,
): string {
  return `mfg-etl QC ${event.action} ${event.nonconformance} @${plan.fromLocationId}>${plan.toLocationId}`;
}

// ---- file lines ---------------------------------------------------------------------------------

/** One file line as read (cells as text), with its row reference. */
export interface QualityFileLine {
  ref: string;
  values: Partial<Record<(typeof QUALITY_FILE_COLUMNS)[number], string>>;
}

/** A file line as an endpoint body (one lot). Quantity in the file's decimal point or comma. */
export function lineToInput(line: QualityFileLine): Record<string, unknown> {
  const v = line.values;
  const qty = v.quantity?.trim();
  const decidedAt = v.decided_at?.trim();
  return {
    nonconformance: v.nonconformance ?? '',
    action: (v.action ?? '').trim().toLowerCase(),
    product: v.product ?? '',
    lots: v.lot ? [v.lot] : [],
    warehouse: v.warehouse ?? '',
    location: v.location?.trim() || null,
    quantity: qty ? Number(qty.replace(',', '.')) : null,
    reason: v.reason ?? null,
    decidedBy: v.decided_by?.trim() || null,
    decidedAt: decidedAt ? (/^\d{4}-\d{2}-\d{2}$/.test(decidedAt) ? `${decidedAt}T00:00:00Z` : decidedAt) : null,
  };
}

/**
 * The lines of one nonconformance + action of a file become one event (lots merged); lines that
 * disagree on anything but the lot are a problem of the file.
 */
export function groupFileEvents(events: ReadonlyArray<{ ref: string; event: QualityEvent }>): {
  events: Array<{ refs: string[]; event: QualityEvent }>;
  problems: Array<{ ref: string; message: string }>;
} {
  const byKey = new Map<string, { refs: string[]; event: QualityEvent }>();
  const problems: Array<{ ref: string; message: string }> = [];
  for (const { ref, event } of events) {
    const key = eventKey(event);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { refs: [ref], event: { ...event, lots: [...event.lots] } });
      continue;
    }
    const same = eventHash({ ...seen.event, lots: [] }) === eventHash({ ...event, lots: [] });
    if (!same) {
      problems.push({ ref, message: `${event.nonconformance} ${event.action}: differs from row ${seen.refs[0]} in more than the lot` });
      continue;
    }
    seen.refs.push(ref);
    seen.event.lots = [...new Set([...seen.event.lots, ...event.lots])].sort();
  }
  return { events: [...byKey.values()], problems };
}

// ---- checks against Odoo ------------------------------------------------------------------------

/** Events already staged that a release / scrap / hold depends on. */
export interface EventHistory {
  /** a hold of this nonconformance is staged */
  holdStaged: boolean;
  /** the hold was scrapped already, or released already */
  closedBy?: 'release' | 'scrap';
}

/** Is `location` (a full name) the location `scope` or under it? */
export function withinLocation(location: string, scope: string): boolean {
  return location === scope || location.startsWith(`${scope}/`);
}

/** The quants a hold moves: the lots' stock at the affected locations, outside quarantine. */
export function quantsToHold(event: QualityEvent, facts: EventFacts): OdooQuant[] {
  return facts.quants.filter(
    (q) =>
      q.quantity > 0 &&
      q.locationId !== facts.quarantine?.id &&
      (!facts.location || withinLocation(q.location, facts.location.name)) &&
      event.lots.includes(q.lot),
  );
}

/** The check failures of an event, each a sentence for a person (422 / a file's row errors). */
export function eventProblems(event: QualityEvent, facts: EventFacts, history: EventHistory): string[] {
  const out: string[] = [];
  if (!facts.warehouse) out.push(`unknown warehouse "${event.warehouse}" (no stock.warehouse with that code)`);
  if (!facts.product) out.push(`unknown product "${event.product}" (no product with that internal reference)`);
  if (event.location && facts.locationMissing)
    out.push(`unknown location "${event.location}" (no internal location with that full name in warehouse ${event.warehouse})`);
  if (facts.product) {
    const unknown = event.lots.filter((lot) => !facts.lots.has(lot));
    if (unknown.length)
      out.push(`unknown lot${unknown.length > 1 ? 's' : ''} ${unknown.map((l) => `"${l}"`).join(', ')} of product ${event.product}`);
  }
  if (out.length) return out;
  if (event.action === 'hold') {
    if (!facts.quarantine)
      out.push(
        `warehouse ${event.warehouse} has no quarantine location; run mfg-etl quality setup (or set quality.quarantine.${event.warehouse})`,
      );
    const onHand = quantsToHold(event, facts).reduce((sum, q) => sum + q.quantity, 0);
    if (event.quantity !== null && event.quantity > onHand + 1e-9)
      out.push(
        `quantity ${event.quantity} is more than the ${onHand} on hand of lot ${event.lots.join(', ')} ${facts.location ? `at ${facts.location.name}` : `in ${event.warehouse}`}`,
      );
    if (event.quantity !== null && event.lots.length > 1) out.push('a quantity can only be given for one lot');
    if (onHand <= 0 && event.quantity !== null) out.push(`nothing of lot ${event.lots.join(', ')} is on hand to hold`);
  } else {
    if (!history.holdStaged) out.push(`there is no hold for nonconformance ${event.nonconformance} to ${event.action}`);
    else if (history.closedBy && event.action !== 'rework')
      out.push(`the hold of ${event.nonconformance} was already ${history.closedBy === 'scrap' ? 'scrapped' : 'released'}`);
  }
  return out;
}

// ---- plans --------------------------------------------------------------------------------------

export interface TransferLine {
  lotId: number;
  lot: string;
  quantity: number;
}

/** One internal transfer: from one location to another, some lots of one product. */
export interface TransferPlan {
  fromLocationId: number;
  fromLocation: string;
  toLocationId: number;
  lines: TransferLine[];
}

/** Hold: one transfer per source location into quarantine (a quantity takes from the first quants). */
export function holdTransfers(event: QualityEvent, facts: EventFacts): TransferPlan[] {
  const quarantine = facts.quarantine;
  if (!quarantine) return [];
  let left = event.quantity ?? Number.POSITIVE_INFINITY;
  const byLocation = new Map<number, TransferPlan>();
  for (const q of quantsToHold(event, facts)) {
    if (left <= 1e-9) break;
    const take = Math.min(q.quantity, left);
    left -= take;
    let plan = byLocation.get(q.locationId);
    if (!plan) {
      plan = { fromLocationId: q.locationId, fromLocation: q.location, toLocationId: quarantine.id, lines: [] };
      byLocation.set(q.locationId, plan);
    }
    plan.lines.push({ lotId: q.lotId, lot: q.lot, quantity: take });
  }
  return [...byLocation.values()].sort((a, b) => a.fromLocationId - b.fromLocationId);
}

export interface OpenHoldLine {
  id: number;
  nonconformance: string;
  lotId: number;
  lot: string;
  fromLocationId: number;
  fromLocation: string;
  quarantineLocationId: number;
  quantity: number;
}

/**
 * Release: the lots of this nonconformance's hold go back where they came from (every open line
 * of those lots, whichever hold moved it), unless another open hold still covers the lot: then
 * it stays in quarantine and goes back with the last release. Answers the transfers, the lines
 * they close and the lots kept.
 */
export function releaseTransfers(
  holdLots: ReadonlySet<number>,
  open: readonly OpenHoldLine[],
  otherHoldLots: ReadonlySet<number>,
): { transfers: TransferPlan[]; closes: number[]; keptLots: number[] } {
  const moving = open.filter((l) => holdLots.has(l.lotId) && !otherHoldLots.has(l.lotId));
  const byLocation = new Map<string, TransferPlan>();
  for (const l of moving) {
    const key = `${l.quarantineLocationId}>${l.fromLocationId}`;
    let plan = byLocation.get(key);
    if (!plan) {
      plan = { fromLocationId: l.quarantineLocationId, fromLocation: 'quarantine', toLocationId: l.fromLocationId, lines: [] };
      byLocation.set(key, plan);
    }
    const same = plan.lines.find((x) => x.lotId === l.lotId);
    if (same) same.quantity += l.quantity;
    else plan.lines.push({ lotId: l.lotId, lot: l.lot, quantity: l.quantity });
  }
  return {
    transfers: [...byLocation.values()].sort((a, b) => a.toLocationId - b.toLocationId),
    closes: moving.map((l) => l.id),
    keptLots: [...holdLots].filter((lot) => otherHoldLots.has(lot)),
  };
}
