/**
 * Upserts through the model's `load(fields, rows)`, like Odoo's own import: one transaction per
 * call, records and their external ids written together. `load` is all-or-nothing: bad data
 * answers `{ids: false, messages: [...]}` and rolls the whole call back. Rows that the messages
 * pinpoint are reported as failed and the rest is loaded again; when the messages do not say
 * which rows are bad, the batch is split in two until they are isolated.
 */
import { z } from 'zod';
import { OdooServerError } from './errors.ts';

export type LoadCell = string | number | boolean | null | undefined;

export const LoadMessageSchema = z
  .object({
    type: z.string(),
    message: z.string(),
    record: z.number().int().optional(),
    rows: z.object({ from: z.number().int(), to: z.number().int() }).optional(),
    field: z.string().optional(),
    field_name: z.string().optional(),
  })
  .loose();
export type LoadMessage = z.infer<typeof LoadMessageSchema>;

const LoadAnswerSchema = z.object({
  ids: z.union([z.array(z.number().int()), z.literal(false)]),
  messages: z.array(LoadMessageSchema),
});
export type LoadAnswer = z.infer<typeof LoadAnswerSchema>;

export type LoadRowResult =
  { row: number; ok: true; id: number; warnings: LoadMessage[] } | { row: number; ok: false; message: string; messages: LoadMessage[] };

export interface LoadRecordsResult {
  /** one result per input row, in input order */
  rows: LoadRowResult[];
  /** record id per input row, null for failed rows */
  ids: Array<number | null>;
  loaded: number;
  failed: number;
  /** `load` calls made (bisection included, transport retries not) */
  calls: number;
}

/** The batch loader: sends rows (strings only) and returns the parsed answer. */
export type LoadBatch = (rows: string[][]) => Promise<LoadAnswer>;

/**
 * Cells must be strings: a native boolean is a server fault (`'bool' object has no attribute
 * 'lower'`). Booleans become '1'/'0', numbers their decimal text, null/undefined ''.
 */
export function toLoadCell(cell: LoadCell): string {
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'boolean') return cell ? '1' : '0';
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) throw new RangeError(`load cell is not a finite number: ${cell}`);
    return String(cell);
  }
  return '';
}

export function parseLoadAnswer(raw: unknown, model: string): LoadAnswer {
  const parsed = LoadAnswerSchema.safeParse(raw);
  if (!parsed.success) {
    throw new OdooServerError(`unexpected answer from ${model}.load: ${JSON.stringify(raw)?.slice(0, 200)}`, {
      context: { model, method: 'load' },
    });
  }
  return parsed.data;
}

/** Row positions (within the call) that a message names unambiguously. */
function pinpointedRow(message: LoadMessage, size: number): number | undefined {
  const from = message.rows?.from ?? message.record;
  const to = message.rows?.to ?? message.record;
  if (from === undefined || to === undefined || from !== to || from < 0 || from >= size) return undefined;
  return from;
}

function messagesFor(messages: LoadMessage[], position: number, size: number): LoadMessage[] {
  return messages.filter((m) => pinpointedRow(m, size) === position);
}

/**
 * Load `rows` (already strings) in batches of `batchSize`; batches run concurrently, the caller's
 * limiter bounds the calls in flight.
 */
export async function loadWithBisection(rows: string[][], batchSize: number, loadBatch: LoadBatch): Promise<LoadRecordsResult> {
  const results: Array<LoadRowResult | undefined> = new Array(rows.length);
  let calls = 0;

  const fail = (row: number, messages: LoadMessage[]) => {
    const errors = messages.filter((m) => m.type === 'error');
    const message = (errors[0] ?? messages[0])?.message ?? 'rejected by Odoo load() without a message';
    results[row] = { row, ok: false, message, messages };
  };

  const run = async (indexes: number[]): Promise<void> => {
    calls++;
    const answer = await loadBatch(indexes.map((i) => rows[i] as string[]));
    const size = indexes.length;
    const ids = answer.ids;
    if (ids !== false) {
      if (ids.length !== size) {
        throw new OdooServerError(`load answered ${ids.length} ids for ${size} rows (empty rows are read as continuation lines)`, {
          context: { method: 'load' },
        });
      }
      indexes.forEach((row, position) => {
        results[row] = { row, ok: true, id: ids[position] as number, warnings: messagesFor(answer.messages, position, size) };
      });
      return;
    }
    const errors = answer.messages.filter((m) => m.type === 'error');
    if (size === 1) {
      fail(indexes[0] as number, answer.messages);
      return;
    }
    const bad = new Set<number>();
    for (const message of errors) {
      const position = pinpointedRow(message, size);
      if (position !== undefined) bad.add(position);
    }
    if (bad.size > 0) {
      for (const position of bad) fail(indexes[position] as number, messagesFor(answer.messages, position, size));
      const rest = indexes.filter((_, position) => !bad.has(position));
      if (rest.length > 0) await run(rest);
      return;
    }
    // the messages do not say which rows: split until they do
    const middle = Math.ceil(size / 2);
    await Promise.all([run(indexes.slice(0, middle)), run(indexes.slice(middle))]);
  };

  const batches: number[][] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    batches.push(Array.from({ length: Math.min(batchSize, rows.length - start) }, (_, k) => start + k));
  }
  await Promise.all(batches.map((batch) => run(batch)));

  const done = results.map((result, row) => result ?? ({ row, ok: false, message: 'not loaded', messages: [] } as LoadRowResult));
  return {
    rows: done,
    ids: done.map((result) => (result.ok ? result.id : null)),
    loaded: done.filter((result) => result.ok).length,
    failed: done.filter((result) => !result.ok).length,
    calls,
  };
}
