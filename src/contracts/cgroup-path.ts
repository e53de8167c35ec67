/**
 * Cgroup path rules both sides of the controller's control API apply (the agent's backends before
 * a call, the controller's request schemas on receipt): "/a/b" form, kubelet's character set, no
 * way out of the cgroup root.
 */

const SEGMENT = /^[A-Za-z0-9_.:@+-]+$/;
/** Longest cgroup path accepted (PATH_MAX). */
export const MAX_CGROUP_PATH = 4096;

/** A checked cgroup path in "/a/b" form, or why the input is not one. */
export type CgroupPathParse = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Normalizes a cgroup path to "/a/b" form ("/" is the root). Accepts a leading slash or not and
 * one trailing slash; rejects empty segments, "." and "..", and characters outside the set
 * kubelet uses (so nothing can escape the cgroup root). Never throws.
 */
export function parseCgroupPath(path: unknown): CgroupPathParse {
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_CGROUP_PATH) {
    return { ok: false, reason: `invalid cgroup path ${JSON.stringify(path)}` };
  }
  if (path.includes('//')) return { ok: false, reason: `invalid cgroup path ${JSON.stringify(path)}: empty segment` };
  let p = path.startsWith('/') ? path.slice(1) : path;
  if (p.endsWith('/')) p = p.slice(0, -1);
  if (p === '') return { ok: true, path: '/' };
  for (const seg of p.split('/')) {
    if (seg === '.' || seg === '..' || !SEGMENT.test(seg)) {
      return { ok: false, reason: `invalid cgroup path ${JSON.stringify(path)}: bad segment ${JSON.stringify(seg)}` };
    }
  }
  return { ok: true, path: '/' + p };
}

/** Ancestors of a normalized path from the root's child down to the path itself ("/a/b" -> ["/a", "/a/b"]). */
export function cgroupPathChain(path: string): string[] {
  if (path === '/') return [];
  const segs = path.slice(1).split('/');
  return segs.map((_, i) => '/' + segs.slice(0, i + 1).join('/'));
}

/** The parent of a normalized non-root path ("/a" -> "/"). */
export function parentCgroupPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** True when `path` is strictly below `prefix` (both normalized). */
export function isBelow(path: string, prefix: string): boolean {
  if (prefix === '/') return path !== '/';
  return path.startsWith(prefix + '/');
}

/** Sorts normalized paths in pre-order with siblings by name (what a sorted directory walk yields). */
export function sortPreOrder(paths: string[]): string[] {
  const key = (p: string) => (p === '/' ? [] : p.slice(1).split('/'));
  return [...paths].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return x.length - y.length;
  });
}
