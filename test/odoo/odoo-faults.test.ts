/**
 * Fault classification against the real fault shapes: the captured XML-RPC faults (Odoo 18) and
 * JSON-2 error answers (Odoo 19) map to the typed errors, keep Odoo's exception class and first
 * meaningful line in the message, and keep the traceback out of it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  OdooAccessError,
  OdooAuthError,
  OdooMissingRecordError,
  OdooNoneResultError,
  OdooServerError,
  OdooTransientError,
  OdooValidationError,
  type OdooError,
} from '../../core/odoo/errors.ts';
import {
  errorFromHttpStatus,
  errorFromJson2Answer,
  errorFromNetwork,
  errorFromXmlRpcFault,
  firstMeaningfulLine,
  parsePythonTraceback,
} from '../../core/odoo/faults.ts';

const CAPTURES = new URL('../support/odoo/captures/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, CAPTURES), 'utf8');

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** faultCode and faultString of a captured XML-RPC fault answer. */
function capturedFault(name: string): { code: number; text: string } {
  const xml = read(`odoo18-xmlrpc/${name}.response.xml`);
  const code = Number(/<name>faultCode<\/name>\n<value><int>(\d+)<\/int>/.exec(xml)?.[1]);
  const text = decode(/<name>faultString<\/name>\n<value><string>([\s\S]*?)<\/string>/.exec(xml)?.[1] ?? '');
  return { code, text };
}

function capturedJson2(name: string): OdooError {
  const meta = JSON.parse(read(`odoo19-json2/${name}.meta.json`)) as {
    status: number;
    response_content_type: string;
    response_file: string;
  };
  return errorFromJson2Answer(
    { status: meta.status, contentType: meta.response_content_type, body: read(`odoo19-json2/${meta.response_file}`) },
    { protocol: 'json2', model: 'm.x', method: 'do' },
  );
}

type ErrorClass = abstract new (...args: never[]) => OdooError;

describe('XML-RPC faults captured from Odoo 18', () => {
  it.each<[string, ErrorClass, string]>([
    [
      '004-common-authenticate-unknown-db',
      OdooServerError,
      'psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "no_such_db" does not exist',
    ],
    ['006-common-unknown-method', OdooServerError, 'Exception: Method not found: no_such_method'],
    ['047-quant-apply-inventory-returns-none', OdooNoneResultError, 'TypeError: cannot marshal None unless allow_none is enabled'],
    ['049-error-nonexistent-model', OdooServerError, "Object x_no.such.model doesn't exist"],
    ['051-error-write-nonexistent-id', OdooMissingRecordError, 'odoo.exceptions.MissingError: Record does not exist or has been deleted.'],
    ['052-error-create-missing-required', OdooValidationError, 'Field: Product (product_tmpl_id)'],
    ['056-error-bad-selection-value', OdooServerError, "ValueError: Wrong value for product.template.type: 'product'"],
    ['058-error-wrong-password', OdooAuthError, 'odoo.exceptions.AccessDenied: Access Denied'],
    ['059-error-bad-uid', OdooMissingRecordError, 'Record does not exist or has been deleted.'],
    [
      '060-error-private-method',
      OdooAccessError,
      'odoo.exceptions.AccessError: Private methods (such as _compute_display_name) cannot be called remotely.',
    ],
    ['062-error-access-demo-user-write-account', OdooAccessError, "You are not allowed to modify 'Account' (account.account) records."],
    ['063-error-usererror-unlink-posted-move', OdooValidationError, "odoo.exceptions.UserError: You can't delete a posted journal item."],
    ['078-load-products-native-types', OdooServerError, "AttributeError: 'bool' object has no attribute 'lower'"],
    ['146-error-allowed-company-invalid', OdooAccessError, 'Access to unauthorized or invalid companies.'],
  ])('%s is a %O whose message says "%s"', (name, type, text) => {
    const { code, text: faultString } = capturedFault(name);
    const error = errorFromXmlRpcFault(code, faultString, { protocol: 'xmlrpc', model: 'product.product', method: 'x' });
    expect(error).toBeInstanceOf(type);
    expect(error.message).toContain(text);
    expect(error.message).not.toContain('Traceback');
    expect(error.message).toContain('[product.product.x]');
    expect(error.context).toMatchObject({ model: 'product.product', method: 'x', faultCode: code });
    expect(error.permanent).toBe(true);
  });

  it('keeps the traceback of a fault 1 on the error for debug logs only', () => {
    const { code, text } = capturedFault('078-load-products-native-types');
    const error = errorFromXmlRpcFault(code, text, { protocol: 'xmlrpc', model: 'product.product', method: 'load' });
    expect(error.traceback).toBe(text);
    expect(Object.keys(error)).not.toContain('traceback');
    expect(JSON.stringify(error.context)).not.toContain('Traceback');
  });

  it('reads the legacy /xmlrpc string fault codes', () => {
    const missing = errorFromXmlRpcFault(
      'warning -- MissingError\n\nRecord does not exist or has been deleted.\n(Record: product.product(99999999,), User: 2)',
      '',
      { protocol: 'xmlrpc' },
    );
    expect(missing).toBeInstanceOf(OdooMissingRecordError);
    expect(errorFromXmlRpcFault('AccessDenied', 'Access Denied', { protocol: 'xmlrpc' })).toBeInstanceOf(OdooAuthError);
  });

  it('treats a Postgres serialization failure as transient and not committed', () => {
    const traceback =
      'Traceback (most recent call last):\n  File "/opt/odoo/odoo/sql_db.py", line 354, in execute\n    res = self._obj.execute(query, params)\npsycopg2.errors.SerializationFailure: could not serialize access due to concurrent update\n';
    const error = errorFromXmlRpcFault(1, traceback, { protocol: 'xmlrpc', model: 'stock.quant', method: 'write' });
    expect(error).toBeInstanceOf(OdooTransientError);
    expect((error as OdooTransientError).maybeCommitted).toBe(false);
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update');
  });
});

