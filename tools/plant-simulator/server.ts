/**
 * The plant simulator: a node-opcua server with historized machines, for commissioning, the demo,
 * the tests and the historian benchmark. Address space, in namespace `urn:mfg-etl:plant-simulator`
 * (index 2 on this server):
 *
 *   /Objects/Plant1                     ns=2;i=1000
 *   /Objects/Plant1/MachineN            ns=2;i=N*1000+100
 *     GoodCount (UInt32)                ns=2;i=N*1000+111
 *     ScrapCount (UInt32)               ns=2;i=N*1000+112
 *     State (Byte: 1 running, 2 down, 3 idle)  ns=2;i=N*1000+113
 *     Temperature (Double, degC)        ns=2;i=N*1000+114
 *
 * History comes from machines.ts (deterministic from the seed) and is served by historian.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// dependencies of node-opcua-server, pinned with it (2.182.0); not re-exported by the server
import type { UAVariable } from 'node-opcua-address-space-base';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { DataType, MessageSecurityMode, SecurityPolicy, type StatusCode, StatusCodes } from 'node-opcua-client';
import { OPCUAServer } from 'node-opcua-server';
import { routeNodeOpcuaLogs } from '../../extract/historian/connection.ts';
import type { HistorianSettings } from '../../core/config/historian.ts';
import type { Sample } from '../../transform/historian/types.ts';
import { SeriesHistorian } from './historian.ts';
import { generatePlant, MACHINE_TAGS, type MachineModel, type MachineTag, QUALITY_GOOD, type Series } from './machines.ts';

export const SIMULATOR_NAMESPACE_URI = 'urn:mfg-etl:plant-simulator';

// node-opcua's warnings would land on stdout, in the middle of the config section printed there
routeNodeOpcuaLogs();

type SecurityModeName = 'None' | 'Sign' | 'SignAndEncrypt';

export interface PlantSimulatorOptions {
  /** 0 (default): a free port */
  port?: number;
  /**
   * address to listen on; default 127.0.0.1 (the simulator accepts anonymous sessions: only this
   * machine reaches it unless asked). `0.0.0.0` / `::`: every interface, advertised by host name.
   */
  host?: string;
  machines?: number;
  /** history window [from, to), epoch ms */
  from: number;
  to: number;
  sampleSeconds: number;
  seed?: number;
  /** the server's PKI folder (own certificate, trusted client certificates) */
  pkiDir: string;
  /** default: None, Sign and SignAndEncrypt */
  securityModes?: SecurityModeName[];
  /** for Sign / SignAndEncrypt; default Basic256Sha256, Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss */
  securityPolicies?: string[];
  /** user name / password pairs the server accepts */
  users?: { user: string; password: string }[];
  /** default true */
  allowAnonymous?: boolean;
  /** bad and uncertain stretches in the temperatures and machine 1's good counter */
  badQuality?: boolean;
  /** default true (a lab tool); false: only certificates in trustedClientCertificates are accepted */
  acceptUnknownClientCertificates?: boolean;
  /** client certificate files (PEM/DER) copied into the server's trusted folder before it starts */
  trustedClientCertificates?: string[];
  /** keep producing a sample every sampleSeconds after `to` (history grows, current values move) */
  live?: boolean;
  /** the Odoo work center code of each machine; default WC-MACHINE<N> */
  assets?: string[];
}

