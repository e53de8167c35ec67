/**
 * Webhook throughput and tail latency vs a bare node:https server, side by side in one run.
 * Both servers parse the same realistic 3-container pod review; the bare one answers allow, the
 * webhook runs its production path (fast-path dispatch, rules, patch, metrics). Each server runs alone in its own
 * child process (this file, `serve` mode) while autocannon drives it from this process over
 * loopback HTTPS, keep-alive, 32 connections. Rounds alternate bare/webhook order (an even number
 * of rounds, so each order equally often); throughput and CPU ratios are taken per round and their
 * geometric mean reported (the p99 ratio: the median). Server CPU per request (from the
 * child's cpuUsage) is printed too: on a shared 2-core machine it is steadier than req/s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import type { BenchFigure, BenchModule } from './bench-report.js';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.EPC_BENCH_WEBHOOK_SECONDS ?? 6);
/** Rounds, rounded up to even, so each order (bare first, webhook first) runs equally often
 *  (with 3, bare went first twice). Per-round ratios on this 2-core machine spread 0.9-1.4x. */
const ROUNDS = 2 * Math.ceil(Number(process.env.EPC_BENCH_WEBHOOK_ROUNDS ?? 4) / 2);
const SELF = fileURLToPath(import.meta.url);

export type Mode = 'webhook' | 'webhook-express' | 'bare';

/** `serve` mode: runs one server in this (child) process and prints its port. */
async function serve(mode: Mode, certFile: string, keyFile: string): Promise<void> {
  let stop: () => Promise<void>;
  let port: number;
  if (mode !== 'bare') {
    const { resolveWebhookConfig, startWebhookServer } = await import('../../src/webhook/index.js');
    const s = await startWebhookServer({
      config: resolveWebhookConfig(), host: '127.0.0.1', port: 0, metricsPort: 0, tlsCertFile: certFile, tlsKeyFile: keyFile, stopGraceMs: 200,
      fastPath: mode === 'webhook',
    });
    port = s.port;
    stop = () => s.stop();
  } else {
    const server = createServer({ cert: await readFile(certFile), key: await readFile(keyFile) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const body = JSON.stringify({ apiVersion: review.apiVersion, kind: review.kind, response: { uid: review.request.uid, allowed: true } });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as import('node:net').AddressInfo).port;
    stop = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  }
  process.stdout.write(`PORT ${port}\n`);
  // `cpu` on stdin -> this process's CPU time so far (µs), so the parent can compute CPU/request.
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    if (d.includes('cpu')) {
      const u = process.cpuUsage();
      process.stdout.write(`CPU ${u.user + u.system}\n`);
    }
  });
  process.on('SIGTERM', () => void stop().then(() => process.exit(0)));
}

/** Starts one server (`serve` mode) in a child process; `nodeArgs` e.g. `--cpu-prof` (profile-webhook.ts). */
export function startChild(mode: Mode, certFile: string, keyFile: string, nodeArgs: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', SELF, 'serve', mode, certFile, keyFile], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, EPC_LOG_LEVEL: 'warn' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${mode} server exited early with ${code}`)));
  });
}

