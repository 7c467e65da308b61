/**
 * Classification of what Odoo answers when a call fails, from the real fault shapes
 * (see ../shared/reference): XML-RPC faultCode 1 (traceback) / 2 (user error) / 3 (access
 * denied) / 4 (access error), legacy string faultCodes, JSON-2 HTTP status + {name, message,
 * arguments, context, debug}, HTML error pages, plain HTTP statuses and network failures.
 */
import {
  OdooAccessError,
  OdooAuthError,
  OdooError,
  OdooMissingRecordError,
  OdooNoneResultError,
  OdooServerError,
  OdooTransientError,
  OdooValidationError,
  type OdooErrorOptions,
} from './errors.ts';

export interface FaultContext {
  protocol: 'xmlrpc' | 'json2';
  model?: string;
  method?: string;
}

const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
/** 429 and 503 are refusals: the server did not run the call. 502/504 may come after it did. */
const REFUSAL_STATUS = new Set([429, 503]);

const PG_CONCURRENCY_CLASS = /(SerializationFailure|DeadlockDetected|LockNotAvailable|TransactionRollbackError)$/;
const PG_CONCURRENCY_TEXT = /could not serialize access|concurrent update|deadlock detected|could not obtain lock/i;
const PG_CONNECTION_TEXT =
  /could not connect to server|server closed the connection|terminating connection|connection already closed|the database system is (starting up|shutting down)/i;

const USER_ERROR_CLASSES = new Set([
  'odoo.exceptions.UserError',
  'odoo.exceptions.ValidationError',
  'odoo.exceptions.RedirectWarning',
  'odoo.exceptions.CacheMiss',
]);

export interface PythonException {
  exceptionClass: string;
  message: string;
}

/**
 * The last exception of a Python traceback: in the last "Traceback (most recent call last):"
 * block, the first line that is not indented starts `Class: message`; the message may go on
 * over the following lines (ValidationError texts do).
 */
export function parsePythonTraceback(text: string): PythonException | undefined {
  const start = text.lastIndexOf('Traceback (most recent call last):');
  if (start < 0) return undefined;
  const lines = text.slice(start).split('\n').slice(1);
  const at = lines.findIndex((line) => line.length > 0 && !/^\s/.test(line));
  if (at < 0) return undefined;
  const rest = lines.slice(at).join('\n').replace(/\s+$/, '');
  const match = /^([A-Za-z_][\w.]*)(?::\s?([\s\S]*))?$/.exec(rest);
  if (!match?.[1]) return undefined;
  return { exceptionClass: match[1], message: match[2] ?? '' };
}

/**
 * First meaningful line of an Odoo message: the first non-empty line, joined with the
 * following ones while it only introduces them ("The operation cannot be completed:").
 */
export function firstMeaningfulLine(message: string, maxLength = 400): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (lines.length === 0) return '';
  let out = lines[0] ?? '';
  let i = 1;
  while (out.endsWith(':') && i < lines.length) out = `${out} ${lines[i++] ?? ''}`;
  // constraint messages name the model and field on later lines: keep them, they say what to fix
  const where = lines.slice(i).filter((line) => /^(Model|Field|Constraint): /.test(line));
  if (where.length > 0) out = `${out} (${where.join(', ')})`;
  return out.length > maxLength ? `${out.slice(0, maxLength - 1)}…` : out;
}

function where(ctx: FaultContext): string {
  return ctx.model ? ` [${ctx.model}${ctx.method ? `.${ctx.method}` : ''}]` : ctx.method ? ` [${ctx.method}]` : '';
}

function baseContext(ctx: FaultContext, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { protocol: ctx.protocol };
  if (ctx.model) out.model = ctx.model;
  if (ctx.method) out.method = ctx.method;
  return { ...out, ...extra };
}

