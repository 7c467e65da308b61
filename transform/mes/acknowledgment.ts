/**
 * The MES's answers to a release: B2MML `AcknowledgeOperationsSchedule` (one answer per
 * OperationsRequest it names; `ResponseExpression actionCode="Rejected"` refuses, Accepted or
 * Modified acknowledges) and `ConfirmBOD` (answers a message by its BODID only; Rejected, or a
 * ChangeStatus code saying failure/error/rejected, refuses). Parsed with a strict, namespace-aware
 * XML parser (saxes); a DOCTYPE is refused (no entity tricks), and so is any other document.
 */
import { SaxesParser } from 'saxes';
import { EtlError } from '../../core/errors.ts';

export interface Acknowledgment {
  /** ApplicationArea/BODID of the message answered (OriginalApplicationArea/BODID) */
  messageId?: string;
  /** OperationsRequest ID = the MO name */
  moName?: string;
  accepted: boolean;
  /** the MES's words (reason of a refusal, note), '' when none */
  text: string;
  /** ISO date-time of the answer (its ApplicationArea/CreationDateTime) */
  at?: string;
}

/** The file is not an acknowledgment mfg-etl understands: it says what was wrong. */
export class AcknowledgmentError extends EtlError {
  override readonly permanent = true;
}

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

const B2MML_NS = 'http://www.mesa.org/xml/B2MML';
const ROOTS = ['AcknowledgeOperationsSchedule', 'ConfirmBOD'];

function parse(xml: string): Node {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: Node[] = [];
  let root: Node | undefined;
  let failure: string | undefined;
  parser.on('error', (err) => {
    failure ??= err.message;
  });
  parser.on('doctype', () => {
    failure ??= 'a DOCTYPE is not accepted in MES answers';
  });
  parser.on('opentag', (tag) => {
    if (tag.uri && tag.uri !== B2MML_NS) failure ??= `element ${tag.name} is in namespace ${tag.uri}, expected ${B2MML_NS}`;
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) attrs[a.local] = a.value;
    const node: Node = { name: tag.local, attrs, children: [], text: '' };
    stack.at(-1)?.children.push(node);
    if (!root) root = node;
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
  } catch (err) {
    failure ??= (err as Error).message;
  }
  if (failure) throw new AcknowledgmentError(`not well-formed XML: ${failure}`);
  if (!root) throw new AcknowledgmentError('the file holds no XML element');
  return root;
}

const kids = (n: Node | undefined, name: string): Node[] => (n ? n.children.filter((c) => c.name === name) : []);
const kid = (n: Node | undefined, ...path: string[]): Node | undefined => {
  let cur = n;
  for (const p of path) cur = kids(cur, p)[0];
  return cur;
};
const text = (n: Node | undefined): string | undefined => {
  const t = n?.text.trim();
  return t ? t : undefined;
};

/** The refusal in ResponseCriteria (actionCode Rejected, or a failure status code) and the words that came with it. */
function verdict(criteria: Node[]): { rejected: boolean; words: string[] } {
  let rejected = false;
  const words: string[] = [];
  for (const c of criteria) {
    const code = kid(c, 'ResponseExpression')?.attrs.actionCode?.trim();
    if (code && /^rejected$/i.test(code)) rejected = true;
    const status = kid(c, 'ChangeStatus');
    const statusCode = text(kid(status, 'Code'));
    if (statusCode && /reject|fail|error|refus/i.test(statusCode)) rejected = true;
    const expr = text(kid(c, 'ResponseExpression'));
    if (expr) words.push(expr);
    for (const name of ['Description', 'ReasonCode', 'Reason']) for (const n of kids(status, name)) if (text(n)) words.push(text(n)!);
  }
  return { rejected, words };
}

export function parseAcknowledgment(xml: string): Acknowledgment[] {
  const root = parse(xml);
  if (!ROOTS.includes(root.name))
    throw new AcknowledgmentError(`the root element is ${root.name}; an acknowledgment is ${ROOTS.join(' or ')}`);
  const at = text(kid(root, 'ApplicationArea', 'CreationDateTime'));
  const data = kid(root, 'DataArea');
  if (!data) throw new AcknowledgmentError(`${root.name} has no DataArea`);
  const base = (a: Omit<Acknowledgment, 'at'>): Acknowledgment => (at ? { ...a, at } : a);

  if (root.name === 'AcknowledgeOperationsSchedule') {
    const ack = kid(data, 'Acknowledge');
    if (!ack) throw new AcknowledgmentError('AcknowledgeOperationsSchedule has no DataArea/Acknowledge');
    const messageId = text(kid(ack, 'OriginalApplicationArea', 'BODID'));
    const { rejected, words } = verdict(kids(ack, 'ResponseCriteria'));
    const requests = kids(data, 'OperationsSchedule').flatMap((s) => kids(s, 'OperationsRequest'));
    const out = requests.map((r) => {
      const moName = text(kid(r, 'ID'));
      const own = kids(r, 'Description')
        .map(text)
        .filter((t): t is string => !!t);
      return base({
        ...(messageId ? { messageId } : {}),
        ...(moName ? { moName } : {}),
        accepted: !rejected,
        text: [...words, ...own].join('; '),
      });
    });
    if (out.length === 0 && messageId) out.push(base({ messageId, accepted: !rejected, text: words.join('; ') }));
    if (out.every((a) => !a.messageId && !a.moName))
      throw new AcknowledgmentError('the acknowledgment names no message (OriginalApplicationArea/BODID) and no OperationsRequest ID');
    return out;
  }

  const confirm = kid(data, 'Confirm');
  if (!confirm) throw new AcknowledgmentError('ConfirmBOD has no DataArea/Confirm');
  const top = verdict(kids(confirm, 'ResponseCriteria'));
  const topId = text(kid(confirm, 'OriginalApplicationArea', 'BODID'));
  const out: Acknowledgment[] = [];
  for (const bod of kids(data, 'BOD')) {
    const messageId = text(kid(bod, 'OriginalApplicationArea', 'BODID')) ?? topId;
    if (!messageId) continue;
    const notes = [...kids(bod, 'Description'), ...kids(bod, 'Note')].map(text).filter((t): t is string => !!t);
    out.push(base({ messageId, accepted: !top.rejected, text: [...top.words, ...notes].join('; ') }));
  }
  if (out.length === 0 && topId) out.push(base({ messageId: topId, accepted: !top.rejected, text: top.words.join('; ') }));
  if (out.length === 0) throw new AcknowledgmentError('the ConfirmBOD names no message (OriginalApplicationArea/BODID)');
  return out;
}
