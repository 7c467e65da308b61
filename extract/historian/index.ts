/**
 * The plant historian over OPC UA: open a connection, resolve the configured tags to NodeIds, read
 * raw history in pages. Knows nothing of staging or aggregation (jobs/historian-extract.ts).
 *
 * This module holds the settings, the errors and the types, and loads node-opcua only when a
 * connection is opened: the job registry imports it for every CLI command, and node-opcua takes
 * most of a second to load and prints start-up warnings on stdout (see connection.ts).
 */
import path from 'node:path';
import type { Config } from '../../core/config.ts';
import { ConfigError, EtlError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { HistorianSettings, TagSettings } from '../../core/config/historian.ts';
import type { RawPage, ReadNode, ReadOptions, ReadRange } from './history-read.ts';
import type { ClientCertificateInfo } from './pki.ts';
import type { ResolveOptions } from './resolve-tags.ts';

export type { RawPage, ReadNode, ReadOptions, ReadRange } from './history-read.ts';
export type { ClientCertificateInfo } from './pki.ts';
export type { ResolveOptions } from './resolve-tags.ts';

export type OpcuaSecurityMode = 'None' | 'Sign' | 'SignAndEncrypt';

export interface OpcuaSettings {
  endpoint: string;
  securityMode: OpcuaSecurityMode;
  /** a SecurityPolicy name: None, Basic256Sha256, Aes128_Sha256_RsaOaep… */
  securityPolicy: string;
  user?: string;
  password?: string;
  /** the client PKI folder (<dataDir>/pki) */
  pkiDir: string;
  /** lab only: trust any server certificate */
  acceptUnknownServerCertificate: boolean;
  /** how long to keep trying after the connection is lost (and for the first connection), ms; default 60 s */
  reconnectTimeoutMs?: number;
  /** one request (HistoryRead, Browse…) may take this long, ms; default 60 s */
  requestTimeoutMs?: number;
}

/** The server could not be reached, or was lost and did not come back in time: a later run may succeed. */
export class OpcuaConnectionError extends EtlError {}

/** Certificates, security policy or credentials refused: someone has to change configuration or trust lists. */
export class OpcuaSecurityError extends EtlError {
  override readonly permanent = true;
}

/** The server answered a read with something the extract cannot use (unknown node, looping continuation point…). */
export class OpcuaReadError extends EtlError {
  override readonly permanent = true;
}

/** A configured tag does not resolve to a node on the server. */
export class OpcuaTagError extends EtlError {
  override readonly permanent = true;
}

export function opcuaSettings(config: Config, historian: HistorianSettings): OpcuaSettings {
  if (!config.opcuaEndpoint) {
    throw new ConfigError(
      'MFG_ETL_OPCUA_ENDPOINT is not set: set it to the historian server, e.g. opc.tcp://historian.plant.local:4840 (and MFG_ETL_OPCUA_SECURITY_MODE, MFG_ETL_OPCUA_USER / MFG_ETL_OPCUA_PASSWORD as the server requires)',
    );
  }
  if ((config.opcuaUser === undefined) !== (config.opcuaPassword === undefined)) {
    throw new ConfigError(
      config.opcuaUser === undefined ? 'MFG_ETL_OPCUA_PASSWORD is set without MFG_ETL_OPCUA_USER' : 'MFG_ETL_OPCUA_USER is set without MFG_ETL_OPCUA_PASSWORD (or MFG_ETL_OPCUA_PASSWORD_FILE)',
    );
  }
  const securityPolicy = config.opcuaSecurityPolicy ?? (config.opcuaSecurityMode === 'None' ? 'None' : 'Basic256Sha256');
  if (config.opcuaSecurityMode !== 'None' && securityPolicy === 'None') {
    throw new ConfigError(`MFG_ETL_OPCUA_SECURITY_POLICY: None cannot protect security mode ${config.opcuaSecurityMode}; use e.g. Basic256Sha256`);
  }
  if (config.opcuaSecurityMode === 'None' && securityPolicy !== 'None') {
    throw new ConfigError(`MFG_ETL_OPCUA_SECURITY_POLICY: ${securityPolicy} needs MFG_ETL_OPCUA_SECURITY_MODE Sign or SignAndEncrypt`);
  }
  return {
    endpoint: config.opcuaEndpoint,
    securityMode: config.opcuaSecurityMode,
    securityPolicy,
    user: config.opcuaUser,
    password: config.opcuaPassword,
    pkiDir: path.resolve(config.dataDir, 'pki'),
    acceptUnknownServerCertificate: historian.acceptUnknownServerCertificate,
  };
}

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
  const [{ OpcuaLink }, { resolveTags }, { readRawHistory }] = await Promise.all([import('./connection.ts'), import('./resolve-tags.ts'), import('./history-read.ts')]);
  const link = await OpcuaLink.open(settings, logger, signal);
  logger.debug('OPC UA session open', { endpoint: settings.endpoint, securityMode: settings.securityMode, securityPolicy: settings.securityPolicy, user: settings.user ?? 'anonymous' });
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
