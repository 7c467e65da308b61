/**
 * B2MML production reports from the MES: ProcessOperationsPerformance / SyncOperationsPerformance.
 * Each OperationsResponse is one report (one MES transaction, its ID): the order it answers
 * (OperationsRequestID = the MO name the release sent), optionally one work order
 * (SegmentRequirementID), what was produced (MaterialUse Produced, with its lot), consumed
 * (Consumed, with lots), scrapped (MaterialUse Other, OtherValue "Scrap", with a reason), and per
 * segment response the actual start / end and the work center (EquipmentActual/EquipmentID).
 *
 * Completion: the response's ResponseState `Completed` or `Closed` says the order is finished on the
 * floor (mes-load closes it in Odoo); any other state (Running, Paused, …) or none reports progress
 * only. SegmentState is kept per segment but does not close anything.
 *
 * Read through xml.ts; element names are matched by local name, so a file with or without the
 * B2MML namespace (or a prefix) reads the same.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DataValidationError } from '../../core/errors.ts';
import type { RowError } from '../shared/checkpoints.ts';
import { child, childrenOf, childText, textOf as xmlText, type XmlNode } from './xml.ts';

export const PERFORMANCE_ROOTS = ['ProcessOperationsPerformance', 'SyncOperationsPerformance'] as const;
export const ACKNOWLEDGMENT_ROOTS = ['AcknowledgeOperationsSchedule', 'ConfirmBOD'] as const;

export type MesDocumentKind = 'performance' | 'acknowledgment';

/** Which kind of MES answer a file is, by its root element. */
export function mesDocumentKind(root: XmlNode): MesDocumentKind {
  if ((PERFORMANCE_ROOTS as readonly string[]).includes(root.name)) return 'performance';
  if ((ACKNOWLEDGMENT_ROOTS as readonly string[]).includes(root.name)) return 'acknowledgment';
  throw new DataValidationError(
    `the root element is <${root.name}>; mfg-etl reads ${[...PERFORMANCE_ROOTS, ...ACKNOWLEDGMENT_ROOTS].join(', ')} in <inbox>/mes`,
    { context: { code: 'unknown_root', root: root.name } },
  );
}

/** an element's trimmed text, '' when it is missing or empty */
const textOf = (n: XmlNode | undefined): string => xmlText(n) ?? '';

export const materialSchema = z.object({
  code: z.string(),
  lot: z.string().optional(),
  quantity: z.number(),
  unit: z.string().optional(),
  /** scrap only: why */
  reason: z.string().optional(),
  /** where in the file, for people */
  ref: z.string(),
});
export type Material = z.infer<typeof materialSchema>;

export const segmentSchema = z.object({
  id: z.string(),
  /** SegmentRequirementID (what the release sent per work order), else ProcessSegmentID */
  workOrder: z.string().optional(),
  workcenter: z.string().optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  state: z.string().optional(),
  ref: z.string(),
});
export type Segment = z.infer<typeof segmentSchema>;

export const mesReportSchema = z.object({
  transactionId: z.string(),
  moName: z.string(),
  workOrder: z.string().optional(),
  state: z.string().optional(),
  complete: z.boolean(),
  /** the produced material: the MO's product (checked) */
  productCode: z.string().optional(),
  producedQty: z.number(),
  unit: z.string().optional(),
  finishedLot: z.string().optional(),
  segments: z.array(segmentSchema),
  consumed: z.array(materialSchema),
  scrap: z.array(materialSchema),
});
export type MesReport = z.infer<typeof mesReportSchema>;

export interface ParsedReport {
  lineNo: number;
  ref: string;
  report: MesReport;
  hash: string;
}

export interface ParsedPerformance {
  root: string;
  messageId?: string;
  reports: ParsedReport[];
  /** responses (or fields) that cannot be read: row errors naming the response, field and value */
  problems: RowError[];
  responses: number;
}

const COMPLETE_STATES = new Set(['Completed', 'Closed']);
const PRODUCED = new Set(['Produced', 'Material Produced', 'Yield Produced']);
const CONSUMED = new Set(['Consumed', 'Material Consumed', 'Consumable']);

