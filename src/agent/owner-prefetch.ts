/**
 * Owner prefetch: learns which pod holds enclave slot IDs between kubelet's Allocate and the
 * container's PreStartContainer, so a first start finds its owner in the DeviceOwnerCache and
 * makes no pod-resources List on its critical path.
 *
 * Kubelet calls Allocate at pod admission and commits the allocation (what pod-resources List
 * shows) right after Allocate returns; PreStartContainer comes at container start, after the pod
 * cgroup, the sandbox and the image pull: 100 ms to seconds later. So after `allocated(ids)` a
 * List shortly after names the owner; while the IDs are not listed yet it is tried again with a
 * growing pause, and given up `giveUpMs` after the Allocate (the PreStart then Lists itself).
 *
 * Bounded cost whatever the Allocate rate (pods can churn at a tenant's will):
 *  - at most one prefetch List in flight, and it serves every pending prefetch (coalescing);
 *  - prefetch Lists draw on a budget of `ratePerSec` (burst `burst`), far below kubelet's
 *    pod-resources limit (100 qps, burst 10); a PreStart served by a prefetched owner gives its
 *    token back (it saved the List it would have made), so Allocates that never reach a container
 *    start cost at most `ratePerSec` Lists a second, and starts cost no more Lists than without
 *    prefetch;
 *  - at most `maxPending` prefetches wait (the oldest is dropped beyond).
 *
 * Sound as the cache is: an owner is remembered only from a List that began after the Allocate
 * (sequence numbers), only if nothing was dropped from the cache since that List began (the
 * cache's generation: an Allocate of the same IDs to another pod while a List showing the old
 * owner was in flight leaves nothing), and with the UID the informer has for that pod now (the
 * enforcer trusts a hit only while the informer still has that very UID, live).
 *
 * `lister` wraps the agent's pod-resources client so that every List (a PreStart's, the
 * reconciler's) also serves the pending prefetches that began before it.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { RateBudget } from '../util/rate-budget.js';
import type { Logger } from '../util/logger.js';
import type { DeviceOwnerCache } from './device-owner-cache.js';
import { findDeviceOwners, ownerPodOf } from './device-owners.js';
import { podStartsNoContainer } from './limit-decision.js';
import type { PodDevices } from './pod-devices.js';
import type { PodResourcesLister } from './pod-resources-client.js';

export interface PrefetchLimits {
  /** Pause between Allocate and the first List (kubelet commits right after Allocate returns). */
  firstDelayMs: number;
  /** Cap of the doubling pause between two tries while the IDs are not listed yet. */
  maxDelayMs: number;
  /** No further try this long after the Allocate. */
  giveUpMs: number;
  /** Prefetch Lists a second, sustained (plus the tokens PreStarts give back). */
  ratePerSec: number;
  /** Prefetch Lists saved up for a burst of admissions. */
  burst: number;
  /** Prefetches waiting at most; also the bound on prefetched owners not yet claimed by a PreStart. */
  maxPending: number;
}

export const DEFAULT_PREFETCH_LIMITS: Readonly<PrefetchLimits> = Object.freeze({
  firstDelayMs: 5,
  maxDelayMs: 320,
  giveUpMs: 1500,
  ratePerSec: 5,
  burst: 5,
  maxPending: 256,
});

/** What happened to one prefetch (metrics). */
export type PrefetchOutcome = 'resolved' | 'claimed' | 'gave-up' | 'dropped' | 'superseded';

/** What the enforcer asks of the prefetch at a PreStart. */
export interface OwnerLookahead {
  /**
   * A PreStart for `ids` begins: their prefetch stops. If a List that began after their Allocate
   * is in flight, resolves (never rejects) once it has answered and its owner, if named, is in
   * the cache; else undefined (nothing to wait for: List yourself).
   */
  settle(ids: readonly string[]): Promise<void> | undefined;
  /** True once per prefetched owner of `ids` (the PreStart found it in the cache): a first start, not a restart. */
  claim(ids: readonly string[]): boolean;
}

