/** The OPC UA historian: the client certificate and the plant simulator. */
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { onSignal, positiveId, print, printJson, useRedactor } from './io.ts';

/** three 8-hour shifts in plant time, printed with the simulator's historian section */
const SIMULATOR_SHIFTS = [
  { name: 'early', start: '06:00', end: '14:00' },
  { name: 'late', start: '14:00', end: '22:00' },
  { name: 'night', start: '22:00', end: '06:00' },
];

export function registerHistorianCommands(program: Command): void {
  program
    .command('opcua-pki')
    .description('print the OPC UA client certificate (created when missing) and its SHA-1 thumbprint, for the server administrator')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const { loadConfig } = await import('../../core/config.ts');
      const { clientCertificateInfo } = await import('../../extract/historian/index.ts');
      const config = loadConfig();
      useRedactor(config.redactor);
      const info = await clientCertificateInfo(path.resolve(config.dataDir, 'pki'));
      if (opts.json) return printJson(info);
      print(
        [
          `client certificate  ${info.certificateFile}`,
          `SHA-1 thumbprint    ${info.thumbprint}`,
          `application URI     ${info.applicationUri}`,
          `valid until         ${info.notAfter.toISOString()}`,
          '',
          'Give the certificate file (or the thumbprint to check it by) to the OPC UA server administrator to trust',
          '(needed for MFG_ETL_OPCUA_SECURITY_MODE Sign or SignAndEncrypt).',
          `Server certificates this client trusts: ${info.trustedFolder}`,
          `Refused server certificates are saved in ${info.rejectedFolder}; move one into the trusted folder to trust it.`,
        ].join('\n'),
      );
    });
  program
    .command('simulate-plant')
    .description('run an OPC UA plant simulator with historized machines (commissioning and demo) until Ctrl-C')
    .option('--port <n>', 'TCP port (0: any free port)', '4840')
    .option(
      '--host <address>',
      'address to listen on (0.0.0.0: every interface; anonymous access is allowed unless --no-anonymous)',
      '127.0.0.1',
    )
    .option('--days <n>', 'days of history before now', '3')
    .option('--sample-seconds <n>', 'seconds between two samples', '60')
    .option('--machines <n>', 'machines, four tags each', '2')
    .option('--bad-quality', "add bad and uncertain stretches to the temperatures and machine 1's good counter")
    .option(
      '--user <name:password>',
      'accept this user (repeatable; anonymous stays allowed unless --no-anonymous)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--no-anonymous', 'refuse anonymous sessions')
    .option('--strict-certificates', "accept only client certificates in the simulator's trusted folder (default: any)")
    .option('--pki <dir>', "the simulator's PKI folder (default: <data dir>/simulator-pki)")
    .action(
      async (opts: {
        port: string;
        host: string;
        days: string;
        sampleSeconds: string;
        machines: string;
        badQuality?: boolean;
        user: string[];
        anonymous: boolean;
        strictCertificates?: boolean;
        pki?: string;
      }) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got "${opts.port}"`);
        const days = Number(opts.days);
        if (!(days > 0) || days > 366) throw new UsageError(`--days must be a number of days above 0 (at most 366), got "${opts.days}"`);
        const sampleSeconds = Number(opts.sampleSeconds);
        if (!(sampleSeconds >= 0.1) || sampleSeconds > 86_400)
          throw new UsageError(`--sample-seconds must be 0.1–86400, got "${opts.sampleSeconds}"`);
        const machines = positiveId(opts.machines, '--machines');
        if (machines > 1000) throw new UsageError('--machines: at most 1000');
        const users = opts.user.map((pair) => {
          const colon = pair.indexOf(':');
          if (colon <= 0 || colon === pair.length - 1) throw new UsageError(`--user expects name:password, got "${pair}"`);
          return { user: pair.slice(0, colon), password: pair.slice(colon + 1) };
        });
        if (!opts.anonymous && users.length === 0) throw new UsageError('--no-anonymous needs at least one --user name:password');
        const { loadConfig } = await import('../../core/config.ts');
        const config = loadConfig();
        useRedactor(config.redactor);
        for (const u of users) config.redactor.add(u.password);
        // node-opcua's server takes most of a second to load: only this command needs it
        const { startPlantSimulator } = await import('../../tools/plant-simulator/server.ts');
        const step = sampleSeconds * 1000;
        const to = Math.floor(Date.now() / step) * step + step; // the current sample included; live values follow
        const from = to - Math.round(days * 86_400_000);
        const sim = await startPlantSimulator({
          port,
          host: opts.host,
          machines,
          from,
          to,
          sampleSeconds,
          pkiDir: path.resolve(opts.pki ?? path.join(config.dataDir, 'simulator-pki')),
          users,
          allowAnonymous: opts.anonymous,
          badQuality: opts.badQuality,
          acceptUnknownClientCertificates: !opts.strictCertificates,
          live: true,
        });
        const stopped = new Promise<void>((resolve) =>
          onSignal(async () => {
            await sim.stop();
            resolve();
          }),
        );
        print(
          [
            `plant simulator on ${sim.endpointUrl}, listening on ${opts.host}:${sim.port} (namespace ${sim.namespaceUri} is ns=${sim.namespaceIndex})`,
            `security: None, Sign and SignAndEncrypt; ${opts.anonymous ? 'anonymous' : 'no anonymous'}${users.length ? `, users ${users.map((u) => u.user).join(', ')}` : ''}; ${opts.strictCertificates ? 'client certificates must be trusted' : 'any client certificate accepted'}`,
            `server certificate: ${sim.certificateFile} (for Sign / SignAndEncrypt, copy it into ${path.resolve(config.dataDir, 'pki', 'trusted', 'certs')})`,
            `history: ${machines} machines × 4 tags, ${new Date(from).toISOString()} → now, one sample every ${sampleSeconds} s, live values continue`,
            '',
            `environment: MFG_ETL_OPCUA_ENDPOINT=${sim.endpointUrl}`,
            'config file section:',
            // with shifts: historian-extract makes shift summaries and scrap rows per shift
            JSON.stringify({ historian: { shifts: SIMULATOR_SHIFTS, tags: sim.historianTags() } }, null, 2),
            '',
            'Ctrl-C stops the simulator.',
          ].join('\n'),
        );
        await stopped;
      },
    );
}
