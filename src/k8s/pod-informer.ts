/**
 * The pods bound to one node, kept current by client-node's ListWatch over a real API server
 * connection (`/api/v1/pods?fieldSelector=spec.nodeName=<node>`), indexed by UID for the
 * enforcement path. client-node relists by itself after a watch ends or a 410 Expired, but gives
 * up on other errors (API down, connection reset); this wrapper restarts it with backoff.
 * Cached objects are list items (V1Pod) or watch objects (plain JSON): read them as data.
 */
import { ADD, CoreV1Api, DELETE, ERROR, ListWatch, UPDATE, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../util/logger.js';

export type PodEventType = 'add' | 'update' | 'delete';

/** A change seen by the informer (also replayed as 'delete' for pods gone after a relist). */
export interface PodEvent {
  type: PodEventType;
  pod: V1Pod;
}

export interface PodInformerOptions {
  kubeConfig: KubeConfig;
  /** Only pods with `spec.nodeName` equal to this are watched. */
  nodeName: string;
  /** Optional extra label selector. */
  labelSelector?: string;
  logger?: Logger;
  /** Restart backoff after the watch/list fails: starts at `min`, doubles up to `max`. Default 500 ms .. 30 s. */
  restartDelayMs?: { min: number; max: number };
}

/** Refuses to open watches after stop and aborts the ones it opened, so nothing outlives stop(). */
class StoppableWatch extends Watch {
  closed = false;
  private readonly open = new Set<AbortController>();

  override async watch(path: string, query: any, cb: (phase: string, apiObj: any, watchObj?: any) => void, done: (err: any) => void): Promise<AbortController> {
    if (this.closed) {
      const c = new AbortController();
      c.abort();
      return c;
    }
    // `done` can run before super.watch resolves (connection refused), so no TDZ access to ctl.
    let ctl: AbortController | undefined;
    let ended = false;
    ctl = await super.watch(path, query, cb, (err) => {
      ended = true;
      if (ctl) this.open.delete(ctl);
      done(err);
    });
    if (this.closed) ctl.abort();
    else if (!ended) this.open.add(ctl);
    return ctl;
  }

  abortAll(): void {
    for (const c of this.open) c.abort();
    this.open.clear();
  }
}

const keyOf = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

export class PodInformer {
  private readonly watch: StoppableWatch;
  private readonly lw: ListWatch<V1Pod>;
  private readonly byUid = new Map<string, V1Pod>();
  private readonly uidByKey = new Map<string, string>();
  private readonly listeners = new Set<(e: PodEvent) => void>();
  private readonly syncWaiters = new Set<() => void>();
  private running = false;
  private synced = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelay: number;
  private inFlight: Promise<void> | undefined;
  private lists = 0;

  constructor(private readonly options: PodInformerOptions) {
    this.restartDelay = options.restartDelayMs?.min ?? 500;
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    const fieldSelector = `spec.nodeName=${options.nodeName}`;
    this.watch = new StoppableWatch(options.kubeConfig);
    const listFn = async () => {
      if (!this.running) throw new Error('pod informer stopped');
      const list = await core.listPodForAllNamespaces({ fieldSelector, labelSelector: options.labelSelector });
      this.lists++;
      this.restartDelay = options.restartDelayMs?.min ?? 500;
      // ListWatch applies the items right after this promise settles; mark synced after that.
      setImmediate(() => this.markSynced());
      return list;
    };
    this.lw = new ListWatch<V1Pod>('/api/v1/pods', this.watch, listFn, false, options.labelSelector, fieldSelector);
    this.lw.on(ADD, (pod) => this.apply('add', pod));
    this.lw.on(UPDATE, (pod) => this.apply('update', pod));
    this.lw.on(DELETE, (pod) => this.apply('delete', pod));
    this.lw.on(ERROR, (err) => this.onError(err));
  }

  /** Starts listing and watching. Idempotent; resolves once the first attempt ran (see waitForSync). */
  async start(): Promise<void> {
    if (this.running) return this.inFlight;
    this.running = true;
    this.watch.closed = false;
    this.inFlight = this.lw.start().catch((err) => this.onError(err));
    return this.inFlight;
  }

  /** Stops the watch and every timer. Idempotent; safe before start. The cache stays readable. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.watch.closed = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.lw.stop();
    this.watch.abortAll();
    await this.inFlight;
    this.watch.abortAll();
    for (const w of this.syncWaiters) w();
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
    return [...this.lw.list()];
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

  private onError(err: unknown): void {
    if (!this.running) return;
    const delay = this.restartDelay;
    this.restartDelay = Math.min(delay * 2, this.options.restartDelayMs?.max ?? 30_000);
    this.options.logger?.warn({ err: String((err as Error)?.message ?? err), retryInMs: delay }, 'pod informer: list/watch failed, restarting');
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.running) return;
      this.inFlight = this.lw.start().catch((e) => this.onError(e));
    }, delay);
    this.restartTimer.unref();
  }
}
