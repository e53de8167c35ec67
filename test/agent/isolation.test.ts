/**
 * The isolation check on a 256Mi model node, with real `epc controller` and `epc agent`
 * processes: pod A requests 64Mi and works in 48Mi; pod B requests 64Mi and pushes 240Mi, past
 * what the node has left. With enforcement A sees 0 evictions and reloads while B pages; with
 * `--enforce false` (global reclaim only, today's kernel) A is paged.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
import { slotSocketPath } from '../../src/contracts/controller-api/socket-names.js';
import { ControllerApiError } from '../../src/contracts/controller-api/unix-json-client.js';
import { AgentStack } from './agent-stack.js';

const PAGE = 4096;
const MI = 1024 * 1024;
const CHUNK = 1024;

let stack: AgentStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function retryBusy<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ControllerApiError && err.code === 'EBUSY') || i > 200) throw err;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** Builds an enclave of `bytes` in the pod's slot and touches all of it `rounds` times. */
async function work(c: EnclaveClient, enclave: string, pages: number, rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (let p = 0; p < pages; p += CHUNK) await retryBusy(() => c.access(enclave, [[p, Math.min(p + CHUNK, pages) - 1]]));
  }
}

async function build(c: EnclaveClient, pages: number): Promise<string> {
  const { enclave } = await c.create();
  for (let p = 0; p < pages; p += CHUNK) await retryBusy(() => c.add(enclave, Math.min(CHUNK, pages - p)));
  await c.init(enclave);
  return enclave;
}

async function scenario(enforce: boolean) {
  stack = await AgentStack.start({ capacity: '256Mi', agentArgs: enforce ? [] : ['--enforce', 'false', '--advertise=false'] });
  const s = stack;
  const a = await s.runPod('quiet-a', '64Mi');
  const b = await s.runPod('noisy-b', '64Mi');
  const slotOf = (name: string) => s.starts.find((x) => x.pod === `default/${name}`)!;
  expect(slotOf('quiet-a').miscMax).toBe(enforce ? `sgx_epc ${64 * MI}\n` : 'sgx_epc max\n');
  const ca = new EnclaveClient(slotSocketPath(s.ctlDir, slotOf('quiet-a').slot), slotOf('quiet-a').slot, { timeoutMs: 60_000 });
  const cb = new EnclaveClient(slotSocketPath(s.ctlDir, slotOf('noisy-b').slot), slotOf('noisy-b').slot, { timeoutMs: 60_000 });
  try {
    const aPages = (48 * MI) / PAGE;
    const bPages = (240 * MI) / PAGE;
    const ea = await build(ca, aPages);
    await work(ca, ea, aPages, 1);
    const eb = await build(cb, bPages);
    for (let i = 0; i < 2; i++) {
      await work(cb, eb, bPages, 1);
      await work(ca, ea, aPages, 1);
    }
    const cgA = `/kubepods/besteffort/pod${a.metadata.uid}`;
    const cgB = `/kubepods/besteffort/pod${b.metadata.uid}`;
    return { a: await s.control.stats(cgA), b: await s.control.stats(cgB) };
  } finally {
    ca.close();
    cb.close();
  }
}

describe('isolation on a 256Mi node (A 64Mi works in 48Mi, B 64Mi pushes 240Mi)', () => {
  it('with enforcement: A sees 0 evictions and 0 reloads while B pages within its 64Mi', async () => {
    const { a, b } = await scenario(true);
    expect({ evicted: a.evicted, reloaded: a.reloaded }).toEqual({ evicted: 0, reloaded: 0 });
    expect(b.evicted).toBeGreaterThan(0);
    expect(b.reloaded).toBeGreaterThan(0);
    expect(b.peak).toBeLessThanOrEqual(64 * MI);
    expect(b.events).toBeGreaterThan(0);
  }, 120_000);

  it('with --enforce false (global reclaim only): A is paged', async () => {
    const { a, b } = await scenario(false);
    expect(a.max).toBe('max');
    expect(stack!.api.getNode('node-a').status?.capacity?.['sgx.intel.com/epc']).toBeUndefined(); // --advertise=false: no Node patch
    expect(a.evicted).toBeGreaterThan(0);
    expect(a.reloaded).toBeGreaterThan(0);
    expect(b.evicted).toBeGreaterThan(0);
  }, 120_000);
});
