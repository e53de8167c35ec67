/**
 * The SGX device plugins' options that need no running plugin: defaults, and the checks every
 * option passes before anything is built or served. Pure except `checkPluginDirExists`; light to
 * import (no gRPC), so `epc agent`'s config builder can use it before loading the plugins.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DEVICE_PLUGIN_DIR, KUBELET_SOCKET_NAME, MAX_LIST_AND_WATCH_BYTES } from '../../contracts/device-plugin-api.js';
import { ENCLAVE_RESOURCE, PROVISION_RESOURCE } from '../../pod/pod-epc.js';
import { validateResourceName } from '../../pod/resource-name.js';
import { ConfigError } from '../../util/config-error.js';
import { unixSocketPathProblem } from '../../util/unix-socket-path.js';
import { slotListBytes } from './sgx-slots.js';
import type { SgxPluginsOptions } from './start-sgx-plugins.js';

export const DEFAULT_ENCLAVE_RESOURCE = ENCLAVE_RESOURCE;
export const DEFAULT_PROVISION_RESOURCE = PROVISION_RESOURCE;
/** Default slots per node: kubelet's default max pods, so every pod on a full node can get one. */
export const DEFAULT_SLOTS = 110;

/** What the checks read of the options. */
export type SgxPluginsOptionValues = Pick<SgxPluginsOptions, 'pluginDir' | 'devRoot' | 'enclaveSlots' | 'provisionSlots' | 'enclaveResource' | 'provisionResource' | 'modelSocketDir'>;

/** A bad option (slot count, resource name, 4 MiB limit); the message names the flag. */
export class SgxPluginsConfigError extends ConfigError {
  constructor(flag: string, message: string) {
    super(flag, message);
    this.name = 'SgxPluginsConfigError';
  }
}

function checkSlots(flag: string, n: number, prefix: string, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) throw new SgxPluginsConfigError(flag, `${flag} must be an integer >= ${min}, got ${n}`);
  const bytes = slotListBytes(prefix, n);
  if (bytes > MAX_LIST_AND_WATCH_BYTES) {
    throw new SgxPluginsConfigError(
      flag,
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
 * exists); throws SgxPluginsConfigError naming the flag. Pure (no file system): `epc agent`'s
 * config builder calls it; `startSgxPlugins` calls it again with `checkPluginDirExists`.
 */
export function validateSgxPluginsOptions(opts: SgxPluginsOptionValues = {}): void {
  const dir = opts.pluginDir ?? DEFAULT_DEVICE_PLUGIN_DIR;
  const enclaveResource = opts.enclaveResource ?? DEFAULT_ENCLAVE_RESOURCE;
  const provisionResource = opts.provisionResource ?? DEFAULT_PROVISION_RESOURCE;
  for (const [flag, name] of [['--enclave-resource', enclaveResource], ['--provision-resource', provisionResource]] as const) {
    const bad = validateResourceName(name);
    if (bad) throw new SgxPluginsConfigError(flag, `${flag}: ${bad}`);
  }
  if (enclaveResource === provisionResource) throw new SgxPluginsConfigError('--provision-resource', '--enclave-resource and --provision-resource must differ');
  checkSlots('--enclave-slots', opts.enclaveSlots ?? DEFAULT_SLOTS, 'enclave', 1);
  checkSlots('--provision-slots', opts.provisionSlots ?? DEFAULT_SLOTS, 'provision', 0);
  if (opts.devRoot !== undefined && opts.devRoot.trim() === '') throw new SgxPluginsConfigError('--dev-root', '--dev-root must not be empty');
  // The longest socket the plugins serve there: "<resource>-<pid>-<6 hex>.sock" (pid up to 7 digits).
  const longest = [enclaveResource, provisionResource].reduce((a, r) => Math.max(a, `${r}-0000000-000000.sock`.length), KUBELET_SOCKET_NAME.length);
  const dirBad = unixSocketPathProblem('--device-plugin-dir', join(dir, 'x'.repeat(longest)));
  if (dirBad) throw new SgxPluginsConfigError('--device-plugin-dir', `${dirBad} (the plugins serve <dir>/<resource>-<pid>-<id>.sock)`);
  if (opts.modelSocketDir !== undefined) {
    // The longest socket the controller serves there: a slot's enclave socket (slots/<slot>/enclave.sock).
    const bad = unixSocketPathProblem('--model-socket', join(opts.modelSocketDir, 'slots', 'enclave-0000000', 'enclave.sock'));
    if (bad) throw new SgxPluginsConfigError('--model-socket', bad);
  }
}

/** The one option only the file system can check: kubelet's device plugin dir must exist. */
export function checkPluginDirExists(dir: string = DEFAULT_DEVICE_PLUGIN_DIR): void {
  if (!existsSync(dir)) throw new SgxPluginsConfigError('--device-plugin-dir', `--device-plugin-dir ${dir} does not exist`);
}

