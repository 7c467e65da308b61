/**
 * CSV fields against formula injection: a formula at the start of a field, and one hidden after a
 * separator that a spreadsheet program with another list separator (`;`, tab, `|`) would split on.
 */
import { describe, expect, it } from 'vitest';
import { csvField } from '../../core/spreadsheet-text.ts';
import { errorsCsv } from '../../extract/inbox/inbox.ts';

/** the cells a spreadsheet program would make of one unquoted line, splitting on `sep` */
function cellsWhenSplitOn(line: string, sep: string): string[] {
  return line.split(sep).map((c) => c.replace(/^"+/, '').trimStart());
}

describe('csvField', () => {
  it('quotes and neutralises a formula that follows a semicolon inside a field', () => {
    const field = csvField(`x;=cmd|' /C calc'!A0`);
    expect(field).toBe(`"x;'=cmd|' /C calc'!A0"`);
  });

  it('never lets a cell start with a formula trigger, whichever of , ; tab | the reader splits on', () => {
    const values = [`x;=cmd|' /C calc'!A0`, 'a,=1+1', 'a\t+SUM(A1)', 'a|@x', 'a; =1', 'a\n=1', '=1', 'ok'];
    const line = values.map((v) => csvField(v)).join(',');
    for (const sep of [',', ';', '\t', '|', '\n']) {
      for (const cell of cellsWhenSplitOn(line, sep)) expect(cell, `split on ${JSON.stringify(sep)}: ${cell}`).not.toMatch(/^[=+\-@]/);
    }
  });

  it('quotes a field that holds any common separator, even when the file uses another', () => {
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvField('a|b')).toBe('"a|b"');
    expect(csvField('a\tb')).toBe('"a\tb"');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField(-5)).toBe('-5');
  });

  it("the inbox's error report writes the separator-hidden formula quoted and neutralised", () => {
    const csv = errorsCsv([{ ref: '3', column: 'note', value: `x;=cmd|' /C calc'!A0`, message: 'bad' }]);
    expect(csv).toContain(`3,note,"x;'=cmd|' /C calc'!A0",bad\r\n`);
  });
});
