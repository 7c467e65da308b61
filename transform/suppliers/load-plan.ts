/**
 * What supplier-load writes for one supplier file, line by line, against what Odoo holds now
 * and what this file already wrote (the ledger):
 *
 *   conflict   the purchase line was received since the file was made (qty_received grew), or
 *              its order is no longer confirmed: nothing is written for that line;
 *   date       a confirmed date → the line's date_planned and the `date` of its open receipt
 *              moves (Odoo moves only the moves' deadline when date_planned is written,
 *              execution captures 165-167; the receipt's scheduled date follows the moves' date),
 *              sent as rows of `load` by database id: a few calls per thousand lines, whatever
 *              the number of distinct dates;
 *   asn        shipped quantities and lots → the open receipt move's move lines, one write per
 *              move (`move_line_ids` commands: existing lines updated, new ones added with
 *              lot_id for a lot Odoo knows or lot_name for a new one, the rest removed). The
 *              receipt is never validated;
 *   unchanged  Odoo already holds it, or this file already wrote it (a rerun writes nothing).
 * Pure.
 */
import { localParts, zonedTime } from '../shared/plant-time.ts';
import { payloadHash, qtyCell } from '../shared/odoo-write.ts';

export interface PlanLine {
  lineNo: number;
  sourceRef: string;
  poName: string;
  poLineId: number;
  productId: number | null;
  /** qty_received when the file was made */
  qtyReceived: number;
  confirmedDate: string | null;
  shippedQty: number | null;
  lot: string | null;
}

export interface LiveLine {
  id: number;
  state: string;
  qtyReceived: number;
  /** 'YYYY-MM-DD HH:MM:SS' UTC */
  datePlanned: string | null;
  moveIds: number[];
}

export interface LiveMove {
  id: number;
  state: string;
  date: string | null;
  pickingId: number | null;
  productId: number;
  moveLineIds: number[];
  locationId: number | null;
  locationDestId: number | null;
}

export interface LiveMoveLine {
  id: number;
  moveId: number;
  lotId: number | null;
  lotName: string | null;
  quantity: number;
}

export interface Entry {
  key: string;
  batchId: number;
  hash: string;
  op: 'create' | 'update';
  lineNo: number;
  /** [lineNo]: the file line the write comes from (lineage) */
  lines: number[];
}

export interface DateWrite {
  entry: Entry;
  poLineId: number;
  /** 'YYYY-MM-DD HH:MM:SS' UTC */
  date: string;
  /** false: the line already has the date, only its moves do not */
  writeLine: boolean;
  moveIds: number[];
}

export type MoveLineCommand = [0, 0, Record<string, unknown>] | [1, number, Record<string, unknown>] | [2, number];

export interface AsnWrite {
  moveId: number;
  commands: MoveLineCommand[];
  entries: Array<{ entry: Entry; id: number }>;
}

export interface LineOutcome {
  lineNo: number;
  sourceRef: string;
  action: 'date' | 'asn';
  outcome: 'written' | 'unchanged' | 'conflict' | 'failed';
  message: string;
}

export interface SupplierLoadPlan {
  dates: DateWrite[];
  asn: AsnWrite[];
  /** every line's outcome except the writes still to do (those are in dates / asn) */
  outcomes: LineOutcome[];
}

const OPEN = (m: LiveMove) => m.state !== 'done' && m.state !== 'cancel' && m.pickingId !== null;

export function dateKey(batchId: number, lineNo: number): string {
  return `supplier_confirmation/${batchId}/${lineNo}/date`;
}

export function asnKey(batchId: number, lineNo: number): string {
  return `supplier_confirmation/${batchId}/${lineNo}/asn`;
}

/** The confirmed day at the time of day the line had (plant time), as Odoo's UTC datetime. */
export function confirmedDatetime(day: string, current: string | null, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const at = current ? localParts(new Date(`${current.replace(' ', 'T')}Z`), timeZone) : { hour: 12, minute: 0, second: 0 };
  const instant = zonedTime({ year: y, month: m, day: d, hour: at.hour, minute: at.minute, second: at.second }, timeZone);
  return instant.toISOString().slice(0, 19).replace('T', ' ');
}

