/**
 * Where the webhook's CPU per request goes, next to the bare server's: runs each server of
 * webhook.bench.ts (`serve` mode, same child process, same fixture, same autocannon load) under
 * `--cpu-prof`, then prints per server the sampled CPU per request by category (GC, node
 * internals, prom-client, this package, ...), the top functions by self time and, for this
 * package's functions, inclusive time (self + callees), all in µs per request.
 * Not a `*.bench.ts` module (run.ts does not pick it up):
 * `npx tsx test/bench/profile-webhook.ts [seconds] [modes...]` (default 6 s, bare and webhook).
 * Only samples taken during the measured load count (not start-up or warm-up).
 * The profiler adds a little to every request; compare the two servers, not absolute figures.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { load, startChild, stopChild, type Mode } from './webhook.bench.js';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }

const seconds = Number(process.argv[2] ?? 6);
const modes = (process.argv.length > 3 ? process.argv.slice(3) : ['bare', 'webhook']) as Mode[];

function category(url: string, fn: string): string {
  if (fn.startsWith('(')) return fn;
  if (url.includes('prom-client')) return 'prom-client';
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('node_modules')) return 'other node_modules';
  if (url.includes('/src/')) return 'this package (src)';
  if (url.includes('/test/')) return 'bench server (test)';
  return 'other';
}

/** µs on CLOCK_MONOTONIC, the clock of V8's profile timestamps (process.hrtime in every process). */
const now = () => Number(process.hrtime.bigint() / 1000n);

/** Prints the profile's samples taken in [from, to] (µs, `now()`), divided by `requests`. */
function report(mode: Mode, prof: Profile, requests: number, from: number, to: number): void {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = prof.startTime;
  prof.samples.forEach((id, i) => {
    t += prof.timeDeltas[i] ?? 0;
    if (t >= from && t <= to) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? `${basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : ''}`;
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    total += us;
    const c = category(n.callFrame.url, n.callFrame.functionName);
    cats.set(c, (cats.get(c) ?? 0) + us);
    fns.set(key(n), (fns.get(key(n)) ?? 0) + us);
  }
  // Inclusive time of this package's functions: self of the subtree, counted once per function per path.
  const inclusive = new Map<string, number>();
  const walk = (id: number, open: Set<string>): number => {
    const n = byId.get(id)!;
    let sum = self.get(id) ?? 0;
    const k = key(n);
    const mine = n.callFrame.url.includes('/src/') && !open.has(k);
    if (mine) open.add(k);
    for (const c of n.children ?? []) sum += walk(c, open);
    if (mine) {
      open.delete(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + sum);
    }
    return sum;
  };
  walk(prof.nodes[0].id, new Set());
  const perReq = (us: number) => (us / requests).toFixed(2).padStart(7);
  const busy = total - (cats.get('(idle)') ?? 0);
  console.log(`\n== ${mode}: ${requests} requests, ${(busy / 1e6).toFixed(2)} s sampled busy = ${perReq(busy)} µs/request`);
  for (const [c, us] of [...cats].filter(([c]) => c !== '(idle)').sort((a, b) => b[1] - a[1])) console.log(`  ${perReq(us)} µs  ${c}`);
  console.log('  top self time:');
  for (const [k, us] of [...fns].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`    ${perReq(us)} µs  ${k}`);
  if (inclusive.size > 0) {
    console.log('  this package, inclusive (self + callees):');
    for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`    ${perReq(us)} µs  ${k}`);
  }
}

const { createTestCa, issueServingCert } = await import('../helpers/certs.js');
const dir = await mkdtemp(join(tmpdir(), 'epc-webhook-prof-'));
try {
  const ca = await createTestCa(dir);
  const cert = await issueServingCert(ca);
  const body = await readFile(new URL('../webhook/fixtures/multi-container.json', import.meta.url), 'utf8');
  for (const [i, mode] of modes.entries()) {
    const profDir = join(dir, `${i}-${mode}`);
    const { child, port } = await startChild(mode, cert.certFile, cert.keyFile, ['--cpu-prof', '--cpu-prof-dir', profDir]);
    let requests: number;
    let from: number;
    let to: number;
    try {
      await load(port, body, 2); // warm-up (JIT, TLS sessions): left out, as is start-up
      from = now();
      const l = await load(port, body, seconds);
      to = now();
      requests = l.total;
      console.log(`${mode}: ${l.rps.toFixed(0)} req/s over ${seconds}s (after a 2 s warm-up), ${l.errors + l.non2xx} errors/non-2xx`);
    } finally {
      await stopChild(child);
    }
    const file = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) console.log(`no .cpuprofile written by the ${mode} server`);
    else report(mode, JSON.parse(await readFile(join(profDir, file), 'utf8')) as Profile, requests, from, to);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
