/**
 * The node agent in cluster mode, assembled: pod informer, pod-resources client, the enforcer as
 * the enclave plugin's PreStartContainer hook, the reconciler, metrics/health endpoint, the
 * EpcLimitReached Event poll, the Node advertiser and the Node's enforcement condition and label
 * (which follow the EPC controller as it appears or disappears). `stop` stops everything it started and
 * leaves every limit and binding in place (containers keep running under their limits).
 */
import { canReadFreeEpc, type EpcBackend } from '../backend/epc-backend.js';
import { startSgxPlugins, DEFAULT_ENCLAVE_RESOURCE, type SgxPlugins, type SgxPluginsOptions } from '../deviceplugin/sgx/start-sgx-plugins.js';
import type { ClusterAccess } from '../k8s/kube-access.js';
import { NodeAdvertiser, type Advertiser } from '../k8s/node-advertiser.js';
import { PodInformer } from '../k8s/pod-informer.js';
import type { Logger } from '../util/logger.js';
import { AgentMetrics } from './agent-metrics.js';
import { CgroupDriverResolver, type CgroupDriverFlag } from './cgroup-driver.js';
import { EpcControllerCheck } from './epc-controller-check.js';
import { backendReadiness, appliesLimits, type EnforceMode, type EpcControllerState } from './epc-controller-state.js';
import { EPC_ENFORCED_CONDITION, EPC_ENFORCED_LABEL, nodeEnforcement, type NodeEnforcement } from './node-enforcement.js';
import { NodeEnforcementPublisher } from '../k8s/node-enforcement-publisher.js';
import { DeviceOwnerCache } from './device-owner-cache.js';
import { canBindAhead, Enforcer } from './enforcer.js';
import { epcCapacitySource } from './epc-capacity.js';
import { HealthServer, type ReadinessCheck } from '../util/health-server.js';
import { ApiEventSink, limitEventDue, type EventSink } from './limit-events.js';
import { PodRecords } from './pod-records.js';
import { OwnerPrefetch } from './owner-prefetch.js';
import { PodResourcesClient, type PodResourcesLister } from './pod-resources-client.js';
import { readPodStats } from './pod-stats.js';
import { Reconciler } from './reconciler.js';

/** How long between 'not synced yet' warnings before the reconciler can start. */
const INITIAL_SYNC_WAIT_MS = 10_000;

export interface NodeAgentOptions {
  kubeConfig: ClusterAccess;
  nodeName: string;
  backend: EpcBackend;
  /** Device plugin options (the preStartHook is the agent's). */
  plugins: Omit<SgxPluginsOptions, 'preStartHook' | 'onAllocate' | 'logger' | 'onEvent'>;
  podResourcesSocket: string;
  cgroupRoot: string;
  cgroupDriver: CgroupDriverFlag;
  /** `--enforce`: auto (limits where an EPC controller is usable, else observe-only), true (fail closed), false (observe-only). */
  enforce: EnforceMode;
  /** Period of the EPC controller re-check behind the Node condition/label and the gauge (default min(reconcile interval, 5 s)). */
  enforcementCheckMs?: number;
  /** The EPC resource name pods request and the Node advertises (`--epc-resource`). */
  epcResource?: string;
  /** `--epc-backend auto` found neither sgx_epc nor this controller socket (named in the reason). */
  missingControllerSocket?: string;
  advertise: boolean;
  prestartTimeoutMs: number;
  reconcileIntervalMs: number;
  /** Where to serve /metrics, /healthz, /readyz; omitted = no HTTP server. */
  metricsAddr?: { host: string; port: number };
  /** Period of the limit-event poll (default min(reconcile interval, 5 s)). */
  statsIntervalMs?: number;
  /** sysfs mount for the SGX driver's EPC size where no EPC controller has one (default /sys). */
  sysRoot?: string;
  /** Test seams: another pod-resources lister or Event sink. */
  podResources?: PodResourcesLister;
  events?: EventSink;
  logger?: Logger;
}

export class NodeAgent {
  readonly records = new PodRecords();
  /** Owners of enclave slots from earlier starts (restarts skip the pod-resources List). */
  readonly owners = new DeviceOwnerCache();
  /** Learns the owner of enclave slots after Allocate, before their PreStart (first starts skip the List). */
  readonly prefetch: OwnerPrefetch;
  private polling: Promise<void> | undefined;
  /** The node's EPC: the EPC controller's capacity, else the SGX driver's (sysfs). */
  private readonly capacity: () => Promise<number>;
  readonly metrics = new AgentMetrics();
  readonly informer: PodInformer;
  readonly enforcer: Enforcer;
  readonly reconciler: Reconciler;
  /** Whether the backend can hold pods to their EPC. */
  readonly controller: EpcControllerCheck;
  private readonly podResources: PodResourcesLister;
  private readonly events: EventSink;
  private readonly advertiser: Advertiser;
  private readonly enforcementPublisher: NodeEnforcementPublisher;
  private lastEnforcement: NodeEnforcement | undefined;
  private readonly health: HealthServer;
  private plugins: SgxPlugins | undefined;
  private enclaveRegistered = false;
  private statsTimer: NodeJS.Timeout | undefined;
  private state: 'new' | 'running' | 'stopped' = 'new';
  /** The bound metrics address, once listening. */
  metricsAddress: string | undefined;

