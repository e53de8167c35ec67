import { Command } from 'commander';
import { CliError } from '../cli-error.js';

/** `epc simulate`: placeholder until its issue lands. */
export function simulateCommand(): Command {
  return new Command('simulate').description('(not built yet)').action(() => {
    throw new CliError('epc simulate is not built yet', 1);
  });
}
