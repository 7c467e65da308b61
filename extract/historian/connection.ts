/**
 * The OPC UA connection of the historian extract: security mode and policy, user name and password
 * or anonymous, the client PKI under `<dataDir>/pki`, and reconnection with backoff. One
 * OpcuaLink holds one node-opcua client and session at a time; after a lost connection it builds
 * new ones (node-opcua's own reconnection is off, so a read knows when its continuation points
 * died with the old session and can resume from its last timestamp instead).
 */
import path from 'node:path';
import { format } from 'node:util';
import type { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import {
  type ClientSession,
  crypto_utils,
  type EndpointDescription,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  setErrorLogger,
  setWarningLogger,
  type UserIdentityInfo,
  UserTokenType,
} from 'node-opcua-client';
import { ConfigError, EtlError, type ErrorContext, InterruptedError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { OpcuaConnectionError, OpcuaSecurityError, type OpcuaSettings } from './settings.ts';
import {
  CLIENT_APPLICATION_NAME,
  type ClientCertificateInfo,
  ensureClientCertificate,
  openCertificateManager,
  rejectedCertificateFile,
} from './pki.ts';

const DEFAULT_RECONNECT_TIMEOUT_MS = 60_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The two lines of node-opcua's NODE-OPCUA-W27 start-up notice (see routeNodeOpcuaLogs). */
export function isStartupPaddingNotice(text: string): boolean {
  return text.includes('[NODE-OPCUA-W27]') || text.includes('--security-revert=CVE-2023-46809');
}

/** where node-opcua's own warnings go: the logger of the connection opened last */
let nodeOpcuaLogger: Logger | undefined;

/**
 * node-opcua prints its warnings and errors with console.log, on stdout, where `--json` output
 * goes (and one warning about RSA PKCS#1 v1.5 comes at load on Node 20). Send them to our logger,
 * or to stderr before any connection exists. Global to the process, like node-opcua's loggers.
 */
export function routeNodeOpcuaLogs(logger?: Logger): void {
  if (logger) nodeOpcuaLogger = logger;
  const route =
    (level: 'warn' | 'error') =>
    (context: unknown, ...args: unknown[]) => {
      const file = (context as { filename?: string } | undefined)?.filename;
      const text = format(...args).trim();
      // node-opcua's load-time notice about RSA PKCS#1 v1.5 on Node 20 (NODE-OPCUA-W27: its self-test of a
      // padding Node 20 disabled for CVE-2023-46809). It changes nothing we do (no flag is set, security
      // stays as configured) and looked like trouble on every OPC UA command: kept for debug logs only.
      if (isStartupPaddingNotice(text)) {
        nodeOpcuaLogger?.debug(`node-opcua: ${text}`, { source: 'node-opcua', file });
        return;
      }
      // one level down: our own errors already say what went wrong, node-opcua's lines are detail
      if (nodeOpcuaLogger) nodeOpcuaLogger.log(level === 'error' ? 'warn' : 'debug', `node-opcua: ${text}`, { source: 'node-opcua', file });
      else process.stderr.write(`node-opcua ${level}: ${text}\n`);
    };
  setWarningLogger(route('warn'));
  setErrorLogger(route('error'));
}
routeNodeOpcuaLogs();

function securityPolicyUri(name: string): SecurityPolicy {
  const uri = (SecurityPolicy as unknown as Record<string, SecurityPolicy | undefined>)[name];
  if (!uri) throw new ConfigError(`MFG_ETL_OPCUA_SECURITY_POLICY: unknown security policy "${name}"`);
  return uri;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Errors that mean the connection or the session is gone (server restarted, network cut, session
 * timed out on the server): worth reconnecting. node-opcua reports most of them as plain Errors
 * whose message carries the status code name.
 */
const CONNECTION_LOSS =
  /BadSessionIdInvalid|BadSessionClosed|BadSessionNotActivated|BadSecureChannel|BadConnectionClosed|BadConnectionRejected|BadServerHalted|BadServerNotConnected|BadNotConnected|BadCommunicationError|BadTcp(?!MessageTooLarge)|BadTimeout|BadRequestTimeout|BadShutdown|BadDisconnect|BadTooManySessions|BadResourceUnavailable|BadServerTooBusy|timed out|timeout|premature|socket|ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|closed|disconnect|Invalid Channel|channel|aborted|connection/i;

export function isConnectionLoss(err: unknown): boolean {
  if (err instanceof EtlError) return false;
  return CONNECTION_LOSS.test(messageOf(err));
}

/** The refusals a retry cannot cure, turned into errors that say what to change. */
function classifyConnectError(err: unknown, settings: OpcuaSettings, certificate: ClientCertificateInfo): EtlError | undefined {
  const message = messageOf(err);
  const context: ErrorContext = {
    endpoint: settings.endpoint,
    securityMode: settings.securityMode,
    securityPolicy: settings.securityPolicy,
  };
  if (/BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid|BadUserSignatureInvalid/.test(message)) {
    if (settings.user === undefined) {
      return new OpcuaSecurityError(
        `the OPC UA server ${settings.endpoint} refused an anonymous session: set MFG_ETL_OPCUA_USER and MFG_ETL_OPCUA_PASSWORD (${message})`,
        { context, cause: err },
      );
    }
    return new OpcuaSecurityError(
      `the OPC UA server ${settings.endpoint} refused user "${settings.user}": wrong user name or password (check MFG_ETL_OPCUA_USER and MFG_ETL_OPCUA_PASSWORD)`,
      {
        context: { ...context, user: settings.user },
        cause: err,
      },
    );
  }
  if (/cannot find endpoint|Cannot find an Endpoint matching/i.test(message)) {
    return new OpcuaSecurityError(
      `the OPC UA server ${settings.endpoint} offers no endpoint with security mode ${settings.securityMode} and policy ${settings.securityPolicy}: check MFG_ETL_OPCUA_SECURITY_MODE and MFG_ETL_OPCUA_SECURITY_POLICY`,
      { context, cause: err },
    );
  }
  if (/BadSecurityChecksFailed|BadCertificate\w*|BadSecurityPolicyRejected/.test(message) && settings.securityMode !== 'None') {
    // the server refused us (our certificate is not in its trust list)
    return new OpcuaSecurityError(
      `the OPC UA server ${settings.endpoint} refused this client's certificate (${message}): ask its administrator to trust ${certificate.certificateFile} (SHA-1 thumbprint ${certificate.thumbprint}); \`mfg-etl opcua-pki\` prints both`,
      { context: { ...context, certificateFile: certificate.certificateFile, thumbprint: certificate.thumbprint }, cause: err },
    );
  }
  return undefined;
}

/** The server's endpoint list over a None channel (discovery works without security); undefined when the server does not answer. */
async function probeEndpoints(settings: OpcuaSettings, manager: OPCUACertificateManager): Promise<EndpointDescription[] | undefined> {
  const probe = OPCUAClient.create({
    applicationName: CLIENT_APPLICATION_NAME,
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
    clientCertificateManager: manager,
  });
  try {
    await probe.connect(settings.endpoint);
    return await probe.getEndpoints();
  } catch {
    return undefined;
  } finally {
    await probe.disconnect().catch(() => undefined);
  }
}

/** Why the server certificate was refused, with the file to move. */
async function untrustedServerCertificateError(
  err: unknown,
  settings: OpcuaSettings,
  manager: OPCUACertificateManager,
): Promise<OpcuaSecurityError> {
  let thumbprint: string | undefined;
  const endpoints = await probeEndpoints(settings, manager);
  const cert = endpoints?.find((e) => e.serverCertificate && e.serverCertificate.length > 0)?.serverCertificate;
  if (cert) thumbprint = crypto_utils.makeSHA1Thumbprint(crypto_utils.split_der(cert)[0]!).toString('hex');
  const file = thumbprint ? rejectedCertificateFile(settings.pkiDir, thumbprint) : undefined;
  const trusted = path.join(settings.pkiDir, 'trusted', 'certs');
  const where = file ? `it was saved as ${file}` : `it was saved in ${path.join(settings.pkiDir, 'rejected')}`;
  return new OpcuaSecurityError(
    `the OPC UA server certificate of ${settings.endpoint} is not trusted: ${where}; after checking it with the server administrator, move it to ${trusted} to trust it`,
    { context: { endpoint: settings.endpoint, rejectedFile: file, thumbprint, trustedFolder: trusted }, cause: err },
  );
}

function abortError(signal: AbortSignal): InterruptedError {
  return signal.reason instanceof InterruptedError
    ? signal.reason
    : new InterruptedError('the OPC UA read was interrupted', { cause: signal.reason });
}

/** Resolves after ms, or rejects as soon as the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Races a promise against the abort signal. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

interface Live {
  client: OPCUAClient;
  session: ClientSession;
  lost: boolean;
}

/**
 * One connection to the historian server. `session()` gives the current session; after an error
 * that `isConnectionLoss` recognises, `reconnect()` replaces client and session, trying with
 * exponential backoff until `reconnectTimeoutMs` and failing with a transient OpcuaConnectionError.
 * `generation` counts sessions, so a reader can tell its continuation points are gone.
 */
export class OpcuaLink {
  #live: Live | undefined;
  #closed = false;
  #reconnecting: Promise<ClientSession> | undefined;
  generation = 0;
  readonly settings: OpcuaSettings;
  readonly logger: Logger;
  readonly signal: AbortSignal | undefined;
  readonly #manager: OPCUACertificateManager;
  readonly #certificate: ClientCertificateInfo;
  /** secure channels dropped while opening, in a row, with the server answering over None meanwhile */
  #droppedWhileSecuring = 0;

  private constructor(
    settings: OpcuaSettings,
    logger: Logger,
    signal: AbortSignal | undefined,
    manager: OPCUACertificateManager,
    certificate: ClientCertificateInfo,
  ) {
    this.settings = settings;
    this.logger = logger;
    this.signal = signal;
    this.#manager = manager;
    this.#certificate = certificate;
  }

  static async open(settings: OpcuaSettings, logger: Logger, signal?: AbortSignal): Promise<OpcuaLink> {
    routeNodeOpcuaLogs(logger);
    const manager = await openCertificateManager(settings.pkiDir, settings.acceptUnknownServerCertificate);
    let link: OpcuaLink | undefined;
    try {
      // created on first use, with None too: node-opcua would otherwise make one of its own
      const certificate = await ensureClientCertificate(manager);
      link = new OpcuaLink(settings, logger, signal, manager, certificate);
      await link.#connectWithBackoff('connect');
      return link;
    } catch (err) {
      if (link) await link.close();
      else await manager.dispose();
      throw err;
    }
  }

  get reconnectTimeoutMs(): number {
    return this.settings.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS;
  }

  session(): ClientSession {
    if (this.#closed || !this.#live) throw new OpcuaConnectionError(`the OPC UA connection to ${this.settings.endpoint} is closed`);
    return this.#live.session;
  }

  /** The session to use now: waits for a reconnection in progress. */
  async current(): Promise<ClientSession> {
    if (this.#reconnecting) return this.#reconnecting;
    return this.session();
  }

  /** true when the client saw its channel close since the session was made */
  get lost(): boolean {
    return this.#live?.lost ?? true;
  }

  checkAborted(): void {
    if (this.signal?.aborted) throw abortError(this.signal);
  }

  /** Races a request against the abort signal. */
  abortable<T>(promise: Promise<T>): Promise<T> {
    return abortable(promise, this.signal);
  }

  /**
   * After a connection loss: a new client and session (one reconnection at a time). `seen` is the
   * generation the failed request ran on; when a reconnection already replaced it, nothing to do.
   */
  reconnect(cause: unknown, seen: number): Promise<ClientSession> {
    if (this.#closed) return Promise.reject(new OpcuaConnectionError(`the OPC UA connection to ${this.settings.endpoint} is closed`));
    if (seen !== this.generation && this.#live && !this.#reconnecting) return Promise.resolve(this.#live.session);
    this.#reconnecting ??= (async () => {
      this.logger.warn('OPC UA connection lost, reconnecting', { endpoint: this.settings.endpoint, error: messageOf(cause) });
      await this.#drop();
      await this.#connectWithBackoff('reconnect', cause);
      this.logger.info('OPC UA connection re-established', { endpoint: this.settings.endpoint, generation: this.generation });
      return this.#live!.session;
    })().finally(() => {
      this.#reconnecting = undefined;
    });
    return this.#reconnecting;
  }

  /** Runs one request, reconnecting and running it again after a connection loss (a few times at most). */
  async run<T>(request: (session: ClientSession) => Promise<T>): Promise<T> {
    for (let losses = 1; ; losses++) {
      this.checkAborted();
      const session = await this.current();
      const generation = this.generation;
      try {
        return await this.abortable(request(session));
      } catch (err) {
        if (err instanceof EtlError || !(isConnectionLoss(err) || this.lost)) throw err;
        if (losses >= 5)
          throw new OpcuaConnectionError(`the OPC UA server ${this.settings.endpoint} dropped the connection ${losses} times in a row`, {
            context: { endpoint: this.settings.endpoint },
            cause: err,
          });
        await this.reconnect(err, generation);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#drop();
    // every client made with the manager counted itself in and none counts itself out
    this.#manager.referenceCounter = 0;
    await this.#manager.dispose().catch(() => undefined);
  }

  async #drop(): Promise<void> {
    const live = this.#live;
    this.#live = undefined;
    if (!live) return;
    // a dead server never answers CloseSession: do not wait for it
    const quick = <T>(p: Promise<T>) => Promise.race([p.catch(() => undefined), sleep(live.lost ? 0 : 2_000).catch(() => undefined)]);
    if (!live.lost) await quick(live.session.close(true));
    await quick(live.client.disconnect());
  }

  async #connectWithBackoff(what: 'connect' | 'reconnect', cause?: unknown): Promise<void> {
    const deadline = Date.now() + this.reconnectTimeoutMs;
    let delay = 250;
    let attempt = 0;
    let lastLoud = 0;
    let last: unknown = cause;
    for (;;) {
      this.checkAborted();
      attempt += 1;
      try {
        this.#live = await this.#connectOnce(deadline);
        this.generation += 1;
        return;
      } catch (err) {
        if (err instanceof EtlError) throw err;
        last = err;
      }
      const wait = Math.min(delay, deadline - Date.now());
      if (wait <= 0) break;
      // no minute of silence while the historian is down: the first failed attempt and then one line
      // every ten seconds at info (the others at debug) say what is tried, how often and until when
      const loud = attempt === 1 || Date.now() - lastLoud >= 10_000;
      if (loud) lastLoud = Date.now();
      this.logger.log(loud ? 'info' : 'debug', `connecting to ${this.settings.endpoint} (attempt ${attempt + 1})`, {
        endpoint: this.settings.endpoint,
        attempt: attempt + 1,
        retryInMs: wait,
        givingUpAt: new Date(deadline).toISOString(),
        error: messageOf(last),
      });
      await sleep(wait, this.signal);
      delay = Math.min(delay * 2, 5_000);
    }
    const seconds = Math.round(this.reconnectTimeoutMs / 1000);
    const message =
      what === 'connect'
        ? `cannot connect to the OPC UA server ${this.settings.endpoint} (tried for ${seconds} s, ${attempt} attempts): ${messageOf(last)}`
        : `lost the OPC UA server ${this.settings.endpoint} and could not reconnect within ${seconds} s (${attempt} attempts): ${messageOf(last)}`;
    throw new OpcuaConnectionError(message, { context: { endpoint: this.settings.endpoint, attempts: attempt }, cause: last });
  }

  async #connectOnce(deadline: number): Promise<Live> {
    const s = this.settings;
    const client = OPCUAClient.create({
      applicationName: CLIENT_APPLICATION_NAME,
      // must equal the URI inside our certificate, or servers refuse the session
      ...(this.#certificate.applicationUri ? { applicationUri: this.#certificate.applicationUri } : {}),
      clientCertificateManager: this.#manager,
      certificateFile: this.#certificate.certificateFile,
      privateKeyFile: this.#certificate.privateKeyFile,
      securityMode: MessageSecurityMode[s.securityMode],
      securityPolicy: securityPolicyUri(s.securityPolicy),
      endpointMustExist: false,
      // our own backoff decides; node-opcua's silent reconnection would hide lost continuation points
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 1_000 },
      requestedSessionTimeout: 10 * 60_000,
      keepSessionAlive: true,
      defaultTransactionTimeout: s.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    });
    const live: Live = { client, session: undefined as unknown as ClientSession, lost: false };
    client.on('connection_lost', () => {
      live.lost = true;
    });
    client.on('close', () => {
      live.lost = true;
    });
    try {
      // a host that swallows packets would hold connect() far beyond the budget
      const budget = Math.max(1_000, deadline - Date.now());
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`connect timed out after ${budget} ms`)), budget);
      });
      try {
        await abortable(Promise.race([client.connect(s.endpoint), timeout]), this.signal);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      await client.disconnect().catch(() => undefined);
      if (err instanceof EtlError) throw err;
      if (/server Certificate verification failed/i.test(messageOf(err))) {
        throw await untrustedServerCertificateError(err, s, this.#manager);
      }
      const known = classifyConnectError(err, s, this.#certificate);
      if (known) throw known;
      // node-opcua servers drop the socket while a secure channel opens when they do not trust our
      // certificate. A server that answers over None meanwhile is up; twice in a row (a server
      // still starting can drop one channel too), that is the reason.
      const dropped =
        s.securityMode !== 'None' &&
        /rejected by server|disconnected by third party|premature/i.test(messageOf(err)) &&
        (await probeEndpoints(s, this.#manager)) !== undefined;
      this.#droppedWhileSecuring = dropped ? this.#droppedWhileSecuring + 1 : 0;
      if (this.#droppedWhileSecuring >= 2) {
        throw new OpcuaSecurityError(
          `the OPC UA server ${s.endpoint} closed the ${s.securityMode} channel while it was being opened, most likely because it does not trust this client's certificate: ask its administrator to trust ${this.#certificate.certificateFile} (SHA-1 thumbprint ${this.#certificate.thumbprint}); \`mfg-etl opcua-pki\` prints both`,
          {
            context: { endpoint: s.endpoint, certificateFile: this.#certificate.certificateFile, thumbprint: this.#certificate.thumbprint },
            cause: err,
          },
        );
      }
      throw err;
    }
    try {
      const identity: UserIdentityInfo =
        s.user === undefined
          ? { type: UserTokenType.Anonymous }
          : { type: UserTokenType.UserName, userName: s.user, password: s.password ?? '' };
      live.session = await abortable(client.createSession(identity), this.signal);
    } catch (err) {
      await client.disconnect().catch(() => undefined);
      if (err instanceof EtlError) throw err;
      throw classifyConnectError(err, s, this.#certificate) ?? err;
    }
    this.#droppedWhileSecuring = 0;
    return live;
  }
}