  constructor(private readonly o: NodeAgentOptions) {
    const log = o.logger;
    const enclaveResource = o.plugins.enclaveResource ?? DEFAULT_ENCLAVE_RESOURCE;
    this.capacity = epcCapacitySource(o.backend, o.sysRoot);
    this.informer = new PodInformer({ kubeConfig: o.kubeConfig, nodeName: o.nodeName, logger: log });
    const podResources = o.podResources ?? new PodResourcesClient(o.podResourcesSocket);
    this.prefetch = new OwnerPrefetch({
      podResources, resourceName: enclaveResource, owners: this.owners, pods: this.informer, logger: log,
      onOutcome: (outcome) => this.metrics.ownerPrefetch.inc({ outcome }),
      onList: (ok) => this.metrics.ownerPrefetchLists.inc({ result: ok ? 'ok' : 'error' }),
      // On the model, bind the pod ahead: its PreStart then finds cgroup, limit and slots in place.
      onResolved: (ids) => void this.enforcer.prepare({ resourceName: enclaveResource, deviceIds: ids }),
    });
    // Every List (PreStart, reconcile) also serves the prefetches that began before it.
    this.podResources = this.prefetch.lister(podResources);
    this.events = o.events ?? new ApiEventSink({ kubeConfig: o.kubeConfig, nodeName: o.nodeName, logger: log });
    const resolver = new CgroupDriverResolver({ flag: o.cgroupDriver, cgroupRoot: o.cgroupRoot, backendKind: o.backend.kind, logger: log });
    const driver = () => resolver.driver();
    this.controller = new EpcControllerCheck({ backend: o.backend, cgroupRoot: o.cgroupRoot, missingControllerSocket: o.missingControllerSocket });
    this.enforcer = new Enforcer({
      podResources: this.podResources, pods: this.informer, backend: o.backend, driver, records: this.records, owners: this.owners, prefetch: this.prefetch, prepareAhead: canBindAhead(o.backend), mode: o.enforce, epcResource: o.epcResource, controller: this.controller,
      timeoutMs: o.prestartTimeoutMs, logger: log,
      onResult: (result, s) => this.metrics.observeEnforcement(result, s),
    });
    this.reconciler = new Reconciler({
      pods: this.informer, podResources: this.podResources, backend: o.backend, driver, records: this.records, enclaveResource, epcResource: o.epcResource,
      preStarts: this.enforcer, active: async () => (await this.controller.state()).usable,
      enforce: appliesLimits(o.enforce), removeCgroups: o.backend.kind === 'model', intervalMs: o.reconcileIntervalMs, logger: log,
      onAction: (action, ok) => this.metrics.reconcileActions.inc({ action, result: ok ? 'ok' : 'error' }),
      onRound: (ok, s) => {
        this.metrics.reconcileRounds.inc({ result: ok ? 'ok' : 'error' });
        this.metrics.reconcileDuration.observe(s);
      },
    });
    this.advertiser = new NodeAdvertiser({ enabled: o.advertise, kubeConfig: o.kubeConfig, nodeName: o.nodeName, resourceName: o.epcResource, capacityBytes: this.capacity, logger: log });
    this.enforcementPublisher = new NodeEnforcementPublisher({
      kubeConfig: o.kubeConfig, nodeName: o.nodeName, conditionType: EPC_ENFORCED_CONDITION, label: EPC_ENFORCED_LABEL,
      state: () => this.enforcement(), checkIntervalMs: o.enforcementCheckMs ?? Math.min(o.reconcileIntervalMs, 5000), logger: log,
    });
    this.health = new HealthServer({ metrics: () => this.renderMetrics(), readiness: () => this.readiness() });
  }

