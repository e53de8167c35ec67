import { credentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerAllocateResponse, Device } from '../../src/contracts/device-plugin-api.js';
import { DevicePlugin, type DevicePluginEvent } from '../../src/deviceplugin/device-plugin.js';
import { fileIdentity } from '../../src/deviceplugin/file-identity.js';
import type { DeviceSource, DevicePluginSpec } from '../../src/deviceplugin/plugin-spec.js';
import { devicePluginServices } from '../../src/contracts/load-proto.js';
import { PRIVATE_CHANNEL_OPTIONS } from '../../src/contracts/grpc-channel.js';
import { KubeletEmulator, type KubeletEmulatorOptions } from '../../src/testbed/kubelet/kubelet-emulator.js';

/** A device source whose list the test sets by hand. */
export class ManualSource implements DeviceSource {
  private notify: ((d: readonly Device[]) => void) | undefined;
  stopped = 0;
  constructor(private devices: Device[]) {}
  start(notify: (d: readonly Device[]) => void): void {
    this.notify = notify;
    notify(this.devices);
  }
  stop(): void {
    this.stopped++;
    this.notify = undefined;
  }
  set(devices: Device[]): void {
    this.devices = devices;
    this.notify?.(devices);
  }
}

export const healthy = (...ids: string[]): Device[] => ids.map((ID) => ({ ID, health: 'Healthy' }));

/** Temp dirs and things to stop, released by `cleanup()` in afterEach. */
export class Scope {
  private readonly stops: (() => unknown)[] = [];
  dir(prefix = 'epc-dp-test-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.stops.push(() => rmSync(d, { recursive: true, force: true }));
    return d;
  }
  add<T extends { stop(): unknown }>(x: T): T {
    this.stops.push(() => x.stop());
    return x;
  }
  async emulator(opts: KubeletEmulatorOptions = {}): Promise<KubeletEmulator> {
    const e = this.add(new KubeletEmulator(opts));
    await e.start();
    return e;
  }
  plugin(dir: string, spec: Partial<DevicePluginSpec> & { resourceName?: string }, extra: { events?: DevicePluginEvent[]; socketName?: string } = {}): DevicePlugin {
    return this.add(
      new DevicePlugin({
        dir,
        watchPollMs: 50,
        backoffInitialMs: 20,
        backoffMaxMs: 200,
        socketName: extra.socketName,
        onEvent: (e) => extra.events?.push(e),
        spec: {
          resourceName: spec.resourceName ?? 'example.com/thing',
          source: spec.source ?? new ManualSource(healthy('a', 'b', 'c')),
          allocator: spec.allocator ?? { allocate: (ids): ContainerAllocateResponse => ({ envs: { IDS: ids.join(',') } }) },
        },
      }),
    );
  }
  async cleanup(): Promise<void> {
    for (const s of this.stops.reverse()) await s();
    this.stops.length = 0;
  }
}

type Unary = (req: unknown, opts: object, cb: (err: ServiceError | null, res: unknown) => void) => void;

/** A raw DevicePlugin client (as kubelet would be), for calls the emulator never makes. */
export function rawPluginClient(socketPath: string): Client & Record<string, Unary> {
  const { DevicePlugin } = devicePluginServices();
  return new DevicePlugin(`unix:${socketPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
}

/** Promise form of a raw unary call; resolves `{err}` or `{res}`. */
export function call(client: Client & Record<string, Unary>, method: string, req: unknown): Promise<{ err?: ServiceError; res?: any }> {
  return new Promise((resolve) => client[method](req, { deadline: Date.now() + 10_000 }, (err, res) => resolve(err ? { err } : { res })));
}

/** Polls `fn` until it returns a truthy value (the tests' only way to wait on outside state). */
export async function until<T>(fn: () => T, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A point a callback stops at: `reached` resolves once a call is inside `wait`, which returns when `release` is called. */
export function checkpoint(): { reached: Promise<void>; wait: () => Promise<void>; release: () => void } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const open = new Promise<void>((r) => (release = r));
  return {
    reached,
    wait: async () => {
      reach();
      await open;
    },
    release,
  };
}

/** Gives kubelet.sock a new identity (new ctime) while the same server keeps serving it. */
export async function newKubeletSocketIdentity(path: string): Promise<void> {
  const before = fileIdentity(path);
  while (fileIdentity(path) === before) {
    chmodSync(path, (statSync(path).mode & 0o777) === 0o600 ? 0o700 : 0o600);
    if (fileIdentity(path) === before) await new Promise((r) => setTimeout(r, 5)); // same coarse ctime tick: try again
  }
}

/** A minimal v1 Pod with containers requesting `resource` units. */
export function pod(name: string, containers: { name: string; req?: Record<string, string | number> }[], init: { name: string; req?: Record<string, string | number>; sidecar?: boolean }[] = []) {
  return {
    metadata: { namespace: 'default', name, uid: `uid-${name}` },
    spec: {
      initContainers: init.map((c) => ({ name: c.name, restartPolicy: c.sidecar ? 'Always' : undefined, resources: { requests: c.req, limits: c.req } })),
      containers: containers.map((c) => ({ name: c.name, resources: { requests: c.req, limits: c.req } })),
    },
  };
}
