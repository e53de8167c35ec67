import { Command } from 'commander';
import { RunFailure } from '../../util/run-failure.js';

/**
 * The demo lives in the test bed (src/testbed/demo), the one part of this package a product
 * module may load, and only here, lazily: the container image leaves the test bed out, and there
 * `epc demo` says so instead of failing on a missing module.
 */
async function loadDemo() {
  try {
    const [config, main] = await Promise.all([import('../../testbed/demo/demo-config.js'), import('../../testbed/demo/demo-main.js')]);
    return { ...config, ...main };
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /testbed/.test((err as Error).message)) {
      throw new RunFailure('epc demo is not part of this installation (the test bed is left out of the container image); run it from a clone: npx epc demo', { cause: err, exitCode: 2 });
    }
    throw err;
  }
}

/** The raw flags (src/testbed/demo/demo-config.ts), named without a static arrow into the test bed. */
type DemoFlags = Parameters<Awaited<ReturnType<typeof loadDemo>>['buildDemoConfig']>[0];

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
      const { buildDemoConfig, demoMain } = await loadDemo();
      await demoMain(buildDemoConfig(f));
    });
}
