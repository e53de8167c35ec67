/**
 * The enforcement path (PreStartContainer hook of the enclave plugin): device IDs ->
 * pod-resources -> the pod from the informer -> limit -> pod cgroup created and limited -> slots
 * bound -> only then return, so the container never runs unlimited. Fails closed after a bounded
 * wait with an error naming the pod and the cause (kubelet retries the start). Idempotent: a
 * container restart re-applies the same cgroup, limit and binding.
 *
 * Without a usable EPC controller (no sgx_epc in the kernel, no modeled controller) the start is
 * refused under `--enforce true`; under `auto` and `false` (observe-only) the pod starts without a
 * cgroup binding and unlimited (result 'unbound', logged once per pod). Under `false` a binding
 * that fails also starts the pod unbound; under `auto` it does when the controller is gone.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { canBindSlots, type EpcBackend, type EpcMax } from '../backend/epc-backend.js';
import type { CgroupDriver } from '../pod/pod-cgroup-path.js';
import type { Logger } from '../util/logger.js';
import type { DeviceOwnerCache } from './device-owner-cache.js';
import { findDeviceOwners, ownerPodOf, type DeviceOwner } from './device-owners.js';
import { podStartsNoContainer } from './limit-decision.js';
import { appliesLimits, startPolicy, USABLE, type EnforceMode, type EpcControllerState, type StartPolicy } from './epc-controller-state.js';
import { desiredCgroup, desiredLimit, type DesiredPodState } from './desired-state.js';
import type { OwnerLookahead } from './owner-prefetch.js';
import type { PodRecords } from './pod-records.js';
import type { PodResourcesLister } from './pod-resources-client.js';
import { PreStartSteps } from './prestart-steps.js';

/** Default bound on one PreStartContainer (kubelet gives the plugin 30 s). */
export const DEFAULT_PRESTART_TIMEOUT_MS = 10_000;
/** Pause between pod-resources lookups while the slot is not listed yet. */
const LIST_RETRY_MS = 25;
const POD_WAIT_MARGIN_MS = 50;
/** Bound on the pod-resources lookup that only names an observe-only pod in the log. */
const UNBOUND_LOOKUP_MS = 1000;
/** Pods remembered for the once-per-pod 'started unbound' log (forgotten all at once beyond this). */
const UNBOUND_LOGGED_MAX = 1024;

/**
 * Whether a pod's cgroup may be made before kubelet starts the pod (`prepareAhead`): only on a
 * backend that owns its cgroup tree and binds slots itself (the modeled controller: kubelet never
 * touches its tree). On cgroupfs the pod cgroup is kubelet's to make (its EnsureExists skips its
 * own settings when the dir is already there). A capability check, not a kind check.
 */
export function canBindAhead(backend: EpcBackend): boolean {
  return canBindSlots(backend);
}

/** The pod lookup the enforcer needs (PodInformer has it). */
export interface PodLookup {
  waitForPod(namespace: string, name: string, timeoutMs: number): Promise<V1Pod | undefined>;
  /** The cached pod with this UID; without it the device-owner cache is never trusted. */
  getByUid?(uid: string): V1Pod | undefined;
}

export interface EnforcerOptions {
  podResources: PodResourcesLister;
  pods: PodLookup;
  backend: EpcBackend;
  driver: () => Promise<CgroupDriver>;
  records: PodRecords;
  /** `--enforce`: auto/true bind the pod's request as misc.max, false binds 'max'; see startPolicy for a node without a controller. */
  mode: EnforceMode;
  /** The EPC resource name pods request (`--epc-resource`); default sgx.intel.com/epc. */
  epcResource?: string;
  /** Owners of device IDs from earlier starts: a container restart skips the pod-resources List (omitted = always List). */
  owners?: DeviceOwnerCache;
  /** Owner lookups begun at Allocate (OwnerPrefetch, filling `owners`): a first start can skip the List too (omitted = none). */
  prefetch?: OwnerLookahead;
  /**
   * Whether `prepare` may apply a pod's cgroup, limit and binding before its first PreStart: only
   * where the backend's cgroup tree is its own (the modeled controller). Never on cgroupfs: kubelet
   * makes the pod cgroup between Allocate and the start, and its pod container manager skips its
   * own setup (cpu, memory) of a pod cgroup that already exists.
   */
  prepareAhead?: boolean;
  /** Whether the backend can hold pods to their EPC (EpcControllerCheck); omitted = assumed usable. */
  controller?: { state(): Promise<EpcControllerState>; probe?(): Promise<EpcControllerState> };
  timeoutMs?: number;
  /** Called once per PreStart with its outcome and duration (metrics). */
  onResult?: (result: EnforcementResult, seconds: number) => void;
  logger?: Logger;
}

