import { status } from '@grpc/grpc-js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_LIST_AND_WATCH_BYTES } from '../../src/contracts/device-plugin-api.js';
import { listAndWatchBytes } from '../../src/deviceplugin/list-and-watch-size.js';
import { devicePluginServices } from '../../src/contracts/load-proto.js';
import { maxSlotsUnderLimit, SgxPluginsConfigError, startSgxPlugins, type SgxPluginsOptions } from '../../src/deviceplugin/sgx/start-sgx-plugins.js';
import { preferLowestSlots, slotDevices, slotIds } from '../../src/deviceplugin/sgx/sgx-slots.js';
import { ContainerStartError } from '../../src/testbed/kubelet/kubelet-emulator.js';
import { call, pod, rawPluginClient, Scope, until } from './fixtures.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

const ENC = 'sgx.intel.com/enclave';
const PROV = 'sgx.intel.com/provision';

async function sgx(dir: string, opts: SgxPluginsOptions) {
  const plugins = await startSgxPlugins({ pluginDir: dir, healthPollMs: 30, watchPollMs: 50, ...opts });
  scope.add(plugins);
  return plugins;
}

function fakeDevRoot(nodes = ['sgx_enclave', 'sgx_provision']): string {
  const root = scope.dir('epc-devroot-');
  mkdirSync(join(root, 'dev'));
  for (const n of nodes) writeFileSync(join(root, 'dev', n), '');
  return root;
}

