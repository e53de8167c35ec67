import { Command } from 'commander';
import { CliError } from '../cli-error.js';

/** `epc webhook`: placeholder until its issue lands. */
export function webhookCommand(): Command {
  return new Command('webhook').description('(not built yet)').action(() => {
    throw new CliError('epc webhook is not built yet', 1);
  });
}
