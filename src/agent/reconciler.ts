/**
 * Runs reconcile rounds: at start (after the informer synced), on pod events (debounced) and
 * every interval. Each round gathers what it needs (informer pods, pod-resources slots, misc.max
 * values, model bindings), plans with `planReconcile` and applies the actions one by one; a failed
 * action is logged and counted, the next round tries again. Rounds never overlap.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { canBindSlots, type EpcBackend, type EpcMax } from '../backend/epc-backend.js';
import { EpcBackendError } from '../backend/epc-backend-error.js';
import type { CgroupDriver } from '../pod/pod-cgroup-path.js';
import type { Logger } from '../util/logger.js';
import { kubepodsRoot, podUidFromCgroup } from './cgroup-driver.js';
import { slotsByPod } from './device-owners.js';
import { desiredPodState } from './desired-state.js';
import { podIsTerminal } from './limit-decision.js';
import type { PodRecords } from './pod-records.js';
import type { PreStartActivity } from './enforcer.js';
import type { PodResourcesLister } from './pod-resources-client.js';
import { planReconcile, type DesiredPod, type ReconcileAction } from './reconcile-plan.js';

/** Default period of the full reconcile. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 30_000;
/** Pod events within this window share one round. */
const EVENT_DEBOUNCE_MS = 100;
/** Parallel backend reads while gathering. */
const READ_CONCURRENCY = 16;

export interface ReconcilerOptions {
  pods: { list(): V1Pod[] };
  podResources: PodResourcesLister;
  backend: EpcBackend;
  driver: () => Promise<CgroupDriver>;
  records: PodRecords;
  /** PreStartContainer activity: cgroups it touches during a round are left to it. */
  preStarts?: PreStartActivity;
  enclaveResource: string;
  /** The EPC resource name pods request (`--epc-resource`); default sgx.intel.com/epc. */
  epcResource?: string;
  enforce: boolean;
  /** False while no EPC controller can be used (rounds are skipped, nothing to repair); omitted = always. */
  active?: () => Promise<boolean>;
  /** The agent owns the pod cgroup directories (model): it removes them for gone pods. */
  removeCgroups: boolean;
  intervalMs?: number;
  logger?: Logger;
  /** Outcome of each applied action and of each round (metrics). */
  onAction?: (type: ReconcileAction['type'], ok: boolean) => void;
  onRound?: (ok: boolean, seconds: number) => void;
  /** A pod's record went away (metrics drop its series). */
  onForget?: (rec: { uid: string; namespace?: string; name?: string }) => void;
}

export interface ReconcileReport {
  actions: ReconcileAction[];
  failed: number;
}