export interface OwnerPrefetchOptions {
  /** The pod-resources client (its Lists are the prefetch's). */
  podResources: PodResourcesLister;
  /** The enclave resource whose IDs are prefetched. */
  resourceName: string;
  owners: DeviceOwnerCache;
  /** The informer's pod by name (for its UID). */
  pods: { get(namespace: string, name: string): V1Pod | undefined };
  limits?: Partial<PrefetchLimits>;
  /** Monotonic milliseconds (tests pass a fake clock's). */
  now?: () => number;
  onOutcome?: (outcome: PrefetchOutcome) => void;
  /** The owner of `ids` is in the cache now, before any PreStart asked (the enforcer may bind ahead). */
  onResolved?: (ids: readonly string[]) => void;
  /** Each prefetch List made, with whether it answered. */
  onList?: (ok: boolean) => void;
  logger?: Logger;
}

interface Pending {
  key: string;
  ids: readonly string[];
  /** Sequence number of the Allocate: Lists numbered above it may name the owner. */
  seq: number;
  allocatedAt: number;
  dueAt: number;
  tries: number;
  /** A PreStart waits for the List in flight: do not try again after it. */
  settled: boolean;
}

/** The same IDs in any order give one key (kubelet hands PreStart the container's IDs as an unordered set). */
const keyOf = (ids: readonly string[]): string => (ids.length === 1 ? ids[0] : [...ids].sort().join('\u0000'));

export class OwnerPrefetch implements OwnerLookahead {
  private readonly limits: PrefetchLimits;
  private readonly now: () => number;
  private readonly budget: RateBudget;
  /** Numbers Allocates and List starts in one sequence. */
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  /** Owners remembered by a prefetch and not yet claimed by a PreStart (insertion order = age). */
  private readonly prefetched = new Set<string>();
  /** Lists in flight (the prefetch's own and those through `lister`), by starting sequence number. */
  private readonly inflight = new Map<number, Promise<void>>();
  private ownListInFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed = false;

  constructor(private readonly o: OwnerPrefetchOptions) {
    this.limits = { ...DEFAULT_PREFETCH_LIMITS, ...o.limits };
    this.now = o.now ?? (() => performance.now());
    this.budget = new RateBudget(this.limits.ratePerSec, this.limits.burst, this.now);
  }

  /** Prefetches waiting for their owner. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * The enclave plugin answered Allocate for `ids` (call after the cache forgot their owner):
   * learn the owner in the background. Never throws.
   */
  allocated(ids: readonly string[]): void {
    if (this.closed || ids.length === 0) return;
    // Any prefetch or unclaimed owner sharing an ID is stale now: the IDs changed hands.
    for (const [key, p] of this.pending) {
      if (p.ids.some((id) => ids.includes(id))) {
        this.pending.delete(key);
        this.o.onOutcome?.('superseded');
      }
    }
    for (const key of this.prefetched) if (this.sharesId(key, ids)) this.prefetched.delete(key);
    const now = this.now();
    const key = keyOf(ids);
    this.pending.set(key, { key, ids: [...ids], seq: ++this.seq, allocatedAt: now, dueAt: now + this.limits.firstDelayMs, tries: 0, settled: false });
    while (this.pending.size > this.limits.maxPending) {
      this.pending.delete(this.pending.keys().next().value!);
      this.o.onOutcome?.('dropped');
    }
    this.schedule();
  }

  settle(ids: readonly string[]): Promise<void> | undefined {
    const p = this.pending.get(keyOf(ids));
    if (!p) return undefined;
    let wait: Promise<void> | undefined;
    for (const [seq, done] of this.inflight) if (seq > p.seq) wait = done;
    if (!wait) {
      this.pending.delete(p.key);
      return undefined;
    }
    p.settled = true;
    return wait.then(() => {
      if (this.pending.get(p.key) === p) this.pending.delete(p.key);
    });
  }

  claim(ids: readonly string[]): boolean {
    if (!this.prefetched.delete(keyOf(ids))) return false;
    this.budget.refund();
    this.o.onOutcome?.('claimed');
    return true;
  }

  /** `inner` whose every List also serves the pending prefetches that began before it. */
  lister(inner: PodResourcesLister): PodResourcesLister {
    return {
      list: () => this.tracked(() => inner.list()).run,
      close: () => inner.close(),
    };
  }

