/**
 * The Odoo client: one API over XML-RPC (Odoo 16–21) and JSON-2 (Odoo 19+).
 * Every call carries the configured company as `allowed_company_ids`, goes through one
 * concurrency limiter, and is retried only on transient faults (see retry.ts).
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { parseOdooOptions, type OdooOptions, type OdooOptionsInput } from './config.ts';
import { OdooError, OdooNoneResultError, OdooServerError, OdooTransientError, OdooWizardError } from './errors.ts';
import { createAgents, destroyAgents, type Agents } from './http.ts';
import { Json2Transport } from './json2-transport.ts';
import { loadWithBisection, parseLoadAnswer, toLoadCell, type LoadCell, type LoadRecordsResult } from './load-records.ts';
import { withRetry } from './retry.ts';
import type { OdooCall, OdooProtocol, OdooTransport, OdooVersion } from './transport.ts';
import { idList, isWindowAction, type OdooDomain, type OdooRecord, type OdooValues } from './values.ts';
import { XmlRpcTransport } from './xmlrpc-transport.ts';

export type OdooContext = Record<string, unknown>;

export interface CallOptions {
  /** merged over the client's context (company, configured context) */
  context?: OdooContext;
}

export interface SearchOptions extends CallOptions {
  offset?: number;
  limit?: number;
  order?: string;
}

export interface PageOptions extends CallOptions {
  /** page size; the client's batchSize by default */
  batchSize?: number;
}

export interface FieldsGetOptions extends CallOptions {
  allfields?: string[];
  attributes?: string[];
}

export interface GenericCallOptions extends CallOptions {
  /** safe to run twice (then retried even when a lost answer may hide a commit) */
  idempotent?: boolean;
}

export interface ActionOptions extends GenericCallOptions {
  kwargs?: Record<string, unknown>;
}

export interface ConnectionInfo {
  protocol: OdooProtocol;
  uid: number;
  version?: OdooVersion;
}

/** Told about every RPC attempt (metrics); must not throw, and errors it throws are ignored. */
export type OdooCallObserver = (event: { model?: string; method: string; ms: number; error?: unknown }) => void;

/** Key owners already checked in this process (url, db, uid, user): the check is one call per process, not per client. */
const checkedKeyOwners = new Set<string>();

export type FieldDescription = Record<string, unknown> & { type?: string; string?: string; relation?: string; required?: boolean };

export class OdooClient {
  readonly options: OdooOptions;
  private readonly logger: Logger;
  private readonly agents: Agents;
  private readonly limit: LimitFunction;
  private connecting: Promise<ConnectionInfo> | undefined;
  private transport: OdooTransport | undefined;
  private versionInfo: OdooVersion | undefined;
  private callCount = 0;
  private readonly observer: OdooCallObserver | undefined;

  constructor(
    options: OdooOptionsInput | OdooOptions,
    logger: Logger,
    injected?: { transport?: OdooTransport; observer?: OdooCallObserver },
  ) {
    this.options = parseOdooOptions(options);
    this.logger = logger;
    this.agents = createAgents({ concurrency: this.options.concurrency, caFile: this.options.caFile });
    this.limit = pLimit(this.options.concurrency);
    this.transport = injected?.transport;
    this.observer = injected?.observer;
  }

  /** RPC calls sent so far (retries included). */
  get calls(): number {
    return this.callCount;
  }

  /** The protocol in use, once connected. */
  get protocol(): OdooProtocol | undefined {
    return this.transport?.protocol;
  }

  /** Pick the protocol (auto: by server version) and check the credentials. Runs once. */
  connect(): Promise<ConnectionInfo> {
    if (!this.connecting) {
      this.connecting = this.open().catch((err: unknown) => {
        this.connecting = undefined; // a later call tries again
        throw err;
      });
    }
    return this.connecting;
  }

  /** The server version (no credentials needed). */
  async version(): Promise<OdooVersion> {
    if (this.versionInfo) return this.versionInfo;
    const transport =
      this.transport ?? (this.options.protocol === 'json2' ? this.json2() : this.options.protocol === 'xmlrpc' ? this.xmlrpc() : undefined);
    this.versionInfo = transport
      ? await this.attempt(() => transport.version(), { method: 'version', idempotent: true })
      : await this.detectVersion();
    return this.versionInfo;
  }

