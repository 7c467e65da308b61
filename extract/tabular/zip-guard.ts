/**
 * Checks an XLSX (zip) file before any XML parser sees it, within bounded time and memory:
 *  1. the central directory: entry count, declared sizes and compression ratios against limits,
 *     so a part declared to expand to gigabytes is refused without inflating a byte;
 *  2. the local headers: they must agree with the directory and leave no gaps, because the
 *     streaming reader (exceljs/unzipper) walks local headers, not the directory;
 *  3. every part is inflated once, counting bytes: a part that inflates past its declared size
 *     (a lying archive) is cut off at that size. XML parts are scanned for DOCTYPE / ENTITY
 *     declarations, which are refused (never resolved, and their text is never echoed).
 * Small parts the caller names (workbook.xml, its rels) are returned as text.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import { TabularFormatError } from './errors.ts';

export interface ZipLimits {
  /** size of the zip file itself */
  maxFileBytes: number;
  maxEntries: number;
  /** uncompressed size of one part */
  maxEntryBytes: number;
  /** uncompressed size of all parts together */
  maxTotalBytes: number;
  /** uncompressed / compressed, for parts larger than `ratioFloorBytes` */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxFileBytes: 100 * 1024 * 1024,
  maxEntries: 10_000,
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
};

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  /** where the compressed data starts (after the local header) */
  dataOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** a data descriptor (with signature, zip64) is at most 24 bytes: larger gaps could hide entries */
const MAX_GAP = 24;

function refuse(message: string): never {
  throw new TabularFormatError('zip-limits', message);
}

function notZip(message = 'The file is not a valid XLSX workbook (not a zip archive); re-save it from Excel as .xlsx.'): never {
  throw new TabularFormatError('not-zip', message);
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buffer, 0, length, position);
  if (bytesRead !== length) notZip('The XLSX file is truncated (zip structure cut off).');
  return buffer;
}

function u64(buffer: Buffer, offset: number): number {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) refuse('The archive declares an impossible size.');
  return Number(value);
}

interface Directory {
  entries: number;
  size: number;
  offset: number;
}

async function findDirectory(fh: FileHandle, fileSize: number): Promise<Directory> {
  const tailLength = Math.min(fileSize, 22 + MAX_COMMENT);
  const tail = await readAt(fh, fileSize - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) notZip();
  let entries = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    // zip64: the real values are in the zip64 end record, found through its locator
    const locatorAt = fileSize - tailLength + at - 20;
    if (locatorAt < 0) notZip();
    const locator = await readAt(fh, locatorAt, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) notZip();
    const recordAt = u64(locator, 8);
    if (recordAt + 56 > fileSize) notZip();
    const record = await readAt(fh, recordAt, 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) notZip();
    entries = u64(record, 32);
    size = u64(record, 40);
    offset = u64(record, 48);
  }
  if (offset + size > fileSize) notZip('The XLSX file is truncated (zip directory cut off).');
  return { entries, size, offset };
}

function parseDirectory(buffer: Buffer, count: number, limits: ZipLimits): Omit<ZipEntry, 'dataOffset'>[] {
  const entries: Omit<ZipEntry, 'dataOffset'>[] = [];
  let p = 0;
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buffer.length || buffer.readUInt32LE(p) !== CENTRAL) notZip('The XLSX zip directory is corrupt.');
    const flags = buffer.readUInt16LE(p + 8);
    const method = buffer.readUInt16LE(p + 10);
    let compressedSize = buffer.readUInt32LE(p + 20);
    let uncompressedSize = buffer.readUInt32LE(p + 24);
    const nameLength = buffer.readUInt16LE(p + 28);
    const extraLength = buffer.readUInt16LE(p + 30);
    const commentLength = buffer.readUInt16LE(p + 32);
    let localOffset = buffer.readUInt32LE(p + 42);
    const name = buffer.toString('utf8', p + 46, p + 46 + nameLength);
    // zip64 extended information: only the fields that are 0xffffffff above are present, in order
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = buffer.readUInt16LE(e);
      const len = buffer.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (uncompressedSize === 0xffffffff) {
          uncompressedSize = u64(buffer, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(buffer, q);
          q += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(buffer, q);
      }
      e += 4 + len;
    }
    p = extraEnd + commentLength;

    if (flags & 0x1)
      throw new TabularFormatError('zip-unsupported', 'The workbook is encrypted (password-protected); save it without a password.');
    if (method !== 0 && method !== 8) {
      throw new TabularFormatError(
        'zip-unsupported',
        `The workbook uses an unsupported zip compression (method ${method}); re-save it from Excel.`,
      );
    }
    if (uncompressedSize > limits.maxEntryBytes) {
      refuse(
        `A part of the workbook declares ${uncompressedSize} bytes uncompressed (limit ${limits.maxEntryBytes}); refused as a possible zip bomb.`,
      );
    }
    if (uncompressedSize > limits.ratioFloorBytes && uncompressedSize > limits.maxRatio * Math.max(compressedSize, 1)) {
      refuse(
        `A part of the workbook compresses ${Math.round(uncompressedSize / Math.max(compressedSize, 1))}:1 (limit ${limits.maxRatio}:1); refused as a possible zip bomb.`,
      );
    }
    total += uncompressedSize;
    if (total > limits.maxTotalBytes) {
      refuse(`The workbook expands to more than ${limits.maxTotalBytes} bytes; refused as a possible zip bomb.`);
    }
    entries.push({ name, method, flags, compressedSize, uncompressedSize, localOffset });
  }
  return entries;
}

