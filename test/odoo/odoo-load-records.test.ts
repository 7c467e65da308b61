/**
 * The load splitter on its own, against an all-or-nothing fake `load`: bad rows are isolated,
 * good rows loaded, every row reported once, and the number of calls stays small.
 */
import { describe, expect, it } from 'vitest';
import { OdooServerError } from '../../core/odoo/errors.ts';
import { loadWithBisection, parseLoadAnswer, toLoadCell, type LoadAnswer, type LoadMessage } from '../../core/odoo/load-records.ts';

/** Rows are [key, value]; a value of 'bad' fails the whole call, like Odoo's load. */
function fakeLoad(options: { pinpoint: boolean }) {
  const calls: string[][][] = [];
  const loaded = new Map<string, number>();
  let nextId = 100;
  const batch = async (rows: string[][]): Promise<LoadAnswer> => {
    calls.push(rows);
    const messages: LoadMessage[] = [];
    rows.forEach((row, index) => {
      if (row[1] === 'bad') {
        messages.push(
          options.pinpoint
            ? { type: 'error', message: `row ${row[0]} is bad`, record: index, rows: { from: index, to: index } }
            : { type: 'error', message: `row ${row[0]} is bad` },
        );
      }
    });
    if (messages.length) return { ids: false, messages };
    return { ids: rows.map((row) => loaded.get(row[0] as string) ?? (loaded.set(row[0] as string, nextId), nextId++)), messages: [] };
  };
  return { batch, calls, loaded };
}

const rows = (count: number, bad: number[]) => Array.from({ length: count }, (_, i) => [`r${i}`, bad.includes(i) ? 'bad' : 'ok']);

describe('loadWithBisection', () => {
  it('reports the rows the messages name and loads the rest in one more call', async () => {
    const fake = fakeLoad({ pinpoint: true });
    const result = await loadWithBisection(rows(10, [2, 7]), 10, fake.batch);
    expect(result.loaded).toBe(8);
    expect(result.failed).toBe(2);
    expect(result.calls).toBe(2);
    expect(result.rows[2]).toMatchObject({ ok: false, message: 'row r2 is bad' });
    expect(result.rows[7]).toMatchObject({ ok: false, message: 'row r7 is bad' });
    expect(result.ids.filter((id) => id !== null)).toHaveLength(8);
    expect([...fake.loaded.keys()].sort()).toEqual(['r0', 'r1', 'r3', 'r4', 'r5', 'r6', 'r8', 'r9']);
  });

  it('splits the batch until the bad rows are alone when the messages do not say which rows', async () => {
    const fake = fakeLoad({ pinpoint: false });
    const result = await loadWithBisection(rows(64, [5, 40]), 64, fake.batch);
    expect(result.loaded).toBe(62);
    expect(result.rows[5]).toMatchObject({ ok: false, message: 'row r5 is bad' });
    expect(result.rows[40]).toMatchObject({ ok: false, message: 'row r40 is bad' });
    // two bad rows in 64: at most 2 * log2(64) levels of failed calls, far fewer than one per row
    expect(result.calls).toBeLessThanOrEqual(1 + 2 * 2 * 6);
    expect(fake.loaded.size).toBe(62);
  });

  it('runs batches of batchSize rows and keeps the input order of ids', async () => {
    const fake = fakeLoad({ pinpoint: true });
    const result = await loadWithBisection(rows(25, []), 10, fake.batch);
    expect(fake.calls.map((call) => call.length)).toEqual([10, 10, 5]);
    expect(result.rows.map((row) => row.row)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(result.ids).toEqual(result.rows.map((row) => (row.ok ? row.id : null)));
  });

  it('fails loudly when load answers fewer ids than rows (an empty row is read as a continuation line)', async () => {
    await expect(
      loadWithBisection(
        [
          ['a', 'ok'],
          ['', ''],
        ],
        10,
        async () => ({ ids: [1], messages: [] }),
      ),
    ).rejects.toBeInstanceOf(OdooServerError);
  });

  it('rejects an answer that is not {ids, messages}', () => {
    expect(() => parseLoadAnswer({ result: true }, 'product.product')).toThrow(OdooServerError);
    expect(
      parseLoadAnswer(
        { ids: false, messages: [{ type: 'error', message: 'x', rows: { from: 0, to: 0 }, record: 0, moreinfo: {} }], nextrow: 0 },
        'm',
      ).ids,
    ).toBe(false);
  });
});

describe('toLoadCell', () => {
  it('turns every cell into the string load expects', () => {
    expect([toLoadCell('x'), toLoadCell(true), toLoadCell(false), toLoadCell(2.5), toLoadCell(null), toLoadCell(undefined)]).toEqual([
      'x',
      '1',
      '0',
      '2.5',
      '',
      '',
    ]);
    expect(() => toLoadCell(Number.NaN)).toThrow(RangeError);
  });
});
