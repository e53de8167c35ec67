/**
 * Does a hostPath volume reach a listed path (an SGX device, the controller's socket dir)?
 * The hostPath is first resolved through the links the kernel follows (hostpath-resolve.ts:
 * `/proc/<pid>/root`, `/var/run`, `/dev/char/*`, `..`, repeated slashes). A hostPath reaches
 * a listed path when (any of its resolutions, or its plain normalized form)
 *   - equals it (`/dev/sgx_enclave`),
 *   - is an ancestor of it (`/` and `/dev` expose `/dev/sgx_enclave`), or
 *   - lies below a listed *leaf* path (`/dev/sgx/enclave` below `/dev/sgx`).
 * A listed path that contains another listed path (`/dev` contains `/dev/sgx_enclave`) is a
 * parent directory, not a device: paths below it that are not listed (`/dev/shm`, `/dev/fuse`)
 * do not reach SGX. A listed path under `/var/run` also matches its `/run` spelling and the
 * reverse (`/var/run` is a symlink to `/run` on systemd nodes, a directory on some others).
 */
import { normalizeHostPath } from './config.js';
import { resolveHostPath, runAlias, type ResolvedHostPath } from './hostpath-resolve.js';

function isAncestor(ancestor: string, path: string): boolean {
  if (ancestor === '/') return path !== '/';
  return path.startsWith(ancestor + '/');
}

/** What a hostPath reaches: the listed path, and what the hostPath resolved to when that differs from its plain form. */
export interface HostPathReach {
  listed: string;
  /** e.g. `/dev` for `/proc/1/root/dev`, or a reason it may reach anything; undefined when the plain path matched. */
  resolved?: string;
}

/** A matcher built once per list; `match(hostPath)` returns the listed path reached, if any. */
export interface HostPathMatcher {
  match(hostPath: string): string | undefined;
  /**
   * `resolve`: resolveHostPath, or a caller's memo of it when it matches one path against
   * several lists (called only when the plain path matches nothing).
   */
  reach(hostPath: string, resolve?: (hostPath: string) => ResolvedHostPath): HostPathReach | undefined;
}

/** Builds the matcher for a list of absolute paths (normalized here). */
export function createHostPathMatcher(listed: readonly string[]): HostPathMatcher {
  const paths = listed.map(normalizeHostPath);
  // every spelling of every listed path -> the listed path it stands for
  // (listed spellings first, so a path that is listed under both names reports its own)
  const aliases: Array<{ alias: string; listed: string }> = paths.map((p) => ({ alias: p, listed: p }));
  for (const p of paths) {
    const other = runAlias(p);
    if (other !== undefined) aliases.push({ alias: other, listed: p });
  }
  const leaves = aliases.filter((a) => !aliases.some((b) => b.alias !== a.alias && isAncestor(a.alias, b.alias)));
  const underDev = paths.find((p) => isAncestor('/dev', p));

  const matchPlain = (p: string): string | undefined => {
    for (const a of aliases) if (p === a.alias || isAncestor(p, a.alias)) return a.listed;
    for (const l of leaves) if (isAncestor(l.alias, p)) return l.listed;
    return undefined;
  };

  const reach = (hostPath: string, resolve: (hostPath: string) => ResolvedHostPath = resolveHostPath): HostPathReach | undefined => {
    if (!hostPath.startsWith('/') || paths.length === 0) return undefined;
    const plain = normalizeHostPath(hostPath);
    const hit = matchPlain(plain);
    if (hit !== undefined) return { listed: hit };
    const r = resolve(hostPath);
    if (r.kind === 'any') return { listed: paths[0], resolved: `anything (${r.why})` };
    if (r.kind === 'char-device') return underDev === undefined ? undefined : { listed: underDev, resolved: 'a character device (udev /dev/char/MAJ:MIN link; SGX minors are dynamic)' };
    if (r.path === plain) return undefined;
    const viaLink = matchPlain(r.path);
    return viaLink === undefined ? undefined : { listed: viaLink, resolved: r.path };
  };

  return { match: (hostPath) => reach(hostPath)?.listed, reach };
}
