/** The simulated MES (tools/plant-simulator/mes.ts), for commissioning the MES link without a MES. */
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { onSignal, print, useRedactor } from './io.ts';

interface SimulateMesOptions {
  outbox?: string;
  inbox?: string;
  refuse?: string | boolean;
  once?: boolean;
  interval: string;
  reportLater?: boolean;
  produced: string;
  lot: boolean;
}

export function registerMesSimulatorCommands(program: Command): void {
  program
    .command('simulate-mes')
    .description(
      'play the MES: answer every release in <outbox>/mes with an acknowledgment and a production report in <inbox>/mes (commissioning and demo)',
    )
    .option('--outbox <dir>', 'the outbox mfg-etl writes to; the simulator reads <dir>/mes (default: MFG_ETL_OUTBOX)')
    .option('--inbox <dir>', 'the inbox mfg-etl reads; the simulator writes to <dir>/mes (default: MFG_ETL_INBOX)')
    .option('--refuse [reason]', 'refuse every release (with this reason) instead of accepting it')
    .option('--once', 'answer what is there and stop (default: keep watching until Ctrl-C)')
    .option('--interval <seconds>', 'seconds between two looks at the outbox', '2')
    .option('--report-later', 'acknowledge only; no production reports')
    .option('--produced <fraction>', 'share of the ordered quantity reported produced (below 1: a partial completion)', '1')
    .option('--no-lot', 'report no finished lot (for products without lot tracking)')
    .action(async (opts: SimulateMesOptions) => {
      const interval = Number(opts.interval);
      if (!(interval >= 0.1) || interval > 3600) throw new UsageError(`--interval must be 0.1–3600 seconds, got "${opts.interval}"`);
      const produced = Number(opts.produced);
      if (!(produced > 0) || produced > 10)
        throw new UsageError(`--produced must be a share above 0 (1 = the ordered quantity), got "${opts.produced}"`);
      const { loadConfig } = await import('../../core/config.ts');
      const config = loadConfig();
      useRedactor(config.redactor);
      const { SimulatedMes } = await import('../../tools/plant-simulator/mes.ts');
      const outboxDir = path.resolve(opts.outbox ?? config.outbox, 'mes');
      const inboxDir = path.resolve(opts.inbox ?? config.inbox, 'mes');
      const mes = new SimulatedMes({
        outboxDir,
        inboxDir,
        ...(opts.refuse === undefined ? {} : { refuse: typeof opts.refuse === 'string' ? opts.refuse : 'refused by the simulated MES' }),
        report: opts.reportLater ? 'later' : 'now',
        producedFraction: produced,
        ...(opts.lot ? {} : { finishedLot: false as const }),
      });
      print(`simulated MES: reading ${outboxDir}, answering into ${inboxDir}${opts.once ? '' : ` every ${interval} s until Ctrl-C`}`);
      const pass = async () => {
        const p = await mes.poll();
        for (const f of p.files) print(`${f.direction === 'read' ? 'read ' : 'wrote'}  ${path.basename(f.path)}  ${f.gist}`);
        for (const s of p.skipped) print(`skip   ${path.basename(s.file)}  ${s.reason}`);
      };
      await pass();
      if (opts.once) return;
      let stop = false;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        onSignal(async () => {
          stop = true;
          clearTimeout(timer);
          resolve();
        });
        const tick = () => {
          timer = setTimeout(() => {
            pass().then(
              () => (stop ? resolve() : tick()),
              (err: unknown) => {
                print(`error  ${err instanceof Error ? err.message : String(err)}`);
                if (!stop) tick();
              },
            );
          }, interval * 1000);
        };
        tick();
      });
    });
}
