/**
 * Scope (plant or warehouse) and version label of a forecast file, from outside the table:
 * the file name (a configured regex with named groups `scope` and `version`) or labelled title
 * rows above the header ("Version: 2026-W49", or "Plant" | "P01" in two cells).
 */
import { normalizeHeader } from '../../extract/tabular/header.ts';
import type { Cell } from '../../extract/tabular/types.ts';

export interface ScopeLabels {
  scope?: string;
  version?: string;
}

export function labelsFromFileName(fileName: string, pattern: RegExp | string | undefined): ScopeLabels {
  if (pattern === undefined) return {};
  const regex = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
  const groups = regex.exec(fileName)?.groups;
  const out: ScopeLabels = {};
  const scope = groups?.['scope']?.trim();
  const version = groups?.['version']?.trim();
  if (scope) out.scope = scope;
  if (version) out.version = version;
  return out;
}

const LABELS: ReadonlyMap<string, keyof ScopeLabels> = new Map([
  ['version', 'version'],
  ['forecastversion', 'version'],
  ['scenario', 'version'],
  ['planversion', 'version'],
  ['scope', 'scope'],
  ['plant', 'scope'],
  ['site', 'scope'],
  ['warehouse', 'scope'],
  ['werk', 'scope'],
  ['standort', 'scope'],
]);

const INLINE = /^\s*([\p{L} ]{2,30}?)\s*[:=]\s*(\S.*?)\s*$/u;

function valueText(cell: Cell): string | undefined {
  if (cell === null) return undefined;
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  const text = String(cell).trim();
  return text === '' ? undefined : text.slice(0, 128);
}

export function labelsFromTitleRows(rows: readonly (readonly Cell[])[]): ScopeLabels {
  const out: ScopeLabels = {};
  for (const cells of rows) {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      if (typeof cell !== 'string') continue;
      const inline = INLINE.exec(cell);
      if (inline) {
        const key = LABELS.get(normalizeHeader(inline[1]!));
        if (key && out[key] === undefined) out[key] = inline[2]!.slice(0, 128);
        continue;
      }
      const key = LABELS.get(normalizeHeader(cell));
      if (key === undefined || out[key] !== undefined) continue;
      const next = cells.slice(i + 1).find((c) => valueText(c) !== undefined);
      const value = next === undefined ? undefined : valueText(next);
      if (value !== undefined) out[key] = value;
    }
  }
  return out;
}
