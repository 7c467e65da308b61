/** Cell helpers every tabular parser needs: is a row blank, and a cell as a person reads it in an error report. */
import type { Cell } from './types.ts';

const SHOWN_CHARS = 100;

/** true when every cell is empty or blank text (such rows are skipped, not errors) */
export function isBlankRow(cells: readonly Cell[]): boolean {
  for (const c of cells) {
    if (c === null) continue;
    if (typeof c === 'string' && c.trim() === '') continue;
    return false;
  }
  return true;
}

/**
 * A cell's value for an error report, cut at 100 characters. Dates show as YYYY-MM-DD, or as a
 * full ISO timestamp with `withTime` (for columns where the time of day matters).
 */
export function shownCell(cell: Cell, withTime = false): string {
  if (cell === null) return '';
  let text: string;
  if (cell instanceof Date)
    text = Number.isNaN(cell.getTime()) ? 'Invalid Date' : withTime ? cell.toISOString() : cell.toISOString().slice(0, 10);
  else text = String(cell);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
}
