/**
 * Pure: `epc agent` (cluster mode) flags -> a validated configuration. Every bad value is an
 * `AgentConfigError` whose message names the flag (the CLI exits 2 with it).
 */
import { join } from 'node:path';
import type { BackendKind } from '../backend/select-backend.js';
import type { CgroupDriverFlag } from './cgroup-driver.js';
import { parseListenAddr } from '../util/listen-addr.js';
import { unixSocketPathProblem } from '../util/unix-socket-path.js';
import { ENFORCE_MODES, type EnforceMode } from './epc-controller-state.js';
import { parseDuration } from '../util/duration.js';
import { validateResourceName } from '../pod/resource-name.js';

export const DEFAULT_POD_RESOURCES_SOCKET = '/var/lib/kubelet/pod-resources/kubelet.sock';
export const DEFAULT_CONTROLLER_SOCKET_DIR = '/var/run/epc';
export const DEFAULT_METRICS_ADDR = '0.0.0.0:9102';
/** kubelet waits 30 s for PreStartContainer; the agent must answer well before. */
const MAX_PRESTART_TIMEOUT_MS = 25_000;

export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentConfigError';
  }
}

/** The raw cluster-mode flags as commander hands them over (strings; booleans may be true). */
export interface AgentClusterFlags {
  kubeconfig?: string;
  nodeName?: string;
  podResourcesSocket: string;
  controllerSocketDir: string;
  epcBackend: string;
  epcResource: string;
  cgroupRoot: string;
  cgroupDriver: string;
  metricsAddr: string;
  advertise: string | boolean;
  enforce: string | boolean;
  prestartTimeout: string;
  reconcileInterval: string;
}

export interface AgentConfig {
  kubeconfig?: string;
  nodeName: string;
  podResourcesSocket: string;
  controllerSocketDir: string;
  backend: BackendKind;
  /** The EPC resource pods request and the Node advertises (the webhook's resourceNames.epc). */
  epcResource: string;
  cgroupRoot: string;
  cgroupDriver: CgroupDriverFlag;
  metricsAddr: { host: string; port: number };
  advertise: boolean;
  /** `--enforce auto|true|false` (a bare `--enforce` is true). */
  enforce: EnforceMode;
  prestartTimeoutMs: number;
  reconcileIntervalMs: number;
}

/** true|false (also given as a bare flag = true); anything else names the flag. */
export function parseBoolFlag(flag: string, v: string | boolean): boolean {
  if (v === true || v === false) return v;
  const s = String(v).trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new AgentConfigError(`${flag} must be true or false, got ${JSON.stringify(v)}`);
}

/** A duration flag (`parseDuration`: "10s", "500ms", "2m") in milliseconds within `range`. */
export function parseDurationMs(flag: string, v: string, range: { min: number; max: number }): number {
  const d = parseDuration(String(v));
  if ('error' in d) throw new AgentConfigError(`${flag} ${d.error}`);
  if (d.ms < range.min || d.ms > range.max) throw new AgentConfigError(`${flag} must be between ${range.min} ms and ${range.max} ms, got ${JSON.stringify(v)}`);
  return d.ms;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new AgentConfigError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
}

/** An extended resource name flag (`domain/name`, not reserved). */
function resourceName(flag: string, v: string): string {
  const problem = validateResourceName(v);
  if (problem) throw new AgentConfigError(`${flag}: ${problem}`);
  return v;
}

function nonEmpty(flag: string, v: string | undefined): string {
  if (typeof v !== 'string' || v.trim() === '') throw new AgentConfigError(`${flag} must not be empty`);
  return v;
}

/** `--enforce`: auto | true | false; a bare flag is true (strict). */
export function parseEnforceMode(v: string | boolean): EnforceMode {
  if (v === true) return 'true';
  if (v === false) return 'false';
  const s = String(v).trim().toLowerCase();
  if ((ENFORCE_MODES as readonly string[]).includes(s)) return s as EnforceMode;
  throw new AgentConfigError(`--enforce must be one of ${ENFORCE_MODES.join(', ')}, got ${JSON.stringify(v)}`);
}

function socketPath(flag: string, v: string): string {
  const bad = unixSocketPathProblem(flag, nonEmpty(flag, v));
  if (bad) throw new AgentConfigError(bad);
  return v;
}

/**
 * Validates every cluster-mode flag. With `standalone` (device plugins only) the node name is
 * not required, but every flag that is given is still checked, so a typo never passes silently.
 */
export function parseAgentConfig(f: AgentClusterFlags, env: NodeJS.ProcessEnv = process.env, o: { standalone?: boolean } = {}): AgentConfig {
  const nodeName = f.nodeName ?? env.NODE_NAME ?? '';
  if (nodeName.trim() === '' && !o.standalone) throw new AgentConfigError('--node-name is required (or set NODE_NAME): the agent only watches pods bound to this node');
  if (nodeName !== '' && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(nodeName)) throw new AgentConfigError(`--node-name must be a Kubernetes node name (lowercase DNS subdomain), got ${JSON.stringify(nodeName)}`);
  if (f.kubeconfig !== undefined) nonEmpty('--kubeconfig', f.kubeconfig);
  let metricsAddr: { host: string; port: number };
  try {
    metricsAddr = parseListenAddr(f.metricsAddr, '--metrics-addr');
  } catch (err) {
    throw new AgentConfigError((err as Error).message);
  }
  return {
    kubeconfig: f.kubeconfig,
    nodeName,
    podResourcesSocket: socketPath('--pod-resources-socket', f.podResourcesSocket),
    controllerSocketDir: controllerSocketDir(f.controllerSocketDir),
    backend: oneOf('--epc-backend', f.epcBackend, ['auto', 'model', 'cgroupfs'] as const),
    epcResource: resourceName('--epc-resource', f.epcResource),
    cgroupRoot: nonEmpty('--cgroup-root', f.cgroupRoot),
    cgroupDriver: oneOf('--cgroup-driver', f.cgroupDriver, ['auto', 'systemd', 'cgroupfs'] as const),
    metricsAddr,
    advertise: parseBoolFlag('--advertise', f.advertise),
    enforce: parseEnforceMode(f.enforce),
    prestartTimeoutMs: parseDurationMs('--prestart-timeout', f.prestartTimeout, { min: 100, max: MAX_PRESTART_TIMEOUT_MS }),
    reconcileIntervalMs: parseDurationMs('--reconcile-interval', f.reconcileInterval, { min: 100, max: 24 * 3600_000 }),
  };
}

/** The controller's sockets live in this dir; its longest name (enclave sockets per slot included) must fit. */
function controllerSocketDir(dir: string): string {
  // control.sock, enclave.sock and one socket per slot ("enclave-<n>.sock"): 32 bytes is ample.
  const bad = unixSocketPathProblem('--controller-socket-dir', join(nonEmpty('--controller-socket-dir', dir), 'x'.repeat(32)));
  if (bad) throw new AgentConfigError(`${bad} (the controller's sockets are <dir>/<name>.sock)`);
  return dir;
}
