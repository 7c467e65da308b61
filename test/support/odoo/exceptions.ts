/**
 * Python exceptions of the test server and how Odoo shows them on each protocol, as captured:
 * XML-RPC faultCode 1 (traceback) / 2 (UserError family, plain text) / 3 (AccessDenied) /
 * 4 (AccessError); JSON-2 HTTP status + {name, message, arguments, context, debug}.
 */
import { pyJson } from './py.ts';

export class OdooException extends Error {
  constructor(
    /** module-qualified class: 'odoo.exceptions.ValidationError', 'builtins.ValueError' */
    readonly pyClass: string,
    message: string,
    /** werkzeug HTTP exceptions carry their status */
    readonly httpStatus?: number,
    /** innermost traceback frames, as Python prints them */
    readonly frames: string[] = [],
  ) {
    super(message);
  }
}

/** NOT NULL violation: `load` turns it into a row message, the other methods into a fault. */
export class RequiredFieldMissing extends OdooException {
  constructor(
    message: string,
    readonly model: string,
    readonly field: string,
  ) {
    super('odoo.exceptions.ValidationError', message);
  }
}

const USER_FAMILY = new Set([
  'odoo.exceptions.UserError',
  'odoo.exceptions.ValidationError',
  'odoo.exceptions.MissingError',
  'odoo.exceptions.RedirectWarning',
]);

const WERKZEUG_REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
};

/**
 * One traceback frame as Python 3.11 prints it: carets under the failing expression of an
 * assignment or return (none for a statement that is the whole expression, or a raise).
 */
