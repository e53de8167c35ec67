import { credentials, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DevicePluginEvent } from '../../../src/deviceplugin/device-plugin.js';
import { devicePluginServices } from '../../../src/contracts/load-proto.js';
import { PRIVATE_CHANNEL_OPTIONS } from '../../../src/contracts/grpc-channel.js';
import { AdmissionError } from '../../../src/testbed/kubelet/pod-plan.js';
import { podResourcesService } from '../../../src/contracts/pod-resources-api.js';
import { ContainerStartError, type ContainerStartEvent } from '../../../src/testbed/kubelet/kubelet-emulator.js';
import { checkpoint, healthy, ManualSource, newKubeletSocketIdentity, pod, Scope, until } from '../../deviceplugin/fixtures.js';

const scope = new Scope();
afterEach(() => scope.cleanup());
const R = 'example.com/thing';

type Unary = (req: unknown, opts: object, cb: (err: ServiceError | null, res: any) => void) => void;
function unary(client: Client, method: string, req: unknown = {}): Promise<{ err?: ServiceError; res?: any }> {
  return new Promise((resolve) => (client as unknown as Record<string, Unary>)[method](req, { deadline: Date.now() + 5000 }, (err, res) => resolve(err ? { err } : { res })));
}

async function withPlugin(opts: Parameters<Scope['emulator']>[0] = {}, ids = ['a', 'b', 'c', 'd'], allocator?: Parameters<Scope['plugin']>[1]['allocator']) {
  const kubelet = await scope.emulator(opts);
  const p = scope.plugin(kubelet.deviceDir, { source: new ManualSource(healthy(...ids)), allocator });
  await p.start();
  await until(() => kubelet.resource(R)?.allocatable === ids.length, 'plugin devices');
  return { kubelet, p };
}