/** A refused container start; the message names the pod (or the device IDs) and the cause. */
export class EnforcementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnforcementError';
  }
}

/** ok: cgroup bound (limited, or 'max' under --enforce false); error: start refused; unbound: observe-only, started without a cgroup binding (unlimited). */
export type EnforcementResult = 'ok' | 'error' | 'unbound';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the reconciler asks the enforcer so it never races a PreStart (no false drift or adoption). */
export interface PreStartActivity {
  /** A marker of "now". */
  mark(): number;
  /** True if a PreStart is writing `cgroup` now or started writing it after `mark`. */
  touchedSince(mark: number, cgroup: string): boolean;
  /** The pod is gone: drop what is remembered about its cgroup. */
  forget(cgroup: string): void;
}

export class Enforcer implements PreStartActivity {
  private readonly applying = new Map<string, number>();
  private readonly touched = new Map<string, number>();
  private seq = 0;
  private readonly unboundLogged = new Set<string>();
  /** Per pod object (dropped with it): its limit and its cgroup path, computed once. */
  private readonly limits = new WeakMap<V1Pod, ReturnType<typeof desiredLimit>>();
  private readonly cgroups = new WeakMap<V1Pod, { driver: CgroupDriver; path: ReturnType<typeof desiredCgroup> }>();
  /** Applies begun by `prepare`, by cgroup: a PreStart of that cgroup waits for it instead of sending its own alongside. */
  private readonly preparing = new Map<string, Promise<unknown>>();

  constructor(private readonly o: EnforcerOptions) {}

  mark(): number {
    return this.seq;
  }

  touchedSince(mark: number, cgroup: string): boolean {
    return this.applying.has(cgroup) || (this.touched.get(cgroup) ?? 0) > mark;
  }

  forget(cgroup: string): void {
    if (!this.applying.has(cgroup)) this.touched.delete(cgroup);
  }

