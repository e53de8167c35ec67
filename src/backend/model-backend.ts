import { join } from 'node:path';
import { ControlClient } from '../contracts/controller-api/control-client.js';
import { CONTROL_SOCKET } from '../contracts/controller-api/socket-names.js';
import { ControllerApiError } from '../contracts/controller-api/unix-json-client.js';
import { AppliedCgroups, type Touch } from './applied-cgroups.js';
import { ControllerInstanceWatch } from './controller-instance.js';
import type { CgroupApply, EpcBackend, EpcCgroupStats, EpcMax, FreeEpcReader, SlotBinder } from './epc-backend.js';
import { EpcBackendError, toBackendCode } from './epc-backend-error.js';
import { normalizeCgroupPath } from './normalize-cgroup-path.js';
import { formatSgxMax, parseSgxBytes, parseSgxMax, requireValidMax } from './misc-format.js';

/** Options of `ModelBackend`. */
export interface ModelBackendOptions {
  /** The controller's socket dir (holds control.sock), or give `controlSocket` directly. */
  socketDir?: string;
  controlSocket?: string;
  timeoutMs?: number;
}

/**
 * `EpcBackend` over the modeled controller (`epc controller`'s control.sock). It speaks the same
 * misc file formats as the kernel, and also binds enclave slots to cgroups (`SlotBinder`), which
 * is how the model knows which cgroup a pod's enclave operations charge.
 *
 * A container restart re-applies its pod's cgroup, max and slots; when this backend applied
 * exactly that to the same controller instance and nothing written through it since touched them,
 * `applyCgroup` returns at once with no request (`AppliedCgroups` says why that is sound,
 * `ControllerInstanceWatch` how a controller restart is known without asking). Mutations go only
 * through this class's methods, so it sees every write it makes.
 */
export class ModelBackend implements EpcBackend, SlotBinder, FreeEpcReader {
  readonly kind = 'model' as const;
  readonly controlSocket: string;
  private readonly client: ControlClient;
  private readonly instance: ControllerInstanceWatch;
  private readonly applied = new AppliedCgroups();

  constructor(opts: ModelBackendOptions) {
    const sock = opts.controlSocket ?? (opts.socketDir ? join(opts.socketDir, CONTROL_SOCKET) : undefined);
    if (!sock) throw new EpcBackendError('EINVAL', 'ModelBackend needs socketDir or controlSocket');
    this.controlSocket = sock;
    this.client = new ControlClient(sock, { timeoutMs: opts.timeoutMs });
    this.instance = new ControllerInstanceWatch(sock);
  }

  /** The controller instance serving control.sock as far as known without asking (undefined: not known). */
  get controllerInstance(): string | undefined {
    return this.instance.current();
  }

  async capacity(): Promise<number> {
    return this.wrap('/', async () => parseOrThrow(parseSgxBytes(await this.client.readFile('/', 'misc.capacity')), '/', 'misc.capacity'));
  }

  async ensureCgroup(path: string): Promise<void> {
    const p = normalizeCgroupPath(path);
    return this.wrap(p, async () => {
      await this.client.mkdir(p, { parents: true });
    });
  }

  /**
   * One `POST /v1/pod-cgroup`: the controller makes, limits and binds all or nothing; or nothing
   * at all when that exact state was applied to the instance serving control.sock now and nothing
   * written through this backend touched it since (a container restart).
   */
  async applyCgroup(want: CgroupApply): Promise<{ created: boolean }> {
    const p = nonRoot(want.cgroup);
    requireValidMax(p, want.max);
    const now = this.instance.current();
    if (now !== undefined && this.applied.holds(p, want.max, want.slots, now)) return NOTHING_CREATED;
    const mark = this.applied.begin({ cgroup: p, slots: want.slots });
    const reply = await this.wrap(p, () => this.client.podCgroup(p, want.max, want.slots));
    this.applied.applied(mark, p, { max: want.max, slots: want.slots, instance: reply.instance });
    if (reply.instance !== undefined) this.instance.ensure();
    return { created: reply.created };
  }

  async setMax(path: string, max: EpcMax): Promise<void> {
    const p = nonRoot(path);
    requireValidMax(p, max);
    return this.mutate({ cgroup: p }, () => this.wrap(p, () => this.client.writeFile(p, 'misc.max', formatSgxMax(max))));
  }

