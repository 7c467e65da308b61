/**
 * Typed errors. Every error the pipeline raises on purpose is an EtlError: it carries
 * context (batch id, row, model…) and says whether retrying can help (`permanent`).
 * The runner does not retry permanent errors; the CLI maps them to exit codes.
 */
export type ErrorContext = Record<string, unknown>;

export class EtlError extends Error {
  /** true when a retry cannot succeed without someone changing data or configuration */
  readonly permanent: boolean = false;
  readonly context: ErrorContext;

  constructor(message: string, options: { context?: ErrorContext; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
  }
}

/** Bad configuration: fix the setting named in the message and start again. */
export class ConfigError extends EtlError {
  override readonly permanent = true;
}

/** Bad command-line usage (unknown job, bad flag). */
export class UsageError extends EtlError {
  override readonly permanent = true;
}

/** Data that breaks a rule: retrying the same data gives the same answer. */
export class DataValidationError extends EtlError {
  override readonly permanent = true;
}

/** A batch asked to make a transition its state machine does not allow. */
export class BatchStateError extends EtlError {
  override readonly permanent = true;
}

/** Something that was asked for does not exist (batch id, run id, file). */
export class NotFoundError extends EtlError {
  override readonly permanent = true;
}

/**
 * A run ended with batches Odoo (or the load) refused in part (load_failed): the run failed, and a
 * person fixes the cause, then runs the job again; retrying the same data at once gives the same answer.
 */
export class LoadFailedError extends EtlError {
  override readonly permanent = true;
}

/** A job run that was interrupted (shutdown, abort): safe to retry. */
export class InterruptedError extends EtlError {}

export function isPermanent(err: unknown): boolean {
  return err instanceof EtlError && err.permanent;
}

/** Plain description of any thrown value, for run records and --json output. */
export function describeError(err: unknown): { message: string; class: string; stack?: string; context?: ErrorContext } {
  if (err instanceof EtlError) {
    return { message: err.message, class: err.name, stack: err.stack, context: err.context };
  }
  if (err instanceof Error) return { message: err.message, class: err.name, stack: err.stack };
  return { message: String(err), class: typeof err };
}