export function planSupplierLoad(
  batchId: number,
  lines: readonly PlanLine[],
  live: ReadonlyMap<number, LiveLine>,
  moves: ReadonlyMap<number, LiveMove>,
  moveLines: ReadonlyMap<number, LiveMoveLine>,
  lots: ReadonlyMap<string, number>,
  written: { dates: ReadonlyMap<string, string>; asn: ReadonlyMap<string, string> },
  timeZone: string,
): SupplierLoadPlan {
  const outcomes: LineOutcome[] = [];
  const dates: DateWrite[] = [];
  const conflictOf = (l: PlanLine): string | undefined => {
    const now = live.get(l.poLineId);
    if (!now) return `${l.poName}: the purchase line no longer exists in Odoo`;
    if (now.state !== 'purchase' && now.state !== 'done')
      return `${l.poName}: the order is ${now.state === 'cancel' ? 'cancelled' : now.state} in Odoo`;
    if (now.qtyReceived > l.qtyReceived + 1e-9)
      return `${l.poName}: ${now.qtyReceived} received since the file was made (then ${l.qtyReceived}); nothing written for this line, check it with the supplier`;
    return undefined;
  };

  for (const l of lines) {
    if (l.confirmedDate === null) continue;
    const conflict = conflictOf(l);
    if (conflict) {
      outcomes.push({ lineNo: l.lineNo, sourceRef: l.sourceRef, action: 'date', outcome: 'conflict', message: conflict });
      continue;
    }
    const now = live.get(l.poLineId)!;
    const target = confirmedDatetime(l.confirmedDate, now.datePlanned, timeZone);
    const key = dateKey(batchId, l.lineNo);
    const hash = payloadHash('purchase.order.line', ['date_planned'], [String(l.poLineId), target]);
    if (written.dates.get(key) === hash) {
      outcomes.push({
        lineNo: l.lineNo,
        sourceRef: l.sourceRef,
        action: 'date',
        outcome: 'unchanged',
        message: 'already written by this file',
      });
      continue;
    }
    const lineMoves = now.moveIds.map((id) => moves.get(id)).filter((m): m is LiveMove => m !== undefined && OPEN(m));
    const movesToWrite = lineMoves.filter((m) => m.date !== target).map((m) => m.id);
    const lineToWrite = now.datePlanned !== target;
    if (!lineToWrite && movesToWrite.length === 0) {
      outcomes.push({
        lineNo: l.lineNo,
        sourceRef: l.sourceRef,
        action: 'date',
        outcome: 'unchanged',
        message: `Odoo already plans ${target}`,
      });
      continue;
    }
    dates.push({
      entry: { key, batchId, hash, op: 'update', lineNo: l.lineNo, lines: [l.lineNo] },
      poLineId: l.poLineId,
      date: target,
      writeLine: lineToWrite,
      moveIds: movesToWrite,
    });
  }

  // ASN: the shipped rows of a purchase line together (one row per lot)
  const shipped = new Map<number, PlanLine[]>();
  for (const l of lines) {
    if (l.shippedQty === null) continue;
    const list = shipped.get(l.poLineId);
    if (list) list.push(l);
    else shipped.set(l.poLineId, [l]);
  }
  const asn: AsnWrite[] = [];
  for (const [poLineId, rows] of shipped) {
    const conflict = conflictOf(rows[0]!);
    const all = (outcome: LineOutcome['outcome'], message: string) =>
      rows.forEach((r) => outcomes.push({ lineNo: r.lineNo, sourceRef: r.sourceRef, action: 'asn', outcome, message }));
    if (conflict) {
      all('conflict', conflict);
      continue;
    }
    const now = live.get(poLineId)!;
    const move = now.moveIds
      .map((id) => moves.get(id))
      .filter((m): m is LiveMove => m !== undefined && OPEN(m))
      .sort((a, b) => a.id - b.id)[0];
    if (!move) {
      all('conflict', `${rows[0]!.poName}: no open receipt for this line in Odoo (received or cancelled): nothing pre-filled`);
      continue;
    }
    const wanted = rows.map((r) => {
      const lotId = r.lot !== null ? lots.get(`${move.productId}|${r.lot}`) : undefined;
      return { qty: r.shippedQty!, lotId: lotId ?? null, lotName: r.lot !== null && lotId === undefined ? r.lot : null };
    });
    const hash = payloadHash(
      'stock.move',
      ['move_id', 'lots'],
      [String(move.id), ...wanted.map((w) => `${w.lotId ?? ''}|${w.lotName ?? ''}|${qtyCell(w.qty)}`)],
    );
    if (rows.every((r) => written.asn.get(asnKey(batchId, r.lineNo)) === hash)) {
      all('unchanged', 'already written by this file');
      continue;
    }
    const existing = move.moveLineIds
      .map((id) => moveLines.get(id))
      .filter((ml): ml is LiveMoveLine => ml !== undefined)
      .sort((a, b) => a.id - b.id);
    const same =
      existing.length === wanted.length &&
      wanted.every((w, i) => {
        const e = existing[i]!;
        return (
          Math.abs(e.quantity - w.qty) < 1e-9 && (w.lotId !== null ? e.lotId === w.lotId : e.lotId === null && e.lotName === w.lotName)
        );
      });
    if (same) {
      all('unchanged', 'the receipt already holds these quantities and lots');
      continue;
    }
    const lotVals = (w: (typeof wanted)[number]): Record<string, unknown> =>
      w.lotId !== null ? { lot_id: w.lotId } : w.lotName !== null ? { lot_name: w.lotName } : {};
    const commands: MoveLineCommand[] = wanted.map((w, i) => {
      const e = existing[i];
      if (e) return [1, e.id, { ...lotVals(w), quantity: w.qty }];
      return [
        0,
        0,
        {
          ...lotVals(w),
          quantity: w.qty,
          product_id: move.productId,
          location_id: move.locationId,
          location_dest_id: move.locationDestId,
          picking_id: move.pickingId,
        },
      ];
    });
    for (const e of existing.slice(wanted.length)) commands.push([2, e.id]);
    asn.push({
      moveId: move.id,
      commands,
      entries: rows.map((r) => ({
        entry: { key: asnKey(batchId, r.lineNo), batchId, hash, op: 'update', lineNo: r.lineNo, lines: [r.lineNo] },
        id: move.id,
      })),
    });
  }
  return { dates, asn, outcomes };
}
