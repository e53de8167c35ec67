/**
 * The node's EPC in bytes, for the advertiser and the node metrics: the EPC controller's own
 * capacity (`misc.capacity` sgx_epc, or the model's) where there is one, else what the SGX driver
 * reports per NUMA node in `/sys/devices/system/node/node<N>/x86/sgx_total_bytes` (Linux >= 5.17),
 * summed. So a node whose kernel lacks the EPC cgroup (observe-only) still advertises its EPC.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpcBackend } from '../backend/epc-backend.js';

/** Default sysfs mount. */
export const DEFAULT_SYS_ROOT = '/sys';

/** Sum of every NUMA node's `x86/sgx_total_bytes`; undefined where no node has the file. */
export async function sysfsEpcBytes(sysRoot: string = DEFAULT_SYS_ROOT): Promise<number | undefined> {
  const dir = join(sysRoot, 'devices', 'system', 'node');
  const names = await readdir(dir).catch(() => [] as string[]);
  let total: number | undefined;
  for (const name of names) {
    if (!/^node\d+$/.test(name)) continue;
    const file = join(dir, name, 'x86', 'sgx_total_bytes');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const value = text.trim();
    if (!/^\d+$/.test(value)) throw new Error(`${file}: not a byte count: ${JSON.stringify(value)}`);
    total = (total ?? 0) + Number(value);
  }
  return total;
}

/**
 * The capacity source: the backend's capacity, falling back to sysfs when the backend has none
 * (no EPC controller); when neither has a figure, the backend's error says why.
 */
export function epcCapacitySource(backend: EpcBackend, sysRoot: string = DEFAULT_SYS_ROOT): () => Promise<number> {
  return async () => {
    try {
      return await backend.capacity();
    } catch (err) {
      const bytes = await sysfsEpcBytes(sysRoot);
      if (bytes !== undefined && bytes > 0) return bytes;
      throw err;
    }
  };
}
