/**
 * `epc workload` as a process, from its built config: runs the workload (ended early by SIGINT or
 * SIGTERM, the enclave still destroyed), prints the report on stdout (JSON with `json`) and its
 * progress lines on stderr. A `--slot` that is not the socket's is a ConfigError naming `--slot`;
 * a failed run is a RunFailure (exit 1) saying why.
 */
import { ControllerApiError } from '../contracts/controller-api/unix-json-client.js';
import { ConfigError } from '../util/config-error.js';
import { abortOnSignal } from '../util/process-lifecycle.js';
import { RunFailure } from '../util/run-failure.js';
import { formatWorkloadReport } from './format-report.js';
import { runWorkload } from './run-workload.js';
import type { WorkloadConfig } from './workload-config.js';

export async function workloadMain(cfg: Readonly<WorkloadConfig>): Promise<void> {
  const { socket, slot, progressIntervalMs } = cfg;
  const stop = abortOnSignal();
  let report;
  try {
    report = await runWorkload({
      ...cfg,
      signal: stop.signal,
      onProgress: progressIntervalMs ? (p) => process.stderr.write(JSON.stringify(p) + '\n') : undefined,
    });
  } catch (err) {
    if (err instanceof ControllerApiError && err.code === 'EPERM' && err.field === 'slot' && slot && /belongs to slot/.test(err.message)) {
      throw new ConfigError('--slot', `--slot ${slot} does not match the socket ${socket}: ${err.message}`);
    }
    if (err instanceof ControllerApiError) throw new RunFailure(`enclave API refused: ${err.code}: ${err.message}`, { cause: err });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') throw new RunFailure(`cannot reach the enclave socket ${socket}: ${code}`, { cause: err });
    throw err;
  } finally {
    stop.dispose();
  }
  process.stdout.write(cfg.json ? JSON.stringify(report) + '\n' : formatWorkloadReport(report));
  if (report.stoppedBy === 'error') throw new RunFailure(`workload failed: ${report.error}`);
}
