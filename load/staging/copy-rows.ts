/**
 * Bulk load through `COPY … FROM STDIN` (text format) on a knex handle or transaction's own
 * connection, for PostgreSQL. Embedded PGlite (served through pglite-socket) does not speak the
 * COPY sub-protocol: callers keep their array-parameter INSERT for it.
 *
 * Rows are written as COPY text: columns separated by a tab, rows ended by a newline, NULL as
 * `\N`; a backslash, tab, newline or carriage return inside a value is escaped (`copyText`).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** NULL in COPY text format */
export const COPY_NULL = '\\N';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A text value as a COPY text field (escaped when needed). */
export function copyText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

/**
 * Runs `copySql` (a `COPY … FROM STDIN` statement in text format) and streams `data` (COPY text,
 * whole rows per piece or not) into it. Returns the number of rows the server copied. A failure
 * on either side (the server refuses a row, `data` throws) fails the COPY, so nothing of it stays.
 */
export async function copyIn(
  db: Knex | Knex.Transaction,
  copySql: string,
  data: Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
): Promise<number> {
  const conn = (await db.client.acquireConnection()) as pg.PoolClient;
  try {
    const stream = conn.query(copyFrom(copySql));
    await pipeline(Readable.from(data, { objectMode: false }), stream);
    return stream.rowCount;
  } finally {
    await db.client.releaseConnection(conn);
  }
}

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;
const CR = 13;
const EMPTY = Buffer.alloc(0);
const DAY_MS = 86_400_000;
/** 0001-01-01T00:00Z and 10000-01-01T00:00Z in epoch ms: `timestamp` writes the years between */
const MIN_TIMESTAMP_MS = -62_135_596_800_000;
const END_TIMESTAMP_MS = 253_402_300_800_000;

/**
 * COPY text rows written straight into Buffers, field by field, without building strings
 * (a million-row file would otherwise leave tens of millions of short strings to collect).
 * Fields are written in order with `tab()` between them and `endRow()` after the last; the
 * result is a list of Buffers that may split a row anywhere (COPY allows that).
 */
export class CopyRowWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly full: Buffer[] = [];
  /** the day `timestamp` wrote last (epoch days) and its "YYYY-MM-DD " bytes */
  private day = NaN;
  private dayBytes: Uint8Array = EMPTY;

  constructor(private readonly pieceBytes = 256 * 1024) {
    this.buf = EMPTY;
  }

  /** bytes of a field (or of several, with their tabs) encoded once, e.g. a code seen on many rows */
  static encode(fields: string): Uint8Array {
    return Buffer.from(fields, 'utf8');
  }

  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    if (this.pos > 0) this.full.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(this.pieceBytes, bytes));
    this.pos = 0;
  }

  /** pre-encoded bytes (from `encode`) */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
    this.pos = p + n;
  }

  /** a text value, escaped as COPY needs */
  text(s: string): void {
    const n = s.length;
    this.room(n);
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // anything but plain ASCII: escape and encode the slow way
      if (c >= 128 || c === BACKSLASH || c === TAB || c === NEWLINE || c === CR) return this.encoded(copyText(s));
      buf[p + i] = c;
    }
    this.pos = p + n;
  }

  private encoded(s: string): void {
    const bytes = Buffer.byteLength(s, 'utf8');
    this.room(bytes);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** a number as PostgreSQL reads it from String(n) (integers written digit by digit) */
  number(n: number): void {
    if (n >= 0 && n <= 0x7fffffff && Number.isInteger(n)) {
      this.room(10);
      const buf = this.buf;
      let digits = 1;
      for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
      let x = n | 0;
      for (let i = this.pos + digits - 1; i >= this.pos; i--) {
        buf[i] = 48 + (x % 10);
        x = (x / 10) | 0;
      }
      this.pos += digits;
      return;
    }
    this.text(String(n));
  }

  /** whether `timestamp` can write `ms`: whole epoch milliseconds of the years 1 to 9999 */
  static timestampFits(ms: number): boolean {
    return Number.isInteger(ms) && ms >= MIN_TIMESTAMP_MS && ms < END_TIMESTAMP_MS;
  }

  /**
   * Epoch milliseconds as a timestamptz field PostgreSQL reads the same under any DateStyle and
   * TimeZone: `2026-11-26 01:00:10+00`, with `.250` before the offset when there are milliseconds.
   * Throws a RangeError for what `timestampFits` refuses.
   */
  timestamp(ms: number): void {
    if (!CopyRowWriter.timestampFits(ms)) throw new RangeError(`not a timestamp COPY text can carry: ${ms}`);
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayBytes = Buffer.from(`${new Date(day * DAY_MS).toISOString().slice(0, 10)} `, 'latin1');
    }
    this.bytes(this.dayBytes);
    let t = ms - day * DAY_MS;
    const milli = t % 1000;
    t = (t - milli) / 1000;
    const sec = t % 60;
    t = (t - sec) / 60;
    const min = t % 60;
    const hour = (t - min) / 60;
    this.room(15);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 48 + ((hour / 10) | 0);
    buf[p++] = 48 + (hour % 10);
    buf[p++] = 58; // :
    buf[p++] = 48 + ((min / 10) | 0);
    buf[p++] = 48 + (min % 10);
    buf[p++] = 58;
    buf[p++] = 48 + ((sec / 10) | 0);
    buf[p++] = 48 + (sec % 10);
    if (milli !== 0) {
      buf[p++] = 46; // .
      buf[p++] = 48 + ((milli / 100) | 0);
      buf[p++] = 48 + (((milli / 10) | 0) % 10);
      buf[p++] = 48 + (milli % 10);
    }
    buf[p++] = 43; // +
    buf[p++] = 48;
    buf[p++] = 48;
    this.pos = p;
  }

  tab(): void {
    this.room(1);
    this.buf[this.pos++] = TAB;
  }

  endRow(): void {
    this.room(1);
    this.buf[this.pos++] = NEWLINE;
  }

  /** the Buffers written so far (the writer starts over) */
  take(): Buffer[] {
    const out = this.full.splice(0);
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos));
    this.buf = EMPTY;
    this.pos = 0;
    return out;
  }
}
