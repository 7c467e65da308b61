/**
 * Text encoding checks for CSV. Only UTF-8 (with or without BOM) is accepted: anything else would
 * be decoded into wrong product codes without anyone noticing, so it is refused with a message
 * that tells the planner how to re-save the file. Binary files are recognised from their first
 * bytes (or the first invalid byte) so that 10 MB of garbage fails in milliseconds.
 */
import { TabularFormatError } from './errors.ts';

function startsWith(bytes: Uint8Array, ...sig: number[]): boolean {
  if (bytes.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[i] !== sig[i]) return false;
  return true;
}

/** bytes to skip at the start of the file (UTF-8 BOM), or an error for other encodings / binaries */
export function checkTextStart(head: Uint8Array): number {
  if (startsWith(head, 0xef, 0xbb, 0xbf)) return 3;
  if (startsWith(head, 0xff, 0xfe, 0, 0) || startsWith(head, 0, 0, 0xfe, 0xff)) {
    throw new TabularFormatError('encoding', 'The file is UTF-32 encoded; save it as "CSV UTF-8" and drop it again.');
  }
  if (startsWith(head, 0xff, 0xfe) || startsWith(head, 0xfe, 0xff)) {
    throw new TabularFormatError(
      'encoding',
      'The file is UTF-16 encoded (Excel "Unicode Text"); save it as "CSV UTF-8" and drop it again.',
    );
  }
  if (startsWith(head, 0x50, 0x4b, 0x03, 0x04) || startsWith(head, 0x50, 0x4b, 0x05, 0x06)) {
    throw new TabularFormatError('binary', 'The file is a zip archive (an XLSX workbook?), not CSV text.');
  }
  if (startsWith(head, 0xd0, 0xcf, 0x11, 0xe0)) {
    throw new TabularFormatError(
      'unsupported-format',
      'The file is a legacy Excel .xls (or a password-protected workbook); save it as .xlsx or CSV UTF-8.',
    );
  }
  if (startsWith(head, 0x25, 0x50, 0x44, 0x46)) {
    throw new TabularFormatError('binary', 'The file is a PDF, not CSV text.');
  }
  return 0;
}

/** index of the first byte that breaks UTF-8, or -1 (only used to word an error) */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need && i + k < bytes.length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    if (i + need >= bytes.length) return -1; // incomplete at the end: may continue in the next chunk
    i += need + 1;
  }
  return -1;
}

/**
 * Streaming strict UTF-8 decoder: a character split across chunks is kept for the next chunk;
 * an invalid byte throws a TabularFormatError naming its offset in the file.
 */
export class Utf8Decoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private offset = 0;

  decode(chunk: Uint8Array, final = false): string {
    try {
      const text = this.decoder.decode(chunk, { stream: !final });
      this.offset += chunk.length;
      return text;
    } catch (cause) {
      const at = firstInvalidUtf8(chunk);
      const where = at >= 0 ? ` at byte ${this.offset + at}` : final ? ' at the end of the file' : '';
      throw new TabularFormatError(
        'encoding',
        `The file is not valid UTF-8 text${where}: it is binary, or saved in another encoding (e.g. Windows-1252). Save it as "CSV UTF-8".`,
        {},
        cause,
      );
    }
  }
}

/** NUL characters never occur in CSV text: binary file, or UTF-16 without a BOM */
export function assertNoNul(text: string, byteOffset: number): void {
  if (text.indexOf('\u0000') >= 0) {
    throw new TabularFormatError(
      'binary',
      `The file contains NUL bytes (near byte ${byteOffset}): it is binary, or UTF-16 text without a byte-order mark; save it as "CSV UTF-8".`,
    );
  }
}
