import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupFsPort } from '../../src/backend/cgroup-fs-port.js';

const U64_MAX = (1n << 64n) - 1n;
const MISC_FILES = ['misc.max', 'misc.current', 'misc.peak', 'misc.events', 'misc.events.local'] as const;
const READ_ONLY = new Set(['misc.capacity', 'misc.current', 'misc.peak', 'misc.events', 'misc.events.local', 'cgroup.controllers']);

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

/**
 * A temp dir laid out like cgroup v2 with the misc controller and the `sgx_epc` resource, plus a
 * `CgroupFsPort` that behaves like the kernel for the files it touches: mkdir creates the
 * interface files (misc.* only when the parent enables `+misc`), misc.max validates like
 * `misc_cg_max_write` (EINVAL / ERANGE, base-0 u64), read-only files refuse writes (EACCES),
 * rmdir refuses a cgroup with children (EBUSY). `charge()` plays the kernel charging pages.
 */
export class FakeCgroupfs {
  readonly root: string;
  readonly capacityBytes: number;
  private constructor(root: string, capacityBytes: number) {
    this.root = root;
    this.capacityBytes = capacityBytes;
  }

  /** Creates the root in a fresh temp dir. `sgxEpc: false` plays a kernel without the EPC cgroup. */
  static async create(opts: { capacityBytes: number; sgxEpc?: boolean }): Promise<FakeCgroupfs> {
    const root = await mkdtemp(join(tmpdir(), 'fake-cgroupfs-'));
    const sgx = opts.sgxEpc ?? true;
    await writeFile(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids misc\n');
    await writeFile(join(root, 'cgroup.subtree_control'), '\n');
    await writeFile(join(root, 'misc.capacity'), sgx ? `sev 0\nsgx_epc ${opts.capacityBytes}\n` : 'sev 0\n');
    await writeFile(join(root, 'misc.current'), sgx ? 'sev 0\nsgx_epc 0\n' : 'sev 0\n');
    return new FakeCgroupfs(root, opts.capacityBytes);
  }

  /** Removes the temp dir. */
  async destroy(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  /** Absolute dir of a cgroup path ("/" = root). */
  dir(path: string): string {
    return path === '/' ? this.root : join(this.root, path);
  }

  /** The port a `CgroupfsBackend` uses to reach this fake. */
  readonly port: CgroupFsPort = {
    readFile: async (p) => {
      if (!existsSync(p)) throw errno('ENOENT', 'open', p);
      return readFile(p, 'utf8');
    },
    writeFile: (p, d) => this.write(p, d),
    mkdir: (p) => this.mkdirCgroup(p),
    rmdir: (p) => this.rmdirCgroup(p),
    listDirs: async (p) => {
      if (!existsSync(p)) throw errno('ENOENT', 'scandir', p);
      return (await readdir(p, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    },
  };

  /** Charges `bytes` to `path` like the kernel's misc_cg_try_charge: all or nothing, events at the
   *  failing level and above. Returns whether it succeeded. */
  async charge(path: string, bytes: number): Promise<boolean> {
    const chain = this.chain(path);
    for (let i = chain.length - 1; i >= 0; i--) {
      const node = chain[i];
      const usage = await this.counter(node, 'misc.current');
      const limit = node === '/' ? this.capacityBytes : await this.maxOf(node);
      if (usage + bytes > limit) {
        await this.bump(node, 'misc.events.local');
        for (let j = i; j >= 0; j--) if (chain[j] !== '/') await this.bump(chain[j], 'misc.events');
        return false;
      }
    }
    for (const node of chain) {
      const usage = (await this.counter(node, 'misc.current')) + bytes;
      await this.setCounter(node, 'misc.current', usage);
      if (node !== '/' && usage > (await this.counter(node, 'misc.peak'))) await this.setCounter(node, 'misc.peak', usage);
    }
    return true;
  }

  private chain(path: string): string[] {
    const segs = path === '/' ? [] : path.slice(1).split('/');
    return ['/', ...segs.map((_, i) => '/' + segs.slice(0, i + 1).join('/'))];
  }

  private async maxOf(node: string): Promise<number> {
    const v = (await readFile(join(this.dir(node), 'misc.max'), 'utf8')).trim().split(/\s+/)[1];
    return v === 'max' ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  private async counter(node: string, file: string): Promise<number> {
    const text = await readFile(join(this.dir(node), file), 'utf8');
    return Number(text.trim().split(/\s+/).at(-1));
  }

  private async setCounter(node: string, file: string, n: number): Promise<void> {
    await writeFile(join(this.dir(node), file), node === '/' ? `sev 0\nsgx_epc ${n}\n` : `sgx_epc ${n}\n`);
  }

  private async bump(node: string, file: string): Promise<void> {
    await writeFile(join(this.dir(node), file), `sgx_epc.max ${(await this.counter(node, file)) + 1}\n`);
  }

  private async write(p: string, data: string): Promise<void> {
    const name = p.slice(p.lastIndexOf('/') + 1);
    const dir = p.slice(0, p.lastIndexOf('/'));
    if (!existsSync(dir)) throw errno('ENOENT', 'open', p);
    if (!existsSync(p)) throw errno('EACCES', 'open', p); // kernfs: no new files
    if (READ_ONLY.has(name)) throw errno('EACCES', 'open', p);
    if (name === 'cgroup.subtree_control') return this.writeSubtreeControl(dir, p, data);
    if (name === 'misc.max') return this.writeMax(p, data);
    throw errno('EINVAL', 'write', p);
  }

  private async writeSubtreeControl(dir: string, p: string, data: string): Promise<void> {
    const available = (await readFile(join(dir, 'cgroup.controllers'), 'utf8')).trim().split(/\s+/);
    const enabled = new Set((await readFile(p, 'utf8')).trim().split(/\s+/).filter(Boolean));
    for (const tok of data.trim().split(/\s+/)) {
      const m = /^([+-])([a-z_]+)$/.exec(tok);
      if (!m || !available.includes(m[2])) throw errno(m ? 'ENOENT' : 'EINVAL', 'write', p);
      if (m[1] === '+') enabled.add(m[2]);
      else enabled.delete(m[2]);
    }
    await writeFile(p, [...enabled].join(' ') + '\n');
    if (enabled.has('misc')) {
      for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) await this.populateMisc(join(dir, e.name), [...enabled]);
    }
  }

  private async writeMax(p: string, data: string): Promise<void> {
    const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(data);
    if (!m || m[1] !== 'sgx_epc') throw errno('EINVAL', 'write', p);
    let value: string;
    if (m[2] === 'max') value = 'max';
    else {
      if (!/^(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(m[2])) throw errno('EINVAL', 'write', p);
      const n = m[2].startsWith('0x') ? BigInt(m[2]) : m[2].length > 1 && m[2].startsWith('0') ? BigInt('0o' + m[2].slice(1)) : BigInt(m[2]);
      if (n > U64_MAX) throw errno('ERANGE', 'write', p);
      value = n === U64_MAX ? 'max' : n.toString();
    }
    await writeFile(p, `sgx_epc ${value}\n`);
  }

  private async populateMisc(dir: string, controllers: string[]): Promise<void> {
    await writeFile(join(dir, 'cgroup.controllers'), controllers.join(' ') + '\n');
    const init: Record<(typeof MISC_FILES)[number], string> = {
      'misc.max': 'sgx_epc max\n',
      'misc.current': 'sgx_epc 0\n',
      'misc.peak': 'sgx_epc 0\n',
      'misc.events': 'sgx_epc.max 0\n',
      'misc.events.local': 'sgx_epc.max 0\n',
    };
    for (const f of MISC_FILES) if (!existsSync(join(dir, f))) await writeFile(join(dir, f), init[f]);
  }

  private async mkdirCgroup(p: string): Promise<void> {
    const parent = p.slice(0, p.lastIndexOf('/'));
    if (!existsSync(parent)) throw errno('ENOENT', 'mkdir', p);
    if (existsSync(p)) throw errno('EEXIST', 'mkdir', p);
    await mkdir(p);
    await writeFile(join(p, 'cgroup.subtree_control'), '\n');
    const enabled = (await readFile(join(parent, 'cgroup.subtree_control'), 'utf8')).trim().split(/\s+/).filter(Boolean);
    await writeFile(join(p, 'cgroup.controllers'), enabled.join(' ') + '\n');
    if (enabled.includes('misc')) await this.populateMisc(p, enabled);
  }

  private async rmdirCgroup(p: string): Promise<void> {
    if (!existsSync(p)) throw errno('ENOENT', 'rmdir', p);
    const entries = await readdir(p, { withFileTypes: true });
    if (entries.some((e) => e.isDirectory())) throw errno('EBUSY', 'rmdir', p);
    for (const e of entries) await unlink(join(p, e.name));
    await rmdir(p);
  }
}