  // ---- reads --------------------------------------------------------------------------------

  async searchRead(model: string, domain: OdooDomain, fields: string[], options: SearchOptions = {}): Promise<OdooRecord[]> {
    const result = await this.run(
      {
        model,
        method: 'search_read',
        params: [['domain', domain]],
        kwargs: { fields, offset: options.offset, limit: options.limit, order: options.order },
        context: this.context(options.context),
      },
      true,
    );
    return result as OdooRecord[];
  }

  /**
   * All matching records, page by page, keyed on id (`id > last`, ordered by id): stable while
   * records are added or archived meanwhile, unlike offsets.
   */
  async *searchReadPages(model: string, domain: OdooDomain, fields: string[], options: PageOptions = {}): AsyncGenerator<OdooRecord[]> {
    const size = options.batchSize ?? this.options.batchSize;
    let last = 0;
    for (;;) {
      const page = await this.searchRead(model, [['id', '>', last], ...domain], fields, {
        limit: size,
        order: 'id',
        context: options.context,
      });
      if (page.length > 0) yield page;
      if (page.length < size) return;
      last = (page[page.length - 1] as OdooRecord).id;
    }
  }

  async searchReadAll(model: string, domain: OdooDomain, fields: string[], options: PageOptions = {}): Promise<OdooRecord[]> {
    const out: OdooRecord[] = [];
    for await (const page of this.searchReadPages(model, domain, fields, options)) out.push(...page);
    return out;
  }

  async read(model: string, ids: number[], fields: string[], options: CallOptions = {}): Promise<OdooRecord[]> {
    const chunks = chunk(ids, this.options.batchSize);
    const pages = await Promise.all(
      chunks.map((part) =>
        this.run({ model, method: 'read', ids: part, kwargs: { fields }, context: this.context(options.context) }, true),
      ),
    );
    return pages.flatMap((page) => page as OdooRecord[]);
  }

  async search(model: string, domain: OdooDomain, options: SearchOptions = {}): Promise<number[]> {
    const result = await this.run(
      {
        model,
        method: 'search',
        params: [['domain', domain]],
        kwargs: { offset: options.offset, limit: options.limit, order: options.order },
        context: this.context(options.context),
      },
      true,
    );
    return idList(result);
  }

  async searchCount(model: string, domain: OdooDomain, options: CallOptions = {}): Promise<number> {
    const result = await this.run(
      { model, method: 'search_count', params: [['domain', domain]], context: this.context(options.context) },
      true,
    );
    return Number(result);
  }

  async fieldsGet(model: string, options: FieldsGetOptions = {}): Promise<Record<string, FieldDescription>> {
    const result = await this.run(
      {
        model,
        method: 'fields_get',
        kwargs: { allfields: options.allfields, attributes: options.attributes },
        context: this.context(options.context),
      },
      true,
    );
    return result as Record<string, FieldDescription>;
  }

  /** Which of these models are installed (ir.model). */
  async existingModels(models: string[], options: CallOptions = {}): Promise<Set<string>> {
    const rows = await this.searchRead('ir.model', [['model', 'in', models]], ['model'], options);
    return new Set(rows.map((row) => String(row.model)));
  }

  async modelExists(model: string, options: CallOptions = {}): Promise<boolean> {
    return (await this.existingModels([model], options)).has(model);
  }

  // ---- writes -------------------------------------------------------------------------------

  /** create: one dict → its id; a list → the ids, in order (both transports). */
  create(model: string, values: OdooValues, options?: CallOptions): Promise<number>;
  create(model: string, values: OdooValues[], options?: CallOptions): Promise<number[]>;
  async create(model: string, values: OdooValues | OdooValues[], options: CallOptions = {}): Promise<number | number[]> {
    const list = Array.isArray(values) ? values : [values];
    const ids: number[] = [];
    // sequential chunks: each is a transaction of its own, ids come back in input order
    for (const part of chunk(list, this.options.batchSize)) {
      // always a list: JSON-2 answers a list anyway, and Odoo's XML-RPC create needs it positional
      const result = await this.run(
        { model, method: 'create', params: [['vals_list', part]], context: this.context(options.context) },
        false,
      );
      ids.push(...idList(result));
    }
    return Array.isArray(values) ? ids : (ids[0] as number);
  }

