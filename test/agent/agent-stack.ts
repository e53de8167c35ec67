/**
 * One simulated node for the agent tests: API server double and kubelet emulator in process,
 * `epc controller` and `epc agent` as real child processes, all in one temp dir. The kubelet's
 * start hook records what the controller says about the container's slot at container start.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import { ManagedChild } from '../../src/testbed/demo/managed-child.js';
import { ApiServerDouble } from '../../src/testbed/api-server/api-server-double.js';
import { KubeletEmulator, type ContainerStartEvent, type KubeletEmulatorOptions } from '../../src/testbed/kubelet/index.js';
import { CLI_NODE_ARGS } from '../helpers/run-cli.js';

export const NODE = 'node-a';
export const ENCLAVE = 'sgx.intel.com/enclave';
/** Start-up bound of the child processes: generous, the machine may be shared and loaded. */
const STARTUP_MS = 120_000;
const LAUNCHER = { file: process.execPath, args: CLI_NODE_ARGS };
const env = () => ({ ...process.env, EPC_LOG_LEVEL: process.env.EPC_LOG_LEVEL ?? 'warn' });

/** What was bound to a container's slot when kubelet was about to start it. */
export interface StartCheck {
  pod: string;
  uid: string;
  container: string;
  restart: number;
  slot: string;
  boundTo: string | null;
  miscMax: string | null;
}

export interface StackOptions {
  capacity?: string;
  agentArgs?: string[];
  /** The Node object to serve (default: just its name). */
  node?: object;
  /** Kubelet emulator options (default: no pod-resources rate limit, no sandbox gap). */
  kubelet?: Pick<KubeletEmulatorOptions, 'sandboxGapMs' | 'podResourcesRateLimit'>;
}

export class AgentStack {
  dir = '';
  readonly api = new ApiServerDouble();
  kubelet!: KubeletEmulator;
  control!: ControlClient;
  controller!: ManagedChild;
  agent: ManagedChild | undefined;
  readonly starts: StartCheck[] = [];
  metricsAddr = '';
  /** Whether container starts are checked against the controller (off while a test has stopped it). */
  recording = true;

  get ctlDir(): string {
    return join(this.dir, 'ctl');
  }

  /** Starts `epc controller` on the stack's socket dir (again, after a test stopped it). */
  async startController(capacity = '256Mi'): Promise<void> {
    this.controller = new ManagedChild({ name: 'controller', launcher: LAUNCHER, env: env(), args: ['controller', '--socket-dir', this.ctlDir, '--capacity', capacity, '--cost-scale', '0'] });
    await this.controller.waitForLine((l) => l.includes('"ready"'), { timeoutMs: STARTUP_MS, what: 'controller ready' });
  }

  static async start(o: StackOptions = {}): Promise<AgentStack> {
    const s = new AgentStack();
    s.dir = await mkdtemp(join(tmpdir(), 'epc-ag-'));
    await s.api.start();
    s.api.addNode(o.node ?? { metadata: { name: NODE } });
    await s.api.writeKubeconfig(join(s.dir, 'kubeconfig'));
    await s.startController(o.capacity);
    s.control = new ControlClient(join(s.ctlDir, 'control.sock'));
    s.kubelet = new KubeletEmulator({
      deviceDir: join(s.dir, 'dp'), podResourcesSocketPath: join(s.dir, 'pr', 'kubelet.sock'), podResourcesRateLimit: false,
      ...o.kubelet,
      onContainerStart: (e) => s.record(e),
    });
    await s.kubelet.start();
    await s.startAgent(o.agentArgs ?? []);
    return s;
  }

