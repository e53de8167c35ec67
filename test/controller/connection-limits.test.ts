import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionBudget, enclaveBudgetSize } from '../../src/controller/connection-limits.js';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
import { chunkSteps, PAGES_PER_STEP } from '../../src/controller/enclave-api.js';
import { eventually } from '../agent/agent-stack.js';
import { startControllerFixture, type ControllerFixture } from './controller-fixture.js';

/** Opens `n` raw connections; resolves once each connected or failed. */
async function open(path: string, n: number): Promise<Socket[]> {
  const socks: Socket[] = [];
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve) => {
    const c = connect(path, () => resolve());
    c.on('error', () => resolve());
    socks.push(c);
  })));
  return socks;
}
const isOpen = (c: Socket) => !c.destroyed && c.readyState === 'open';

describe('connection limits of the enclave sockets', () => {
  let f: ControllerFixture | undefined;
  const socks: Socket[] = [];
  afterEach(async () => {
    for (const c of socks.splice(0)) c.destroy();
    await f?.stop();
    f = undefined;
  });

  async function bound(slots: string[]) {
    for (const slot of slots) {
      await f!.control.mkdir(`/pod-${slot}`);
      await f!.control.bind(slot, `/pod-${slot}`);
    }
  }

  it('closes a connection that never sends a request (idle timeout)', async () => {
    f = await startControllerFixture({ enclaveLimits: { idleMs: 200 } });
    await bound(['enclave-0']);
    socks.push(...(await open(f.controller.slotSocket('enclave-0'), 3)));
    expect(await eventually(() => socks.every((c) => !isOpen(c)), 30_000)).toBe(true);
    expect(await eventually(() => f!.controller.enclaveBudget.inUse === 0, 10_000)).toBe(true);
  });

  it('holds at most maxConnections per socket and at most the global budget across sockets; control.sock is outside both', async () => {
    f = await startControllerFixture({ enclaveLimits: { maxConnections: 12 }, maxEnclaveConnections: 16 });
    await bound(['enclave-0', 'enclave-1']);
    socks.push(...(await open(f.controller.slotSocket('enclave-0'), 40)));
    expect(await eventually(() => f!.controller.enclaveBudget.inUse === 12, 10_000)).toBe(true);
    socks.push(...(await open(f.controller.slotSocket('enclave-1'), 40)));
    expect(await eventually(() => f!.controller.enclaveBudget.inUse === 16 && f!.controller.enclaveBudget.refused > 0, 10_000)).toBe(true);
    const control = await open(f.controller.controlSocket, 50);
    socks.push(...control);
    expect((await f.control.node()).capacityPages).toBe(1024);
    expect(f.controller.enclaveBudget.inUse).toBe(16);
    // Letting go frees the budget: the slot's own client gets through again.
    for (const c of socks) c.destroy();
    expect(await eventually(() => f!.controller.enclaveBudget.inUse === 0, 10_000)).toBe(true);
    const c = new EnclaveClient(f.controller.slotSocket('enclave-1'));
    expect((await c.self()).cgroup).toBe('/pod-enclave-1');
    c.close();
  });

  it('drops a slot\'s open connections when the slot is rebound to another cgroup', async () => {
    f = await startControllerFixture();
    await bound(['enclave-0']);
    const held = await open(f.controller.slotSocket('enclave-0'), 2);
    socks.push(...held);
    expect(await eventually(() => f!.controller.enclaveBudget.inUse === 2, 10_000)).toBe(true);
    await f.control.mkdir('/next-pod');
    await f.control.bind('enclave-0', '/next-pod');
    expect(await eventually(() => held.every((c) => !isOpen(c)), 10_000)).toBe(true);
  });

  it('clamps the enclave budget to half the fd limit', () => {
    expect(enclaveBudgetSize(2048, 1024)).toBe(512);
    expect(enclaveBudgetSize(2048, 1_000_000)).toBe(2048);
    expect(enclaveBudgetSize(2048, undefined)).toBe(2048);
    const b = new ConnectionBudget(1);
    expect([b.tryTake(), b.tryTake(), b.refused]).toEqual([true, false, 1]);
  });
});

describe('per-request work is produced lazily', () => {
  it('splits a range of 2^40 pages without enumerating it (O(1) memory in the page count)', () => {
    const it = chunkSteps([{ op: 'access', enclave: 'x', range: [0, 2 ** 40], from: '/' }]);
    const first = it.next().value;
    const second = it.next().value;
    expect(first).toMatchObject({ range: [0, PAGES_PER_STEP - 1] });
    expect(second).toMatchObject({ range: [PAGES_PER_STEP, 2 * PAGES_PER_STEP - 1] });
  });
});
