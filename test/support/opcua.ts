/**
 * The plant simulator in a test: a node-opcua server on a free port with its own temp PKI, client
 * PKIs next to it, and helpers to open the extract's connection and drain reads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogLevel, setLogLevel } from 'node-opcua-client';
import type { Logger } from '../../core/logger.ts';
import {
  clientCertificateInfo,
  type HistorianConnection,
  type OpcuaSettings,
  openHistorian,
  type RawPage,
  type ReadNode,
} from '../../extract/historian/index.ts';
import { type PlantSimulator, type PlantSimulatorOptions, startPlantSimulator } from '../../tools/plant-simulator/server.ts';
import type { Sample } from '../../transform/historian/types.ts';
import { captureLogger } from './staging.ts';

// node-opcua prints its warnings (certificate creation, refused certificates) on the console
setLogLevel(LogLevel.Error);

export interface TestPlant {
  sim: PlantSimulator;
  dir: string;
  logger: Logger;
  logLines: Record<string, unknown>[];
  /** client PKI folders by name, each with a client certificate the server trusts */
  clientPki: Record<string, string>;
  /** connection settings for the simulator; None and anonymous unless overridden */
  settings(o?: Partial<OpcuaSettings>): OpcuaSettings;
  open(o?: Partial<OpcuaSettings>, signal?: AbortSignal): Promise<HistorianConnection>;
  /** copies the server certificate into a client PKI's trusted folder */
  trustServer(pkiDir: string): void;
  cleanup(): Promise<void>;
}

export async function startTestPlant(
  o: Omit<PlantSimulatorOptions, 'pkiDir'> & {
    /** client PKIs to create before the server starts, all trusted by the server */
    clientPkis?: string[];
  },
): Promise<TestPlant> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfg-etl-opcua-'));
  const clientPki: Record<string, string> = {};
  const certificates: string[] = [];
  for (const name of o.clientPkis ?? []) {
    clientPki[name] = path.join(dir, `client-${name}`);
    certificates.push((await clientCertificateInfo(clientPki[name])).certificateFile);
  }
  const sim = await startPlantSimulator({
    ...o,
    port: o.port ?? 0,
    pkiDir: path.join(dir, 'server-pki'),
    trustedClientCertificates: [...(o.trustedClientCertificates ?? []), ...certificates],
  });
  const logLines: Record<string, unknown>[] = [];
  const logger = captureLogger(logLines);
  const settings = (s: Partial<OpcuaSettings> = {}): OpcuaSettings => ({
    endpoint: sim.endpointUrl,
    securityMode: 'None',
    securityPolicy: 'None',
    pkiDir: path.join(dir, 'client-none'),
    acceptUnknownServerCertificate: false,
    reconnectTimeoutMs: 20_000,
    ...s,
  });
  return {
    sim,
    dir,
    logger,
    logLines,
    clientPki,
    settings,
    open: (s, signal) => openHistorian(settings(s), logger, signal),
    trustServer(pkiDir) {
      const trusted = path.join(pkiDir, 'trusted', 'certs');
      fs.mkdirSync(trusted, { recursive: true });
      fs.copyFileSync(sim.certificateFile, path.join(trusted, 'plant-simulator.pem'));
    },
    async cleanup() {
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Drained {
  samples: Sample[];
  bad: number;
  pages: number;
  done: boolean;
}

/** Reads everything, per tag; `onPage` runs after each page (e.g. to restart the server midway). */
export async function drain(
  conn: HistorianConnection,
  nodes: readonly ReadNode[],
  range: { from: number; to: number },
  o: { pageSize: number; nodesPerRequest: number },
  onPage?: (page: RawPage, count: number) => Promise<void> | void,
): Promise<Map<string, Drained>> {
  const out = new Map<string, Drained>(nodes.map((n) => [n.tag, { samples: [], bad: 0, pages: 0, done: false }]));
  let count = 0;
  for await (const page of conn.readRaw(nodes, range, o)) {
    const d = out.get(page.tag)!;
    if (d.done) throw new Error(`page for ${page.tag} after its last page`);
    d.samples.push(...page.samples);
    d.bad += page.bad;
    d.pages += 1;
    d.done = page.done;
    count += 1;
    await onPage?.(page, count);
  }
  return out;
}
