/**
 * The double's storage: objects per resource with one global resourceVersion counter (like the
 * etcd revision), a bounded event history for watch resumption, and live watchers. Watch
 * semantics follow the apiserver watch cache: from "" or "0" -> synthetic ADDED for current
 * objects, then changes; from R -> every change after R; R older than the retained history ->
 * 410 Expired. Selector transitions become ADDED / DELETED like the real filtered watch.
 */
import { badRequest, expired, type ApiStatus } from './api-status.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: unknown;
}

interface Change {
  rv: number;
  resource: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: any;
  previous?: any;
}

/** A live watch as the store sees it; the HTTP layer writes what `send` gets. */
export interface WatchSink {
  resource: string;
  filter: (obj: any) => boolean;
  send(event: WatchEvent): void;
  /** The watch cannot continue (410): send the Status as an ERROR event and end the stream. */
  expire(status: ApiStatus): void;
}

const keyOf = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;

/** Parses a resourceVersion query value; "" means "any". Non-numbers are a 400 like the real server. */
export function parseResourceVersion(rv: string | null | undefined): number | undefined {
  if (rv === null || rv === undefined || rv === '') return undefined;
  if (!/^[0-9]{1,15}$/.test(rv)) throw badRequest(`invalid resource version ${JSON.stringify(rv)}: must be a non-negative integer`);
  return Number(rv);
}

export class ObjectStore {
  private rv = 1;
  /** Changes with rv <= compactedRv are gone: watching from before that is 410. */
  private compactedRv = 0;
  private history: Change[] = [];
  private readonly objects = new Map<string, Map<string, any>>();
  private readonly sinks = new Set<WatchSink>();

  constructor(private readonly historyLimit: number) {}

  /** The newest resourceVersion (what a list returns in metadata.resourceVersion). */
  currentResourceVersion(): string {
    return String(this.rv);
  }

  private bucket(resource: string): Map<string, any> {
    let b = this.objects.get(resource);
    if (!b) this.objects.set(resource, (b = new Map()));
    return b;
  }

  /** A copy of the stored object, or undefined. */
  get(resource: string, ns: string | undefined, name: string): any {
    const o = this.bucket(resource).get(keyOf(ns, name));
    return o === undefined ? undefined : structuredClone(o);
  }

  /** Copies of every object of `resource` (in `ns` when given), oldest first. */
  list(resource: string, ns?: string): any[] {
    const out: any[] = [];
    for (const o of this.bucket(resource).values()) if (ns === undefined || o.metadata?.namespace === ns) out.push(structuredClone(o));
    return out;
  }

  /** Stores `obj` with a fresh resourceVersion, records the change and notifies watchers. */
  put(resource: string, obj: any): any {
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    const previous = this.bucket(resource).get(key);
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    this.bucket(resource).set(key, stored);
    this.record({ rv: this.rv, resource, type: previous ? 'MODIFIED' : 'ADDED', object: stored, previous });
    return structuredClone(stored);
  }

  /** Removes an object; the DELETED event carries its final state with a new resourceVersion. */
  remove(resource: string, ns: string | undefined, name: string): any {
    const key = keyOf(ns, name);
    const previous = this.bucket(resource).get(key);
    if (previous === undefined) return undefined;
    this.bucket(resource).delete(key);
    const final = structuredClone(previous);
    final.metadata.resourceVersion = String(++this.rv);
    this.record({ rv: this.rv, resource, type: 'DELETED', object: final, previous });
    return structuredClone(final);
  }

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRv = dropped[dropped.length - 1].rv;
    }
    for (const sink of this.sinks) deliver(sink, change);
  }

  /**
   * Registers a watch from `fromRv` (see parseResourceVersion). Replays what the watcher
   * missed, then streams live. Throws the 410 ApiError when `fromRv` is too old; the caller
   * turns it into an ERROR event on an open stream, as the real server does.
   */
  watch(sink: WatchSink, fromRv: number | undefined): () => void {
    if (fromRv === undefined || fromRv === 0) {
      for (const o of this.bucket(sink.resource).values()) if (sink.filter(o)) sink.send({ type: 'ADDED', object: structuredClone(o) });
    } else {
      if (fromRv < this.compactedRv) throw expired(String(fromRv), String(this.compactedRv + 1));
      for (const c of this.history) if (c.rv > fromRv) deliver(sink, c);
    }
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /**
   * Forgets every resourceVersion issued so far (a watch-cache reinitialisation): open watches
   * get an ERROR 410 and end, and watching from any older version is 410 until a relist.
   */
  expireAll(): void {
    this.compactedRv = ++this.rv;
    this.history = [];
    const status = expired('(all)', String(this.rv)).status;
    for (const sink of [...this.sinks]) {
      this.sinks.delete(sink);
      sink.expire({ ...status, message: `too old resource version: watch expired (${this.rv})` });
    }
  }

  /** Number of live watches (tests check that they are released). */
  watchCount(): number {
    return this.sinks.size;
  }
}

function deliver(sink: WatchSink, c: Change): void {
  if (c.resource !== sink.resource) return;
  const now = sink.filter(c.object);
  const before = c.previous !== undefined && sink.filter(c.previous);
  let type: WatchEventType | undefined;
  if (c.type === 'DELETED') type = now || before ? 'DELETED' : undefined;
  else if (c.type === 'ADDED') type = now ? 'ADDED' : undefined;
  else type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
  if (type) sink.send({ type, object: structuredClone(c.object) });
}
