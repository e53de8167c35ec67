import { status } from '@grpc/grpc-js';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBELET_SOCKET_NAME, MAX_LIST_AND_WATCH_BYTES, type RegisterRequest } from '../../contracts/device-plugin-api.js';
import type { PodLike } from '../../pod/pod-like.js';
import type { Logger } from '../../util/logger.js';
import { ResourceState, type ResourceSnapshot } from './device-registry.js';
import { EventLog, type EmulatorEvent, type EmulatorWarning } from './emulator-events.js';
import { PluginEndpoint } from './plugin-endpoint.js';
import { allocatePod, type AdmissionHost, type AdmittedPod } from './pod-admitter.js';
import { AdmissionError, podKey } from './pod-plan.js';
import { PodResourcesServer } from './pod-resources-server.js';
import { allocatableDevices, podResourcesList } from './pod-resources-view.js';
import { ContainerStartError, startContainer, type ContainerStartEvent, type StarterHost } from './container-starter.js';

export { ContainerStartError, type ContainerStartEvent };
import { RegisterRejected, RegistrationServer } from './registration-server.js';

export interface KubeletEmulatorOptions {
  /** Device plugin directory (kubelet.sock lives here); default a new temp dir, removed on stop. */
  deviceDir?: string;
  /** pod-resources socket; default `<tmp>/pod-resources/kubelet.sock`. */
  podResourcesSocketPath?: string;
  /** ListAndWatch receive cap (kubelet: 4 MiB). */
  maxReceiveMessageBytes?: number;
  /** An Allocate slower than this is flagged with a `slow-allocate` warning (default 1000 ms). */
  slowAllocateMs?: number;
  onContainerStart?: (e: ContainerStartEvent) => void | Promise<void>;
  onWarning?: (w: EmulatorWarning) => void;
  /**
   * Pause between committing a pod's allocations and its first container start (default 0: the
   * start follows admission at once). A real kubelet makes the pod cgroup and the pod sandbox
   * (pause container, CNI) in between, and pulls images: 100 ms to seconds. `admitPod` can
   * override it per pod.
   */
  sandboxGapMs?: number;
  /** pod-resources rate limit (kubelet: 100 qps, burst 10); false disables it. */
  podResourcesRateLimit?: { qps: number; burst: number } | false;
  /**
   * Awaited inside every Register after kubelet dialed the plugin and read its options (the
   * `options` event), before it takes the endpoint and answers: lets a test hold a registration
   * in flight (what a slow kubelet does) and release it later.
   */
  holdRegister?: (req: RegisterRequest) => void | Promise<void>;
  logger?: Logger;
}

/**
 * A kubelet for tests and the demo, speaking the real device plugin v1beta1 and pod-resources
 * v1 protocols over unix sockets in kubelet's call order (the kubelet device plugin and pod-resources v1 API). start/stop are
 * idempotent; stop releases every socket, stream and temp dir it made.
 */