  async write(model: string, ids: number[], values: OdooValues, options: CallOptions = {}): Promise<boolean> {
    if (ids.length === 0) return true;
    // writing the same values twice gives the same state: safe to retry
    const result = await this.run(
      { model, method: 'write', ids, params: [['vals', values]], context: this.context(options.context) },
      true,
    );
    return result === true;
  }

  async unlink(model: string, ids: number[], options: CallOptions = {}): Promise<boolean> {
    if (ids.length === 0) return true;
    const result = await this.run({ model, method: 'unlink', ids, context: this.context(options.context) }, false);
    return result === true;
  }

  /**
   * Upsert rows through `model.load(fields, rows)` (column `id` = external id, `field/id` and
   * `field/.id` for many2one), in batches, bisecting failed batches down to the bad rows.
   * Datetimes are sent as UTC: the context says `tz: 'UTC'`.
   */
  async loadRecords(model: string, fields: string[], rows: LoadCell[][], options: PageOptions = {}): Promise<LoadRecordsResult> {
    rows.forEach((row, index) => {
      if (row.length !== fields.length)
        throw new RangeError(`${model}.load: row ${index} has ${row.length} cells for ${fields.length} fields`);
    });
    const cells = rows.map((row) => row.map(toLoadCell));
    // keyed by external (or database) id, a second run updates the same records: safe to retry
    const idempotent = fields.includes('id') || fields.includes('.id');
    const context = this.context({ tz: 'UTC', ...options.context });
    const result = await loadWithBisection(cells, options.batchSize ?? this.options.batchSize, async (batch) =>
      parseLoadAnswer(
        await this.run(
          {
            model,
            method: 'load',
            params: [
              ['fields', fields],
              ['data', batch],
            ],
            context,
          },
          idempotent,
        ),
        model,
      ),
    );
    this.logger.info('odoo load done', { model, rows: rows.length, loaded: result.loaded, failed: result.failed, calls: result.calls });
    return result;
  }

  /**
   * Any model method. `args` are positional (XML-RPC); over JSON-2 only `[ids]` may be
   * positional, the rest must be named in `kwargs`. Not retried after a possible commit
   * unless `idempotent`.
   */
  async call(
    model: string,
    method: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
    options: GenericCallOptions = {},
  ): Promise<unknown> {
    const { context: kwContext, ...rest } = kwargs;
    const context = this.context({ ...(isPlainObject(kwContext) ? kwContext : {}), ...options.context });
    return this.run({ model, method, args, kwargs: rest, context }, options.idempotent ?? false);
  }

  /**
   * Run an action method (button) on records. Answers its result, or null when it returned
   * None: over XML-RPC that is the `cannot marshal None` fault, sent after the transaction was
   * committed. A window action (a wizard) means the work was not done: OdooWizardError.
   */
  async callAction(model: string, method: string, ids: number[], options: ActionOptions = {}): Promise<unknown> {
    let result: unknown;
    try {
      result = await this.run(
        { model, method, ids, kwargs: options.kwargs, context: this.context(options.context) },
        options.idempotent ?? false,
      );
    } catch (err) {
      if (err instanceof OdooNoneResultError) {
        this.logger.debug('odoo action returned None (committed)', { model, method, ids });
        return null;
      }
      throw err;
    }
    if (isWindowAction(result)) {
      const name = typeof result.name === 'string' ? ` (${result.name})` : '';
      throw new OdooWizardError(
        `${model}.${method} answered a window action for the wizard '${result.res_model}'${name}: the action did not do its work`,
        { resModel: result.res_model, action: result, context: { model, method, ids, resModel: result.res_model } },
      );
    }
    return result ?? null;
  }

