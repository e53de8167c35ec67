/**
 * Does a hostPath volume reach an SGX device? A hostPath reaches a listed path when it
 *   - equals it (`/dev/sgx_enclave`),
 *   - is an ancestor of it (`/` and `/dev` expose `/dev/sgx_enclave`), or
 *   - lies below a listed *leaf* path (`/dev/sgx/enclave` below `/dev/sgx`).
 * A listed path that contains another listed path (`/dev` contains `/dev/sgx_enclave`) is a
 * parent directory, not a device: paths below it that are not listed (`/dev/shm`, `/dev/fuse`)
 * do not reach SGX. Paths are compared after normalization (`/dev/../dev//sgx_enclave/`).
 */
import { normalizeHostPath } from './config.js';

function isAncestor(ancestor: string, path: string): boolean {
  if (ancestor === '/') return path !== '/';
  return path.startsWith(ancestor + '/');
}

/** A matcher built once per config; `match(hostPath)` returns the listed path reached, if any. */
export interface HostPathMatcher {
  match(hostPath: string): string | undefined;
}

/** Builds the matcher for a list of normalized absolute device paths. */
export function createHostPathMatcher(listed: readonly string[]): HostPathMatcher {
  const paths = listed.map(normalizeHostPath);
  const leaves = paths.filter((p) => !paths.some((q) => q !== p && isAncestor(p, q)));
  return {
    match(hostPath: string): string | undefined {
      if (!hostPath.startsWith('/')) return undefined;
      const p = normalizeHostPath(hostPath);
      for (const l of paths) if (p === l || isAncestor(p, l)) return l;
      for (const l of leaves) if (isAncestor(l, p)) return l;
      return undefined;
    },
  };
}