  /** Starts `epc agent` (cluster mode) and waits for its ready line and the enclave plugin's registration. */
  async startAgent(extra: string[] = []): Promise<ManagedChild> {
    const from = this.kubelet.events.length;
    const agent = new ManagedChild({
      name: 'agent', launcher: LAUNCHER, env: env(),
      args: ['agent', '--kubeconfig', join(this.dir, 'kubeconfig'), '--node-name', NODE, '--device-plugin-dir', this.kubelet.deviceDir,
        '--pod-resources-socket', this.kubelet.podResourcesSocketPath, '--controller-socket-dir', this.ctlDir, '--epc-backend', 'model',
        '--model-socket', join(this.ctlDir, 'enclave.sock'), '--enclave-slots', '16', '--provision-slots', '0',
        '--metrics-addr', '127.0.0.1:0', '--cgroup-driver', 'cgroupfs', '--prestart-timeout', '10s', '--reconcile-interval', '300ms', ...extra],
    });
    this.agent = agent;
    const ready = await agent.waitForLine((l) => l.includes('"event":"ready"'), { timeoutMs: STARTUP_MS, what: 'agent ready line' });
    this.metricsAddr = JSON.parse(ready).metricsAddr;
    await this.kubelet.waitForRegistration(ENCLAVE, { timeoutMs: STARTUP_MS, from });
    await this.kubelet.waitFor((e) => e.type === 'list' && e.resourceName === ENCLAVE, { timeoutMs: 10_000, from, what: 'enclave ListAndWatch' });
    if (!(await eventually(() => (this.kubelet.resource(ENCLAVE)?.allocatable ?? 0) > 0, 10_000))) throw new Error('enclave slots never became allocatable');
    return agent;
  }

  /** SIGKILL (crash) or SIGTERM (clean stop) of the agent. */
  async stopAgent(signal: 'SIGKILL' | 'SIGTERM'): Promise<{ code: number | null; signal: string | null }> {
    const a = this.agent!;
    if (signal === 'SIGKILL') process.kill(a.pid!, 'SIGKILL');
    else await a.stop({ graceMs: 10_000 });
    return a.exited;
  }

  /** A pod bound to the node with an enclave slot and (optionally) an EPC request, created in the API double. */
  createPod(name: string, epc: string | undefined, o: { namespace?: string; slot?: boolean; containers?: number } = {}): any {
    const resources = (): any => {
      const r: Record<string, string> = {};
      if (epc) r['sgx.intel.com/epc'] = epc;
      if (o.slot !== false) r[ENCLAVE] = '1';
      return { requests: { ...r }, limits: { ...r } };
    };
    return this.api.addPod({
      metadata: { name, namespace: o.namespace ?? 'default' },
      spec: { nodeName: NODE, containers: Array.from({ length: o.containers ?? 1 }, (_, i) => ({ name: `c${i}`, image: 'enclave-app', resources: resources() })) },
      status: { phase: 'Pending' },
    });
  }

  /** API create + kubelet admission (Allocate, PreStartContainer, start hook). */
  async runPod(name: string, epc: string | undefined, o: { namespace?: string; slot?: boolean; containers?: number } = {}): Promise<any> {
    const pod = this.createPod(name, epc, o);
    await this.kubelet.admitPod(pod);
    return pod;
  }

  /** Removes the pod from kubelet and the API (the agent cleans up). */
  deletePod(name: string, namespace = 'default'): void {
    this.kubelet.removePod(namespace, name);
    this.api.deletePod(namespace, name);
  }

  /** Waits for two reconcile rounds after now (one may have been in flight). */
  async reconcileSettles(): Promise<void> {
    const rounds = async () => {
      const m = /epc_reconcile_rounds_total\{result="ok"\} (\d+)/.exec(await (await this.fetch('/metrics')).text());
      return m ? Number(m[1]) : 0;
    };
    const start = await rounds();
    if (!(await eventually(async () => (await rounds()) >= start + 2, 10_000))) throw new Error('no reconcile rounds');
  }

  async fetch(path: string, init?: RequestInit): Promise<Response> {
    return fetch(`http://${this.metricsAddr}${path}`, init);
  }

  async stop(): Promise<void> {
    await this.agent?.stop();
    await this.kubelet?.stop();
    this.control?.close();
    await this.controller?.stop();
    await this.api.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private async record(e: ContainerStartEvent): Promise<void> {
    const slot = e.devices[ENCLAVE]?.[0];
    if (!slot || !this.recording) return;
    const boundTo = (await this.control.bindings()).find((b) => b.slot === slot)?.path ?? null;
    const miscMax = boundTo ? await this.control.readFile(boundTo, 'misc.max') : null;
    this.starts.push({ pod: `${e.namespace}/${e.name}`, uid: e.uid, container: e.container, restart: e.restart, slot, boundTo, miscMax });
  }
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then returns the last value). */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
