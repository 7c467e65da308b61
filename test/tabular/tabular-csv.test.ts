import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvTokenizer } from '../../extract/tabular/csv-tokenizer.ts';
import { openCsv, openTabular, TabularFormatError, type TabularRow } from '../../extract/tabular/index.ts';
import { makeTmpDir, measure } from '../fixtures/files.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTmpDir('csv')));
afterAll(() => cleanup());

let counter = 0;
async function file(content: string | Buffer, name = `f${counter++}.csv`): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function rows(path: string, options = {}): Promise<TabularRow[]> {
  const out: TabularRow[] = [];
  for await (const row of (await openCsv(path, options)).rows()) out.push(row);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<TabularFormatError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TabularFormatError);
  return err as TabularFormatError;
}

describe('CSV dialect', () => {
  it.each([
    [',', 'product,warehouse,period,quantity\nA,W1,2026-W49,5\nB,W1,2026-W49,6\n'],
    [';', 'product;warehouse;period;quantity\nA;W1;2026-W49;5,5\nB;W1;2026-W49;6\n'],
    ['\t', 'product\twarehouse\tperiod\tquantity\nA\tW1\t2026-W49\t5\n'],
    ['|', 'product|warehouse|period|quantity\nA|W1|2026-W49|5\n'],
  ])('detects the %j delimiter', async (delimiter, content) => {
    const source = await openCsv(await file(content));
    expect(source.delimiter).toBe(delimiter);
    const all = await rows(await file(content));
    expect(all[1]!.cells).toHaveLength(4);
    expect(all[1]!.cells[0]).toBe('A');
  });

  it('detects the delimiter below title lines that have none', async () => {
    const content =
      'Forecast export December\nCreated by planner\nproduct;warehouse;period;quantity\nA;W1;2026-W49;5\nB;W1;2026-W50;6\nC;W1;2026-W51;7\n';
    expect((await openCsv(await file(content))).delimiter).toBe(';');
  });

  it('prefers the delimiter that splits lines consistently over one inside decimal numbers', async () => {
    const content = 'product;period;quantity\nA;2026-W49;1,5\nB;2026-W49;2,25\nC;2026-W50;3\n';
    expect((await openCsv(await file(content))).delimiter).toBe(';');
  });
});

describe('CSV records', () => {
  it('strips a UTF-8 BOM and reads CRLF line endings', async () => {
    const all = await rows(await file(Buffer.from('\ufeffproduct,qty\r\nÄ-1,5\r\nB,6\r\n', 'utf8')));
    expect(all.map((r) => r.cells)).toEqual([
      ['product', 'qty'],
      ['Ä-1', '5'],
      ['B', '6'],
    ]);
    expect((await openCsv(await file(Buffer.from('\ufeffa,b\n1,2\n')))).hasBom).toBe(true);
  });

  it('reads quoted fields with delimiters, doubled quotes and line breaks, keeping file line numbers', async () => {
    const content = 'product,note,qty\n"A,1","say ""hi""",5\n"B","two\nlines",6\nC,,7\n';
    const all = await rows(await file(content));
    expect(all.map((r) => r.cells)).toEqual([
      ['product', 'note', 'qty'],
      ['A,1', 'say "hi"', '5'],
      ['B', 'two\nlines', '6'],
      ['C', null, '7'],
    ]);
    // the record after the two-line field starts on line 5
    expect(all.map((r) => r.ref)).toEqual(['1', '2', '3', '5']);
  });

  it('skips blank lines but counts them in line numbers', async () => {
    const all = await rows(await file('a,b\n\n1,2\n\n\n3,4'));
    expect(all.map((r) => [r.ref, r.cells[0]])).toEqual([
      ['1', 'a'],
      ['3', '1'],
      ['6', '3'],
    ]);
  });

  it('gives the same rows whatever the chunk size (records, CRLF and multi-byte characters cut at chunk edges)', async () => {
    const lines = ['product;warehouse;period;quantity'];
    for (let i = 0; i < 300; i++) lines.push(`"Größe ""${i}""\r\n中文";W-${i % 7};2026-W${(i % 52) + 1};${i},5`);
    const path = await file(`\ufeff${lines.join('\r\n')}\r\n`);
    const reference = await rows(path);
    expect(reference).toHaveLength(301);
    for (const chunkBytes of [1, 3, 7, 64, 1000]) expect(await rows(path, { chunkBytes })).toEqual(reference);
  });

  it('yields rows in batches without holding the file', async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `P${i},W1,2026-W01,${i}`).join('\n');
    const source = await openCsv(await file(`product,warehouse,period,quantity\n${body}\n`), { chunkBytes: 16 * 1024 });
    let batches = 0;
    let total = 0;
    for await (const batch of source.batches()) {
      batches++;
      total += batch.length;
    }
    expect(total).toBe(20_001);
    expect(batches).toBeGreaterThan(10);
  });
});

