import { Command } from 'commander';
import { CliError } from '../cli-error.js';

/** `epc agent`: placeholder until its issue lands. */
export function agentCommand(): Command {
  return new Command('agent').description('(not built yet)').action(() => {
    throw new CliError('epc agent is not built yet', 1);
  });
}
