/**
 * winston logger: JSON lines (or pretty on a terminal) on stderr, so stdout stays clean for
 * --json output. Every line of a job run carries its run id (child logger). Secrets are masked
 * by the SecretRedactor before any transport sees the line.
 */
import winston from 'winston';
import type { SecretRedactor } from './redact.ts';

export type Logger = winston.Logger;
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  level: string;
  format: LogFormat;
  redactor: SecretRedactor;
  /** extra transport (tests capture lines with it) */
  stream?: NodeJS.WritableStream;
  /** write to stderr (default true) */
  console?: boolean;
  silent?: boolean;
}

const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');

function redactFormat(redactor: SecretRedactor) {
  return winston.format((info) => {
    const clean = redactor.value({ ...info }) as Record<string | symbol, unknown>;
    // winston keeps its bookkeeping under symbols, which the copy above drops
    clean[LEVEL] = info[LEVEL];
    if (info[MESSAGE] !== undefined) clean[MESSAGE] = redactor.text(String(info[MESSAGE]));
    return clean as winston.Logform.TransformableInfo;
  })();
}

export function createLogger(options: LoggerOptions): Logger {
  const base = [winston.format.errors({ stack: true }), redactFormat(options.redactor), winston.format.timestamp()];
  const render =
    options.format === 'json'
      ? winston.format.json()
      : winston.format.printf((info) => {
          const { level, message, timestamp, runId, job, ...rest } = info as Record<string, unknown>;
          const tag = [job, runId].filter(Boolean).join('#');
          const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
          return `${String(timestamp)} ${String(level)}${tag ? ` [${tag}]` : ''} ${String(message)}${extra}`;
        });
  const transports: winston.transport[] = [];
  if (options.console !== false) {
    transports.push(new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] }));
  }
  if (options.stream) transports.push(new winston.transports.Stream({ stream: options.stream }));
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(...base, render),
    transports,
    silent: options.silent ?? false,
  });
}