  close(): void {
    this.transport?.close();
    destroyAgents(this.agents);
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private context(extra: OdooContext = {}): OdooContext {
    const company = this.options.company === undefined ? {} : { allowed_company_ids: [this.options.company] };
    return { ...this.options.context, ...company, ...extra };
  }

  private xmlrpc(): XmlRpcTransport {
    const { url, db, user, apiKey, timeoutMs } = this.options;
    return new XmlRpcTransport({ url, db, user, apiKey, timeoutMs, agents: this.agents });
  }

  private json2(): Json2Transport {
    const { url, db, apiKey, timeoutMs } = this.options;
    return new Json2Transport({ url, db, apiKey, timeoutMs, agents: this.agents });
  }

  private async detectVersion(): Promise<OdooVersion> {
    // Odoo 19+ answers GET /json/version; older servers redirect it to the login page
    try {
      // a probe: failing is the expected answer of Odoo 18 and older, not a fault worth counting
      const version = await this.attempt(() => this.json2().version(), { method: 'version', idempotent: true, probe: true });
      if (Number.isFinite(version.major)) return version;
    } catch (err) {
      if (err instanceof OdooTransientError) throw err;
    }
    return this.attempt(() => this.xmlrpc().version(), { method: 'version', idempotent: true });
  }

  private async open(): Promise<ConnectionInfo> {
    let transport = this.transport;
    if (!transport) {
      const setting = this.options.protocol;
      if (setting === 'auto') {
        this.versionInfo = await this.detectVersion();
        transport = this.versionInfo.major >= 19 ? this.json2() : this.xmlrpc();
      } else {
        transport = setting === 'json2' ? this.json2() : this.xmlrpc();
      }
    }
    const chosen = transport;
    const uid = await this.attempt(() => chosen.authenticate(this.context()), { method: 'authenticate', idempotent: true });
    if (chosen.protocol === 'json2') await this.checkKeyOwner(chosen, uid);
    this.transport = chosen;
    this.logger.info('connected to odoo', {
      url: this.options.url,
      db: this.options.db,
      protocol: chosen.protocol,
      version: this.versionInfo?.serverVersion,
      uid,
      company: this.options.company,
    });
    return { protocol: chosen.protocol, uid, version: this.versionInfo };
  }

  /**
   * JSON-2 has no login: the bearer key alone decides who calls, and the configured user would go
   * unused. Refuse a key that is not the configured user's (as XML-RPC's authenticate does).
   */
  private async checkKeyOwner(transport: OdooTransport, uid: number): Promise<void> {
    const { url, db, user } = this.options;
    const key = JSON.stringify([url, db, uid, user]);
    if (checkedKeyOwners.has(key)) return;
    const [owner] = (await this.attempt(
      () => transport.execute({ model: 'res.users', method: 'read', ids: [uid], kwargs: { fields: ['login'] }, context: this.context() }),
      { model: 'res.users', method: 'read', idempotent: true },
    )) as OdooRecord[];
    const login = owner?.login;
    if (typeof login !== 'string') {
      throw new OdooServerError(`res.users/read answered no login for the API key's user (uid ${uid})`, {
        context: { protocol: 'json2', uid },
      });
    }
    if (login !== user) {
      throw new ConfigError(
        `MFG_ETL_ODOO_USER is "${user}" but the API key belongs to "${login}": set MFG_ETL_ODOO_USER to the key's user or use that user's key`,
        { context: { variable: 'MFG_ETL_ODOO_USER', user, keyOwner: login, uid } },
      );
    }
    checkedKeyOwners.add(key);
  }

  private async run(call: OdooCall, idempotent: boolean): Promise<unknown> {
    await this.connect();
    const transport = this.transport as OdooTransport;
    return this.attempt(() => transport.execute(call), { model: call.model, method: call.method, idempotent });
  }

  private async attempt<T>(
    fn: () => Promise<T>,
    scope: { model?: string; method: string; idempotent: boolean; probe?: boolean },
  ): Promise<T> {
    try {
      return await withRetry(
        () =>
          this.limit(() => {
            this.callCount++;
            return this.observer && !scope.probe ? this.observed(fn, scope) : fn();
          }),
        scope,
        this.options.retry,
        this.logger,
      );
    } catch (err) {
      if (err instanceof OdooError && err.traceback) {
        this.logger.debug('odoo traceback', {
          model: scope.model,
          method: scope.method,
          odooClass: err.odooClass,
          traceback: err.traceback,
        });
      }
      throw err;
    }
  }

  private async observed<T>(fn: () => Promise<T>, scope: { model?: string; method: string }): Promise<T> {
    const started = performance.now();
    const tell = (error?: unknown) => {
      try {
        this.observer?.({
          model: scope.model,
          method: scope.method,
          ms: performance.now() - started,
          ...(error === undefined ? {} : { error }),
        });
      } catch {
        // an observer never breaks a call
      }
    };
    try {
      const result = await fn();
      tell();
      return result;
    } catch (err) {
      tell(err);
      throw err;
    }
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
