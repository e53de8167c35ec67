/**
 * The pods bound to one node, kept current by a list-then-watch (`ListWatch` on the lean
 * `KubeHttp`, `/api/v1/pods?fieldSelector=spec.nodeName=<node>`), indexed by UID for the
 * enforcement path. Relists after a 410, resumes watches from the last resourceVersion
 * (bookmarks), and retries failures (API down, connection reset) with back-off. Cached objects
 * are the API server's JSON, typed as V1Pod (read them as data). Loads no generated API code.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../util/logger.js';
import type { ClusterAccess } from './kube-access.js';
import { KubeHttp } from './kube-http.js';
import { ListWatch } from './list-watch.js';

export type PodEventType = 'add' | 'update' | 'delete';

/** A change seen by the informer (also replayed as 'delete' for pods gone after a relist). */
export interface PodEvent {
  type: PodEventType;
  pod: V1Pod;
}

export interface PodInformerOptions {
  /** The API server (the agent's `KubeAccess`; client-node's KubeConfig also fits). */
  kubeConfig: ClusterAccess;
  /** Only pods with `spec.nodeName` equal to this are watched. */
  nodeName: string;
  /** Optional extra label selector. */
  labelSelector?: string;
  logger?: Logger;
  /** Restart backoff after the watch/list fails: starts at `min`, doubles up to `max`. Default 500 ms .. 30 s. */
  restartDelayMs?: { min: number; max: number };
}

const keyOf = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

export class PodInformer {
  private readonly lw: ListWatch<V1Pod>;
  private readonly byUid = new Map<string, V1Pod>();
  private readonly uidByKey = new Map<string, string>();
  private readonly listeners = new Set<(e: PodEvent) => void>();
  private readonly syncWaiters = new Set<() => void>();
  private running = false;
  private synced = false;
  private starting: Promise<void> | undefined;
  private lists = 0;

  constructor(private readonly options: PodInformerOptions) {
    this.lw = new ListWatch<V1Pod>({
      http: new KubeHttp(options.kubeConfig),
      path: '/api/v1/pods',
      fieldSelector: `spec.nodeName=${options.nodeName}`,
      labelSelector: options.labelSelector,
      backoffMs: options.restartDelayMs,
      // The agent reads spec, status and identity; managedFields is often most of a pod's bytes.
      transform: (pod) => {
        if (pod.metadata?.managedFields) delete pod.metadata.managedFields;
        return pod;
      },
      onChange: (type, pod) => this.apply(type, pod),
      onList: () => {
        this.lists++;
        this.markSynced();
      },
      onError: (err, retryInMs) => this.options.logger?.warn({ err: err.message, retryInMs }, 'pod informer: list/watch failed, restarting'),
    });
  }

  /** Starts listing and watching. Idempotent; resolves once the first list was attempted (see waitForSync). */
  async start(): Promise<void> {
    if (this.running) return this.starting;
    this.running = true;
    this.starting = this.lw.start();
    return this.starting;
  }

  /** Stops the watch and every timer. Idempotent; safe before start. The cache stays readable. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.lw.stop();
    for (const w of [...this.syncWaiters]) w();
  }

  /** True once a first list has been applied (client-go HasSynced). */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** Number of successful lists (1 + relists); tests use it to see a relist happen. */
  get listCount(): number {
    return this.lists;
  }

  /** Resolves true once synced, false after `timeoutMs` or when stopped first. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.syncWaiters.delete(done);
        resolve(this.synced);
      };
      const timer = setTimeout(done, timeoutMs);
      this.syncWaiters.add(done);
    });
  }

  /** The cached pod with this UID. */
  getByUid(uid: string): V1Pod | undefined {
    return this.byUid.get(uid);
  }

  /** The cached pod `namespace/name`. */
  get(namespace: string, name: string): V1Pod | undefined {
    return this.lw.get(name, namespace);
  }

  /** Every cached pod on the node. */
  list(): V1Pod[] {
    return this.lw.list();
  }

  /** Subscribes to add/update/delete; returns the unsubscribe function. Listener errors are logged, not thrown. */
  onEvent(listener: (e: PodEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The pod `namespace/name` from the cache, waiting up to `timeoutMs` for the informer to see
   * it (kubelet can admit a pod a moment before our watch delivers it). Undefined on timeout.
   */
  async waitForPod(namespace: string, name: string, timeoutMs: number): Promise<V1Pod | undefined> {
    const now = this.get(namespace, name);
    if (now) return now;
    return new Promise((resolve) => {
      const off = this.onEvent((e) => {
        if (e.type !== 'delete' && e.pod.metadata?.namespace === namespace && e.pod.metadata?.name === name) finish(e.pod);
      });
      const timer = setTimeout(() => finish(this.get(namespace, name)), timeoutMs);
      const finish = (pod: V1Pod | undefined): void => {
        clearTimeout(timer);
        off();
        resolve(pod);
      };
    });
  }

  private markSynced(): void {
    if (this.synced || !this.running) return;
    this.synced = true;
    for (const w of [...this.syncWaiters]) w();
  }

  private apply(type: PodEventType, pod: V1Pod): void {
    const key = keyOf(pod);
    const oldUid = this.uidByKey.get(key);
    if (oldUid !== undefined) this.byUid.delete(oldUid);
    const uid = pod.metadata?.uid;
    if (type === 'delete') this.uidByKey.delete(key);
    else if (uid) {
      this.byUid.set(uid, pod);
      this.uidByKey.set(key, uid);
    }
    for (const l of [...this.listeners]) {
      try {
        l({ type, pod });
      } catch (err) {
        this.options.logger?.error({ err }, 'pod informer listener failed');
      }
    }
  }
}