const frame = (file: string, line: number, fn: string, code: string, caret?: { start: number; length: number }) => {
  const target = /^(return |[\w.[\]', ]+ = )/.exec(code);
  const at = caret ?? (target ? { start: target[1]?.length ?? 0, length: code.length - (target[1]?.length ?? 0) } : undefined);
  const carets = at ? `    ${' '.repeat(at.start)}${'^'.repeat(at.length)}\n` : '';
  return `  File "${file}", line ${line}, in ${fn}\n    ${code}\n${carets}`;
};

export const frames = {
  create: [frame('/opt/odoo/odoo/models.py', 4923, 'create', 'raise ValueError("Invalid field %r on model %r" % (key, self._name))')],
  domain: [
    frame(
      '/opt/odoo/odoo/osv/expression.py',
      374,
      '_anyfy_leaves',
      'raise ValueError(f"Invalid field {model._name}.{path[0]} in leaf {item}")',
    ),
  ],
  read: [
    frame(
      '/opt/odoo/odoo/models.py',
      3853,
      '_determine_fields_to_fetch',
      'raise ValueError(f"Invalid field {field_name!r} on {self._name!r}") from e',
    ),
  ],
  selection: [frame('/opt/odoo/odoo/fields.py', 2976, 'convert_to_cache', 'raise ValueError("Wrong value for %s: %r" % (self, value))')],
  /** a boolean cell in load (078 on 18, 040 on 19) */
  loadBoolean: (version: 18 | 19) =>
    version >= 19
      ? [
          frame('/opt/odoo/odoo/orm/models.py', 1047, 'load', 'for id, xid, record, info in converted:'),
          frame(
            '/opt/odoo/odoo/orm/models.py',
            1249,
            '_convert_records',
            'converted = convert(record, functools.partial(_log, extras, stream_index))',
          ),
          frame('/opt/odoo/odoo/addons/base/models/ir_fields.py', 128, 'fn', 'converted[field], ws = converters[field](value)'),
          frame('/opt/odoo/odoo/addons/base/models/ir_fields.py', 317, '_str_to_boolean', 'if value.lower() in trues:', {
            start: 3,
            length: 11,
          }),
        ]
      : [
          frame('/opt/odoo/odoo/models.py', 1386, 'load', 'for id, xid, record, info in converted:'),
          frame(
            '/opt/odoo/odoo/models.py',
            1586,
            '_convert_records',
            'converted = convert(record, functools.partial(_log, extras, stream_index))',
          ),
          frame('/opt/odoo/odoo/addons/base/models/ir_fields.py', 127, 'fn', 'converted[field], ws = converters[field](value)'),
          frame('/opt/odoo/odoo/addons/base/models/ir_fields.py', 316, '_str_to_boolean', 'if value.lower() in trues:', {
            start: 3,
            length: 11,
          }),
        ],
  serialization: [frame('/opt/odoo/odoo/sql_db.py', 354, 'execute', 'res = self._obj.execute(query, params)')],
} as const;

const XMLRPC_HEAD =
  'Traceback (most recent call last):\n' +
  frame('/opt/odoo/odoo/addons/base/controllers/rpc.py', 161, 'xmlrpc_2', 'response = self._xmlrpc(service)') +
  frame('/opt/odoo/odoo/addons/base/controllers/rpc.py', 139, '_xmlrpc', 'result = dispatch_rpc(service, method, params)') +
  frame('/opt/odoo/odoo/http.py', 398, 'dispatch_rpc', 'return dispatch(method, params)');

const XMLRPC_OBJECT =
  frame('/opt/odoo/odoo/service/model.py', 39, 'dispatch', 'res = execute_kw(db, uid, *params[3:])') +
  frame('/opt/odoo/odoo/service/model.py', 61, 'execute_kw', 'return execute(db, uid, obj, method, *args, **kw or {})') +
  frame('/opt/odoo/odoo/service/model.py', 68, 'execute', 'res = execute_cr(cr, uid, obj, method, *args, **kw)') +
  frame('/opt/odoo/odoo/service/model.py', 52, 'execute_cr', 'result = retrying(partial(odoo.api.call_kw, recs, method, args, kw), env)') +
  frame('/opt/odoo/odoo/service/model.py', 137, 'retrying', 'result = func()') +
  frame('/opt/odoo/odoo/api.py', 517, 'call_kw', 'result = getattr(recs, name)(*args, **kwargs)');

const JSON2_HEAD =
  'Traceback (most recent call last):\n' +
  frame('/opt/odoo/odoo/http.py', 2273, '_serve_db', 'return service_model.retrying(serve_func, env=self.env)') +
  frame('/opt/odoo/odoo/service/model.py', 184, 'retrying', 'result = func()') +
  frame('/opt/odoo/odoo/http.py', 2328, '_serve_ir_http', 'response = self.dispatcher.dispatch(rule.endpoint, args)') +
  frame('/opt/odoo/odoo/http.py', 2608, 'dispatch', "result = self.request.registry['ir.http']._dispatch(endpoint)") +
  frame('/opt/odoo/odoo/addons/base/models/ir_http.py', 355, '_dispatch', 'result = endpoint(**request.params)') +
  frame('/opt/odoo/odoo/http.py', 788, 'route_wrapper', 'result = endpoint(self, *args, **params_ok)') +
  frame('/opt/odoo/addons/rpc/controllers/json2.py', 86, 'web_json_2_rpc', 'result = func(records, **kwargs)');

/** The exact fault 047/111/135: the method ran and was committed, its None result cannot be sent. */
export const MARSHAL_NONE_TRACEBACK =
  'Traceback (most recent call last):\n' +
  frame('/opt/odoo/odoo/addons/base/controllers/rpc.py', 161, 'xmlrpc_2', 'response = self._xmlrpc(service)') +
  frame('/opt/odoo/odoo/addons/base/controllers/rpc.py', 140, '_xmlrpc', 'return dumps((result,))') +
  // Python's own caret span for this line, as captured
  frame('/opt/odoo/odoo/addons/base/controllers/rpc.py', 114, 'dumps', 'response = OdooMarshaller(allow_none=False).dumps(params)', {
    start: 11,
    length: 50,
  }) +
  frame('/usr/lib/python3.11/xmlrpc/client.py', 514, 'dumps', 'dump(v, write)') +
  frame('/usr/lib/python3.11/xmlrpc/client.py', 536, '__dump', 'f(self, value, write)') +
  frame('/usr/lib/python3.11/xmlrpc/client.py', 540, 'dump_nil', 'raise TypeError("cannot marshal None unless allow_none is enabled")') +
  'TypeError: cannot marshal None unless allow_none is enabled\n';

/** 041: the method ran and was committed, its result (a recordset) cannot be sent. */
export function marshalObjectTraceback(pyType: string): string {
  return (
    'Traceback (most recent call last):\n' +
    // Python marks the failing subscript with ~ and ^ here
    '  File "/usr/lib/python3.11/xmlrpc/client.py", line 522, in __dump\n    f = self.dispatch[type(value)]\n        ~~~~~~~~~~~~~^^^^^^^^^^^^^\n' +
    `KeyError: <class '${pyType}'>\n\nDuring handling of the above exception, another exception occurred:\n\n` +
    'Traceback (most recent call last):\n' +
    frame('/opt/odoo/odoo/addons/base/controllers/rpc.py', 161, 'xmlrpc_2', 'response = self._xmlrpc(service)') +
    frame('/opt/odoo/odoo/addons/base/controllers/rpc.py', 140, '_xmlrpc', 'return dumps((result,))') +
    frame('/opt/odoo/odoo/addons/base/controllers/rpc.py', 114, 'dumps', 'response = OdooMarshaller(allow_none=False).dumps(params)', {
      start: 11,
      length: 50,
    }) +
    frame('/usr/lib/python3.11/xmlrpc/client.py', 514, 'dumps', 'dump(v, write)') +
    frame('/usr/lib/python3.11/xmlrpc/client.py', 526, '__dump', 'raise TypeError("cannot marshal %s objects" % type(value))') +
    `TypeError: cannot marshal <class '${pyType}'> objects\n`
  );
}

/** What the last traceback line says: builtins unqualified, werkzeug with its status text. */
function exceptionLine(e: OdooException): string {
  const shown = e.pyClass.startsWith('builtins.') ? e.pyClass.slice('builtins.'.length) : e.pyClass;
  const text = e.httpStatus ? `${e.httpStatus} ${WERKZEUG_REASON[e.httpStatus] ?? ''}: ${e.message}` : e.message;
  return text ? `${shown}: ${text}` : shown;
}

export function traceback(e: OdooException, protocol: 'xmlrpc' | 'json2', service: 'common' | 'object' = 'object'): string {
  const head = protocol === 'xmlrpc' ? XMLRPC_HEAD + (service === 'object' ? XMLRPC_OBJECT : '') : JSON2_HEAD;
  const line = exceptionLine(e);
  return `${head}${e.frames.join('')}${line}${line.endsWith('\n') ? '' : '\n'}`;
}

export function xmlrpcFault(e: OdooException, service: 'common' | 'object' = 'object'): { faultCode: number; faultString: string } {
  if (e.pyClass === 'odoo.exceptions.AccessError') return { faultCode: 4, faultString: e.message };
  if (e.pyClass === 'odoo.exceptions.AccessDenied') return { faultCode: 3, faultString: e.message || 'Access Denied' };
  if (USER_FAMILY.has(e.pyClass)) return { faultCode: 2, faultString: e.message };
  return { faultCode: 1, faultString: traceback(e, 'xmlrpc', service) };
}

export interface Json2ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function json2Status(e: OdooException): number {
  if (e.httpStatus) return e.httpStatus;
  if (e.pyClass === 'odoo.exceptions.AccessError') return 403;
  if (e.pyClass === 'odoo.exceptions.MissingError') return 404;
  if (e.pyClass === 'odoo.exceptions.AccessDenied') return 401;
  if (USER_FAMILY.has(e.pyClass)) return 422;
  return 500;
}

export function json2Error(e: OdooException): Json2ErrorAnswer {
  const status = json2Status(e);
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer ';
  const body = pyJson({
    name: e.pyClass,
    message: e.message,
    arguments: e.httpStatus ? [e.message, e.httpStatus] : [e.message],
    context: {},
    debug: traceback(e, 'json2'),
  });
  return { status, headers, body };
}

// ---- the exceptions the server raises -------------------------------------------------------

export const raise = {
  userError: (message: string) => new OdooException('odoo.exceptions.UserError', message),
  validation: (message: string) => new OdooException('odoo.exceptions.ValidationError', message),
  missing: (model: string, ids: number[], uid: number) =>
    new OdooException(
      'odoo.exceptions.MissingError',
      `Record does not exist or has been deleted.\n(Record: ${model}(${ids.join(', ')}${ids.length === 1 ? ',' : ''}), User: ${uid})`,
    ),
  access: (message: string) => new OdooException('odoo.exceptions.AccessError', message),
  denied: () => new OdooException('odoo.exceptions.AccessDenied', 'Access Denied'),
  value: (message: string, tail: readonly string[] = []) => new OdooException('builtins.ValueError', message, undefined, [...tail]),
  attribute: (message: string, tail: readonly string[] = []) => new OdooException('builtins.AttributeError', message, undefined, [...tail]),
  type: (message: string) => new OdooException('builtins.TypeError', message),
  index: (message: string) => new OdooException('builtins.IndexError', message),
  notFound: (message: string) => new OdooException('werkzeug.exceptions.NotFound', message, 404),
  unprocessable: (message: string) => new OdooException('werkzeug.exceptions.UnprocessableEntity', message, 422),
  unauthorized: (message: string) => new OdooException('werkzeug.exceptions.Unauthorized', message, 401),
  badRequest: (message: string) => new OdooException('werkzeug.exceptions.BadRequest', message, 400),
  serialization: () =>
    new OdooException('psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update\n', undefined, [
      ...frames.serialization,
    ]),
  methodNotFound: (method: string) =>
    new OdooException('builtins.Exception', `Method not found: ${method}`, undefined, [
      frame('/opt/odoo/odoo/service/common.py', 60, 'dispatch', 'raise Exception("Method not found: %s" % method)'),
    ]),
  unknownDb: (db: string) =>
    new OdooException(
      'psycopg2.OperationalError',
      `connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "${db}" does not exist\n`,
    ),
};
