/**
 * A simulated MES: the shop floor side of the MES link, for the demo, the tests and commissioning.
 * It is an independent peer: it reads the B2MML messages mfg-etl writes (Process / Change /
 * CancelOperationsSchedule in `<outbox>/mes/`) with its own parser and writes its answers into
 * `<inbox>/mes/` the way a MES would, knowing nothing of mfg-etl's code.
 *
 * Per message not answered yet (by its ApplicationArea/BODID; a file without one by its name):
 * - an `AcknowledgeOperationsSchedule` (OriginalApplicationArea/BODID = the message's BODID, one
 *   OperationsRequest per request answered; `actionCode="Accepted"`, or `"Rejected"` with the
 *   reason in ChangeStatus/Description when told to refuse);
 * - for an accepted Process message, a `ProcessOperationsPerformance` reporting the run (now, or
 *   later through `report()`): OperationsResponse ID = a transaction id of this MES,
 *   OperationsRequestID = the order, ResponseState Completed (Running for a partial report that
 *   does not finish the order), one SegmentResponse per SegmentRequirement with actual start / end
 *   laid end to end from the order's planned start over the segment durations, the work center as
 *   EquipmentActual, the components Consumed one MaterialActual per lot, the product Produced with
 *   a finished lot, and optional scrap as MaterialUse Other / OtherValue "Scrap" with a
 *   ScrapReason property.
 * Element order follows MESA's B2MML V0701 schemas (B2MML-OperationsSchedule.xsd,
 * B2MML-OperationsPerformance.xsd, B2MML-OperationsPerformanceTypes.xsd, B2MML-Common.xsd).
 *
 * What it has answered is kept in a small JSON state file (default `<outbox>/mes/.simulated-mes.json`,
 * a dot file mfg-etl's folders ignore), so a second pass, or a second process, answers nothing twice.
 * Answer files are written under a temporary dot name in the same folder and renamed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { SaxesParser } from 'saxes';

export const B2MML_NAMESPACE = 'http://www.mesa.org/xml/B2MML';
const SCHEDULE_VERBS = ['Process', 'Change', 'Cancel'] as const;
export type ScheduleVerb = (typeof SCHEDULE_VERBS)[number];

// ---- what the MES reads ---------------------------------------------------------------------

export interface MaterialRequested {
  id: string;
  code: string;
  lots: string[];
  description?: string;
  use: string;
  qty: number;
  uom?: string;
}

export interface SegmentRequested {
  id: string;
  description?: string;
  processSegmentId: string;
  operationsDefinitionId: string;
  operationsSegmentId: string;
  /** minutes, when the segment has a Duration */
  minutes?: number;
  workcenter?: string;
  materials: MaterialRequested[];
}

export interface OrderRequested {
  /** OperationsRequest ID: the order (MO name) */
  id: string;
  description?: string;
  start?: string;
  end?: string;
  segments: SegmentRequested[];
}

export interface ScheduleMessage {
  verb: ScheduleVerb;
  /** ApplicationArea/BODID */
  messageId?: string;
  createdAt: string;
  sender?: string;
  scheduleId: string;
  orders: OrderRequested[];
}

/** The file is not an OperationsSchedule message this MES reads. */
export class ScheduleMessageError extends Error {}

interface XmlNode {
  name: string;
  uri: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

function parseTree(xml: string): XmlNode {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let failure: string | undefined;
  parser.on('error', (e) => {
    failure ??= e.message;
  });
  parser.on('doctype', () => {
    failure ??= 'a DOCTYPE is not accepted';
  });
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) attrs[a.local] = a.value;
    const node: XmlNode = { name: tag.local, uri: tag.uri, attrs, children: [], text: '' };
    stack.at(-1)?.children.push(node);
    root ??= node;
    stack.push(node);
  });
  parser.on('text', (t) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  });
  parser.on('cdata', (t) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  try {
    parser.write(xml).close();
  } catch (e) {
    failure ??= (e as Error).message;
  }
  if (failure || !root) throw new ScheduleMessageError(`not well-formed XML: ${(failure ?? 'no element').split('\n')[0]}`);
  return root;
}

