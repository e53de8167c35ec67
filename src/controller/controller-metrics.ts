import { Counter, Gauge, Registry } from 'prom-client';
import type { ModelSnapshot } from '../epc/index.js';
import { PAGE_SIZE as PAGE } from '../epc/sgx.js';


/**
 * Prometheus metrics of the modeled controller, on its own Registry (no global state), computed
 * from a model snapshot at scrape time. Per-cgroup counters are exposed as counters that follow
 * the model (a cgroup removed and recreated starts again from 0: its series is reset).
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly last = new Map<string, number>();

  constructor(snapshot: () => ModelSnapshot) {
    const r = [this.registry];
    const cg = ['cgroup'] as const;
    const current = new Gauge({ name: 'epc_cgroup_current_bytes', help: 'misc.current of the cgroup (resident EPC, subtree)', labelNames: cg, registers: r });
    const peak = new Gauge({ name: 'epc_cgroup_peak_bytes', help: 'misc.peak of the cgroup', labelNames: cg, registers: r });
    const max = new Gauge({ name: 'epc_cgroup_max_bytes', help: 'misc.max of the cgroup (+Inf for max)', labelNames: cg, registers: r });
    const events = new Counter({ name: 'epc_cgroup_max_events_total', help: 'misc.events sgx_epc.max of the cgroup', labelNames: cg, registers: r });
    const evicted = new Counter({ name: 'epc_cgroup_evicted_pages_total', help: 'pages evicted from the cgroup\'s own charges', labelNames: cg, registers: r });
    const reloaded = new Counter({ name: 'epc_cgroup_reloaded_pages_total', help: 'pages reloaded into the cgroup\'s own charges', labelNames: cg, registers: r });
    const capacity = new Gauge({ name: 'epc_node_capacity_bytes', help: 'EPC capacity of the node', registers: r });
    const free = new Gauge({ name: 'epc_node_free_bytes', help: 'free EPC of the node', registers: r });
    const evictedAll = new Counter({ name: 'epc_evicted_pages_total', help: 'pages evicted on the node', registers: r });
    const reloadedAll = new Counter({ name: 'epc_reloaded_pages_total', help: 'pages reloaded on the node', registers: r });

    const follow = (c: Counter<string>, key: string, value: number, labels?: Record<string, string>) => {
      const prev = this.last.get(key) ?? 0;
      if (value < prev) {
        if (labels) c.remove(labels);
        else c.reset();
        if (value > 0) (labels ? c.inc(labels, value) : c.inc(value));
      } else if (value > prev) {
        if (labels) c.inc(labels, value - prev);
        else c.inc(value - prev);
      } else if (labels && value === 0 && prev === 0) c.inc(labels, 0);
      this.last.set(key, value);
    };

    // One refresh per scrape sets every series from a single snapshot.
    let seen = new Set<string>();
    this.refresh = () => {
      const s = snapshot();
      capacity.set(s.epc.capacity * PAGE);
      free.set(s.epc.free * PAGE);
      follow(evictedAll, 'node/evicted', s.epc.evicted);
      follow(reloadedAll, 'node/reloaded', s.epc.reloaded);
      const now = new Set<string>();
      for (const [path, c] of Object.entries(s.cgroups)) {
        const l = { cgroup: path };
        now.add(path);
        current.set(l, c.current * PAGE);
        peak.set(l, c.peak * PAGE);
        max.set(l, c.max === 'max' ? Number.POSITIVE_INFINITY : Number(c.max));
        follow(events, `${path}/events`, c.events, l);
        follow(evicted, `${path}/evicted`, c.evicted, l);
        follow(reloaded, `${path}/reloaded`, c.reloaded, l);
      }
      for (const gone of seen) {
        if (now.has(gone)) continue;
        const l = { cgroup: gone };
        for (const m of [current, peak, max]) m.remove(l);
        for (const m of [events, evicted, reloaded]) m.remove(l);
        for (const k of ['events', 'evicted', 'reloaded']) this.last.delete(`${gone}/${k}`);
      }
      seen = now;
    };
  }

  private readonly refresh: () => void;

  /** Refreshes from the model and returns the Prometheus exposition text. */
  metrics(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }
}
