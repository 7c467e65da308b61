/**
 * Release content, pure: what mfg-etl tells the MES about one manufacturing order (MO name,
 * product, quantity and unit, planned dates, work orders, components with reserved lots), its
 * hash, and the plan of messages against what was released before: Process for an order never
 * released, Change for one whose content changed since, Cancel for a released order Odoo has
 * cancelled. Unchanged orders send nothing.
 * A backorder that continues a released request (mes-load moved the release's moId to it) is not
 * a new order: it is matched by id and its content goes out under the request ID as a Change.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { OdooOrder } from '../../extract/mes/orders.ts';

export const releaseContentSchema = z.object({
  mo: z.string(),
  moId: z.number().int(),
  product: z.object({ code: z.string(), name: z.string() }),
  qty: z.number(),
  uom: z.string(),
  /** ISO 8601 UTC ('2026-12-05T15:45:52Z'), null when Odoo has none */
  start: z.string().nullable(),
  end: z.string().nullable(),
  workOrders: z.array(
    z.object({ id: z.number().int(), name: z.string(), workcenter: z.string(), minutes: z.number(), sequence: z.number() }),
  ),
  components: z.array(z.object({ code: z.string(), name: z.string(), qty: z.number(), uom: z.string(), lots: z.array(z.string()) })),
});
export type ReleaseContent = z.infer<typeof releaseContentSchema>;

export type Verb = 'Process' | 'Change' | 'Cancel';

/** Odoo 'YYYY-MM-DD HH:MM:SS' (UTC) → '…T…Z'. */
export function isoUtc(odoo: string | null): string | null {
  if (!odoo) return null;
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(odoo) ? `${odoo.replace(' ', 'T')}Z` : odoo;
}

/** Quantities as Odoo stores them (floats), rounded so 1.6000000000000001 and 1.6 hash the same. */
const qty = (n: number): number => Math.round(n * 1e6) / 1e6;

/** The content of one order, or why it cannot be released (the MES identifies material by internal reference). */
export function releaseContent(o: OdooOrder): { content: ReleaseContent } | { problem: string } {
  if (!o.productCode) return { problem: `product "${o.productName}" has no internal reference (default_code): set one in Odoo` };
  const uncoded = o.components.filter((c) => !c.code).map((c) => c.name);
  if (uncoded.length) return { problem: `component(s) without internal reference (default_code): ${uncoded.join(', ')}; set one in Odoo` };
  return {
    content: {
      mo: o.name,
      moId: o.id,
      product: { code: o.productCode, name: o.productName },
      qty: qty(o.qty),
      uom: o.uom,
      start: isoUtc(o.dateStart),
      end: isoUtc(o.dateFinished),
      workOrders: [...o.workOrders]
        .sort((a, b) => a.sequence - b.sequence || a.id - b.id)
        .map((w) => ({ id: w.id, name: w.name, workcenter: w.workcenter, minutes: qty(w.durationExpected), sequence: w.sequence })),
      components: o.components.map((c) => ({ code: c.code!, name: c.name, qty: qty(c.qty), uom: c.uom, lots: c.lots })),
    },
  };
}

/** sha256 of the content's JSON (its keys are always built in the same order). */
export function contentHash(content: ReleaseContent): string {
  return createHash('sha256')
    .update(JSON.stringify(releaseContentSchema.parse(content)))
    .digest('hex');
}

/** What mfg-etl remembers of a released order (mes_releases). */
export interface ReleasedFact {
  moName: string;
  moId: number;
  state: 'released' | 'acknowledged' | 'refused' | 'overdue' | 'cancelled';
  contentHash: string;
  content: ReleaseContent;
}

export interface PlannedMessage {
  verb: Verb;
  content: ReleaseContent;
  hash: string;
}

export interface ReleasePlan {
  messages: PlannedMessage[];
  unchanged: number;
  /** orders that cannot be released, with the reason */
  skipped: Array<{ mo: string; problem: string }>;
}

export function planReleases(
  orders: readonly OdooOrder[],
  released: readonly ReleasedFact[],
  cancelledIds: readonly number[],
): ReleasePlan {
  const byName = new Map(released.map((r) => [r.moName, r]));
  // the order now carrying each open request: a backorder continues its request under the request ID
  const byId = new Map(released.filter((r) => r.state !== 'cancelled').map((r) => [r.moId, r]));
  const plan: ReleasePlan = { messages: [], unchanged: 0, skipped: [] };
  for (const o of orders) {
    const continues = byId.get(o.id);
    const request = continues && continues.moName !== o.name ? continues.moName : o.name;
    const built = releaseContent(o.name === request ? o : { ...o, name: request });
    if ('problem' in built) {
      plan.skipped.push({ mo: request, problem: built.problem });
      continue;
    }
    const hash = contentHash(built.content);
    const before = byName.get(request);
    if (!before || before.state === 'cancelled') plan.messages.push({ verb: 'Process', content: built.content, hash });
    else if (before.contentHash !== hash) plan.messages.push({ verb: 'Change', content: built.content, hash });
    else plan.unchanged += 1;
  }
  const cancelled = new Set(cancelledIds);
  for (const r of released) {
    if (r.state === 'cancelled' || !cancelled.has(r.moId)) continue;
    plan.messages.push({ verb: 'Cancel', content: r.content, hash: r.contentHash });
  }
  return plan;
}

/** `mfg-etl release <MO> --again`: Process while the MES never acknowledged the order, else Change. */
export function againVerb(state: ReleasedFact['state'] | undefined, everAcknowledged: boolean): Verb {
  if (!state || state === 'cancelled') return 'Process';
  return everAcknowledged ? 'Change' : 'Process';
}

/** `<UTC yyyymmddThhmmssSSS>-<seq>-<verb>-<MO name with / as _>.xml`: sorts in write order. */
export function messageFileName(at: Date, seq: number, verb: Verb, moName: string): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d{3})Z$/, '$1');
  return `${stamp}-${String(seq).padStart(6, '0')}-${verb}-${moName.replace(/\//g, '_')}.xml`;
}
