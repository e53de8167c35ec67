import { existsSync, readdirSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DevicePluginEvent } from '../../src/deviceplugin/device-plugin.js';
import { healthy, ManualSource, pod, Scope, until } from './fixtures.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

describe('device plugin framework against the kubelet emulator', () => {
  it('serves its socket before Register and GetDevicePluginOptions runs inside Register with the same options', async () => {
    const kubelet = await scope.emulator();
    const p = scope.plugin(kubelet.deviceDir, { allocator: { allocate: () => ({}), preStartContainer: async () => undefined } });
    await p.start();
    await kubelet.waitForRegistration('example.com/thing');
    const types = kubelet.events.map((e) => e.type);
    const begin = types.indexOf('register-begin');
    const opts = types.indexOf('options');
    const end = types.indexOf('register-end');
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(begin < opts && opts < end).toBe(true);
    const o = kubelet.events[opts] as Extract<(typeof kubelet.events)[number], { type: 'options' }>;
    expect(o.options).toEqual({ pre_start_required: true, get_preferred_allocation_available: false });
    expect(o.registerOptions).toEqual(o.options);
    expect(kubelet.warnings).toEqual([]);
    expect(o.endpoint).toBe(p.socketName);
  });

  it.each([
    { name: 'allocate only', extra: {}, options: { pre_start_required: false, get_preferred_allocation_available: false } },
    { name: 'with PreStart', extra: { preStartContainer: async () => undefined }, options: { pre_start_required: true, get_preferred_allocation_available: false } },
    { name: 'with preferred', extra: { preferredAllocation: () => ['c'] }, options: { pre_start_required: false, get_preferred_allocation_available: true } },
  ])('detects capabilities ($name) and kubelet calls only the advertised ones', async ({ extra, options }) => {
    const kubelet = await scope.emulator();
    const p = scope.plugin(kubelet.deviceDir, { allocator: { allocate: () => ({}), ...extra } });
    expect(p.options).toEqual(options);
    await p.start();
    await kubelet.waitForRegistration('example.com/thing');
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 3, 'devices');
    await kubelet.admitPod(pod('p', [{ name: 'c', req: { 'example.com/thing': 1 } }]));
    const calls = kubelet.events.map((e) => e.type);
    expect(calls.includes('prestart')).toBe(options.pre_start_required);
    expect(calls.includes('preferred')).toBe(options.get_preferred_allocation_available);
    if (options.get_preferred_allocation_available) expect(kubelet.pod('default', 'p')!.containers[0].devices.get('example.com/thing')).toEqual(['c']);
  });

  it('sends the initial list and the full list again on every health change', async () => {
    const kubelet = await scope.emulator();
    const src = new ManualSource(healthy('a', 'b'));
    await scope.plugin(kubelet.deviceDir, { source: src }).start();
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 2, 'initial list');
    src.set([{ ID: 'a', health: 'Unhealthy' }, { ID: 'b', health: 'Healthy' }]);
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 1, 'unhealthy a');
    expect(kubelet.resource('example.com/thing')!.capacity).toBe(2);
    src.set(healthy('a', 'b', 'c'));
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 3, 'all healthy');
    const lists = kubelet.events.filter((e) => e.type === 'list');
    expect(lists.map((l) => (l as { total: number }).total)).toEqual([2, 2, 3]);
  });

  it('registers again when kubelet ends the ListAndWatch stream', async () => {
    const kubelet = await scope.emulator();
    const events: DevicePluginEvent[] = [];
    const p = scope.plugin(kubelet.deviceDir, {}, { events });
    await p.start();
    await kubelet.waitForRegistration('example.com/thing');
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 3, 'devices');
    const from = kubelet.events.length;
    kubelet.endListAndWatch('example.com/thing');
    expect(kubelet.resource('example.com/thing')!.allocatable).toBe(0);
    await kubelet.waitForRegistration('example.com/thing', { from });
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 3, 'devices after re-register');
    expect(events.some((e) => e.type === 'stream-ended')).toBe(true);
    expect(p.registrations).toBe(2);
  });

  it('registers again after a kubelet restart and earlier allocations stay valid', async () => {
    const kubelet = await scope.emulator();
    const prestarts: string[][] = [];
    const p = scope.plugin(kubelet.deviceDir, { allocator: { allocate: () => ({}), preStartContainer: async (ids) => void prestarts.push([...ids]) } });
    await p.start();
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 3, 'devices');
    await kubelet.admitPod(pod('p', [{ name: 'c', req: { 'example.com/thing': 2 } }]));
    const from = kubelet.events.length;
    const before = statSync(p.socketPath).ino + ':' + statSync(p.socketPath).ctimeMs;
    let atRestart: unknown;
    const seen = kubelet.waitFor((e) => e.type === 'restart' && (atRestart = kubelet.resource('example.com/thing')) !== undefined, { from });
    await kubelet.restart();
    await seen;
    expect(atRestart).toMatchObject({ capacity: 3, allocatable: 0 }); // taken synchronously when kubelet restarted
    const t0 = Date.now();
    const reg = await kubelet.waitForRegistration('example.com/thing', { from });
    console.log(`re-registered ${reg.at - t0} ms after the kubelet restart`);
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 3, 'devices after restart');
    expect(statSync(p.socketPath).ino + ':' + statSync(p.socketPath).ctimeMs).not.toBe(before); // served anew
    await kubelet.restartContainer('default', 'p', 'c'); // PreStart with the old IDs, on the new registration
    expect(prestarts).toHaveLength(2);
    expect(prestarts[1]).toEqual(prestarts[0]);
    expect(kubelet.resource('example.com/thing')!.allocatable).toBe(3);
  });

  it('registers again when a new kubelet.sock appears while its own socket survives', async () => {
    const dir = scope.dir();
    const first = await scope.emulator({ deviceDir: dir });
    const p = scope.plugin(dir, {});
    await p.start();
    await first.waitForRegistration('example.com/thing');
    await until(() => p.registrations === 1, 'first registration acknowledged');
    await first.stop(); // removes only kubelet.sock
    expect(existsSync(p.socketPath)).toBe(true);
    const second = await scope.emulator({ deviceDir: dir });
    await second.waitForRegistration('example.com/thing');
    await until(() => second.resource('example.com/thing')?.allocatable === 3, 'devices on the new kubelet');
    await until(() => p.registrations >= 2, 'second registration acknowledged');
  });

  it('stop cancels a Register that kubelet never answers', async () => {
    const dir = scope.dir();
    const { Server, ServerCredentials } = await import('@grpc/grpc-js');
    const { devicePluginServices } = await import('../../src/contracts/load-proto.js');
    const silent = new Server();
    silent.addService(devicePluginServices().Registration.service, { Register: () => undefined });
    await new Promise<void>((r, j) => silent.bindAsync(`unix:${dir}/kubelet.sock`, ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
    try {
      const { DevicePlugin } = await import('../../src/deviceplugin/device-plugin.js');
      const events: DevicePluginEvent[] = [];
      const p = scope.add(new DevicePlugin({ dir, registerTimeoutMs: 600_000, onEvent: (e) => events.push(e), spec: { resourceName: 'example.com/thing', source: new ManualSource(healthy('a')), allocator: { allocate: () => ({}) } } }));
      await p.start();
      await new Promise((r) => setTimeout(r, 100));
      await p.stop(); // would hang for the 10-minute register timeout without the cancel
      expect(events.filter((e) => e.type === 'register-failed')).toEqual([]);
      expect(p.registrations).toBe(0);
    } finally {
      silent.forceShutdown();
    }
  });

  it('backs off while kubelet is absent and registers once kubelet.sock appears', async () => {
    const dir = scope.dir();
    const events: DevicePluginEvent[] = [];
    await scope.plugin(dir, {}, { events }).start();
    await until(() => events.filter((e) => e.type === 'register-failed').length >= 3, 'three failed attempts');
    const delays = events.flatMap((e) => (e.type === 'register-failed' ? [e.retryInMs] : []));
    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
    const kubelet = await scope.emulator({ deviceDir: dir });
    await kubelet.waitForRegistration('example.com/thing', { timeoutMs: 5000 });
  });

  it('runs two instances side by side with their own sockets; the newer serves, the older takes over when it stops', async () => {
    const kubelet = await scope.emulator();
    const a = scope.plugin(kubelet.deviceDir, { allocator: { allocate: () => ({ envs: { FROM: 'a' } }) } });
    await a.start();
    await kubelet.waitForRegistration('example.com/thing');
    const b = scope.plugin(kubelet.deviceDir, { allocator: { allocate: () => ({ envs: { FROM: 'b' } }) } });
    await b.start();
    await until(() => kubelet.resource('example.com/thing')?.endpoint === b.socketPath, 'b registered');
    expect(a.socketPath).not.toBe(b.socketPath);
    expect(readdirSync(kubelet.deviceDir).sort()).toEqual([a.socketName, b.socketName, 'kubelet.sock'].sort());
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 3, 'devices');
    const p1 = await kubelet.admitPod(pod('p1', [{ name: 'c', req: { 'example.com/thing': 1 } }]));
    expect(p1.containers[0].responses.get('example.com/thing')?.envs).toEqual({ FROM: 'b' });
    await b.stop();
    await until(() => kubelet.resource('example.com/thing')?.endpoint === a.socketPath, 'a took over');
    const p2 = await kubelet.admitPod(pod('p2', [{ name: 'c', req: { 'example.com/thing': 1 } }]));
    expect(p2.containers[0].responses.get('example.com/thing')?.envs).toEqual({ FROM: 'a' });
  });

  it('start and stop are idempotent, stop is safe before start, and stop removes the socket and ends streams', async () => {
    const kubelet = await scope.emulator();
    const never = scope.plugin(kubelet.deviceDir, {});
    await never.stop();
    await never.stop();
    const src = new ManualSource(healthy('a'));
    const p = scope.plugin(kubelet.deviceDir, { source: src });
    await Promise.all([p.start(), p.start()]);
    await kubelet.waitForRegistration('example.com/thing');
    await until(() => kubelet.resource('example.com/thing')?.allocatable === 1, 'devices');
    await p.stop();
    await p.stop();
    expect(existsSync(p.socketPath)).toBe(false);
    expect(src.stopped).toBe(1);
    await until(() => kubelet.events.some((e) => e.type === 'stream-ended'), 'stream ended');
    expect(kubelet.resource('example.com/thing')!.allocatable).toBe(0);
  });
});
