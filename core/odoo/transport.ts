/**
 * The one interface both transports implement. A call names its arguments once: XML-RPC sends
 * `ids` and `params` positionally (Odoo's `create` must get its list that way) and `kwargs` by
 * name; JSON-2 sends everything by name.
 */
export type OdooProtocol = 'xmlrpc' | 'json2';

export interface OdooVersion {
  /** e.g. '18.0', '19.0', 'saas~18.2' */
  serverVersion: string;
  major: number;
  minor: number;
  /** server_version_info / version_info as sent */
  info: unknown[];
}

export interface OdooCall {
  model: string;
  method: string;
  /** the records of a record method (`read`, `write`, actions) */
  ids?: number[];
  /** the method's positional parameters, with their names */
  params?: Array<[name: string, value: unknown]>;
  /** keyword arguments */
  kwargs?: Record<string, unknown>;
  /** unnamed positional arguments (generic `call`): XML-RPC only */
  args?: unknown[];
  context: Record<string, unknown>;
}

export interface OdooTransport {
  readonly protocol: OdooProtocol;
  version(): Promise<OdooVersion>;
  /** checks the credentials; returns the user id (context: sent where the protocol has one) */
  authenticate(context?: Record<string, unknown>): Promise<number>;
  execute(call: OdooCall): Promise<unknown>;
  close(): void;
}

export function parseVersion(serverVersion: unknown, info: unknown): OdooVersion {
  const list = Array.isArray(info) ? info : [];
  const text = typeof serverVersion === 'string' ? serverVersion : '';
  // 'saas~18.2' → 18.2; server_version_info is [major, minor, ...] on every release
  const fromText = /(\d+)\.(\d+)/.exec(text);
  const major = typeof list[0] === 'number' ? list[0] : Number(fromText?.[1] ?? NaN);
  const minor = typeof list[1] === 'number' ? list[1] : Number(fromText?.[2] ?? 0);
  return { serverVersion: text, major, minor, info: list };
}

/** Drop `undefined` members (XML-RPC would send them as empty strings) and keep the rest. */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => withoutUndefined(item)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = withoutUndefined(item);
    return out as T;
  }
  return value;
}