describe('CSV files that cannot be read', () => {
  it('refuses an empty file', async () => {
    const err = await failure(openCsv(await file('')));
    expect(err.code).toBe('empty');
    expect(err.message).toMatch(/empty/);
    expect(err.permanent).toBe(true);
  });

  it('refuses a file of blank lines (and a lone BOM) as empty', async () => {
    expect((await failure(openCsv(await file('\n\r\n  \n')))).code).toBe('empty');
    expect((await failure(openCsv(await file(Buffer.from([0xef, 0xbb, 0xbf]))))).code).toBe('empty');
  });

  it('refuses UTF-16 with a message saying how to save as CSV UTF-8', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('product,qty\r\nA,5\r\n', 'utf16le')]);
    const err = await failure(openCsv(await file(utf16)));
    expect(err.code).toBe('encoding');
    expect(err.message).toMatch(/UTF-16.*CSV UTF-8/);
  });

  it('refuses UTF-16 without a BOM (NUL bytes)', async () => {
    const err = await failure(openCsv(await file(Buffer.from('product,qty\r\nA,5\r\n', 'utf16le'))));
    expect(err.code).toBe('binary');
  });

  it('refuses Windows-1252 text, naming the byte offset', async () => {
    const latin1 = Buffer.from('product;qty\nGr\xf6\xdfe;5\n', 'latin1');
    const err = await failure(openCsv(await file(latin1)));
    expect(err.code).toBe('encoding');
    expect(err.message).toContain('at byte 14');
  });

  it('refuses invalid UTF-8 found deep in the file while streaming', async () => {
    const good = `product,qty\n${'A,1\n'.repeat(50_000)}`;
    const path = await file(Buffer.concat([Buffer.from(good), Buffer.from([0xc3, 0x28]), Buffer.from(',2\n')]));
    const err = await failure(rows(path));
    expect(err.code).toBe('encoding');
    expect(err.message).toContain(`at byte ${Buffer.byteLength(good)}`);
  });

  it('refuses a truncated file whose last quoted field never closes, naming the line', async () => {
    const err = await failure(rows(await file('product,note,qty\nA,"ok",1\nB,"cut off here')));
    expect(err.code).toBe('truncated');
    expect(err.message).toMatch(/^Line 3: a quoted field is never closed/);
  });

  it('refuses text after a closing quote', async () => {
    const err = await failure(rows(await file('a,b\n"x"y,2\n')));
    expect(err.code).toBe('malformed');
  });

  it('refuses 10 MB of random bytes quickly and without reading it all', async () => {
    const path = await file(randomBytes(10 * 1024 * 1024), 'garbage.csv');
    const run = await measure(async () => {
      const source = await openCsv(path);
      for await (const _ of source.batches()) {
        // reading must fail before here
      }
    });
    expect(run.error).toBeInstanceOf(TabularFormatError);
    expect(['encoding', 'binary']).toContain((run.error as TabularFormatError).code);
    expect(run.ms).toBeLessThan(1000);
  });

  it('refuses 10 MB of text without line breaks or delimiters', async () => {
    const path = await file('x'.repeat(10 * 1024 * 1024), 'oneline.csv');
    const run = await measure(async () => {
      for await (const _ of (await openCsv(path)).batches()) {
        // nothing to read
      }
    });
    expect((run.error as TabularFormatError).code).toBe('delimiter');
    expect(run.ms).toBeLessThan(1000);
  });

  it('bounds a record that never ends', async () => {
    const path = await file(`a,b\n"${'x'.repeat(3 * 1024 * 1024)}`, 'unclosed-long.csv');
    const err = await failure(rows(path, { maxRecordChars: 1024 * 1024 }));
    expect(err.code).toBe('too-large');
    expect(err.message).toMatch(/^Line 2/);
  });

  it('recognises an XLSX or PDF renamed to .csv', async () => {
    const zip = await failure(openCsv(await file(Buffer.from('PK\x03\x04rest-of-zip', 'latin1'))));
    expect(zip.message).toMatch(/zip/);
    const pdf = await failure(openCsv(await file(Buffer.from('%PDF-1.7\n'))));
    expect(pdf.message).toMatch(/PDF/);
  });
});

describe('openTabular', () => {
  it('picks CSV by content for .csv and .txt names', async () => {
    const path = await file('product,qty\nA,5\n', 'plan.txt');
    const source = await openTabular(path);
    expect(source.format).toBe('csv');
  });

  it('refuses a file named .xlsx that is not a zip', async () => {
    const path = await file('product,qty\nA,5\n', 'plan.xlsx');
    const err = await failure(openTabular(path));
    expect(err.code).toBe('not-zip');
    expect(err.message).toMatch(/not an XLSX workbook/);
  });

  it('refuses other file types by name', async () => {
    const err = await failure(openTabular(await file('x', 'plan.docx')));
    expect(err.code).toBe('unsupported-format');
  });
});

describe('CsvTokenizer', () => {
  it('treats a CR at the end of a chunk as a possible CRLF (no phantom blank line, right line numbers)', () => {
    const t = new CsvTokenizer(44);
    const out: TabularRow[] = [];
    t.push('a,b\r', out);
    t.push('\nc,d\r\ne,f', out);
    t.end(out);
    expect(out.map((r) => r.ref)).toEqual(['1', '2', '3']);
    expect(out[2]!.cells).toEqual(['e', 'f']);
  });

  it('keeps a trailing empty field at the end of the file', () => {
    const t = new CsvTokenizer(44);
    const out: TabularRow[] = [];
    t.push('a,b,', out);
    t.end(out);
    expect(out[0]!.cells).toEqual(['a', 'b', null]);
  });
});