export interface PlantSimulator {
  endpointUrl: string;
  port: number;
  namespaceUri: string;
  namespaceIndex: number;
  /** the server's own certificate (trust it in the client PKI for Sign / SignAndEncrypt) */
  certificateFile: string;
  pkiDir: string;
  /** a tag map for the config file's historian section, matching the nodes (nodeId and browsePath forms mixed) */
  historianTags(): HistorianSettings['tags'];
  /** what the simulator holds for a tag over [from, to): the good samples, and how many bad or uncertain ones */
  expected(tag: string, range: { from: number; to: number }): { samples: Sample[]; bad: number };
  /** continuation points the server holds, over all sessions */
  continuationPoints(): number;
  /** sessions open on the server */
  sessions(): number;
  /** stops the server and starts a new one on the same port with the same history, after downMs */
  restart(o?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

const KIND: Record<MachineTag, { kind: 'good-counter' | 'scrap-counter' | 'state' | 'analog'; short: string; dataType: DataType }> = {
  GoodCount: { kind: 'good-counter', short: 'good', dataType: DataType.UInt32 },
  ScrapCount: { kind: 'scrap-counter', short: 'scrap', dataType: DataType.UInt32 },
  State: { kind: 'state', short: 'state', dataType: DataType.Byte },
  Temperature: { kind: 'analog', short: 'temp', dataType: DataType.Double },
};

const QUALITY_STATUS: readonly StatusCode[] = [StatusCodes.Good, StatusCodes.BadSensorFailure, StatusCodes.UncertainLastUsableValue];

export function simulatorNodeId(machine: number, tag: MachineTag): number {
  return machine * 1000 + 111 + MACHINE_TAGS.indexOf(tag);
}

function policyUri(name: string): SecurityPolicy {
  const uri = (SecurityPolicy as unknown as Record<string, SecurityPolicy | undefined>)[name];
  if (!uri) throw new Error(`unknown security policy ${name}`);
  return uri;
}

export async function startPlantSimulator(o: PlantSimulatorOptions): Promise<PlantSimulator> {
  const machineCount = o.machines ?? 2;
  const models = generatePlant({
    machines: machineCount,
    from: o.from,
    to: o.to,
    sampleSeconds: o.sampleSeconds,
    seed: o.seed,
    badQuality: o.badQuality,
  });
  const byTag = new Map<string, Series>();
  for (const m of models) for (const t of MACHINE_TAGS) byTag.set(`M${m.machine}.${KIND[t].short}`, m.series[t]);
  const modes = o.securityModes ?? ['None', 'Sign', 'SignAndEncrypt'];
  const policies = modes.some((m) => m !== 'None')
    ? (o.securityPolicies ?? ['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'])
    : [];
  const users = o.users ?? [];

  const trusted = path.join(o.pkiDir, 'trusted', 'certs');
  fs.mkdirSync(trusted, { recursive: true });
  // client certificates are all called client_certificate.pem: number the copies
  (o.trustedClientCertificates ?? []).forEach((file, i) =>
    fs.copyFileSync(file, path.join(trusted, `client-${i + 1}-${path.basename(file)}`)),
  );

  let port = o.port ?? 0;
  const listenHost = o.host ?? '127.0.0.1';
  const everywhere = ['0.0.0.0', '::', ''].includes(listenHost);
  const advertised = everywhere ? os.hostname() : listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  let server: OPCUAServer | undefined;
  let manager: OPCUACertificateManager | undefined;
  let variables: { model: MachineModel; tag: MachineTag; variable: UAVariable }[] = [];
  let namespaceIndex = 2;
  let live: NodeJS.Timeout | undefined;

  const setCurrent = (model: MachineModel, tag: MachineTag, variable: UAVariable) => {
    const s = model.series[tag];
    const i = s.length - 1;
    if (i < 0) return;
    variable.setValueFromSource(
      { dataType: KIND[tag].dataType, value: s.values[i]! },
      QUALITY_STATUS[s.quality[i]!] ?? StatusCodes.Bad,
      new Date(s.ts[i]!),
    );
  };

  const start = async () => {
    manager = new OPCUACertificateManager({
      rootFolder: o.pkiDir,
      automaticallyAcceptUnknownCertificate: o.acceptUnknownClientCertificates ?? true,
      disableFileWatchers: true,
    });
    const hostname = os.hostname();
    const s = new OPCUAServer({
      port,
      host: listenHost,
      // the endpoint clients are told to use: the address we listen on (the host name only when listening everywhere)
      hostname: advertised,
      serverCertificateManager: manager,
      securityModes: modes.map((m) => MessageSecurityMode[m]),
      securityPolicies: [...(modes.includes('None') ? [SecurityPolicy.None] : []), ...policies.map(policyUri)],
      allowAnonymous: o.allowAnonymous ?? true,
      userManager: { isValidUser: (user: string, password: string) => users.some((u) => u.user === user && u.password === password) },
      serverInfo: {
        applicationUri: `urn:${hostname}:mfg-etl-plant-simulator`,
        productUri: 'urn:mfg-etl:plant-simulator',
        applicationName: { text: 'mfg-etl plant simulator', locale: 'en' },
      },
      buildInfo: { productName: 'mfg-etl plant simulator', manufacturerName: 'mfg-etl', softwareVersion: '1' },
      // generous limits: the benchmark reads 100 nodes with one session
      serverCapabilities: { maxSessions: 100 },
    });
    await s.initialize();
    const addressSpace = s.engine.addressSpace!;
    const namespace = addressSpace.registerNamespace(SIMULATOR_NAMESPACE_URI);
    namespaceIndex = namespace.index;
    const plant = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'Plant1', nodeId: 'i=1000' });
    variables = [];
    for (const model of models) {
      const machine = namespace.addObject({
        componentOf: plant,
        browseName: `Machine${model.machine}`,
        nodeId: `i=${model.machine * 1000 + 100}`,
      });
      for (const tag of MACHINE_TAGS) {
        const variable = namespace.addVariable({
          componentOf: machine,
          browseName: tag,
          nodeId: `i=${simulatorNodeId(model.machine, tag)}`,
          dataType: KIND[tag].dataType,
          minimumSamplingInterval: 1000,
        });
        setCurrent(model, tag, variable);
        addressSpace.installHistoricalDataNode(variable, { historian: new SeriesHistorian(model.series[tag], KIND[tag].dataType) });
        variables.push({ model, tag, variable });
      }
    }
    await s.start();
    port = s.endpoints[0]!.port;
    server = s;
  };

