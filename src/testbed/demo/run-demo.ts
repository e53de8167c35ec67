import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_PAGE_ACCESS_NS, runResult, soloResult } from './build-results.js';
import type { DemoResult, RunName, RunResult, SoloResult } from './demo-results.js';
import { createDemoPki, WEBHOOK_TLS_NAME } from './demo-pki.js';
import type { DemoScenario } from './demo-scenario.js';
import { epcLauncher, type EpcLauncher } from './epc-launcher.js';
import { renderHtmlReport } from './html-report.js';
import { ManagedChild } from './managed-child.js';
import { NodeStack } from './node-stack.js';
import { runPhase } from './run-phase.js';
import { judge } from './verdict.js';
import { PAGE_SIZE } from '../../epc/sgx.js';

/** Shortest solo phase per tenant: the warm-up (a first pass over the working set, at least 1 s) takes up to 4 s at the default rates. */
export const MIN_SOLO_MS = 5000;

export interface DemoOptions {
  scenario: DemoScenario;
  /** Access phase of each mixed run (default: the scenario's). */
  durationSeconds?: number;
  /** Where to write the HTML report; null = none. */
  reportFile: string | null;
  /** Keep the temp dir (sockets, kubeconfigs, certificates) and say where it is. */
  keepTemp?: boolean;
  /** Progress lines (the CLI writes them to stderr). */
  log: (msg: string) => void;
  /** Ctrl-C: stop the tenants, tear everything down, reject with `DemoInterrupted`. */
  signal?: AbortSignal;
}

/** The demo was interrupted (Ctrl-C); everything it started is already stopped. */
export class DemoInterrupted extends Error {
  constructor() {
    super('interrupted: every process and temp dir of the demo was cleaned up');
    this.name = 'DemoInterrupted';
  }
}

/** Solo phase length: a third of a mixed run, at least MIN_SOLO_MS. */
export function soloDurationMs(durationMs: number): number {
  return Math.max(MIN_SOLO_MS, Math.round(durationMs / 3));
}

