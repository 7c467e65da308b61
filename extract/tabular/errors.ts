/**
 * Why a file could not be read as a table. Always permanent: the same bytes give the same answer,
 * so the job rejects the file (with this message in the planner's report) instead of retrying.
 * `code` lets callers and tests tell the cases apart without matching message text.
 */
import { DataValidationError, type ErrorContext } from '../../core/errors.ts';

export type TabularErrorCode =
  | 'empty'
  | 'encoding'
  | 'binary'
  | 'truncated'
  | 'malformed'
  | 'delimiter'
  | 'too-large'
  | 'not-zip'
  | 'zip-limits'
  | 'zip-unsupported'
  | 'xml-entities'
  | 'not-xlsx'
  | 'sheet-not-found'
  | 'unsupported-format';

export class TabularFormatError extends DataValidationError {
  readonly code: TabularErrorCode;

  constructor(code: TabularErrorCode, message: string, context: ErrorContext = {}, cause?: unknown) {
    super(message, { context: { ...context, code }, cause });
    this.code = code;
  }
}