  const shutdown = async () => {
    const s = server;
    server = undefined;
    if (s) await s.shutdown(0);
    await manager?.dispose().catch(() => undefined);
    manager = undefined;
  };

  await start();
  if (o.live) {
    live = setInterval(
      () => {
        const now = Date.now();
        for (const model of models) {
          if (model.nextTs > now) continue;
          while (model.nextTs <= now) model.step();
        }
        for (const v of variables) setCurrent(v.model, v.tag, v.variable);
      },
      Math.min(o.sampleSeconds * 1000, 10_000),
    );
    live.unref();
  }

  const endpointUrl = () => server?.getEndpointUrl() ?? `opc.tcp://${advertised}:${port}`;
  const assetOf = (machine: number) => o.assets?.[machine - 1] ?? `WC-MACHINE${machine}`;

  const sim: PlantSimulator = {
    get endpointUrl() {
      return endpointUrl();
    },
    get port() {
      return port;
    },
    namespaceUri: SIMULATOR_NAMESPACE_URI,
    get namespaceIndex() {
      return namespaceIndex;
    },
    certificateFile: path.join(o.pkiDir, 'own', 'certs', 'certificate.pem'),
    pkiDir: o.pkiDir,
    historianTags() {
      const ns = namespaceIndex;
      const uri = SIMULATOR_NAMESPACE_URI;
      return models.flatMap((m) => {
        const n = m.machine;
        const asset = assetOf(n);
        return [
          {
            name: `M${n}.good`,
            nodeId: `ns=${ns};i=${simulatorNodeId(n, 'GoodCount')}`,
            asset,
            kind: 'good-counter',
            rollover: 4294967295,
            active: true,
          },
          {
            name: `M${n}.scrap`,
            browsePath: `/Objects/${ns}:Plant1/${ns}:Machine${n}/${ns}:ScrapCount`,
            asset,
            kind: 'scrap-counter',
            rollover: 4294967295,
            active: true,
          },
          {
            name: `M${n}.state`,
            nodeId: `nsu=${uri};i=${simulatorNodeId(n, 'State')}`,
            asset,
            kind: 'state',
            states: { '1': 'running', '2': { state: 'down', lossReason: 'Equipment Failure' }, '3': 'idle' },
            active: true,
          },
          n % 2 === 1
            ? {
                name: `M${n}.temp`,
                nodeId: `ns=${ns};i=${simulatorNodeId(n, 'Temperature')}`,
                asset,
                kind: 'analog',
                unit: 'degC',
                active: true,
              }
            : {
                name: `M${n}.temp`,
                browsePath: `/Objects/nsu=${uri};Plant1/nsu=${uri};Machine${n}/nsu=${uri};Temperature`,
                asset,
                kind: 'analog',
                unit: 'degC',
                active: true,
              },
        ] satisfies HistorianSettings['tags'];
      });
    },
    expected(tag, range) {
      const s = byTag.get(tag);
      if (!s) throw new Error(`the simulator has no tag ${tag}`);
      const samples: Sample[] = [];
      let bad = 0;
      for (let i = s.lowerBound(range.from); i < s.length && s.ts[i]! < range.to; i++) {
        if (s.quality[i] === QUALITY_GOOD) samples.push({ ts: s.ts[i]!, value: s.values[i]! });
        else bad += 1;
      }
      return { samples, bad };
    },
    continuationPoints() {
      const sessions =
        (
          server?.engine as unknown as
            { _sessions?: Record<string, { continuationPointManager?: { _map?: Map<unknown, unknown> } }> } | undefined
        )?._sessions ?? {};
      return Object.values(sessions).reduce((n, s) => n + (s.continuationPointManager?._map?.size ?? 0), 0);
    },
    sessions() {
      return server?.engine.currentSessionCount ?? 0;
    },
    async restart(r = {}) {
      await shutdown();
      if (r.downMs) await new Promise((resolve) => setTimeout(resolve, r.downMs));
      await start();
    },
    async stop() {
      if (live) clearInterval(live);
      live = undefined;
      await shutdown();
    },
  };
  return sim;
}
