import { Command } from 'commander';
import { CliError } from '../cli-error.js';

/**
 * `epc simulate FILE [--json]`: runs a scenario file through the EPC model (what-if planning,
 * conformance). Prints the report; a malformed or unreadable file exits 2 with one message naming
 * the field (`steps[3].pages: ...`).
 */
export function simulateCommand(): Command {
  return new Command('simulate')
    .description('run an EPC scenario file through the model and print what happened (see docs/epc-model.md)')
    .argument('<file>', 'scenario file (YAML or JSON)')
    .option('--json', 'print the machine-readable report (steps, cgroups, epc) instead of tables')
    .action(async (file: string, opts: { json?: boolean }) => {
      const sim = await import('../../simulate/index.js');
      let scenario;
      let report;
      try {
        scenario = await sim.loadScenarioFile(file);
        report = sim.runScenario(scenario);
      } catch (err) {
        if (err instanceof sim.ScenarioError) throw new CliError(err.file ? err.message : `${file}: ${err.message}`, 2);
        throw err;
      }
      process.stdout.write(opts.json ? sim.formatReportJson(report) : sim.formatReportTable(report, scenario));
    });
}