  /** Stops every timer; later Allocates are ignored. Idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.prefetched.clear();
  }

  /** Runs one List, numbered, tracked while in flight; `absorbed` resolves (never rejects) once its answer served the prefetches. */
  private tracked(list: () => Promise<PodDevices[]>): { run: Promise<PodDevices[]>; absorbed: Promise<void> } {
    const seq = ++this.seq;
    const since = this.o.owners.generation;
    const run = list();
    const absorbed = run.then((l) => this.absorb(l, seq, since), () => this.failed(seq))
      .catch((err: Error) => this.o.logger?.warn({ error: err.message }, 'owner prefetch: a List answer could not be read'))
      .finally(() => this.inflight.delete(seq));
    this.inflight.set(seq, absorbed);
    return { run, absorbed };
  }

  private schedule(): void {
    if (this.closed || this.ownListInFlight) return;
    let due = Infinity;
    for (const p of this.pending.values()) if (!p.settled && p.dueAt < due) due = p.dueAt;
    if (due === Infinity) return this.clearTimer();
    const now = this.now();
    const at = Math.max(due, now + this.budget.waitMs());
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - now));
    this.timer.unref?.();
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed || this.ownListInFlight) return;
    const now = this.now();
    if (![...this.pending.values()].some((p) => !p.settled && p.dueAt <= now) || !this.budget.take()) return this.schedule();
    this.ownListInFlight = true;
    const { run, absorbed } = this.tracked(() => this.o.podResources.list());
    run.then(() => this.o.onList?.(true), () => this.o.onList?.(false));
    void absorbed.then(() => {
      this.ownListInFlight = false;
      this.schedule();
    });
  }

  /** A List that began at `seq` (cache generation `since`) answered: name the owners it can. */
  private absorb(list: PodDevices[], seq: number, since: number): void {
    if (this.closed) return;
    const covered = [...this.pending.values()].filter((p) => p.seq < seq);
    if (covered.length === 0) return;
    const found = findDeviceOwners(list, this.o.resourceName, covered.flatMap((p) => p.ids));
    const now = this.now();
    for (const p of covered) {
      const owner = ownerPodOf(found, p.ids);
      if (!owner.ok && owner.reason === 'several-pods') {
        this.finish(p, 'gave-up');
        continue;
      }
      if (owner.ok) {
        const pod = this.o.pods.get(owner.namespace, owner.pod);
        const uid = pod?.metadata?.uid;
        if (pod && podStartsNoContainer(pod)) {
          this.finish(p, 'gave-up'); // a pod on its way out starts no container
          continue;
        }
        // Remembered only if nothing left the cache since this List began (the IDs may have
        // changed hands meanwhile); else, as while the pod is not in the informer yet, try again.
        if (uid && since === this.o.owners.generation) {
          this.o.owners.remember(p.ids, { namespace: owner.namespace, pod: owner.pod, container: owner.container }, uid, since);
          this.prefetched.add(p.key);
          while (this.prefetched.size > this.limits.maxPending) this.prefetched.delete(this.prefetched.values().next().value!);
          this.finish(p, 'resolved');
          if (!p.settled) this.o.onResolved?.(p.ids);
          continue;
        }
      }
      this.retry(p, now);
    }
  }

  /** A List that began at `seq` failed: the prefetches it covered try again later. */
  private failed(seq: number): void {
    const now = this.now();
    for (const p of [...this.pending.values()]) if (p.seq < seq) this.retry(p, now);
  }

  private retry(p: Pending, now: number): void {
    if (p.settled) return; // its PreStart Lists next
    p.tries++;
    const pause = Math.min(this.limits.maxDelayMs, this.limits.firstDelayMs * 2 ** p.tries);
    if (now + pause - p.allocatedAt > this.limits.giveUpMs) return this.finish(p, 'gave-up');
    p.dueAt = now + pause;
  }

  private finish(p: Pending, outcome: PrefetchOutcome): void {
    if (this.pending.get(p.key) === p && !p.settled) this.pending.delete(p.key);
    this.o.onOutcome?.(outcome);
  }

  private sharesId(key: string, ids: readonly string[]): boolean {
    return key.split('\u0000').some((id) => ids.includes(id));
  }
}
