/**
 * Pure: `epc agent` flags and env -> one validated, frozen configuration (the device plugins and,
 * unless `--standalone`, cluster mode). Every bad value is a ConfigError whose message names the
 * flag (the CLI exits 2 with it); nothing is allocated, served or dialled before it passes.
 */
import { join } from 'node:path';
import { DEFAULT_CGROUP_ROOT } from '../backend/cgroupfs-backend.js';
import type { BackendKind } from '../backend/select-backend.js';
import { DEFAULT_DEVICE_PLUGIN_DIR } from '../contracts/device-plugin-api.js';
import { DEFAULT_CONTROLLER_SOCKET_DIR, modelSocketDirOf } from '../contracts/controller-api/socket-names.js';
import { DEFAULT_SLOTS, validateSgxPluginsOptions } from '../deviceplugin/sgx/sgx-plugins-options.js';
import { ENCLAVE_RESOURCE, EPC_RESOURCE, PROVISION_RESOURCE } from '../pod/pod-epc.js';
import { validateResourceName } from '../pod/resource-name.js';
import { ConfigError } from '../util/config-error.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { boolFlag, durationMsFlag, intFlag, listenAddrFlag, nonEmptyFlag, oneOfFlag, socketPathFlag } from '../util/flag-values.js';
import { unixSocketPathProblem } from '../util/unix-socket-path.js';
import type { CgroupDriverFlag } from './cgroup-driver.js';
import { ENFORCE_MODES, type EnforceMode } from './epc-controller-state.js';

export const DEFAULT_POD_RESOURCES_SOCKET = '/var/lib/kubelet/pod-resources/kubelet.sock';
export const DEFAULT_METRICS_ADDR = '0.0.0.0:9102';
/** kubelet waits 30 s for PreStartContainer; the agent must answer well before. */
const MAX_PRESTART_TIMEOUT_MS = 25_000;

/** Every default of `epc agent`, as commander shows and hands them over (strings). */
export const AGENT_DEFAULTS = {
  devicePluginDir: DEFAULT_DEVICE_PLUGIN_DIR,
  devRoot: '/',
  enclaveSlots: String(DEFAULT_SLOTS),
  provisionSlots: String(DEFAULT_SLOTS),
  enclaveResource: ENCLAVE_RESOURCE,
  provisionResource: PROVISION_RESOURCE,
  epcResource: EPC_RESOURCE,
  podResourcesSocket: DEFAULT_POD_RESOURCES_SOCKET,
  controllerSocketDir: DEFAULT_CONTROLLER_SOCKET_DIR,
  epcBackend: 'auto',
  cgroupRoot: DEFAULT_CGROUP_ROOT,
  cgroupDriver: 'auto',
  metricsAddr: DEFAULT_METRICS_ADDR,
  advertise: 'true',
  enforce: 'auto',
  prestartTimeout: '10s',
  reconcileInterval: '30s',
} as const;

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

/** Every raw `epc agent` flag: the device plugins', `--standalone`, then cluster mode's. */
export interface AgentFlags extends AgentClusterFlags {
  devicePluginDir: string;
  devRoot: string;
  enclaveSlots: string;
  provisionSlots: string;
  enclaveResource: string;
  provisionResource: string;
  modelSocket?: string;
  standalone?: boolean;
}

/** The SGX device plugins' part (what `startSgxPlugins` takes, every value given). */
export interface AgentPluginsConfig {
  pluginDir: string;
  devRoot: string;
  enclaveSlots: number;
  provisionSlots: number;
  enclaveResource: string;
  provisionResource: string;
  /** Model mode: the modeled controller's socket dir (from `--model-socket`). */
  modelSocketDir?: string;
}

