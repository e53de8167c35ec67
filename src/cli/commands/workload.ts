import { Command } from 'commander';
import { CliError } from '../cli-error.js';

/** `epc workload`: placeholder until its issue lands. */
export function workloadCommand(): Command {
  return new Command('workload').description('(not built yet)').action(() => {
    throw new CliError('epc workload is not built yet', 1);
  });
}