/** local headers must match the directory and tile the file: nothing hidden between entries */
async function checkLocalHeaders(fh: FileHandle, entries: Omit<ZipEntry, 'dataOffset'>[], directoryOffset: number): Promise<ZipEntry[]> {
  const ordered = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  const out: ZipEntry[] = [];
  let expected = 0;
  for (const entry of ordered) {
    if (entry.localOffset < expected || entry.localOffset - expected > (out.length === 0 ? 0 : MAX_GAP)) {
      notZip('The XLSX zip structure is inconsistent (overlapping or hidden entries); re-save it from Excel.');
    }
    const header = await readAt(fh, entry.localOffset, 30);
    if (header.readUInt32LE(0) !== LOCAL) notZip('The XLSX zip structure is corrupt (missing local header).');
    const nameLength = header.readUInt16LE(26);
    const extraLength = header.readUInt16LE(28);
    const name = (await readAt(fh, entry.localOffset + 30, nameLength)).toString('utf8');
    const method = header.readUInt16LE(8);
    const localCompressed = header.readUInt32LE(18);
    const localUncompressed = header.readUInt32LE(22);
    const sizesInDescriptor = (header.readUInt16LE(6) & 0x8) !== 0;
    const sizesAgree =
      sizesInDescriptor ||
      localCompressed === 0xffffffff || // zip64: sizes in the local extra field
      (localCompressed === entry.compressedSize && localUncompressed === entry.uncompressedSize);
    if (name !== entry.name || method !== entry.method || !sizesAgree) {
      notZip('The XLSX zip structure is inconsistent (local header disagrees with the directory); re-save it from Excel.');
    }
    const dataOffset = entry.localOffset + 30 + nameLength + extraLength;
    out.push({ ...entry, dataOffset });
    expected = dataOffset + entry.compressedSize;
  }
  if (directoryOffset < expected || directoryOffset - expected > MAX_GAP) {
    notZip('The XLSX zip structure is inconsistent (data after the last entry); re-save it from Excel.');
  }
  return out;
}

/** parts returned as text are small index files */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;
const XML_PART = /\.(xml|rels|vml)$/i;
const DECLARATION = /<!(DOCTYPE|ENTITY)/i;

