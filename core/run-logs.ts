/**
 * Stores the log lines of job runs (lines that carry a run id) in `run_logs`, so a run's page on
 * the status page shows them. Lines are buffered and written in batches with one array-parameter
 * insert; a failing database never fails the job that logs: lines are kept (bounded) and retried,
 * the oldest dropped when the buffer is full, and the trouble reported on stderr at most once a minute.
 * Lines reach the transport after the logger's redaction, so secrets are masked here too.
 */
import type { Knex } from 'knex';
import winston from 'winston';
import type TransportStreamType from 'winston-transport';
import type { Logger } from './logger.ts';
import { redactSecrets, redactSecretsDeep } from './redact.ts';
import { pgQuery, sqlText } from './sql.ts';

interface Line {
  runId: number;
  at: string;
  level: string;
  message: string;
  meta: string;
}

export interface RunLogOptions {
  /** how often buffered lines are written (default 1000 ms) */
  flushMs?: number;
  /** lines per insert (default 500) */
  batchSize?: number;
  /** lines kept while the database is unreachable (default 5000) */
  maxBuffered?: number;
}

const OWN_KEYS = new Set(['runId', 'job', 'attempt', 'level', 'message', 'timestamp']);
const MAX_META_CHARS = 8000;
const MAX_MESSAGE_CHARS = 4000;
// the schema was dropped (tests) or not migrated: nothing to keep the lines for
const GONE = new Set(['42P01', '3F000']);

// winston's typings name the transport base class `transport`; at run time it is `Transport`
const TransportStream = (winston as unknown as { Transport: typeof TransportStreamType }).Transport;

export class RunLogTransport extends TransportStream {
  private buffer: Line[] = [];
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private lastComplaint = 0;
  private stopped = false;
  /** lines lost because the buffer was full or the schema was gone */
  dropped = 0;

  constructor(
    private readonly knex: Knex,
    private readonly o: RunLogOptions = {},
  ) {
    super();
    this.timer = setInterval(() => void this.flush(), o.flushMs ?? 1000);
    this.timer.unref();
  }

  override log(info: Record<string, unknown>, next: () => void): void {
    const runId = info.runId;
    if (!this.stopped && typeof runId === 'number' && Number.isSafeInteger(runId) && runId > 0) {
      const meta: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(info)) if (!OWN_KEYS.has(key)) meta[key] = value;
      // the logger masked the line already; patterns and registered secrets once more, as for everything stored
      let metaText = safeJson(redactSecretsDeep(meta));
      if (metaText.length > MAX_META_CHARS) metaText = JSON.stringify({ truncated: metaText.slice(0, MAX_META_CHARS) });
      this.buffer.push({
        runId,
        at: typeof info.timestamp === 'string' ? info.timestamp : new Date().toISOString(),
        level: String(info.level ?? 'info'),
        message: redactSecrets(String(info.message ?? '')).slice(0, MAX_MESSAGE_CHARS),
        meta: metaText,
      });
      const max = this.o.maxBuffered ?? 5000;
      if (this.buffer.length > max) {
        this.dropped += this.buffer.length - max;
        this.buffer.splice(0, this.buffer.length - max);
      }
      if (this.buffer.length >= (this.o.batchSize ?? 500)) void this.flush();
    }
    next();
  }

  /** Writes what is buffered; never throws. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writeAll());
    return this.writing;
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.o.batchSize ?? 500);
      try {
        await pgQuery(this.knex, sqlText('ops/insert_run_logs'), [
          batch.map((l) => l.runId),
          batch.map((l) => l.at),
          batch.map((l) => l.level),
          batch.map((l) => l.message),
          batch.map((l) => l.meta),
        ]);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code && GONE.has(code)) {
          this.dropped += batch.length;
          continue;
        }
        // keep them for the next try, unless we are closing
        if (!this.stopped) this.buffer.unshift(...batch);
        else this.dropped += batch.length;
        if (Date.now() - this.lastComplaint > 60_000) {
          this.lastComplaint = Date.now();
          process.stderr.write(`mfg-etl: run log lines not stored yet (${(err as Error).message}); retrying\n`);
        }
        return;
      }
    }
  }

  /** Writes the rest and stops; call before the database closes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.stopped = true;
    await this.flush();
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '{}';
  } catch {
    return '{}';
  }
}

/** Adds the transport to the logger (its child loggers included); `stop` flushes and detaches it. */
export function attachRunLogs(
  logger: Logger,
  knex: Knex,
  options: RunLogOptions = {},
): { transport: RunLogTransport; stop(): Promise<void> } {
  const transport = new RunLogTransport(knex, options);
  logger.add(transport);
  return {
    transport,
    async stop() {
      await transport.stop();
      logger.remove(transport);
    },
  };
}