/** The content that identifies a transaction: same id + same hash = the same report sent again. */
export function reportHash(report: MesReport): string {
  const strip = <T extends { ref: string }>(xs: T[]) => xs.map(({ ref: _ref, ...rest }) => rest);
  const canonical = { ...report, segments: strip(report.segments), consumed: strip(report.consumed), scrap: strip(report.scrap) };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

function isoTime(value: string): string | undefined {
  // an offset is required: the MES and mfg-etl may not share a time zone
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** Reads the performance document: one report per OperationsResponse, problems per response and field. */
export function parsePerformance(root: XmlNode): ParsedPerformance {
  const problems: RowError[] = [];
  const reports: ParsedReport[] = [];
  const messageId = (() => {
    const area = child(root, 'ApplicationArea');
    return area ? childText(area, 'BODID') : undefined;
  })();
  const dataArea = child(root, 'DataArea');
  const performances = dataArea ? childrenOf(dataArea, 'OperationsPerformance') : [];
  if (!dataArea || performances.length === 0) {
    throw new DataValidationError(`<${root.name}> has no DataArea/OperationsPerformance: there is nothing to report in this file`, {
      context: { code: 'empty' },
    });
  }
  let lineNo = 0;
  for (const perf of performances) {
    for (const response of childrenOf(perf, 'OperationsResponse')) {
      lineNo++;
      const parsed = parseResponse(response, lineNo, problems);
      if (parsed) reports.push({ lineNo, ref: parsed.ref, report: parsed.report, hash: reportHash(parsed.report) });
    }
  }
  return { root: root.name, messageId, reports, problems, responses: lineNo };
}

function parseResponse(response: XmlNode, lineNo: number, problems: RowError[]): { ref: string; report: MesReport } | undefined {
  const id = childText(response, 'ID');
  const ref = `OperationsResponse ${lineNo}${id ? ` (ID ${id})` : ''}`;
  const before = problems.length;
  const problem = (column: string, value: string, message: string) => problems.push({ ref, column, value, message });
  if (!id) problem('ID', '', 'the response has no ID (the MES transaction id): ask the MES to send every OperationsResponse with its ID');

  const segments: Segment[] = [];
  const produced: Material[] = [];
  const consumed: Material[] = [];
  const scrap: Material[] = [];
  const requestIds = new Set(childrenOf(response, 'OperationsRequestID').map(textOf).filter(Boolean));

  const readMaterial = (m: XmlNode, where: string) => {
    const mref = `${where} MaterialActual ${childText(m, 'ID') ?? '?'}`;
    const code = childText(m, 'MaterialDefinitionID');
    const use = child(m, 'MaterialUse');
    const useText = textOf(use);
    const other = use?.attrs.OtherValue ?? '';
    const quantity = child(m, 'Quantity');
    const qtyText = quantity ? childText(quantity, 'QuantityString') : undefined;
    const qty = qtyText === undefined ? Number.NaN : Number(qtyText);
    if (!code)
      return problem(`${mref}/MaterialDefinitionID`, '', 'the material has no MaterialDefinitionID (the product’s internal reference)');
    if (qtyText === undefined || !Number.isFinite(qty) || !/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(qtyText))
      return problem(`${mref}/Quantity/QuantityString`, qtyText ?? '', `the quantity of ${code} is not a number`);
    // one lot and one quantity per MaterialActual: the schema allows several, but then which part is in which lot?
    const lotIds = childrenOf(m, 'MaterialLotID').map(textOf).filter(Boolean);
    if (lotIds.length > 1)
      return problem(
        `${mref}/MaterialLotID`,
        lotIds.join(', '),
        `${code} names several lots in one MaterialActual: send one MaterialActual per lot with its quantity`,
      );
    if (childrenOf(m, 'Quantity').length > 1)
      return problem(
        `${mref}/Quantity`,
        '',
        `${code} has several quantities in one MaterialActual: send one quantity (per lot, one MaterialActual each)`,
      );
    const lot = lotIds[0];
    const unit = quantity ? childText(quantity, 'UnitOfMeasure') : undefined;
    const material: Material = { code, quantity: qty, ref: mref, ...(lot ? { lot } : {}), ...(unit ? { unit } : {}) };
    if (PRODUCED.has(useText)) produced.push(material);
    else if (CONSUMED.has(useText)) consumed.push(material);
    else if (useText === 'Other' && /^scrap/i.test(other)) {
      const props = childrenOf(m, 'MaterialActualProperty');
      const reasonProp = props.find((p) => /reason/i.test(childText(p, 'ID') ?? ''));
      const value = reasonProp ? child(reasonProp, 'Value') : undefined;
      const reason = (value ? childText(value, 'ValueString') : undefined) ?? childText(m, 'Description');
      scrap.push({ ...material, ...(reason ? { reason } : {}) });
    } else
      problem(
        `${mref}/MaterialUse`,
        other ? `${useText} (${other})` : useText,
        'MaterialUse must be Produced, Consumed, or Other with OtherValue="Scrap"; by- and co-products are not posted',
      );
  };

  const readSegment = (s: XmlNode, path: string) => {
    const sid = childText(s, 'ID') ?? '?';
    const where = `${path}SegmentResponse ${sid}`;
    for (const r of childrenOf(s, 'OperationsRequestID').map(textOf)) if (r) requestIds.add(r);
    const startText = childText(s, 'ActualStartTime');
    const endText = childText(s, 'ActualEndTime');
    const start = startText === undefined ? undefined : isoTime(startText);
    const end = endText === undefined ? undefined : isoTime(endText);
    if (startText !== undefined && !start)
      problem(
        `${where}/ActualStartTime`,
        startText,
        'not a date and time with its offset, e.g. 2026-12-05T08:00:00Z or 2026-12-05T09:00:00+01:00',
      );
    if (endText !== undefined && !end)
      problem(`${where}/ActualEndTime`, endText, 'not a date and time with its offset, e.g. 2026-12-05T10:30:00Z');
    if (start && end && end < start) problem(`${where}/ActualEndTime`, endText ?? '', `the segment ends before it starts (${startText})`);
    const equipment = child(s, 'EquipmentActual');
    const workcenter = equipment ? childText(equipment, 'EquipmentID') : undefined;
    const workOrder = childText(s, 'SegmentRequirementID') ?? childText(s, 'ProcessSegmentID');
    const state = childText(s, 'SegmentState');
    segments.push({
      id: sid,
      ref: where,
      ...(workOrder ? { workOrder } : {}),
      ...(workcenter ? { workcenter } : {}),
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
      ...(state ? { state } : {}),
    });
    for (const m of childrenOf(s, 'MaterialActual')) readMaterial(m, where);
    for (const c of childrenOf(s, 'SegmentResponseChild')) readSegment(c, `${where}/`);
  };
  for (const s of childrenOf(response, 'SegmentResponse')) readSegment(s, '');

  const requests = [...requestIds];
  if (requests.length === 0)
    problem('OperationsRequestID', '', 'the response names no OperationsRequestID (the manufacturing order the release sent)');
  else if (requests.length > 1)
    problem('OperationsRequestID', requests.join(', '), 'one response answers one order: send one OperationsResponse per order');
  const productCodes = [...new Set(produced.map((p) => p.code))];
  if (productCodes.length > 1)
    problem(
      'MaterialActual/MaterialDefinitionID',
      productCodes.join(', '),
      'the response produces more than one material; an order makes one product',
    );
  const lots = [...new Set(produced.flatMap((p) => (p.lot ? [p.lot] : [])))];
  if (lots.length > 1)
    problem(
      'MaterialActual/MaterialLotID',
      lots.join(', '),
      'the produced quantity is reported in several lots; send one response per finished lot',
    );
  const units = [...new Set(produced.flatMap((p) => (p.unit ? [p.unit] : [])))];
  if (problems.length > before || !id) return undefined;

  const state = childText(response, 'ResponseState');
  const workOrder = childText(response, 'SegmentRequirementID');
  const report: MesReport = {
    transactionId: id,
    moName: requests[0]!,
    ...(workOrder ? { workOrder } : {}),
    ...(state ? { state } : {}),
    complete: state !== undefined && COMPLETE_STATES.has(state),
    ...(productCodes[0] ? { productCode: productCodes[0] } : {}),
    producedQty: produced.reduce((sum, p) => sum + p.quantity, 0),
    ...(units[0] ? { unit: units[0] } : {}),
    ...(lots[0] ? { finishedLot: lots[0] } : {}),
    segments,
    consumed,
    scrap,
  };
  return { ref, report };
}
