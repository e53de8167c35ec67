/** The node's EPC for the advertiser: the EPC controller's capacity, else the SGX driver's sysfs figure. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EpcBackend } from '../../src/backend/epc-backend.js';
import { epcCapacitySource, sysfsEpcBytes } from '../../src/agent/epc-capacity.js';

let sys: string;
beforeEach(async () => {
  sys = await mkdtemp(join(tmpdir(), 'epc-sys-'));
});
afterEach(async () => {
  await rm(sys, { recursive: true, force: true });
});

/** Lays out `<sys>/devices/system/node/<name>/x86/sgx_total_bytes` (undefined: a node without the file). */
async function nodes(files: Record<string, string | undefined>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const dir = join(sys, 'devices', 'system', 'node', name, 'x86');
    await mkdir(dir, { recursive: true });
    if (text !== undefined) await writeFile(join(dir, 'sgx_total_bytes'), text);
  }
}

/** A backend whose only use here is `capacity()`. */
const backend = (capacity: () => Promise<number>) => ({ capacity }) as unknown as EpcBackend;
const noController = () => Promise.reject(new Error('kernel has no sgx_epc misc cgroup'));

describe('sysfsEpcBytes', () => {
  it('sums sgx_total_bytes over the NUMA nodes and ignores other entries', async () => {
    await nodes({ node0: '67108864\n', node1: '33554432\n', node2: undefined, possible: undefined });
    await writeFile(join(sys, 'devices', 'system', 'node', 'online'), '0-2\n');
    expect(await sysfsEpcBytes(sys)).toBe(100663296);
  });

  it('is undefined without SGX (no node has the file, or no node directory at all)', async () => {
    expect(await sysfsEpcBytes(sys)).toBeUndefined();
    await nodes({ node0: undefined });
    expect(await sysfsEpcBytes(sys)).toBeUndefined();
  });

  it('a value that is not a byte count is an error naming the file', async () => {
    await nodes({ node0: 'lots\n' });
    await expect(sysfsEpcBytes(sys)).rejects.toThrow(/node0\/x86\/sgx_total_bytes: not a byte count: "lots"/);
  });
});

describe('epcCapacitySource', () => {
  it('prefers the EPC controller\'s capacity', async () => {
    await nodes({ node0: '1048576' });
    expect(await epcCapacitySource(backend(async () => 268435456), sys)()).toBe(268435456);
  });

  it('falls back to the SGX driver\'s figure where there is no EPC controller (observe-only nodes)', async () => {
    await nodes({ node0: '67108864', node1: '67108864' });
    expect(await epcCapacitySource(backend(noController), sys)()).toBe(134217728);
  });

  it('without either, the controller\'s error says why', async () => {
    await expect(epcCapacitySource(backend(noController), sys)()).rejects.toThrow(/no sgx_epc misc cgroup/);
    await nodes({ node0: '0' });
    await expect(epcCapacitySource(backend(noController), sys)()).rejects.toThrow(/no sgx_epc misc cgroup/);
  });
});
