/**
 * XML-RPC transport (Odoo 16–21): `/xmlrpc/2/common` version + authenticate, `/xmlrpc/2/object`
 * execute_kw. Every answer is HTTP 200, faults included; the API key is the password.
 */
import type http from 'node:http';
import xmlrpc from 'xmlrpc';
import { OdooAuthError, OdooError, OdooServerError } from './errors.ts';
import { errorFromHttpStatus, errorFromNetwork, errorFromXmlRpcFault, type FaultContext } from './faults.ts';
import { agentFor, type Agents } from './http.ts';
import { parseVersion, withoutUndefined, type OdooCall, type OdooTransport, type OdooVersion } from './transport.ts';

export interface XmlRpcTransportOptions {
  url: string;
  db: string;
  user: string;
  apiKey: string;
  timeoutMs: number;
  agents: Agents;
}

/** The package's ClientOptions (its typings do not export the interface). */
type ClientOptions = Exclude<Parameters<typeof xmlrpc.createClient>[0], string>;

/** What the xmlrpc package hands its callback on failure. */
interface XmlRpcFailure {
  faultCode?: unknown;
  faultString?: unknown;
  code?: string;
  name?: string;
  message?: string;
  res?: http.IncomingMessage;
  body?: string;
}

export class XmlRpcTransport implements OdooTransport {
  readonly protocol = 'xmlrpc' as const;
  private uid: number | undefined;

  constructor(private readonly options: XmlRpcTransportOptions) {}

  async version(): Promise<OdooVersion> {
    const raw = await this.rpc('common', 'version', [], { protocol: 'xmlrpc', method: 'common.version' });
    const value = (raw ?? {}) as Record<string, unknown>;
    return parseVersion(value.server_version, value.server_version_info);
  }

  async authenticate(): Promise<number> {
    const { db, user, apiKey } = this.options;
    const uid = await this.rpc('common', 'authenticate', [db, user, apiKey, {}], { protocol: 'xmlrpc', method: 'common.authenticate' });
    // a wrong password or key is not a fault: authenticate answers False
    if (typeof uid !== 'number' || uid <= 0) {
      throw new OdooAuthError(`Odoo authentication failed for user '${user}' on database '${db}': wrong login or API key`, {
        odooClass: 'odoo.exceptions.AccessDenied',
        context: { protocol: 'xmlrpc', method: 'common.authenticate', db, user },
      });
    }
    this.uid = uid;
    return uid;
  }

  async execute(call: OdooCall): Promise<unknown> {
    const uid = this.uid ?? (await this.authenticate());
    const args = [...(call.ids ? [call.ids] : []), ...(call.params ?? []).map(([, value]) => value), ...(call.args ?? [])];
    const kwargs = { ...(call.kwargs ?? {}), context: call.context };
    const { db, apiKey } = this.options;
    return this.rpc('object', 'execute_kw', [db, uid, apiKey, call.model, call.method, withoutUndefined(args), withoutUndefined(kwargs)], {
      protocol: 'xmlrpc',
      model: call.model,
      method: call.method,
    });
  }

  close(): void {
    this.uid = undefined;
  }

  private rpc(service: 'common' | 'object', method: string, params: unknown[], ctx: FaultContext): Promise<unknown> {
    const url = new URL(`${this.options.url}/xmlrpc/2/${service}`);
    const secure = url.protocol === 'https:';
    // http.request options pass straight through the xmlrpc client: agent and signal included
    const clientOptions: ClientOptions & { agent: http.Agent; signal: AbortSignal } = {
      host: url.hostname,
      port: Number(url.port) || (secure ? 443 : 80),
      path: url.pathname,
      headers: { 'User-Agent': 'mfg-etl' },
      agent: agentFor(url, this.options.agents),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    };
    // one client per call: the package keeps per-request state (the signal) in its options
    const client = secure ? xmlrpc.createSecureClient(clientOptions) : xmlrpc.createClient(clientOptions);
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      client.methodCall(method, params, (error: unknown, value: unknown) => {
        // the package may call back twice (an HTTP error, then the socket's error)
        if (settled) return;
        settled = true;
        if (error) reject(this.toError(error, ctx));
        else resolve(value);
      });
    });
  }

  private toError(error: unknown, ctx: FaultContext): OdooError {
    const failure = (error ?? {}) as XmlRpcFailure;
    if (failure.faultCode !== undefined) {
      return errorFromXmlRpcFault(failure.faultCode, typeof failure.faultString === 'string' ? failure.faultString : '', ctx);
    }
    const status = failure.res?.statusCode;
    if (status !== undefined && status !== 200) {
      const header = failure.res?.headers ?? {};
      return errorFromHttpStatus(
        {
          status,
          contentType: String(header['content-type'] ?? ''),
          body: typeof failure.body === 'string' ? failure.body : '',
          retryAfter: typeof header['retry-after'] === 'string' ? header['retry-after'] : undefined,
        },
        ctx,
      );
    }
    const message = failure.message ?? String(error);
    if (failure.code || failure.name === 'AbortError' || failure.name === 'TimeoutError' || /socket hang up|aborted/i.test(message)) {
      return errorFromNetwork(error, ctx, this.options.timeoutMs);
    }
    return new OdooServerError(`invalid XML-RPC answer from Odoo: ${message}`, { cause: error, context: { ...ctx } });
  }
}
