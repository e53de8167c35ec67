import type { DevicePluginOptions } from '../../contracts/device-plugin-api.js';

/**
 * What the kubelet emulator did or saw, in order: tests assert call order and timing on these.
 * `prestart.podResourcesLists`: pod-resources List calls the emulator received while that
 * PreStartContainer was in flight (the plugin's lookups on the start's critical path).
 */
export type EmulatorEvent = { at: number } & (
  | { type: 'register-begin'; resourceName: string; endpoint: string }
  | { type: 'options'; resourceName: string; endpoint: string; options: DevicePluginOptions; registerOptions: DevicePluginOptions | undefined }
  | { type: 'register-end'; resourceName: string; endpoint: string; error?: string }
  | { type: 'list'; resourceName: string; endpoint: string; total: number; healthy: number }
  | { type: 'stream-ended'; resourceName: string; endpoint: string; code?: number; error?: string }
  | { type: 'preferred'; resourceName: string; deviceIds: string[] }
  | { type: 'allocate'; resourceName: string; deviceIds: string[]; ms: number; error?: string }
  | { type: 'prestart'; resourceName: string; deviceIds: string[]; ms: number; error?: string; podResourcesLists: number }
  | { type: 'container-start'; namespace: string; pod: string; container: string; restart: number }
  | { type: 'restart' }
  | { type: 'warning'; warning: EmulatorWarning }
);

/** Something a real kubelet would suffer from: flagged, never fatal. */
export interface EmulatorWarning {
  kind: 'slow-allocate' | 'list-too-large' | 'options-mismatch';
  resourceName: string;
  message: string;
  ms?: number;
}

/** Keeps the event log and lets callers wait for an event matching a predicate. */
export class EventLog {
  readonly events: EmulatorEvent[] = [];
  private waiters = new Set<{ pred: (e: EmulatorEvent) => boolean; resolve: (e: EmulatorEvent) => void }>();

  /** Appends an event (with its timestamp) and wakes matching waiters. */
  push(e: DistributiveOmit<EmulatorEvent, 'at'>): void {
    const ev = { ...e, at: Date.now() } as EmulatorEvent;
    this.events.push(ev);
    for (const w of [...this.waiters]) {
      if (w.pred(ev)) {
        this.waiters.delete(w);
        w.resolve(ev);
      }
    }
  }

  /**
   * Resolves with the first event matching `pred` - among those already logged from index
   * `from` on, else the next one - or rejects after `timeoutMs` naming `what`.
   */
  waitFor(pred: (e: EmulatorEvent) => boolean, opts: { timeoutMs?: number; from?: number; what?: string } = {}): Promise<EmulatorEvent> {
    const hit = this.events.slice(opts.from ?? 0).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (e: EmulatorEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`timed out after ${opts.timeoutMs ?? 5000} ms waiting for ${opts.what ?? 'an emulator event'}`));
      }, opts.timeoutMs ?? 5000);
      this.waiters.add(w);
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