const all = (n: XmlNode | undefined, name: string): XmlNode[] => (n ? n.children.filter((c) => c.name === name) : []);
const one = (n: XmlNode | undefined, ...names: string[]): XmlNode | undefined => {
  let cur = n;
  for (const name of names) cur = all(cur, name)[0];
  return cur;
};
const txt = (n: XmlNode | undefined): string | undefined => {
  const t = n?.text.trim();
  return t ? t : undefined;
};

/** xsd:duration (days, hours, minutes, seconds; no years or months) → minutes */
export function durationMinutes(value: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!m || value.trim() === 'P' || value.trim().endsWith('T')) return undefined;
  const [, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return d! * 1440 + h! * 60 + min! + s! / 60;
}

/** Reads a Process / Change / CancelOperationsSchedule document. */
export function parseScheduleMessage(xml: string): ScheduleMessage {
  const root = parseTree(xml);
  const verb = SCHEDULE_VERBS.find((v) => root.name === `${v}OperationsSchedule`);
  if (!verb) throw new ScheduleMessageError(`the root element is ${root.name}, not a Process/Change/CancelOperationsSchedule`);
  if (root.uri !== B2MML_NAMESPACE) throw new ScheduleMessageError(`${root.name} is not in the B2MML namespace ${B2MML_NAMESPACE}`);
  const area = one(root, 'ApplicationArea');
  const createdAt = txt(one(area, 'CreationDateTime'));
  if (!createdAt) throw new ScheduleMessageError('ApplicationArea/CreationDateTime is missing');
  const schedule = one(root, 'DataArea', 'OperationsSchedule');
  const scheduleId = txt(one(schedule, 'ID'));
  if (!schedule || !scheduleId) throw new ScheduleMessageError('DataArea/OperationsSchedule/ID is missing');
  const orders = all(schedule, 'OperationsRequest').map((r): OrderRequested => {
    const id = txt(one(r, 'ID'));
    if (!id) throw new ScheduleMessageError('an OperationsRequest has no ID');
    const segments = all(r, 'SegmentRequirement').map((s, i): SegmentRequested => {
      const sid = txt(one(s, 'ID')) ?? String(i + 1);
      const duration = txt(one(s, 'Duration'));
      const minutes = duration === undefined ? undefined : durationMinutes(duration);
      const workcenter = all(s, 'EquipmentRequirement')
        .map((e) => txt(one(e, 'EquipmentID')))
        .find((w) => w !== undefined);
      const materials = all(s, 'MaterialRequirement').map((m, k): MaterialRequested => {
        const code = txt(one(m, 'MaterialDefinitionID'));
        if (!code) throw new ScheduleMessageError(`material ${k + 1} of segment ${sid} of ${id} has no MaterialDefinitionID`);
        const quantity = one(m, 'Quantity');
        const qty = Number(txt(one(quantity, 'QuantityString')) ?? 'NaN');
        if (!Number.isFinite(qty)) throw new ScheduleMessageError(`material ${code} of ${id} has no numeric quantity`);
        const description = txt(one(m, 'Description'));
        const uom = txt(one(quantity, 'UnitOfMeasure'));
        return {
          id: txt(one(m, 'ID')) ?? `M${k + 1}`,
          code,
          lots: all(m, 'MaterialLotID')
            .map(txt)
            .filter((l): l is string => l !== undefined),
          use: txt(one(m, 'MaterialUse')) ?? '',
          qty,
          ...(description ? { description } : {}),
          ...(uom ? { uom } : {}),
        };
      });
      const description = txt(one(s, 'Description'));
      const processSegmentId = txt(one(s, 'ProcessSegmentID')) ?? sid;
      return {
        id: sid,
        processSegmentId,
        operationsDefinitionId: txt(one(s, 'OperationsDefinitionID')) ?? processSegmentId,
        operationsSegmentId: txt(one(s, 'OperationsSegmentID')) ?? processSegmentId,
        materials,
        ...(description ? { description } : {}),
        ...(minutes !== undefined ? { minutes } : {}),
        ...(workcenter ? { workcenter } : {}),
      };
    });
    const description = txt(one(r, 'Description'));
    const start = txt(one(r, 'StartTime'));
    const end = txt(one(r, 'EndTime'));
    return { id, segments, ...(description ? { description } : {}), ...(start ? { start } : {}), ...(end ? { end } : {}) };
  });
  if (orders.length === 0) throw new ScheduleMessageError('the OperationsSchedule has no OperationsRequest');
  const messageId = txt(one(area, 'BODID'));
  const sender = txt(one(area, 'Sender', 'LogicalID'));
  return { verb, createdAt, scheduleId, orders, ...(messageId ? { messageId } : {}), ...(sender ? { sender } : {}) };
}

