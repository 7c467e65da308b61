/**
 * The HTTP server of `mfg-etl serve` and `mfg-etl start` (node:http, no framework):
 * GET /healthz, /readyz, /metrics, and the status page (/, /runs, /runs/<id>, /batches,
 * /batches/<id>, /reports). Read-only unless users are configured (MFG_ETL_HTTP_USERS_FILE):
 * then people log in (server-side sessions, SameSite=Strict cookies) and approve or reject
 * batches with a per-session CSRF token; the audit trail records their name.
 */
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../core/config.ts';
import { csvField } from '../../core/spreadsheet-text.ts';
import type { Database } from '../../core/db.ts';
import { BatchStateError, ConfigError, NotFoundError, UsageError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { findBatch, listBatches, listCheckpoints, transitionBatch } from '../../load/staging/batches.ts';
import {
  batchAudit,
  batchRowErrors,
  checkpointsOf,
  listOpenIncidents,
  listRunsPage,
  latestProgressLine,
  loadRowErrors,
  runLogLines,
} from '../../load/ops/ops.ts';
import { findRun, listRuns, runningRunOf, type RunStatus } from '../../load/ops/runs.ts';
import { waitingNotice } from '../../transform/shared/health.ts';
import { createSession, deleteSession, findSession, randomToken } from '../../load/ops/sessions.ts';
import { jobExpectations, workflows } from '../ops.ts';
import type { JobRegistry } from '../../jobs/registry.ts';
import type { Runner } from '../../jobs/runner.ts';
import { QualityApi } from './quality-api.ts';
import { listOpenHolds } from '../../load/quality/staging.ts';
import { mesReleasesSection, mesReleasesView } from './mes-releases.ts';
import { cookie, parseCookies, sameToken, UserStore } from './auth.ts';
import { LoginThrottle, type ThrottlePolicy } from '../../load/ops/login-throttle.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SafeHtml } from './html.ts';
import { createMetricsRegistry } from './metrics.ts';
import * as lineagePages from './lineage-page.ts';
import * as pages from './pages.ts';
import { picturesSection } from './pictures.ts';
import { forecastVersionCompare } from '../../load/forecast/staging.ts';
import { chartOeeWeeks, chartReconciliationLocations, chartRuns } from '../../load/ops/charts.ts';
import { historianSettings } from '../../core/config/historian.ts';
import { checkReadiness } from './readiness.ts';
import { type AlertSettings, alertSettings, type HttpSettings, httpSettings } from '../../core/config/http.ts';

export interface StatusServerOptions {
  config: Config;
  db: Database;
  logger: Logger;
  registry: JobRegistry;
  /** override MFG_ETL_HTTP_HOST / MFG_ETL_HTTP_PORT (tests: port 0) */
  host?: string;
  port?: number;
  /** delays of the login throttle (tests use short ones) */
  loginThrottle?: Partial<ThrottlePolicy>;
  /** queues quality-apply when POST /api/quality-events staged an event (else the minutely run applies it) */
  runner?: Pick<Runner, 'enqueue'>;
}

const SESSION_COOKIE = 'mfg_etl_session';
const LOGIN_COOKIE = 'mfg_etl_login';
const MAX_BODY = 64 * 1024;
const RUN_STATUSES = new Set(['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled']);
const BATCH_STATUSES = new Set(['received', 'validated', 'rejected', 'approved', 'loading', 'loaded', 'load_failed', 'superseded']);
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
};
const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pdf': 'application/pdf',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** for 405: the methods the path takes */
    readonly allow?: string,
  ) {
    super(message);
  }
}

interface Request {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  cookies: Map<string, string>;
  session?: { token: string; login: string; name: string; csrfToken: string };
}

function send(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

function redirect(res: http.ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, Location: location, 'Content-Length': 0, 'Cache-Control': 'no-store', ...headers });
  res.end();
}

/** Only paths on this site: no scheme, no //host, no backslashes. */
function safeNext(value: string | null | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/';
}