async function mapLimit<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private running = false;
  private chain: Promise<unknown> = Promise.resolve();
  private pending: Promise<ReconcileReport> | undefined;

  constructor(private readonly o: ReconcilerOptions) {}

  /** Starts the periodic loop (the first round runs now). Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = () => {
      if (!this.running) return;
      void this.reconcileNow().finally(() => {
        if (this.running) this.timer = setTimeout(tick, this.o.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS);
      });
    };
    tick();
  }

  /** Asks for a round soon (pod events); several triggers share one round. */
  trigger(): void {
    if (!this.running || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      if (this.running) void this.reconcileNow();
    }, EVENT_DEBOUNCE_MS);
  }

  /** Stops the loop and waits for a round in flight. Idempotent; safe before start. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.debounce);
    this.timer = this.debounce = undefined;
    await this.chain.catch(() => undefined);
  }

  /** One round after the one in flight (callers asking while one waits share it). Never rejects. */
  reconcileNow(): Promise<ReconcileReport> {
    if (this.pending) return this.pending;
    const run = this.chain.then(() => {
      this.pending = undefined;
      return this.round();
    });
    this.pending = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async round(): Promise<ReconcileReport> {
    const t0 = performance.now();
    if (this.o.active && !(await this.o.active().catch(() => false))) return { actions: [], failed: 0 };
    try {
      const mark = this.o.preStarts?.mark() ?? 0;
      const actions = planReconcile(await this.gather());
      let failed = 0;
      for (const a of actions) {
        // A PreStart wrote this cgroup while we were reading: what we read may be half-done, and
        // a cgroup it just made may belong to a pod our pod list predates (not gone: new).
        if (this.o.preStarts?.touchedSince(mark, a.type === 'cleanup' ? a.cgroup : a.pod.cgroup)) continue;
        const ok = await this.apply(a);
        if (!ok) failed++;
        this.o.onAction?.(a.type, ok);
      }
      this.o.onRound?.(failed === 0, (performance.now() - t0) / 1000);
      return { actions, failed };
    } catch (err) {
      this.o.logger?.warn({ error: (err as Error).message }, 'reconcile round failed; next round retries');
      this.o.onRound?.(false, (performance.now() - t0) / 1000);
      return { actions: [], failed: 1 };
    }
  }

  private async gather() {
    const { backend, records } = this.o;
    const driver = await this.o.driver();
    // Records first: a PreStart finishing while we read must not look like a vanished cgroup.
    const recorded = records.all().map((r) => ({ uid: r.uid, namespace: r.namespace, name: r.name, cgroup: r.cgroup }));
    const pods = this.o.pods.list();
    const live = pods.filter((p) => !podIsTerminal(p) && p.metadata?.uid);
    const liveUids = new Set(live.map((p) => p.metadata!.uid!));
    let slots = new Map<string, string[]>();
    try {
      slots = slotsByPod(await this.o.podResources.list(), this.o.enclaveResource);
    } catch (err) {
      this.o.logger?.debug({ error: (err as Error).message }, 'reconcile: pod-resources not reachable; slots from records only');
    }
    const desired: DesiredPod[] = [];
    for (const p of live) {
      const uid = p.metadata!.uid!;
      const key = `${p.metadata?.namespace}/${p.metadata?.name}`;
      const rec = records.get(uid);
      const podSlots = new Set([...(slots.get(key) ?? []), ...(rec?.slots ?? [])]);
      // An invalid request or no cgroup path: only PreStart reports it (the pod never got a cgroup from us).
      const want = desiredPodState(p, { enforce: this.o.enforce, epcResource: this.o.epcResource, driver, slots: [...podSlots] });
      if (!want.ok) continue;
      if (want.state.requestBytes === 0n && !rec && podSlots.size === 0) continue;
      const { cgroup, max, slots: wantSlots } = want.state;
      desired.push({ uid, namespace: p.metadata!.namespace ?? '', name: p.metadata!.name ?? '', cgroup, max, slots: [...wantSlots] });
    }
    const maxes = await mapLimit(desired, READ_CONCURRENCY, async (d): Promise<EpcMax | null> => {
      try {
        return await backend.getMax(d.cgroup);
      } catch (err) {
        if (err instanceof EpcBackendError && err.code === 'ENOENT') return null;
        throw err;
      }
    });
    const currentMax = new Map(desired.map((d, i) => [d.cgroup, maxes[i]]));
    let bindings: Map<string, string> | undefined;
    let podCgroups: { uid: string; cgroup: string }[] = [];
    if (canBindSlots(backend)) bindings = await backend.bindings();
    if (this.o.removeCgroups) {
      for (const c of await backend.listCgroups(kubepodsRoot(driver))) {
        const uid = podUidFromCgroup(c);
        if (uid) podCgroups.push({ uid, cgroup: c });
      }
    }
    return { desired, liveUids, records: recorded, currentMax, bindings, podCgroups, removeCgroups: this.o.removeCgroups };
  }

  private async apply(a: ReconcileAction): Promise<boolean> {
    const { backend, records, logger } = this.o;
    try {
      switch (a.type) {
        case 'adopt':
          records.upsert({ ...a.pod, slots: a.pod.slots }, 'adopted');
          logger?.info({ pod: `${a.pod.namespace}/${a.pod.name}`, cgroup: a.pod.cgroup }, 'reconcile: adopted existing pod cgroup');
          break;
        case 'set-max':
          await backend.setMax(a.pod.cgroup, a.pod.max);
          logger?.warn({ pod: `${a.pod.namespace}/${a.pod.name}`, cgroup: a.pod.cgroup, from: a.from, to: a.pod.max }, 'reconcile: misc.max drifted; repaired');
          break;
        case 'restore':
          await backend.ensureCgroup(a.pod.cgroup);
          await backend.setMax(a.pod.cgroup, a.pod.max);
          logger?.warn({ pod: `${a.pod.namespace}/${a.pod.name}`, cgroup: a.pod.cgroup }, 'reconcile: pod cgroup was missing; recreated');
          break;
        case 'bind':
          if (canBindSlots(backend)) await backend.bindSlot(a.slot, a.pod.cgroup);
          records.get(a.pod.uid)?.slots.add(a.slot);
          logger?.warn({ pod: `${a.pod.namespace}/${a.pod.name}`, slot: a.slot, from: a.from, to: a.pod.cgroup }, 'reconcile: slot binding repaired');
          break;
        case 'cleanup':
          if (a.removeCgroup) await backend.removeCgroup(a.cgroup);
          records.delete(a.uid);
          this.o.preStarts?.forget(a.cgroup);
          this.o.onForget?.({ uid: a.uid, namespace: a.namespace, name: a.name });
          logger?.info({ pod: a.namespace ? `${a.namespace}/${a.name}` : undefined, uid: a.uid, cgroup: a.cgroup, removed: a.removeCgroup }, 'reconcile: pod gone; cleaned up');
          break;
      }
      return true;
    } catch (err) {
      logger?.warn({ action: a.type, error: (err as Error).message }, 'reconcile action failed; next round retries');
      return false;
    }
  }
}
