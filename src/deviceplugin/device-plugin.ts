import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../util/logger.js';
import { KUBELET_SOCKET_NAME, MAX_LIST_AND_WATCH_BYTES, type Device, type DevicePluginOptions } from '../contracts/device-plugin-api.js';
import { DevicePluginServer, type DevicePluginServerHost, type ListAndWatchStream } from './device-plugin-server.js';
import { fileIdentity } from './file-identity.js';
import { KubeletDirWatcher, type KubeletChange } from './kubelet-dir-watcher.js';
import { listAndWatchBytes } from './list-and-watch-size.js';
import { detectOptions, validateResourceName, type DevicePluginSpec } from './plugin-spec.js';
import { registerWithKubelet } from './register-with-kubelet.js';
import { coveredBy, mergeRequest, type RegisteredAt, type ResyncRequest } from './resync-request.js';

const DEFAULTS = { watchPollMs: 200, registerTimeoutMs: 5000, backoffInitialMs: 100, backoffMaxMs: 5000, streamEndWindowMs: 5000 };

/** Something the plugin did that an operator (or a test) may want to see. */
export type DevicePluginEvent =
  | { type: 'serving'; socketPath: string }
  | { type: 'registered'; count: number; reason: string }
  | { type: 'register-failed'; error: string; retryInMs: number }
  | { type: 'kubelet-restart'; change: KubeletChange }
  | { type: 'stream-ended'; reRegisterInMs: number }
  | { type: 'list-too-large'; bytes: number };

export interface DevicePluginInit {
  spec: DevicePluginSpec;
  /** The kubelet device plugin directory (holds kubelet.sock and our socket). */
  dir: string;
  /** Socket file name; default unique per instance (`<resource>-<pid>-<random>.sock`). */
  socketName?: string;
  logger?: Logger;
  onEvent?: (e: DevicePluginEvent) => void;
  watchPollMs?: number;
  registerTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

/** A unique socket file name per instance, so two instances (rolling update surge) coexist. */
export function uniqueSocketName(resourceName: string): string {
  return `${resourceName.replace(/[^A-Za-z0-9.-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}.sock`;
}

/**
 * The framework around one plugin (dpapi's manager): serves the DevicePlugin API on its own
 * socket, then registers with kubelet (options identical in both places), sends the full device
 * list on every change, and registers again - with backoff on failure - when kubelet restarts
 * (own socket deleted or a new kubelet.sock) or ends the ListAndWatch stream. One restart brings
 * one Register, even when the watcher reports both signs of it (resync-request.ts).
 * start/stop are idempotent; stop is safe before start and leaves no socket, timer or stream.
 */
export class DevicePlugin implements DevicePluginServerHost {
  readonly spec: DevicePluginSpec;
  readonly options: DevicePluginOptions;
  readonly socketPath: string;
  readonly socketName: string;
  private readonly cfg: typeof DEFAULTS;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private list: readonly Device[] = [];
  private known = new Set<string>();
  private readonly streams = new Set<ListAndWatchStream>();
  private readonly server: DevicePluginServer;
  private readonly watcher: KubeletDirWatcher;
  private epochCounter = 0;
  private registeredCount = 0;
  private loop: Promise<void> | undefined;
  private pending: ResyncRequest | undefined;
  private wake: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private streamEndTimer: NodeJS.Timeout | undefined;
  private streamEndDelay = 0;
  private lastStreamEndAt = 0;
  private startPromise: Promise<void> | undefined;
  private readonly aborter = new AbortController();

  constructor(private readonly init: DevicePluginInit) {
    const bad = validateResourceName(init.spec.resourceName);
    if (bad) throw new Error(bad);
    this.spec = init.spec;
    this.options = detectOptions(init.spec.allocator);
    this.socketName = init.socketName ?? uniqueSocketName(init.spec.resourceName);
    if (this.socketName.includes('/') || this.socketName === 'kubelet.sock') throw new Error(`socket name ${JSON.stringify(this.socketName)} must be a plain file name other than kubelet.sock`);
    this.socketPath = join(init.dir, this.socketName);
    this.cfg = {
      watchPollMs: init.watchPollMs ?? DEFAULTS.watchPollMs,
      registerTimeoutMs: init.registerTimeoutMs ?? DEFAULTS.registerTimeoutMs,
      backoffInitialMs: init.backoffInitialMs ?? DEFAULTS.backoffInitialMs,
      backoffMaxMs: init.backoffMaxMs ?? DEFAULTS.backoffMaxMs,
      streamEndWindowMs: DEFAULTS.streamEndWindowMs,
    };
    this.server = new DevicePluginServer(this, () => this.epochCounter);
    this.watcher = new KubeletDirWatcher({
      dir: init.dir,
      ownSocketPath: this.socketPath,
      pollIntervalMs: this.cfg.watchPollMs,
      onChange: (change) => {
        this.emit({ type: 'kubelet-restart', change });
        this.requestResync(change);
      },
    });
  }

  /** Successful registrations so far. */
  get registrations(): number {
    return this.registeredCount;
  }

  /** Resolves once the registration loop has nothing left to do (at once if it is idle). */
  async settled(): Promise<void> {
    while (this.loop) await this.loop;
  }

  devices(): readonly Device[] {
    return this.list;
  }

  isKnownDevice(id: string): boolean {
    return this.known.has(id);
  }

