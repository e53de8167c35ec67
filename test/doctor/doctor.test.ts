/**
 * `epc doctor` against fake node roots (real files, real unix sockets): devices present/absent,
 * misc.capacity with/without sgx_epc, kubelet sockets present/absent, a second SGX plugin
 * registered, nri-sgx-epc, a model node; the --enforce auto outcome; Intel's webhook through a
 * loopback API server; the CLI as a real child process (--json, human output, exit codes).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueSocketName } from '../../src/deviceplugin/device-plugin.js';
import { checkIntelWebhook, findIntelSgxWebhooks, OWN_PLUGIN_SOCKET, runDoctor, type DoctorReport } from '../../src/doctor/index.js';
import { kubeconfigText } from '../../src/testbed/api-server/kubeconfig-text.js';
import { runCli } from '../helpers/run-cli.js';
import { fakeNode, HEALTHY, KUBELET_SOCKETS, type FakeNode, type FakeNodeSpec } from './fake-node.js';

const nodes: FakeNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

async function doctor(spec: FakeNodeSpec): Promise<DoctorReport> {
  const node = await fakeNode(spec);
  nodes.push(node);
  return runDoctor({ root: node.root });
}
const status = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)?.status;
const summary = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)?.summary ?? '';

describe('epc doctor on fake node roots', () => {
  it.each<{ name: string; spec: FakeNodeSpec; expect: Record<string, string>; exitCode: number; enforces: boolean; says: Record<string, RegExp> }>([
    {
      name: 'healthy node with the kernel EPC cgroup',
      spec: HEALTHY,
      expect: { 'sgx-devices': 'ok', 'cgroup-v2': 'ok', 'kernel-epc-cgroup': 'ok', 'kubelet-sockets': 'ok', 'sgx-device-plugins': 'ok' },
      exitCode: 0,
      enforces: true,
      says: { 'kernel-epc-cgroup': /sgx_epc 67108864 bytes \(64 MiB\)/, 'cgroup-v2': /driver systemd/ },
    },
    {
      name: 'AKS-like: misc.capacity without sgx_epc',
      spec: { ...HEALTHY, miscCapacity: 'res_a 10\n' },
      expect: { 'kernel-epc-cgroup': 'warn', 'sgx-devices': 'ok' },
      exitCode: 1,
      enforces: false,
      says: { 'kernel-epc-cgroup': /has no sgx_epc/, 'enforce-auto': /observe-only here/ },
    },
    {
      name: 'no misc.capacity at all',
      spec: { ...HEALTHY, miscCapacity: undefined, cgroupControllers: 'cpu memory\n' },
      expect: { 'kernel-epc-cgroup': 'warn', 'cgroup-v2': 'warn' },
      exitCode: 1,
      enforces: false,
      says: { 'cgroup-v2': /without the misc controller/ },
    },
    {
      name: 'no SGX devices',
      spec: { ...HEALTHY, devices: {} },
      expect: { 'sgx-devices': 'fail' },
      exitCode: 3,
      enforces: true,
      says: { 'sgx-devices': /no SGX device/ },
    },
    {
      name: 'DCAP driver paths only (/dev/sgx/*)',
      spec: { ...HEALTHY, devices: { '/dev/sgx/enclave': 'char', '/dev/sgx/provision': 'char' } },
      expect: { 'sgx-devices': 'ok' },
      exitCode: 0,
      enforces: true,
      says: { 'sgx-devices': /\/dev\/sgx\/enclave and \/dev\/sgx\/provision/ },
    },
    {
      name: 'enclave device without provision',
      spec: { ...HEALTHY, devices: { '/dev/sgx_enclave': 'char' } },
      expect: { 'sgx-devices': 'warn' },
      exitCode: 1,
      enforces: true,
      says: { 'sgx-devices': /cannot quote/ },
    },
    {
      name: 'legacy /dev/isgx only',
      spec: { ...HEALTHY, devices: { '/dev/isgx': 'char' } },
      expect: { 'sgx-devices': 'fail' },
      exitCode: 3,
      enforces: true,
      says: { 'sgx-devices': /legacy out-of-tree driver/ },
    },
    {
      name: '/dev/sgx_enclave a regular file',
      spec: { ...HEALTHY, devices: { '/dev/sgx_enclave': 'file', '/dev/sgx_provision': 'char' } },
      expect: { 'sgx-devices': 'warn' },
      exitCode: 1,
      enforces: true,
      says: { 'sgx-devices': /not a character device/ },
    },
    {
      name: 'kubelet sockets absent',
      spec: { ...HEALTHY, sockets: [] },
      expect: { 'kubelet-sockets': 'fail', 'sgx-device-plugins': 'info' },
      exitCode: 3,
      enforces: true,
      says: { 'kubelet-sockets': /missing sockets: \/var\/lib\/kubelet\/device-plugins\/kubelet.sock, \/var\/lib\/kubelet\/pod-resources\/kubelet.sock/ },
    },
    {
      name: 'pod-resources socket absent, a regular file instead',
      spec: { ...HEALTHY, sockets: [KUBELET_SOCKETS[0]], files: { '/var/lib/kubelet/pod-resources/kubelet.sock': '' } },
      expect: { 'kubelet-sockets': 'fail' },
      exitCode: 3,
      enforces: true,
      says: { 'kubelet-sockets': /missing socket: \/var\/lib\/kubelet\/pod-resources\/kubelet.sock/ },
    },
    {
      name: "a second SGX plugin registered (Intel's sockets)",
      spec: { ...HEALTHY, sockets: [...HEALTHY.sockets!, '/var/lib/kubelet/device-plugins/sgx.intel.com-enclave.sock', '/var/lib/kubelet/device-plugins/sgx.intel.com-provision.sock'] },
      expect: { 'sgx-device-plugins': 'warn' },
      exitCode: 1,
      enforces: true,
      says: { 'sgx-device-plugins': /sgx\.intel\.com-enclave\.sock, sgx\.intel\.com-provision\.sock.*latest registration/ },
    },
    {
      name: 'another SGX plugin only, and a non-SGX plugin (ignored)',
      spec: { ...HEALTHY, sockets: [...KUBELET_SOCKETS, '/var/lib/kubelet/device-plugins/sgx.intel.com-enclave.sock', '/var/lib/kubelet/device-plugins/nvidia-gpu.sock'] },
      expect: { 'sgx-device-plugins': 'warn' },
      exitCode: 1,
      enforces: true,
      says: { 'sgx-device-plugins': /^another SGX device plugin is registered \(sgx\.intel\.com-enclave\.sock\)/ },
    },
    {
      name: 'EPC registered by another plugin (AKS confcom add-on), in the checkpoint only: not a clash, the advice is enforce-only',
      spec: { ...HEALTHY, files: { '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint': JSON.stringify({ Data: { RegisteredDevices: { 'sgx.intel.com/epc': ['epc-0'] } } }) } },
      expect: { 'sgx-device-plugins': 'info' },
      exitCode: 0,
      enforces: true,
      says: { 'sgx-device-plugins': /^sgx\.intel\.com\/epc is registered by another device plugin .*mode=enforce-only.*--advertise=false/ },
    },
    {
      name: 'a plugin socket for EPC only: not a clash over the enclave',
      spec: { ...HEALTHY, sockets: [...HEALTHY.sockets!, '/var/lib/kubelet/device-plugins/sgx.intel.com-epc.sock'] },
      expect: { 'sgx-device-plugins': 'info' },
      exitCode: 0,
      enforces: true,
      says: { 'sgx-device-plugins': /--advertise=false/ },
    },
    {
      name: "Intel's enclave plugin and an EPC plugin: warns about the clash, advises on both",
      spec: {
        ...HEALTHY,
        sockets: [...HEALTHY.sockets!, '/var/lib/kubelet/device-plugins/sgx.intel.com-enclave.sock'],
        files: { '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint': JSON.stringify({ Data: { RegisteredDevices: { 'sgx.intel.com/epc': ['epc-0'], 'sgx.intel.com/enclave': ['e0'] } } }) },
      },
      expect: { 'sgx-device-plugins': 'warn' },
      exitCode: 1,
      enforces: true,
      says: { 'sgx-device-plugins': /^another SGX device plugin is registered \(sgx\.intel\.com-enclave\.sock\)/ },
    },
    {
      name: 'nri-sgx-epc installed',
      spec: { ...HEALTHY, files: { '/opt/nri/plugins/10-nri-sgx-epc': '#!/bin/sh\n' } },
      expect: { 'nri-sgx-epc': 'warn' },
      exitCode: 1,
      enforces: true,
      says: { 'nri-sgx-epc': /\/opt\/nri\/plugins\/10-nri-sgx-epc/ },
    },
    {
      name: 'model node: no devices, the epc controller socket',
      spec: { ...HEALTHY, devices: {}, miscCapacity: '', sockets: [...HEALTHY.sockets!, '/var/run/epc/control.sock'] },
      expect: { 'sgx-devices': 'info', 'kernel-epc-cgroup': 'info' },
      exitCode: 0,
      enforces: true,
      says: { 'enforce-auto': /enforces here \(model\)/ },
    },
    {
      name: 'not cgroup v2',
      spec: { ...HEALTHY, cgroupControllers: undefined },
      expect: { 'cgroup-v2': 'fail' },
      exitCode: 3,
      enforces: true,
      says: { 'cgroup-v2': /not cgroup v2/ },
    },
  ])('$name', async ({ spec, expect: statuses, exitCode, enforces, says }) => {
    const r = await doctor(spec);
    for (const [id, st] of Object.entries(statuses)) expect({ id, status: status(r, id) }).toEqual({ id, status: st });
    for (const [id, re] of Object.entries(says)) expect(summary(r, id)).toMatch(re);
    expect(r.exitCode).toBe(exitCode);
    expect(r.enforceAuto.enforces).toBe(enforces);
    expect(r.checks.at(-1)?.id).toBe('enforce-auto');
  });

  it('reads the SGX resources from kubelet\'s checkpoint, and ignores a corrupt one', async () => {
    const checkpoint = JSON.stringify({ Data: { PodDeviceEntries: null, RegisteredDevices: { 'sgx.intel.com/enclave': ['enclave-0'], 'nvidia.com/gpu': ['g0'] } }, Checksum: 1 });
    const r = await doctor({ ...HEALTHY, files: { '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint': checkpoint } });
    expect(r.checks.find((c) => c.id === 'sgx-device-plugins')?.details).toContain('kubelet checkpoint lists: sgx.intel.com/enclave');
    const bad = await doctor({ ...HEALTHY, files: { '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint': '{not json' } });
    expect(status(bad, 'sgx-device-plugins')).toBe('ok');
  });

  it('says what to disable for each second registration: the other enclave plugin, and EPC advertising where a plugin registers EPC', async () => {
    const r = await doctor({
      ...HEALTHY,
      sockets: [...HEALTHY.sockets!, '/var/lib/kubelet/device-plugins/sgx.intel.com-enclave.sock'],
      files: { '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint': JSON.stringify({ Data: { RegisteredDevices: { 'sgx.intel.com/epc': ['epc-0'] } } }) },
    });
    const details = r.checks.find((c) => c.id === 'sgx-device-plugins')?.details ?? [];
    expect(details).toContain('other: sgx.intel.com-enclave.sock (registers sgx.intel.com/enclave)');
    expect(details.some((d) => /^disable Intel's SGX plugin on these nodes/.test(d))).toBe(true);
    expect(details.some((d) => /^sgx\.intel\.com\/epc is registered by another device plugin/.test(d))).toBe(true);
    // Without the EPC registration, no EPC advice.
    const plain = await doctor({ ...HEALTHY, sockets: [...HEALTHY.sockets!, '/var/lib/kubelet/device-plugins/sgx.intel.com-enclave.sock'] });
    expect(plain.checks.find((c) => c.id === 'sgx-device-plugins')?.details?.some((d) => d.includes('--advertise=false'))).toBe(false);
  });

  it("recognises this agent's own plugin sockets by the name the framework gives them", () => {
    expect(OWN_PLUGIN_SOCKET.test(uniqueSocketName('sgx.intel.com/enclave'))).toBe(true);
    expect(OWN_PLUGIN_SOCKET.test(uniqueSocketName('sgx.intel.com/provision'))).toBe(true);
    expect(OWN_PLUGIN_SOCKET.test('sgx.intel.com-enclave.sock')).toBe(false);
  });
});

describe("Intel's SGX webhook (--kubeconfig)", () => {
  const INTEL = { metadata: { name: 'sgx-webhook-mutating-webhook-configuration' }, webhooks: [{ name: 'sgx.mutator.webhooks.intel.com', clientConfig: { service: { name: 'x', namespace: 'y', path: '/pods-sgx' } } }] };
  const OURS = { metadata: { name: 'sgx-epc-enforcer' }, webhooks: [{ name: 'mutate.sgx-epc-enforcer.io', clientConfig: { service: { name: 'sgx-epc-enforcer-webhook', namespace: 'sgx-epc-webhook', path: '/mutate' } } }] };
  let items: unknown[] = [];
  let server: Server;
  let dir: string;
  let kubeconfig: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const ok = req.url?.startsWith('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations');
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfigurationList', metadata: {}, items } : { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: 'not found' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    dir = await mkdtemp(join(tmpdir(), 'epc-dr-kc-'));
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigText(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'doctor-token'));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('finds it by webhook name or by its /pods-sgx path (pure)', () => {
    expect(findIntelSgxWebhooks([OURS, INTEL])).toEqual(['sgx-webhook-mutating-webhook-configuration']);
    expect(findIntelSgxWebhooks([{ metadata: { name: 'inteldeviceplugins-mutating-webhook-configuration' }, webhooks: [{ name: 'other', clientConfig: { service: { path: '/pods-sgx' } } }] }])).toEqual(['inteldeviceplugins-mutating-webhook-configuration']);
    expect(findIntelSgxWebhooks([OURS])).toEqual([]);
  });

  it('warns when the cluster has it, ok when not, warns naming the error when the API is unreachable', async () => {
    items = [OURS, INTEL];
    const found = await checkIntelWebhook(kubeconfig);
    expect(found.status).toBe('warn');
    expect(found.summary).toContain('sgx-webhook-mutating-webhook-configuration');
    items = [OURS];
    expect((await checkIntelWebhook(kubeconfig)).status).toBe('ok');
    const gone = join(dir, 'gone');
    await writeFile(gone, kubeconfigText('http://127.0.0.1:1', 'x'));
    const down = await checkIntelWebhook(gone);
    expect(down.status).toBe('warn');
    expect(down.summary).toMatch(/could not list MutatingWebhookConfigurations: .+/);
  });

  it('epc doctor --kubeconfig --json (real CLI): the check is in the report and sets the exit code', async () => {
    const node = await fakeNode(HEALTHY);
    nodes.push(node);
    items = [INTEL];
    const r = await runCli(['doctor', '--root', node.root, '--kubeconfig', kubeconfig, '--json']);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.checks.map((c) => c.id)).toContain('intel-sgx-webhook');
    expect(report.exitCode).toBe(1);
    expect(r.code).toBe(1);
  });
});

describe('epc doctor CLI (real child process)', () => {
  it('human output names each check and the --enforce auto outcome; exit 0 on a healthy node', async () => {
    const node = await fakeNode(HEALTHY);
    nodes.push(node);
    const r = await runCli(['doctor', '--root', node.root]);
    expect(r.stdout).toMatch(/ok +SGX devices +\/dev\/sgx_enclave and \/dev\/sgx_provision present/);
    expect(r.stdout).toContain('--enforce auto would ENFORCE here (cgroupfs)');
    expect(r.stdout).toContain('(exit 0)');
    expect(r.code).toBe(0);
  });

  it('--json on an AKS-like node: observe-only, exit 1', async () => {
    const node = await fakeNode({ ...HEALTHY, miscCapacity: '' });
    nodes.push(node);
    const r = await runCli(['doctor', '--root', node.root, '--json']);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.enforceAuto).toMatchObject({ enforces: false, backend: 'none' });
    expect(report.root).toBe(node.root);
    expect(r.code).toBe(1);
  });

  it('exit 3 with FAIL lines on a node without SGX devices or kubelet', async () => {
    const node = await fakeNode({});
    nodes.push(node);
    const r = await runCli(['doctor', '--root', node.root]);
    expect(r.stdout).toMatch(/FAIL {2}SGX devices/);
    expect(r.stdout).toMatch(/FAIL {2}kubelet sockets/);
    expect(r.code).toBe(3);
  });

  it.each([
    { name: 'relative --kubelet-dir', args: ['--kubelet-dir', 'var/lib/kubelet'], error: /--kubelet-dir must be an absolute path/ },
    { name: 'missing --root', args: ['--root', '/nonexistent/epc-doctor-root'], error: /--root \/nonexistent\/epc-doctor-root does not exist/ },
    { name: 'missing --kubeconfig', args: ['--kubeconfig', '/nonexistent/kubeconfig'], error: /--kubeconfig \/nonexistent\/kubeconfig does not exist/ },
  ])('bad usage exits 2 naming the flag: $name', async ({ args, error }) => {
    const r = await runCli(['doctor', ...args]);
    expect(r.stderr).toMatch(error);
    expect(r.code).toBe(2);
  });
});