export class KubeletEmulator {
  readonly deviceDir: string;
  readonly kubeletSocketPath: string;
  readonly podResourcesSocketPath: string;
  readonly warnings: EmulatorWarning[] = [];
  private readonly log = new EventLog();
  private readonly ownedDirs: string[] = [];
  private readonly resourcesMap = new Map<string, ResourceState>();
  private readonly allocated = new Map<string, Map<string, string>>();
  private readonly pods = new Map<string, AdmittedPod>();
  /** Bumped on every commit and removal of a pod (pod-resources encodes List once per change). */
  private podsVersion = 0;
  private registration = new RegistrationServer((r) => this.onRegister(r));
  private readonly podResources: PodResourcesServer;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: KubeletEmulatorOptions = {}) {
    if (opts.deviceDir) this.deviceDir = opts.deviceDir;
    else this.ownedDirs.push((this.deviceDir = mkdtempSync(join(tmpdir(), 'epc-kubelet-dp-'))));
    this.kubeletSocketPath = join(this.deviceDir, KUBELET_SOCKET_NAME);
    if (opts.podResourcesSocketPath) this.podResourcesSocketPath = opts.podResourcesSocketPath;
    else {
      const d = mkdtempSync(join(tmpdir(), 'epc-kubelet-pr-'));
      this.ownedDirs.push(d);
      this.podResourcesSocketPath = join(d, KUBELET_SOCKET_NAME);
    }
    this.podResources = new PodResourcesServer({
      listPods: () => podResourcesList(this.pods.values()),
      allocatableDevices: () => allocatableDevices(this.resourcesMap.values()),
      listVersion: () => this.podsVersion,
    }, opts.podResourcesRateLimit);
  }

  /** Every event so far, in order. */
  get events(): readonly EmulatorEvent[] {
    return this.log.events;
  }

  /** Waits for an event (see EventLog.waitFor). */
  waitFor(pred: (e: EmulatorEvent) => boolean, opts?: { timeoutMs?: number; from?: number; what?: string }): Promise<EmulatorEvent> {
    return this.log.waitFor(pred, opts);
  }

  /** Waits for a successful Register of `resourceName` logged at index `from` or later. */
  waitForRegistration(resourceName: string, opts: { timeoutMs?: number; from?: number } = {}): Promise<EmulatorEvent> {
    return this.log.waitFor((e) => e.type === 'register-end' && e.resourceName === resourceName && !e.error, { ...opts, what: `registration of ${resourceName}` });
  }

  /**
   * Waits until `resourceName` has at least `min` healthy devices in a ListAndWatch update logged
   * at index `from` or later: the node's allocatable as the scheduler sees it. A plugin registers
   * before its first list arrives, so a pod admitted right after registration can find 0 devices.
   */
  waitForAllocatable(resourceName: string, min: number, opts: { timeoutMs?: number; from?: number } = {}): Promise<EmulatorEvent> {
    return this.log.waitFor((e) => e.type === 'list' && e.resourceName === resourceName && e.healthy >= min, { ...opts, what: `${min} healthy ${resourceName} devices` });
  }

  /** Serves kubelet.sock and the pod-resources socket. Idempotent. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    mkdirSync(this.deviceDir, { recursive: true });
    mkdirSync(join(this.podResourcesSocketPath, '..'), { recursive: true });
    await this.registration.listen(this.kubeletSocketPath);
    await this.podResources.listen(this.podResourcesSocketPath);
  }

  /** Closes every endpoint and server, removes its sockets and temp dirs. Idempotent, safe before start. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.dropEndpoints();
    this.registration.close();
    this.podResources.close();
    rmSync(this.kubeletSocketPath, { force: true });
    rmSync(this.podResourcesSocketPath, { force: true });
    for (const d of this.ownedDirs) rmSync(d, { recursive: true, force: true });
  }

  /**
   * A kubelet restart: endpoints dropped (streams end), every socket in the device plugin dir
   * deleted, a new kubelet.sock and pod-resources socket served. Allocations survive (kubelet's
   * checkpoint); capacity stays, allocatable is 0 until each plugin registers again.
   * `downMs`: the outage - kubelet is gone (no kubelet.sock, no pod-resources socket) this long
   * before the new sockets are served.
   */
  async restart(opts: { downMs?: number } = {}): Promise<void> {
    if (this.state !== 'running') throw new Error('restart needs a running emulator');
    this.dropEndpoints();
    this.registration.close();
    this.podResources.close();
    if (opts.downMs) {
      rmSync(this.kubeletSocketPath, { force: true });
      rmSync(this.podResourcesSocketPath, { force: true });
      await new Promise((r) => setTimeout(r, opts.downMs));
      if (this.state !== 'running') return;
    }
    for (const f of readdirSync(this.deviceDir)) {
      const p = join(this.deviceDir, f);
      try {
        if (statSync(p).isSocket()) rmSync(p, { force: true });
      } catch {
        // vanished meanwhile
      }
    }
    this.log.push({ type: 'restart' });
    this.registration = new RegistrationServer((r) => this.onRegister(r));
    await this.registration.listen(this.kubeletSocketPath);
    await this.podResources.listen(this.podResourcesSocketPath);
  }

  /** Kubelet ends the active ListAndWatch stream of `resourceName` (devices turn unhealthy). */
  endListAndWatch(resourceName: string): void {
    this.resourcesMap.get(resourceName)?.active?.close();
  }

  /** Capacity / allocatable / endpoint of one resource, or undefined if never registered. */
  resource(name: string): ResourceSnapshot | undefined {
    return this.resourcesMap.get(name)?.snapshot();
  }

  resources(): ResourceSnapshot[] {
    return [...this.resourcesMap.values()].map((r) => r.snapshot());
  }

  /** The committed pod, or undefined. */
  pod(namespace: string, name: string): AdmittedPod | undefined {
    return this.pods.get(podKey(namespace, name));
  }

  /** pod-resources List calls received so far (answered or refused by the rate limit). */
  get podResourcesListCalls(): number {
    return this.podResources.listCalls;
  }

  /**
   * Admits a v1 Pod-like object: allocates devices for every container (AdmissionError when it
   * cannot: nothing committed), commits, waits `sandboxGapMs` (the pod sandbox), then starts
   * containers in order (PreStartContainer where required, then `onContainerStart`). A failed
   * start throws ContainerStartError; the pod stays admitted and `restartContainer` retries.
   * Pods are admitted one at a time.
   */
  admitPod(pod: PodLike, opts: { start?: boolean; sandboxGapMs?: number } = {}): Promise<AdmittedPod> {
    return this.serialize(async () => {
      if (this.state !== 'running') throw new AdmissionError('kubelet emulator is not running');
      const key = podKey(pod?.metadata?.namespace ?? 'default', String(pod?.metadata?.name ?? ''));
      if (this.pods.has(key)) throw new AdmissionError(`pod ${key} is already admitted`);
      const admitted = await allocatePod(this.admissionHost(), pod);
      this.pods.set(key, admitted);
      this.podsVersion++;
      if (opts.start === false) return admitted;
      const gap = opts.sandboxGapMs ?? this.opts.sandboxGapMs ?? 0;
      if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      for (const c of admitted.containers) await startContainer(this.starterHost(), admitted, c.name);
      return admitted;
    });
  }

  /** Restarts one container: PreStartContainer again (kubelet calls it before every start). */
  restartContainer(namespace: string, pod: string, container: string): Promise<void> {
    return this.serialize(async () => {
      const p = this.pods.get(podKey(namespace, pod));
      if (!p) throw new AdmissionError(`pod ${namespace}/${pod} is not admitted`);
      await startContainer(this.starterHost(), p, container);
    });
  }

  /** Removes a pod and frees its devices. Returns false if it was not admitted. */
  removePod(namespace: string, name: string): boolean {
    const key = podKey(namespace, name);
    if (!this.pods.delete(key)) return false;
    this.podsVersion++;
    for (const held of this.allocated.values()) for (const [id, k] of held) if (k === key) held.delete(id);
    return true;
  }

  private starterHost(): StarterHost {
    return { resources: this.resourcesMap, log: this.log, podResourcesLists: () => this.podResources.listCalls, onContainerStart: this.opts.onContainerStart };
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private admissionHost(): AdmissionHost {
    return {
      resources: this.resourcesMap,
      allocated: this.allocated,
      log: this.log,
      slowAllocateMs: this.opts.slowAllocateMs ?? 1000,
      warnSlowAllocate: (resourceName, ms, ids) =>
        this.warn({ kind: 'slow-allocate', resourceName, ms, message: `Allocate of ${resourceName} (${ids.length} device(s)) took ${ms.toFixed(0)} ms, over the ${this.opts.slowAllocateMs ?? 1000} ms bound: kubelet sets no deadline, so this stalls every pod admission on the node` }),
    };
  }

  private warn(w: EmulatorWarning): void {
    this.warnings.push(w);
    this.log.push({ type: 'warning', warning: w });
    this.opts.logger?.warn(w, 'kubelet emulator warning');
    this.opts.onWarning?.(w);
  }

  private dropEndpoints(): void {
    for (const r of this.resourcesMap.values()) {
      const eps = [r.active, ...r.standby];
      r.active = undefined;
      r.standby = [];
      r.lists.clear();
      r.markAllUnhealthy();
      for (const ep of eps) ep?.close();
    }
  }

  /** Register: dial the plugin, GetDevicePluginOptions (failure fails Register), open ListAndWatch. */
  private async onRegister(req: RegisterRequest): Promise<void> {
    const { resource_name: r, endpoint } = req;
    this.log.push({ type: 'register-begin', resourceName: r, endpoint });
    const ep = new PluginEndpoint(r, join(this.deviceDir, endpoint), this.opts.maxReceiveMessageBytes ?? MAX_LIST_AND_WATCH_BYTES);
    let options;
    try {
      options = await ep.fetchOptions();
    } catch (err) {
      ep.close();
      const msg = `GetDevicePluginOptions on ${endpoint} failed: ${(err as { details?: string }).details || (err as Error).message}`;
      this.log.push({ type: 'register-end', resourceName: r, endpoint, error: msg });
      throw new RegisterRejected(msg, status.UNAVAILABLE);
    }
    const reg = req.options ?? undefined;
    this.log.push({ type: 'options', resourceName: r, endpoint, options, registerOptions: reg });
    if (reg && (reg.pre_start_required !== options.pre_start_required || reg.get_preferred_allocation_available !== options.get_preferred_allocation_available)) {
      this.warn({ kind: 'options-mismatch', resourceName: r, message: `${endpoint}: RegisterRequest.options ${JSON.stringify(reg)} differ from GetDevicePluginOptions ${JSON.stringify(options)}; kubelet uses the latter` });
    }
    try {
      await this.opts.holdRegister?.(req);
    } catch (err) {
      ep.close();
      throw err;
    }
    if (this.state !== 'running') {
      ep.close();
      throw new RegisterRejected('kubelet emulator is stopping', status.UNAVAILABLE);
    }
    let state = this.resourcesMap.get(r);
    if (!state) this.resourcesMap.set(r, (state = new ResourceState(r)));
    const s = state;
    // The same socket registering again replaces its old connection; another socket (a second
    // instance, rolling update) leaves the old one streaming on standby.
    for (const old of [s.active, ...s.standby].filter((x) => x?.socketPath === ep.socketPath)) {
      s.standby = s.standby.filter((x) => x !== old);
      if (s.active === old) s.active = undefined;
      s.lists.delete(old!);
      old!.close();
    }
    if (s.active) s.standby.push(s.active);
    s.active = ep;
    s.registrations++;
    ep.watch(
      (devices) => {
        s.lists.set(ep, devices);
        if (s.active === ep) s.setDevices(devices);
        this.log.push({ type: 'list', resourceName: r, endpoint, total: devices.length, healthy: devices.filter((d) => d.health === 'Healthy').length });
      },
      (err) => this.onStreamEnd(s, ep, endpoint, err),
    );
    this.log.push({ type: 'register-end', resourceName: r, endpoint });
  }

  private onStreamEnd(s: ResourceState, ep: PluginEndpoint, endpoint: string, err: { code: number; message: string } | undefined): void {
    this.log.push({ type: 'stream-ended', resourceName: s.name, endpoint, code: err?.code, error: err?.message });
    if (err?.code === status.RESOURCE_EXHAUSTED) {
      this.warn({ kind: 'list-too-large', resourceName: s.name, message: `ListAndWatch from ${endpoint} killed: ${err.message}` });
    }
    s.lists.delete(ep);
    ep.close();
    s.standby = s.standby.filter((x) => x !== ep);
    if (s.active !== ep) return;
    // kubelet never reopens the stream; an older instance still streaming takes over (surge).
    const next = s.standby.pop();
    s.active = next;
    if (next) s.setDevices(s.lists.get(next) ?? []);
    else s.markAllUnhealthy();
  }
}
