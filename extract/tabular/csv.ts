/**
 * Streaming CSV reader. `openCsv` reads only the first chunk to check the encoding and find the
 * delimiter, so empty, binary and wrongly encoded files fail before any row is produced; rows are
 * then read chunk by chunk (never the whole file in memory).
 */
import { open } from 'node:fs/promises';
import { CSV_DELIMITERS, detectDelimiter, type CsvDelimiter } from './csv-dialect.ts';
import { CsvTokenizer } from './csv-tokenizer.ts';
import { assertNoNul, checkTextStart, Utf8Decoder } from './encoding.ts';
import { TabularFormatError } from './errors.ts';
import { flattenBatches, type TabularRow, type TabularSource } from './types.ts';

export interface CsvOptions {
  /** skip detection */
  delimiter?: CsvDelimiter;
  /** bytes read per chunk (default 256 KiB) */
  chunkBytes?: number;
  /** longest record accepted, in characters (default 1 Mi) */
  maxRecordChars?: number;
}

export interface CsvSource extends TabularSource {
  readonly format: 'csv';
  readonly delimiter: CsvDelimiter;
  readonly hasBom: boolean;
}

const DEFAULT_CHUNK = 256 * 1024;
/** read up front to check the encoding and find the delimiter */
const SAMPLE_BYTES = 64 * 1024;

export async function openCsv(path: string, options: CsvOptions = {}): Promise<CsvSource> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
  const handle = await open(path, 'r');
  let head: Uint8Array;
  let wholeFile: boolean;
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
    wholeFile = bytesRead < buffer.length || (await handle.stat()).size === bytesRead;
  } finally {
    await handle.close();
  }
  const bomLength = checkTextStart(head);
  const sample = new Utf8Decoder().decode(head.subarray(bomLength), wholeFile);
  assertNoNul(sample, 0);
  if (sample.trim().length === 0) {
    throw new TabularFormatError('empty', head.length === 0 ? 'The file is empty.' : 'The file contains no data (only blank lines).');
  }
  if (options.delimiter !== undefined && !CSV_DELIMITERS.includes(options.delimiter)) {
    throw new TabularFormatError('delimiter', `Unsupported delimiter ${JSON.stringify(options.delimiter)}.`);
  }
  const delimiter = options.delimiter ?? detectDelimiter(sample, wholeFile);
  const maxRecordChars = options.maxRecordChars;

  async function* batches(): AsyncIterable<TabularRow[]> {
    const file = await open(path, 'r');
    try {
      const decoder = new Utf8Decoder();
      const tokenizer = new CsvTokenizer(delimiter.charCodeAt(0), maxRecordChars);
      let position = bomLength;
      // one buffer for the whole file: the decoder copies what it keeps between chunks
      const buffer = Buffer.allocUnsafe(chunkBytes);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, chunkBytes, position);
        const final = bytesRead === 0;
        const text = decoder.decode(buffer.subarray(0, bytesRead), final);
        assertNoNul(text, position);
        position += bytesRead;
        const out: TabularRow[] = [];
        if (text.length > 0) tokenizer.push(text, out);
        if (final) tokenizer.end(out);
        if (out.length > 0) yield out;
        if (final) return;
      }
    } finally {
      await file.close();
    }
  }

  const name = delimiter === '\t' ? 'tab' : delimiter;
  return {
    format: 'csv',
    delimiter,
    hasBom: bomLength > 0,
    description: `CSV, UTF-8${bomLength > 0 ? ' with BOM' : ''}, delimiter ${name}`,
    batches,
    rows: () => flattenBatches(batches()),
  };
}
