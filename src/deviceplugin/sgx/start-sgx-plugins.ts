import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../util/logger.js';
import { DEFAULT_DEVICE_PLUGIN_DIR, KUBELET_SOCKET_NAME, MAX_LIST_AND_WATCH_BYTES } from '../../contracts/device-plugin-api.js';
import { DevicePlugin, type DevicePluginEvent } from '../device-plugin.js';
import { validateResourceName } from '../plugin-spec.js';
import { PathHealthSource } from './path-health-source.js';
import { EnclaveAllocator, ProvisionAllocator, type AllocateHook, type PreStartHook, type SgxMode } from './sgx-allocators.js';
import { CONTROL_SOCKET } from '../../contracts/controller-api/socket-names.js';
import { unixSocketPathProblem } from '../../util/unix-socket-path.js';
import { slotIds, slotListBytes } from './sgx-slots.js';
import { ENCLAVE_RESOURCE, PROVISION_RESOURCE } from '../../pod/pod-epc.js';

export const DEFAULT_ENCLAVE_RESOURCE = ENCLAVE_RESOURCE;
export const DEFAULT_PROVISION_RESOURCE = PROVISION_RESOURCE;
/** Default slots per node: kubelet's default max pods, so every pod on a full node can get one. */
export const DEFAULT_SLOTS = 110;

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

/** A bad option (slot count, resource name, 4 MiB limit); the message names the flag. */
export class SgxPluginsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SgxPluginsConfigError';
  }
}

function checkSlots(flag: string, n: number, prefix: string, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) throw new SgxPluginsConfigError(`${flag} must be an integer >= ${min}, got ${n}`);
  const bytes = slotListBytes(prefix, n);
  if (bytes > MAX_LIST_AND_WATCH_BYTES) {
    throw new SgxPluginsConfigError(
      `${flag} ${n}: the ListAndWatch message would be ${bytes} bytes, over kubelet's 4 MiB (${MAX_LIST_AND_WATCH_BYTES} bytes) gRPC receive limit; use at most ${maxSlotsUnderLimit(prefix)} slots`,
    );
  }
}

/** The largest slot count whose ListAndWatch message (all Unhealthy, the longer word) fits in 4 MiB. */
export function maxSlotsUnderLimit(prefix: string): number {
  let lo = 0;
  let hi = MAX_LIST_AND_WATCH_BYTES; // every device takes more than one byte
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (slotListBytes(prefix, mid) <= MAX_LIST_AND_WATCH_BYTES) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Checks every option before anything is built or served (slot counts before any device list
 * exists); throws SgxPluginsConfigError naming the flag. `startSgxPlugins` calls it first; the CLI
 * calls it before any other work.
 */
export function validateSgxPluginsOptions(opts: SgxPluginsOptions = {}): void {
  const dir = opts.pluginDir ?? DEFAULT_DEVICE_PLUGIN_DIR;
  const enclaveResource = opts.enclaveResource ?? DEFAULT_ENCLAVE_RESOURCE;
  const provisionResource = opts.provisionResource ?? DEFAULT_PROVISION_RESOURCE;
  for (const [flag, name] of [['--enclave-resource', enclaveResource], ['--provision-resource', provisionResource]] as const) {
    const bad = validateResourceName(name);
    if (bad) throw new SgxPluginsConfigError(`${flag}: ${bad}`);
  }
  if (enclaveResource === provisionResource) throw new SgxPluginsConfigError('--enclave-resource and --provision-resource must differ');
  checkSlots('--enclave-slots', opts.enclaveSlots ?? DEFAULT_SLOTS, 'enclave', 1);
  checkSlots('--provision-slots', opts.provisionSlots ?? DEFAULT_SLOTS, 'provision', 0);
  if (opts.devRoot !== undefined && opts.devRoot.trim() === '') throw new SgxPluginsConfigError('--dev-root must not be empty');
  // The longest socket the plugins serve there: "<resource>-<pid>-<6 hex>.sock" (pid up to 7 digits).
  const longest = [enclaveResource, provisionResource].reduce((a, r) => Math.max(a, `${r}-0000000-000000.sock`.length), KUBELET_SOCKET_NAME.length);
  const dirBad = unixSocketPathProblem('--device-plugin-dir', join(dir, 'x'.repeat(longest)));
  if (dirBad) throw new SgxPluginsConfigError(`${dirBad} (the plugins serve <dir>/<resource>-<pid>-<id>.sock)`);
  if (opts.modelSocketDir !== undefined) {
    // The longest socket the controller serves there: a slot's enclave socket (slots/<slot>/enclave.sock).
    const bad = unixSocketPathProblem('--model-socket', join(opts.modelSocketDir, 'slots', 'enclave-0000000', 'enclave.sock'));
    if (bad) throw new SgxPluginsConfigError(bad);
  }
  if (!existsSync(dir)) throw new SgxPluginsConfigError(`--device-plugin-dir ${dir} does not exist`);
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
