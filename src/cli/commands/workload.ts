import { Command } from 'commander';
import { CliError } from '../cli-error.js';

interface WorkloadFlags {
  socket?: string;
  slot?: string;
  enclaveSize: string;
  workingSet: string;
  pattern: string;
  rate: string;
  duration: string;
  batch: string;
  seed: string;
  json?: boolean;
  progressInterval?: string;
  minWarmup: string;
}

/** `epc workload`: a simulated enclave application for pods on model nodes. */
export function workloadCommand(): Command {
  return new Command('workload')
    .description('simulated enclave application: builds an enclave through the enclave socket, touches its working set, reports latency and paging')
    .option('--socket <path>', 'enclave socket (default: env EPC_ENCLAVE_SOCKET)')
    .option('--slot <id>', 'enclave slot ID, checked against the socket\'s slot (default: env EPC_ENCLAVE_SLOT; optional: the socket implies it)')
    .option('--enclave-size <size>', 'enclave size (bytes, Ki/Mi/Gi)', '32Mi')
    .option('--working-set <size>', 'pages touched repeatedly (bytes, Ki/Mi/Gi)', '24Mi')
    .option('--pattern <kind>', 'sequential | random | hotcold', 'sequential')
    .option('--rate <n>', 'access calls per second (0 = as fast as possible)', '0')
    .option('--duration <time>', 'length of the access phase (10s, 500ms, 2m)', '10s')
    .option('--batch <pages>', 'pages per access call', '16')
    .option('--seed <n>', 'seed of the random patterns', '1')
    .option('--json', 'print the report as JSON')
    .option('--progress-interval <time>', 'emit a JSON progress line on stderr this often')
    .option('--min-warmup <time>', 'figures start after the first pass over the working set and at least this long', '0s')
    .action(async (f: WorkloadFlags) => {
      const { parseQuantityToPages } = await import('../../epc/index.js');
      const { parseDuration } = await import('../../util/duration.js');
      const { PATTERN_KINDS } = await import('../../workload/access-pattern.js');
      const socket = f.socket ?? process.env.EPC_ENCLAVE_SOCKET;
      const slot = f.slot ?? process.env.EPC_ENCLAVE_SLOT;
      if (!socket) throw new CliError('--socket (or env EPC_ENCLAVE_SOCKET) is required', 2);
      if (slot) {
        const { slotId } = await import('../../controller/api-schemas.js');
        const ok = slotId.safeParse(slot);
        if (!ok.success) throw new CliError(`--slot ${JSON.stringify(slot)}: ${ok.error.issues[0]?.message ?? 'not a slot ID'}`, 2);
      }
      const size = (flag: string, v: string) => {
        const r = parseQuantityToPages(v, { plain: 'bytes' });
        if ('error' in r) throw new CliError(`${flag} ${r.error}`, 2);
        if (r.pages < 1) throw new CliError(`${flag} must be at least 4096 bytes`, 2);
        return r.pages * 4096;
      };
      const enclaveBytes = size('--enclave-size', f.enclaveSize);
      const workingSetBytes = size('--working-set', f.workingSet);
      if (workingSetBytes > enclaveBytes) throw new CliError(`--working-set (${f.workingSet}) must not exceed --enclave-size (${f.enclaveSize})`, 2);
      if (!(PATTERN_KINDS as readonly string[]).includes(f.pattern)) throw new CliError(`--pattern must be one of ${PATTERN_KINDS.join(', ')}, got ${f.pattern}`, 2);
      const int = (flag: string, v: string, min: number) => {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < min) throw new CliError(`${flag} must be an integer >= ${min}, got ${v}`, 2);
        return n;
      };
      const rate = Number(f.rate);
      if (!Number.isFinite(rate) || rate < 0) throw new CliError(`--rate must be a number >= 0, got ${f.rate}`, 2);
      const batch = int('--batch', f.batch, 1);
      if (batch > 4096) throw new CliError('--batch must be at most 4096 pages', 2);
      const seed = int('--seed', f.seed, 0);
      const dur = parseDuration(f.duration);
      if ('error' in dur) throw new CliError(`--duration ${dur.error}`, 2);
      const minWarmup = parseDuration(f.minWarmup);
      if ('error' in minWarmup) throw new CliError(`--min-warmup ${minWarmup.error}`, 2);
      let progressIntervalMs: number | undefined;
      if (f.progressInterval !== undefined) {
        const p = parseDuration(f.progressInterval);
        if ('error' in p) throw new CliError(`--progress-interval ${p.error}`, 2);
        if (p.ms < 10) throw new CliError('--progress-interval must be at least 10ms', 2);
        progressIntervalMs = p.ms;
      }

      const { runWorkload } = await import('../../workload/run-workload.js');
      const { formatWorkloadReport } = await import('../../workload/format-report.js');
      const { ControllerApiError } = await import('../../contracts/controller-api/unix-json-client.js');
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        const report = await runWorkload({
          socket, slot: slot || undefined, enclaveBytes, workingSetBytes, pattern: f.pattern as 'sequential', rate, durationMs: dur.ms, batch, seed,
          progressIntervalMs, minWarmupMs: minWarmup.ms, signal: abort.signal,
          onProgress: progressIntervalMs ? (p) => process.stderr.write(JSON.stringify(p) + '\n') : undefined,
        });
        process.stdout.write(f.json ? JSON.stringify(report) + '\n' : formatWorkloadReport(report));
        if (report.stoppedBy === 'error') throw new CliError(`workload failed: ${report.error}`, 1);
      } catch (err) {
        if (err instanceof CliError) throw err;
        if (err instanceof ControllerApiError && err.code === 'EPERM' && err.field === 'slot' && slot && /belongs to slot/.test(err.message)) {
          throw new CliError(`--slot ${slot} does not match the socket ${socket}: ${err.message}`, 2);
        }
        if (err instanceof ControllerApiError) throw new CliError(`enclave API refused: ${err.code}: ${err.message}`, 1);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ECONNREFUSED') throw new CliError(`cannot reach the enclave socket ${socket}: ${code}`, 1);
        throw err;
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });
}
