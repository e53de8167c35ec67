import { join } from 'node:path';
import type { CgroupApply, EpcBackend, EpcCgroupStats, EpcMax } from './epc-backend.js';
import { EpcBackendError, toBackendCode } from './epc-backend-error.js';
import { cgroupPathChain, parentCgroupPath } from '../contracts/cgroup-path.js';
import { normalizeCgroupPath } from './normalize-cgroup-path.js';
import { nodeCgroupFs, type CgroupFsPort } from './cgroup-fs-port.js';
import { formatSgxMax, parseSgxBytes, parseSgxEvents, parseSgxMax, requireValidMax, SGX_EPC } from './misc-format.js';

/** Default cgroup v2 mount point. */
export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';

/** Options of `CgroupfsBackend`. */
export interface CgroupfsBackendOptions {
  /** The cgroup v2 mount (default /sys/fs/cgroup); a parameter so tests use a temp dir. */
  cgroupRoot?: string;
  /** Filesystem port (default: node:fs). */
  fs?: CgroupFsPort;
}

/**
 * `EpcBackend` over the kernel's cgroup v2 misc controller (the v17 `sgx_epc` resource): enables
 * `+misc` in `cgroup.subtree_control` of each ancestor, writes `misc.max`, reads `misc.current`,
 * `misc.peak`, `misc.events`, `misc.events.local`. It relies only on what the kernel does: files
 * appear when a directory is created, rmdir works on a cgroup without children.
 */
export class CgroupfsBackend implements EpcBackend {
  readonly kind = 'cgroupfs' as const;
  readonly root: string;
  private readonly fs: CgroupFsPort;
  private sgxChecked = false;

  constructor(opts: CgroupfsBackendOptions = {}) {
    this.root = opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
    this.fs = opts.fs ?? nodeCgroupFs;
  }

  async capacity(): Promise<number> {
    const text = await this.read('/', 'misc.capacity');
    const cap = parseSgxBytes(text);
    if (cap === undefined) {
      throw new EpcBackendError('ENOTSUP', `${join(this.root, 'misc.capacity')} has no ${SGX_EPC} line: this kernel has no EPC cgroup`, { path: '/' });
    }
    return cap;
  }

  async ensureCgroup(path: string): Promise<void> {
    const p = normalizeCgroupPath(path);
    await this.requireSgxEpc();
    await this.ensure(p);
  }

  /**
   * The kernel-side equivalent of the model's one request, without IPC: one write of misc.max
   * when the cgroup is already there with misc enabled (a container restart, or kubelet made the
   * pod cgroup); else mkdir -p (enabling +misc on the way) and the write. A failed write removes
   * the cgroups this call created. `slots` need nothing here: the kernel charges the task's cgroup.
   */
  async applyCgroup(want: CgroupApply): Promise<{ created: boolean }> {
    const p = this.nonRoot(want.cgroup);
    const { max } = want;
    requireValidMax(p, max);
    await this.requireSgxEpc();
    try {
      await this.fs.writeFile(join(this.dir(p), 'misc.max'), formatSgxMax(max));
      return { created: false };
    } catch (err) {
      // ENOENT: no cgroup; EACCES: no misc.max yet (misc not enabled in the parent; kernfs makes no files).
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EACCES') throw this.mapError(err, p, 'write misc.max');
    }
    const created: string[] = [];
    try {
      await this.ensure(p, created);
      await this.writeMax(p, max);
    } catch (err) {
      for (const c of created.reverse()) await this.fs.rmdir(this.dir(c)).catch(() => undefined);
      throw err;
    }
    return { created: created.length > 0 };
  }

  /** mkdir -p with +misc enabled in every ancestor; adds the cgroups it creates to `created` (top down). */
  private async ensure(p: string, created: string[] = []): Promise<void> {
    for (const node of cgroupPathChain(p)) {
      await this.enableMisc(parentCgroupPath(node));
      try {
        await this.fs.mkdir(this.dir(node));
        created.push(node);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.mapError(err, node, 'mkdir');
      }
    }
  }

  async setMax(path: string, max: EpcMax): Promise<void> {
    const p = this.nonRoot(path);
    requireValidMax(p, max);
    await this.requireSgxEpc();
    await this.writeMax(p, max);
  }

  /** Writes misc.max of `p` (a checked max); errors mapped to EpcBackendError. */
  private async writeMax(p: string, max: EpcMax): Promise<void> {
    try {
      await this.fs.writeFile(join(this.dir(p), 'misc.max'), formatSgxMax(max));
    } catch (err) {
      throw this.mapError(err, p, 'write misc.max');
    }
  }