/** The child's CPU time so far in µs. */
export function childCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /CPU (\d+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stdin!.write('cpu\n');
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Load { rps: number; p99: number; p50: number; errors: number; non2xx: number; total: number; cpuPerReq: number }

export async function load(port: number, body: string, seconds: number): Promise<Load> {
  const r = await autocannon({
    url: `https://127.0.0.1:${port}/mutate`, method: 'POST', body, headers: { 'content-type': 'application/json' },
    connections: CONNECTIONS, duration: seconds,
  });
  return { rps: r.requests.average, p99: r.latency.p99, p50: r.latency.p50, errors: r.errors + r.timeouts, non2xx: r.non2xx, total: r.requests.total, cpuPerReq: 0 };
}

async function run(): Promise<BenchFigure[]> {
  const { createTestCa, issueServingCert } = await import('../helpers/certs.js');
  const dir = await mkdtemp(join(tmpdir(), 'epc-webhook-bench-'));
  try {
    const ca = await createTestCa(dir);
    const cert = await issueServingCert(ca);
    const body = await readFile(new URL('../webhook/fixtures/multi-container.json', import.meta.url), 'utf8');
    const results: Record<Mode, Load[]> = { webhook: [], 'webhook-express': [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which server goes first, so drifting background load does not favour one side.
      const order: Mode[] = round % 2 === 0 ? ['bare', 'webhook', 'webhook-express'] : ['webhook', 'bare', 'webhook-express'];
      for (const mode of order) {
        if (mode === 'webhook-express' && round !== ROUNDS - 1) continue; // one round: informational only
        const { child, port } = await startChild(mode, cert.certFile, cert.keyFile);
        try {
          await load(port, body, 2); // warm-up: JIT, TLS sessions
          const cpu0 = await childCpu(child);
          const l = await load(port, body, DURATION_S);
          l.cpuPerReq = ((await childCpu(child)) - cpu0) / Math.max(l.total, 1);
          results[mode].push(l);
        } finally {
          await stopChild(child);
        }
      }
    }
    const mean = (xs: Load[], k: keyof Load) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // Per-round ratios (bare and webhook back to back under the same background load), geometric
    // mean over the rounds: both orders equally often, so the position bias cancels.
    const geomean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
    const w = { rps: mean(results.webhook, 'rps'), p99: mean(results.webhook, 'p99'), p50: mean(results.webhook, 'p50') };
    const b = { rps: mean(results.bare, 'rps'), p99: mean(results.bare, 'p99'), p50: mean(results.bare, 'p50') };
    const rpsRatio = geomean(results.webhook.map((x, i) => x.rps / results.bare[i].rps));
    const cpuRatio = geomean(results.webhook.map((x, i) => x.cpuPerReq / results.bare[i].cpuPerReq));
    const p99Ratio = median(results.webhook.map((x, i) => x.p99 / Math.max(results.bare[i].p99, 1)));
    const e = { rps: mean(results['webhook-express'], 'rps'), p99: mean(results['webhook-express'], 'p99') };
    const failures = [...results.webhook, ...results['webhook-express'], ...results.bare].reduce((s, x) => s + x.errors + x.non2xx, 0);
    const perRound = results.webhook.map((x, i) => (x.rps / results.bare[i].rps).toFixed(2)).join(' ');
    const cpuPerRound = results.webhook.map((x, i) => (x.cpuPerReq / results.bare[i].cpuPerReq).toFixed(2)).join(' ');
    const cpuCol = (m: Mode) => results[m].map((x) => x.cpuPerReq.toFixed(1)).join(' ');
    console.log(`  (CPU per request per round, µs: bare ${cpuCol('bare')}; webhook ${cpuCol('webhook')}; rounds alternate bare first / webhook first)`);
    console.log(`  (per-round throughput ratios: ${perRound}; CPU per request ratios: ${cpuPerRound}; ${ROUNDS} rounds of ${DURATION_S}s, c=${CONNECTIONS})`);
    return [
      { name: 'webhook /mutate throughput (3-container pod, c=32)', value: w.rps, unit: 'req/s', target: '>= 3000' },
      { name: 'bare node:https parse+allow throughput', value: b.rps, unit: 'req/s' },
      { name: 'throughput ratio webhook / bare (geometric mean of rounds, orders balanced)', value: rpsRatio, unit: 'x', target: '>= 0.8' },
      { name: 'server CPU per request: webhook', value: mean(results.webhook, 'cpuPerReq'), unit: 'µs' },
      { name: 'server CPU per request: bare', value: mean(results.bare, 'cpuPerReq'), unit: 'µs' },
      { name: 'CPU efficiency bare/webhook (load-independent view of the ratio)', value: mean(results.bare, 'cpuPerReq') / mean(results.webhook, 'cpuPerReq'), unit: 'x' },
      { name: 'server CPU per request ratio webhook / bare, ratio of the means (informational)', value: mean(results.webhook, 'cpuPerReq') / mean(results.bare, 'cpuPerReq'), unit: 'x' },
      { name: 'server CPU per request ratio webhook / bare (geometric mean of rounds, orders balanced; issue 14)', value: cpuRatio, unit: 'x', target: '<= 1.25' },
      { name: 'webhook p50 latency', value: w.p50, unit: 'ms' },
      { name: 'webhook p99 latency', value: w.p99, unit: 'ms' },
      { name: 'bare p99 latency', value: b.p99, unit: 'ms' },
      { name: 'p99 ratio webhook / bare (median of rounds)', value: p99Ratio, unit: 'x', target: '<= 2' },
      { name: 'same webhook, admission routed through express (1 round)', value: e.rps, unit: 'req/s' },
      { name: 'express-routed throughput ratio / bare (informational)', value: e.rps / b.rps, unit: 'x' },
      { name: 'express-routed p99 latency', value: e.p99, unit: 'ms' },
      { name: 'errors + non-2xx responses (all servers)', value: failures, unit: 'count', target: '<= 0' },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url;
if (isMain && process.argv[2] === 'serve') await serve(process.argv[3] as Mode, process.argv[4], process.argv[5]);

const bench: BenchModule = { title: 'Admission webhook vs bare node:https (loopback TLS, autocannon c=32)', run };
export default bench;