  async getMax(path: string): Promise<EpcMax> {
    const p = nonRoot(path);
    const max = await this.wrap(p, async () => parseOrThrow(parseSgxMax(await this.client.readFile(p, 'misc.max')), p, 'misc.max'));
    this.applied.sawMax(p, max);
    return max;
  }

  async stats(path: string): Promise<EpcCgroupStats> {
    const p = nonRoot(path);
    const s = await this.wrap(p, () => this.client.stats(p));
    this.applied.sawMax(p, s.max);
    return { max: s.max, current: s.current, peak: s.peak, events: s.events, eventsLocal: s.eventsLocal, evicted: s.evicted, reloaded: s.reloaded };
  }

  async removeCgroup(path: string): Promise<void> {
    const p = nonRoot(path);
    return this.mutate({ tree: p }, () => this.wrap(p, async () => {
      let below: string[];
      try {
        await this.client.destroyEnclaves(p, { recursive: true });
        below = await this.client.listCgroups(p);
      } catch (err) {
        if (err instanceof ControllerApiError && err.code === 'ENOENT') return;
        throw err;
      }
      for (const c of [...below].reverse()) await this.rmdirIfPresent(c);
      await this.rmdirIfPresent(p);
    }));
  }

  async listCgroups(prefix: string): Promise<string[]> {
    const p = normalizeCgroupPath(prefix);
    const below = await this.wrap(p, () => this.client.listCgroups(p));
    this.applied.sawCgroups(p, below);
    return below;
  }

  async bindSlot(slotId: string, path: string): Promise<void> {
    const p = normalizeCgroupPath(path);
    return this.mutate({ cgroup: p, slots: [slotId] }, () => this.wrap(p, () => this.client.bind(slotId, p)));
  }

  async unbindSlot(slotId: string): Promise<void> {
    return this.mutate({ slots: [slotId] }, () => this.wrap(undefined, async () => {
      await this.client.unbind(slotId);
    }));
  }

  async bindings(): Promise<Map<string, string>> {
    const map = await this.wrap(undefined, async () => new Map((await this.client.bindings()).map((b) => [b.slot, b.path])));
    this.applied.sawBindings(map);
    return map;
  }

  async freeBytes(): Promise<number> {
    return this.wrap(undefined, async () => (await this.client.node()).freeBytes);
  }

  async close(): Promise<void> {
    this.instance.close();
    this.client.close();
  }

  /** A write other than an apply: what it touches is forgotten before it is sent and after it ends. */
  private async mutate<T>(touch: Touch, fn: () => Promise<T>): Promise<T> {
    this.applied.begin(touch);
    try {
      return await fn();
    } finally {
      this.applied.end(touch);
    }
  }

  private async rmdirIfPresent(path: string): Promise<void> {
    try {
      await this.client.rmdir(path);
    } catch (err) {
      if (!(err instanceof ControllerApiError && err.code === 'ENOENT')) throw err;
    }
  }

  private async wrap<T>(path: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.applied.forgetAll();
      if (err instanceof EpcBackendError) throw err;
      if (err instanceof ControllerApiError) throw new EpcBackendError(toBackendCode(err.code), `model ${path ?? ''}: ${err.message}`, { path, cause: err });
      const code = (err as NodeJS.ErrnoException)?.code;
      throw new EpcBackendError('EIO', `model controller at ${this.controlSocket} unreachable: ${code ?? (err as Error)?.message ?? String(err)}`, { path, cause: err });
    }
  }
}

/** What a skipped apply answers (shared: nothing is built per skipped call). */
const NOTHING_CREATED: { created: boolean } = Object.freeze({ created: false });

function nonRoot(path: string): string {
  const p = normalizeCgroupPath(path);
  if (p === '/') throw new EpcBackendError('EINVAL', 'the root cgroup has no misc.max; name a child cgroup', { path: p });
  return p;
}

function parseOrThrow<T>(v: T | undefined, path: string, file: string): T {
  if (v === undefined) throw new EpcBackendError('ENOTSUP', `model ${path}/${file} has no sgx_epc entry`, { path });
  return v;
}
