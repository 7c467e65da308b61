/**
 * JSON-2 transport (Odoo 19+): `POST /json/2/<model>/<method>` with a JSON object of named
 * arguments, `Authorization: bearer <api key>` and `X-Odoo-Database`. The body of a 200 is the
 * bare result; errors are real HTTP statuses with {name, message, arguments, context, debug}.
 */
import { OdooServerError } from './errors.ts';
import { errorFromJson2Answer, errorFromNetwork, type FaultContext } from './faults.ts';
import { agentFor, httpRequest, type Agents, type HttpResult } from './http.ts';
import { parseVersion, withoutUndefined, type OdooCall, type OdooTransport, type OdooVersion } from './transport.ts';

export interface Json2TransportOptions {
  url: string;
  db: string;
  apiKey: string;
  timeoutMs: number;
  agents: Agents;
}

export class Json2Transport implements OdooTransport {
  readonly protocol = 'json2' as const;

  constructor(private readonly options: Json2TransportOptions) {}

  async version(): Promise<OdooVersion> {
    const ctx: FaultContext = { protocol: 'json2', method: 'GET /json/version' };
    const answer = await this.send('GET', '/json/version', undefined, ctx);
    const value = parseJson(answer, ctx) as Record<string, unknown> | null;
    return parseVersion(value?.version, value?.version_info);
  }

  async authenticate(context: Record<string, unknown> = {}): Promise<number> {
    // no login call in JSON-2: the key is checked on every call; context_get says whose it is
    const who = (await this.execute({ model: 'res.users', method: 'context_get', context })) as Record<string, unknown> | null;
    const uid = who?.uid;
    if (typeof uid !== 'number') throw new OdooServerError('res.users/context_get answered no uid', { context: { protocol: 'json2' } });
    return uid;
  }

  async execute(call: OdooCall): Promise<unknown> {
    // a generic call may carry the record ids as its first positional argument, nothing else
    let ids = call.ids;
    let positional = call.args ?? [];
    if (!ids && isIdList(positional[0])) {
      ids = positional[0];
      positional = positional.slice(1);
    }
    if (positional.length > 0) {
      throw new RangeError(`JSON-2 takes named arguments only; ${call.model}.${call.method} was given positional arguments`);
    }
    const body: Record<string, unknown> = {
      ...(ids ? { ids } : {}),
      ...Object.fromEntries(call.params ?? []),
      ...(call.kwargs ?? {}),
      context: call.context,
    };
    const ctx: FaultContext = { protocol: 'json2', model: call.model, method: call.method };
    const path = `/json/2/${encodeURIComponent(call.model)}/${encodeURIComponent(call.method)}`;
    const answer = await this.send('POST', path, JSON.stringify(withoutUndefined(body)), ctx);
    return parseJson(answer, ctx);
  }

  close(): void {
    // stateless: nothing to forget
  }

  private async send(method: 'GET' | 'POST', path: string, body: string | undefined, ctx: FaultContext): Promise<HttpResult> {
    const url = new URL(`${this.options.url}${path}`);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'mfg-etl',
      'X-Odoo-Database': this.options.db,
    };
    if (method === 'POST') {
      headers['Content-Type'] = 'application/json';
      headers.Authorization = `bearer ${this.options.apiKey}`;
    }
    let answer: HttpResult;
    try {
      answer = await httpRequest(url, {
        method,
        headers,
        body,
        agent: agentFor(url, this.options.agents),
        timeoutMs: this.options.timeoutMs,
      });
    } catch (err) {
      throw errorFromNetwork(err, ctx, this.options.timeoutMs);
    }
    if (answer.status !== 200) {
      const retryAfter = answer.headers['retry-after'];
      throw errorFromJson2Answer(
        {
          status: answer.status,
          contentType: String(answer.headers['content-type'] ?? ''),
          body: answer.body,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
        },
        ctx,
      );
    }
    return answer;
  }
}

function isIdList(value: unknown): value is number[] {
  // an empty list could as well be an empty domain: only a non-empty list of integers is taken for ids
  return Array.isArray(value) && value.length > 0 && value.every((item) => Number.isInteger(item));
}

function parseJson(answer: HttpResult, ctx: FaultContext): unknown {
  try {
    return JSON.parse(answer.body) as unknown;
  } catch (err) {
    throw new OdooServerError(
      `Odoo answered HTTP 200 with a body that is not JSON (${String(answer.headers['content-type'] ?? 'no content type')})`,
      {
        cause: err,
        context: { ...ctx },
      },
    );
  }
}
