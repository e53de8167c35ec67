import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../util/logger.js';
import { DEFAULT_DEVICE_PLUGIN_DIR } from '../../contracts/device-plugin-api.js';
import { DevicePlugin, type DevicePluginEvent } from '../device-plugin.js';
import { PathHealthSource } from './path-health-source.js';
import { EnclaveAllocator, ProvisionAllocator, type AllocateHook, type PreStartHook, type SgxMode } from './sgx-allocators.js';
import { CONTROL_SOCKET } from '../../contracts/controller-api/socket-names.js';
import { slotIds } from './sgx-slots.js';
import {
  checkPluginDirExists,
  DEFAULT_ENCLAVE_RESOURCE,
  DEFAULT_PROVISION_RESOURCE,
  DEFAULT_SLOTS,
  maxSlotsUnderLimit,
  SgxPluginsConfigError,
  validateSgxPluginsOptions,
} from './sgx-plugins-options.js';

export { DEFAULT_ENCLAVE_RESOURCE, DEFAULT_PROVISION_RESOURCE, DEFAULT_SLOTS, SgxPluginsConfigError, maxSlotsUnderLimit, validateSgxPluginsOptions, checkPluginDirExists };

export interface SgxPluginsOptions {
  /** Kubelet device plugin directory (default /var/lib/kubelet/device-plugins). */
  pluginDir?: string;
  /** Root under which `dev/sgx_enclave` is looked up (default /). */
  devRoot?: string;
  enclaveSlots?: number;
  /** 0 disables the provision plugin. Default: DEFAULT_SLOTS. */
  provisionSlots?: number;
  enclaveResource?: string;
  provisionResource?: string;
  /** The modeled controller's socket dir (holds control.sock and slots/<slot>/enclave.sock): model mode when given. */
  modelSocketDir?: string;
  /** Called by PreStartContainer of the enclave resource; default succeeds. */
  preStartHook?: PreStartHook;
  /** Told of every Allocate of the enclave resource (the agent forgets those slots' owners). */
  onAllocate?: AllocateHook;
  logger?: Logger;
  onEvent?: (resourceName: string, e: DevicePluginEvent) => void;
  /** Health poll of the device node / model socket (default 500 ms). */
  healthPollMs?: number;
  /** Kubelet directory poll fallback (default 200 ms). */
  watchPollMs?: number;
}

/** The running SGX plugins. `stop` is idempotent and removes their sockets. */
export interface SgxPlugins {
  readonly mode: SgxMode;
  readonly plugins: readonly DevicePlugin[];
  stop(): Promise<void>;
}

/**
 * Starts the SGX enclave plugin (PreStartContainer required: the enforcement hook) and, unless
 * `provisionSlots` is 0, the provision plugin. Model mode when `modelSocketDir` is given
 * (containers get their slot's socket dir mounted at /var/run/epc; slots Unhealthy while the
 * controller's control.sock is missing), else hardware mode
 * (`<devRoot>/dev/sgx_enclave`; slots Unhealthy while it is missing). Resolves once both serve
 * their sockets; registration with kubelet continues in the background (with retries).
 */
export async function startSgxPlugins(opts: SgxPluginsOptions = {}): Promise<SgxPlugins> {
  validateSgxPluginsOptions(opts);
  const dir = opts.pluginDir ?? DEFAULT_DEVICE_PLUGIN_DIR;
  checkPluginDirExists(dir);
  const devRoot = opts.devRoot ?? '/';
  const enclaveResource = opts.enclaveResource ?? DEFAULT_ENCLAVE_RESOURCE;
  const provisionResource = opts.provisionResource ?? DEFAULT_PROVISION_RESOURCE;
  const enclaveSlots = opts.enclaveSlots ?? DEFAULT_SLOTS;
  const provisionSlots = opts.provisionSlots ?? DEFAULT_SLOTS;

  const mode: SgxMode = opts.modelSocketDir ? { kind: 'model', socketDir: opts.modelSocketDir } : { kind: 'hardware' };
  const healthOf = (node: string) => (mode.kind === 'model' ? join(mode.socketDir, CONTROL_SOCKET) : join(devRoot, 'dev', node));
  const log = opts.logger;
  if (mode.kind === 'hardware' && !existsSync(healthOf('sgx_enclave'))) log?.warn({ path: healthOf('sgx_enclave') }, 'no SGX device node: slots Unhealthy until it appears');
  const hook: PreStartHook = opts.preStartHook ?? (async () => undefined);
  const pollMs = opts.healthPollMs ?? 500;
  const make = (resourceName: string, prefix: string, n: number, node: string, allocator: EnclaveAllocator | ProvisionAllocator) =>
    new DevicePlugin({
      dir,
      logger: log,
      watchPollMs: opts.watchPollMs,
      onEvent: (e) => opts.onEvent?.(resourceName, e),
      spec: {
        resourceName,
        allocator,
        source: new PathHealthSource({
          ids: slotIds(prefix, n),
          healthPath: healthOf(node),
          pollIntervalMs: pollMs,
          onHealthChange: (healthy) => log?.info({ resource: resourceName, healthy, path: healthOf(node) }, 'SGX slot health changed'),
        }),
      },
    });
  const plugins = [make(enclaveResource, 'enclave', enclaveSlots, 'sgx_enclave', new EnclaveAllocator(mode, enclaveResource, hook, opts.onAllocate))];
  if (provisionSlots > 0) plugins.push(make(provisionResource, 'provision', provisionSlots, 'sgx_provision', new ProvisionAllocator(mode)));
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= Promise.all(plugins.map((p) => p.stop())).then(() => undefined));
  try {
    await Promise.all(plugins.map((p) => p.start()));
  } catch (err) {
    await stop();
    throw err;
  }
  log?.info({ mode: mode.kind, dir, enclaveResource, enclaveSlots, provisionResource, provisionSlots }, 'SGX device plugins serving');
  return { mode, plugins, stop };
}
