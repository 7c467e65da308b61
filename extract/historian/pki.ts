/**
 * The client's PKI folder (`<dataDir>/pki`, node-opcua's layout): own/certs + own/private hold this
 * client's certificate and key, trusted/certs the server certificates we trust, rejected the ones
 * seen and refused. Created on first use; `mfg-etl opcua-pki` prints what a server administrator
 * needs to trust us.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// a dependency of node-opcua-client, pinned with it (2.182.0); not re-exported by the client
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';

export const CLIENT_APPLICATION_NAME = 'mfg-etl';

export interface ClientCertificateInfo {
  certificateFile: string;
  privateKeyFile: string;
  /** SHA-1 of the DER certificate, upper-case hex pairs separated by colons (what server UIs show) */
  thumbprint: string;
  /** the applicationUri in the certificate; the client must announce the same one */
  applicationUri: string;
  notAfter: Date;
  /** put trusted server certificates here */
  trustedFolder: string;
  /** server certificates seen and refused land here */
  rejectedFolder: string;
}

export function clientCertificateFile(pkiDir: string): string {
  return path.join(pkiDir, 'own', 'certs', 'client_certificate.pem');
}

/**
 * A certificate manager for the PKI folder. File watchers stay off: each connection makes its own
 * manager, whose first scan sees what an administrator moved meanwhile, and watchers would keep
 * the process alive.
 */
export async function openCertificateManager(pkiDir: string, acceptUnknownServerCertificate: boolean): Promise<OPCUACertificateManager> {
  fs.mkdirSync(pkiDir, { recursive: true });
  const manager = new OPCUACertificateManager({
    rootFolder: pkiDir,
    automaticallyAcceptUnknownCertificate: acceptUnknownServerCertificate,
    disableFileWatchers: true,
  });
  await manager.initialize();
  return manager;
}

/** Reads the certificate facts from the PEM file. */
function describe(pkiDir: string, certificateFile: string, privateKeyFile: string): ClientCertificateInfo {
  const cert = new X509Certificate(fs.readFileSync(certificateFile));
  const applicationUri = /URI:([^,\s]+)/.exec(cert.subjectAltName ?? '')?.[1] ?? '';
  return {
    certificateFile,
    privateKeyFile,
    thumbprint: cert.fingerprint,
    applicationUri,
    notAfter: new Date(cert.validTo),
    trustedFolder: path.join(pkiDir, 'trusted', 'certs'),
    rejectedFolder: path.join(pkiDir, 'rejected'),
  };
}

/**
 * The client certificate, created (self-signed, 10 years) when missing. Its applicationUri is
 * derived from the host name once; later runs read it back from the file, so renaming the host
 * does not break the match servers check between the certificate and the client's description.
 */
export async function ensureClientCertificate(manager: OPCUACertificateManager): Promise<ClientCertificateInfo> {
  const pkiDir = manager.rootDir;
  const certificateFile = clientCertificateFile(pkiDir);
  if (!fs.existsSync(certificateFile) || fs.statSync(certificateFile).size === 0) {
    const hostname = os.hostname();
    await manager.createSelfSignedCertificate({
      applicationUri: `urn:${hostname}:${CLIENT_APPLICATION_NAME}`,
      dns: [hostname],
      subject: `/CN=${CLIENT_APPLICATION_NAME}@${hostname}/O=mfg-etl`,
      startDate: new Date(Date.now() - 24 * 3600_000), // tolerate a server clock a little behind ours
      validity: 3650,
      outputFile: certificateFile,
    });
  }
  return describe(pkiDir, certificateFile, manager.privateKey);
}

/** For `mfg-etl opcua-pki`: the client certificate's path and thumbprint, creating them when missing. */
export async function clientCertificateInfo(pkiDir: string): Promise<ClientCertificateInfo> {
  const manager = await openCertificateManager(pkiDir, false);
  try {
    return await ensureClientCertificate(manager);
  } finally {
    await manager.dispose();
  }
}

/** The file in `rejected/` holding the certificate with this SHA-1 thumbprint (node-opcua names them `<CN>[<sha1 hex>].pem`). */
export function rejectedCertificateFile(pkiDir: string, sha1Hex: string): string | undefined {
  const folder = path.join(pkiDir, 'rejected');
  const wanted = `[${sha1Hex.toLowerCase().replace(/:/g, '')}]`;
  try {
    const name = fs.readdirSync(folder).find((f) => f.toLowerCase().includes(wanted));
    return name === undefined ? undefined : path.join(folder, name);
  } catch {
    return undefined;
  }
}
