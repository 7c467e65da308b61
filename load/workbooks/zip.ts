/**
 * Just enough of the ZIP format to add parts to a finished workbook (exceljs cannot write charts):
 * read the central directory, read a (small) part, and rewrite the archive with some parts
 * replaced or added. Unchanged parts are copied as they are, compressed, in chunks: memory stays
 * flat however large the sheets are. Deflate and stored parts only; no ZIP64 (a workbook over
 * 4 GB or 65,535 parts is refused with a clear error), no encryption.
 */
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import zlib from 'node:zlib';
import { EtlError } from '../../core/errors.ts';

export class ZipFormatError extends EtlError {}

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const COPY_CHUNK = 1 << 20;
const MAX32 = 0xffffffff;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** The parts of the archive at `file`, in archive order. */
export async function zipEntries(fh: FileHandle, file: string): Promise<ZipEntry[]> {
  const { size } = await fh.stat();
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(fh, size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipFormatError(`${file} is not a ZIP archive (no end of central directory): is it an .xlsx file?`);
  const count = tail.readUInt16LE(at + 10);
  const cdSize = tail.readUInt32LE(at + 12);
  const cdOffset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || cdSize === MAX32 || cdOffset === MAX32)
    throw new ZipFormatError(`${file} is a ZIP64 archive, which adding charts does not support: write the workbook without charts.`);
  const cd = await readAt(fh, cdOffset, cdSize);
  const out: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (cd.readUInt32LE(p) !== CENTRAL) throw new ZipFormatError(`${file}: central directory entry ${i} is damaged.`);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    out.push({
      flags: cd.readUInt16LE(p + 8),
      method: cd.readUInt16LE(p + 10),
      time: cd.readUInt16LE(p + 12),
      date: cd.readUInt16LE(p + 14),
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localOffset: cd.readUInt32LE(p + 42),
      name: cd.toString('utf8', p + 46, p + 46 + nameLength),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}

/** where the part's compressed bytes start (after its local header) */
async function dataOffset(fh: FileHandle, e: ZipEntry): Promise<number> {
  const head = await readAt(fh, e.localOffset, 30);
  if (head.length < 30 || head.readUInt32LE(0) !== LOCAL) throw new ZipFormatError(`part ${e.name}: local header is damaged.`);
  return e.localOffset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
}

/** The uncompressed content of one (small) part. */
export async function readZipEntry(fh: FileHandle, e: ZipEntry): Promise<Buffer> {
  const raw = await readAt(fh, await dataOffset(fh, e), e.compressedSize);
  if (e.method === 0) return raw;
  if (e.method === 8) return zlib.inflateRawSync(raw);
  throw new ZipFormatError(`part ${e.name} uses compression method ${e.method}; only stored and deflate are supported.`);
}

interface Written {
  name: Buffer;
  method: number;
  flags: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

function localHeader(w: Written): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(LOCAL, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(w.flags, 6);
  h.writeUInt16LE(w.method, 8);
  h.writeUInt16LE(w.time, 10);
  h.writeUInt16LE(w.date, 12);
  h.writeUInt32LE(w.crc, 14);
  h.writeUInt32LE(w.compressedSize, 18);
  h.writeUInt32LE(w.size, 22);
  h.writeUInt16LE(w.name.length, 26);
  h.writeUInt16LE(0, 28);
  return Buffer.concat([h, w.name]);
}

function centralHeader(w: Written): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(CENTRAL, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(w.flags, 8);
  h.writeUInt16LE(w.method, 10);
  h.writeUInt16LE(w.time, 12);
  h.writeUInt16LE(w.date, 14);
  h.writeUInt32LE(w.crc, 16);
  h.writeUInt32LE(w.compressedSize, 20);
  h.writeUInt32LE(w.size, 24);
  h.writeUInt16LE(w.name.length, 28);
  h.writeUInt32LE(w.offset, 42);
  return Buffer.concat([h, w.name]);
}

/** MS-DOS time and date of now */
function dosNow(): { time: number; date: number } {
  const d = new Date();
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/**
 * Rewrites the archive at `file` in place (through a temporary file renamed over it): the parts
 * named in `replace` get new content, `add` parts are appended; everything else is copied as is.
 */
export async function rewriteZip(file: string, replace: ReadonlyMap<string, Buffer>, add: ReadonlyMap<string, Buffer>): Promise<void> {
  const tmp = `${file}.rezip`;
  const src = await open(file, 'r');
  let dst: FileHandle | undefined;
  try {
    const entries = await zipEntries(src, file);
    const names = new Set(entries.map((e) => e.name));
    for (const name of add.keys()) if (names.has(name)) throw new ZipFormatError(`${file} already has a part ${name}.`);
    dst = await open(tmp, 'w');
    let offset = 0;
    const written: Written[] = [];
    const write = async (buf: Buffer) => {
      await dst!.write(buf, 0, buf.length, offset);
      offset += buf.length;
    };
    const writeNew = async (name: string, content: Buffer) => {
      const data = zlib.deflateRawSync(content);
      const w: Written = {
        name: Buffer.from(name, 'utf8'),
        method: 8,
        flags: 0x0800, // UTF-8 names
        ...dosNow(),
        crc: zlib.crc32(content),
        compressedSize: data.length,
        size: content.length,
        offset,
      };
      await write(localHeader(w));
      await write(data);
      written.push(w);
    };
    for (const e of entries) {
      const content = replace.get(e.name);
      if (content) {
        await writeNew(e.name, content);
        continue;
      }
      // copied compressed; sizes and CRC go into the local header, so no data descriptor
      const w: Written = { ...e, name: Buffer.from(e.name, 'utf8'), flags: e.flags & ~0x0008, offset };
      await write(localHeader(w));
      let from = await dataOffset(src, e);
      let left = e.compressedSize;
      while (left > 0) {
        const chunk = await readAt(src, from, Math.min(COPY_CHUNK, left));
        if (chunk.length === 0) throw new ZipFormatError(`${file}: part ${e.name} is truncated.`);
        await write(chunk);
        from += chunk.length;
        left -= chunk.length;
      }
      written.push(w);
    }
    for (const [name, content] of add) await writeNew(name, content);
    const cdOffset = offset;
    for (const w of written) await write(centralHeader(w));
    const end = Buffer.alloc(22);
    end.writeUInt32LE(EOCD, 0);
    end.writeUInt16LE(written.length, 8);
    end.writeUInt16LE(written.length, 10);
    end.writeUInt32LE(offset - cdOffset, 12);
    end.writeUInt32LE(cdOffset, 16);
    if (written.length >= 0xffff || offset + 22 > MAX32)
      throw new ZipFormatError(`${file} would need ZIP64 with the charts added: write the workbook without charts.`);
    await write(end);
    await dst.close();
    dst = undefined;
    await rename(tmp, file);
  } catch (err) {
    await dst?.close();
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await src.close();
  }
}
