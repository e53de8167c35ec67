#!/usr/bin/env node
/**
 * The `epc` CLI: one binary, one subcommand per component. Each subcommand lives in its own file
 * under `commands/` and imports its implementation lazily in its action, so `epc --help` and
 * every short-lived child process start without loading the others' dependencies.
 */
import './runtime-flags.js';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../util/config-error.js';
import { RunFailure } from '../util/run-failure.js';
import { agentCommand } from './commands/agent.js';
import { controllerCommand } from './commands/controller.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { simulateCommand } from './commands/simulate.js';
import { webhookCommand } from './commands/webhook.js';
import { workloadCommand } from './commands/workload.js';

/** Builds the program; exported so tests can inspect every command's flags without a process. */
export function buildProgram(): Command {
  const program = new Command('epc')
    .description('sgx-epc-enforcer: per-pod SGX EPC limits for Kubernetes')
    .version('0.1.0')
    .addHelpText('after', '\nDocs: README.md (shipped with the package): "Quick start" (epc demo), "Configuration reference" (every flag),\n"The simulator and simulation files" (epc simulate), "Try the model by hand" (the EPC model).')
    .showHelpAfterError()
    .exitOverride();
  for (const make of [simulateCommand, controllerCommand, agentCommand, workloadCommand, webhookCommand, demoCommand, doctorCommand]) {
    program.addCommand(make().exitOverride());
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors with 1 -> we use 2 for bad input.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof ConfigError) {
      // A bad flag (the message names it), from a config builder or found by an entry: bad input.
      process.stderr.write(`epc: ${err.message}\n`);
      return 2;
    }
    if (err instanceof RunFailure) {
      process.stderr.write(`epc: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`epc: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv);
process.exitCode = code;
// Long-running commands (agent, controller, webhook) resolve only when they stop; after that the
// event loop should be empty. A short grace period lets pino flush, then we exit for certain.
setTimeout(() => process.exit(code), 200).unref();
