/**
 * Pure judgement of a node's facts (node-probe.ts): one check per concern and what
 * `--enforce auto` would do there. The same decision function as the agent's
 * `--epc-backend auto` (chooseAutoBackend), so the doctor cannot disagree with the agent.
 */
import { join } from 'node:path';
import { chooseAutoBackend } from '../backend/select-backend.js';
import { parseSgxBytes } from '../backend/misc-format.js';
import { EPC_RESOURCE } from '../pod/index.js';
import type { DoctorCheck, EnforceAutoOutcome } from './doctor-report.js';
import type { EntryKind, NodeFacts } from './node-probe.js';

/** Our device plugin's socket names (uniqueSocketName of the default SGX resource names). */
export const OWN_PLUGIN_SOCKET = /^sgx\.intel\.com_(enclave|provision)-\d+-[0-9a-f]{6}\.sock$/;

const present = (k: EntryKind | undefined) => k !== undefined && k !== 'absent';
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(bytes % 1048576 === 0 ? 0 : 1)} MiB`;

function devicesCheck(f: NodeFacts, modelNode: boolean): DoctorCheck {
  const found = Object.entries(f.devices).filter(([, k]) => present(k));
  const base = { id: 'sgx-devices', title: 'SGX devices', details: found.map(([p, k]) => `${p} (${k === 'char' ? 'character device' : `${k}, not a character device`})`) };
  const enclave = ['/dev/sgx_enclave', '/dev/sgx/enclave'].find((p) => present(f.devices[p]));
  const provision = ['/dev/sgx_provision', '/dev/sgx/provision'].find((p) => present(f.devices[p]));
  if (enclave) {
    if (f.devices[enclave] !== 'char') return { ...base, status: 'warn', summary: `${enclave} exists but is not a character device` };
    if (!provision) return { ...base, status: 'warn', summary: `${enclave} present; no /dev/sgx_provision: pods cannot quote (sgx.intel.com/provision unhealthy)` };
    return { ...base, status: 'ok', summary: `${enclave} and ${provision} present (in-kernel SGX driver)` };
  }
  if (present(f.devices['/dev/isgx'])) return { ...base, status: 'fail', summary: '/dev/isgx only: the legacy out-of-tree driver, not supported; the in-kernel driver (Linux 5.11+) provides /dev/sgx_enclave' };
  if (modelNode) return { ...base, status: 'info', summary: 'no SGX devices: a model node (the epc controller socket exists)' };
  return { ...base, status: 'fail', summary: 'no SGX device (/dev/sgx_enclave, /dev/sgx/enclave): not an SGX node, or SGX disabled in BIOS / the VM size' };
}

function cgroupCheck(f: NodeFacts): DoctorCheck {
  const base = { id: 'cgroup-v2', title: 'cgroup v2' };
  const driver = f.cgroupDriver ? `kubelet cgroup driver ${f.cgroupDriver}` : 'kubelet cgroup driver unknown (no kubepods cgroup yet: pass --cgroup-driver to the agent)';
  if (f.cgroupControllers === undefined) return { ...base, status: 'fail', summary: `no ${join(f.cgroupDir, 'cgroup.controllers')}: not cgroup v2 (the agent needs the unified hierarchy)` };
  const controllers = f.cgroupControllers.trim().split(/\s+/);
  if (!controllers.includes('misc')) return { ...base, status: 'warn', summary: `cgroup v2 without the misc controller (controllers: ${controllers.join(' ') || 'none'}); ${driver}` };
  return { ...base, status: 'ok', summary: `cgroup v2 with the misc controller; ${driver}` };
}

function kernelEpcCheck(f: NodeFacts, modelNode: boolean): DoctorCheck {
  const base = { id: 'kernel-epc-cgroup', title: 'kernel EPC cgroup' };
  const file = join(f.cgroupDir, 'misc.capacity');
  const bytes = f.miscCapacity === undefined ? undefined : parseSgxBytes(f.miscCapacity);
  if (bytes !== undefined) return { ...base, status: 'ok', summary: `${file}: sgx_epc ${bytes} bytes (${mib(bytes)}): this kernel limits EPC per cgroup` };
  const why = f.miscCapacity === undefined ? `no ${file}` : `${file} has no sgx_epc`;
  if (modelNode) return { ...base, status: 'info', summary: `${why}; the model's epc controller enforces instead` };
  return {
    ...base,
    status: 'warn',
    summary: `${why}: this kernel cannot hold pods to their EPC (the EPC cgroup series is not in mainline; today's AKS node images lack it)`,
    details: ['--enforce auto runs observe-only here; --enforce true refuses every EPC pod start on this node'],
  };
}

function kubeletCheck(f: NodeFacts): DoctorCheck {
  const dp = join(f.kubeletDir, 'device-plugins', 'kubelet.sock');
  const pr = join(f.kubeletDir, 'pod-resources', 'kubelet.sock');
  const missing = [f.devicePluginSocket === 'socket' ? undefined : dp, f.podResourcesSocket === 'socket' ? undefined : pr].filter((x): x is string => x !== undefined);
  const base = { id: 'kubelet-sockets', title: 'kubelet sockets' };
  if (missing.length === 0) return { ...base, status: 'ok', summary: `${dp} and ${pr} are sockets` };
  return { ...base, status: 'fail', summary: `missing socket${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (kubelet not running, or another kubelet root dir: --kubelet-dir)` };
}

