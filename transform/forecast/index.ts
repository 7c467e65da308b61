/**
 * Forecast parsing as a stream: tabular rows (or batches of rows) in, canonical forecast lines out.
 *
 *   const parse = parseForecastRows(source.batches(), { periods: { bucket: 'week', timeZone } });
 *   for await (const lines of parse.batches()) stage(lines);
 *   parse.summary   // layout, errors (capped) + errorCount, scope, version…
 *
 * No I/O here: the rows come from extract/tabular, the lines go to whoever iterates.
 */
import type { TabularRow } from '../../extract/tabular/types.ts';
import { ForecastRowParser, type ForecastParseOptions, type ForecastParseSummary } from './parser.ts';
import type { ForecastLine } from './schema.ts';

export { analyseHeader, buildAliasIndex, DEFAULT_ALIASES, type HeaderLayout, type PeriodColumn } from './columns.ts';
export { labelsFromFileName, labelsFromTitleRows, type ScopeLabels } from './labels.ts';
export { ForecastRowParser, type ForecastParseOptions, type ForecastParseSummary } from './parser.ts';
export * from './schema.ts';
export { addPeriods, DecimalSum, ForecastTally, type LineResolution, type TallyFigures, type TallyOptions } from './tally.ts';

export type RowInput = AsyncIterable<TabularRow | readonly TabularRow[]> | Iterable<TabularRow | readonly TabularRow[]>;

export interface ForecastParse extends AsyncIterable<ForecastLine> {
  /** lines in chunks (one per input batch): cheaper than one await per line */
  batches(): AsyncIterable<ForecastLine[]>;
  /** counts, errors, layout, scope and version; complete once iteration has finished */
  readonly summary: ForecastParseSummary;
}

/**
 * Parse rows into forecast lines. Row errors are collected into `summary` (not thrown); a file
 * without a usable header throws a DataValidationError when iteration reaches that point.
 * Iterate once: the parse is a single pass over `rows`.
 */
export function parseForecastRows(rows: RowInput, options: ForecastParseOptions = {}): ForecastParse {
  const parser = new ForecastRowParser(options);

  async function* batches(): AsyncIterable<ForecastLine[]> {
    for await (const item of rows) {
      const out: ForecastLine[] = [];
      if (Array.isArray(item)) for (const row of item as readonly TabularRow[]) parser.push(row, out);
      else parser.push(item as TabularRow, out);
      if (out.length > 0) yield out;
    }
    const out: ForecastLine[] = [];
    parser.finish(out);
    if (out.length > 0) yield out;
  }

  return {
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) yield* batch;
    },
    get summary() {
      return parser.summary();
    },
  };
}
