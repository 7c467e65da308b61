/**
 * How to reach the historian (from MFG_ETL_OPCUA_* and the historian section) and the errors the
 * OPC UA extract raises. Its own module so connection, tag resolution and reads share them
 * without importing the module that loads them.
 */
import path from 'node:path';
import type { Config } from '../../core/config.ts';
import type { HistorianSettings } from '../../core/config/historian.ts';
import { opcuaMistakes, opcuaSecurityPolicy } from '../../core/config/check.ts';
import { throwMistakes } from '../../core/config/mistakes.ts';
import { ConfigError, EtlError } from '../../core/errors.ts';

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
  // the same rule as the start-up check (core/config/check.ts)
  throwMistakes(opcuaMistakes(config));
  const securityPolicy = opcuaSecurityPolicy(config);
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
