import { Command } from 'commander';
import { buildWorkloadConfig, WORKLOAD_DEFAULTS as D, type WorkloadFlags } from '../../workload/workload-config.js';

/** `epc workload`: a simulated enclave application for pods on model nodes. */
export function workloadCommand(): Command {
  return new Command('workload')
    .description('simulated enclave application: builds an enclave through the enclave socket, touches its working set, reports latency and paging')
    .option('--socket <path>', 'enclave socket (default: env EPC_ENCLAVE_SOCKET)')
    .option('--slot <id>', 'enclave slot ID, checked against the socket\'s slot (default: env EPC_ENCLAVE_SLOT; optional: the socket implies it)')
    .option('--enclave-size <size>', 'enclave size (bytes, Ki/Mi/Gi)', D.enclaveSize)
    .option('--working-set <size>', 'pages touched repeatedly (bytes, Ki/Mi/Gi)', D.workingSet)
    .option('--pattern <kind>', 'sequential | random | hotcold', D.pattern)
    .option('--rate <n>', 'access calls per second (0 = as fast as possible)', D.rate)
    .option('--duration <time>', 'length of the access phase (10s, 500ms, 2m)', D.duration)
    .option('--batch <pages>', 'pages per access call', D.batch)
    .option('--seed <n>', 'seed of the random patterns', D.seed)
    .option('--json', 'print the report as JSON')
    .option('--progress-interval <time>', 'emit a JSON progress line on stderr this often')
    .option('--min-warmup <time>', 'figures start after the first pass over the working set and at least this long', D.minWarmup)
    .action(async (f: WorkloadFlags) => {
      const cfg = buildWorkloadConfig(f, process.env);
      const { workloadMain } = await import('../../workload/workload-main.js');
      await workloadMain(cfg);
    });
}