/** inflate one part with a hard byte budget; scan XML, keep the text of wanted parts */
async function scanEntry(fh: FileHandle, entry: ZipEntry, keep: boolean): Promise<string | undefined> {
  const isXml = XML_PART.test(entry.name);
  const kept: Buffer[] = [];
  let produced = 0;
  let carry = '';
  let first = true;
  const inspect = (chunk: Buffer): void => {
    produced += chunk.length;
    if (produced > entry.uncompressedSize) {
      refuse(`Part ${JSON.stringify(entry.name.slice(0, 100))} inflates beyond its declared size; refused as a possible zip bomb.`);
    }
    if (!isXml) return;
    if (first) {
      first = false;
      if ((chunk[0] === 0xfe && chunk[1] === 0xff) || (chunk[0] === 0xff && chunk[1] === 0xfe)) {
        throw new TabularFormatError(
          'xml-entities',
          'The workbook contains UTF-16 XML parts, which are not accepted; re-save it from Excel.',
        );
      }
    }
    // latin1 keeps one char per byte, enough to find ASCII markup; carry a tail across chunks
    const text = carry + chunk.toString('latin1');
    if (DECLARATION.test(text)) {
      throw new TabularFormatError(
        'xml-entities',
        `The workbook part ${JSON.stringify(entry.name.slice(0, 100))} declares a DOCTYPE or entities, which are never processed; the file is refused.`,
      );
    }
    carry = text.slice(-16);
    if (keep) kept.push(chunk);
  };

  const chunkSize = 64 * 1024;
  let position = entry.dataOffset;
  let remaining = entry.compressedSize;
  const buffer = Buffer.alloc(Math.min(chunkSize, Math.max(remaining, 1)));
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) notZip('The XLSX zip structure is corrupt (stored part with two sizes).');
    while (remaining > 0) {
      const n = Math.min(remaining, buffer.length);
      const { bytesRead } = await fh.read(buffer, 0, n, position);
      if (bytesRead !== n) notZip('The XLSX file is truncated.');
      inspect(Buffer.from(buffer.subarray(0, n)));
      position += n;
      remaining -= n;
    }
  } else {
    const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
    let failure: unknown;
    inflater.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        inspect(chunk);
      } catch (err) {
        failure = err;
        inflater.destroy();
      }
    });
    const done = new Promise<void>((resolve, reject) => {
      inflater.on('end', resolve);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caught inspection error, passed on as it was
      inflater.on('close', () => (failure !== undefined ? reject(failure) : resolve()));
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caught inspection error, else the inflater's
      inflater.on('error', (err) => reject(failure ?? err));
    });
    done.catch(() => undefined); // observed below; avoid an unhandled rejection while feeding
    while (remaining > 0 && failure === undefined) {
      const n = Math.min(remaining, buffer.length);
      const { bytesRead } = await fh.read(buffer, 0, n, position);
      if (bytesRead !== n) notZip('The XLSX file is truncated.');
      position += n;
      remaining -= n;
      // wait for the inflater to take the chunk so output is counted as it is produced
      if (!inflater.write(Buffer.from(buffer.subarray(0, n)))) {
        await new Promise<void>((resolve) => {
          inflater.once('drain', resolve);
          inflater.once('close', resolve);
        });
      }
    }
    if (failure === undefined) inflater.end();
    try {
      await done;
    } catch (err) {
      if (err instanceof TabularFormatError) throw err;
      notZip(`The XLSX file is corrupt (part ${JSON.stringify(entry.name.slice(0, 100))} does not inflate).`);
    }
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the caught inspection error, rethrown as it was
    if (failure !== undefined) throw failure;
  }
  if (produced !== entry.uncompressedSize) {
    notZip(`The XLSX file is corrupt (part ${JSON.stringify(entry.name.slice(0, 100))} has the wrong size).`);
  }
  return keep ? Buffer.concat(kept).toString('utf8') : undefined;
}

export interface ZipInspection {
  entries: ZipEntry[];
  /** text of the parts asked for, when present */
  parts: Map<string, string>;
}

/** run all checks; throws TabularFormatError ('not-zip', 'zip-limits', 'xml-entities', …) */
export async function inspectZip(path: string, wanted: readonly string[], limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipInspection> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size > limits.maxFileBytes) {
      throw new TabularFormatError('too-large', `The workbook is ${size} bytes (limit ${limits.maxFileBytes}).`);
    }
    if (size < 22) notZip();
    const magic = await readAt(fh, 0, 4);
    if (magic.readUInt32LE(0) !== LOCAL) notZip();
    const directory = await findDirectory(fh, size);
    if (directory.entries > limits.maxEntries) refuse(`The workbook has ${directory.entries} parts (limit ${limits.maxEntries}).`);
    if (directory.size > 64 * 1024 * 1024) refuse('The workbook zip directory is unreasonably large.');
    const raw = parseDirectory(await readAt(fh, directory.offset, directory.size), directory.entries, limits);
    const names = new Set(raw.map((e) => e.name));
    if (names.size !== raw.length) notZip('The XLSX zip has two parts with the same name; re-save it from Excel.');
    const entries = await checkLocalHeaders(fh, raw, directory.offset);
    const parts = new Map<string, string>();
    for (const entry of entries) {
      const keep = wanted.includes(entry.name);
      if (keep && entry.uncompressedSize > MAX_KEPT_BYTES) refuse(`The workbook part ${entry.name} is unreasonably large.`);
      const text = await scanEntry(fh, entry, keep);
      if (text !== undefined) parts.set(entry.name, text);
    }
    return { entries, parts };
  } finally {
    await fh.close();
  }
}
