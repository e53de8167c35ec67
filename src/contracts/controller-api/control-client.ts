import type { ModelSnapshot } from '../../epc/index.js';
import type { CgroupStatsReply, EnclaveInfo, PodCgroupReply } from './api-replies.js';
import { qs, UnixJsonClient } from './unix-json-client.js';

/** Node-wide figures of the controller (`GET /v1/node`). */
export interface NodeInfo {
  capacityBytes: number;
  capacityPages: number;
  freeBytes: number;
  freePages: number;
  evicted: number;
  reloaded: number;
  simulatedNs: number;
  scheduler: { slices: number; workerPages: number; ksgxdPages: number };
}

/**
 * Typed client of `control.sock` (the node agent's view of the modeled controller). Every
 * method rejects with `ControllerApiError` carrying the errno code on failure.
 */
export class ControlClient {
  private readonly http: UnixJsonClient;
  constructor(socketPath: string, opts: { timeoutMs?: number } = {}) {
    this.http = new UnixJsonClient(socketPath, opts.timeoutMs);
  }
  node(): Promise<NodeInfo> {
    return this.http.call('GET', '/v1/node');
  }
  snapshot(): Promise<ModelSnapshot> {
    return this.http.call('GET', '/v1/snapshot');
  }
  /** Cgroups strictly below `prefix` (default: all), pre-order. */
  async listCgroups(prefix?: string): Promise<string[]> {
    return (await this.http.call<{ cgroups: string[] }>('GET', `/v1/cgroups${qs({ prefix })}`)).cgroups;
  }
  /** mkdir (EEXIST if present) or, with `parents`, mkdir -p; returns whether anything was created. */
  async mkdir(path: string, opts: { parents?: boolean } = {}): Promise<boolean> {
    return (await this.http.call<{ created: boolean }>('POST', '/v1/mkdir', { path, parents: opts.parents ?? false })).created;
  }
  async rmdir(path: string): Promise<void> {
    await this.http.call('POST', '/v1/rmdir', { path });
  }
  /** A misc file's text, exactly as the kernel prints it. */
  async readFile(path: string, file: string): Promise<string> {
    return (await this.http.call<{ value: string }>('GET', `/v1/file${qs({ path, file })}`)).value;
  }
  async writeFile(path: string, file: string, value: string): Promise<void> {
    await this.http.call('POST', '/v1/file', { path, file, value });
  }
  stats(path: string): Promise<CgroupStatsReply> {
    return this.http.call('GET', `/v1/stats${qs({ path })}`);
  }
  async bind(slot: string, path: string): Promise<void> {
    await this.http.call('POST', '/v1/bind', { slot, path });
  }
  /** mkdir -p `path`, write its misc.max (bytes or 'max') and bind `slots` to it, all or nothing. */
  podCgroup(path: string, max: number | 'max', slots: readonly string[]): Promise<PodCgroupReply> {
    return this.http.call('POST', '/v1/pod-cgroup', { path, max, slots });
  }
  async unbind(slot: string): Promise<boolean> {
    return (await this.http.call<{ unbound: boolean }>('POST', '/v1/unbind', { slot })).unbound;
  }
  async bindings(): Promise<Array<{ slot: string; path: string }>> {
    return (await this.http.call<{ bindings: Array<{ slot: string; path: string }> }>('GET', '/v1/bindings')).bindings;
  }
  async enclaves(path: string, opts: { recursive?: boolean } = {}): Promise<EnclaveInfo[]> {
    return (await this.http.call<{ enclaves: EnclaveInfo[] }>('GET', `/v1/enclaves${qs({ path, recursive: opts.recursive })}`)).enclaves;
  }
  /** Destroys the enclaves charged to `path` (and below unless `recursive: false`); returns their names. */
  async destroyEnclaves(path: string, opts: { recursive?: boolean } = {}): Promise<string[]> {
    return (await this.http.call<{ destroyed: string[] }>('POST', '/v1/destroy-enclaves', { path, recursive: opts.recursive ?? true })).destroyed;
  }
  /** Closes pooled connections. */
  close(): void {
    this.http.close();
  }
}
