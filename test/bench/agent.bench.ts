/**
 * The node agent: PreStartContainer -> limit bound (warm informer) against a bare grpc-js unary
 * echo in the same run, agent RSS with 110 EPC pods, a full reconcile of 250 pods, and the
 * victim's slowdown next to a noisy neighbour with and without enforcement.
 */
import { credentials, makeGenericClientConstructor, Server, ServerCredentials, type Client, type sendUnaryData, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { NodeAgent } from '../../src/agent/node-agent.js';
import { PodRecords } from '../../src/agent/pod-records.js';
import { Reconciler } from '../../src/agent/reconciler.js';
import { ModelBackend } from '../../src/backend/model-backend.js';
import { EnclaveClient } from '../../src/controller/enclave-client.js';
import { EpcController } from '../../src/controller/epc-controller.js';
import { ControllerApiError } from '../../src/controller/unix-json-client.js';
import { devicePluginServices } from '../../src/deviceplugin/proto/load-proto.js';
import { PRIVATE_CHANNEL_OPTIONS } from '../../src/deviceplugin/register-with-kubelet.js';
import { ApiServerDouble } from '../../src/k8s/api-double/api-server-double.js';
import { KubeletEmulator } from '../../src/kubelet/index.js';
import type { PodResourcesMsg } from '../../src/kubelet/index.js';
import { createLogger } from '../../src/util/logger.js';
import { packageRoot } from '../../src/util/package-root.js';
import { LatencyRecorder } from '../../src/workload/latency-recorder.js';
import type { BenchFigure, BenchModule } from './bench-report.js';

const NODE = 'bench-node';
const E = 'sgx.intel.com/enclave';
const PODS = 110;
const CALLS = 3000;
const WARMUP = 300;
const MI = 1024 * 1024;
const silent = createLogger('bench', 'silent');

type Unary = (req: unknown, cb: (err: ServiceError | null, res: unknown) => void) => void;
const ECHO = {
  Echo: {
    path: '/bench.Echo/Echo', requestStream: false, responseStream: false,
    requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
  },
};
const call = (c: Record<string, Unary>, m: string, req: unknown) => new Promise((res, rej) => c[m](req, (e, r) => (e ? rej(e) : res(r))));

function epcPod(i: number): object {
  const r = { 'sgx.intel.com/epc': `${1 + (i % 8)}Mi`, [E]: '1' };
  return { metadata: { name: `p${i}`, namespace: `ns${i % 5}` }, spec: { nodeName: NODE, containers: [{ name: 'app', resources: { requests: r, limits: r } }] }, status: { phase: 'Running' } };
}

interface Node {
  dir: string;
  api: ApiServerDouble;
  controller: EpcController;
  kubelet: KubeletEmulator;
  stop(): Promise<void>;
}

async function startNode(capacityPages: number, costScale = 0): Promise<Node> {
  const dir = await mkdtemp(join(tmpdir(), 'epc-bench-ag-'));
  await mkdir(join(dir, 'ctl'));
  const api = new ApiServerDouble();
  await api.start();
  api.addNode(NODE);
  const controller = new EpcController({ socketDir: join(dir, 'ctl'), capacityPages, costScale, logger: silent });
  await controller.start();
  const kubelet = new KubeletEmulator({ deviceDir: join(dir, 'dp'), podResourcesSocketPath: join(dir, 'pr', 'kubelet.sock'), podResourcesRateLimit: false });
  await kubelet.start();
  return {
    dir, api, controller, kubelet,
    async stop() {
      await kubelet.stop();
      await controller.stop();
      await api.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntil(fn: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** PreStart -> bound, interleaved call by call with a bare echo (same process, same run). */
async function preStartLatency(): Promise<BenchFigure[]> {
  const n = await startNode(65536);
  const backend = new ModelBackend({ socketDir: join(n.dir, 'ctl') });
  const agent = new NodeAgent({
    kubeConfig: n.api.kubeConfig(), nodeName: NODE, backend,
    plugins: { pluginDir: n.kubelet.deviceDir, enclaveSlots: PODS, provisionSlots: 0, modelSocketPath: n.controller.enclaveSocket },
    podResourcesSocket: n.kubelet.podResourcesSocketPath, cgroupRoot: join(n.dir, 'no-cgroupfs'), cgroupDriver: 'cgroupfs',
    enforce: true, advertise: false, prestartTimeoutMs: 10_000, reconcileIntervalMs: 3600_000, logger: silent,
  });
  const echoServer = new Server();
  echoServer.addService(ECHO, { Echo: (c: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => cb(null, c.request) });
  const echoPath = join(n.dir, 'echo.sock');
  await new Promise<void>((res, rej) => echoServer.bindAsync(`unix:${echoPath}`, ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
  const Echo = makeGenericClientConstructor(ECHO, 'Echo');
  const echo = new Echo(`unix:${echoPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
  let dp: (Client & Record<string, Unary>) | undefined;
  try {
    await agent.start();
    await waitUntil(() => (n.kubelet.resource(E)?.allocatable ?? 0) === PODS, 'enclave slots allocatable');
    await waitUntil(() => agent.informer.hasSynced, 'informer sync');
    const slotOf = new Map<number, string>();
    for (let i = 0; i < PODS; i++) {
      const pod = n.api.addPod(epcPod(i));
      const admitted = await n.kubelet.admitPod(pod, { start: false });
      slotOf.set(i, admitted.containers[0].devices.get(E)![0]);
    }
    await waitUntil(() => agent.informer.list().length === PODS, 'informer sees every pod (warm)');
    const { DevicePlugin } = devicePluginServices();
    dp = new DevicePlugin(`unix:${agent.pluginSockets[0]}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
    const payload = Buffer.alloc(24, 1);
    const fns = [
      () => call(echo, 'Echo', payload),
      (i: number) => call(dp!, 'PreStartContainer', { devices_ids: [slotOf.get(i % PODS)!] }),
    ];
    for (let i = 0; i < WARMUP; i++) for (const fn of fns) await fn(i);
    const recs = fns.map(() => new LatencyRecorder());
    for (let i = 0; i < CALLS; i++) {
      for (const [k, fn] of fns.entries()) {
        const t = performance.now();
        await fn(i);
        recs[k].record((performance.now() - t) * 1000);
      }
    }
    const [b, p] = recs.map((r) => r.summary());
    const bound = (await backend.listCgroups('/kubepods')).filter((c) => c.includes('/pod')).length;
    if (bound !== PODS) throw new Error(`expected ${PODS} pod cgroups, found ${bound}`);
    return [
      { name: 'bare grpc-js unary echo p50', value: b.p50, unit: 'µs' },
      { name: 'bare grpc-js unary echo p99', value: b.p99, unit: 'µs' },
      { name: `PreStartContainer -> limit bound p50 (${PODS} pods, warm informer)`, value: p.p50 / 1000, unit: 'ms' },
      { name: `PreStartContainer -> limit bound p99 (${PODS} pods, warm informer)`, value: p.p99 / 1000, unit: 'ms', target: '<= 5' },
      { name: 'PreStart->bound p50 / bare echo p50', value: p.p50 / b.p50, unit: 'x' },
      { name: 'PreStart->bound p99 / bare echo p99', value: p.p99 / b.p99, unit: 'x', target: '<= 3' },
    ];
  } finally {
    dp?.close();
    echo.close();
    echoServer.forceShutdown();
    await agent.stop();
    await n.stop();
  }
}

/** RSS of a real `epc agent` process (the built dist when present, else via tsx) after enforcing 110 EPC pods. */
async function agentRss(): Promise<BenchFigure[]> {
  const n = await startNode(65536);
  const kubeconfig = join(n.dir, 'kubeconfig');
  await n.api.writeKubeconfig(kubeconfig);
  const built = join(packageRoot(), 'dist/cli/main.js');
  const useDist = existsSync(built);
  const argv = useDist ? [built] : ['--import', 'tsx', join(packageRoot(), 'src/cli/main.ts')];
  const child = spawn(process.execPath, [...argv, 'agent', '--kubeconfig', kubeconfig, '--node-name', NODE, '--device-plugin-dir', n.kubelet.deviceDir,
    '--pod-resources-socket', n.kubelet.podResourcesSocketPath, '--controller-socket-dir', join(n.dir, 'ctl'), '--epc-backend', 'model',
    '--model-socket', n.controller.enclaveSocket, '--enclave-slots', String(PODS), '--provision-slots', '0', '--metrics-addr', '127.0.0.1:0',
    '--cgroup-driver', 'cgroupfs', '--advertise', 'false', '--reconcile-interval', '1s'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, EPC_LOG_LEVEL: 'warn' } });
  try {
    const ready = await new Promise<any>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (l) => l.includes('"ready"') && resolve(JSON.parse(l)));
      child.once('exit', (c) => reject(new Error(`agent exited ${c}`)));
    });
    await waitUntil(() => (n.kubelet.resource(E)?.allocatable ?? 0) === PODS, 'enclave slots allocatable');
    for (let i = 0; i < PODS; i++) await n.kubelet.admitPod(n.api.addPod(epcPod(i)));
    for (let i = 0; i < 5; i++) {
      await (await fetch(`http://${ready.metricsAddr}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 1000)); // reconcile rounds and stats polls run meanwhile
    }
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
    return [{ name: `agent RSS with ${PODS} EPC pods enforced (${useDist ? 'dist' : 'tsx, no dist build'})`, value: rssKb / 1024, unit: 'MiB', target: '<= 100' }];
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await n.stop();
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
        const c = new EnclaveClient(controller.enclaveSocket, slot, { timeoutMs: 60_000 });
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
    return [...(await preStartLatency()), ...(await agentRss()), ...(await reconcile250()), ...(await victimSlowdown())];
  },
};
export default bench;