  /** Starts everything; resolves once the plugins serve (registration with kubelet continues in the background). */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    const log = this.o.logger;
    try {
      if (this.o.metricsAddr) this.metricsAddress = await this.health.listen(this.o.metricsAddr);
      // Plugins first: their config errors surface at once; a PreStart before the first pod list
      // simply waits for the pod (bounded), and the reconciler starts only once synced.
      this.plugins = await startSgxPlugins({
        ...this.o.plugins,
        logger: log,
        preStartHook: (req) => this.enforcer.preStart(req),
        onAllocate: (req) => {
          this.owners.forgetDevices(req.deviceIds);
          this.prefetch.allocated(req.deviceIds);
        },
        onEvent: (resource, e) => {
          if (resource !== (this.o.plugins.enclaveResource ?? DEFAULT_ENCLAVE_RESOURCE)) return;
          if (e.type === 'registered') this.enclaveRegistered = true;
          else if (e.type === 'stream-ended' || e.type === 'kubelet-restart' || e.type === 'register-failed') this.enclaveRegistered = false;
        },
      });
      this.informer.onEvent((e) => {
        if (e.type === 'delete' && e.pod.metadata?.uid) this.owners.forgetPod(e.pod.metadata.uid);
        this.reconciler.trigger();
      });
      await this.informer.start();
      void this.startReconcilerWhenSynced();
      this.advertiser.start();
      this.enforcementPublisher.start();
      this.scheduleStats();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops everything it started; limits and bindings stay. Idempotent, safe before start. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    clearTimeout(this.statsTimer);
    await this.reconciler.stop();
    await this.plugins?.stop();
    this.prefetch.close();
    await this.advertiser.stop();
    await this.enforcementPublisher.stop();
    await this.informer.stop();
    await this.health.close();
    this.podResources.close();
    await this.o.backend.close();
  }

  /**
   * The node's enforcement state now (probes the EPC controller): sets the `epc_node_enforced`
   * gauge and logs each change once (the first one at start says whether the node enforces).
   */
  async enforcement(state?: EpcControllerState): Promise<NodeEnforcement> {
    const e = nodeEnforcement(this.o.enforce, state ?? await this.controller.probe());
    const prev = this.lastEnforcement;
    if (!prev || prev.enforced !== e.enforced || prev.reason !== e.reason || prev.message !== e.message) {
      this.lastEnforcement = e;
      this.metrics.setEnforcement(e);
      const level = e.enforced || this.o.enforce === 'false' ? 'info' : this.o.enforce === 'true' ? 'error' : 'warn';
      this.o.logger?.[level]({ node: this.o.nodeName, enforce: this.o.enforce, enforced: e.enforced, reason: e.reason }, prev ? `EPC enforcement changed: ${e.message}` : e.message);
    }
    return e;
  }

  /** The device plugins' sockets (once started). */
  get pluginSockets(): string[] {
    return this.plugins?.plugins.map((p) => p.socketPath) ?? [];
  }

  /**
   * One poll of every enforced pod's counters: Events for first limit hits, metrics refreshed.
   * A scrape and the periodic poll arriving together share one poll (one read per pod, and no
   * Event posted twice by two polls that both saw it due).
   */
  pollStats(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const stats = await readPodStats(this.records, this.o.backend);
    for (const { rec, stats: s } of stats) if (s && limitEventDue(rec, s)) await this.events.limitReached(rec, s);
    this.metrics.update(stats, await this.nodeFigures());
  }

  private async startReconcilerWhenSynced(): Promise<void> {
    while (this.state === 'running') {
      if (await this.informer.waitForSync(INITIAL_SYNC_WAIT_MS)) {
        if (this.state === 'running') this.reconciler.start();
        return;
      }
      if (this.state === 'running') this.o.logger?.warn({ node: this.o.nodeName }, 'pod informer not synced yet; reconcile waits for it');
    }
  }

  private scheduleStats(): void {
    const every = this.o.statsIntervalMs ?? Math.min(this.o.reconcileIntervalMs, 5000);
    const tick = () => {
      this.statsTimer = setTimeout(() => {
        this.pollStats().catch((err) => this.o.logger?.debug({ error: (err as Error).message }, 'stats poll failed')).finally(() => {
          if (this.state === 'running') tick();
        });
      }, every);
    };
    tick();
  }

  private async nodeFigures(): Promise<{ capacityBytes?: number; freeBytes?: number }> {
    const b = this.o.backend;
    const [capacityBytes, freeBytes] = await Promise.all([
      this.capacity().catch(() => undefined),
      canReadFreeEpc(b) ? b.freeBytes().catch(() => undefined) : undefined,
    ]);
    return { capacityBytes, freeBytes };
  }

  private async renderMetrics(): Promise<{ contentType: string; text: string }> {
    await Promise.all([this.pollStats(), this.enforcement().catch(() => undefined)]);
    return { contentType: this.metrics.contentType, text: await this.metrics.metrics() };
  }

  private async readiness(): Promise<Record<string, ReadinessCheck>> {
    const state = await this.controller.probe();
    return {
      informer: this.informer.hasSynced ? true : 'pod informer has not listed pods yet',
      backend: backendReadiness(this.o.enforce, state),
      enforcement: { note: (await this.enforcement(state)).message },
      plugins: this.plugins && this.enclaveRegistered ? true : 'enclave device plugin not registered with kubelet',
    };
  }
}