export interface AgentConfig {
  /** `--standalone`: only the device plugins, no cluster, enforcement off. */
  standalone: boolean;
  plugins: AgentPluginsConfig;
  kubeconfig?: string;
  /** '' only when standalone without a node name. */
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

/** `--enforce`: auto | true | false; a bare flag is true (strict). */
export function parseEnforceMode(v: string | boolean): EnforceMode {
  if (v === true) return 'true';
  if (v === false) return 'false';
  const s = String(v).trim().toLowerCase();
  if ((ENFORCE_MODES as readonly string[]).includes(s)) return s as EnforceMode;
  throw new ConfigError('--enforce', `--enforce must be one of ${ENFORCE_MODES.join(', ')}, got ${JSON.stringify(v)}`);
}

/** An extended resource name flag (`domain/name`, not reserved). */
function resourceName(flag: string, v: string): string {
  const problem = validateResourceName(v);
  if (problem) throw new ConfigError(flag, `${flag}: ${problem}`);
  return v;
}

/** The controller's sockets live in this dir; its longest name (enclave sockets per slot included) must fit. */
function controllerSocketDir(dir: string): string {
  // control.sock, enclave.sock and one socket per slot ("enclave-<n>.sock"): 32 bytes is ample.
  const flag = '--controller-socket-dir';
  const bad = unixSocketPathProblem(flag, join(nonEmptyFlag(flag, dir), 'x'.repeat(32)));
  if (bad) throw new ConfigError(flag, `${bad} (the controller's sockets are <dir>/<name>.sock)`);
  return dir;
}

/** The device plugins' flags. Slot counts are checked against kubelet's 4 MiB before any list exists. */
function pluginsConfig(f: AgentFlags): AgentPluginsConfig {
  const plugins: AgentPluginsConfig = {
    pluginDir: f.devicePluginDir,
    devRoot: f.devRoot,
    enclaveSlots: intFlag('--enclave-slots', f.enclaveSlots, { min: 1 }),
    provisionSlots: intFlag('--provision-slots', f.provisionSlots, { min: 0 }),
    enclaveResource: f.enclaveResource,
    provisionResource: f.provisionResource,
    modelSocketDir: f.modelSocket === undefined ? undefined : modelSocketDirOf(f.modelSocket),
  };
  validateSgxPluginsOptions(plugins);
  return plugins;
}

/**
 * Validates every flag. With `--standalone` (device plugins only) the node name is not required,
 * but every flag that is given is still checked, so a typo never passes silently. The node name
 * comes from `--node-name`, else `$NODE_NAME`.
 */
export function buildAgentConfig(f: AgentFlags, env: NodeJS.ProcessEnv): Readonly<AgentConfig> {
  const standalone = f.standalone === true;
  const nodeName = f.nodeName ?? env.NODE_NAME ?? '';
  if (nodeName.trim() === '' && !standalone) throw new ConfigError('--node-name', '--node-name is required (or set NODE_NAME): the agent only watches pods bound to this node');
  if (nodeName !== '' && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(nodeName)) throw new ConfigError('--node-name', `--node-name must be a Kubernetes node name (lowercase DNS subdomain), got ${JSON.stringify(nodeName)}`);
  if (f.kubeconfig !== undefined) nonEmptyFlag('--kubeconfig', f.kubeconfig);
  const metricsAddr = listenAddrFlag('--metrics-addr', f.metricsAddr);
  return deepFreeze({
    standalone,
    kubeconfig: f.kubeconfig,
    nodeName,
    podResourcesSocket: socketPathFlag('--pod-resources-socket', f.podResourcesSocket),
    controllerSocketDir: controllerSocketDir(f.controllerSocketDir),
    backend: oneOfFlag('--epc-backend', f.epcBackend, ['auto', 'model', 'cgroupfs'] as const),
    epcResource: resourceName('--epc-resource', f.epcResource),
    cgroupRoot: nonEmptyFlag('--cgroup-root', f.cgroupRoot),
    cgroupDriver: oneOfFlag('--cgroup-driver', f.cgroupDriver, ['auto', 'systemd', 'cgroupfs'] as const),
    metricsAddr,
    advertise: boolFlag('--advertise', f.advertise),
    enforce: parseEnforceMode(f.enforce),
    prestartTimeoutMs: durationMsFlag('--prestart-timeout', f.prestartTimeout, { min: 100, max: MAX_PRESTART_TIMEOUT_MS }),
    reconcileIntervalMs: durationMsFlag('--reconcile-interval', f.reconcileInterval, { min: 100, max: 24 * 3600_000 }),
    plugins: pluginsConfig(f),
  });
}