  /** The PreStartHook: resolves once the pod's limit and binding are in place, else throws EnforcementError. */
  async preStart(req: { resourceName: string; deviceIds: string[] }): Promise<void> {
    const t0 = performance.now();
    const timeoutMs = this.o.timeoutMs ?? DEFAULT_PRESTART_TIMEOUT_MS;
    const steps = new PreStartSteps(req, 'checking the EPC controller');
    let timer: NodeJS.Timeout | undefined;
    const deadline = Date.now() + timeoutMs;
    try {
      const result = await new Promise<'ok' | 'unbound'>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms while ${steps.step}`)), timeoutMs);
        this.apply(req, deadline, steps).then(resolve, reject);
      });
      this.o.onResult?.(result, (performance.now() - t0) / 1000);
    } catch (err) {
      this.o.onResult?.('error', (performance.now() - t0) / 1000);
      const msg = `epc agent refused to start ${steps.who}: ${(err as Error).message}`;
      this.o.logger?.warn({ deviceIds: req.deviceIds, error: msg }, 'PreStartContainer refused');
      throw new EnforcementError(msg);
    } finally {
      clearTimeout(timer);
    }
  }

  private async apply(req: { resourceName: string; deviceIds: string[] }, deadline: number, steps: PreStartSteps): Promise<'ok' | 'unbound'> {
    const t0 = performance.now();
    const { mode } = this.o;
    // Stops the IDs' prefetch; a List it has in flight is awaited below instead of a new one.
    const settling = this.o.prefetch?.settle(req.deviceIds);
    const policy = await steps.run('checking the EPC controller', () => this.startPolicy());
    // Observe-only node: the pod is never refused for what the platform lacks; its name is looked
    // up only for the log line, and a failed lookup does not stop it either.
    if (policy.action === 'start-unbound') {
      const owner = await steps.run('looking up its device IDs in pod-resources', () =>
        this.resolveOwner(req, Math.min(deadline, Date.now() + UNBOUND_LOOKUP_MS)).then((r) => r.owner, () => ({ namespace: '', pod: '', container: req.deviceIds.join(',') })));
      return this.startUnbound(owner, policy.reason, 'info');
    }
    if (settling) await steps.run('waiting for the pod-resources List begun after Allocate', () => settling);
    // A container restart of a pod seen before, or a first start whose owner the prefetch learned
    // after Allocate: its owner is known, no List (see restartOwner).
    const known = this.restartOwner(req.deviceIds);
    const restart = known !== undefined && !(this.o.prefetch?.claim(req.deviceIds) ?? false);
    const { owner, since } = known ?? await steps.run('looking up its device IDs in pod-resources', () => this.resolveOwner(req, deadline));
    const tList = performance.now();
    steps.concerns(owner);
    if (policy.action === 'refuse') throw new Error(policy.reason);
    // A little before the deadline, so the answer names the cause rather than the timeout.
    const pod = known?.pod ?? await steps.run(() => `waiting for pod ${owner.namespace}/${owner.pod} in the API server`, () =>
      this.o.pods.waitForPod(owner.namespace, owner.pod, Math.max(0, deadline - Date.now() - POD_WAIT_MARGIN_MS)));
    if (!pod) throw new Error(`pod ${owner.namespace}/${owner.pod} is not in the API server (node-scoped pod informer) within the ${this.o.timeoutMs ?? DEFAULT_PRESTART_TIMEOUT_MS} ms bound`);
    const tPod = performance.now();
    const limit = this.limitOf(pod);
    if (!limit.ok) throw new Error(limit.reason);
    const bound = this.bindPod(pod, owner, req.deviceIds, limit.max, steps, { t0, tList, tPod, restart }).then((r) => {
      // The List named this pod's UID for these IDs now (or the cache did and still holds): remember
      // it, unless an Allocate, a pod delete or a List dropped entries since this start began.
      this.o.owners?.remember(req.deviceIds, owner, pod.metadata!.uid!, since);
      return r;
    });
    // Observe-only: a binding that fails (controller gone, cgroup driver unknown) does not stop the pod.
    if (mode === 'false') return bound.catch((err: Error) => this.startUnbound(owner, err.message, 'warn'));
    if (mode === 'auto') return bound.catch((err: Error) => this.unboundIfControllerGone(owner, err));
    return bound;
  }

  /**
   * A first start applied ahead (`prepareAhead`): the owner of `ids` is known from the prefetch,
   * so the pod's cgroup, limit and binding are applied now, as its PreStart would, and the
   * PreStart's own apply finds them in place (on the model an unchanged re-apply sends nothing).
   * Only when the PreStart would bind the same way (controller usable, pod live with the cached
   * UID, limit and path valid). Never throws: the PreStart applies, and reports, anyway.
   */
  async prepare(req: { resourceName: string; deviceIds: readonly string[] }): Promise<boolean> {
    if (!this.o.prepareAhead) return false;
    const ids = [...req.deviceIds];
    try {
      if ((await this.startPolicy()).action !== 'bind') return false;
      const known = this.restartOwner(ids);
      if (!known) return false;
      const limit = this.limitOf(known.pod);
      if (!limit.ok) return false;
      const path = this.cgroupOf(known.pod, await this.o.driver());
      if (!path.ok || this.preparing.has(path.cgroup)) return false;
      const { cgroup } = path;
      const steps = new PreStartSteps({ resourceName: req.resourceName, deviceIds: ids }, 'preparing');
      const run = this.writing(cgroup, () => this.bind(known.pod, known.owner, { cgroup, max: limit.max, requestBytes: 0n, slots: ids }, steps));
      this.preparing.set(cgroup, run);
      try {
        await run;
      } finally {
        this.preparing.delete(cgroup);
      }
      this.o.logger?.debug({ pod: `${known.owner.namespace}/${known.owner.pod}`, cgroup, max: limit.max, slots: ids }, 'EPC limit bound ahead of the first start');
      return true;
    } catch (err) {
      this.o.logger?.debug({ deviceIds: ids, error: (err as Error).message }, 'binding ahead of the first start failed; the PreStart binds');
      return false;
    }
  }

  /** What a start does now under `--enforce`: bind, refuse or start unbound (the controller's state asked once). */
  private async startPolicy(): Promise<StartPolicy> {
    return startPolicy(this.o.mode, this.o.controller ? await this.o.controller.state() : USABLE);
  }

  /** The pod's limit, computed once per pod object (the informer replaces the object on every change). */
  private limitOf(pod: V1Pod): ReturnType<typeof desiredLimit> {
    let l = this.limits.get(pod);
    if (!l) this.limits.set(pod, (l = desiredLimit(pod, appliesLimits(this.o.mode), this.o.epcResource)));
    return l;
  }

  /** The pod's cgroup path for `driver`, derived once per pod object and driver. */
  private cgroupOf(pod: V1Pod, driver: CgroupDriver): ReturnType<typeof desiredCgroup> {
    const memo = this.cgroups.get(pod);
    if (memo?.driver === driver) return memo.path;
    const path = desiredCgroup(pod, driver);
    this.cgroups.set(pod, { driver, path });
    return path;
  }

  /** --enforce auto: a binding failed; if the EPC controller is gone the node is observe-only now, else the start is refused. */
  private async unboundIfControllerGone(owner: { namespace: string; pod: string; container: string }, err: Error): Promise<'unbound'> {
    const state = await this.o.controller?.probe?.();
    if (!state || state.usable) throw err;
    return this.startUnbound(owner, `${state.reason} (binding failed: ${err.message})`, 'warn');
  }

  private async bindPod(pod: V1Pod, owner: DeviceOwner, deviceIds: string[], max: EpcMax, steps: PreStartSteps, t: { t0: number; tList: number; tPod: number; restart: boolean }): Promise<'ok'> {
    const path = await steps.run('deriving the pod cgroup path', async () => this.cgroupOf(pod, await this.o.driver()));
    if (!path.ok) throw new Error(path.reason);
    const { cgroup } = path;
    await this.writing(cgroup, async () => {
      // A bind ahead of this start in flight: its apply first, then ours finds the state in place.
      await this.preparing.get(cgroup)?.catch(() => undefined);
      await this.bind(pod, owner, { cgroup, max, requestBytes: 0n, slots: deviceIds }, steps);
      // Said at info for a pod's first start, at debug for a container restart (the same binding
      // again); built only when that level is on.
      const level = t.restart ? 'debug' : 'info';
      const log = this.o.logger;
      if (log?.isLevelEnabled(level)) {
        const ms = (a: number, b: number) => Math.round((b - a) * 1000) / 1000;
        const tEnd = performance.now();
        log[level]({ pod: `${owner.namespace}/${owner.pod}`, container: owner.container, cgroup, max, slots: deviceIds, restart: t.restart, ms: { podResources: ms(t.t0, t.tList), pod: ms(t.tList, t.tPod), cgroup: ms(t.tPod, tEnd), total: ms(t.t0, tEnd) } }, 'EPC limit bound before container start');
      }
    });
    return 'ok';
  }

  /** Runs a write of `cgroup`, marked for the reconciler (touchedSince) while it runs. */
  private async writing<T>(cgroup: string, fn: () => Promise<T>): Promise<T> {
    this.applying.set(cgroup, (this.applying.get(cgroup) ?? 0) + 1);
    this.touched.set(cgroup, ++this.seq);
    try {
      return await fn();
    } finally {
      const n = (this.applying.get(cgroup) ?? 1) - 1;
      if (n > 0) this.applying.set(cgroup, n);
      else this.applying.delete(cgroup);
    }
  }

  /** Observe-only: the container starts without a cgroup binding, unlimited; said once per pod (and counted as result 'unbound'). */
  private startUnbound(owner: { namespace: string; pod: string; container: string }, reason: string, level: 'info' | 'warn'): 'unbound' {
    const key = `${owner.namespace}/${owner.pod}`;
    if (!this.unboundLogged.has(key)) {
      if (this.unboundLogged.size >= UNBOUND_LOGGED_MAX) this.unboundLogged.clear();
      this.unboundLogged.add(key);
      this.o.logger?.[level]({ pod: owner.pod ? key : undefined, container: owner.container, reason }, `observe-only (--enforce=${this.o.mode}): container starts without an EPC cgroup binding, EPC unlimited`);
    }
    return 'unbound';
  }

  /**
   * Applies a pod's desired state in one backend call (`applyCgroup`: on the model one
   * controller request, all or nothing; on cgroupfs one misc.max write when the cgroup is there):
   * the cgroup created (first start) or found (restart), its limit written, its slots bound.
   */
  private async bind(pod: V1Pod, owner: { namespace: string; pod: string; container: string }, want: DesiredPodState, steps: PreStartSteps): Promise<void> {
    const { cgroup, max, slots } = want;
    await steps.run(() => `making cgroup ${cgroup}, writing its misc.max and binding ${slots.join(', ')}`, () => this.o.backend.applyCgroup(want));
    this.o.records.upsert({ uid: pod.metadata!.uid!, namespace: owner.namespace, name: owner.pod, cgroup, max, slots });
  }

  /**
   * The owner of `ids` from the device-owner cache, trusted only if the informer still has that
   * very UID, not terminal and not being deleted (a pod in those states starts no container, so
   * the IDs must have changed hands); else the entry is dropped and the caller Lists.
   */
  private restartOwner(ids: readonly string[]): { owner: DeviceOwner; pod: V1Pod; since: number } | undefined {
    const cache = this.o.owners;
    const hit = cache?.lookup(ids);
    if (!cache || !hit) return undefined;
    const since = cache.generation;
    const pod = this.o.pods.getByUid?.(hit.uid);
    if (!pod || podStartsNoContainer(pod) || pod.metadata?.namespace !== hit.namespace || pod.metadata?.name !== hit.pod) {
      cache.forgetPod(hit.uid);
      return undefined;
    }
    return { owner: hit, pod, since };
  }

  /** Asks pod-resources until every ID is assigned (kubelet commits before PreStart, but a restarting kubelet may not answer yet). */
  private async resolveOwner(req: { resourceName: string; deviceIds: string[] }, deadline: number): Promise<{ owner: DeviceOwner; since: number }> {
    let last = 'no answer';
    for (;;) {
      let found: ReturnType<typeof ownerPodOf> | undefined;
      try {
        const list = await this.o.podResources.list();
        this.o.owners?.observeList(list, req.resourceName);
        found = ownerPodOf(findDeviceOwners(list, req.resourceName, req.deviceIds), req.deviceIds);
      } catch (err) {
        last = (err as Error).message; // pod-resources not answering (yet): retried
      }
      // `since`: the cache generation right after this List (a later drop makes remember skip).
      if (found?.ok) return { owner: { namespace: found.namespace, pod: found.pod, container: found.container }, since: this.o.owners?.generation ?? 0 };
      if (found?.reason === 'several-pods') throw new Error(found.detail); // final: retrying cannot help
      if (found) last = found.detail;
      if (Date.now() + LIST_RETRY_MS >= deadline) throw new Error(last);
      await sleep(LIST_RETRY_MS);
    }
  }
}
