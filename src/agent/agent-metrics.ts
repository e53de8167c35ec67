/**
 * The agent's Prometheus metrics on its own Registry. Per-pod series (labels namespace, pod) come
 * from the backend's counters read at scrape time and are removed when the pod goes; counters
 * follow the cgroup's own counters (a recreated cgroup starts a new series).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PodStats } from './pod-stats.js';

type Labels = { namespace: string; pod: string };

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly limit: Gauge<'namespace' | 'pod'>;
  private readonly current: Gauge<'namespace' | 'pod'>;
  private readonly peak: Gauge<'namespace' | 'pod'>;
  private readonly events: Counter<'namespace' | 'pod'>;
  private readonly evicted: Counter<'namespace' | 'pod'>;
  private readonly reloaded: Counter<'namespace' | 'pod'>;
  private readonly capacity: Gauge;
  private readonly free: Gauge;
  private readonly pods: Gauge;
  private readonly enforced: Gauge<'reason'>;
  readonly enforcement: Histogram<'result'>;
  private readonly enforcementByResult = new Map<string, { observe(v: number): void }>();
  readonly reconcileRounds: Counter<'result'>;
  readonly reconcileActions: Counter<'action' | 'result'>;
  readonly reconcileDuration: Histogram;
  readonly ownerPrefetch: Counter<'outcome'>;
  readonly ownerPrefetchLists: Counter<'result'>;
  private readonly last = new Map<string, number>();
  private seen = new Map<string, Labels>();

  constructor() {
    const registers = [this.registry];
    const labelNames = ['namespace', 'pod'] as const;
    this.limit = new Gauge({ name: 'epc_pod_limit_bytes', help: 'misc.max of the pod cgroup (+Inf when unlimited)', labelNames, registers });
    this.current = new Gauge({ name: 'epc_pod_current_bytes', help: 'misc.current of the pod cgroup (resident EPC)', labelNames, registers });
    this.peak = new Gauge({ name: 'epc_pod_peak_bytes', help: 'misc.peak of the pod cgroup (absent where the kernel has none)', labelNames, registers });
    this.events = new Counter({ name: 'epc_pod_limit_events_total', help: 'misc.events sgx_epc.max of the pod cgroup: charges that hit the limit', labelNames, registers });
    this.evicted = new Counter({ name: 'epc_pod_evicted_pages_total', help: 'EPC pages evicted from the pod (model only)', labelNames, registers });
    this.reloaded = new Counter({ name: 'epc_pod_reloaded_pages_total', help: 'EPC pages reloaded into the pod (model only)', labelNames, registers });
    this.capacity = new Gauge({ name: 'epc_node_capacity_bytes', help: 'EPC capacity of the node', registers });
    this.free = new Gauge({ name: 'epc_node_free_bytes', help: 'free EPC of the node (model backend)', registers });
    this.enforced = new Gauge({ name: 'epc_node_enforced', help: 'whether this node holds EPC pods to their request (1) or runs them unlimited, observe-only (0); reason as in the Node condition SgxEpcEnforced', labelNames: ['reason'], registers });
    this.pods = new Gauge({ name: 'epc_agent_enforced_pods', help: 'pods whose cgroup the agent limits', registers });
    this.enforcement = new Histogram({
      name: 'epc_enforcement_duration_seconds', help: 'PreStartContainer to limit bound (result ok; error = start refused; unbound = observe-only, no usable EPC controller: started without a cgroup, EPC unlimited)', labelNames: ['result'], registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.reconcileRounds = new Counter({ name: 'epc_reconcile_rounds_total', help: 'reconcile rounds by result', labelNames: ['result'], registers });
    this.reconcileActions = new Counter({ name: 'epc_reconcile_actions_total', help: 'reconcile actions (adopt, set-max = drift repaired, restore, bind, cleanup) by result', labelNames: ['action', 'result'], registers });
    this.ownerPrefetch = new Counter({ name: 'epc_owner_prefetch_total', help: 'owner prefetches after Allocate by outcome (resolved: owner learned before PreStart; claimed: a first start used it, no List; gave-up, dropped, superseded: the PreStart Lists itself)', labelNames: ['outcome'], registers });
    this.ownerPrefetchLists = new Counter({ name: 'epc_owner_prefetch_lists_total', help: 'pod-resources Lists made by the owner prefetch, by result', labelNames: ['result'], registers });
    this.reconcileDuration = new Histogram({ name: 'epc_reconcile_duration_seconds', help: 'duration of one reconcile round', registers, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
  }

  /** One PreStart's outcome and duration; each result's series is looked up once, on its first use. */
  observeEnforcement(result: 'ok' | 'error' | 'unbound', seconds: number): void {
    let child = this.enforcementByResult.get(result);
    if (!child) this.enforcementByResult.set(result, (child = this.enforcement.labels({ result })));
    child.observe(seconds);
  }

  /** The node's enforcement state: one series, labelled with the current reason. */
  setEnforcement(e: { enforced: boolean; reason: string }): void {
    this.enforced.reset();
    this.enforced.set({ reason: e.reason }, e.enforced ? 1 : 0);
  }

  /** Sets every per-pod and node series from one read (call right before rendering). */
  update(stats: PodStats[], node: { capacityBytes?: number; freeBytes?: number }): void {
    if (node.capacityBytes !== undefined) this.capacity.set(node.capacityBytes);
    if (node.freeBytes !== undefined) this.free.set(node.freeBytes);
    this.pods.set(stats.length);
    const now = new Map<string, Labels>();
    for (const { rec, stats: s } of stats) {
      if (!s) continue;
      const l = { namespace: rec.namespace, pod: rec.name };
      const key = `${rec.uid}`;
      now.set(key, l);
      this.limit.set(l, s.max === 'max' ? Number.POSITIVE_INFINITY : s.max);
      this.current.set(l, s.current);
      if (s.peak !== null) this.peak.set(l, s.peak);
      this.follow(this.events, `${key}/events`, s.events, l);
      if (s.evicted !== null) this.follow(this.evicted, `${key}/evicted`, s.evicted, l);
      if (s.reloaded !== null) this.follow(this.reloaded, `${key}/reloaded`, s.reloaded, l);
    }
    for (const [key, l] of this.seen) if (!now.has(key)) this.forget(key, l);
    this.seen = now;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private forget(key: string, l: Labels): void {
    for (const m of [this.limit, this.current, this.peak]) m.remove(l);
    for (const m of [this.events, this.evicted, this.reloaded]) m.remove(l);
    for (const k of ['events', 'evicted', 'reloaded']) this.last.delete(`${key}/${k}`);
  }

  private follow(c: Counter<'namespace' | 'pod'>, key: string, value: number, l: Labels): void {
    const prev = this.last.get(key);
    if (prev === undefined || value < prev) {
      c.remove(l);
      c.inc(l, value);
    } else if (value > prev) c.inc(l, value - prev);
    this.last.set(key, value);
  }
}
