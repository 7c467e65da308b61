/**
 * Delimiter detection: the candidate that splits most lines of the sample into the same number of
 * fields wins. Counting per line (outside quotes) copes with title lines above the header, which
 * often have no delimiter at all.
 */
import { TabularFormatError } from './errors.ts';

export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

const MAX_LINES = 50;

export function detectDelimiter(sample: string, sampleIsWholeFile: boolean): CsvDelimiter {
  const codes = CSV_DELIMITERS.map((d) => d.charCodeAt(0));
  const perLine: number[][] = [];
  let counts = [0, 0, 0, 0];
  let inQuotes = false;
  let lineHasText = false;
  for (let i = 0; i < sample.length && perLine.length < MAX_LINES; i++) {
    const c = sample.charCodeAt(i);
    if (c === 34) inQuotes = !inQuotes;
    else if (!inQuotes && (c === 10 || c === 13)) {
      if (lineHasText) perLine.push(counts);
      counts = [0, 0, 0, 0];
      lineHasText = false;
      continue;
    } else if (!inQuotes) {
      const k = codes.indexOf(c);
      if (k >= 0) counts[k]!++;
    }
    lineHasText = true;
  }
  // the last line is only complete when the sample is the whole file
  if (lineHasText && (sampleIsWholeFile || perLine.length === 0)) perLine.push(counts);

  let best: CsvDelimiter | undefined;
  let bestScore = 0;
  let bestFields = 0;
  CSV_DELIMITERS.forEach((delimiter, k) => {
    const tally = new Map<number, number>();
    for (const line of perLine) {
      const n = line[k]!;
      if (n > 0) tally.set(n, (tally.get(n) ?? 0) + 1);
    }
    let mode = 0;
    let modeLines = 0;
    for (const [n, lines] of tally) if (lines > modeLines || (lines === modeLines && n > mode)) [mode, modeLines] = [n, lines];
    const score = perLine.length === 0 ? 0 : modeLines / perLine.length;
    if (mode > 0 && (score > bestScore || (score === bestScore && mode > bestFields))) {
      best = delimiter;
      bestScore = score;
      bestFields = mode;
    }
  });
  if (best === undefined || bestScore < 0.5) {
    throw new TabularFormatError(
      'delimiter',
      'Could not find the column delimiter (comma, semicolon, tab or |) in the first lines: this does not look like a CSV table.',
    );
  }
  return best;
}
