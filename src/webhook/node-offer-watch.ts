/**
 * The webhook's cached Node watch (`ListWatch` on `/api/v1/nodes`): which Nodes offer the enclave
 * resource in `status.allocatable` (else `capacity`). The cache keeps only each Node's name,
 * resourceVersion and that one resource, so thousands of Nodes cost little memory. `state()` is
 * what /mutate reads; it is `unknown` until a list succeeded. After a successful list the state
 * stays known while the watch reconnects (the last view is the best one available).
 *
 * RBAC: nodes get, list, watch (cluster-scoped; read-only).
 */
import { Gauge, type Registry } from 'prom-client';
import type { ClusterAccess } from '../k8s/kube-access.js';
import { KubeHttp } from '../k8s/kube-http.js';
import { ListWatch, type KubeObject } from '../k8s/list-watch.js';
import type { Logger } from '../util/logger.js';
import { nodeOffers, type EnclaveOffers, type EnclaveOfferState } from './node-offers.js';

interface LeanNode extends KubeObject {
  status?: { allocatable?: Record<string, unknown>; capacity?: Record<string, unknown> };
}

export interface NodeOfferWatchOptions {
  kubeConfig: ClusterAccess;
  /** The enclave resource name (config resourceNames.enclave). */
  resource: string;
  logger?: Logger;
  /** Back-off after failures. Default 500 ms .. 30 s. */
  backoffMs?: { min: number; max: number };
  /** Called after each change of the offering set (tests, logs). */
  onChange?: (s: EnclaveOfferState) => void;
}

/** Start/stop are idempotent. */
export class NodeOfferWatch implements EnclaveOffers {
  private readonly lw: ListWatch<LeanNode>;
  private readonly offering = new Set<string>();
  private synced = false;
  private lastError = 'not listed yet';

  constructor(private readonly o: NodeOfferWatchOptions) {
    const pick = (list: Record<string, unknown> | undefined) => (list && Object.hasOwn(list, o.resource) ? { [o.resource]: list[o.resource] } : undefined);
    this.lw = new ListWatch<LeanNode>({
      http: new KubeHttp(o.kubeConfig),
      path: '/api/v1/nodes',
      backoffMs: o.backoffMs,
      transform: (n) => ({
        metadata: { name: n.metadata?.name, resourceVersion: n.metadata?.resourceVersion },
        status: { allocatable: pick(n.status?.allocatable), capacity: pick(n.status?.capacity) },
      }),
      onChange: (type, node) => this.apply(type, node),
      onList: () => {
        const first = !this.synced;
        this.synced = true;
        if (first) o.logger?.info({ offers: this.state() }, 'nodes listed');
        this.o.onChange?.(this.state());
      },
      onError: (err, retryInMs) => {
        this.lastError = err.message;
        o.logger?.warn({ err: err.message, retryInMs }, 'node list/watch failed; retrying');
      },
    });
  }

  /** Starts the watch; resolves once the first list was attempted (succeeded or not). */
  start(): Promise<void> {
    return this.lw.start();
  }

  stop(): Promise<void> {
    return this.lw.stop();
  }

  state(): EnclaveOfferState {
    if (!this.synced) return { status: 'unknown', reason: this.lastError };
    const nodes = this.lw.size; // read per EPC pod by /mutate: no copy of the cache
    return this.offering.size > 0 ? { status: 'offered', offering: this.offering.size, nodes } : { status: 'not-offered', nodes };
  }

  private apply(type: 'add' | 'update' | 'delete', node: LeanNode): void {
    const name = node.metadata?.name ?? '';
    const before = this.offering.size;
    if (type !== 'delete' && nodeOffers(node, this.o.resource)) this.offering.add(name);
    else this.offering.delete(name);
    if (this.synced && (before === 0) !== (this.offering.size === 0)) {
      this.o.logger?.info({ offers: this.state() }, this.offering.size > 0 ? 'a node offers the enclave resource' : 'no node offers the enclave resource any more');
    }
    if (this.synced) this.o.onChange?.(this.state());
  }
}

/** Gauges on the webhook's registry: nodes offering the enclave resource (-1 = unknown). */
export function registerOfferMetrics(registry: Registry, offers: EnclaveOffers): void {
  new Gauge({
    name: 'epc_webhook_nodes_offering_enclave',
    help: 'Nodes whose allocatable (else capacity) offers the enclave resource, as the webhook\'s Node watch sees them; -1 before the first Node list succeeded. 0 = EPC pods are admitted without the enclave request (no limit is bound)',
    registers: [registry],
    collect() {
      const s = offers.state();
      this.set(s.status === 'offered' ? s.offering : s.status === 'not-offered' ? 0 : -1);
    },
  });
}
