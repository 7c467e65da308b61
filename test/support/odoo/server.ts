/**
 * A real HTTP server (node:http on 127.0.0.1, port 0) that answers like Odoo 18 or Odoo 19:
 * XML-RPC on /xmlrpc/2/common and /xmlrpc/2/object (both versions), JSON-2 on
 * /json/2/<model>/<method> and GET /json/version (19 only; 18 redirects them to the login page,
 * as the captured 18.0 server does). Faults and error bodies follow the captures.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileDomain } from './domain.ts';
import { MARSHAL_NONE_TRACEBACK, OdooException, json2Error, marshalObjectTraceback, raise, xmlrpcFault } from './exceptions.ts';
import { CallStats, Knobs, type CallInfo, type CallRecord } from './knobs.ts';
import { accessDenied, bindNamed, bindPositional, findMethod, type CallScope, type MethodSpec } from './methods.ts';
import type { Env, Rec } from './models.ts';
import { pyJson } from './py.ts';
import { seedMasterData } from './seed.ts';
import { Store, utcNow } from './store.ts';
import { XmlRpcParseError, dumpFault, dumpResponse, parseMethodCall } from './xmlrpc-codec.ts';

export interface OdooTestServerOptions {
  version?: 18 | 19;
  /** install the Enterprise MPS models (mrp.production.schedule, mrp.product.forecast) */
  enterprise?: boolean;
  /** database name (default 'mfg' on 18, 'mfg19' on 19) */
  db?: string;
  /** JSON-2 then needs X-Odoo-Database (without it: HTML 404) */
  multiDb?: boolean;
  adminApiKey?: string;
  demoApiKey?: string;
  /** demo-like master data (default true) */
  seed?: boolean;
}

export interface TestUser {
  uid: number;
  login: string;
  password: string;
  apiKeys: string[];
  companies: number[];
  tz: string;
  /** may read only: writes answer AccessError */
  readonly: boolean;
}

type Outcome = { type: 'ok'; value: unknown } | { type: 'error'; error: OdooException } | { type: 'http503' } | { type: 'lost' };

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const XML_TYPE = 'text/xml; charset=utf-8';

const NO_DATABASE_HTML =
  '<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n<!-- Alternatively, use the X-Odoo-Database header. -->\n';
const UNSUPPORTED_MEDIA_HTML =
  '<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n<h1>Unsupported Media Type</h1>\n<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#39; is type=&#39;json2&#39;.<br><br>Please verify the Content-Type request header and try again.</p>\n';
const UNAVAILABLE_HTML =
  '<!doctype html>\n<html lang=en>\n<title>503 Service Unavailable</title>\n<h1>Service Unavailable</h1>\n<p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p>\n';
