/**
 * List-then-watch of one collection, the client-go reflector loop on `KubeHttp`: list (cache
 * replaced: 'delete' for objects gone, 'add'/'update' for new or changed ones), then watch from
 * the list's resourceVersion with bookmarks and a server-side timeout. A watch the server ends
 * (timeout) or that goes silent resumes from the last resourceVersion seen (bookmarks move it);
 * a 410 Gone (ERROR event or HTTP answer) relists; any other failure (API down, connection reset,
 * 5xx) is reported to `onError` and retried after a back-off that doubles up to `max` and resets
 * on the next successful list or event. `stop` aborts the watch and every timer.
 */
import type { KubeHttp, OpenWatch, WatchEvent } from './kube-http.js';

/** Something with object metadata. */
export interface KubeObject {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface ListWatchOptions<T extends KubeObject> {
  http: KubeHttp;
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  fieldSelector?: string;
  labelSelector?: string;
  /** Applied to each object before it is cached (e.g. dropping managedFields); default identity. */
  transform?: (obj: T) => T;
  /** Called with each change, in order. */
  onChange: (type: 'add' | 'update' | 'delete', obj: T) => void;
  /** A list that was applied (1 + relists). */
  onList?: () => void;
  /** A failure that is retried after `retryInMs`. */
  onError?: (err: Error, retryInMs: number) => void;
  /** Back-off after failures: doubles from `min` up to `max`. Default 500 ms .. 30 s. */
  backoffMs?: { min: number; max: number };
  /** Server-side `timeoutSeconds` of one watch (randomised up to twice, as client-go). Default 300. */
  watchTimeoutSeconds?: number;
  /** A watch silent this long is aborted and resumed. Default watchTimeoutSeconds*2 + 30 s. */
  idleMs?: number;
}

const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
const isGone = (err: unknown): boolean => (err as { code?: unknown })?.code === 410;

/** The reflector loop; `get`/`list` read its cache. */
export class ListWatch<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  private resourceVersion = '';
  private running = false;
  private watch: OpenWatch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private sawEvent = false;

  constructor(private readonly o: ListWatchOptions<T>) {
    this.delay = o.backoffMs?.min ?? 500;
  }

  /** Starts the loop; resolves once the first list was attempted. Idempotent. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let firstList!: () => void;
    const listed = new Promise<void>((r) => (firstList = r));
    this.loop = this.run(firstList);
    await listed;
  }

  /** Stops the watch and every timer; resolves when the loop has ended. Idempotent. The cache stays readable. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    this.wake?.();
    this.watch?.abort();
    await this.loop;
  }

  /** The cached object `namespace/name`. */
  get(name: string, namespace = ''): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  /** How many objects are cached (without copying them, as `list()` does). */
  get size(): number {
    return this.objects.size;
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.objects.values()];
  }

  /** The resourceVersion the next watch starts from ('' = relist). */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  private async run(firstList: () => void): Promise<void> {
    while (this.running) {
      try {
        if (!this.resourceVersion) {
          try {
            await this.relist();
          } finally {
            firstList();
          }
        }
        if (!this.running) return;
        const t0 = Date.now();
        const err = await this.watchOnce();
        if (!err || err.name === 'TimeoutError') {
          // Server timeout or silence: resume from resourceVersion; a watch that ends at once without
          // an event (a proxy closing it) waits the back-off first, so it cannot spin.
          if (!this.sawEvent && Date.now() - t0 < 1000) await this.sleep(this.bump());
          continue;
        }
        if (isGone(err)) {
          this.resourceVersion = '';
          continue;
        }
        throw err;
      } catch (err) {
        if (!this.running) return;
        if (isGone(err)) {
          this.resourceVersion = '';
          continue;
        }
        const wait = this.bump();
        this.o.onError?.(err instanceof Error ? err : new Error(String(err)), wait);
        await this.sleep(wait);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  /** The current back-off, doubled for next time. */
  private bump(): number {
    const wait = this.delay;
    this.delay = Math.min(wait * 2, this.o.backoffMs?.max ?? 30_000);
    return wait;
  }

  private resetBackoff(): void {
    this.delay = this.o.backoffMs?.min ?? 500;
  }

  private async relist(): Promise<void> {
    const list = await this.o.http.request<{ items?: T[]; metadata?: { resourceVersion?: string } }>({
      path: this.o.path, query: { fieldSelector: this.o.fieldSelector, labelSelector: this.o.labelSelector },
    });
    if (!this.running) return;
    const items = list.items ?? [];
    const fresh = new Set(items.map(keyOf));
    for (const [key, old] of this.objects) {
      if (!fresh.has(key)) {
        this.objects.delete(key);
        this.o.onChange('delete', old);
      }
    }
    for (const obj of items) this.upsert(obj);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.resetBackoff();
    this.o.onList?.();
  }

  private upsert(raw: T): void {
    const obj = this.o.transform ? this.o.transform(raw) : raw;
    const key = keyOf(obj);
    const old = this.objects.get(key);
    if (old && old.metadata?.resourceVersion !== undefined && old.metadata.resourceVersion === obj.metadata?.resourceVersion) return;
    this.objects.set(key, obj);
    this.o.onChange(old ? 'update' : 'add', obj);
  }

  /** One watch; resolves its end (null: ended by the server), or the 410 it carried. */
  private async watchOnce(): Promise<Error | null> {
    const base = this.o.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.floor(base * (1 + Math.random()));
    let gone: Error | undefined;
    this.sawEvent = false;
    const onEvent = (e: WatchEvent<T & { code?: number; message?: string }>): void => {
      if (e.type === 'ERROR') {
        const status = e.object ?? {};
        gone = Object.assign(new Error(`watch ERROR: ${status.message ?? JSON.stringify(status)}`), { code: status.code });
        this.watch?.abort();
        return;
      }
      const rv = e.object?.metadata?.resourceVersion;
      if (e.type === 'ADDED' || e.type === 'MODIFIED') this.upsert(e.object);
      else if (e.type === 'DELETED') {
        const key = keyOf(e.object);
        if (this.objects.delete(key)) this.o.onChange('delete', e.object);
      }
      if (rv) this.resourceVersion = rv;
      this.sawEvent = true;
      this.resetBackoff();
    };
    this.watch = await this.o.http.watch(this.o.path, {
      resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds,
      fieldSelector: this.o.fieldSelector, labelSelector: this.o.labelSelector,
    }, onEvent, this.o.idleMs ?? timeoutSeconds * 1000 * 2 + 30_000);
    if (!this.running) this.watch.abort();
    const end = await this.watch.done;
    this.watch = undefined;
    return gone ?? end;
  }
}
