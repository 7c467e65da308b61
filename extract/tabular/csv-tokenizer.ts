/**
 * RFC 4180 CSV tokenizer over decoded text chunks, tuned for million-row files: one pass of
 * charCodeAt tests, fields are slices of the chunk, no per-cell objects or regexes.
 * A record cut by the chunk boundary is carried over and re-read with the next chunk; records are
 * small, and `maxRecordChars` bounds the carry-over, so memory stays flat.
 * Quoted fields may hold delimiters, doubled quotes and line breaks; line numbers count physical
 * lines so errors point at the line a planner sees in an editor.
 */
import { TabularFormatError } from './errors.ts';
import type { Cell, TabularRow } from './types.ts';

const QUOTE = 34;
const LF = 10;
const CR = 13;

function countLf(text: string, from: number, to: number): number {
  let n = 0;
  for (let k = text.indexOf('\n', from); k >= 0 && k < to; k = text.indexOf('\n', k + 1)) n++;
  return n;
}

export class CsvTokenizer {
  private carry = '';
  /** physical line number where `carry` (or the next record) starts */
  private line = 1;

  constructor(
    private readonly delimiter: number,
    private readonly maxRecordChars: number = 1 << 20,
  ) {}

  /** parse the complete records of `chunk` into `out` */
  push(chunk: string, out: TabularRow[]): void {
    this.parse(this.carry.length > 0 ? this.carry + chunk : chunk, false, out);
  }

  /** end of input: the carried record must be complete now */
  end(out: TabularRow[]): void {
    if (this.carry.length > 0) this.parse(this.carry, true, out);
    this.carry = '';
  }

  /** line number the next record will start on (for error messages) */
  get currentLine(): number {
    return this.line;
  }

  private parse(text: string, final: boolean, out: TabularRow[]): void {
    const n = text.length;
    const delim = this.delimiter;
    let pos = 0;
    let line = this.line;
    while (pos < n) {
      const recordStart = pos;
      const recordLine = line;
      const cells: Cell[] = [];
      let complete = false;
      for (;;) {
        if (pos >= n) {
          // text ended right after a delimiter
          if (final) {
            cells.push(null);
            complete = true;
          }
          break;
        }
        let c = text.charCodeAt(pos);
        if (c === QUOTE) {
          const fieldStart = pos;
          let value = '';
          let segment = pos + 1;
          let closed = false;
          for (;;) {
            const q = text.indexOf('"', segment);
            if (q < 0) break;
            if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
              value += text.slice(segment, q + 1);
              segment = q + 2;
              continue;
            }
            if (q + 1 >= n && !final) break; // a doubled quote may continue in the next chunk
            value += text.slice(segment, q);
            pos = q + 1;
            closed = true;
            break;
          }
          if (!closed) {
            if (final) {
              throw new TabularFormatError(
                'truncated',
                `Line ${recordLine}: a quoted field is never closed; the file is truncated or a quote is missing.`,
                { line: recordLine },
              );
            }
            break;
          }
          line += countLf(text, fieldStart, pos);
          cells.push(value.length > 0 ? value : null);
          c = pos < n ? text.charCodeAt(pos) : -1;
          if (c === delim) {
            pos++;
            continue;
          }
          if (c === -1) {
            complete = final;
            break;
          }
          if (c !== LF && c !== CR) {
            throw new TabularFormatError(
              'malformed',
              `Line ${line}: unexpected text after a closing quote; quotes inside a quoted field must be doubled ("").`,
              { line },
            );
          }
        } else {
          let k = pos;
          while (k < n) {
            c = text.charCodeAt(k);
            if (c === delim || c === LF || c === CR) break;
            k++;
          }
          if (k >= n) {
            if (final) {
              cells.push(k > pos ? text.slice(pos, k) : null);
              pos = k;
              complete = true;
            }
            break;
          }
          cells.push(k > pos ? text.slice(pos, k) : null);
          pos = k;
          if (c === delim) {
            pos++;
            continue;
          }
        }
        // at a line break: CRLF, LF or lone CR; a CR at the very end may be half of a CRLF
        if (text.charCodeAt(pos) === CR) {
          if (pos + 1 >= n && !final) break;
          pos += pos + 1 < n && text.charCodeAt(pos + 1) === LF ? 2 : 1;
        } else pos++;
        line++;
        complete = true;
        break;
      }
      if (!complete) {
        this.carry = text.slice(recordStart);
        this.line = recordLine;
        if (this.carry.length > this.maxRecordChars) {
          throw new TabularFormatError(
            'too-large',
            `Line ${recordLine}: a record longer than ${this.maxRecordChars} characters; this is not a CSV file, or a quote is never closed.`,
            { line: recordLine },
          );
        }
        return;
      }
      // blank lines are no records
      if (cells.length > 1 || cells[0] !== null) out.push({ ref: String(recordLine), cells });
    }
    this.carry = '';
    this.line = line;
  }
}
