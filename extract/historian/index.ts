/**
 * The plant historian over OPC UA: open a connection, resolve the configured tags to NodeIds, read
 * raw history in pages. Knows nothing of staging or aggregation (jobs/historian-extract.ts).
 *
 * This module holds the types (settings and errors: settings.ts), and loads node-opcua only when a
 * connection is opened: the job registry imports it for every CLI command, and node-opcua takes
 * most of a second to load and prints start-up warnings on stdout (see connection.ts).
 */
import type { Logger } from '../../core/logger.ts';
import type { TagSettings } from '../../core/config/historian.ts';
import type { RawPage, ReadNode, ReadOptions, ReadRange } from './history-read.ts';
import type { ClientCertificateInfo } from './pki.ts';
import type { ResolveOptions } from './resolve-tags.ts';

export type { RawPage, ReadNode, ReadOptions, ReadRange } from './history-read.ts';
export type { ClientCertificateInfo } from './pki.ts';
export type { ResolveOptions } from './resolve-tags.ts';

export {
  OpcuaConnectionError,
  OpcuaReadError,
  OpcuaSecurityError,
  type OpcuaSecurityMode,
  type OpcuaSettings,
  opcuaSettings,
  OpcuaTagError,
} from './settings.ts';
import type { OpcuaSettings } from './settings.ts';

export interface HistorianConnection {
  /** tag name → NodeId string ("ns=2;i=1111"); OpcuaTagError naming every tag that does not resolve (or, with missing: 'omit', a map without them) */
  resolveTags(tags: readonly TagSettings[], o?: ResolveOptions): Promise<Map<string, string>>;
  /** raw history of [from, to), one page per node and response; see history-read.ts for the rules */
  readRaw(nodes: readonly ReadNode[], range: ReadRange, o: ReadOptions): AsyncIterable<RawPage>;
  /** sessions made so far: 1 after connecting, one more per reconnection */
  readonly generation: number;
  close(): Promise<void>;
}

/**
 * Connects (retrying with backoff for settings.reconnectTimeoutMs) and opens a session. Refused
 * certificates or credentials fail at once with an OpcuaSecurityError that says what to change.
 */
export async function openHistorian(settings: OpcuaSettings, logger: Logger, signal?: AbortSignal): Promise<HistorianConnection> {
  const [{ OpcuaLink }, { resolveTags }, { readRawHistory }] = await Promise.all([
    import('./connection.ts'),
    import('./resolve-tags.ts'),
    import('./history-read.ts'),
  ]);
  const link = await OpcuaLink.open(settings, logger, signal);
  logger.debug('OPC UA session open', {
    endpoint: settings.endpoint,
    securityMode: settings.securityMode,
    securityPolicy: settings.securityPolicy,
    user: settings.user ?? 'anonymous',
  });
  return {
    resolveTags: (tags, o) => resolveTags(link, tags, o),
    readRaw: (nodes, range, o) => readRawHistory(link, nodes, range, o),
    get generation() {
      return link.generation;
    },
    close: () => link.close(),
  };
}

/** For `mfg-etl opcua-pki`: the client certificate's path and SHA-1 thumbprint, created when missing. */
export async function clientCertificateInfo(pkiDir: string): Promise<ClientCertificateInfo> {
  const pki = await import('./pki.ts');
  return pki.clientCertificateInfo(pkiDir);
}