const NOT_FOUND_HTML =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export class OdooTestServer {
  readonly version: 18 | 19;
  readonly db: string;
  readonly store: Store;
  readonly knobs = new Knobs();
  readonly stats = new CallStats();
  readonly users: TestUser[];
  readonly adminApiKey: string;
  readonly demoApiKey: string;
  private readonly multiDb: boolean;
  private readonly server: http.Server;
  url = '';
  port = 0;

  private constructor(options: OdooTestServerOptions) {
    this.version = options.version ?? 18;
    this.db = options.db ?? (this.version >= 19 ? 'mfg19' : 'mfg');
    this.multiDb = options.multiDb ?? false;
    this.adminApiKey = options.adminApiKey ?? 'test-admin-api-key-0123456789';
    this.demoApiKey = options.demoApiKey ?? 'test-demo-api-key-0123456789';
    this.store = new Store(this.version, options.enterprise ?? false);
    if (options.seed ?? true) seedMasterData(this.store);
    this.users = [
      { uid: 2, login: 'admin', password: 'admin', apiKeys: [this.adminApiKey], companies: [1, 2], tz: 'Europe/Brussels', readonly: false },
      {
        uid: this.version >= 19 ? 5 : 6,
        login: 'demo',
        password: 'demo',
        apiKeys: [this.demoApiKey],
        companies: [1],
        tz: 'Europe/Brussels',
        readonly: true,
      },
    ];
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, 'text/plain', `test server bug: ${err instanceof Error ? err.stack : String(err)}`);
        else res.destroy();
      });
    });
  }

  static async start(options: OdooTestServerOptions = {}): Promise<OdooTestServer> {
    const server = new OdooTestServer(options);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    server.port = (server.server.address() as AddressInfo).port;
    server.url = `http://127.0.0.1:${server.port}`;
    return server;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- helpers for tests -----------------------------------------------------------------------

  /** Raw stored records of a model (archived included), optionally filtered by a domain. */
  records(model: string, domain: unknown[] = []): Rec[] {
    const predicate = compileDomain(this.store, model, domain);
    return this.store.all(model).filter((rec) => predicate(rec));
  }

  count(model: string, domain: unknown[] = []): number {
    return this.records(model, domain).length;
  }

  /** Database id of an external id ('module.name'). */
  xmlid(xmlid: string): number | undefined {
    return this.store.xmlidToId(xmlid);
  }

  /** Create through the ORM, bypassing RPC (defaults, templates and checks apply). */
  create(model: string, values: Record<string, unknown>): number {
    return this.store.transaction(() => this.store.create(model, values, { uid: 1, now: utcNow(), context: {} }));
  }

  /** Values as an RPC read would answer them. */
  read(model: string, id: number, fields: string[]): Record<string, unknown> {
    const rec = this.store.get(model, id);
    if (!rec) throw new Error(`${model}(${id}) does not exist`);
    return this.store.readRecord(model, rec, fields);
  }

  /** Calls received for a model and method (counted whatever their outcome). */
  callCount(model?: string, method?: string): number {
    return this.stats.count(model, method);
  }

  calls(model?: string, method?: string): CallRecord[] {
    return this.stats.log.filter(
      (entry) => (model === undefined || entry.model === model) && (method === undefined || entry.method === method),
    );
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.stats.requests++;
    this.stats.inFlight++;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.stats.inFlight);
    try {
      await this.route(req, res);
    } finally {
      this.stats.inFlight--;
    }
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if ((path === '/xmlrpc/2/common' || path === '/xmlrpc/2/object') && req.method === 'POST') {
      await this.handleXmlRpc(path.endsWith('common') ? 'common' : 'object', body, res);
    } else if (path === '/json/version' || path.startsWith('/json/2/')) {
      if (this.version < 19) {
        // Odoo 18's /json/<path> route (auth=user) sends anonymous callers to the login page
        const location = `/web/login?redirect=${encodeURIComponent(path)}`;
        send(
          res,
          303,
          HTML,
          `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href="${location}">${location}</a>. If not, click the link.\n`,
          { Location: location },
        );
      } else if (path === '/json/version') {
        send(res, 200, JSON_TYPE, pyJson({ version_info: [19, 0, 0, 'final', 0, ''], version: '19.0' }), {
          'X-Content-Type-Options': 'nosniff',
        });
      } else {
        await this.handleJson2(req, path, body, res);
      }
    } else {
      send(res, 404, HTML, NOT_FOUND_HTML);
    }
  }

  private versionInfo(): Record<string, unknown> {
    const major = this.version;
    return {
      server_version: `${major}.0`,
      server_version_info: [major, 0, 0, 'final', 0, ''],
      server_serie: `${major}.0`,
      protocol_version: 1,
    };
  }

  private userByUid(uid: unknown): TestUser | undefined {
    return this.users.find((user) => user.uid === uid);
  }

  private userByLogin(login: unknown, secret: unknown): TestUser | undefined {
    const user = this.users.find((u) => u.login === login);
    return user && (user.password === secret || user.apiKeys.includes(String(secret))) ? user : undefined;
  }

  private async handleXmlRpc(service: 'common' | 'object', body: string, res: http.ServerResponse): Promise<void> {
    const answer = (value: unknown) => {
      let xml: string;
      try {
        xml = dumpResponse(value);
      } catch (err) {
        // Odoo's marshaller has allow_none=False: the transaction is already committed here
        const object = /cannot marshal <class '([^']+)'> objects/.exec(err instanceof Error ? err.message : '');
        xml = dumpFault(1, object ? marshalObjectTraceback(object[1] as string) : MARSHAL_NONE_TRACEBACK);
      }
      send(res, 200, XML_TYPE, xml, { 'X-Content-Type-Options': 'nosniff' });
    };
    const fault = (error: OdooException) => {
      const { faultCode, faultString } = xmlrpcFault(error, service);
      send(res, 200, XML_TYPE, dumpFault(faultCode, faultString), { 'X-Content-Type-Options': 'nosniff' });
    };

    let method: string;
    let params: unknown[];
    try {
      ({ method, params } = parseMethodCall(body));
    } catch (err) {
      if (!(err instanceof XmlRpcParseError)) throw err;
      fault(new OdooException('xml.parsers.expat.ExpatError', `${err.message}: line 1, column 0`));
      return;
    }

    if (service === 'common') {
      const call: CallInfo = { protocol: 'xmlrpc', model: 'common', method };
      this.stats.record({ ...call, context: {}, outcome: 'ok' });
      if (this.knobs.take503(call)) return send(res, 503, HTML, UNAVAILABLE_HTML);
      await sleep(this.knobs.latency.fixedMs);
      if (method === 'version') return answer(this.versionInfo());
      if (method === 'authenticate' || method === 'login') {
        const [db, login, password] = params;
        if (db !== this.db) return fault(raise.unknownDb(String(db)));
        // a wrong password is not a fault: authenticate answers False (003)
        return answer(this.userByLogin(login, password)?.uid ?? false);
      }
      return fault(raise.methodNotFound(method));
    }

    if (method !== 'execute_kw' && method !== 'execute') return fault(raise.methodNotFound(method));
    const [db, uid, password, model, inner, rawArgs, rawKwargs] = params;
    const args = method === 'execute' ? params.slice(5) : Array.isArray(rawArgs) ? rawArgs : [];
    const kwargs =
      method === 'execute_kw' && rawKwargs && typeof rawKwargs === 'object' && !Array.isArray(rawKwargs)
        ? (rawKwargs as Record<string, unknown>)
        : {};
    const context = kwargs.context && typeof kwargs.context === 'object' ? (kwargs.context as Record<string, unknown>) : {};
    const call: CallInfo = { protocol: 'xmlrpc', model: String(model), method: String(inner) };

    if (db !== this.db) return fault(raise.unknownDb(String(db)));
    const user = this.userByUid(uid);
    if (!user) {
      this.stats.record({ ...call, context, outcome: 'error' });
      return fault(raise.missing('res.users', [Number(uid)], Number(uid)));
    }
    if (user.password !== password && !user.apiKeys.includes(String(password))) {
      this.stats.record({ ...call, context, outcome: 'error' });
      return fault(raise.denied());
    }
    const outcome = await this.execute(call, user, context, (spec) => {
      const bound = bindPositional(spec, call.model, call.method, args, kwargs);
      // Odoo <= 18 reads create's argument positionally (api._call_kw_model_create: args[0])
      if (call.method === 'create' && args.length === 0) throw raise.index('list index out of range');
      return bound;
    });
    if (outcome.type === 'http503') return send(res, 503, HTML, UNAVAILABLE_HTML);
    if (outcome.type === 'lost') return void res.socket?.destroy();
    if (outcome.type === 'error') return fault(outcome.error);
    return answer(outcome.value);
  }

  private async handleJson2(req: http.IncomingMessage, path: string, body: string, res: http.ServerResponse): Promise<void> {
    const error = (e: OdooException) => {
      const { status, headers, body: errorBody } = json2Error(e);
      send(res, status, JSON_TYPE, errorBody, headers);
    };
    const dbHeader = req.headers['x-odoo-database'];
    if ((dbHeader !== undefined && dbHeader !== this.db) || (dbHeader === undefined && this.multiDb))
      return send(res, 404, HTML, NO_DATABASE_HTML);
    const [, , , model = '', method = ''] = path.split('/');
    if (req.method !== 'POST') return error(raise.notFound('Did you mean POST /json/2/<model>/<method>?'));
    if (
      !String(req.headers['content-type'] ?? '')
        .toLowerCase()
        .startsWith('application/json')
    ) {
      return send(res, 415, HTML, UNSUPPORTED_MEDIA_HTML, { Accept: 'application/json' });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body || 'null');
    } catch (err) {
      return error(raise.badRequest(`could not parse the body as json: ${err instanceof Error ? err.message : String(err)}`));
    }
    // a JSON array (or any non-object) body is ignored: the call runs without arguments (094)
    const named = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};

    const auth = /^bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!auth) return error(raise.unauthorized('User not authenticated, use an API Key with a Bearer Authorization header.'));
    const user = this.users.find((u) => u.apiKeys.includes((auth[1] ?? '').trim()));
    if (!user) return error(raise.unauthorized('Invalid apikey'));

    const context = named.context && typeof named.context === 'object' ? (named.context as Record<string, unknown>) : {};
    const call: CallInfo = { protocol: 'json2', model: decodeURIComponent(model), method: decodeURIComponent(method) };
    const outcome = await this.execute(call, user, context, (spec) => bindNamed(spec, call.model, call.method, named));
    if (outcome.type === 'http503') return send(res, 503, HTML, UNAVAILABLE_HTML);
    if (outcome.type === 'lost') return void res.socket?.destroy();
    if (outcome.type === 'error') return error(outcome.error);
    // Python None is JSON null, HTTP 200 (043)
    send(res, 200, JSON_TYPE, pyJson(outcome.value ?? null), { 'X-Content-Type-Options': 'nosniff' });
  }

  /** The protocol-independent part: checks, knobs, one transaction, latency. */
  private async execute(
    call: CallInfo,
    user: TestUser,
    context: Record<string, unknown>,
    bind: (spec: MethodSpec) => { ids: number[]; kw: Record<string, unknown> },
  ): Promise<Outcome> {
    const entry: CallRecord = { ...call, context, outcome: 'ok' };
    this.stats.record(entry);
    if (this.knobs.take503(call)) {
      entry.outcome = 'http503';
      return { type: 'http503' };
    }
    const started = Date.now();
    let records = 1;
    const settle = async () => {
      const { fixedMs, perRecordMs } = this.knobs.latency;
      await sleep(fixedMs + perRecordMs * records - (Date.now() - started));
    };
    try {
      const { model, method } = call;
      const json2 = call.protocol === 'json2';
      if (!this.store.model(model))
        throw json2 ? raise.notFound(`the model '${model}' does not exist`) : raise.userError(`Object ${model} doesn't exist`);
      if (method.startsWith('_')) {
        throw raise.access(
          this.version >= 19
            ? `Private methods (such as '${model}.${method}') cannot be called remotely.`
            : `Private methods (such as ${method}) cannot be called remotely.`,
        );
      }
      const spec = findMethod(model, method, this.version);
      if (!spec)
        throw json2
          ? raise.notFound(`The method '${model}.${method}' does not exist`)
          : raise.attribute(`The method '${model}.${method}' does not exist`);
      const allowed = context.allowed_company_ids;
      if (allowed !== undefined && (!Array.isArray(allowed) || allowed.some((id) => !user.companies.includes(Number(id))))) {
        throw raise.access('Access to unauthorized or invalid companies.');
      }
      const { ids, kw } = bind(spec);
      entry.ids = spec.record ? ids : undefined;
      entry.kwargs = kw;
      records = Math.max(1, ids.length, Array.isArray(kw.data) ? kw.data.length : 0, Array.isArray(kw.vals_list) ? kw.vals_list.length : 0);
      if (user.readonly && spec.access) throw accessDenied(this.store, model, spec.access);
      if (this.knobs.takeSerialization(call)) {
        entry.outcome = 'serialization';
        throw raise.serialization();
      }
      const wizard = this.knobs.takeWizard(call);
      if (wizard) {
        entry.outcome = 'wizard';
        await settle();
        return {
          type: 'ok',
          value: {
            name: wizard.name,
            type: 'ir.actions.act_window',
            view_mode: 'form',
            views: [[false, 'form']],
            res_model: wizard.resModel,
            target: 'new',
            context: { ...context },
          },
        };
      }
      const env: Env = { uid: user.uid, now: utcNow(), context };
      const scope: CallScope = {
        store: this.store,
        env,
        model,
        method,
        protocol: call.protocol,
        companies: Array.isArray(allowed) ? allowed.map(Number) : user.companies,
        userTz: user.tz,
      };
      const value = this.store.transaction(() => spec.run(scope, ids, kw));
      if (Array.isArray(value)) records = Math.max(records, value.length);
      await settle();
      if (this.knobs.takeLost(call)) {
        entry.outcome = 'lost';
        return { type: 'lost' };
      }
      return { type: 'ok', value };
    } catch (err) {
      if (!(err instanceof OdooException)) throw err;
      if (entry.outcome === 'ok') entry.outcome = 'error';
      await settle();
      return { type: 'error', error: err };
    }
  }
}

export function startOdooTestServer(options: OdooTestServerOptions = {}): Promise<OdooTestServer> {
  return OdooTestServer.start(options);
}
