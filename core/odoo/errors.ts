/**
 * Typed Odoo errors. Callers branch on the class, never on message text: the classes say whether
 * a retry can help (OdooTransientError) and what kind of fix is needed for the others.
 * The message keeps Odoo's exception class and its first meaningful line; the server traceback
 * is kept off the message and context (it goes to debug logs) but stays readable as `traceback`.
 */
import { EtlError, type ErrorContext } from '../errors.ts';

export interface OdooErrorOptions {
  context?: ErrorContext;
  cause?: unknown;
  /** Python exception class as Odoo named it, e.g. `odoo.exceptions.ValidationError` */
  odooClass?: string;
  /** full server traceback, for debug logs only */
  traceback?: string;
}

export class OdooError extends EtlError {
  override readonly permanent: boolean = true;
  readonly odooClass: string | undefined;
  declare readonly traceback: string | undefined;

  constructor(message: string, options: OdooErrorOptions = {}) {
    super(message, { context: options.context, cause: options.cause });
    this.odooClass = options.odooClass;
    // not enumerable: keeps multi-KB tracebacks out of JSON logs and run records
    Object.defineProperty(this, 'traceback', { value: options.traceback, enumerable: false });
  }
}

/** Wrong login, password or API key (XML-RPC fault 3, `authenticate` → False, JSON-2 401). */
export class OdooAuthError extends OdooError {}

/** ACL, record rule, private method or company not allowed (fault 4, JSON-2 403). */
export class OdooAccessError extends OdooError {}

/** ValidationError, UserError, NOT NULL / unique / check / foreign key violations (fault 2, JSON-2 422). */
export class OdooValidationError extends OdooError {}

/** A record that was written to or read by id does not exist (MissingError). */
export class OdooMissingRecordError extends OdooError {}

/**
 * Retrying can help: connection reset or refused, timeout, HTTP 429/502/503/504, Postgres
 * serialization failure / concurrent update / deadlock.
 * `maybeCommitted` is true when the server may have run the call before the failure
 * (the request was sent and no answer came back): only idempotent calls are retried then.
 */
export class OdooTransientError extends OdooError {
  override readonly permanent: boolean = false;
  readonly maybeCommitted: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: OdooErrorOptions & { maybeCommitted: boolean; retryAfterMs?: number }) {
    super(message, options);
    this.maybeCommitted = options.maybeCommitted;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** An action answered a window action (a wizard) instead of doing its work. */
export class OdooWizardError extends OdooError {
  readonly resModel: string;
  readonly action: Record<string, unknown>;

  constructor(message: string, options: OdooErrorOptions & { resModel: string; action: Record<string, unknown> }) {
    super(message, options);
    this.resModel = options.resModel;
    this.action = options.action;
  }
}

/** Any other server-side error (ValueError, unknown model or method, protocol trouble...). */
export class OdooServerError extends OdooError {}

/**
 * XML-RPC fault `cannot marshal None`: the method ran and its transaction was committed, only
 * its None result could not be sent. Permanent so that it is never retried blindly;
 * `OdooClient.callAction` turns it into a `null` result.
 */
export class OdooNoneResultError extends OdooServerError {}
