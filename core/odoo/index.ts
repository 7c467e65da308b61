/** Public surface of the Odoo client. */
export { OdooClient } from './client.ts';
export type {
  ActionOptions,
  CallOptions,
  ConnectionInfo,
  FieldDescription,
  FieldsGetOptions,
  GenericCallOptions,
  OdooContext,
  PageOptions,
  SearchOptions,
} from './client.ts';
export { OdooOptionsSchema, OdooProtocolSchema, OdooRetrySchema, odooConfigured, odooOptionsFromEnv, parseOdooOptions } from './config.ts';
export type { OdooOptions, OdooOptionsInput, OdooProtocolSetting, OdooRetryOptions } from './config.ts';
export {
  OdooAccessError,
  OdooAuthError,
  OdooError,
  OdooMissingRecordError,
  OdooNoneResultError,
  OdooServerError,
  OdooTransientError,
  OdooValidationError,
  OdooWizardError,
} from './errors.ts';
export type { LoadCell, LoadMessage, LoadRecordsResult, LoadRowResult } from './load-records.ts';
export type { OdooProtocol, OdooVersion } from './transport.ts';
export { emptyToNull, idList, isMany2one, isWindowAction, many2oneId, many2oneName, x2manyIds } from './values.ts';
export type { OdooDomain, OdooRecord, OdooScalar, OdooValue, OdooValues } from './values.ts';
