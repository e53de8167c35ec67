/**
 * The node agent: PreStartContainer -> limit bound (warm informer) against a bare grpc-js unary
 * echo in the same run, agent RSS with 110 EPC pods, a full reconcile of 250 pods, and the
 * victim's slowdown next to a noisy neighbour with and without enforcement.
 */
import { credentials, makeGenericClientConstructor, type Client, type Server, type ServiceError } from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PodRecords } from '../../src/agent/pod-records.js';
import { PodResourcesClient } from '../../src/agent/pod-resources-client.js';
import { Reconciler } from '../../src/agent/reconciler.js';
import { ModelBackend } from '../../src/backend/model-backend.js';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
import { EpcController } from '../../src/controller/epc-controller.js';
import { ControllerApiError } from '../../src/contracts/controller-api/unix-json-client.js';
import { devicePluginServices } from '../../src/contracts/load-proto.js';
import { PRIVATE_CHANNEL_OPTIONS } from '../../src/contracts/grpc-channel.js';
import { ApiServerDouble } from '../../src/testbed/api-server/api-server-double.js';
import { KubeletEmulator } from '../../src/testbed/kubelet/index.js';
import type { PodResourcesMsg } from '../../src/testbed/kubelet/index.js';
import { createLogger } from '../../src/util/logger.js';
import { packageRoot } from '../../src/util/package-root.js';
import { LatencyRecorder } from '../../src/workload/latency-recorder.js';
import { ECHO, serveEcho } from './echo-server.js';
import { measureInterleaved } from './interleave.js';
import type { BenchFigure, BenchModule } from './bench-report.js';

const NODE = 'bench-node';
const E = 'sgx.intel.com/enclave';
const PODS = 110;
const CALLS = 3000;
const WARMUP = 300;
/** Pause between commit and first container start in the gapped first starts (a real pod sandbox takes 100 ms+). */
const SANDBOX_GAP_MS = 20;
const MI = 1024 * 1024;
const silent = createLogger('bench', 'silent');

type Unary = (req: unknown, cb: (err: ServiceError | null, res: unknown) => void) => void;
const call = (c: Record<string, Unary>, m: string, req: unknown) => new Promise((res, rej) => c[m](req, (e, r) => (e ? rej(e) : res(r))));

function epcPod(i: number): object {
  const r = { 'sgx.intel.com/epc': `${1 + (i % 8)}Mi`, [E]: '1' };
  return { metadata: { name: `p${i}`, namespace: `ns${i % 5}` }, spec: { nodeName: NODE, containers: [{ name: 'app', resources: { requests: r, limits: r } }] }, status: { phase: 'Running' } };
}

