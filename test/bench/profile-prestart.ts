/**
 * Where one PreStartContainer's milliseconds go: runs the agent bench (`agentOnNode`) with the
 * agent at log level debug and `--cpu-prof`, then prints
 *  - the agent's own spans per PreStart from its 'EPC limit bound' log line (pod-resources List,
 *    pod lookup, cgroup apply, total in the agent), p50/p99, first starts and restarts apart;
 *  - the CPU profile of the agent: self time by category (GC, idle, grpc-js, pino, node
 *    internals, this package) and the top functions.
 * Not a `*.bench.ts` module (run.ts does not pick it up): `npx tsx test/bench/profile-prestart.ts`.
 * Logging adds a little to every span; the bench itself runs at warn.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { agentOnNode } from './agent.bench.js';

interface Spans { podResources: number; pod: number; cgroup: number; total: number }
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

const dir = await mkdtemp(join(tmpdir(), 'epc-prof-'));
const spans: Spans[] = [];
try {
  const figures = await agentOnNode({
    logLevel: 'debug',
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
    onLogLine: (line) => {
      if (!line.includes('EPC limit bound')) return;
      try {
        const ms = (JSON.parse(line) as { ms?: Spans }).ms;
        if (ms) spans.push(ms);
      } catch {
        /* not JSON */
      }
    },
  });
  console.log('== bench figures (agent at log level debug, --cpu-prof)');
  for (const f of figures) console.log(`  ${f.name.padEnd(90)} ${Number(f.value.toPrecision(4))} ${f.unit}`);

  // agentOnNode: 2 x 110 first starts (cold, then warm informer), then 300 + 3000 restarts, then
  // 2 x 110 first starts after a sandbox gap.
  const parts: Array<[string, Spans[]]> = [
    ['first starts (warm informer, sandbox gap 0)', spans.slice(110, 220)],
    ['restarts', spans.slice(220 + 300, 220 + 3300)],
    ['first starts (warm informer, after a sandbox gap)', spans.slice(220 + 3300)],
  ];
  console.log('\n== agent spans per PreStart (ms), from its log line');
  for (const [what, xs] of parts) {
    console.log(`  ${what} (${xs.length} calls)`);
    for (const k of ['podResources', 'pod', 'cgroup', 'total'] as const) {
      const v = xs.map((s) => s[k]);
      console.log(`    ${k.padEnd(14)} p50 ${pct(v, 0.5).toFixed(3).padStart(8)}  p99 ${pct(v, 0.99).toFixed(3).padStart(8)}  mean ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(3)}`);
    }
  }

  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    console.log('\nno .cpuprofile written by the agent');
  } else {
    const prof = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
      nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
      samples: number[];
      timeDeltas: number[];
    };
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
    const category = (url: string, fn: string): string => {
      if (fn.startsWith('(')) return fn;
      if (url.includes('@grpc')) return 'grpc-js';
      if (url.includes('pino') || url.includes('sonic-boom')) return 'pino';
      if (url.includes('protobufjs')) return 'protobufjs';
      if (url.startsWith('node:')) return 'node internals';
      if (url.includes('node_modules')) return 'other node_modules';
      if (url.includes('/dist/') || url.includes('/src/')) return 'this package';
      return 'other';
    };
    const cats = new Map<string, number>();
    const fns = new Map<string, number>();
    let total = 0;
    for (const [id, us] of self) {
      const cf = byId.get(id)!.callFrame;
      total += us;
      const c = category(cf.url, cf.functionName);
      cats.set(c, (cats.get(c) ?? 0) + us);
      const key = `${cf.functionName || '(anonymous)'} ${cf.url ? `${basename(cf.url)}:${cf.lineNumber + 1}` : ''}`;
      fns.set(key, (fns.get(key) ?? 0) + us);
    }
    const busy = total - (cats.get('(idle)') ?? 0);
    console.log(`\n== agent CPU profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle`);
    for (const [c, us] of [...cats].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${c.padEnd(22)} ${(us / 1e3).toFixed(0).padStart(7)} ms  ${c === '(idle)' ? '' : `${((100 * us) / busy).toFixed(1)}% of busy`}`);
    }
    console.log('  top self time (not idle):');
    for (const [k, us] of [...fns].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 25)) {
      console.log(`    ${(us / 1e3).toFixed(0).padStart(6)} ms  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