describe('kubelet emulator: admission', () => {
  it('reuses init container devices for later containers; sidecar devices stay its own', async () => {
    const { kubelet } = await withPlugin();
    const p = await kubelet.admitPod(pod('p', [{ name: 'app', req: { [R]: 2 } }], [{ name: 'init', req: { [R]: 2 } }, { name: 'side', req: { [R]: 1 }, sidecar: true }]));
    const ids = Object.fromEntries(p.containers.map((c) => [c.name, c.devices.get(R)]));
    expect(ids.init).toHaveLength(2);
    expect(ids.side).toEqual([ids.init![0]]); // sidecar reuses from the finished init container
    expect(ids.app).toContain(ids.init![1]);
    expect(ids.app).not.toContain(ids.side![0]); // a running sidecar's device is not handed on
    const other = await kubelet.admitPod(pod('q', [{ name: 'c', req: { [R]: 1 } }]));
    const podIds = new Set([...ids.init!, ...ids.side!, ...ids.app!]);
    expect(podIds.has(other.containers[0].devices.get(R)![0])).toBe(false);
    expect(kubelet.events.filter((e) => e.type === 'allocate')).toHaveLength(4);
  });

  it('refuses a pod that does not fit without committing anything, frees devices on removePod', async () => {
    const { kubelet } = await withPlugin();
    await kubelet.admitPod(pod('big', [{ name: 'c', req: { [R]: 3 } }]));
    const err = await kubelet.admitPod(pod('late', [{ name: 'x', req: { [R]: 1 } }, { name: 'y', req: { [R]: 1 } }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdmissionError);
    expect((err as Error).message).toMatch(/pod default\/late container y: insufficient example\.com\/thing: requested 1, 0 available/);
    expect(kubelet.pod('default', 'late')).toBeUndefined();
    await expect(kubelet.admitPod(pod('big', [{ name: 'c' }]))).rejects.toThrow(/already admitted/);
    expect(kubelet.removePod('default', 'big')).toBe(true);
    expect(kubelet.removePod('default', 'big')).toBe(false);
    const again = await kubelet.admitPod(pod('late', [{ name: 'x', req: { [R]: 2 } }, { name: 'y', req: { [R]: 2 } }]));
    expect(again.containers.flatMap((c) => c.devices.get(R)).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('calls onContainerStart after PreStartContainer succeeded, in container order', async () => {
    const order: string[] = [];
    const starts: ContainerStartEvent[] = [];
    const { kubelet } = await withPlugin(
      {
        onContainerStart: (e) => {
          order.push(`start:${e.container}`);
          starts.push(e);
          if (e.container === 'bad') throw new Error('limit not bound');
        },
      },
      ['a', 'b', 'c'],
      { allocate: (ids) => ({ envs: { SLOT: ids[0] } }), preStartContainer: async (ids) => void order.push(`prestart:${ids.join(',')}`) },
    );
    await kubelet.admitPod(pod('ok', [{ name: 'x', req: { [R]: 1 } }, { name: 'plain' }], [{ name: 'i', req: { [R]: 1 } }]));
    expect(order).toEqual(['prestart:a', 'start:i', 'prestart:a', 'start:x', 'start:plain']);
    expect(starts[1]).toMatchObject({ namespace: 'default', name: 'ok', uid: 'uid-ok', container: 'x', restart: 0, devices: { [R]: ['a'] }, responses: { [R]: { envs: { SLOT: 'a' } } } });
    await expect(kubelet.admitPod(pod('hooked', [{ name: 'bad', req: { [R]: 1 } }]))).rejects.toBeInstanceOf(ContainerStartError);
    expect(kubelet.pod('default', 'hooked')).toBeDefined(); // admitted; the start failed
    await expect(kubelet.restartContainer('default', 'hooked', 'nope')).rejects.toThrow(/has no container "nope"/);
    await expect(kubelet.restartContainer('default', 'ghost', 'x')).rejects.toThrow(/not admitted/);
  });

  it('waits sandboxGapMs between commit and the first start (not before restarts), and counts the pod-resources Lists made during each PreStartContainer', async () => {
    const at: Record<string, number> = {};
    let lister: Client | undefined;
    const { kubelet } = await withPlugin({ sandboxGapMs: 150, podResourcesRateLimit: false }, ['a', 'b'], {
      allocate: () => {
        at.allocate = performance.now();
        return {};
      },
      preStartContainer: async () => {
        at.prestart = performance.now();
        lister ??= new (podResourcesService())(`unix:${kubelet.podResourcesSocketPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS);
        await unary(lister, 'List');
        await unary(lister, 'List');
      },
    });
    try {
      await kubelet.admitPod(pod('p', [{ name: 'app', req: { [R]: 1 } }]));
      expect(at.prestart - at.allocate).toBeGreaterThanOrEqual(149);
      await kubelet.admitPod(pod('now', [{ name: 'app', req: { [R]: 1 } }]), { sandboxGapMs: 0 });
      await kubelet.restartContainer('default', 'p', 'app');
      expect(kubelet.events.filter((e) => e.type === 'prestart').map((e) => e.type === 'prestart' && e.podResourcesLists)).toEqual([2, 2, 2]);
      expect(kubelet.podResourcesListCalls).toBe(6);
    } finally {
      lister?.close();
    }
  });

  it('flags an Allocate slower than the bound', async () => {
    const { kubelet } = await withPlugin({ slowAllocateMs: 30 }, ['a'], { allocate: async () => (await new Promise((r) => setTimeout(r, 120)), {}) });
    await kubelet.admitPod(pod('slow', [{ name: 'c', req: { [R]: 1 } }]));
    expect(kubelet.warnings).toHaveLength(1);
    expect(kubelet.warnings[0]).toMatchObject({ kind: 'slow-allocate', resourceName: R });
    expect(kubelet.warnings[0].ms).toBeGreaterThan(30);
    expect(kubelet.warnings[0].message).toMatch(/over the 30 ms bound/);
  });

  it('rejects malformed pods with AdmissionError naming the field', async () => {
    const { kubelet } = await withPlugin();
    for (const [bad, msg] of [
      [{}, /metadata\.name is required/],
      [{ metadata: { name: 'x' }, spec: { containers: [{ name: 'c', resources: { requests: { [R]: 'NaN' } } }] } }, /invalid quantity "NaN"/],
      [{ metadata: { name: 'y' }, spec: { containers: [{ name: 'c', resources: { requests: { [R]: '-1' } } }] } }, /whole number between 0/],
    ] as const) {
      await expect(kubelet.admitPod(bad as never)).rejects.toThrow(msg);
    }
    expect(kubelet.resource(R)!.allocatable).toBe(4);
  });
});

describe('kubelet emulator: registration vs allocatable', () => {
  it('waitForAllocatable resolves only once a ListAndWatch update brings enough healthy devices', async () => {
    const kubelet = await scope.emulator({});
    const source = new ManualSource([]);
    const p = scope.plugin(kubelet.deviceDir, { source });
    await p.start();
    await kubelet.waitForRegistration(R, { timeoutMs: 10_000 });
    let ready = false;
    const waiting = kubelet.waitForAllocatable(R, 2, { timeoutMs: 10_000 }).then(() => (ready = true));
    // Registered with no devices listed: a pod admitted now finds none (what the demo must wait out).
    await expect(kubelet.admitPod(pod('early', [{ name: 'c', req: { [R]: 1 } }]))).rejects.toThrow(/insufficient example\.com\/thing: requested 1, 0 available/);
    source.set(healthy('a'));
    await until(() => kubelet.resource(R)?.allocatable === 1, 'one device');
    expect(ready).toBe(false);
    source.set(healthy('a', 'b'));
    await waiting;
    expect(kubelet.resource(R)?.allocatable).toBe(2);
    await kubelet.admitPod(pod('late', [{ name: 'c', req: { [R]: 1 } }]));
    await expect(kubelet.waitForAllocatable(R, 3, { timeoutMs: 200 })).rejects.toThrow(/timed out after 200 ms waiting for 3 healthy example\.com\/thing devices/);
  });
});

describe('kubelet emulator: re-registration', () => {
  it('a plugin registering again mid-admission: the old endpoint is stopped and Allocate goes to the new one (kubelet looks the endpoint up per call)', async () => {
    const inPreferred = checkpoint();
    const { kubelet, p } = await withPlugin({}, ['a', 'b'], {
      allocate: (ids) => ({ envs: { IDS: ids.join(',') } }),
      preferredAllocation: async (req) => {
        await inPreferred.wait();
        return req.available_deviceIDs.slice(-req.allocation_size);
      },
    });
    const admitting = kubelet.admitPod(pod('p', [{ name: 'c', req: { [R]: 1 } }]));
    await inPreferred.reached; // admission is past its endpoint lookup, waiting on GetPreferredAllocation
    // A new kubelet.sock identity (what a restart leaves behind): the plugin registers again on the same socket.
    const from = kubelet.events.length;
    await newKubeletSocketIdentity(kubelet.kubeletSocketPath);
    await kubelet.waitForRegistration(R, { timeoutMs: 10_000, from });
    expect(kubelet.events.slice(from).map((e) => e.type)).toEqual(['register-begin', 'options', 'stream-ended', 'register-end']);
    await until(() => p.registrations === 2, 'the plugin sees its second registration');
    inPreferred.release();
    const admitted = await admitting;
    expect(admitted.containers[0].devices.get(R)).toEqual(['b']);
    expect(admitted.containers[0].responses.get(R)).toEqual({ envs: { IDS: 'b' }, mounts: [], devices: [], annotations: {}, cdi_devices: [] });
    const allocates = kubelet.events.filter((e) => e.type === 'allocate');
    expect(allocates).toHaveLength(1);
    expect(allocates[0]).toMatchObject({ deviceIds: ['b'] });
    expect(allocates[0]).not.toHaveProperty('error');
    expect(kubelet.resource(R)).toMatchObject({ registrations: 2, endpoint: p.socketPath, allocatable: 2 });
  });
});

describe('kubelet emulator: holding a Register', () => {
  it('holdRegister keeps Register in flight after the options read: no endpoint, no answer until released', async () => {
    const inside = checkpoint();
    const held: string[] = [];
    const kubelet = await scope.emulator({
      holdRegister: async (req) => {
        held.push(req.resource_name);
        await inside.wait();
      },
    });
    const p = scope.plugin(kubelet.deviceDir, { source: new ManualSource(healthy('a')) });
    await p.start();
    await inside.reached;
    expect(held).toEqual([R]);
    expect(kubelet.events.filter((e) => 'resourceName' in e && e.resourceName === R).map((e) => e.type)).toEqual(['register-begin', 'options']);
    expect(kubelet.resource(R)).toBeUndefined(); // the endpoint is taken only when Register goes on
    expect(p.registrations).toBe(0);
    inside.release();
    await kubelet.waitForRegistration(R);
    await p.settled();
    expect(p.registrations).toBe(1);
    expect(kubelet.resource(R)).toMatchObject({ registrations: 1, endpoint: p.socketPath });
  });
});

describe('kubelet emulator: protocol limits', () => {
  it('kills a ListAndWatch stream over the receive cap, flags it and leaves 0 allocatable', async () => {
    const kubelet = await scope.emulator({ maxReceiveMessageBytes: 1000 });
    const ids = Array.from({ length: 100 }, (_, i) => `device-${i}`);
    await scope.plugin(kubelet.deviceDir, { source: new ManualSource(healthy(...ids)) }).start();
    const ended = await kubelet.waitFor((e) => e.type === 'stream-ended' && e.code === status.RESOURCE_EXHAUSTED, { what: 'stream killed' });
    expect(ended).toMatchObject({ resourceName: R });
    expect(kubelet.warnings.some((w) => w.kind === 'list-too-large')).toBe(true);
    expect(kubelet.resource(R)!.allocatable).toBe(0);
  });

  it('the framework refuses to send a list over 4 MiB', async () => {
    const dir = scope.dir();
    const events: DevicePluginEvent[] = [];
    const p = scope.plugin(dir, { source: new ManualSource(Array.from({ length: 200_000 }, (_, i) => ({ ID: `device-number-${i}`, health: 'Healthy' }))) }, { events });
    await p.start();
    expect(events.find((e) => e.type === 'list-too-large')).toMatchObject({ type: 'list-too-large' });
    expect(p.devices()).toEqual([]);
  });

  it.each([
    { name: 'wrong version', req: { version: 'v1alpha', endpoint: 'x.sock', resource_name: R }, code: status.INVALID_ARGUMENT, msg: /version "v1alpha" is not supported/ },
    { name: 'endpoint with a path', req: { version: 'v1beta1', endpoint: '../x.sock', resource_name: R }, code: status.INVALID_ARGUMENT, msg: /must be a socket file name/ },
    { name: 'bad resource name', req: { version: 'v1beta1', endpoint: 'x.sock', resource_name: 'thing' }, code: status.INVALID_ARGUMENT, msg: /must look like domain\/name/ },
    { name: 'nobody serving the endpoint', req: { version: 'v1beta1', endpoint: 'ghost.sock', resource_name: R }, code: status.UNAVAILABLE, msg: /GetDevicePluginOptions on ghost\.sock failed/ },
  ])('Register fails: $name', async ({ req, code, msg }) => {
    const kubelet = await scope.emulator();
    const { Registration } = devicePluginServices();
    const client = new Registration(`unix:${kubelet.kubeletSocketPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS);
    try {
      const { err } = await unary(client, 'Register', req);
      expect(err?.code).toBe(code);
      expect(err?.details).toMatch(msg);
    } finally {
      client.close();
    }
    expect(kubelet.resource(R)).toBeUndefined();
  });
});

describe('kubelet emulator: pod-resources v1', () => {
  it('lists committed allocations, gets one pod, reports allocatable devices, and survives a kubelet restart', async () => {
    const { kubelet } = await withPlugin({ podResourcesRateLimit: false });
    await kubelet.admitPod(pod('p', [{ name: 'app', req: { [R]: 1 } }, { name: 'plain' }], [{ name: 'init', req: { [R]: 1 } }]));
    const Lister = podResourcesService();
    const client = new Lister(`unix:${kubelet.podResourcesSocketPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS);
    try {
      const list = (await unary(client, 'List')).res;
      expect(list.pod_resources).toEqual([
        {
          name: 'p',
          namespace: 'default',
          containers: [
            { name: 'app', devices: [{ resource_name: R, device_ids: ['a'], topology: null }], cpu_ids: [], memory: [], dynamic_resources: [] },
            { name: 'plain', devices: [], cpu_ids: [], memory: [], dynamic_resources: [] },
          ],
        },
      ]);
      expect((await unary(client, 'Get', { pod_name: 'p', pod_namespace: 'default' })).res.pod_resources.name).toBe('p');
      const missing = await unary(client, 'Get', { pod_name: 'nope', pod_namespace: 'default' });
      expect(missing.err?.code).toBe(status.NOT_FOUND);
      expect(missing.err?.details).toMatch(/pod nope not found in namespace default/);
      const alloc = (await unary(client, 'GetAllocatableResources')).res;
      expect(alloc.devices.map((d: { device_ids: string[] }) => d.device_ids[0]).sort()).toEqual(['a', 'b', 'c', 'd']);
      client.close();
      await kubelet.restart();
      const again = new Lister(`unix:${kubelet.podResourcesSocketPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS);
      try {
        const after = (await unary(again, 'List')).res;
        expect(after.pod_resources[0].containers[0].devices[0].device_ids).toEqual(['a']);
      } finally {
        again.close();
      }
    } finally {
      client.close();
    }
  });

  it('List follows every admission and removal (the encoded answer is reused only while no pod changed)', async () => {
    const { kubelet } = await withPlugin({ podResourcesRateLimit: false });
    const client = new (podResourcesService())(`unix:${kubelet.podResourcesSocketPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS);
    const names = async () => ((await unary(client, 'List')).res.pod_resources as { name: string; containers: { devices: { device_ids: string[] }[] }[] }[])
      .map((p) => `${p.name}:${p.containers.flatMap((c) => c.devices.flatMap((d) => d.device_ids)).join(',')}`);
    try {
      expect(await names()).toEqual([]);
      await kubelet.admitPod(pod('p1', [{ name: 'app', req: { [R]: 1 } }]));
      expect(await names()).toEqual(['p1:a']);
      expect(await names()).toEqual(['p1:a']);
      await kubelet.admitPod(pod('p2', [{ name: 'app', req: { [R]: 1 } }]));
      expect(await names()).toEqual(['p1:a', 'p2:b']);
      kubelet.removePod('default', 'p1');
      expect(await names()).toEqual(['p2:b']);
      await kubelet.admitPod(pod('p3', [{ name: 'app', req: { [R]: 1 } }]));
      expect(await names()).toEqual(['p2:b', 'p3:a']);
    } finally {
      client.close();
    }
  });

  it('rate-limits like kubelet (burst, then RESOURCE_EXHAUSTED)', async () => {
    const kubelet = await scope.emulator({ podResourcesRateLimit: { qps: 1, burst: 10 } });
    const client = new (podResourcesService())(`unix:${kubelet.podResourcesSocketPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS);
    try {
      const results = await Promise.all(Array.from({ length: 15 }, () => unary(client, 'List')));
      const limited = results.filter((r) => r.err?.code === status.RESOURCE_EXHAUSTED);
      expect(results.filter((r) => r.res)).toHaveLength(10);
      expect(limited).toHaveLength(5);
      expect(limited[0].err?.details).toBe('rejected by rate limit');
    } finally {
      client.close();
    }
  });
});