async function waitUntil(fn: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** How the agent child is started (profiling runs add env and read its log lines). */
export interface AgentRunOptions {
  /** Extra environment of the `epc agent` child (none by default: the bench measures the binary as started). */
  env?: Record<string, string>;
  /** EPC_LOG_LEVEL of the agent child (default warn). */
  logLevel?: string;
  /** Node.js flags of the agent child (profiling: --cpu-prof, --heap-prof). */
  nodeArgs?: string[];
  /** Every stderr line of the agent child (its JSON log), when given. */
  onLogLine?: (line: string) => void;
}

/** `node <nodeArgv>` as a child that says on stdout when it serves: `ready` resolves with that line; `stop` SIGTERMs it and waits. */
function spawnServing(nodeArgv: string[], isReady: (line: string) => boolean, what: string, o: { env?: NodeJS.ProcessEnv; onLogLine?: (line: string) => void } = {}) {
  const child = spawn(process.execPath, nodeArgv, { stdio: ['ignore', 'pipe', o.onLogLine ? 'pipe' : 'inherit'], env: o.env });
  if (o.onLogLine) createInterface({ input: child.stderr! }).on('line', o.onLogLine);
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => isReady(l) && resolve(l));
    child.once('exit', (c) => reject(new Error(`${what} exited ${c}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  return { child, ready, stop };
}

/** `epc <args>` as a child process: the built dist when present (what a node runs), else via tsx. */
function spawnEpc(args: string[], o: AgentRunOptions = {}) {
  const built = join(packageRoot(), 'dist/cli/main.js');
  const useDist = existsSync(built);
  const argv = useDist ? [built] : ['--import', 'tsx', join(packageRoot(), 'src/cli/main.ts')];
  const env: Record<string, string | undefined> = { ...process.env, ...o.env, EPC_LOG_LEVEL: o.logLevel ?? 'warn' };
  const { child, ready, stop } = spawnServing([...(o.nodeArgs ?? []), ...argv, ...args], (l) => l.includes('"ready"'), `epc ${args[0]}`, { env, onLogLine: o.onLogLine });
  return { child, ready: ready.then((l): any => JSON.parse(l)), stop, useDist };
}

/** The bare echo in its own process (echo-server.ts), as the agent is: resolves once it serves. */
function spawnEcho(path: string) {
  return spawnServing(['--import', 'tsx', join(packageRoot(), 'test/bench/echo-server.ts'), path], (l) => l === 'READY', 'echo server');
}

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/**
 * As on a node: `epc controller` and `epc agent` are their own processes; this process plays
 * kubelet (emulator: registration, pod-resources, PreStartContainer calls) and the API server.
 * First starts of 110 pods (cgroup created), then PreStartContainer (container restarts, warm
 * informer) interleaved call by call with a bare echo served by its own process (the baseline of
 * the targets, as PreStart is served by the agent's) and one served in this process, then
 * the agent's RSS with those 110 pods enforced.
 */
export async function agentOnNode(o: AgentRunOptions = {}): Promise<BenchFigure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'epc-bench-ag-'));
  const ctl = join(dir, 'ctl');
  await mkdir(ctl);
  const api = new ApiServerDouble();
  await api.start();
  api.addNode(NODE);
  const kubeconfig = join(dir, 'kubeconfig');
  await api.writeKubeconfig(kubeconfig);
  const controller = spawnEpc(['controller', '--socket-dir', ctl, '--capacity', '256Mi', '--cost-scale', '0']);
  const kubelet = new KubeletEmulator({ deviceDir: join(dir, 'dp'), podResourcesSocketPath: join(dir, 'pr', 'kubelet.sock'), podResourcesRateLimit: false });
  let echoServer: Server | undefined;
  let agent: ReturnType<typeof spawnEpc> | undefined;
  let dp: (Client & Record<string, Unary>) | undefined;
  let echo: (Client & Record<string, Unary>) | undefined;
  let echoOut: (Client & Record<string, Unary>) | undefined;
  let echoChild: ReturnType<typeof spawnEcho> | undefined;
  let podResources: PodResourcesClient | undefined;
  try {
    await controller.ready;
    await kubelet.start();
    agent = spawnEpc(['agent', '--kubeconfig', kubeconfig, '--node-name', NODE, '--device-plugin-dir', kubelet.deviceDir,
      '--pod-resources-socket', kubelet.podResourcesSocketPath, '--controller-socket-dir', ctl, '--epc-backend', 'model',
      '--model-socket', join(ctl, 'enclave.sock'), '--enclave-slots', String(PODS), '--provision-slots', '0', '--metrics-addr', '127.0.0.1:0',
      '--cgroup-driver', 'cgroupfs', '--advertise', 'false'], o);
    const ready = await agent.ready;
    await waitUntil(() => (kubelet.resource(E)?.allocatable ?? 0) === PODS, 'enclave slots allocatable');
    const rssOf = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${agent!.child.pid}/status`, 'utf8'))?.[1]) / 1024;
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = rssOf();
    // Two batches of first starts: the first warms the agent up (JIT), the second is measured.
    // `sandboxGapMs`: kubelet's pause between committing the allocation and the first container
    // start (0: PreStart right on Allocate's heels); `between`: called between two admissions.
    const firstStarts = async (batch: number, sandboxGapMs = 0, between?: () => Promise<unknown>): Promise<{ slots: string[]; ms: number[]; lists: number }> => {
      const pods = Array.from({ length: PODS }, (_, i) => api.addPod({ ...epcPod(i), metadata: { name: `b${batch}-p${i}`, namespace: `ns${i % 5}` } }));
      await new Promise((r) => setTimeout(r, 1000)); // the agent's informer has them (warm), as kubelet's own watch would
      const from = kubelet.events.length;
      const slots: string[] = [];
      for (const pod of pods) {
        slots.push((await kubelet.admitPod(pod, { sandboxGapMs })).containers[0].devices.get(E)![0]);
        await between?.();
      }
      const done = kubelet.events.slice(from).flatMap((e) => (e.type === 'prestart' && !e.error ? [e] : []));
      if (done.length !== PODS) throw new Error(`expected ${PODS} successful first starts, got ${done.length}`);
      return { slots, ms: done.map((e) => e.ms), lists: done.reduce((n, e) => n + e.podResourcesLists, 0) };
    };
    const removeBatch = async (batch: number) => {
      for (let i = 0; i < PODS; i++) {
        kubelet.removePod(`ns${i % 5}`, `b${batch}-p${i}`);
        api.deletePod(`ns${i % 5}`, `b${batch}-p${i}`);
      }
      await new Promise((r) => setTimeout(r, 1000)); // the agent cleans up the deleted pods
    };
    const warm = await firstStarts(0);
    await removeBatch(0);
    const { slots: slotOf, ms: first, lists: firstLists } = await firstStarts(1);
    await new Promise((r) => setTimeout(r, 1000));
    const rssAfterFirst = rssOf();

    const echoPath = join(dir, 'echo.sock');
    echoServer = await serveEcho(echoPath);
    const Echo = makeGenericClientConstructor(ECHO, 'Echo');
    echo = new Echo(`unix:${echoPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
    // The baseline of the targets: the same echo served by its own process, as PreStart is by the agent's.
    const echoOutPath = join(dir, 'echo-out.sock');
    echoChild = spawnEcho(echoOutPath);
    await echoChild.ready;
    echoOut = new Echo(`unix:${echoOutPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
    const sock = readdirSync(kubelet.deviceDir).find((f) => f.startsWith('sgx.intel.com_enclave-'));
    if (!sock) throw new Error('no enclave plugin socket');
    const { DevicePlugin } = devicePluginServices();
    dp = new DevicePlugin(`unix:${join(kubelet.deviceDir, sock)}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
    const payload = Buffer.alloc(24, 1);
    podResources = new PodResourcesClient(kubelet.podResourcesSocketPath);
    const fns = [
      () => call(echo!, 'Echo', payload),
      () => call(echoOut!, 'Echo', payload),
      () => podResources!.list(),
      (i: number) => call(dp!, 'PreStartContainer', { devices_ids: [slotOf[i % PODS]] }),
    ];
    const [bIn, b, l, p] = await measureInterleaved(fns, { calls: CALLS, warmup: WARMUP });
    await (await fetch(`http://${ready.metricsAddr}/metrics`)).text();
    await new Promise((r) => setTimeout(r, 1000));
    const rssAfterLoop = rssOf();

    // First starts as a real kubelet makes them: a pod sandbox between commit and the first
    // start; one call of the echo process between two admissions, after the same timer gap.
    await removeBatch(1);
    const echoMs: number[] = [];
    // As the PreStart it is compared with: issued when a SANDBOX_GAP_MS timer fires in this
    // process, to a server that has been idle at least that long.
    const timedEcho = async () => {
      await new Promise((r) => setTimeout(r, SANDBOX_GAP_MS));
      const t = performance.now();
      await call(echoOut!, 'Echo', payload);
      echoMs.push(performance.now() - t);
    };
    const gapped: number[] = [];
    let gappedLists = 0;
    for (const batch of [2, 3]) {
      const r = await firstStarts(batch, SANDBOX_GAP_MS, timedEcho);
      gapped.push(...r.ms);
      gappedLists += r.lists;
      if (batch === 2) await removeBatch(2);
    }
    const echoP50 = pct(echoMs, 0.5);
    const echoP99 = pct(echoMs, 0.99);
    const envText = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
    const how = `${agent.useDist ? 'dist' : 'tsx, no dist build'}, ${envText || 'no tuning env'}`;
    return [
      { name: `first start, cold agent: PreStartContainer -> cgroup made, limited, bound p50`, value: pct(warm.ms, 0.5), unit: 'ms' },
      { name: `first start, cold agent: p99`, value: pct(warm.ms, 0.99), unit: 'ms' },
      { name: `first start, sandbox gap 0 (PreStart on Allocate's heels, a worst case no real kubelet makes), warm informer: PreStartContainer -> cgroup made, limited, bound p50 (${PODS} pods)`, value: pct(first, 0.5), unit: 'ms' },
      { name: `first start, sandbox gap 0: p99`, value: pct(first, 0.99), unit: 'ms', target: '<= 5' },
      { name: `first start, sandbox gap 0: pod-resources Lists inside PreStart, per start`, value: firstLists / PODS, unit: '' },
      { name: 'bare grpc-js unary echo, its own process (the baseline below) p50', value: b.p50, unit: 'µs' },
      { name: 'bare grpc-js unary echo, its own process p99', value: b.p99, unit: 'µs' },
      { name: 'bare grpc-js unary echo, served in the calling process (informational) p50', value: bIn.p50, unit: 'µs' },
      { name: 'bare grpc-js unary echo, served in the calling process (informational) p99', value: bIn.p99, unit: 'µs' },
      { name: `pod-resources List, ${PODS} pods (kubelet emulator), the lookup inside PreStart, p50`, value: l.p50, unit: 'µs' },
      { name: `pod-resources List, ${PODS} pods (kubelet emulator) p99`, value: l.p99, unit: 'µs' },
      { name: `restart: PreStartContainer -> limit bound p50 (warm informer)`, value: p.p50 / 1000, unit: 'ms' },
      { name: `restart: PreStartContainer -> limit bound p99 (warm informer)`, value: p.p99 / 1000, unit: 'ms', target: '<= 5' },
      { name: 'restart: PreStart->bound p50 / bare echo p50', value: p.p50 / b.p50, unit: 'x', target: '<= 2' },
      { name: 'restart: PreStart->bound p99 / bare echo p99', value: p.p99 / b.p99, unit: 'x', target: '<= 3' },
      { name: 'restart: PreStart->bound p99 / in-process echo p99 (informational)', value: p.p99 / bIn.p99, unit: 'x' },
      { name: `agent RSS idle, plugins registered (${how})`, value: rssIdle, unit: 'MiB' },
      { name: `agent RSS with ${PODS} EPC pods enforced`, value: rssAfterFirst, unit: 'MiB', target: '<= 80' },
      { name: `agent RSS after ${WARMUP + CALLS} more PreStartContainer calls`, value: rssAfterLoop, unit: 'MiB', target: '<= 90' },
      { name: `first start, sandbox gap ${SANDBOX_GAP_MS} ms (real sandboxes take 100 ms+), warm informer: PreStartContainer -> cgroup made, limited, bound p50 (${gapped.length} starts)`, value: pct(gapped, 0.5), unit: 'ms' },
      { name: `first start, sandbox gap ${SANDBOX_GAP_MS} ms: p99`, value: pct(gapped, 0.99), unit: 'ms' },
      { name: `first start, sandbox gap ${SANDBOX_GAP_MS} ms: pod-resources Lists inside PreStart, per start`, value: gappedLists / gapped.length, unit: '' },
      { name: `bare grpc-js unary echo (its own process) p50, one call ${SANDBOX_GAP_MS} ms after each of those first starts`, value: echoP50 * 1000, unit: 'µs' },
      { name: 'bare grpc-js unary echo (its own process) p99, same calls', value: echoP99 * 1000, unit: 'µs' },
      { name: `first start (sandbox gap ${SANDBOX_GAP_MS} ms) p50 / echo p50`, value: pct(gapped, 0.5) / echoP50, unit: 'x', target: '<= 2' },
      { name: `first start (sandbox gap ${SANDBOX_GAP_MS} ms) p99 / echo p99`, value: pct(gapped, 0.99) / echoP99, unit: 'x', target: '<= 3' },
    ];
  } finally {
    dp?.close();
    echo?.close();
    echoOut?.close();
    await echoChild?.stop();
    podResources?.close();
    echoServer?.forceShutdown();
    await agent?.stop();
    await kubelet.stop();
    await controller.stop();
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One full reconcile round over 250 EPC pods against the modeled controller: all in place, and all drifted. */
async function reconcile250(): Promise<BenchFigure[]> {
  const N = 250;
  const dir = await mkdtemp(join(tmpdir(), 'epc-bench-rc-'));
  const controller = new EpcController({ socketDir: dir, capacityPages: 65536, costScale: 0, logger: silent });
  await controller.start();
  const backend = new ModelBackend({ socketDir: dir });
  try {
    const pods = Array.from({ length: N }, (_, i) => ({ ...epcPod(i), metadata: { name: `p${i}`, namespace: `ns${i % 5}`, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` } })) as any[];
    const list: PodResourcesMsg[] = pods.map((p, i) => ({ name: p.metadata.name, namespace: p.metadata.namespace, containers: [{ name: 'app', devices: [{ resource_name: E, device_ids: [`enclave-${i}`] }], cpu_ids: [], memory: [], dynamic_resources: [] }] }));
    const records = new PodRecords();
    const rec = new Reconciler({
      pods: { list: () => pods }, podResources: { list: async () => list, close: () => undefined }, backend, driver: async () => 'cgroupfs',
      records, enclaveResource: E, enforce: true, removeCgroups: true,
    });
    for (const [i, p] of pods.entries()) {
      const cg = `/kubepods/besteffort/pod${p.metadata.uid}`;
      await backend.ensureCgroup(cg);
      await backend.bindSlot(`enclave-${i}`, cg);
    }
    const first = await rec.reconcileNow(); // adopt + set-max for all 250 (after an agent restart)
    const timed = async () => {
      const t = performance.now();
      const r = await rec.reconcileNow();
      return { ms: performance.now() - t, r };
    };
    const steady: number[] = [];
    for (let i = 0; i < 5; i++) steady.push((await timed()).ms);
    for (const p of pods) await backend.setMax(`/kubepods/besteffort/pod${p.metadata.uid}`, 'max');
    const drift = await timed();
    if (first.actions.length !== 2 * N || drift.r.actions.length !== N || drift.r.failed) throw new Error(`unexpected reconcile plan: first ${first.actions.length} (${first.failed} failed), drift ${drift.r.actions.length} (${drift.r.failed} failed)`);
    steady.sort((a, b) => a - b);
    return [
      { name: `full reconcile, ${N} pods, nothing to fix (median of 5)`, value: steady[2], unit: 'ms', target: '<= 1000' },
      { name: `full reconcile, ${N} pods, all misc.max drifted`, value: drift.ms, unit: 'ms', target: '<= 1000' },
    ];
  } finally {
    await backend.close();
    await controller.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The victim's mean access time alone, and next to a noisy neighbour with and without per-pod limits (cost scale 1). */
async function victimSlowdown(): Promise<BenchFigure[]> {
  const PAGE = 4096;
  const run = async (mode: 'solo' | 'on' | 'off') => {
    const dir = await mkdtemp(join(tmpdir(), 'epc-bench-vs-'));
    const controller = new EpcController({ socketDir: dir, capacityPages: (256 * MI) / PAGE, costScale: 1, logger: silent });
    await controller.start();
    const backend = new ModelBackend({ socketDir: dir });
    const clients: EnclaveClient[] = [];
    try {
      for (const [slot, cg] of [['a', '/kubepods/poda'], ['b', '/kubepods/podb']]) {
        await backend.ensureCgroup(cg);
        await backend.setMax(cg, mode === 'off' ? 'max' : 64 * MI);
        await backend.bindSlot(slot, cg);
      }
      const busy = async <T>(fn: () => Promise<T>): Promise<T> => {
        for (;;) {
          try {
            return await fn();
          } catch (err) {
            if (!(err instanceof ControllerApiError && err.code === 'EBUSY')) throw err;
            await new Promise((r) => setTimeout(r, 2));
          }
        }
      };
      const build = async (slot: string, pages: number) => {
        const c = new EnclaveClient(controller.slotSocket(slot), slot, { timeoutMs: 60_000 });
        clients.push(c);
        const { enclave } = await c.create();
        for (let p = 0; p < pages; p += 1024) await busy(() => c.add(enclave, Math.min(1024, pages - p)));
        await c.init(enclave);
        return { c, enclave, pages };
      };
      const a = await build('a', (48 * MI) / PAGE);
      const b = mode === 'solo' ? undefined : await build('b', (240 * MI) / PAGE);
      let stop = false;
      const noisy = (async () => {
        let p = 0;
        while (b && !stop) {
          await busy(() => b.c.access(b.enclave, [[p, p + 63]]));
          p = (p + 64) % b.pages;
        }
      })();
      const lat = new LatencyRecorder();
      const end = performance.now() + 2500;
      let p = 0;
      while (performance.now() < end) {
        const t = performance.now();
        await busy(() => a.c.access(a.enclave, [[p, p + 63]]));
        lat.record((performance.now() - t) * 1000);
        p = (p + 64) % a.pages;
      }
      stop = true;
      await noisy;
      return lat.summary().mean;
    } finally {
      for (const c of clients) c.close();
      await backend.close();
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    }
  };
  const solo = await run('solo');
  const on = await run('on');
  const off = await run('off');
  return [
    { name: 'victim mean access alone (48Mi working set, cost scale 1)', value: solo, unit: 'µs' },
    { name: 'victim slowdown next to a 240Mi neighbour, limits on', value: on / solo, unit: 'x', target: '<= 2' },
    { name: 'victim slowdown next to a 240Mi neighbour, limits off', value: off / solo, unit: 'x' },
  ];
}

const bench: BenchModule = {
  title: 'node agent: PreStartContainer -> limit bound vs bare grpc-js echo, RSS with 110 pods, reconcile of 250 pods, victim slowdown',
  async run(): Promise<BenchFigure[]> {
    return [...(await agentOnNode()), ...(await reconcile250()), ...(await victimSlowdown())];
  },
};
export default bench;
