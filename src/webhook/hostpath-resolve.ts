/**
 * Where a hostPath really points on the node, for matching only (pure, no filesystem access).
 * The kubelet and the runtime open a hostPath as a path on the node, so every symlink the kernel
 * follows on the way is part of what the pod reaches. We resolve, component by component as the
 * kernel walks a path, the links every Linux node has:
 *
 *   - `/proc/<pid>/root`, `/proc/<pid>/cwd` (pid digits, `self`, `thread-self`, also
 *     `/proc/<pid>/task/<tid>/...`): magic links to a process's root / working directory. We
 *     cannot know which process or where it is, so they resolve to `/` (the host root for a host
 *     process): `/proc/1/root/dev/sgx_enclave` is `/dev/sgx_enclave`, `/proc/1/root` is `/`.
 *   - `/proc`, `/proc/<pid>`, `/proc/<pid>/task[/<tid>]` contain those links, and
 *     `/proc/<pid>/fd|map_files` hold links to any open file: all reach anything (`any`).
 *   - `/dev/fd` -> `/proc/self/fd` (so: anything).
 *   - `/var/run` -> `/run` (a symlink on every systemd distribution).
 *   - `/dev/char` and everything below: udev's `MAJ:MIN` links to character devices. SGX
 *     devices are misc devices (major 10) with a dynamic minor, and major 10 is shared with
 *     `/dev/fuse`, `/dev/kvm`, ...: `10:125` is `sgx_enclave` on one node and something else on
 *     the next, and a configured device path may be any character device. So the whole of
 *     `/dev/char` resolves to `char-device` (reaches every listed device under `/dev`); refusing
 *     a hostPath `/dev/char/1:3` costs nothing real.
 *   - `/dev/block` and below: udev's links to block devices, never an SGX device: resolved as the
 *     plain path (matches only a listed path under `/dev/block`).
 *
 * `.` and `..` are applied where the kernel applies them: after a link is replaced by its target
 * (`/var/run/../dev` is `/dev`, not `/var/dev`), and repeated and trailing slashes are dropped.
 */

/** A resolved hostPath: a normalized absolute path, or a place that may reach anything. */
export type ResolvedHostPath = { kind: 'path'; path: string } | { kind: 'any'; why: string } | { kind: 'char-device' };

const PID = /^(?:\d+|self|thread-self)$/;
const TID = /^\d+$/;

/** Is `c` (components below /proc) a process dir, its task dir, or a thread dir? */
function isProcessDir(c: readonly string[]): boolean {
  if (c.length < 2 || c[0] !== 'proc' || !PID.test(c[1])) return false;
  if (c.length === 2) return true;
  return c[2] === 'task' && (c.length === 3 || (c.length === 4 && TID.test(c[3])));
}

/** The link at `c` (full component list), if it is one: its target, or a terminal result. */
function followLink(c: readonly string[]): string[] | ResolvedHostPath | undefined {
  const n = c.length;
  if (n === 2 && c[0] === 'var' && c[1] === 'run') return ['run'];
  if (n === 2 && c[0] === 'dev' && c[1] === 'fd') return ['proc', 'self', 'fd'];
  if (n >= 3 && c[0] === 'proc' && isProcessDir(c.slice(0, n - 1))) {
    const last = c[n - 1];
    if (last === 'root' || last === 'cwd') return [];
    if (last === 'fd' || last === 'map_files') return { kind: 'any', why: `/${c.join('/')} holds links to any file a process has open` };
  }
  return undefined;
}

/**
 * Resolves an absolute hostPath as the kernel would walk it through the links above.
 * A relative path is returned as `{kind: 'path'}` of its lexical normalization (not absolute:
 * the API server rejects it; callers never match it).
 */
export function resolveHostPath(hostPath: string): ResolvedHostPath {
  let stack: string[] = [];
  for (const comp of hostPath.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp === '..') {
      stack.pop();
      continue;
    }
    stack.push(comp);
    // a link's target may itself be a link (`/dev/fd` -> `/proc/self/fd`); none of ours loops
    for (let link = followLink(stack); link !== undefined; link = followLink(stack)) {
      if (!Array.isArray(link)) return link;
      stack = link;
    }
  }
  // /dev/char/* links are never directories, so a path that ends below /dev/char ends at one
  if (stack[0] === 'dev' && stack[1] === 'char') return { kind: 'char-device' };
  if (stack[0] === 'proc' && (stack.length === 1 || isProcessDir(stack))) {
    return { kind: 'any', why: `/${stack.join('/')} contains /proc/<pid>/root (the host's /)` };
  }
  return { kind: 'path', path: `/${stack.join('/')}` };
}

/** The same place under the other spelling of `/var/run` <-> `/run`, if the path is under one. */
export function runAlias(path: string): string | undefined {
  if (path === '/run' || path.startsWith('/run/')) return `/var${path}`;
  if (path === '/var/run' || path.startsWith('/var/run/')) return path.slice(4);
  return undefined;
}
