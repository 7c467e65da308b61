/**
 * Header rows. Exports put titles, dates and blank lines above the real header, so the header is
 * the first row (within the first few) that a caller-supplied test accepts, e.g. "has enough known
 * column aliases". Header text is compared after normalising: case, spaces and punctuation ignored
 * ("Part Number", "part_number" and "PART-NUMBER" are the same header).
 */
import type { Cell, TabularRow } from './types.ts';

export const DEFAULT_HEADER_SCAN_ROWS = 20;

/** lower case letters and digits only (any script), for alias matching */
export function normalizeHeader(cell: Cell): string {
  if (cell === null) return '';
  const text = typeof cell === 'string' ? cell : cell instanceof Date ? cell.toISOString() : String(cell);
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** how many cells of a row are one of the known (normalised) header names */
export function countKnownHeaders(cells: readonly Cell[], known: ReadonlySet<string>): number {
  let n = 0;
  for (const cell of cells) if (known.has(normalizeHeader(cell))) n++;
  return n;
}

export interface HeaderMatch {
  header: TabularRow;
  /** title rows above the header, in file order */
  skipped: TabularRow[];
  /** the data rows after the header */
  rest: AsyncIterable<TabularRow>;
}

/**
 * Pull rows until `isHeader` accepts one (at most `maxScan` rows). Returns undefined when none
 * does. `rest` continues the same iterator, so nothing is read twice or held in memory.
 */
export async function findHeaderRow(
  rows: AsyncIterable<TabularRow>,
  isHeader: (cells: readonly Cell[]) => boolean,
  maxScan: number = DEFAULT_HEADER_SCAN_ROWS,
): Promise<HeaderMatch | undefined> {
  const iterator = rows[Symbol.asyncIterator]();
  const skipped: TabularRow[] = [];
  while (skipped.length < maxScan) {
    const next = await iterator.next();
    if (next.done) return undefined;
    if (isHeader(next.value.cells)) {
      const rest: AsyncIterable<TabularRow> = { [Symbol.asyncIterator]: () => iterator };
      return { header: next.value, skipped, rest };
    }
    skipped.push(next.value);
  }
  await iterator.return?.();
  return undefined;
}
