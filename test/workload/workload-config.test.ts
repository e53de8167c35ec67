/** `epc workload` flags and env -> frozen config (pure, no process): every bad value names its flag. */
import { describe, expect, it } from 'vitest';
import { buildWorkloadConfig, WORKLOAD_DEFAULTS, type WorkloadFlags } from '../../src/workload/workload-config.js';
import { expectConfigError, expectDeepFrozen } from '../helpers/config-builder.js';

const MiB = 1 << 20;
const FLAGS: WorkloadFlags = { ...WORKLOAD_DEFAULTS, socket: '/run/epc/enclave.sock' };

describe('buildWorkloadConfig', () => {
  it('defaults parse', () => {
    expect(buildWorkloadConfig(FLAGS, {})).toEqual({
      socket: '/run/epc/enclave.sock', slot: undefined, enclaveBytes: 32 * MiB, workingSetBytes: 24 * MiB, pattern: 'sequential', rate: 0, durationMs: 10_000, batch: 16, seed: 1, json: false,
      progressIntervalMs: undefined, minWarmupMs: 0,
    });
  });
  it('socket and slot from the env when the flags are absent; an empty slot is none; the flags win', () => {
    const env = { EPC_ENCLAVE_SOCKET: '/var/run/epc/enclave.sock', EPC_ENCLAVE_SLOT: 'enclave-3' };
    expect(buildWorkloadConfig({ ...FLAGS, socket: undefined }, env)).toMatchObject({ socket: '/var/run/epc/enclave.sock', slot: 'enclave-3' });
    expect(buildWorkloadConfig({ ...FLAGS, socket: undefined }, { ...env, EPC_ENCLAVE_SLOT: '' }).slot).toBeUndefined();
    expect(buildWorkloadConfig({ ...FLAGS, slot: 'enclave-1' }, env)).toMatchObject({ socket: '/run/epc/enclave.sock', slot: 'enclave-1' });
  });
  it('reads every flag', () => {
    expect(buildWorkloadConfig({ ...FLAGS, enclaveSize: '8Mi', workingSet: '6Mi', pattern: 'hotcold', rate: '200', duration: '500ms', batch: '4096', seed: '0', json: true, progressInterval: '10ms', minWarmup: '1s' }, {})).toMatchObject({
      enclaveBytes: 8 * MiB, workingSetBytes: 6 * MiB, pattern: 'hotcold', rate: 200, durationMs: 500, batch: 4096, seed: 0, json: true, progressIntervalMs: 10, minWarmupMs: 1000,
    });
  });
  it('is frozen', () => {
    const cfg = buildWorkloadConfig(FLAGS, {});
    expectDeepFrozen(cfg);
    expect(() => {
      (cfg as { batch: number }).batch = 1;
    }).toThrow(TypeError);
  });
  it.each([
    ['--socket', { socket: undefined }, /--socket \(or env EPC_ENCLAVE_SOCKET\) is required/],
    ['--slot', { slot: '../enclave-1' }, /--slot "..\/enclave-1": slot IDs are 1-32 of/],
    ['--slot', { slot: 'x'.repeat(33) }, /--slot "x+": slot IDs are 1-32/],
    ['--enclave-size', { enclaveSize: 'big' }, /--enclave-size /],
    ['--enclave-size', { enclaveSize: '0' }, /--enclave-size must be at least one page/],
    ['--working-set', { workingSet: '1000' }, /--working-set must be a multiple of 4096/],
    ['--working-set', { enclaveSize: '4Mi', workingSet: '8Mi' }, /--working-set \(8Mi\) must not exceed --enclave-size \(4Mi\)/],
    ['--pattern', { pattern: 'zigzag' }, /--pattern must be one of sequential, random, hotcold, got "zigzag"/],
    ['--rate', { rate: '-5' }, /--rate must be a number >= 0, got "-5"/],
    ['--duration', { duration: 'forever' }, /--duration must be a duration like 10s/],
    ['--batch', { batch: '0' }, /--batch must be >= 1, got 0/],
    ['--batch', { batch: '4097' }, /--batch must be at most 4096, got 4097/],
    ['--seed', { seed: '-1' }, /--seed must be a whole number >= 0/],
    ['--progress-interval', { progressInterval: '5ms' }, /--progress-interval must be at least 10 ms, got "5ms"/],
    ['--progress-interval', { progressInterval: 'often' }, /--progress-interval must be a duration/],
    ['--min-warmup', { minWarmup: 'a while' }, /--min-warmup must be a duration/],
  ] as const)('%s: %o', (flag, patch, msg) => {
    expectConfigError(() => buildWorkloadConfig({ ...FLAGS, ...patch } as WorkloadFlags, {}), flag, msg);
  });
});
