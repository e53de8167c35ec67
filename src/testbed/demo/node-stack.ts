import { CoreV1Api } from '@kubernetes/client-node';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ControlClient } from '../../contracts/controller-api/control-client.js';
import type { ModelSnapshot } from '../../epc/index.js';
import { ApiServerDouble } from '../api-server/api-server-double.js';
import { podEpcRequestBytes } from '../../pod/pod-epc.js';
import { KubeletEmulator, type ContainerStartEvent } from '../kubelet/index.js';
import { admitThroughWebhook, type WebhookTarget } from './admission-client.js';
import { containerEnv } from './container-env.js';
import type { DemoTenant } from './demo-scenario.js';
import type { EpcLauncher } from './epc-launcher.js';
import { ManagedChild } from './managed-child.js';
import { tenantPod } from './tenant-pod.js';

/** The enclave slot resource the webhook adds and the agent's device plugin serves. */
export const ENCLAVE_RESOURCE = 'sgx.intel.com/enclave';
/** Enclave slots the demo node advertises (a few more than tenants). */
export const DEMO_ENCLAVE_SLOTS = 16;
const STARTUP_TIMEOUT_MS = 30_000;

/** What the kubelet emulator's start hook found for one container (or what the demo bound). */
export interface StartRecord {
  slot: string;
  /** The cgroup the slot charges, as the controller reports it; null if unbound at start. */
  cgroup: string | null;
  /** misc.max of that cgroup at start in bytes; null = "max" (no limit) or no cgroup. */
  limitBytes: number | null;
  requestBytes: number;
  /** Slot bound to the pod's own cgroup with misc.max = the pod's EPC request when the container was about to start. */
  limitBoundBeforeStart: boolean;
  /** The container's env (host paths), for the workload process. */
  env: Record<string, string>;
}

export interface NodeStackOptions {
  /** Temp dir of this node (short: unix socket paths are limited to ~107 bytes). */
  dir: string;
  nodeName: string;
  epcBytes: number;
  costScale: number;
  /** Per-pod EPC limits on (the agent enforces) or off (global reclaim only). */
  limits: 'on' | 'off';
  launcher: EpcLauncher;
  webhook: WebhookTarget;
  log: (msg: string) => void;
}

function parseMiscMax(text: string): number | null {
  const m = /sgx_epc\s+(\S+)/.exec(text);
  if (!m || m[1] === 'max') return null;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : null;
}

/**
 * One simulated SGX node: the loopback API server double and the kubelet emulator in process,
 * `epc controller` and `epc agent` as child processes, all in `dir`. Pods enter through the
 * admission webhook (shared by the demo), the API double and the kubelet emulator, exactly in
 * a cluster's order. `stop` is idempotent and releases everything it started.
 */
export class NodeStack {
  readonly api = new ApiServerDouble();
  readonly starts = new Map<string, StartRecord>();
  /** How this node handles limits, in words (shown in the table and report). */
  mode = '';
  kubelet: KubeletEmulator | undefined;
  control: ControlClient | undefined;
  private controller: ManagedChild | undefined;
  private agent: ManagedChild | undefined;
  private core: CoreV1Api | undefined;
  constructor(private readonly o: NodeStackOptions) {}

  get controlSocket(): string {
    return join(this.o.dir, 'ctl', 'control.sock');
  }

