import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import type { WorkloadReport } from '../../src/workload/run-workload.js';
import { runCli, spawnCli } from '../helpers/run-cli.js';
import { spawnController, waitExit, type ControllerProcess } from '../controller/cli-process.js';

const MiB = 1024 * 1024;

describe('epc workload against a real epc controller process', () => {
  let dir: string;
  let ctl: ControllerProcess;
  let control: ControlClient;
  const sock = (slot = 'enclave-0') => join(dir, 'slots', slot, 'enclave.sock');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epc-wl-'));
    ctl = await spawnController(['--socket-dir', dir, '--capacity', '64Mi', '--cost-scale', '0']);
    control = new ControlClient(ctl.ready.controlSocket);
    for (const [pod, max, slot] of [['/pod-a', 12 * MiB, 'enclave-0'], ['/pod-b', 4 * MiB, 'enclave-1'], ['/pod-c', 32 * MiB, 'enclave-2']] as const) {
      await control.mkdir(pod);
      await control.writeFile(pod, 'misc.max', `sgx_epc ${max}`);
      await control.bind(slot, pod);
    }
  });
  afterAll(async () => {
    control?.close();
    if (ctl) expect(await ctl.stop()).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  const workload = (args: string[], env: Record<string, string> = {}) => runCli(['workload', ...args], { env, timeoutMs: 60_000 });

  it('within its limit: plausible numbers, no paging after warm-up, enclave destroyed on exit', async () => {
    const r = await workload(['--enclave-size', '8Mi', '--working-set', '6Mi', '--duration', '1s', '--batch', '64', '--json'], { EPC_ENCLAVE_SOCKET: sock('enclave-0'), EPC_ENCLAVE_SLOT: 'enclave-0' });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/progress/);
    const rep = JSON.parse(r.stdout) as WorkloadReport;
    expect(rep).toMatchObject({ slot: 'enclave-0', cgroup: '/pod-a', stoppedBy: 'duration', reloads: 0, reloadsAfterWarmup: 0, evictionsAfterWarmup: 0 });
    expect(rep.config).toMatchObject({ enclaveBytes: 8 * MiB, workingSetBytes: 6 * MiB, pattern: 'sequential', batch: 64 });
    expect(rep.build.pages).toBe(2048);
    expect(rep.accesses).toBeGreaterThan(rep.warmupAccesses);
    expect(rep.warmupAccesses).toBe(24); // 1536 pages / 64
    expect(rep.pagesAccessed).toBe(rep.accesses * 64);
    expect(rep.latencyUs.p50).toBeGreaterThan(0);
    expect(rep.latencyUs.p99).toBeGreaterThanOrEqual(rep.latencyUs.p50);
    expect(rep.latencyUs.max).toBeGreaterThanOrEqual(rep.latencyUs.p99);
    // Not paged: the modeled time is the fixed cost per page access exactly.
    expect(rep.modeled).toEqual({ pages: rep.pagesAccessed - 24 * 64, pagingNs: 0, nsPerPage: 1333.3 });
    expect(await control.enclaves('/pod-a')).toEqual([]);
    expect((await control.stats('/pod-a')).current).toBe(0);
  });

  it('over its limit: the working set pages (reloads and evictions after warm-up)', async () => {
    const r = await workload(['--socket', sock('enclave-1'), '--slot', 'enclave-1', '--enclave-size', '8Mi', '--working-set', '6Mi', '--duration', '3s', '--batch', '64', '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as WorkloadReport;
    expect(rep.cgroup).toBe('/pod-b');
    expect(rep.reloads).toBeGreaterThan(0);
    // The warm-up (a first pass over 6Mi) may outlast the run on a starved machine; when it ended,
    // the passes after it reload too, and the modeled time carries their paging cost.
    if (rep.accesses > rep.warmupAccesses) expect(rep.reloadsAfterWarmup).toBeGreaterThan(0);
    expect(rep.modeled.pagingNs).toBeGreaterThan(0);
    expect(rep.modeled.nsPerPage).toBeGreaterThan(1333.3);
    expect(rep.evictions).toBeGreaterThan(0);
    expect((await control.stats('/pod-b')).current).toBe(0);
  });

  it.each(['random', 'hotcold'])('runs the %s pattern at a fixed rate and prints text', async (pattern) => {
    const r = await workload(['--socket', sock('enclave-2'), '--slot', 'enclave-2', '--enclave-size', '4Mi', '--working-set', '2Mi', '--pattern', pattern, '--rate', '200', '--duration', '500ms', '--batch', '8']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${pattern}, batch 8, rate 200/s`));
    expect(r.stdout).toMatch(/wall latency per call: p50 [\d.]+ µs, p99 [\d.]+ µs/);
    expect(r.stdout).toMatch(/modeled: 1333\.3 ns per page access \(\d+ pages, 0 ns of paging charged\)/);
    const calls = Number(/accesses: (\d+) calls/.exec(r.stdout)?.[1]);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(101); // paced: 200/s for 0.5 s
  });

  it('emits JSON progress lines on stderr and on SIGTERM reports, then destroys its enclave', async () => {
    const child = spawnCli(['workload', '--socket', sock('enclave-2'), '--slot', 'enclave-2', '--enclave-size', '4Mi', '--working-set', '4Mi', '--rate', '500', '--duration', '60s', '--progress-interval', '100ms', '--json']);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    const gotProgress = new Promise<void>((resolve) => child.stderr?.on('data', (d) => {
      err += d;
      if (err.split('\n').filter((l) => l.includes('"progress"')).length >= 2) resolve();
    }));
    await gotProgress;
    expect(await waitExit(child, 'SIGTERM')).toBe(0);
    const progress = err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(progress[0]).toMatchObject({ type: 'progress', accesses: expect.any(Number), intervalP50Us: expect.any(Number), intervalModeledNsPerPage: expect.any(Number), currentBytes: expect.any(Number) });
    const rep = JSON.parse(out) as WorkloadReport;
    expect(rep.stoppedBy).toBe('signal');
    expect(await control.enclaves('/pod-c')).toEqual([]);
  });

  it('the socket implies the slot: without --slot it runs as the socket\'s slot and charges its cgroup', async () => {
    const r = await workload(['--socket', sock('enclave-2'), '--enclave-size', '1Mi', '--working-set', '1Mi', '--duration', '100ms', '--json'], { EPC_ENCLAVE_SLOT: '' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ slot: 'enclave-2', cgroup: '/pod-c' });
  });

  it('refuses (exit 2) an explicit --slot that is not the socket\'s, charging nothing anywhere', async () => {
    const before = await Promise.all(['/pod-a', '/pod-b'].map((p) => control.stats(p)));
    const r = await workload(['--socket', sock('enclave-0'), '--slot', 'enclave-1', '--enclave-size', '1Mi', '--working-set', '1Mi', '--duration', '100ms']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--slot enclave-1 does not match the socket .*belongs to slot enclave-0/);
    expect(await Promise.all(['/pod-a', '/pod-b'].map((p) => control.stats(p)))).toEqual(before);
    expect(await control.enclaves('/', { recursive: true })).toEqual([]);
  });

  it('fails with exit 1 for an unbound slot (it has no socket)', async () => {
    const r = await workload(['--socket', sock('enclave-77'), '--slot', 'enclave-77', '--duration', '100ms']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the enclave socket .*enclave-77.*ENOENT/);
  });

  it('fails with exit 1 when the socket is missing', async () => {
    const r = await workload(['--socket', join(dir, 'nope.sock'), '--slot', 'enclave-0', '--duration', '100ms']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the enclave socket/);
  });

  it.each([
    ['no socket', ['--slot', 's'], /EPC_ENCLAVE_SOCKET/],
    ['a slot that is not a slot ID', ['--socket', '/x', '--slot', '../enclave-1'], /--slot "..\/enclave-1"/],
    ['a working set above the enclave', ['--socket', '/x', '--slot', 's', '--enclave-size', '4Mi', '--working-set', '8Mi'], /--working-set/],
    ['an unknown pattern', ['--socket', '/x', '--slot', 's', '--pattern', 'zigzag'], /--pattern/],
    ['a bad duration', ['--socket', '/x', '--slot', 's', '--duration', 'forever'], /--duration/],
    ['a zero batch', ['--socket', '/x', '--slot', 's', '--batch', '0'], /--batch/],
    ['a negative rate', ['--socket', '/x', '--slot', 's', '--rate', '-5'], /--rate/],
    ['a bad size', ['--socket', '/x', '--slot', 's', '--enclave-size', 'big'], /--enclave-size/],
  ])('exits 2 on %s, naming the flag', async (_n, args, msg) => {
    const r = await runCli(['workload', ...args], { env: { EPC_ENCLAVE_SOCKET: '', EPC_ENCLAVE_SLOT: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });
});
