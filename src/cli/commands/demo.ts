import { Command } from 'commander';
import { CliError } from '../cli-error.js';

/** `epc demo`: placeholder until its issue lands. */
export function demoCommand(): Command {
  return new Command('demo').description('(not built yet)').action(() => {
    throw new CliError('epc demo is not built yet', 1);
  });
}
