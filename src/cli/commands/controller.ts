import { Command } from 'commander';
import { buildControllerConfig, CONTROLLER_DEFAULTS as D, type ControllerFlags } from '../../controller/controller-config.js';

/** `epc controller`: the modeled EPC controller of one node, serving control.sock and one enclave socket per bound slot. */
export function controllerCommand(): Command {
  return new Command('controller')
    .description('run the modeled SGX EPC controller of one node in real time (control.sock + slots/<slot>/enclave.sock per bound slot in --socket-dir)')
    .requiredOption('--socket-dir <dir>', 'directory for control.sock and slots/<slot>/enclave.sock (at most 55 bytes: unix socket paths are limited)')
    .option('--capacity <size>', 'EPC capacity (bytes with Ki/Mi/Gi suffix, e.g. 256Mi)', D.capacity)
    .option('--metrics-addr <host:port>', 'serve Prometheus /metrics here')
    .option('--cost-scale <n>', 'multiplier on simulated paging time applied as caller delay (0 = none)', D.costScale)
    .option('--costs <spec>', 'cost model: evictCycles=N,reloadCycles=N,einitCycles=N,ghz=N (or JSON)')
    .option('--fault-retry-ms <ms>', 'how long a fault answered EBUSY is retried before EBUSY is returned', D.faultRetryMs)
    .action(async (o: ControllerFlags) => {
      // Every flag is valid before the socket dir is created (the first thing the entry does). A
      // ConfigError exits 2, a RunFailure 1, each with its message (src/cli/main.ts).
      const cfg = buildControllerConfig(o);
      const { runController } = await import('../../controller/run-controller.js');
      await runController(cfg);
    });
}
