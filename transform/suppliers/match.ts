/**
 * Supplier file lines matched to purchase order lines, and the checkpoints of a supplier file:
 * unknown PO or line, units that cannot be converted, quantity above ordered beyond the
 * tolerance, a confirmed date moved further than the configured limit (warning), a lot for a
 * product not tracked by lot, a ship date in the past with nothing received (warning). Every
 * problem is kept per line (the rejected file's row report) and counted per checkpoint. Pure.
 */
import type { SupplierCheckpointSettings } from '../../core/config/suppliers.ts';
import {
  checkpointResult,
  checksAndRowProblems,
  type CheckpointResult,
  examplesText,
  parseErrorsCheckpoint,
  type RowError,
  fileOutcome,
} from '../shared/checkpoints.ts';
import type { SupplierLine } from './parse.ts';

export interface OpenLine {
  id: number;
  poName: string;
  lineNo: number;
  productId: number | null;
  productCode: string | null;
  supplierProductCode: string | null;
  tracking: string;
  qty: number;
  uomName: string;
  /** what Odoo had received when the file was made (export snapshot), else now */
  qtyReceived: number;
  /** YYYY-MM-DD, plant time */
  requestedDate: string | null;
  datePlanned: string | null;
}

export type SupplierCheck = 'unknown_lines' | 'unit_conversion' | 'over_quantity' | 'date_shift' | 'lot_untracked' | 'ship_date_past';

export interface LineProblem {
  check: SupplierCheck;
  column: string;
  value: string;
  message: string;
}

export interface MatchedLine extends SupplierLine {
  poLineId: number | null;
  productId: number | null;
  tracking: string | null;
  orderedQty: number | null;
  qtyReceived: number | null;
  requestedDate: string | null;
  datePlanned: string | null;
  /** file unit → line unit */
  unitFactor: number;
  problems: LineProblem[];
}

export interface MatchOptions {
  tolerancePct: number;
  maxDateShiftDays: number;
  /** YYYY-MM-DD, plant time */
  today: string;
  /** how many line units one `from` unit is, or undefined when they cannot be converted */
  unitFactor: (from: string, lineUnit: string) => number | undefined;
}