function positiveInt(value: string | undefined | null): number | undefined {
  if (!value || !/^\d{1,15}$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

export class StatusServer {
  private readonly server: http.Server;
  private readonly http: HttpSettings;
  private readonly alerts: AlertSettings;
  private readonly users: UserStore;
  private readonly throttle: LoginThrottle;
  private readonly metrics;
  /** host names (lower case) this server answers to besides IP addresses; any other Host is a rebound DNS name */
  private readonly hostNames: Set<string>;
  /** origin of http.publicUrl: forms sent from it are ours even when a proxy rewrote Host */
  private readonly publicOrigin: string | undefined;
  private stopping = false;
  private address: string | undefined;
  private readonly qualityApi: QualityApi;

  constructor(private readonly o: StatusServerOptions) {
    this.http = httpSettings(o.config);
    this.alerts = alertSettings(o.config);
    this.users = new UserStore(o.config.httpUsersFile);
    this.throttle = new LoginThrottle(o.db.knex, o.loginThrottle);
    if (this.users.enabled && this.http.loginRequired === false) {
      throw new ConfigError(
        'config file key "http.loginRequired": false is no longer supported; with MFG_ETL_HTTP_USERS_FILE set every page needs a login. Remove the key (or unset the users file for a read-only page without login)',
      );
    }
    const publicUrl = this.http.publicUrl ? new URL(this.http.publicUrl) : undefined;
    this.publicOrigin = publicUrl?.origin;
    this.hostNames = new Set(
      ['localhost', os.hostname(), o.host ?? o.config.httpHost, publicUrl?.hostname]
        .filter((h): h is string => Boolean(h))
        .map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')),
    );
    o.config.redactor.addUrlPassword(o.config.odooUrl);
    o.config.redactor.addUrlPassword(o.config.opcuaEndpoint);
    // a `jobs.<name>` section for a job that does not exist is a ConfigError now, not a broken page later
    jobExpectations(o.registry, o.config);
    this.metrics = createMetricsRegistry({
      config: o.config,
      db: o.db,
      logger: o.logger,
      registry: o.registry,
      approvalWaitHours: this.alerts.approvalWaitHours,
    });
    this.qualityApi = new QualityApi({ config: o.config, db: o.db, logger: o.logger, runner: o.runner });
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 15_000;
    this.server.keepAliveTimeout = 5_000;
  }

  /** http://host:port, once listening */
  get url(): string {
    if (!this.address) throw new Error('the status server is not listening');
    return this.address;
  }

  async listen(): Promise<string> {
    const host = this.o.host ?? this.o.config.httpHost;
    const configured = this.o.port ?? this.o.config.httpPort;
    const port = configured === 'off' ? 0 : configured;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        const why =
          err.code === 'EADDRINUSE'
            ? 'the port is in use'
            : err.code === 'EADDRNOTAVAIL'
              ? 'no such local address'
              : err.code === 'EACCES'
                ? 'permission denied'
                : err.message;
        reject(
          new ConfigError(`cannot serve the status page on ${host}:${port}: ${why}; set MFG_ETL_HTTP_HOST / MFG_ETL_HTTP_PORT`, {
            cause: err,
          }),
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.address = `http://${shown}:${addr.port}`;
    this.o.logger.info(`status page at ${this.address}/`, { url: `${this.address}/`, users: this.users.enabled });
    return this.address;
  }

  /** Stops accepting, lets requests in flight finish (up to 5 s), then closes what is left. */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), 5000);
    await closed;
    clearTimeout(timer);
    this.qualityApi.close();
  }

  // ---- request handling ---------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://status.local');
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
    }
    const r: Request = { req, res, url, cookies: parseCookies(req.headers.cookie) };
    const host = this.checkHost(req.headers.host);
    if (host) return send(res, host.status, 'text/plain; charset=utf-8', `${host.message}\n`);
    try {
      await this.route(r);
    } catch (err) {
      await this.fail(r, err);
    } finally {
      this.o.logger.debug('http request', {
        method: req.method,
        path: url.pathname,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      });
    }
  }

  /**
   * DNS rebinding: a page on another site whose name was made to point at this address would
   * reach us with its own name in Host. IP addresses, localhost, this machine's name, the address
   * we listen on and the public URL's host are ours; anything else gets 421.
   */
  private checkHost(header: string | undefined): { status: number; message: string } | undefined {
    if (!header) return { status: 400, message: 'bad request: no Host header' };
    const m = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(header.trim());
    const name = m?.[1]
      ?.toLowerCase()
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '');
    if (name && (net.isIP(name) !== 0 || this.hostNames.has(name))) return undefined;
    return {
      status: 421,
      message: `misdirected request: this server does not answer to the host name ${JSON.stringify(header.slice(0, 100))}; if that is how people reach it, set http.publicUrl in the config file`,
    };
  }

  /** a logged-in user, or a scraper with MFG_ETL_HTTP_METRICS_TOKEN as its bearer token */
  private async monitorAllowed(r: Request): Promise<boolean> {
    const token = /^Bearer\s+(\S+)$/i.exec(r.req.headers.authorization ?? '')?.[1];
    if (token && sameToken(token, this.o.config.httpMetricsToken)) return true;
    if (!this.users.enabled) return this.o.config.httpMetricsToken === undefined;
    await this.loadSession(r);
    return r.session !== undefined;
  }

  private async fail(r: Request, err: unknown): Promise<void> {
    if (r.res.headersSent) {
      r.res.destroy();
      return;
    }
    let status = 500;
    let message = 'Something went wrong; the details are in the server log.';
    if (err instanceof HttpError) [status, message] = [err.status, err.message];
    else if (err instanceof NotFoundError) [status, message] = [404, err.message];
    else
      this.o.logger.error('status page request failed', {
        method: r.req.method,
        path: r.url.pathname,
        error: (err as Error).message,
        stack: (err as Error).stack,
      });
    const title = status === 404 ? 'Not found' : status === 403 ? 'Forbidden' : status < 500 ? 'Request refused' : 'Error';
    const ctx = await this.context(r).catch(() => this.bareContext(r));
    this.send(
      r.res,
      status,
      'text/html; charset=utf-8',
      pages.errorPage(ctx, title, message).value,
      err instanceof HttpError && err.allow ? { Allow: err.allow } : {},
    );
  }

  /** Every answer passes the redactor: no URL password or secret value leaves the server, whatever produced the text. */
  private send(
    res: http.ServerResponse,
    status: number,
    type: string,
    body: string,
    headers: Record<string, string | string[]> = {},
  ): void {
    send(res, status, type, this.o.config.redactor.text(body), headers);
  }

  private sendJson(res: http.ServerResponse, status: number, value: unknown): void {
    this.send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(this.o.config.redactor.value(value), null, 2)}\n`);
  }

  private bareContext(r: Request): pages.PageContext {
    return { timezone: this.o.config.timezone, now: new Date(), usersEnabled: this.users.enabled, path: r.url.pathname + r.url.search };
  }

  private async context(r: Request): Promise<pages.PageContext> {
    await this.loadSession(r);
    return {
      ...this.bareContext(r),
      user: r.session ? { login: r.session.login, name: r.session.name, csrfToken: r.session.csrfToken } : undefined,
    };
  }

  private async loadSession(r: Request): Promise<void> {
    if (r.session || !this.users.enabled) return;
    const token = r.cookies.get(SESSION_COOKIE);
    if (!token) return;
    const session = await findSession(this.o.db.knex, token);
    const user = session ? this.users.get(session.login) : undefined;
    if (session && user) r.session = { token, login: user.login, name: user.name, csrfToken: session.csrfToken };
  }

  private page(r: Request, body: SafeHtml, status = 200, headers: Record<string, string | string[]> = {}): void {
    this.send(r.res, status, 'text/html; charset=utf-8', body.value, headers);
  }

  private async route(r: Request): Promise<void> {
    const method = r.req.method ?? 'GET';
    const p = r.url.pathname;
    const get = method === 'GET' || method === 'HEAD';

    // health: open (nothing sensitive); readiness: open, its details and metrics need a session or the metrics token when users are configured
    if (p === '/healthz')
      return this.only(get, () =>
        this.sendJson(r.res, 200, { status: 'ok', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) }),
      );
    if (p === '/readyz') return this.only(get, () => this.readyz(r));
    if (p === '/metrics') return this.only(get, () => this.metricsEndpoint(r));
    if (p === '/style.css')
      return this.only(get, () =>
        this.send(r.res, 200, 'text/css; charset=utf-8', pages.STYLE, { 'Cache-Control': 'public, max-age=3600' }),
      );
    if (p === '/favicon.ico') return this.send(r.res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (p === '/login') return get ? this.loginForm(r) : method === 'POST' ? this.login(r) : this.only(false, () => {}, 'GET, HEAD, POST');
    if (p === '/logout') return this.only(method === 'POST', () => this.logout(r), 'POST');
    // machine clients: their own bearer tokens, no session or CSRF
    if (p === '/api/quality-events')
      return this.only(
        method === 'POST',
        async () => {
          const answer = await this.qualityApi.handle(r.req);
          this.send(
            r.res,
            answer.status,
            'application/json; charset=utf-8',
            `${JSON.stringify(this.o.config.redactor.value(answer.body))}\n`,
            answer.headers,
          );
        },
        'POST',
      );

    const ctx = await this.context(r);
    // with users configured nothing is shown without a login: pages, CSV, reports, decisions
    if (this.users.enabled && !ctx.user) {
      if (get) return redirect(r.res, `/login?${new URLSearchParams({ next: ctx.path })}`);
      throw new HttpError(401, 'Log in first.');
    }

    let m: RegExpExecArray | null;
    if (p === '/') return this.only(get, () => this.overview(r, ctx));
    if (p === '/runs') return this.only(get, () => this.runs(r, ctx));
    if ((m = /^\/runs\/(\d+)$/.exec(p))) return this.only(get, () => this.run(r, ctx, positiveInt(m![1])));
    if (p === '/batches') return this.only(get, () => this.batches(r, ctx));
    if ((m = /^\/batches\/(\d+)$/.exec(p))) return this.only(get, () => this.batch(r, ctx, positiveInt(m![1])));
    if ((m = /^\/batches\/(\d+)\/errors\.csv$/.exec(p))) return this.only(get, () => this.errorsCsv(r, positiveInt(m![1])));
    if ((m = /^\/batches\/(\d+)\/(approve|reject)$/.exec(p)))
      return this.only(method === 'POST', () => this.decide(r, ctx, positiveInt(m![1]), m![2] as 'approve' | 'reject'), 'POST');
    if (p === '/lineage') return this.only(get, () => this.lineage(r, ctx));
    if (p === '/reports' || p === '/reports/') return this.only(get, () => this.reports(r, ctx));
    if (p.startsWith('/reports/')) return this.only(get, () => this.download(r, p.slice('/reports/'.length)));
    throw new HttpError(404, `There is no page ${p}.`);
  }

  private async only(allowed: boolean, fn: () => unknown, allow = 'GET, HEAD'): Promise<void> {
    if (!allowed) throw new HttpError(405, `Method not allowed here; use ${allow}.`, allow);
    await fn();
  }

  // ---- health, readiness, metrics -------------------------------------------------------------------

  private async readyz(r: Request): Promise<void> {
    if (this.stopping) return this.sendJson(r.res, 503, { status: 'not ready', reason: 'shutting down', checks: {} });
    const result = await checkReadiness({ config: this.o.config, db: this.o.db, logger: this.o.logger });
    const down = result.checks.filter((c) => c.required && !c.up);
    // details name hosts, versions and error texts: only for a logged-in user or the metrics token
    const details = await this.monitorAllowed(r);
    this.sendJson(r.res, result.ready ? 200 : 503, {
      status: result.ready ? 'ready' : 'not ready',
      ...(down.length ? { reason: down.map((c) => (details ? `${c.name} is down: ${c.detail}` : `${c.name} is down`)).join('; ') } : {}),
      checks: Object.fromEntries(
        result.checks.map((c) => [
          c.name,
          { status: c.up ? 'up' : 'down', required: c.required, latencyMs: c.latencyMs, ...(details ? { detail: c.detail } : {}) },
        ]),
      ),
    });
  }

  private async metricsEndpoint(r: Request): Promise<void> {
    if (!(await this.monitorAllowed(r))) {
      return this.send(r.res, 401, 'text/plain; charset=utf-8', 'log in, or send MFG_ETL_HTTP_METRICS_TOKEN as a bearer token\n', {
        'WWW-Authenticate': 'Bearer realm="mfg-etl metrics"',
      });
    }
    const text = await this.metrics.metrics();
    this.send(r.res, 200, this.metrics.contentType, text);
  }

  // ---- pages ----------------------------------------------------------------------------------------

  private async overview(r: Request, ctx: pages.PageContext): Promise<void> {
    const knex = this.o.db.knex;
    const [flows, incidents, batches, runs, reports, waiting, holds, mes] = await Promise.all([
      workflows(this.o.db, this.o.registry, this.o.config, this.alerts.approvalWaitHours, ctx.now),
      listOpenIncidents(knex),
      listBatches(knex, { limit: 10 }),
      listRuns(knex, { limit: 10 }),
      this.listReports(10),
      knex('batches').where({ status: 'validated' }).count({ n: '*' }).first(),
      listOpenHolds(knex, ctx.now),
      mesReleasesView(knex, this.o.config, ctx.now),
    ]);
    const checkpoints = await checkpointsOf(
      knex,
      batches.map((b) => b.id),
    );
    const waitingForApproval = Number((waiting as { n?: number | string } | undefined)?.n ?? 0);
    const pictures = await this.pictures(ctx.now);
    this.page(
      r,
      pages.overviewPage(ctx, {
        workflows: flows,
        incidents,
        batches,
        checkpoints,
        runs,
        reports: reports.files,
        waitingForApproval,
        pictures,
        holds,
        ...(mes ? { mes: { light: mes.light, section: mesReleasesSection(mes, ctx) } } : {}),
      }),
    );
  }

  /** the overview's pictures: runs of the last 14 days, latest reconciliations, OEE of the last 8 weeks */
  private async pictures(now: Date): Promise<SafeHtml | ''> {
    const DAY = 86_400_000;
    const runsSince = new Date(now.getTime() - 14 * DAY);
    const knex = this.o.db.knex;
    const [runs, locations, oeeWeeks] = await Promise.all([
      chartRuns(knex, runsSince),
      chartReconciliationLocations(knex),
      chartOeeWeeks(knex, new Date(now.getTime() - 8 * 7 * DAY).toISOString().slice(0, 10)),
    ]);
    let idealRates: Record<string, number | undefined> = {};
    try {
      idealRates = Object.fromEntries(Object.entries(historianSettings(this.o.config).assets).map(([a, s]) => [a, s.idealRatePerHour]));
    } catch {
      // no (valid) historian section: availability and quality only
    }
    return picturesSection({ now, runsSince, runs, locations, oeeWeeks, idealRates });
  }

  private async runs(r: Request, ctx: pages.PageContext): Promise<void> {
    const q = r.url.searchParams;
    const job = q.get('job') || undefined;
    const status = RUN_STATUSES.has(q.get('status') ?? '') ? (q.get('status') as RunStatus) : undefined;
    const limit = Math.min(positiveInt(q.get('limit')) ?? 50, 500);
    const runs = await listRunsPage(this.o.db.knex, { job, status, before: positiveInt(q.get('before')), limit });
    this.page(r, pages.runsPage(ctx, { runs, jobs: [...this.o.registry.keys()], job, status, limit }));
  }

  private async run(r: Request, ctx: pages.PageContext, id: number | undefined): Promise<void> {
    const run = id ? await findRun(this.o.db.knex, id) : undefined;
    if (!run) throw new HttpError(404, `Run ${id ?? ''} does not exist.`);
    const [logs, progress, batches] = await Promise.all([
      runLogLines(this.o.db.knex, run.id),
      run.status === 'running' ? latestProgressLine(this.o.db.knex, run.id) : undefined,
      this.o.db.knex('batches').where({ run_id: run.id }).orderBy('id').select('id'),
    ]);
    const full = (await Promise.all(batches.map((b: { id: number }) => findBatch(this.o.db.knex, b.id)))).filter((b) => b !== undefined);
    // a queued run waits for the running run of its job: say which, and until when at most
    const blocker = run.status === 'queued' ? await runningRunOf(this.o.db.knex, run.job) : undefined;
    const waitingFor = blocker ? waitingNotice(blocker, ctx.now, this.o.config.heartbeatSeconds * 4) : undefined;
    this.page(r, pages.runPage(ctx, { run, logs, progress, batches: full, waitingFor }));
  }

  private async batches(r: Request, ctx: pages.PageContext): Promise<void> {
    const q = r.url.searchParams;
    const kind = q.get('kind') || undefined;
    const status = BATCH_STATUSES.has(q.get('status') ?? '') ? (q.get('status') ?? undefined) : undefined;
    const limit = Math.min(positiveInt(q.get('limit')) ?? 100, 500);
    const knex = this.o.db.knex;
    const [batches, kinds] = await Promise.all([
      listBatches(knex, { kind, status, limit }),
      knex('batches').distinct('kind').orderBy('kind'),
    ]);
    const checkpoints = await checkpointsOf(
      knex,
      batches.map((b) => b.id),
    );
    this.page(r, pages.batchesPage(ctx, { batches, checkpoints, kinds: kinds.map((k: { kind: string }) => k.kind), kind, status }));
  }

  private async batchData(id: number | undefined): Promise<pages.BatchPageData> {
    const knex = this.o.db.knex;
    const batch = id ? await findBatch(knex, id) : undefined;
    if (!batch) throw new HttpError(404, `Batch ${id ?? ''} does not exist.`);
    const [checkpoints, rowErrors, loadErrors, audit, compare] = await Promise.all([
      listCheckpoints(knex, batch.id),
      batchRowErrors(knex, batch.id),
      loadRowErrors(knex, batch.id),
      batchAudit(knex, batch.id),
      batch.kind === 'forecast' && batch.scope ? forecastVersionCompare(knex, batch) : undefined,
    ]);
    return { batch, checkpoints, rowErrors, loadErrors, audit, ...(compare ? { compare } : {}) };
  }

  private async batch(r: Request, ctx: pages.PageContext, id: number | undefined): Promise<void> {
    const data = await this.batchData(id);
    const done = r.url.searchParams.get('done');
    if (done === 'approved' || done === 'rejected') data.notice = { ok: true, text: `Batch ${data.batch.id} ${done}.` };
    this.page(r, pages.batchPage(ctx, data));
  }

  /** /lineage?model=…&id=… or /lineage?file=<path|sha256>[&after=<line>]; the lookup form without them. */
  private async lineage(r: Request, ctx: pages.PageContext): Promise<void> {
    const q = r.url.searchParams;
    const model = q.get('model')?.trim() ?? '';
    const id = q.get('id')?.trim() ?? '';
    const file = q.get('file')?.trim() ?? '';
    if (!model && !id && !file) return this.page(r, lineagePages.lineageLookupPage(ctx));
    const { lineageOfFile, lineageOfRecord } = await import('../../load/odoo-ledger/lineage.ts');
    try {
      if (file) {
        const after = positiveInt(q.get('after') ?? undefined);
        // a page never hashes files of the server's disk: a path is looked up as the inbox recorded it
        const f = await lineageOfFile(this.o.db.knex, file, { ...(after ? { after } : {}), limit: 1000, hashFiles: false });
        return this.page(r, lineagePages.fileLineagePage(ctx, f));
      }
      const n = positiveInt(id);
      if (!n) throw new UsageError(`"${id}" is not an Odoo record id (a positive whole number)`);
      const writes = await lineageOfRecord(this.o.db.knex, model, n);
      return this.page(r, lineagePages.recordLineagePage(ctx, model, n, writes));
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof UsageError)
        return this.page(
          r,
          lineagePages.lineageLookupPage(ctx, { model, id, file, error: this.o.config.redactor.text(err.message) }),
          err instanceof NotFoundError ? 404 : 400,
        );
      throw err;
    }
  }

  private async errorsCsv(r: Request, id: number | undefined): Promise<void> {
    const batch = id ? await findBatch(this.o.db.knex, id) : undefined;
    if (!batch) throw new HttpError(404, `Batch ${id ?? ''} does not exist.`);
    const errors = await batchRowErrors(this.o.db.knex, batch.id, 100_000);
    const lines = [['row_or_cell', 'column', 'value', 'message'], ...errors.map((e) => [e.ref, e.col, e.value, e.message])].map((row) =>
      row.map((v) => csvField(v)).join(','),
    );
    this.send(r.res, 200, 'text/csv; charset=utf-8', `\ufeff${lines.join('\r\n')}\r\n`, {
      'Content-Disposition': `attachment; filename="batch-${batch.id}-errors.csv"`,
    });
  }

  // ---- decisions ------------------------------------------------------------------------------------

  private async readForm(r: Request): Promise<URLSearchParams> {
    const origin = r.req.headers.origin;
    if (origin && origin !== 'null') {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        host = undefined;
      }
      // behind a reverse proxy that rewrites Host, the browser's origin is the public URL
      const ours = host === r.req.headers.host || (this.publicOrigin !== undefined && origin === this.publicOrigin);
      if (!ours) throw new HttpError(403, 'This form was sent from another site.');
    } else if (origin === 'null') {
      throw new HttpError(403, 'This form was sent from another site.');
    }
    const type = (r.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'Send the form as application/x-www-form-urlencoded.');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of r.req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new HttpError(413, 'The form is too large.');
      chunks.push(chunk as Buffer);
    }
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  private async decide(r: Request, ctx: pages.PageContext, id: number | undefined, action: 'approve' | 'reject'): Promise<void> {
    if (!this.users.enabled) throw new HttpError(403, 'The status page is read-only: no users are configured (MFG_ETL_HTTP_USERS_FILE).');
    const form = await this.readForm(r);
    if (!r.session) throw new HttpError(401, 'Log in to approve or reject batches.');
    if (!sameToken(form.get('csrf') ?? undefined, r.session.csrfToken))
      throw new HttpError(403, 'The form has expired or was not sent from this page; reload the page and try again.');
    const text = (form.get(action === 'approve' ? 'comment' : 'reason') ?? '').trim().slice(0, 500);
    if (action === 'reject' && !text) throw new HttpError(400, 'Give a reason for rejecting the batch.');
    if (!id) throw new HttpError(404, 'No such batch.');
    try {
      await transitionBatch(this.o.db.knex, id, action, {
        actor: r.session.name,
        reason: text || undefined,
        details: { via: 'status page', login: r.session.login },
      });
    } catch (err) {
      if (err instanceof BatchStateError) {
        const data = await this.batchData(id);
        data.notice = { ok: false, text: err.message };
        return this.page(r, pages.batchPage(ctx, data), 409);
      }
      throw err;
    }
    this.o.logger.info(`batch ${id} ${action === 'approve' ? 'approved' : 'rejected'} on the status page`, {
      batchId: id,
      by: r.session.name,
      login: r.session.login,
    });
    redirect(r.res, `/batches/${id}?done=${action === 'approve' ? 'approved' : 'rejected'}`);
  }

  // ---- login ----------------------------------------------------------------------------------------

  private loginCookieHeader(token: string): string {
    return cookie(LOGIN_COOKIE, token, { maxAgeSeconds: 3600, secure: this.http.secureCookies });
  }

  private async loginForm(r: Request, o: { status?: number; error?: string; login?: string; next?: string } = {}): Promise<void> {
    if (!this.users.enabled) throw new HttpError(404, 'No users are configured (MFG_ETL_HTTP_USERS_FILE): the status page is read-only.');
    const token = r.cookies.get(LOGIN_COOKIE) || randomToken();
    const ctx = { ...this.bareContext(r), path: '/login' };
    this.page(
      r,
      pages.loginPage(ctx, { csrf: token, next: safeNext(o.next ?? r.url.searchParams.get('next')), error: o.error, login: o.login }),
      o.status ?? 200,
      {
        'Set-Cookie': this.loginCookieHeader(token),
      },
    );
  }

  private async login(r: Request): Promise<void> {
    if (!this.users.enabled) throw new HttpError(404, 'No users are configured (MFG_ETL_HTTP_USERS_FILE): the status page is read-only.');
    const form = await this.readForm(r);
    const next = safeNext(form.get('next'));
    if (!sameToken(form.get('csrf') ?? undefined, r.cookies.get(LOGIN_COOKIE))) {
      r.cookies.delete(LOGIN_COOKIE);
      return this.loginForm(r, { status: 403, error: 'The login form has expired; please try again.', next });
    }
    const login = (form.get('login') ?? '').trim().slice(0, 64);
    const password = (form.get('password') ?? '').slice(0, 1024);
    const address = r.req.socket.remoteAddress ?? '';
    // failures of this user from this address slow its next tries down (never a lock-out)
    const wait = await this.throttle.delayMs(login, address);
    if (wait > 0) await sleep(Math.min(wait, 20_000));
    const user = login && password ? await this.users.authenticate(login, password) : undefined;
    if (!user) {
      await this.throttle.fail(login, address);
      this.o.logger.warn('status page login failed', { login, from: r.req.socket.remoteAddress });
      return this.loginForm(r, { status: 401, error: 'Wrong user name or password.', login, next });
    }
    await this.throttle.succeed(login, address);
    const { token } = await createSession(this.o.db.knex, user.login, this.http.sessionHours);
    this.o.logger.info('status page login', { login: user.login, from: r.req.socket.remoteAddress });
    redirect(r.res, next, {
      'Set-Cookie': [
        cookie(SESSION_COOKIE, token, { maxAgeSeconds: this.http.sessionHours * 3600, secure: this.http.secureCookies }),
        cookie(LOGIN_COOKIE, '', { maxAgeSeconds: 0, secure: this.http.secureCookies }),
      ],
    });
  }

  private async logout(r: Request): Promise<void> {
    const form = await this.readForm(r);
    await this.loadSession(r);
    if (r.session) {
      if (!sameToken(form.get('csrf') ?? undefined, r.session.csrfToken))
        throw new HttpError(403, 'The form has expired; reload the page and try again.');
      await deleteSession(this.o.db.knex, r.session.token);
    }
    redirect(r.res, '/', { 'Set-Cookie': cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: this.http.secureCookies }) });
  }

  // ---- reports --------------------------------------------------------------------------------------

  /** Regular files under the reports folder (no dot files, no symbolic links), newest first. */
  private async listReports(limit: number): Promise<{ files: pages.ReportFile[]; truncated: boolean }> {
    const root = path.resolve(this.o.config.reports);
    const files: pages.ReportFile[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      if (depth > 6 || files.length > 5000) return;
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full, depth + 1);
        else if (e.isFile()) {
          const st = await fs.promises.stat(full).catch(() => undefined);
          if (st) files.push({ path: path.relative(root, full).split(path.sep).join('/'), size: st.size, modified: st.mtime });
        }
      }
    };
    await walk(root, 0);
    files.sort((a, b) => b.modified.getTime() - a.modified.getTime() || a.path.localeCompare(b.path));
    return { files: files.slice(0, limit), truncated: files.length > limit };
  }

  private async reports(r: Request, ctx: pages.PageContext): Promise<void> {
    const { files, truncated } = await this.listReports(500);
    this.page(r, pages.reportsPage(ctx, files, truncated));
  }

  private async download(r: Request, encoded: string): Promise<void> {
    const notFound = () => new HttpError(404, 'No such report.');
    let segments: string[];
    try {
      segments = encoded.split('/').map((s) => decodeURIComponent(s));
    } catch {
      throw notFound();
    }
    if (segments.some((s) => !s || s === '.' || s === '..' || s.startsWith('.') || /[\\\0]/.test(s))) throw notFound();
    const root = await fs.promises.realpath(path.resolve(this.o.config.reports)).catch(() => undefined);
    if (!root) throw notFound();
    const file = path.join(root, ...segments);
    const st = await fs.promises.lstat(file).catch(() => undefined);
    if (!st?.isFile()) throw notFound();
    const real = await fs.promises.realpath(file);
    if (!real.startsWith(root + path.sep)) throw notFound();
    const name = segments[segments.length - 1]!;
    r.res.writeHead(200, {
      ...SECURITY_HEADERS,
      // downloaded, never rendered in this origin
      'Content-Security-Policy': 'sandbox; default-src none',
      'Content-Type': CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': st.size,
      'Content-Disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'Cache-Control': 'no-store',
    });
    if (r.req.method === 'HEAD') return void r.res.end();
    await new Promise<void>((resolve, reject) => {
      const stream = fs.createReadStream(real);
      stream.on('error', reject);
      r.res.on('close', resolve);
      stream.pipe(r.res);
    });
  }
}

/** Starts the status server; resolves once it listens. */
export async function startStatusServer(o: StatusServerOptions): Promise<StatusServer> {
  const server = new StatusServer(o);
  await server.listen();
  return server;
}
