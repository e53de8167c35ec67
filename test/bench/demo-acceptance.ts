/**
 * `npm run bench:demo [-- --runs N] [-- --build]`: the acceptance check of issue 12 on this
 * machine. Runs `npx epc demo` and `npx epc demo --duration 3` N times each (default 10) with two
 * `yes > /dev/null` CPU hogs beside them (a busy 2-core laptop), and prints per run the verdict
 * and the quiet tenants' modeled and wall slowdowns, then the pass counts. Not a test: nothing is
 * asserted, figures are printed. Runs the built CLI (`node dist/cli/main.js`, the package's `epc`
 * bin, what a user's `npx epc` runs); `--build` runs `npm run build` first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoResult } from '../../src/testbed/demo/demo-results.js';
import { packageRoot } from '../../src/util/package-root.js';

const ROOT = packageRoot();
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 10;
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`--runs must be a whole number >= 1, got ${args[runsArg + 1]}`);
  process.exit(2);
}
if (args.includes('--build')) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
const EPC_BIN = join(ROOT, 'dist/cli/main.js');
if (!existsSync(EPC_BIN)) {
  console.error(`${EPC_BIN} is missing: run npm run build first (or pass --build)`);
  process.exit(2);
}

const MODES: Array<{ name: string; flags: string[] }> = [
  { name: 'npx epc demo', flags: [] },
  { name: 'npx epc demo --duration 3', flags: ['--duration', '3'] },
];

/** Two busy loops, each its own process group so they can be stopped by id. */
function startHogs(): ChildProcess[] {
  return [0, 1].map(() => spawn('sh', ['-c', 'yes > /dev/null'], { detached: true, stdio: 'ignore' }));
}

function stopHogs(hogs: ChildProcess[]): void {
  for (const h of hogs) if (h.pid) try {
    process.kill(-h.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function runDemo(flags: string[]): Promise<{ code: number | null; ms: number; result?: DemoResult; stderr: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [EPC_BIN, 'demo', '--json', '--no-report', ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      let result: DemoResult | undefined;
      try {
        result = JSON.parse(out) as DemoResult;
      } catch {
        result = undefined;
      }
      resolve({ code, ms: performance.now() - t0, result, stderr: err });
    });
  });
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v.toFixed(2)}x`);
const range = (xs: number[]) => (xs.length ? `${Math.min(...xs).toFixed(2)}x-${Math.max(...xs).toFixed(2)}x` : '-');

const hogs = startHogs();
const stop = () => {
  stopHogs(hogs);
  process.exit(130);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
console.log(`bench:demo: ${RUNS} runs of each mode with two \`yes > /dev/null\` loops running (pids ${hogs.map((h) => h.pid).join(', ')})`);
const summary: string[] = [];
try {
  for (const mode of MODES) {
    console.log(`\n== ${mode.name}`);
    let pass = 0;
    const quietOn: number[] = [];
    const quietOff: number[] = [];
    const wallOn: number[] = [];
    const wallOff: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const r = await runDemo(mode.flags);
      const ok = r.code === 0 && r.result?.isolationHolds === true;
      if (ok) pass++;
      const q = (run: 'off' | 'on') => r.result?.runs[run].pods.filter((p) => p.role === 'quiet') ?? [];
      for (const p of q('on')) {
        if (p.slowdown !== null) quietOn.push(p.slowdown);
        if (p.wallSlowdown !== null) wallOn.push(p.wallSlowdown);
      }
      for (const p of q('off')) {
        if (p.slowdown !== null) quietOff.push(p.slowdown);
        if (p.wallSlowdown !== null) wallOff.push(p.wallSlowdown);
      }
      const cells = (run: 'off' | 'on') => q(run).map((p) => `${p.name} ${fmt(p.slowdown)} (wall ${fmt(p.wallSlowdown)}, ${p.reloads} reloads)`).join(', ');
      console.log(`  run ${i}: exit ${r.code}, isolation holds ${r.result?.isolationHolds ?? '?'}, problem reproduced ${r.result?.problemReproduced ?? '?'}, ${(r.ms / 1000).toFixed(0)} s`);
      if (r.result) console.log(`    off: ${cells('off')}\n    on:  ${cells('on')}`);
      for (const f of r.result?.failures ?? []) console.log(`    FAILED: ${f}`);
      if (!r.result) console.log(`    no JSON; stderr tail: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    const line = `${mode.name}: ${pass}/${RUNS} passed; quiet modeled slowdown on ${range(quietOn)}, off ${range(quietOff)}; quiet wall slowdown on ${range(wallOn)}, off ${range(wallOff)}`;
    summary.push(line);
  }
} finally {
  stopHogs(hogs);
}
console.log(`\n${summary.join('\n')}`);