  /** Starts API double, controller, kubelet emulator and agent; resolves once the enclave plugin is registered and its devices are allocatable. */
  async start(): Promise<void> {
    const { dir } = this.o;
    const ctlDir = join(dir, 'ctl');
    const kubeconfig = join(dir, 'kubeconfig');
    await mkdir(ctlDir, { recursive: true });
    await this.api.start();
    this.api.addNode({ metadata: { name: this.o.nodeName, labels: { 'kubernetes.io/hostname': this.o.nodeName } } });
    await this.api.writeKubeconfig(kubeconfig);
    this.core = this.api.kubeConfig().makeApiClient(CoreV1Api);

    this.controller = new ManagedChild({
      name: 'epc controller', launcher: this.o.launcher,
      args: ['controller', '--socket-dir', ctlDir, '--capacity', String(this.o.epcBytes), '--cost-scale', String(this.o.costScale)],
      env: { ...process.env, EPC_LOG_LEVEL: process.env.EPC_LOG_LEVEL ?? 'warn' },
    });
    await this.controller.waitForLine((l) => l.includes('"event":"ready"'), { timeoutMs: STARTUP_TIMEOUT_MS, what: 'ready line' });
    this.control = new ControlClient(this.controlSocket);

    this.kubelet = new KubeletEmulator({
      deviceDir: join(dir, 'dp'), podResourcesSocketPath: join(dir, 'pr', 'kubelet.sock'), podResourcesRateLimit: false,
      onContainerStart: (e) => this.onContainerStart(e),
    });
    await this.kubelet.start();

    const enclaveSock = join(ctlDir, 'enclave.sock');
    const args = ['agent', '--device-plugin-dir', this.kubelet.deviceDir, '--enclave-slots', String(DEMO_ENCLAVE_SLOTS), '--provision-slots', '0',
      '--model-socket', enclaveSock, '--kubeconfig', kubeconfig, '--node-name', this.o.nodeName, '--pod-resources-socket', this.kubelet.podResourcesSocketPath,
      '--controller-socket-dir', ctlDir, '--epc-backend', 'model', '--cgroup-driver', 'cgroupfs', '--metrics-addr', '127.0.0.1:0', '--advertise', 'false',
      '--enforce', this.o.limits === 'on' ? 'true' : 'false'];
    this.mode = this.o.limits === 'on'
      ? 'epc agent binds each pod\'s limit in PreStartContainer'
      : 'epc agent --enforce false: no EPC limits, global reclaim only';
    this.agent = new ManagedChild({ name: 'epc agent', launcher: this.o.launcher, args, env: { ...process.env, EPC_LOG_LEVEL: process.env.EPC_LOG_LEVEL ?? 'warn' } });
    // Up means the enclave devices are allocatable, as a scheduler would need before placing a
    // pod here: registration alone comes before the plugin's first ListAndWatch update, and a
    // pod admitted in between finds 0 devices (seen under CPU load).
    const kubelet = this.kubelet;
    const registered = kubelet.waitForRegistration(ENCLAVE_RESOURCE, { timeoutMs: STARTUP_TIMEOUT_MS })
      .then(() => kubelet.waitForAllocatable(ENCLAVE_RESOURCE, 1, { timeoutMs: STARTUP_TIMEOUT_MS }));
    const died = this.agent.exited.then((e) => {
      throw new Error(`epc agent exited (${e.signal ?? `code ${e.code}`}) during start-up${this.agent?.stderr() ? `:\n${this.agent.stderr()}` : ''}`);
    });
    died.catch(() => undefined); // only the race below reports these
    registered.catch(() => undefined);
    await Promise.race([registered, died]);
  }

  /**
   * A tenant's pod, end to end: AdmissionReview through the webhook (mutate, patch, validate),
   * created in the API double through client-node, admitted by the kubelet emulator (Allocate,
   * PreStartContainer -> the agent binds the limit, then the start hook records what was bound).
   */
  async submitPod(t: DemoTenant, run: string): Promise<StartRecord> {
    const { pod } = await admitThroughWebhook(this.o.webhook, tenantPod(t, { nodeName: this.o.nodeName, run }));
    const created = await this.core!.createNamespacedPod({ namespace: t.namespace, body: pod as any });
    await this.kubelet!.admitPod(created as any);
    const rec = this.starts.get(`${t.namespace}/${t.pod}`);
    if (!rec) throw new Error(`pod ${t.namespace}/${t.pod} was admitted but its container never started`);
    return rec;
  }

  /** Deletes the pod from the API double and the kubelet emulator (the agent cleans up its cgroup). */
  async removePod(t: DemoTenant): Promise<void> {
    const key = `${t.namespace}/${t.pod}`;
    this.kubelet?.removePod(t.namespace, t.pod);
    await this.core?.deleteNamespacedPod({ name: t.pod, namespace: t.namespace }).catch(() => undefined);
    this.starts.delete(key);
  }

  /** The controller's model snapshot (every cgroup's counters). */
  snapshot(): Promise<ModelSnapshot> {
    return this.control!.snapshot();
  }

  /** Stops the agent, the emulator, the controller and the API double. Idempotent. */
  async stop(): Promise<void> {
    await this.agent?.stop();
    await this.kubelet?.stop();
    this.control?.close();
    await this.controller?.stop();
    await this.api.stop();
  }

  /** kubelet's last step before a container runs: what is bound to its enclave slot right now. */
  private async onContainerStart(e: ContainerStartEvent): Promise<void> {
    const slot = e.devices[ENCLAVE_RESOURCE]?.[0];
    if (!slot) throw new Error(`container ${e.container} has no ${ENCLAVE_RESOURCE} slot: the webhook should have added one`);
    const control = this.control!;
    const requestBytes = Number(podEpcRequestBytes(e.pod));
    const bound = (await control.bindings()).find((b) => b.slot === slot)?.path ?? null;
    // Only a binding to this pod's own cgroup counts (a slot reused from a deleted pod may still
    // point at that pod's cgroup until the agent reconciles).
    const own = bound !== null && (bound.includes(e.uid) || bound.includes(e.uid.replace(/-/g, '_')));
    const cgroup = own ? bound : null;
    const limitBytes = cgroup === null ? null : parseMiscMax(await control.readFile(cgroup, 'misc.max'));
    this.starts.set(`${e.namespace}/${e.name}`, {
      slot, cgroup: cgroup ?? bound, limitBytes, requestBytes,
      limitBoundBeforeStart: cgroup !== null && limitBytes === requestBytes,
      env: containerEnv(e.responses),
    });
  }
}
