/**
 * Pure: `epc workload` flags and env -> one validated, frozen configuration. Every bad value is a
 * ConfigError naming the flag (the CLI exits 2 with it). The socket and slot come from
 * `--socket`/`--slot`, else `$EPC_ENCLAVE_SOCKET`/`$EPC_ENCLAVE_SLOT` (set in a pod on a model node).
 */
import { SLOT_ID_PATTERN, SLOT_ID_RULE } from '../contracts/controller-api/socket-names.js';
import { PAGE_SIZE } from '../epc/sgx.js';
import { ConfigError } from '../util/config-error.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { durationMsFlag, intFlag, numberFlag, oneOfFlag, pagesFlag } from '../util/flag-values.js';
import { PATTERN_KINDS } from './access-pattern.js';
import type { WorkloadOptions } from './run-workload.js';

/** Most pages one access call names. */
export const MAX_BATCH_PAGES = 4096;

/** Every default of `epc workload`, as commander shows and hands them over (strings). */
export const WORKLOAD_DEFAULTS = {
  enclaveSize: '32Mi',
  workingSet: '24Mi',
  pattern: 'sequential',
  rate: '0',
  duration: '10s',
  batch: '16',
  seed: '1',
  minWarmup: '0s',
} as const;

/** The raw flags as commander hands them over. */
export interface WorkloadFlags {
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

/** What `runWorkload` takes (without the callbacks), every default filled in, and how to print. */
export interface WorkloadConfig extends Omit<WorkloadOptions, 'onProgress' | 'signal' | 'seed' | 'minWarmupMs'> {
  seed: number;
  minWarmupMs: number;
  /** Print the report as JSON. */
  json: boolean;
}

export function buildWorkloadConfig(f: WorkloadFlags, env: NodeJS.ProcessEnv): Readonly<WorkloadConfig> {
  const socket = f.socket ?? env.EPC_ENCLAVE_SOCKET;
  if (!socket) throw new ConfigError('--socket', '--socket (or env EPC_ENCLAVE_SOCKET) is required');
  const slot = (f.slot ?? env.EPC_ENCLAVE_SLOT) || undefined;
  if (slot !== undefined && !SLOT_ID_PATTERN.test(slot)) throw new ConfigError('--slot', `--slot ${JSON.stringify(slot)}: ${SLOT_ID_RULE}`);
  const enclaveBytes = pagesFlag('--enclave-size', f.enclaveSize) * PAGE_SIZE;
  const workingSetBytes = pagesFlag('--working-set', f.workingSet) * PAGE_SIZE;
  if (workingSetBytes > enclaveBytes) throw new ConfigError('--working-set', `--working-set (${f.workingSet}) must not exceed --enclave-size (${f.enclaveSize})`);
  return deepFreeze({
    socket,
    slot,
    enclaveBytes,
    workingSetBytes,
    pattern: oneOfFlag('--pattern', f.pattern, PATTERN_KINDS),
    rate: numberFlag('--rate', f.rate, { min: 0 }),
    durationMs: durationMsFlag('--duration', f.duration),
    batch: intFlag('--batch', f.batch, { min: 1, max: MAX_BATCH_PAGES }),
    seed: intFlag('--seed', f.seed, { min: 0 }),
    json: f.json === true,
    progressIntervalMs: f.progressInterval === undefined ? undefined : durationMsFlag('--progress-interval', f.progressInterval, { min: 10 }),
    minWarmupMs: durationMsFlag('--min-warmup', f.minWarmup),
  });
}