  async getMax(path: string): Promise<EpcMax> {
    const p = this.nonRoot(path);
    return this.parsed(p, 'misc.max', parseSgxMax(await this.read(p, 'misc.max')));
  }

  async stats(path: string): Promise<EpcCgroupStats> {
    const p = this.nonRoot(path);
    const [max, current, peak, events, eventsLocal] = await Promise.all([
      this.read(p, 'misc.max'),
      this.read(p, 'misc.current'),
      this.readOptional(p, 'misc.peak'),
      this.read(p, 'misc.events'),
      this.readOptional(p, 'misc.events.local'),
    ]);
    return {
      max: this.parsed(p, 'misc.max', parseSgxMax(max)),
      current: this.parsed(p, 'misc.current', parseSgxBytes(current)),
      peak: peak === undefined ? null : this.parsed(p, 'misc.peak', parseSgxBytes(peak)),
      events: this.parsed(p, 'misc.events', parseSgxEvents(events)),
      eventsLocal: eventsLocal === undefined ? null : this.parsed(p, 'misc.events.local', parseSgxEvents(eventsLocal)),
      evicted: null,
      reloaded: null,
    };
  }

  async removeCgroup(path: string): Promise<void> {
    const p = this.nonRoot(path);
    let children: string[];
    try {
      children = await this.fs.listDirs(this.dir(p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw this.mapError(err, p, 'list');
    }
    for (const c of children) await this.removeCgroup(`${p}/${c}`);
    try {
      await this.fs.rmdir(this.dir(p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw this.mapError(err, p, 'rmdir');
    }
  }

  async listCgroups(prefix: string): Promise<string[]> {
    const p = normalizeCgroupPath(prefix);
    const out: string[] = [];
    const walk = async (node: string): Promise<void> => {
      let names: string[];
      try {
        names = await this.fs.listDirs(this.dir(node));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw this.mapError(err, node, 'list');
      }
      for (const n of [...names].sort()) {
        const child = node === '/' ? `/${n}` : `${node}/${n}`;
        out.push(child);
        await walk(child);
      }
    };
    await walk(p);
    return out;
  }

  async close(): Promise<void> {}

  /** Fails with ENOTSUP (once checked, cached) unless the root's misc.capacity lists sgx_epc:
   *  without it a misc.max write would be a confusing EINVAL. */
  private async requireSgxEpc(): Promise<void> {
    if (this.sgxChecked) return;
    await this.capacity();
    this.sgxChecked = true;
  }

  /** Adds `+misc` to `cgroup.subtree_control` of `path` unless it is already enabled. */
  private async enableMisc(path: string): Promise<void> {
    const file = join(this.dir(path), 'cgroup.subtree_control');
    let current: string;
    try {
      current = await this.fs.readFile(file);
    } catch (err) {
      throw this.mapError(err, path, 'read cgroup.subtree_control');
    }
    if (current.split(/\s+/).includes('misc')) return;
    try {
      await this.fs.writeFile(file, '+misc');
    } catch (err) {
      throw this.mapError(err, path, 'enable +misc in cgroup.subtree_control');
    }
  }

  private nonRoot(path: string): string {
    const p = normalizeCgroupPath(path);
    if (p === '/') throw new EpcBackendError('EINVAL', 'the root cgroup has no misc.max; name a child cgroup', { path: p });
    return p;
  }

  private dir(path: string): string {
    return path === '/' ? this.root : join(this.root, path);
  }

  private async read(path: string, file: string): Promise<string> {
    try {
      return await this.fs.readFile(join(this.dir(path), file));
    } catch (err) {
      throw this.mapError(err, path, `read ${file}`);
    }
  }

  private async readOptional(path: string, file: string): Promise<string | undefined> {
    try {
      return await this.fs.readFile(join(this.dir(path), file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // The file is missing but the cgroup exists: an older kernel. A missing cgroup is an error.
        await this.read(path, 'misc.current');
        return undefined;
      }
      throw this.mapError(err, path, `read ${file}`);
    }
  }

  private parsed<T>(path: string, file: string, value: T | undefined): T {
    if (value === undefined) {
      throw new EpcBackendError('ENOTSUP', `${join(this.dir(path), file)} has no ${SGX_EPC} entry (kernel without the EPC cgroup?)`, { path });
    }
    return value;
  }

  private mapError(err: unknown, path: string, what: string): EpcBackendError {
    const code = toBackendCode((err as NodeJS.ErrnoException)?.code);
    const msg = err instanceof Error ? err.message : String(err);
    return new EpcBackendError(code, `cgroupfs ${what} ${path}: ${code}: ${msg}`, { path, cause: err });
  }
}
