/**
 * The MES's answers to a release: B2MML `AcknowledgeOperationsSchedule` (one answer per
 * OperationsRequest it names; `ResponseExpression actionCode="Rejected"` refuses, Accepted or
 * Modified acknowledges) and `ConfirmBOD` (answers a message by its BODID only; Rejected, or a
 * ChangeStatus code saying failure/error/rejected, refuses). Read through xml.ts in the B2MML
 * namespace only; a DOCTYPE is refused (no entity tricks), and so is any other document.
 */
import { DataValidationError, EtlError } from '../../core/errors.ts';
import { B2MML_NS, child, childrenOf, parseXmlTree, textOf, type XmlNode } from './xml.ts';

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

const ROOTS = ['AcknowledgeOperationsSchedule', 'ConfirmBOD'];

/** The document (in the B2MML namespace, no DOCTYPE), or an AcknowledgmentError saying what is wrong. */
function parse(xml: string): XmlNode {
  try {
    return parseXmlTree(xml, { namespace: B2MML_NS });
  } catch (err) {
    if (err instanceof DataValidationError) throw new AcknowledgmentError(err.message);
    throw err;
  }
}

/** The refusal in ResponseCriteria (actionCode Rejected, or a failure status code) and the words that came with it. */
function verdict(criteria: XmlNode[]): { rejected: boolean; words: string[] } {
  let rejected = false;
  const words: string[] = [];
  for (const c of criteria) {
    const code = child(c, 'ResponseExpression')?.attrs.actionCode?.trim();
    if (code && /^rejected$/i.test(code)) rejected = true;
    const status = child(c, 'ChangeStatus');
    const statusCode = textOf(child(status, 'Code'));
    if (statusCode && /reject|fail|error|refus/i.test(statusCode)) rejected = true;
    const expr = textOf(child(c, 'ResponseExpression'));
    if (expr) words.push(expr);
    for (const name of ['Description', 'ReasonCode', 'Reason'])
      for (const n of childrenOf(status, name)) if (textOf(n)) words.push(textOf(n)!);
  }
  return { rejected, words };
}

export function parseAcknowledgment(xml: string): Acknowledgment[] {
  const root = parse(xml);
  if (!ROOTS.includes(root.name))
    throw new AcknowledgmentError(`the root element is ${root.name}; an acknowledgment is ${ROOTS.join(' or ')}`);
  const at = textOf(child(root, 'ApplicationArea', 'CreationDateTime'));
  const data = child(root, 'DataArea');
  if (!data) throw new AcknowledgmentError(`${root.name} has no DataArea`);
  const base = (a: Omit<Acknowledgment, 'at'>): Acknowledgment => (at ? { ...a, at } : a);

  if (root.name === 'AcknowledgeOperationsSchedule') {
    const ack = child(data, 'Acknowledge');
    if (!ack) throw new AcknowledgmentError('AcknowledgeOperationsSchedule has no DataArea/Acknowledge');
    const messageId = textOf(child(ack, 'OriginalApplicationArea', 'BODID'));
    const { rejected, words } = verdict(childrenOf(ack, 'ResponseCriteria'));
    const requests = childrenOf(data, 'OperationsSchedule').flatMap((s) => childrenOf(s, 'OperationsRequest'));
    const out = requests.map((r) => {
      const moName = textOf(child(r, 'ID'));
      const own = childrenOf(r, 'Description')
        .map(textOf)
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

  const confirm = child(data, 'Confirm');
  if (!confirm) throw new AcknowledgmentError('ConfirmBOD has no DataArea/Confirm');
  const top = verdict(childrenOf(confirm, 'ResponseCriteria'));
  const topId = textOf(child(confirm, 'OriginalApplicationArea', 'BODID'));
  const out: Acknowledgment[] = [];
  for (const bod of childrenOf(data, 'BOD')) {
    const messageId = textOf(child(bod, 'OriginalApplicationArea', 'BODID')) ?? topId;
    if (!messageId) continue;
    const notes = [...childrenOf(bod, 'Description'), ...childrenOf(bod, 'Note')].map(textOf).filter((t): t is string => !!t);
    out.push(base({ messageId, accepted: !top.rejected, text: [...top.words, ...notes].join('; ') }));
  }
  if (out.length === 0 && topId) out.push(base({ messageId: topId, accepted: !top.rejected, text: top.words.join('; ') }));
  if (out.length === 0) throw new AcknowledgmentError('the ConfirmBOD names no message (OriginalApplicationArea/BODID)');
  return out;
}
