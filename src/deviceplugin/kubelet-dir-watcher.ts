import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { KUBELET_SOCKET_NAME } from '../contracts/device-plugin-api.js';
import { fileIdentity as identity } from './file-identity.js';

/** Why the plugin must register again. */
export type KubeletChange = 'own-socket-deleted' | 'new-kubelet-socket';

export interface KubeletDirWatcherOptions {
  dir: string;
  ownSocketPath: string;
  /** Cheap stat poll, the fallback for file systems where fs.watch misses events. */
  pollIntervalMs: number;
  onChange(change: KubeletChange): void;
}

/**
 * Watches the device plugin directory for the two signs of a kubelet restart: our own socket
 * deleted, or a new `kubelet.sock` (different identity than the one we last registered with).
 * fs.watch for speed plus a stat poll as fallback. Reports each change once per occurrence.
 */
export class KubeletDirWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private kubeletId: string | undefined;
  private ownMissingReported = false;

  constructor(private readonly opts: KubeletDirWatcherOptions) {}

  /** Begins watching; the current kubelet.sock counts as known. Idempotent. */
  start(): void {
    if (this.timer) return;
    this.kubeletId = identity(join(this.opts.dir, KUBELET_SOCKET_NAME));
    try {
      this.watcher = watch(this.opts.dir, { persistent: false }, () => this.check());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined; // directory missing or no inotify: the poll covers it
    }
    this.timer = setInterval(() => this.check(), this.opts.pollIntervalMs);
    this.timer.unref();
  }

  /**
   * Marks the state as handled: `kubeletId` is the kubelet.sock identity a registration is about
   * to use (recorded by the caller, so both agree on it); a later kubelet.sock is reported again.
   */
  acknowledge(kubeletId: string | undefined): void {
    this.kubeletId = kubeletId;
    this.ownMissingReported = false;
  }

  /** Stops watching and polling. Idempotent, safe before start. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Compares the directory against what we know; exported for an immediate check. */
  check(): void {
    if (!this.timer) return;
    const own = identity(this.opts.ownSocketPath);
    if (own === undefined) {
      if (!this.ownMissingReported) {
        this.ownMissingReported = true;
        this.opts.onChange('own-socket-deleted');
      }
    } else {
      this.ownMissingReported = false;
    }
    const kubelet = identity(join(this.opts.dir, KUBELET_SOCKET_NAME));
    if (kubelet !== undefined && kubelet !== this.kubeletId) {
      this.kubeletId = kubelet;
      this.opts.onChange('new-kubelet-socket');
    }
  }
}