const days = (a: string, b: string) => Math.round((Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000);

export function matchLines(lines: readonly SupplierLine[], open: readonly OpenLine[], o: MatchOptions): MatchedLine[] {
  const byPo = new Map<string, OpenLine[]>();
  for (const l of open) {
    const key = l.poName.toLowerCase();
    const list = byPo.get(key);
    if (list) list.push(l);
    else byPo.set(key, [l]);
  }
  const matched = lines.map((line): MatchedLine => {
    const problems: LineProblem[] = [];
    const candidates = byPo.get(line.poName.toLowerCase()) ?? [];
    let target: OpenLine | undefined;
    if (candidates.length === 0) {
      problems.push({
        check: 'unknown_lines',
        column: 'PO',
        value: line.poName,
        message: `${line.poName} is not a confirmed purchase order`,
      });
    } else if (line.lineId !== null) {
      target = candidates.find((c) => c.id === line.lineId);
      if (!target)
        problems.push({
          check: 'unknown_lines',
          column: 'Line ID',
          value: String(line.lineId),
          message: `${line.poName} has no line with id ${line.lineId}`,
        });
    } else if (line.linePos !== null) {
      target = candidates.find((c) => c.lineNo === line.linePos);
      if (!target)
        problems.push({
          check: 'unknown_lines',
          column: 'Line',
          value: String(line.linePos),
          message: `${line.poName} has no line ${line.linePos}`,
        });
    } else {
      const code = (line.productCode ?? line.supplierCode ?? '').toLowerCase();
      const hits = candidates.filter((c) => c.productCode?.toLowerCase() === code || c.supplierProductCode?.toLowerCase() === code);
      if (hits.length === 1) target = hits[0];
      else
        problems.push({
          check: 'unknown_lines',
          column: line.productCode !== null ? 'Product' : 'Supplier code',
          value: code,
          message: hits.length
            ? `${code} is on ${hits.length} lines of ${line.poName}: give the line number`
            : `${line.poName} has no line for ${code}`,
        });
    }
    let unitFactor = 1;
    if (target && line.unit !== null && line.unit.toLowerCase() !== target.uomName.toLowerCase()) {
      const f = o.unitFactor(line.unit, target.uomName);
      if (f === undefined)
        problems.push({
          check: 'unit_conversion',
          column: 'Unit',
          value: line.unit,
          message: `${line.unit} cannot be converted to the line's unit ${target.uomName}`,
        });
      else unitFactor = f;
    }
    if (target) {
      const limit = target.qty * (1 + o.tolerancePct / 100);
      if (line.confirmedQty !== null && line.confirmedQty * unitFactor > limit + 1e-9)
        problems.push({
          check: 'over_quantity',
          column: 'Confirmed qty',
          value: String(line.confirmedQty),
          message: `confirmed ${line.confirmedQty * unitFactor} ${target.uomName} is more than the ${target.qty} ordered`,
        });
      if (line.confirmedDate && target.requestedDate) {
        const shift = days(line.confirmedDate, target.requestedDate);
        if (Math.abs(shift) > o.maxDateShiftDays)
          problems.push({
            check: 'date_shift',
            column: 'Confirmed date',
            value: line.confirmedDate,
            message: `moved ${Math.abs(shift)} days ${shift > 0 ? 'later' : 'earlier'} than requested (${target.requestedDate})`,
          });
      }
      if (line.lot !== null && target.tracking !== 'lot' && target.tracking !== 'serial')
        problems.push({
          check: 'lot_untracked',
          column: 'Lot',
          value: line.lot,
          message: `${target.productCode ?? 'the product'} is not tracked by lot`,
        });
      if (line.shipDate !== null && line.shipDate < o.today && target.qtyReceived <= 0 && line.shippedQty !== null)
        problems.push({
          check: 'ship_date_past',
          column: 'Ship date',
          value: line.shipDate,
          message: `shipped on ${line.shipDate} but nothing received yet`,
        });
    }
    return {
      ...line,
      poLineId: target?.id ?? null,
      productId: target?.productId ?? null,
      tracking: target?.tracking ?? null,
      orderedQty: target?.qty ?? null,
      qtyReceived: target?.qtyReceived ?? null,
      requestedDate: target?.requestedDate ?? null,
      datePlanned: target?.datePlanned ?? null,
      unitFactor,
      confirmedQty: line.confirmedQty === null ? null : line.confirmedQty * unitFactor,
      shippedQty: line.shippedQty === null ? null : line.shippedQty * unitFactor,
      problems,
    };
  });
  // shipped in several rows (lots) of one line: together above what is still to receive
  const shipped = new Map<number, number>();
  for (const m of matched)
    if (m.poLineId !== null && m.shippedQty !== null) shipped.set(m.poLineId, (shipped.get(m.poLineId) ?? 0) + m.shippedQty);
  for (const m of matched) {
    if (m.poLineId === null || m.shippedQty === null) continue;
    const open = (m.orderedQty ?? 0) - (m.qtyReceived ?? 0);
    const total = shipped.get(m.poLineId) ?? 0;
    if (total > open * (1 + o.tolerancePct / 100) + 1e-9)
      m.problems.push({
        check: 'over_quantity',
        column: 'Shipped qty',
        value: String(m.shippedQty),
        message: `${total} shipped for this line, ${open} still to receive`,
      });
  }
  return matched;
}

const LABELS: Record<SupplierCheck, { ok: string; bad: string }> = {
  unknown_lines: { ok: 'every line is an open line of a confirmed purchase order', bad: 'lines name no open purchase order line' },
  unit_conversion: { ok: 'every unit converts to the line unit', bad: 'lines have a unit that cannot be converted' },
  over_quantity: { ok: 'no quantity above what was ordered', bad: 'lines confirm or ship more than ordered (beyond the tolerance)' },
  date_shift: { ok: 'confirmed dates within the limit', bad: 'lines move the date beyond the configured limit' },
  lot_untracked: { ok: 'lots only for lot-tracked products', bad: 'lines give a lot for a product not tracked by lot' },
  ship_date_past: { ok: 'no past ship date without a receipt', bad: 'lines shipped in the past with nothing received' },
};

export function supplierCheckpoints(
  parse: { rows: number; errorCount: number; examples: readonly unknown[] },
  matched: readonly MatchedLine[],
  s: SupplierCheckpointSettings,
): CheckpointResult[] {
  const results = [parseErrorsCheckpoint(parse, s.parse_errors)];
  for (const check of Object.keys(LABELS) as SupplierCheck[]) {
    const hit = matched.filter((m) => m.problems.some((p) => p.check === check));
    const setting = s[check];
    const passed = hit.length <= setting.threshold;
    results.push(
      checkpointResult(
        check,
        setting.severity,
        passed,
        { lines: hit.length, threshold: setting.threshold, examples: hit.slice(0, 5).map((m) => m.sourceRef) },
        passed ? LABELS[check].ok : `${hit.length} ${LABELS[check].bad}${examplesText(hit.map((m) => `row ${m.sourceRef}`))}`,
      ),
    );
  }
  return results;
}

/** The problems of the lines behind failed checks, as row errors (the rejected file's report). */
export function lineRowErrors(matched: readonly MatchedLine[], failed: (check: string) => boolean, limit: number): RowError[] {
  const out: RowError[] = [];
  for (const m of matched)
    for (const p of m.problems) {
      if (out.length >= limit) return out;
      if (failed(p.check)) out.push({ ref: m.sourceRef, column: p.column, value: p.value, message: p.message });
    }
  return out;
}

const outcome = (status: string): string =>
  fileOutcome(status, {
    rejected: 'REJECTED: nothing of this file goes to Odoo. Fix the problems below and send the corrected file again.',
    approved: 'ACCEPTED and approved: supplier-load writes the confirmed dates and pre-fills the receipts.',
    validated: 'ACCEPTED, waiting for approval: some checks need a person to look (WARNING below); approve it with mfg-etl approve.',
  });

export function supplierFileReport(r: {
  fileName: string;
  batchId: number;
  status: string;
  stats: Record<string, unknown>;
  checkpoints: readonly CheckpointResult[];
  errorCount: number;
  errorsListed: number;
}): string {
  const lines = [`Supplier file: ${r.fileName}`, `Batch ${r.batchId}: ${outcome(r.status)}`, ''];
  if (typeof r.stats.lines === 'number')
    lines.push(`${Number(r.stats.rows ?? 0)} rows read, ${r.stats.lines} lines answered, ${Number(r.stats.untouched ?? 0)} left blank.`);
  lines.push(...checksAndRowProblems(r));
  lines.push(
    '',
    'Columns: PO and the line (Line, Line ID, Product or Supplier code), then what you confirm: Confirmed qty, Confirmed date (YYYY-MM-DD), Shipped qty, Ship date, Lot, Your reference; optionally Unit.',
  );
  return `${lines.join('\n')}\n`;
}
