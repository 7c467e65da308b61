/**
 * XML-RPC on the server side: a small parser for `<methodCall>` (strings, CDATA, entities,
 * every value type) and a writer that reproduces CPython's `xmlrpc.client` marshaller byte for
 * byte (one element per line, `<?xml version="1.0"?>`, floats as repr), as Odoo answers.
 */
import { PyFloat, pyFloatRepr } from './py.ts';

interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

export class XmlRpcParseError extends Error {}

function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#root', children: [], text: '' };
  const stack: XmlNode[] = [root];
  const token =
    /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/\s*([\w.:-]+)\s*>|<([\w.:-]+)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(xml)) !== null) {
    if (match.index !== consumed) throw new XmlRpcParseError(`not well-formed (invalid token) at ${consumed}`);
    consumed = token.lastIndex;
    const top = stack[stack.length - 1] as XmlNode;
    if (match[1] !== undefined) top.text += match[1];
    else if (match[2] !== undefined) {
      if (top.name !== match[2]) throw new XmlRpcParseError(`mismatched tag: </${match[2]}> closes <${top.name}>`);
      stack.pop();
    } else if (match[3] !== undefined) {
      const node: XmlNode = { name: match[3], children: [], text: '' };
      top.children.push(node);
      if (match[5] !== '/') stack.push(node);
    } else if (match[6] !== undefined) top.text += decodeEntities(match[6]);
  }
  if (consumed !== xml.length || stack.length !== 1) throw new XmlRpcParseError('no element found');
  return root;
}

function child(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

function parseValue(value: XmlNode): unknown {
  const typed = value.children[0];
  if (!typed) return value.text; // untyped value = string
  switch (typed.name) {
    case 'string':
      return typed.text;
    case 'int':
    case 'i4':
    case 'i8':
      return parseInt(typed.text.trim(), 10);
    case 'double':
      return parseFloat(typed.text.trim());
    case 'boolean':
      return typed.text.trim() === '1';
    case 'nil':
      return null;
    case 'dateTime.iso8601': {
      // Odoo stores what Python's DateTime gives: 'YYYY-MM-DD HH:MM:SS'
      const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})/.exec(typed.text.trim());
      return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}` : typed.text.trim();
    }
    case 'base64':
      return Buffer.from(typed.text.trim(), 'base64').toString('utf8');
    case 'array':
      return (child(typed, 'data')?.children ?? []).filter((c) => c.name === 'value').map(parseValue);
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const member of typed.children.filter((c) => c.name === 'member')) {
        const name = child(member, 'name')?.text ?? '';
        const v = child(member, 'value');
        out[name] = v ? parseValue(v) : '';
      }
      return out;
    }
    default:
      throw new XmlRpcParseError(`unknown value type <${typed.name}>`);
  }
}

/** Values arrive as plain JS values (the store knows which fields are floats). */
export function parseMethodCall(xml: string): { method: string; params: unknown[] } {
  const root = parseXml(xml);
  const call = child(root, 'methodCall');
  if (!call) throw new XmlRpcParseError('not a methodCall');
  const method = child(call, 'methodName')?.text.trim() ?? '';
  const params = (child(call, 'params')?.children ?? [])
    .filter((p) => p.name === 'param')
    .map((p) => {
      const v = child(p, 'value');
      return v ? parseValue(v) : null;
    });
  return { method, params };
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** CPython's Marshaller.__dump for one value. Odoo refuses None (allow_none=False). */
function dump(value: unknown, out: string[]): void {
  if (value instanceof PyFloat) {
    out.push(`<value><double>${pyFloatRepr(value.value)}</double></value>\n`);
  } else if (typeof value === 'boolean') {
    out.push(`<value><boolean>${value ? 1 : 0}</boolean></value>\n`);
  } else if (typeof value === 'number') {
    out.push(Number.isInteger(value) ? `<value><int>${value}</int></value>\n` : `<value><double>${pyFloatRepr(value)}</double></value>\n`);
  } else if (typeof value === 'string') {
    out.push(`<value><string>${escape(value)}</string></value>\n`);
  } else if (value instanceof Unmarshallable) {
    throw new TypeError(`cannot marshal <class '${value.pyType}'> objects`);
  } else if (Array.isArray(value)) {
    out.push('<value><array><data>\n');
    for (const item of value) dump(item, out);
    out.push('</data></array></value>\n');
  } else if (value && typeof value === 'object') {
    out.push('<value><struct>\n');
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === undefined) continue;
      out.push('<member>\n', `<name>${escape(key)}</name>\n`);
      dump(item, out);
      out.push('</member>\n');
    }
    out.push('</struct></value>\n');
  } else {
    throw new TypeError('cannot marshal None unless allow_none is enabled');
  }
}

/** A Python object the marshaller cannot send (18's stock.lot.create answers a recordset, 041). */
export class Unmarshallable {
  constructor(readonly pyType: string) {}
}

export function dumpResponse(value: unknown): string {
  const out: string[] = ['<?xml version="1.0"?>\n<methodResponse>\n<params>\n<param>\n'];
  dump(value, out);
  out.push('</param>\n</params>\n\n</methodResponse>\n');
  return out.join('');
}

export function dumpFault(faultCode: number | string, faultString: string): string {
  const out: string[] = ['<?xml version="1.0"?>\n<methodResponse>\n<fault>\n'];
  dump({ faultCode, faultString }, out);
  out.push('</fault>\n\n</methodResponse>\n');
  return out.join('');
}
