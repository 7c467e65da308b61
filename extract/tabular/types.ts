/**
 * The shape every tabular reader yields, whatever the file format.
 *
 * Cells are kept close to the source: CSV cells are the raw text (numbers are parsed later, with
 * the file's number locale); XLSX cells are what the sheet stored. Empty cells are `null`.
 * Dates from XLSX carry the sheet's wall-clock date/time in their UTC fields (Excel has no time
 * zone), so `getUTCFullYear/Month/Date` is the calendar date the planner typed.
 */
export type Cell = string | number | Date | null;

export interface TabularRow {
  /** CSV: the file line number where the record starts ("12"); XLSX: sheet and row ("Sheet1!12"). */
  ref: string;
  cells: Cell[];
}

export interface TabularSource {
  readonly format: 'csv' | 'xlsx';
  /** short description for reports: delimiter and encoding, or sheet name */
  readonly description: string;
  /** rows in chunks: cheaper than one await per row on large files */
  batches(): AsyncIterable<TabularRow[]>;
  rows(): AsyncIterable<TabularRow>;
}

/** rows() for any batch source: one generator, shared by the readers */
export async function* flattenBatches(batches: AsyncIterable<TabularRow[]>): AsyncIterable<TabularRow> {
  for await (const batch of batches) yield* batch;
}
