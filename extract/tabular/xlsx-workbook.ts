/**
 * The sheet list of a workbook, read from xl/workbook.xml and its relationships (already
 * inflated and checked by the zip guard): names, visibility and the part holding each sheet.
 * Needed because the streaming reader only learns names as it goes, and cannot skip hidden sheets.
 */
import { TabularFormatError } from './errors.ts';

export interface SheetInfo {
  name: string;
  state: 'visible' | 'hidden' | 'veryHidden';
  /** zip path of the worksheet part, e.g. "xl/worksheets/sheet1.xml" */
  path: string;
}

const TAG = (name: string): RegExp => new RegExp(`<(?:[\\w.-]+:)?${name}\\b([^>]*)>`, 'g');
const ATTRIBUTE = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, ref: string) => {
    const lower = ref.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower] ?? '';
  });
}

function attributes(source: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of source.matchAll(ATTRIBUTE)) out.set(m[1]!, decodeXml(m[2] ?? m[3] ?? ''));
  return out;
}

export function listSheets(workbookXml: string, relsXml: string): SheetInfo[] {
  const targets = new Map<string, string>();
  for (const m of relsXml.matchAll(TAG('Relationship'))) {
    const a = attributes(m[1]!);
    const id = a.get('Id');
    const target = a.get('Target');
    // chart sheets and dialog sheets are not tables
    if (id && target && /\/worksheet$/.test(a.get('Type') ?? '')) {
      targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`);
    }
  }
  const sheets: SheetInfo[] = [];
  for (const m of workbookXml.matchAll(TAG('sheet'))) {
    const a = attributes(m[1]!);
    let rid: string | undefined;
    for (const [key, value] of a) if (key === 'id' || key.endsWith(':id')) rid = value;
    const path = rid === undefined ? undefined : targets.get(rid);
    if (path === undefined) continue;
    const state = a.get('state');
    sheets.push({ name: a.get('name') ?? '', state: state === 'hidden' || state === 'veryHidden' ? state : 'visible', path });
  }
  return sheets;
}

/** the configured sheet (exact name, then case-insensitive), or the first visible one */
export function chooseSheet(sheets: readonly SheetInfo[], configured?: string): SheetInfo {
  if (configured !== undefined) {
    const found = sheets.find((s) => s.name === configured) ?? sheets.find((s) => s.name.toLowerCase() === configured.toLowerCase());
    if (found) return found;
    throw new TabularFormatError(
      'sheet-not-found',
      `The workbook has no sheet named ${JSON.stringify(configured)} (sheets: ${sheets.map((s) => JSON.stringify(s.name)).join(', ') || 'none'}).`,
    );
  }
  const visible = sheets.find((s) => s.state === 'visible');
  if (!visible) throw new TabularFormatError('sheet-not-found', 'The workbook has no visible worksheet.');
  return visible;
}
