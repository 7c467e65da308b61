/**
 * mfg-etl command line. Exit codes: 0 success, 1 a job or command failed, 2 usage or
 * configuration error (one line on stderr). List commands take --json (stdout only; logs go to
 * stderr). Progress shows only on a terminal and never with --json.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, EtlError, UsageError } from '../../core/errors.ts';
import type { JobRegistry } from '../../jobs/registry.ts';
import { registerAdminCommands } from './admin.ts';
import { registerBatchCommands } from './batches.ts';
import { registerDaemonCommands } from './daemon.ts';
import { registerHistorianCommands } from './historian.ts';
import { registerInitCommands } from './init.ts';
import { registerLineageCommands } from './lineage.ts';
import { ExitCode, redacted, type RegistryLoader } from './io.ts';
import { registerMesCommands } from './mes.ts';
import { registerMesSimulatorCommands } from './mes-simulator.ts';
import { registerQualityCommands } from './quality.ts';
import { registerRunCommands } from './runs.ts';

let loaded: Promise<JobRegistry> | undefined;
// every job and what they import (workbooks, tabular readers, Odoo loaders) load only for the commands that need them
const registry: RegistryLoader = () => (loaded ??= import('../../jobs/registry.ts').then((m) => m.defaultRegistry()));

function buildProgram(): Command {
  const program = new Command('mfg-etl')
    .description('Batch ETL between demand planning, costing and shop floor data and Odoo ERP')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // one file per command group; their order is the order of `mfg-etl --help`
  registerInitCommands(program);
  registerAdminCommands(program, registry);
  registerRunCommands(program, registry);
  registerBatchCommands(program);
  registerLineageCommands(program);
  registerDaemonCommands(program, registry);
  registerHistorianCommands(program);
  registerQualityCommands(program);
  registerMesCommands(program);
  registerMesSimulatorCommands(program);
  return program;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof ExitCode) return err.code;
  if (err instanceof ConfigError || err instanceof UsageError) return 2;
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are not errors; commander already printed its message
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
    }
    if (!(err instanceof ExitCode)) {
      const message = err instanceof EtlError || err instanceof Error ? err.message : String(err);
      process.stderr.write(`mfg-etl: ${redacted(message)}\n`);
      if (process.env.MFG_ETL_LOG_LEVEL === 'debug' && err instanceof Error && err.stack) process.stderr.write(`${redacted(err.stack)}\n`);
    }
    return exitCodeFor(err);
  }
}

process.exitCode = await main(process.argv);
// pg-boss and pool timers must not keep a finished command alive
process.exit();