/** Pick the class for an Odoo exception class name and its message. */
function fromException(
  exceptionClass: string,
  message: string,
  ctx: FaultContext,
  extra: { status?: number; faultCode?: unknown; traceback?: string },
): OdooError {
  const text = `${exceptionClass}: ${firstMeaningfulLine(message)}${where(ctx)}`;
  const options: OdooErrorOptions = {
    odooClass: exceptionClass,
    traceback: extra.traceback,
    context: baseContext(ctx, {
      odooClass: exceptionClass,
      ...(extra.status !== undefined ? { status: extra.status } : {}),
      ...(extra.faultCode !== undefined ? { faultCode: extra.faultCode } : {}),
    }),
  };
  const short = exceptionClass.split('.').pop() ?? exceptionClass;

  if (PG_CONCURRENCY_CLASS.test(exceptionClass) || PG_CONCURRENCY_TEXT.test(message)) {
    // Odoo rolled the transaction back before answering: nothing was committed
    return new OdooTransientError(text, { ...options, maybeCommitted: false });
  }
  if (/OperationalError$/.test(exceptionClass) && PG_CONNECTION_TEXT.test(message)) {
    return new OdooTransientError(text, { ...options, maybeCommitted: false });
  }
  if (short === 'TypeError' && /cannot marshal None/.test(message)) {
    return new OdooNoneResultError(`${text}: the method returned None; its transaction was committed`, options);
  }
  if (short === 'AccessDenied' || exceptionClass === 'werkzeug.exceptions.Unauthorized') return new OdooAuthError(text, options);
  if (short === 'AccessError' || exceptionClass === 'werkzeug.exceptions.Forbidden') return new OdooAccessError(text, options);
  if (short === 'MissingError') return new OdooMissingRecordError(text, options);
  if (USER_ERROR_CLASSES.has(exceptionClass) || /^psycopg2\.errors\.(NotNull|Unique|Check|ForeignKey)Violation$/.test(exceptionClass)) {
    return new OdooValidationError(text, options);
  }
  return new OdooServerError(text, options);
}

/** Odoo puts UserError-family messages in fault 2 without their class: infer it from the text. */
function userErrorClass(message: string): string {
  if (/^Record does not exist or has been deleted\./.test(message)) return 'odoo.exceptions.MissingError';
  if (/^The operation cannot be completed/.test(message)) return 'odoo.exceptions.ValidationError';
  return 'odoo.exceptions.UserError';
}

/** XML-RPC fault (from `/xmlrpc/2/*`, integer codes, or the legacy `/xmlrpc/*`, string codes). */
export function errorFromXmlRpcFault(faultCode: unknown, faultString: string, ctx: FaultContext): OdooError {
  const code = typeof faultCode === 'string' && /^\d+$/.test(faultCode) ? Number(faultCode) : faultCode;
  const extra = { faultCode: code };

  if (code === 3) return fromException('odoo.exceptions.AccessDenied', faultString || 'Access Denied', ctx, extra);
  if (code === 4) return fromException('odoo.exceptions.AccessError', faultString, ctx, extra);
  if (code === 2) {
    // Odoo 18 answers an unknown model with a UserError; it is a configuration problem, not bad data
    if (/^Object \S+ doesn't exist$/.test(faultString.trim())) {
      return new OdooServerError(`odoo.exceptions.UserError: ${faultString.trim()}${where(ctx)}`, {
        odooClass: 'odoo.exceptions.UserError',
        context: baseContext(ctx, { faultCode: code, odooClass: 'odoo.exceptions.UserError' }),
      });
    }
    return fromException(userErrorClass(faultString), faultString, ctx, extra);
  }
  if (typeof code === 'string') {
    // legacy endpoint: 'AccessDenied' or 'warning -- MissingError\n\n<message>'
    if (code === 'AccessDenied') return fromException('odoo.exceptions.AccessDenied', faultString || 'Access Denied', ctx, extra);
    const legacy = /^warning -- (\w+)\n\n([\s\S]*)$/.exec(code);
    if (legacy?.[1]) return fromException(`odoo.exceptions.${legacy[1]}`, legacy[2] ?? '', ctx, extra);
  }
  const parsed = parsePythonTraceback(faultString);
  if (parsed) return fromException(parsed.exceptionClass, parsed.message, ctx, { ...extra, traceback: faultString });
  return fromException('Exception', faultString, ctx, extra);
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
  retryAfter?: string;
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function htmlText(body: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1];
  const paragraph = /<p>([\s\S]*?)<\/p>/i.exec(body)?.[1];
  const clean = (s: string) =>
    s
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
      .trim();
  return (
    [title, paragraph]
      .filter((s): s is string => Boolean(s))
      .map(clean)
      .join(': ') || clean(body).slice(0, 200)
  );
}

