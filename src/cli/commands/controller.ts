import { Command } from 'commander';
import { CliError } from '../cli-error.js';

/** `epc controller`: placeholder until its issue lands. */
export function controllerCommand(): Command {
  return new Command('controller').description('(not built yet)').action(() => {
    throw new CliError('epc controller is not built yet', 1);
  });
}