  /** Starts the source, serves the socket, then registers in the background. Idempotent. */
  start(): Promise<void> {
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    try {
      await this.spec.source.start((devices) => this.setDevices(devices));
      await this.server.listen(this.socketPath);
      if (this.state !== 'running') return;
      this.emit({ type: 'serving', socketPath: this.socketPath });
      this.watcher.start();
      this.requestResync('start');
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Ends streams, stops serving, removes our socket, releases every timer. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    this.watcher.stop();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    if (this.streamEndTimer) clearTimeout(this.streamEndTimer);
    this.wake?.();
    this.aborter.abort();
    for (const s of this.streams) {
      s.ended = true;
      s.call.end();
    }
    this.streams.clear();
    this.server.close();
    if (wasRunning) await this.spec.source.stop();
    await this.loop?.catch(() => undefined);
    await rm(this.socketPath, { force: true });
  }

  private setDevices(devices: readonly Device[]): void {
    const bytes = listAndWatchBytes(devices);
    if (bytes > MAX_LIST_AND_WATCH_BYTES) {
      this.emit({ type: 'list-too-large', bytes });
      this.init.logger?.error({ bytes, limit: MAX_LIST_AND_WATCH_BYTES }, 'device list over the 4 MiB ListAndWatch limit: not sent');
      return;
    }
    this.list = devices.map((d) => ({ ...d }));
    this.known = new Set(this.list.map((d) => d.ID));
    for (const s of this.streams) if (!s.ended) s.call.write({ devices: [...this.list] });
  }

  streamOpened(stream: ListAndWatchStream): void {
    if (this.state !== 'running') {
      stream.ended = true;
      stream.call.end();
      return;
    }
    this.streams.add(stream);
  }

  streamEnded(stream: ListAndWatchStream): void {
    this.streams.delete(stream);
    // Only the stream of the latest registration matters: older ones end because of it.
    if (this.state !== 'running' || stream.epoch !== this.epochCounter) return;
    const now = Date.now();
    this.streamEndDelay = now - this.lastStreamEndAt < this.cfg.streamEndWindowMs ? Math.min(Math.max(this.streamEndDelay * 2, this.cfg.backoffInitialMs), this.cfg.backoffMaxMs) : 0;
    this.lastStreamEndAt = now;
    this.emit({ type: 'stream-ended', reRegisterInMs: this.streamEndDelay });
    if (this.streamEndTimer) clearTimeout(this.streamEndTimer);
    this.streamEndTimer = setTimeout(() => this.requestResync('stream-ended'), this.streamEndDelay);
  }

  /**
   * Asks the single registration loop to (re)serve if needed and register. A request arriving
   * while a Register is in flight is dropped afterwards if that Register covers it (see
   * resync-request.ts for the states).
   */
  private requestResync(reason: string): void {
    if (this.state !== 'running') return;
    this.pending = mergeRequest(this.pending, reason);
    this.wake?.();
    this.loop ??= this.runLoop().finally(() => (this.loop = undefined));
  }

  private async runLoop(): Promise<void> {
    let delay = this.cfg.backoffInitialMs;
    while (this.state === 'running' && this.pending !== undefined) {
      const { reason } = this.pending;
      this.pending = undefined;
      try {
        if (!existsSync(this.socketPath)) {
          for (const s of this.streams) {
            s.ended = true; // ended by us, not by kubelet: no stream-end re-registration
            s.call.end();
          }
          this.streams.clear();
          this.server.close();
          await this.server.listen(this.socketPath);
          if (this.state !== 'running') return;
        }
        // What this attempt registers; requests arriving from here on are checked against it.
        const at = this.identities();
        if (at.kubeletId === undefined) throw new Error(`${KUBELET_SOCKET_NAME} not found in ${this.init.dir}: kubelet is down`);
        this.epochCounter++;
        this.watcher.acknowledge(at.kubeletId);
        await registerWithKubelet({ dir: this.init.dir, endpoint: this.socketName, resourceName: this.spec.resourceName, options: this.options, timeoutMs: this.cfg.registerTimeoutMs, signal: this.aborter.signal });
        this.registeredCount++;
        delay = this.cfg.backoffInitialMs;
        if (this.pending && coveredBy(this.pending, at, this.identities())) this.pending = undefined;
        this.emit({ type: 'registered', count: this.registeredCount, reason });
        this.init.logger?.info({ resource: this.spec.resourceName, socket: this.socketName, reason }, 'registered with kubelet');
      } catch (err) {
        if (this.state !== 'running') return;
        const error = (err as Error).message;
        this.emit({ type: 'register-failed', error, retryInMs: delay });
        this.init.logger?.warn({ resource: this.spec.resourceName, error, retryInMs: delay }, 'register with kubelet failed');
        this.pending ??= { reason, watcherOnly: false };
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.cfg.backoffMaxMs);
      }
    }
  }

  /** Identities of kubelet.sock and our own socket right now. */
  private identities(): RegisteredAt {
    return { kubeletId: fileIdentity(join(this.init.dir, KUBELET_SOCKET_NAME)), ownId: fileIdentity(this.socketPath) };
  }

  /** A backoff wait that a kubelet change or stop cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        if (this.sleepTimer) clearTimeout(this.sleepTimer);
        this.sleepTimer = undefined;
        this.wake = undefined;
        resolve();
      };
      this.sleepTimer = setTimeout(() => this.wake?.(), ms);
    });
  }

  private emit(e: DevicePluginEvent): void {
    try {
      this.init.onEvent?.(e);
    } catch {
      // an observer's bug must not break the plugin
    }
  }
}