/** An HTTP status without an Odoo error body (proxy errors, HTML pages, redirects). */
export function errorFromHttpStatus(answer: HttpAnswer, ctx: FaultContext): OdooError {
  const { status } = answer;
  const detail = /html/i.test(answer.contentType) ? htmlText(answer.body) : answer.body.trim().slice(0, 200);
  const text = `HTTP ${status}${detail ? `: ${detail}` : ''}${where(ctx)}`;
  const context = baseContext(ctx, { status });
  if (TRANSIENT_STATUS.has(status)) {
    return new OdooTransientError(text, {
      context,
      maybeCommitted: !REFUSAL_STATUS.has(status),
      retryAfterMs: retryAfterMs(answer.retryAfter),
    });
  }
  if (status === 401) return new OdooAuthError(text, { context });
  if (status === 403) return new OdooAccessError(text, { context });
  if (status >= 300 && status < 400) {
    // Odoo 18 catches /json/2/... with its /json/<path> route and redirects to /web/login
    return new OdooServerError(`${text}: the server has no JSON-2 API (Odoo 19 or later needed)`, { context });
  }
  if (status === 404 && /No database is selected/i.test(answer.body)) {
    return new OdooServerError(`${text} (check the database name sent in X-Odoo-Database)`, { context });
  }
  return new OdooServerError(text, { context });
}

interface Json2ErrorBody {
  name: string;
  message: string;
  debug?: string;
}

function json2ErrorBody(body: string): Json2ErrorBody | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'name' in parsed && 'message' in parsed) {
      const { name, message, debug } = parsed as Record<string, unknown>;
      if (typeof name === 'string' && typeof message === 'string') {
        return { name, message, debug: typeof debug === 'string' ? debug : undefined };
      }
    }
  } catch {
    // not JSON: handled as a plain HTTP status
  }
  return undefined;
}

/** A JSON-2 answer with a status other than 200. */
export function errorFromJson2Answer(answer: HttpAnswer, ctx: FaultContext): OdooError {
  const body = /json/i.test(answer.contentType) ? json2ErrorBody(answer.body) : undefined;
  if (!body) return errorFromHttpStatus(answer, ctx);
  // werkzeug puts "404 Not Found: " in front of its messages only in str(); `message` is clean
  const error = fromException(body.name, body.message, ctx, { status: answer.status, traceback: body.debug });
  if (error instanceof OdooServerError && TRANSIENT_STATUS.has(answer.status)) {
    return new OdooTransientError(error.message, {
      odooClass: body.name,
      traceback: body.debug,
      context: error.context,
      maybeCommitted: !REFUSAL_STATUS.has(answer.status),
      retryAfterMs: retryAfterMs(answer.retryAfter),
    });
  }
  if (error instanceof OdooServerError && answer.status === 401)
    return new OdooAuthError(error.message, { odooClass: body.name, traceback: body.debug, context: error.context });
  return error;
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const MAYBE_SENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Network-level failure: transient unless it is a configuration problem (DNS name, TLS). */
export function errorFromNetwork(err: unknown, ctx: FaultContext, timeoutMs: number): OdooError {
  const e: Error & { code?: string } = err instanceof Error ? err : new Error(String(err));
  const code = e.code ?? '';
  const context = baseContext(ctx, { code: code || undefined });
  const timedOut = e.name === 'TimeoutError' || (e.name === 'AbortError' && (e.cause as Error | undefined)?.name === 'TimeoutError');
  if (timedOut) {
    return new OdooTransientError(`no answer from Odoo within ${timeoutMs} ms${where(ctx)}`, { context, cause: err, maybeCommitted: true });
  }
  if (NOT_SENT_CODES.has(code)) {
    return new OdooTransientError(`cannot reach Odoo (${code})${where(ctx)}`, { context, cause: err, maybeCommitted: false });
  }
  if (MAYBE_SENT_CODES.has(code) || /socket hang up|aborted/i.test(e.message)) {
    return new OdooTransientError(`connection to Odoo lost (${code || e.message})${where(ctx)}`, {
      context,
      cause: err,
      maybeCommitted: true,
    });
  }
  return new OdooServerError(`cannot talk to Odoo: ${e.message}${where(ctx)}`, { context, cause: err });
}