async function startWebhook(dir: string, launcher: EpcLauncher): Promise<{ child: ManagedChild; baseUrl: string; ca: string }> {
  const pki = await createDemoPki(dir);
  const child = new ManagedChild({
    name: 'epc webhook', launcher,
    // The kubelet emulator does not publish device-plugin capacity on Nodes: no Node watch.
    args: ['webhook', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--tls-cert', pki.certFile, '--tls-key', pki.keyFile, '--enclave-request', 'always'],
    env: { ...process.env, EPC_LOG_LEVEL: process.env.EPC_LOG_LEVEL ?? 'warn' },
  });
  try {
    const line = await child.waitForLine((l) => l.includes('"event":"ready"'), { timeoutMs: 30_000, what: 'ready line' });
    const { port } = JSON.parse(line) as { port: number };
    return { child, baseUrl: `https://127.0.0.1:${port}`, ca: pki.caCert };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/**
 * `epc demo`: one simulated AKS SGX node on this machine, the scenario's tenants run alone (the
 * slowdown baseline), then together without per-pod limits ("off") and with them ("on"), each run
 * on a fresh node. Returns every figure and the verdict; writes the HTML report when asked.
 * Everything started (child processes, servers, temp dirs) is stopped and removed before it
 * returns or throws, including on Ctrl-C.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  const s = o.scenario;
  const durationMs = Math.round((o.durationSeconds ?? s.durationSeconds) * 1000);
  const soloMs = soloDurationMs(durationMs);
  const tmp = await mkdtemp(join(tmpdir(), 'epc-demo-'));
  const stacks: NodeStack[] = [];
  let webhook: ManagedChild | undefined;
  const checkAbort = () => {
    if (o.signal?.aborted) throw new DemoInterrupted();
  };
  try {
    const launcher = epcLauncher();
    await mkdir(join(tmp, 'pki'));
    const wh = await startWebhook(join(tmp, 'pki'), launcher);
    webhook = wh.child;
    o.log(`webhook serving ${wh.baseUrl} (TLS, CA made for this run)`);
    const target = { baseUrl: wh.baseUrl, ca: wh.ca, servername: WEBHOOK_TLS_NAME };

    const node = async (run: RunName) => {
      checkAbort();
      const st = new NodeStack({ dir: join(tmp, run), nodeName: s.node.name, epcBytes: s.node.epcBytes, costScale: s.node.costScale, limits: run, launcher, webhook: target, log: o.log });
      stacks.push(st);
      await st.start();
      o.log(`${run}: node up (${st.mode})`);
      return st;
    };
    const phaseOpts = (label: string, ms: number) => ({ label, durationMs: ms, launcher, log: o.log, signal: o.signal });
    const nodeFigures = async (st: NodeStack): Promise<RunResult['node']> => {
      const snap = await st.snapshot();
      return { capacityBytes: snap.epc.capacity * PAGE_SIZE, evicted: snap.epc.evicted, reloaded: snap.epc.reloaded };
    };

    // Run "off" hosts the solo baselines first: each tenant alone on the idle node, no limits.
    const off = await node('off');
    const solo: SoloResult[] = [];
    for (const t of s.tenants) {
      checkAbort();
      o.log(`solo ${t.namespace}/${t.pod}: alone on the node for ${(soloMs / 1000).toFixed(1)} s`);
      const [r] = await runPhase(off, [t], phaseOpts('solo', soloMs));
      solo.push(soloResult(r));
      o.log(`solo ${t.namespace}/${t.pod}: ${r.outcome.ok ? `modeled ${Math.round(r.outcome.report.modeled.nsPerPage)} ns/page; wall mean ${Math.round(r.outcome.report.latencyUs.mean)} µs, p99 ${Math.round(r.outcome.report.latencyUs.p99)} µs` : `failed: ${r.outcome.error}`}`);
      await off.removePod(t);
    }
    const runs = {} as Record<RunName, RunResult>;
    for (const run of ['off', 'on'] as const) {
      const st = run === 'off' ? off : await node('on');
      checkAbort();
      o.log(`${run}: ${s.tenants.length} pods through webhook, API server and kubelet; running ${durationMs / 1000} s`);
      const r0 = performance.now();
      const phase = await runPhase(st, s.tenants, phaseOpts(run, durationMs));
      checkAbort();
      runs[run] = runResult({ enforcement: run, mode: st.mode, phase, solo, node: await nodeFigures(st), elapsedMs: Math.round(performance.now() - r0) });
      for (const p of runs[run].pods) o.log(`${run}: ${p.namespace}/${p.name} ${p.error ? `FAILED: ${p.error}` : `evicted ${p.evictions}, reloaded ${p.reloads}, modeled ${Math.round(p.modeledNsPerPage)} ns/page, slowdown ${p.slowdown ?? '-'}x (wall mean ${Math.round(p.meanAccessUs)} µs, ${p.wallSlowdown ?? '-'}x)`}`);
      await st.stop();
    }

    const v = judge(runs, { slowdownBound: s.slowdownBound });
    const result: DemoResult = {
      scenario: { name: s.name, nodeEpcBytes: s.node.epcBytes, durationSeconds: durationMs / 1000, slowdownBound: s.slowdownBound, costScale: s.node.costScale, pageAccessNs: DEMO_PAGE_ACCESS_NS },
      solo, runs, ...v, reportFile: o.reportFile ? resolve(o.reportFile) : null, elapsedMs: 0,
    };
    if (o.keepTemp) result.notes.push(`temp dir kept: ${tmp}`);
    result.elapsedMs = Math.round(performance.now() - t0);
    if (result.reportFile) await writeFile(result.reportFile, renderHtmlReport(result, { generatedAt: new Date() }));
    return result;
  } catch (err) {
    if (o.signal?.aborted) throw new DemoInterrupted();
    throw err;
  } finally {
    for (const st of stacks) await st.stop().catch(() => undefined);
    await webhook?.stop().catch(() => undefined);
    if (!o.keepTemp) await rm(tmp, { recursive: true, force: true });
  }
}
