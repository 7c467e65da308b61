/**
 * B2MML documents from the MES as a tree of local element names, read with saxes (a conforming,
 * namespace-aware XML parser). A DOCTYPE is refused (no entity declarations, so no entity tricks);
 * with `namespace` given, an element in another namespace is refused too. Acknowledgments and
 * production reports are both read through here.
 */
import { SaxesParser } from 'saxes';
import { DataValidationError } from '../../core/errors.ts';

export const B2MML_NS = 'http://www.mesa.org/xml/B2MML';

export interface XmlNode {
  /** the local name (no prefix) */
  name: string;
  /** attributes by local name */
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** The document's root element; what is wrong with a file that is not a usable XML document is a DataValidationError. */
export function parseXmlTree(xml: string, options: { namespace?: string } = {}): XmlNode {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let failure: { code: string; message: string } | undefined;
  const fail = (code: string, message: string) => (failure ??= { code, message });
  parser.on('error', (err) =>
    fail('not_xml', `the file is not well-formed XML (${err.message.split('\n')[0]}); ask the MES to send it again`),
  );
  parser.on('doctype', () =>
    fail('doctype', 'the file declares a DOCTYPE, which MES files may not carry (entity declarations): ask the MES to send plain B2MML'),
  );
  parser.on('opentag', (tag) => {
    if (options.namespace !== undefined && tag.uri !== options.namespace)
      fail('namespace', `element ${tag.name} is in namespace ${tag.uri || '(none)'}; B2MML documents use ${options.namespace}`);
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) attrs[a.local] = a.value;
    const node: XmlNode = { name: tag.local ?? tag.name, attrs, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent) parent.children.push(node);
    else root = node;
    stack.push(node);
  });
  const addText = (t: string) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    stack.pop();
  });
  try {
    parser.write(xml).close();
  } catch (err) {
    fail('not_xml', `the file is not well-formed XML (${(err as Error).message.split('\n')[0]}); ask the MES to send it again`);
  }
  if (!failure && !root) fail('not_xml', 'the file is not well-formed XML (no root element); ask the MES to send it again');
  if (failure) throw new DataValidationError(failure.message, { context: { code: failure.code } });
  return root!;
}

export const childrenOf = (n: XmlNode | undefined, name: string): XmlNode[] => (n ? n.children.filter((c) => c.name === name) : []);
/** the first child of that name, following a path of names */
export const child = (n: XmlNode | undefined, ...path: string[]): XmlNode | undefined => {
  let cur = n;
  for (const name of path) cur = childrenOf(cur, name)[0];
  return cur;
};
/** trimmed text, undefined when empty */
export const textOf = (n: XmlNode | undefined): string | undefined => n?.text.trim() || undefined;
export const childText = (n: XmlNode | undefined, ...path: string[]): string | undefined => textOf(child(n, ...path));