// ---- what the MES writes --------------------------------------------------------------------

/** Text and attribute values escaped for XML 1.0; characters XML 1.0 cannot carry are dropped. */
export function escapeXml(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const num = (n: number): string => String(Math.round(n * 1e6) / 1e6);
const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** one element per line; undefined values leave the element out */
function el(name: string, value: string | undefined, indent: string, attrs = ''): string {
  return value === undefined ? '' : `${indent}<${name}${attrs}>${escapeXml(value)}</${name}>\n`;
}

function applicationArea(sender: string, at: Date, bodId: string, i: string): string {
  return (
    `${i}<ApplicationArea>\n` +
    `${i}  <Sender>\n` +
    el('LogicalID', sender, `${i}    `) +
    `${i}  </Sender>\n` +
    el('CreationDateTime', isoSeconds(at), `${i}  `) +
    el('BODID', bodId, `${i}  `) +
    `${i}</ApplicationArea>\n`
  );
}

export interface AcknowledgmentInput {
  message: ScheduleMessage;
  /** the answer's own BODID */
  bodId: string;
  sender: string;
  at: Date;
  /** undefined: accepted; a reason: refused */
  refusal?: string;
}

/** AcknowledgeOperationsSchedule answering every OperationsRequest of the message. */
export function acknowledgmentXml(a: AcknowledgmentInput): string {
  const m = a.message;
  const original =
    `      <OriginalApplicationArea>\n` +
    (m.sender ? `        <Sender>\n${el('LogicalID', m.sender, '          ')}        </Sender>\n` : '') +
    el('CreationDateTime', m.createdAt, '        ') +
    el('BODID', m.messageId, '        ') +
    `      </OriginalApplicationArea>\n`;
  const criteria =
    `      <ResponseCriteria>\n` +
    `        <ResponseExpression actionCode="${a.refusal === undefined ? 'Accepted' : 'Rejected'}"/>\n` +
    (a.refusal === undefined
      ? ''
      : `        <ChangeStatus>\n` +
        el('Code', 'Rejected', '          ') +
        el('Description', a.refusal, '          ') +
        `        </ChangeStatus>\n`) +
    `      </ResponseCriteria>\n`;
  // the schema wants each request with at least one segment requirement: echo their identifiers
  const requests = m.orders
    .map(
      (o) =>
        `      <OperationsRequest>\n` +
        el('ID', o.id, '        ') +
        el('RequestState', a.refusal === undefined ? (m.verb === 'Cancel' ? 'Cancelled' : 'Released') : undefined, '        ') +
        (o.segments.length ? o.segments : [undefined])
          .map(
            (s) =>
              `        <SegmentRequirement>\n` +
              el('ID', s?.id ?? o.id, '          ') +
              el('ProcessSegmentID', s?.processSegmentId ?? o.id, '          ') +
              el('OperationsDefinitionID', s?.operationsDefinitionId ?? o.id, '          ') +
              el('OperationsSegmentID', s?.operationsSegmentId ?? o.id, '          ') +
              `        </SegmentRequirement>\n`,
          )
          .join('') +
        `      </OperationsRequest>\n`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<AcknowledgeOperationsSchedule xmlns="${B2MML_NAMESPACE}" releaseID="0701">\n` +
    applicationArea(a.sender, a.at, a.bodId, '  ') +
    `  <DataArea>\n` +
    `    <Acknowledge>\n` +
    original +
    criteria +
    `    </Acknowledge>\n` +
    `    <OperationsSchedule>\n` +
    el('ID', m.scheduleId, '      ') +
    requests +
    `    </OperationsSchedule>\n` +
    `  </DataArea>\n` +
    `</AcknowledgeOperationsSchedule>\n`
  );
}

export interface RunOptions {
  /** share of the ordered quantity produced (default 1) */
  producedFraction?: number;
  /** the order is finished on the floor (ResponseState Completed; default true), else Running */
  complete?: boolean;
  /** consumption = BoM share × this (default 1): above or below 1 makes a consumption difference */
  consumptionFactor?: number;
  /** scrap reported beside the produced quantity (default: the product, with the finished lot) */
  scrap?: { qty: number; reason: string; code?: string };
  /** the finished lot; false: none (the product is not lot-tracked). Default `<MO name>-L<n>` */
  finishedLot?: string | false;
}

export interface PerformanceInput extends RunOptions {
  order: OrderRequested;
  transactionId: string;
  bodId: string;
  sender: string;
  at: Date;
}

export interface SegmentRun {
  segment: SegmentRequested;
  start: Date;
  end: Date;
}

/**
 * Segments laid end to end from the planned start: each lasts its Duration, else an equal share of
 * the planned window, else 60 min. A run reported at `reportedAt` cannot end after it: when the
 * plan would, the run is moved back to end then (the floor started early).
 */
export function segmentRuns(order: OrderRequested, reportedAt: Date): SegmentRun[] {
  const planned = order.start && !Number.isNaN(Date.parse(order.start)) ? Date.parse(order.start) : undefined;
  const endMs = order.end && !Number.isNaN(Date.parse(order.end)) ? Date.parse(order.end) : undefined;
  const known = order.segments.reduce((sum, s) => sum + (s.minutes ?? 0), 0);
  const unknown = order.segments.filter((s) => s.minutes === undefined).length;
  const share =
    unknown && planned !== undefined && endMs !== undefined && endMs - planned > known * 60_000
      ? (endMs - planned - known * 60_000) / 60_000 / unknown
      : 60;
  const total = Math.round((known + unknown * share) * 60_000);
  const latest = reportedAt.getTime() - total;
  let at = planned === undefined ? latest : Math.min(planned, latest);
  return order.segments.map((segment) => {
    const start = new Date(at);
    at += Math.round((segment.minutes ?? share) * 60_000);
    return { segment, start, end: new Date(at) };
  });
}

const CONSUMED = new Set(['Consumed', 'Consumable', 'Material Consumed']);
const PRODUCED = new Set(['Produced', 'Material Produced', 'Yield Produced']);

/** quantity split over lots: equal shares, the last lot takes what rounding leaves */
function perLot(qty: number, lots: readonly string[]): Array<{ lot?: string; qty: number }> {
  if (lots.length <= 1) return [{ ...(lots[0] ? { lot: lots[0] } : {}), qty }];
  const share = Math.round((qty / lots.length) * 1e6) / 1e6;
  return lots.map((lot, i) => ({ lot, qty: i === lots.length - 1 ? Math.round((qty - share * (lots.length - 1)) * 1e6) / 1e6 : share }));
}

function materialActual(
  m: {
    id: string;
    code: string;
    lot?: string;
    description?: string;
    use: 'Consumed' | 'Produced' | 'Scrap';
    qty: number;
    uom?: string;
    reason?: string;
  },
  i: string,
): string {
  const use = m.use === 'Scrap' ? `${i}  <MaterialUse OtherValue="Scrap">Other</MaterialUse>\n` : el('MaterialUse', m.use, `${i}  `);
  return (
    `${i}<MaterialActual>\n` +
    el('ID', m.id, `${i}  `) +
    el('MaterialDefinitionID', m.code, `${i}  `) +
    el('MaterialLotID', m.lot, `${i}  `) +
    el('Description', m.description, `${i}  `) +
    use +
    `${i}  <Quantity>\n` +
    el('QuantityString', num(m.qty), `${i}    `) +
    el('DataType', 'Amount', `${i}    `) +
    el('UnitOfMeasure', m.uom, `${i}    `) +
    `${i}  </Quantity>\n` +
    (m.reason === undefined
      ? ''
      : `${i}  <MaterialActualProperty>\n` +
        el('ID', 'ScrapReason', `${i}    `) +
        `${i}    <Value>\n` +
        el('ValueString', m.reason, `${i}      `) +
        el('DataType', 'Text', `${i}      `) +
        `${i}    </Value>\n` +
        `${i}  </MaterialActualProperty>\n`) +
    `${i}</MaterialActual>\n`
  );
}

/** What a performance report says, for people (the demo prints it). */
export interface PerformanceSummary {
  transactionId: string;
  order: string;
  state: 'Completed' | 'Running';
  product?: string;
  produced: number;
  uom?: string;
  finishedLot?: string;
  consumed: Array<{ code: string; lot?: string; qty: number }>;
  scrap?: { code: string; qty: number; reason: string };
  segments: Array<{ id: string; workcenter?: string; start: string; end: string }>;
}

/** ProcessOperationsPerformance: one OperationsResponse (one MES transaction) for one order. */
export function performanceXml(p: PerformanceInput): { xml: string; summary: PerformanceSummary } {
  const o = p.order;
  const fraction = p.producedFraction ?? 1;
  const factor = p.consumptionFactor ?? 1;
  const state = (p.complete ?? true) ? 'Completed' : 'Running';
  const runs = segmentRuns(o, p.at);
  const productReq = o.segments.flatMap((s) => s.materials.filter((m) => PRODUCED.has(m.use)))[0];
  const lot = p.finishedLot === false ? undefined : p.finishedLot;
  const summary: PerformanceSummary = {
    transactionId: p.transactionId,
    order: o.id,
    state,
    produced: 0,
    consumed: [],
    segments: [],
  };
  const i = '        ';
  const segmentsXml = runs
    .map(({ segment: s, start, end }, n) => {
      summary.segments.push({
        id: s.id,
        ...(s.workcenter ? { workcenter: s.workcenter } : {}),
        start: isoSeconds(start),
        end: isoSeconds(end),
      });
      const materials: string[] = [];
      for (const m of s.materials) {
        if (CONSUMED.has(m.use)) {
          for (const [k, part] of perLot(m.qty * fraction * factor, m.lots).entries()) {
            materials.push(
              materialActual(
                {
                  id: `${m.id}-${k + 1}`,
                  code: m.code,
                  use: 'Consumed',
                  qty: part.qty,
                  ...(part.lot ? { lot: part.lot } : {}),
                  ...(m.uom ? { uom: m.uom } : {}),
                },
                `${i}  `,
              ),
            );
            summary.consumed.push({ code: m.code, qty: part.qty, ...(part.lot ? { lot: part.lot } : {}) });
          }
        } else if (PRODUCED.has(m.use)) {
          const qty = Math.round(m.qty * fraction * 1e6) / 1e6;
          materials.push(
            materialActual(
              { id: m.id, code: m.code, use: 'Produced', qty, ...(lot ? { lot } : {}), ...(m.uom ? { uom: m.uom } : {}) },
              `${i}  `,
            ),
          );
          Object.assign(summary, {
            product: m.code,
            produced: qty,
            ...(m.uom ? { uom: m.uom } : {}),
            ...(lot ? { finishedLot: lot } : {}),
          });
        }
      }
      if (p.scrap && n === runs.length - 1) {
        const code = p.scrap.code ?? productReq?.code;
        if (code) {
          const ofProduct = code === productReq?.code;
          const uom = ofProduct ? productReq?.uom : o.segments.flatMap((x) => x.materials).find((m) => m.code === code)?.uom;
          materials.push(
            materialActual(
              {
                id: 'S1',
                code,
                use: 'Scrap',
                qty: p.scrap.qty,
                reason: p.scrap.reason,
                ...(ofProduct && lot ? { lot } : {}),
                ...(uom ? { uom } : {}),
              },
              `${i}  `,
            ),
          );
          summary.scrap = { code, qty: p.scrap.qty, reason: p.scrap.reason };
        }
      }
      return (
        `${i}<SegmentResponse>\n` +
        el('ID', `${p.transactionId}-${n + 1}`, `${i}  `) +
        el('Description', s.description, `${i}  `) +
        el('ActualStartTime', isoSeconds(start), `${i}  `) +
        el('ActualEndTime', isoSeconds(end), `${i}  `) +
        el('OperationsType', 'Production', `${i}  `) +
        el('ProcessSegmentID', s.processSegmentId, `${i}  `) +
        el('SegmentRequirementID', s.id, `${i}  `) +
        el('OperationsDefinitionID', s.operationsDefinitionId, `${i}  `) +
        el('OperationsSegmentID', s.operationsSegmentId, `${i}  `) +
        el('SegmentState', state, `${i}  `) +
        (s.workcenter
          ? `${i}  <EquipmentActual>\n` +
            el('ID', `${p.transactionId}-${n + 1}-equipment`, `${i}    `) +
            el('EquipmentID', s.workcenter, `${i}    `) +
            el('EquipmentUse', 'Production', `${i}    `) +
            `${i}  </EquipmentActual>\n`
          : '') +
        materials.join('') +
        `${i}</SegmentResponse>\n`
      );
    })
    .join('');
  const first = runs[0]?.start;
  const last = runs.at(-1)?.end;
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ProcessOperationsPerformance xmlns="${B2MML_NAMESPACE}" releaseID="0701">\n` +
    applicationArea(p.sender, p.at, p.bodId, '  ') +
    `  <DataArea>\n` +
    `    <Process/>\n` +
    `    <OperationsPerformance>\n` +
    el('ID', p.transactionId, '      ') +
    el('PublishedDate', isoSeconds(p.at), '      ') +
    el('OperationsType', 'Production', '      ') +
    el('PerformanceState', state, '      ') +
    `      <OperationsResponse>\n` +
    el('ID', p.transactionId, '        ') +
    el('StartTime', first && isoSeconds(first), '        ') +
    el('EndTime', last && isoSeconds(last), '        ') +
    el('OperationsType', 'Production', '        ') +
    el('OperationsRequestID', o.id, '        ') +
    el('ResponseState', state, '        ') +
    segmentsXml +
    `      </OperationsResponse>\n` +
    `    </OperationsPerformance>\n` +
    `  </DataArea>\n` +
    `</ProcessOperationsPerformance>\n`;
  return { xml, summary };
}

// ---- the MES at work ------------------------------------------------------------------------

export interface SimulatedMesOptions extends RunOptions {
  /** where mfg-etl writes its messages: `<outbox>/mes` */
  outboxDir: string;
  /** where the answers go: `<inbox>/mes` */
  inboxDir: string;
  /** refuse releases: a reason for all of them, or per order (undefined: accept) */
  refuse?: string | ((order: OrderRequested, message: ScheduleMessage) => string | undefined);
  /** 'now' (default): the performance follows the acknowledgment of a Process; 'later': call report() */
  report?: 'now' | 'later';
  /** ApplicationArea/Sender/LogicalID of the answers (default simulated-mes) */
  sender?: string;
  /** default `<outboxDir>/.simulated-mes.json` */
  stateFile?: string;
  /** the clock (the demo and tests pin it) */
  now?: () => Date;
}

export interface ExchangedFile {
  path: string;
  direction: 'read' | 'written';
  /** Process, Change, Cancel (read); Acknowledge, Performance (written) */
  verb: string;
  order: string;
  /** one line for people */
  gist: string;
}

export interface MesPass {
  files: ExchangedFile[];
  acknowledged: string[];
  refused: Array<{ order: string; reason: string }>;
  reports: PerformanceSummary[];
  /** files that are not messages this MES reads (each once) */
  skipped: Array<{ file: string; reason: string }>;
}

interface MesState {
  seq: number;
  /** BODID (or `file:<name>`) → answer file name(s) */
  answered: Record<string, string[]>;
  /** order → latest accepted request, and whether its run was reported */
  orders: Record<string, { request: OrderRequested; reported: number; cancelled?: boolean; pending?: boolean }>;
}

const SAFE_NAME = /[^A-Za-z0-9_.-]/g;

/** Writes `data` as `<dir>/<name>` under a temporary dot name first, then renames (the reader never sees half a file). */
async function writeAtomically(dir: string, name: string, data: string): Promise<string> {
  const final = path.join(dir, name);
  const temp = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(temp, 'wx', 0o640);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(temp, final);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return final;
}

export class SimulatedMes {
  readonly #o: SimulatedMesOptions;
  readonly #now: () => Date;
  #state: MesState | undefined;

  constructor(options: SimulatedMesOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  get #stateFile(): string {
    return this.#o.stateFile ?? path.join(this.#o.outboxDir, '.simulated-mes.json');
  }

  /** read fresh at the start of every public call: another simulator may share the folders */
  async #load(fresh = false): Promise<MesState> {
    if (this.#state && !fresh) return this.#state;
    try {
      this.#state = JSON.parse(await readFile(this.#stateFile, 'utf8')) as MesState;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.#state = { seq: 0, answered: {}, orders: {} };
    }
    return this.#state;
  }

  async #save(): Promise<void> {
    const file = this.#stateFile;
    await mkdir(path.dirname(file), { recursive: true });
    await writeAtomically(path.dirname(file), path.basename(file), JSON.stringify(this.#state, null, 1));
  }

  async #inbox(): Promise<string> {
    await mkdir(this.#o.inboxDir, { recursive: true });
    return realpath(this.#o.inboxDir);
  }

  async #write(kind: 'Acknowledge' | 'Performance', order: string, xml: string): Promise<string> {
    const state = await this.#load();
    state.seq += 1;
    const stamp = this.#now()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.(\d{3})Z$/, '$1');
    const name = `${stamp}-${String(state.seq).padStart(6, '0')}-${kind}-${order.replace(SAFE_NAME, '_').slice(0, 120)}.xml`;
    return writeAtomically(await this.#inbox(), name, xml);
  }

  /** Answers every message in the outbox folder not answered yet (in file name order: write order). */
  async poll(): Promise<MesPass> {
    const state = await this.#load(true);
    const pass: MesPass = { files: [], acknowledged: [], refused: [], reports: [], skipped: [] };
    let names: string[];
    try {
      names = (await readdir(this.#o.outboxDir)).filter((n) => n.endsWith('.xml') && !n.startsWith('.')).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return pass;
      throw e;
    }
    const sender = this.#o.sender ?? 'simulated-mes';
    for (const name of names) {
      if (state.answered[`file:${name}`]) continue;
      const file = path.join(this.#o.outboxDir, name);
      let message: ScheduleMessage;
      try {
        message = parseScheduleMessage(await readFile(file, 'utf8'));
      } catch (e) {
        if (!(e instanceof ScheduleMessageError)) throw e;
        pass.skipped.push({ file, reason: e.message });
        state.answered[`file:${name}`] = [];
        continue;
      }
      const key = message.messageId ?? `file:${name}`;
      if (state.answered[key]) {
        state.answered[`file:${name}`] = state.answered[key];
        continue;
      }
      const written: string[] = [];
      for (const order of message.orders) {
        pass.files.push({ path: file, direction: 'read', verb: message.verb, order: order.id, gist: requestGist(message.verb, order) });
        const refusal = typeof this.#o.refuse === 'function' ? this.#o.refuse(order, message) : this.#o.refuse;
        const single = { ...message, orders: [order] };
        const at = this.#now();
        const ackId = `ack-${message.messageId ?? name}${message.orders.length > 1 ? `-${order.id}` : ''}`;
        const ack = await this.#write(
          'Acknowledge',
          order.id,
          acknowledgmentXml({ message: single, bodId: ackId, sender, at, ...(refusal !== undefined ? { refusal } : {}) }),
        );
        written.push(path.basename(ack));
        pass.files.push({
          path: ack,
          direction: 'written',
          verb: 'Acknowledge',
          order: order.id,
          gist: refusal === undefined ? `${message.verb} of ${order.id} accepted` : `${message.verb} of ${order.id} refused: ${refusal}`,
        });
        if (refusal !== undefined) {
          pass.refused.push({ order: order.id, reason: refusal });
          continue;
        }
        pass.acknowledged.push(order.id);
        const known = state.orders[order.id];
        if (message.verb === 'Cancel') {
          if (known) Object.assign(known, { cancelled: true, pending: false });
          continue;
        }
        // a Change updates what a later report runs; a Process (again) reopens the order
        if (message.verb === 'Process') state.orders[order.id] = { request: order, reported: known?.reported ?? 0, pending: true };
        else if (known) known.request = order;
        else state.orders[order.id] = { request: order, reported: 0, pending: true };
        if (message.verb === 'Process' && (this.#o.report ?? 'now') === 'now') {
          const r = await this.#report(order.id, {});
          written.push(path.basename(r.file.path));
          pass.files.push(r.file);
          pass.reports.push(r.summary);
        }
      }
      state.answered[key] = written;
      state.answered[`file:${name}`] = written;
      await this.#save();
    }
    await this.#save();
    return pass;
  }

  /** Orders accepted whose run has not been reported yet. */
  async pending(): Promise<string[]> {
    const state = await this.#load(true);
    return Object.entries(state.orders)
      .filter(([, o]) => o.pending && !o.cancelled)
      .map(([id]) => id);
  }

  /** Reports the run of an accepted order (the latest request the MES accepted for it); each call is a new transaction. */
  async report(order: string, options: RunOptions = {}): Promise<{ file: ExchangedFile; summary: PerformanceSummary }> {
    await this.#load(true);
    const r = await this.#report(order, options);
    await this.#save();
    return r;
  }

  async #report(order: string, options: RunOptions): Promise<{ file: ExchangedFile; summary: PerformanceSummary }> {
    const state = await this.#load();
    const known = state.orders[order];
    if (!known || known.cancelled) throw new Error(`the simulated MES has no ${known ? 'open' : 'accepted'} order ${order} to report`);
    known.reported += 1;
    const transactionId = `TX-${order.replace(/\s+/g, '_')}-${known.reported}`;
    const run = { ...this.#o, ...options };
    const finishedLot =
      run.finishedLot === false
        ? false
        : (run.finishedLot ?? `${order.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}-L${known.reported}`);
    const { xml, summary } = performanceXml({
      order: known.request,
      transactionId,
      bodId: `perf-${transactionId}`,
      sender: this.#o.sender ?? 'simulated-mes',
      at: this.#now(),
      ...(run.producedFraction !== undefined ? { producedFraction: run.producedFraction } : {}),
      ...(run.complete !== undefined ? { complete: run.complete } : {}),
      ...(run.consumptionFactor !== undefined ? { consumptionFactor: run.consumptionFactor } : {}),
      ...(run.scrap ? { scrap: run.scrap } : {}),
      finishedLot,
    });
    if (summary.state === 'Completed') known.pending = false;
    const file = await this.#write('Performance', order, xml);
    const gist =
      `${transactionId}: ${summary.state} ${num(summary.produced)}${summary.uom ? ` ${summary.uom}` : ''} ${summary.product ?? ''}` +
      `${summary.finishedLot ? ` lot ${summary.finishedLot}` : ''}, ${summary.consumed.length} consumption line(s)` +
      `${summary.scrap ? `, scrap ${num(summary.scrap.qty)} (${summary.scrap.reason})` : ''}`;
    return { file: { path: file, direction: 'written', verb: 'Performance', order, gist }, summary };
  }
}

function requestGist(verb: ScheduleVerb, o: OrderRequested): string {
  const product = o.segments.flatMap((s) => s.materials).find((m) => PRODUCED.has(m.use));
  const components = new Set(o.segments.flatMap((s) => s.materials.filter((m) => CONSUMED.has(m.use)).map((m) => m.code))).size;
  if (verb === 'Cancel') return `Cancel ${o.id}`;
  return (
    `${verb} ${o.id}: ${product ? `${num(product.qty)}${product.uom ? ` ${product.uom}` : ''} ${product.code}` : 'no product'}, ` +
    `${o.segments.length} segment(s), ${components} component(s)`
  );
}
