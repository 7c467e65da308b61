/**
 * B2MML Process / Change / Cancel OperationsSchedule documents (MESA B2MML V0701, namespace
 * http://www.mesa.org/xml/B2MML), element order as in B2MML-OperationsSchedule.xsd and
 * B2MML-Common.xsd. One OperationsSchedule with one OperationsRequest per message (ID = the MO
 * name, what the MES answers with). One SegmentRequirement per work order (its work center as
 * EquipmentRequirement, expected duration); the components consumed ride on the first segment,
 * the product made on the last (an order without work orders gets one segment named after it).
 */
import type { ReleaseContent, Verb } from './release.ts';
import { B2MML_NS } from './xml.ts';

export interface ScheduleMessage {
  verb: Verb;
  /** ApplicationArea/BODID: what an acknowledgment names */
  messageId: string;
  /** ApplicationArea/Sender/LogicalID */
  sender: string;
  createdAt: Date;
  content: ReleaseContent;
}

/** Text and attribute values escaped for XML 1.0; characters XML cannot carry are dropped. */
export function xmlEscape(value: string): string {
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

/** minutes → xsd:duration ('PT2H0M0S') */
export function isoDuration(minutes: number): string {
  const total = Math.max(0, Math.round(minutes * 60));
  return `PT${Math.floor(total / 3600)}H${Math.floor((total % 3600) / 60)}M${total % 60}S`;
}

const number = (n: number): string => String(Math.round(n * 1e6) / 1e6);

function el(name: string, value: string | null | undefined, indent: string): string {
  return value === null || value === undefined ? '' : `${indent}<${name}>${xmlEscape(value)}</${name}>\n`;
}

function material(
  id: string,
  code: string,
  name: string,
  use: 'Produced' | 'Consumed',
  qty: number,
  uom: string,
  lots: readonly string[],
  i: string,
): string {
  return (
    `${i}<MaterialRequirement>\n` +
    el('ID', id, `${i}  `) +
    el('MaterialDefinitionID', code, `${i}  `) +
    lots.map((lot) => el('MaterialLotID', lot, `${i}  `)).join('') +
    el('Description', name, `${i}  `) +
    el('MaterialUse', use, `${i}  `) +
    `${i}  <Quantity>\n` +
    el('QuantityString', number(qty), `${i}    `) +
    el('DataType', 'Amount', `${i}    `) +
    el('UnitOfMeasure', uom, `${i}    `) +
    `${i}  </Quantity>\n` +
    `${i}</MaterialRequirement>\n`
  );
}

function segments(c: ReleaseContent, i: string): string {
  const list = c.workOrders.length
    ? c.workOrders.map((w) => ({
        id: String(w.id),
        name: w.name,
        workcenter: w.workcenter as string | null,
        minutes: w.minutes as number | null,
      }))
    : [{ id: c.mo, name: c.product.name, workcenter: null, minutes: null }];
  return list
    .map((s, n) => {
      const consumed =
        n === 0
          ? c.components.map((m, k) => material(`C${k + 1}`, m.code, m.name, 'Consumed', m.qty, m.uom, m.lots, `${i}  `)).join('')
          : '';
      const produced = n === list.length - 1 ? material('P1', c.product.code, c.product.name, 'Produced', c.qty, c.uom, [], `${i}  `) : '';
      return (
        `${i}<SegmentRequirement>\n` +
        el('ID', s.id, `${i}  `) +
        el('Description', s.name, `${i}  `) +
        el('ProcessSegmentID', s.name, `${i}  `) +
        el('Duration', s.minutes === null ? null : isoDuration(s.minutes), `${i}  `) +
        el('OperationsDefinitionID', c.product.code, `${i}  `) +
        el('OperationsSegmentID', s.name, `${i}  `) +
        (s.workcenter
          ? `${i}  <EquipmentRequirement>\n` +
            el('ID', `${s.id}-equipment`, `${i}    `) +
            el('EquipmentID', s.workcenter, `${i}    `) +
            el('EquipmentLevel', 'WorkCenter', `${i}    `) +
            `${i}  </EquipmentRequirement>\n`
          : '') +
        consumed +
        produced +
        `${i}</SegmentRequirement>\n`
      );
    })
    .join('');
}

export function scheduleXml(m: ScheduleMessage): string {
  const c = m.content;
  const root = `${m.verb}OperationsSchedule`;
  const created = m.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  // Process asks for an acknowledgment always, Change for a response always; Cancel has no such attribute
  const verbElement =
    m.verb === 'Process' ? '<Process acknowledgeCode="Always"/>' : m.verb === 'Change' ? '<Change responseCode="Always"/>' : '<Cancel/>';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${root} xmlns="${B2MML_NS}" releaseID="0701">\n` +
    `  <ApplicationArea>\n` +
    `    <Sender>\n` +
    el('LogicalID', m.sender, '      ') +
    el('ConfirmationCode', 'Always', '      ') +
    `    </Sender>\n` +
    el('CreationDateTime', created, '    ') +
    el('BODID', m.messageId, '    ') +
    `  </ApplicationArea>\n` +
    `  <DataArea>\n` +
    `    ${verbElement}\n` +
    `    <OperationsSchedule>\n` +
    el('ID', c.mo, '      ') +
    `      <OperationsRequest>\n` +
    el('ID', c.mo, '        ') +
    el('Description', `${c.product.code} ${c.product.name}`, '        ') +
    el('StartTime', c.start, '        ') +
    el('EndTime', c.end, '        ') +
    el('OperationsType', 'Production', '        ') +
    el('RequestState', m.verb === 'Cancel' ? 'Cancelled' : 'Released', '        ') +
    segments(c, '        ') +
    `      </OperationsRequest>\n` +
    `    </OperationsSchedule>\n` +
    `  </DataArea>\n` +
    `</${root}>\n`
  );
}