/** Resource name a device-plugin socket name suggests (dpapi's `<namespace>-<type>.sock`), if any. */
function resourceOfSocket(name: string): string | undefined {
  const m = /^(.+\..+?)-([a-z0-9_]+)\.sock$/.exec(name);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** SGX resources in kubelet's device-manager checkpoint (RegisteredDevices keys). */
function checkpointResources(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const data = (JSON.parse(text) as { Data?: { RegisteredDevices?: Record<string, unknown> } }).Data?.RegisteredDevices ?? {};
    return Object.keys(data).filter((r) => /sgx/i.test(r)).sort();
  } catch {
    return [];
  }
}

/** What to do when another device plugin registers the EPC resource (this agent never does: it patches Node capacity). */
const EPC_BY_PLUGIN_ADVICE = `${EPC_RESOURCE} is registered by another device plugin (e.g. the AKS confcom add-on's): run this agent without advertising EPC (chart mode=enforce-only, the aks overlay: --advertise=false), or the agent's Node capacity patch and kubelet overwrite each other`;

function pluginsCheck(f: NodeFacts): DoctorCheck {
  const base = { id: 'sgx-device-plugins', title: 'SGX device plugins' };
  const sockets = (f.devicePluginEntries ?? []).filter((e) => e.name !== 'kubelet.sock' && e.name.endsWith('.sock'));
  const ours = sockets.filter((e) => OWN_PLUGIN_SOCKET.test(e.name)).map((e) => e.name);
  const others = sockets.filter((e) => !OWN_PLUGIN_SOCKET.test(e.name) && /sgx/i.test(e.name));
  const registered = checkpointResources(f.kubeletCheckpoint);
  // A foreign plugin for EPC only does not compete for enclave/provision; any other (or unknown) one does.
  const epcByPlugin = registered.includes(EPC_RESOURCE) || others.some((e) => resourceOfSocket(e.name) === EPC_RESOURCE);
  const clashing = others.filter((e) => resourceOfSocket(e.name) !== EPC_RESOURCE);
  const details = [
    ...(ours.length ? [`ours: ${ours.join(', ')}`] : []),
    ...others.map((e) => `other: ${e.name}${resourceOfSocket(e.name) ? ` (registers ${resourceOfSocket(e.name)})` : ''}`),
    ...(registered.length ? [`kubelet checkpoint lists: ${registered.join(', ')}`] : []),
  ];
  if (clashing.length > 0) {
    return {
      ...base,
      status: 'warn',
      summary: `another SGX device plugin is registered (${clashing.map((e) => e.name).join(', ')}): kubelet keeps only the latest registration of a resource name, so sgx.intel.com/enclave pods may bypass this agent's PreStartContainer`,
      details: [...details, "disable Intel's SGX plugin on these nodes (its DaemonSet's node selector, or the SgxDevicePlugin resource of Intel's operator), keeping EPC advertised via NFD or --advertise; see the README, Coexistence", ...(epcByPlugin ? [EPC_BY_PLUGIN_ADVICE] : [])],
    };
  }
  if (epcByPlugin) return { ...base, status: 'info', summary: EPC_BY_PLUGIN_ADVICE, details };
  if (f.devicePluginEntries === undefined) return { ...base, status: 'info', summary: `no ${join(f.kubeletDir, 'device-plugins')} directory`, details };
  return { ...base, status: ours.length ? 'ok' : 'info', summary: ours.length ? 'only this agent registers SGX resources' : 'no SGX device plugin registered yet', details };
}

function nriCheck(f: NodeFacts): DoctorCheck | undefined {
  if (f.nriSgxPlugins.length === 0) return undefined;
  return {
    id: 'nri-sgx-epc',
    title: 'NRI SGX plugins',
    status: 'warn',
    summary: `NRI plugin files mentioning sgx: ${f.nriSgxPlugins.join(', ')} - nri-sgx-epc writes misc.max sgx_epc for the same pods (two writers of one limit)`,
    details: ['disable nri-sgx-epc where this agent enforces (remove it from /opt/nri/plugins or its config from /etc/nri/conf.d and restart containerd)'],
  };
}

/** What `--enforce auto` does with these facts. */
export function enforceAutoOutcome(f: NodeFacts): EnforceAutoOutcome {
  const choice = chooseAutoBackend({ cgroupRoot: f.cgroupDir, hasSgxEpc: f.miscCapacity !== undefined && parseSgxBytes(f.miscCapacity) !== undefined, controlSocket: f.controlSocketPath, controlSocketExists: f.controlSocket === 'socket' });
  return { enforces: choice.kind !== 'none', backend: choice.kind, why: choice.why };
}

/** All node checks, in the order they are printed, and the --enforce auto outcome. */
export function evaluateNode(f: NodeFacts): { checks: DoctorCheck[]; enforceAuto: EnforceAutoOutcome } {
  const modelNode = f.controlSocket === 'socket';
  const enforceAuto = enforceAutoOutcome(f);
  const auto: DoctorCheck = enforceAuto.enforces
    ? { id: 'enforce-auto', title: '--enforce auto', status: 'info', summary: `enforces here (${enforceAuto.backend}): each EPC pod's request becomes its limit; Node label sgx-epc-enforcer.io/epc-enforced=true`, details: [enforceAuto.why] }
    : { id: 'enforce-auto', title: '--enforce auto', status: 'info', summary: 'observe-only here: EPC pods start without limits; Node label sgx-epc-enforcer.io/epc-enforced=false, condition SgxEpcEnforced False', details: [enforceAuto.why] };
  const nri = nriCheck(f);
  return { checks: [devicesCheck(f, modelNode), cgroupCheck(f), kernelEpcCheck(f, modelNode), kubeletCheck(f), pluginsCheck(f), ...(nri ? [nri] : []), auto], enforceAuto };
}