describe('SGX slot helpers', () => {
  it.each([
    { name: 'lowest first', available: ['enclave-10', 'enclave-2', 'enclave-1'], must: [], size: 2, want: ['enclave-1', 'enclave-2'] },
    { name: 'must-include kept', available: ['enclave-0', 'enclave-5', 'enclave-7'], must: ['enclave-7'], size: 2, want: ['enclave-7', 'enclave-0'] },
    { name: 'exact size', available: ['enclave-3'], must: [], size: 1, want: ['enclave-3'] },
  ])('preferLowestSlots: $name', ({ available, must, size, want }) => {
    expect(preferLowestSlots(available, must, size)).toEqual(want);
  });

  it('computes the exact encoded ListAndWatch size (checked against the real serializer)', () => {
    const ser = devicePluginServices().DevicePlugin.service.ListAndWatch.responseSerialize;
    for (const devices of [[], slotDevices(slotIds('enclave', 1), true), slotDevices(slotIds('enclave', 1000), false), [{ ID: 'x', health: 'Healthy', topology: { nodes: [{ ID: 0 }, { ID: 3 }] } }]]) {
      expect(listAndWatchBytes(devices)).toBe(ser({ devices }).length);
    }
  });

  it('keeps 100000 enclave slots under 4 MiB and refuses more than fit with a clear error', async () => {
    const bytes = listAndWatchBytes(slotDevices(slotIds('enclave', 100_000), false));
    console.log(`--enclave-slots 100000: ListAndWatch message ${bytes} bytes (limit ${MAX_LIST_AND_WATCH_BYTES}); max slots ${maxSlotsUnderLimit('enclave')}`);
    expect(bytes).toBeLessThan(MAX_LIST_AND_WATCH_BYTES);
    const dir = scope.dir();
    const tooMany = maxSlotsUnderLimit('enclave') + 1;
    await expect(startSgxPlugins({ pluginDir: dir, enclaveSlots: tooMany })).rejects.toThrow(/--enclave-slots \d+: the ListAndWatch message would be \d+ bytes, over kubelet's 4 MiB/);
    await expect(startSgxPlugins({ pluginDir: dir, enclaveSlots: tooMany })).rejects.toBeInstanceOf(SgxPluginsConfigError);
  });

  it.each([
    { name: 'zero enclave slots', opts: { enclaveSlots: 0 }, msg: /--enclave-slots must be an integer >= 1/ },
    { name: 'fractional slots', opts: { provisionSlots: 1.5 }, msg: /--provision-slots must be an integer >= 0/ },
    { name: 'bad resource', opts: { enclaveResource: 'enclave' }, msg: /--enclave-resource: resource name "enclave" must look like domain\/name/ },
    { name: 'same names', opts: { provisionResource: ENC }, msg: /must differ/ },
    { name: 'missing dir', opts: { pluginDir: '/nonexistent/epc-dp' }, msg: /--device-plugin-dir \/nonexistent\/epc-dp does not exist/ },
  ])('refuses bad options: $name', async ({ opts, msg }) => {
    await expect(startSgxPlugins({ pluginDir: scope.dir(), ...opts })).rejects.toThrow(msg);
  });
});

describe('SGX plugins against the kubelet emulator', () => {
  it('registers 100000 enclave slots and kubelet receives the whole list under its 4 MiB cap', async () => {
    const kubelet = await scope.emulator();
    await sgx(kubelet.deviceDir, { devRoot: fakeDevRoot(), enclaveSlots: 100_000, provisionSlots: 0 });
    await until(() => kubelet.resource(ENC)?.allocatable === 100_000, '100000 healthy slots', 15_000);
    expect(kubelet.warnings).toEqual([]);
  });

  it('hardware mode: Allocate hands out /dev/sgx_enclave and /dev/sgx_provision rw; PreStart only for enclave', async () => {
    const hooks: { resourceName: string; deviceIds: string[] }[] = [];
    const kubelet = await scope.emulator();
    const plugins = await sgx(kubelet.deviceDir, { devRoot: fakeDevRoot(), enclaveSlots: 4, provisionSlots: 2, preStartHook: async (r) => void hooks.push(r) });
    expect(plugins.mode).toEqual({ kind: 'hardware' });
    await until(() => kubelet.resource(ENC)?.allocatable === 4 && kubelet.resource(PROV)?.allocatable === 2, 'both resources');
    expect(kubelet.resource(ENC)!.options).toEqual({ pre_start_required: true, get_preferred_allocation_available: true });
    expect(kubelet.resource(PROV)!.options).toEqual({ pre_start_required: false, get_preferred_allocation_available: true });
    const p = await kubelet.admitPod(pod('hw', [{ name: 'a', req: { [ENC]: 1, [PROV]: 1 } }, { name: 'b', req: { [ENC]: 2 } }]));
    const [a, b] = p.containers;
    expect(a.devices.get(ENC)).toEqual(['enclave-0']);
    expect(b.devices.get(ENC)).toEqual(['enclave-1', 'enclave-2']);
    expect(a.responses.get(ENC)!.devices).toEqual([{ container_path: '/dev/sgx_enclave', host_path: '/dev/sgx_enclave', permissions: 'rw' }]);
    expect(a.responses.get(PROV)!.devices).toEqual([{ container_path: '/dev/sgx_provision', host_path: '/dev/sgx_provision', permissions: 'rw' }]);
    expect(b.responses.get(ENC)!.envs).toEqual({ EPC_ENCLAVE_SLOT: 'enclave-1' });
    expect(hooks).toEqual([
      { resourceName: ENC, deviceIds: ['enclave-0'] },
      { resourceName: ENC, deviceIds: ['enclave-1', 'enclave-2'] },
    ]);
    expect(kubelet.events.filter((e) => e.type === 'allocate')).toHaveLength(3); // one Allocate per container and resource
  });

  it('model mode: mounts the first slot\'s socket dir at /var/run/epc and names socket and slot in env', async () => {
    const kubelet = await scope.emulator();
    const sockDir = scope.dir('epc-model-');
    writeFileSync(join(sockDir, 'control.sock'), '');
    await sgx(kubelet.deviceDir, { modelSocketDir: sockDir, enclaveSlots: 3 });
    await until(() => kubelet.resource(ENC)?.allocatable === 3, 'slots');
    const p = await kubelet.admitPod(pod('m', [{ name: 'w', req: { [ENC]: 2 } }]));
    expect(p.containers[0].responses.get(ENC)).toMatchObject({
      envs: { EPC_ENCLAVE_SOCKET: '/var/run/epc/enclave.sock', EPC_ENCLAVE_SLOT: 'enclave-0' },
      mounts: [{ container_path: '/var/run/epc', host_path: join(sockDir, 'slots', 'enclave-0'), read_only: true }],
      devices: [],
    });
  });

  it('slots turn Unhealthy when the device node disappears and Healthy when it returns', async () => {
    const root = fakeDevRoot();
    const kubelet = await scope.emulator();
    await sgx(kubelet.deviceDir, { devRoot: root, enclaveSlots: 5, provisionSlots: 0 });
    await until(() => kubelet.resource(ENC)?.allocatable === 5, 'healthy');
    rmSync(join(root, 'dev', 'sgx_enclave'));
    await until(() => kubelet.resource(ENC)?.allocatable === 0, 'unhealthy');
    expect(kubelet.resource(ENC)!.capacity).toBe(5);
    writeFileSync(join(root, 'dev', 'sgx_enclave'), '');
    await until(() => kubelet.resource(ENC)?.allocatable === 5, 'healthy again');
  });

  it('slots follow the controller\'s control.sock in model mode', async () => {
    const kubelet = await scope.emulator();
    const sockDir = scope.dir('epc-model-');
    const modelSocket = join(sockDir, 'control.sock');
    await sgx(kubelet.deviceDir, { modelSocketDir: sockDir, enclaveSlots: 2, provisionSlots: 0 });
    await kubelet.waitForRegistration(ENC);
    await until(() => kubelet.events.some((e) => e.type === 'list' && e.resourceName === ENC && e.healthy === 0), 'unhealthy list');
    writeFileSync(modelSocket, '');
    await until(() => kubelet.resource(ENC)?.allocatable === 2, 'healthy after socket appears');
  });

  it('PreStartContainer runs on every start, restarts included, and a failing hook fails the start with its message', async () => {
    let fail: string | undefined;
    const calls: string[][] = [];
    const kubelet = await scope.emulator();
    await sgx(kubelet.deviceDir, {
      devRoot: fakeDevRoot(),
      enclaveSlots: 3,
      preStartHook: async ({ deviceIds }) => {
        calls.push(deviceIds);
        if (fail) throw new Error(fail);
      },
    });
    await until(() => kubelet.resource(ENC)?.allocatable === 3, 'slots');
    await kubelet.admitPod(pod('r', [{ name: 'c', req: { [ENC]: 1 } }]));
    await kubelet.restartContainer('default', 'r', 'c');
    await kubelet.restartContainer('default', 'r', 'c');
    expect(calls).toEqual([['enclave-0'], ['enclave-0'], ['enclave-0']]);
    fail = 'pod default/r not resolved yet';
    const err = await kubelet.restartContainer('default', 'r', 'c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerStartError);
    expect((err as Error).message).toContain('pod default/r not resolved yet');
    const starts = kubelet.events.filter((e) => e.type === 'container-start');
    expect(starts.map((e) => (e as { restart: number }).restart)).toEqual([0, 1, 2]);
  });

  it('unknown device IDs get INVALID_ARGUMENT naming them', async () => {
    const kubelet = await scope.emulator();
    const plugins = await sgx(kubelet.deviceDir, { devRoot: fakeDevRoot(), enclaveSlots: 3 });
    const client = rawPluginClient(plugins.plugins[0].socketPath);
    try {
      for (const method of ['Allocate', 'PreStartContainer']) {
        const req = method === 'Allocate' ? { container_requests: [{ devices_ids: ['enclave-0', 'enclave-99'] }] } : { devices_ids: ['bogus'] };
        const { err } = await call(client, method, req);
        expect(err?.code).toBe(status.INVALID_ARGUMENT);
        expect(err?.details).toMatch(method === 'Allocate' ? /unknown device ID "enclave-99"/ : /unknown device ID "bogus"/);
      }
    } finally {
      client.close();
    }
  });
});
