import { Command } from 'commander';
import { CliError } from '../cli-error.js';

interface DemoFlags {
  duration?: string;
  scenario?: string;
  json?: boolean;
  /** The file, or false with --no-report. */
  report: string | false;
  keepTemp?: boolean;
}

/**
 * The demo lives in the test bed (src/testbed/demo), the one part of this package a product
 * module may load, and only here, lazily: the container image leaves the test bed out, and there
 * `epc demo` says so instead of failing on a missing module.
 */
async function loadDemo() {
  try {
    const [defaults, loader, scenario, demo, table] = await Promise.all([
      import('../../testbed/demo/default-scenario.js'),
      import('../../testbed/demo/load-scenario.js'),
      import('../../testbed/demo/demo-scenario.js'),
      import('../../testbed/demo/run-demo.js'),
      import('../../testbed/demo/format-table.js'),
    ]);
    return { ...defaults, ...loader, ...scenario, ...demo, ...table };
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /testbed/.test((err as Error).message)) {
      throw new CliError('epc demo is not part of this installation (the test bed is left out of the container image); run it from a clone: npx epc demo', 2);
    }
    throw err;
  }
}

/**
 * `epc demo`: a simulated AKS SGX node on this machine, end to end (API server double, kubelet
 * emulator, epc controller, epc agent, epc webhook, one epc workload per tenant), the same tenant
 * mix run without and with per-pod EPC limits. Exit 0 only if every condition of the verdict holds
 * (src/testbed/demo/verdict.ts: the problem shows with limits off, quiet tenants untouched in modeled time
 * with them on, every limit bound before start); 1 otherwise; 2 for bad input (flags, demo scenario).
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run a simulated SGX node end to end, the same noisy-neighbour mix with per-pod EPC limits off and on; print per-pod figures and write an HTML report')
    .option('--duration <seconds>', 'access phase of each run in seconds (default: the scenario\'s, 10; the whole demo takes about 4x this plus start-up)')
    .option('--scenario <file>', 'demo scenario (YAML/JSON: node, tenants with namespace, pod, request, enclaveSize, workingSet, pattern, rate; not an `epc simulate` simulation file); default: built in (see test/scenarios/demo/default.yaml)')
    .option('--json', 'print the results as JSON on stdout (progress stays on stderr)')
    .option('--report <file>', 'where to write the HTML report', 'epc-demo-report.html')
    .option('--no-report', 'do not write the HTML report')
    .option('--keep-temp', 'keep the temp dir (sockets, kubeconfig, certificates) and print its path')
    .addHelpText('after', '\nHow the verdict is judged (modeled time, not wall clock) and a sample run: README.md, section "Quick start" and "`epc demo`" under "Configuration reference".')
    .action(async (f: DemoFlags) => {
      const { defaultScenario, loadScenarioFile, ScenarioError, runDemo, DemoInterrupted, formatDemoTable } = await loadDemo();
      let durationSeconds: number | undefined;
      if (f.duration !== undefined) {
        durationSeconds = Number(f.duration);
        if (!/^\d+(\.\d+)?$/.test(f.duration.trim()) || !(durationSeconds >= 1) || durationSeconds > 600) throw new CliError(`--duration must be a number of seconds from 1 to 600, got ${JSON.stringify(f.duration)}`, 2);
      }
      let scenario;
      try {
        scenario = f.scenario === undefined ? defaultScenario() : await loadScenarioFile(f.scenario);
      } catch (err) {
        if (err instanceof ScenarioError) throw new CliError(`bad demo scenario --scenario ${f.scenario}: ${err.message}`, 2);
        throw err;
      }
      const started = performance.now();
      const log = (msg: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);
      const abort = new AbortController();
      const onSignal = (sig: string) => {
        log(`${sig}: stopping tenants and tearing the node down`);
        abort.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let result;
      try {
        result = await runDemo({ scenario, durationSeconds, reportFile: f.report === false ? null : f.report, keepTemp: f.keepTemp, log, signal: abort.signal });
      } catch (err) {
        if (err instanceof DemoInterrupted) throw new CliError(err.message, 130);
        throw new CliError(`demo failed: ${(err as Error).message}`, 1);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (f.json) process.stdout.write(JSON.stringify(result) + '\n');
      else process.stdout.write(formatDemoTable(result));
      if (result.failures.length > 0) throw new CliError(`demo failed: ${result.failures.length} check(s) failed${f.json ? `: ${result.failures.join('; ')}` : ' (FAILED lines above)'}`, 1);
    });
}