describe('JSON-2 errors captured from Odoo 19', () => {
  it.each<[string, ErrorClass, string]>([
    ['071-error-no-auth-header', OdooAuthError, 'werkzeug.exceptions.Unauthorized: User not authenticated'],
    ['072-error-wrong-key', OdooAuthError, 'werkzeug.exceptions.Unauthorized: Invalid apikey'],
    ['073-error-basic-scheme', OdooAuthError, 'werkzeug.exceptions.Unauthorized'],
    ['074-error-unknown-model', OdooServerError, "werkzeug.exceptions.NotFound: the model 'x_no.such.model' does not exist"],
    ['075-error-unknown-method', OdooServerError, "The method 'product.product.no_such_method' does not exist"],
    ['076-error-private-method', OdooAccessError, 'odoo.exceptions.AccessError: Private methods'],
    ['077-error-unknown-field-read', OdooServerError, "builtins.ValueError: Invalid field 'no_such_field' on 'product.product'"],
    ['080-error-bad-selection-value', OdooServerError, 'builtins.ValueError: Wrong value for product.template.type'],
    [
      '081-error-unexpected-argument',
      OdooServerError,
      "werkzeug.exceptions.UnprocessableEntity: got an unexpected keyword argument 'bogus'",
    ],
    ['082-error-positional-args', OdooServerError, "missing a required argument: 'domain'"],
    ['083-error-ids-on-model-method', OdooServerError, 'cannot call product.product.search_count with ids'],
    [
      '084-error-validation',
      OdooValidationError,
      'odoo.exceptions.ValidationError: The minimum quantity must be less than or equal to the maximum quantity.',
    ],
    ['085-error-required-missing', OdooValidationError, "Missing required value for the field 'Name' (name)."],
    ['086-error-write-missing-record', OdooMissingRecordError, 'odoo.exceptions.MissingError: Record does not exist or has been deleted.'],
    [
      '087-error-user-error',
      OdooValidationError,
      'odoo.exceptions.UserError: The following units of measure are used by the system and cannot be deleted: Units',
    ],
    ['089-error-access-demo-read', OdooAccessError, "You are not allowed to access 'System Parameter' (ir.config_parameter) records."],
    ['090-error-access-demo-write', OdooAccessError, "You are not allowed to modify 'Product Variant' (product.product) records."],
    ['040-load-non-string-cell', OdooServerError, "builtins.AttributeError: 'bool' object has no attribute 'lower'"],
    ['092-error-wrong-content-type', OdooServerError, 'HTTP 415: 415 Unsupported Media Type'],
    ['095-error-unknown-database-header', OdooServerError, 'X-Odoo-Database'],
    ['097-no-database-header-multi-db', OdooServerError, 'No database is selected'],
  ])('%s is a %O whose message says "%s"', (name, type, text) => {
    const error = capturedJson2(name);
    expect(error).toBeInstanceOf(type);
    expect(error.message).toContain(text);
    expect(error.message).not.toContain('Traceback');
    expect(error.permanent).toBe(true);
  });

  it('keeps the server traceback (debug) off the message but on the error', () => {
    const error = capturedJson2('086-error-write-missing-record');
    expect(error.traceback).toMatch(/^Traceback \(most recent call last\):/);
    expect(error.odooClass).toBe('odoo.exceptions.MissingError');
    expect(error.context).toMatchObject({ status: 404, odooClass: 'odoo.exceptions.MissingError' });
  });

  it('treats a serialization failure answered with HTTP 500 as transient', () => {
    const body = JSON.stringify({
      name: 'psycopg2.errors.SerializationFailure',
      message: 'could not serialize access due to concurrent update\n',
      arguments: [],
      context: {},
      debug: 'Traceback...',
    });
    const error = errorFromJson2Answer({ status: 500, contentType: 'application/json; charset=utf-8', body }, { protocol: 'json2' });
    expect(error).toBeInstanceOf(OdooTransientError);
    expect((error as OdooTransientError).maybeCommitted).toBe(false);
  });
});

