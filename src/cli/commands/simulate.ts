import { Command } from 'commander';
import { RunFailure } from '../../util/run-failure.js';

/** Where the simulation file format is documented (the README ships with the package). */
export const SIMULATE_DOCS = 'Format and examples: README.md, section "The simulator and simulation files" (examples in test/scenarios/examples/).';

/**
 * `epc simulate FILE [--json]`: runs a simulation file through the EPC model (what-if planning,
 * conformance). A demo scenario (`epc demo --scenario`) given here is named as such. Prints the report; a malformed or unreadable file exits 2 with one message naming
 * the field (`steps[3].pages: ...`).
 */
export function simulateCommand(): Command {
  return new Command('simulate')
    .description('run a simulation file (capacity, cgroups, steps) through the EPC model step by step and print what happened')
    .argument('<file>', 'simulation file (YAML or JSON; not a demo scenario, which is for `epc demo --scenario`)')
    .option('--json', 'print the machine-readable report (steps, cgroups, epc) instead of tables')
    .addHelpText('after', `\n${SIMULATE_DOCS}`)
    .action(async (file: string, opts: { json?: boolean }) => {
      const sim = await import('../../simulate/index.js');
      let scenario;
      let report;
      try {
        scenario = await sim.loadScenarioFile(file);
        report = sim.runScenario(scenario);
      } catch (err) {
        if (err instanceof sim.ScenarioError) throw new RunFailure(err.file ? err.message : `${file}: ${err.message}`, { cause: err, exitCode: 2 });
        throw err;
      }
      process.stdout.write(opts.json ? sim.formatReportJson(report) : sim.formatReportTable(report, scenario));
    });
}