describe('HTTP and network failures', () => {
  it.each<[number, boolean]>([
    [429, false],
    [503, false],
    [502, true],
    [504, true],
  ])('HTTP %i is transient (may have been committed: %s)', (status, maybeCommitted) => {
    const error = errorFromHttpStatus(
      { status, contentType: 'text/html', body: '<title>x</title>', retryAfter: '2' },
      { protocol: 'xmlrpc' },
    );
    expect(error).toBeInstanceOf(OdooTransientError);
    expect((error as OdooTransientError).maybeCommitted).toBe(maybeCommitted);
    expect((error as OdooTransientError).retryAfterMs).toBe(2000);
  });

  it('a redirect on a JSON-2 path says the server has no JSON-2 API', () => {
    const error = errorFromHttpStatus({ status: 303, contentType: 'text/html', body: '' }, { protocol: 'json2' });
    expect(error).toBeInstanceOf(OdooServerError);
    expect(error.message).toContain('no JSON-2 API');
  });

  it.each<[string, boolean | undefined]>([
    ['ECONNRESET', true],
    ['EPIPE', true],
    ['ECONNREFUSED', false],
  ])('%s is transient (may have been committed: %s)', (code, maybeCommitted) => {
    const error = errorFromNetwork(Object.assign(new Error(`connect ${code}`), { code }), { protocol: 'json2' }, 1000);
    expect(error).toBeInstanceOf(OdooTransientError);
    expect((error as OdooTransientError).maybeCommitted).toBe(maybeCommitted);
  });

  it('a timeout is transient and may have been committed', () => {
    const error = errorFromNetwork(
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      { protocol: 'xmlrpc' },
      1500,
    );
    expect(error).toBeInstanceOf(OdooTransientError);
    expect(error.message).toContain('1500 ms');
  });

  it('an unknown host name is permanent', () => {
    const error = errorFromNetwork(
      Object.assign(new Error('getaddrinfo ENOTFOUND odoo.invalid'), { code: 'ENOTFOUND' }),
      { protocol: 'xmlrpc' },
      1000,
    );
    expect(error).toBeInstanceOf(OdooServerError);
    expect(error.permanent).toBe(true);
  });
});

describe('message helpers', () => {
  it('parses the last exception of a chained traceback, message lines included', () => {
    const text =
      'Traceback (most recent call last):\n  File "a.py", line 1, in f\n    x()\nKeyError: 1\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "b.py", line 2, in g\n    raise ValidationError(m)\nodoo.exceptions.ValidationError: first line\nsecond line\n';
    expect(parsePythonTraceback(text)).toEqual({ exceptionClass: 'odoo.exceptions.ValidationError', message: 'first line\nsecond line' });
  });

  it('joins an introducing line with what follows and keeps model and field lines', () => {
    const text =
      'The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: x\n\nModel: Bill of Material (mrp.bom)\nField: Product (product_tmpl_id)\n';
    expect(firstMeaningfulLine(text)).toBe(
      'The operation cannot be completed: - Create/update: a mandatory field is not set. (Model: Bill of Material (mrp.bom), Field: Product (product_tmpl_id))',
    );
  });
});
