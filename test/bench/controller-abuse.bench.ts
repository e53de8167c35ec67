import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openFilesLimit } from '../../src/controller/connection-limits.js';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
import { slotSocketPath } from '../../src/contracts/controller-api/socket-names.js';
import { UnixJsonClient } from '../../src/contracts/controller-api/unix-json-client.js';
import { LatencyRecorder } from '../../src/workload/latency-recorder.js';
import { packageRoot } from '../../src/util/package-root.js';
import { CLI_NODE_ARGS } from '../helpers/run-cli.js';
import type { BenchFigure, BenchModule } from './bench-report.js';

const SLOTS = 8;
const CONTROL_CALLS = 600;
const ROUNDS = 3;
const ENCLAVE_PAGES = 16384;
/** The largest legal access request: 4096 ranges (the cap) of 256 pages = 2^20 page touches (the cap). */
const LARGEST_ACCESS = { ranges: Array.from({ length: 4096 }, (_, i) => [(i * 256) % ENCLAVE_PAGES, ((i * 256) % ENCLAVE_PAGES) + 255]) };

const kib = (pid: number, key: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

/** `epc controller` as its own process (what a node runs), ready line read. */
async function spawnController(dir: string) {
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'controller', '--socket-dir', dir, '--capacity', '1Gi', '--cost-scale', '0'], {
    cwd: packageRoot(), stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, EPC_LOG_LEVEL: 'warn' },
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => l.includes('"ready"') && resolve());
    child.once('exit', (c) => reject(new Error(`epc controller exited ${c}`)));
  });
  return child;
}

/** p99 (and max) in ms of `n` control.sock round trips (GET /v1/stats of one pod), sequential, recorded into `rec`. */
async function controlLatency(control: ControlClient, n: number, rec = new LatencyRecorder()): Promise<{ p99: number; max: number }> {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await control.stats('/pod-1');
    rec.record((performance.now() - t) * 1000);
  }
  const s = rec.summary();
  return { p99: s.p99 / 1000, max: s.max / 1000 };
}

/** The flood, in its own process (its churn must not slow this process's control.sock client):
 *  keeps up to `target` connections to the slot sockets, re-opening every one the controller
 *  closes (accept-and-close churn is the attack once the caps are reached). */
const FLOOD_SCRIPT = `
const { connect } = require('node:net');
const paths = JSON.parse(process.argv[1]);
const target = Number(process.argv[2]);
let opened = 0;
const one = (i) => {
  const c = connect(paths[i % paths.length]);
  c.on('connect', () => opened++);
  c.on('error', () => undefined);
  c.on('close', () => setTimeout(() => one(i + 1), 1));
};
for (let i = 0; i < target; i++) one(i);
setTimeout(() => console.log(JSON.stringify({ ready: true, opened })), 1000);
process.on('SIGTERM', () => { console.log(JSON.stringify({ opened })); process.exit(0); });
`;

async function startFlood(paths: string[], target: number) {
  const child = spawn(process.execPath, ['-e', FLOOD_SCRIPT, JSON.stringify(paths), String(target)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => l.includes('ready') && resolve());
    child.once('exit', (c) => reject(new Error(`flood exited ${c}`)));
  });
  return {
    async stop(): Promise<number> {
      const last = new Promise<number>((resolve) => lines.on('line', (l) => resolve(JSON.parse(l).opened ?? 0)));
      child.kill('SIGTERM');
      const opened = await Promise.race([last, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      return opened;
    },
  };
}

/**
 * The controller's control path under enclave-socket abuse (issue 11), `epc controller` as its own
 * process: RSS growth of the largest legal access request; control.sock p99 idle vs under a
 * connection flood of the most connections this process may open; control.sock p99 and max while
 * tenants loop largest-legal requests and dribble slow bodies.
 */
const bench: BenchModule = {
  title: 'epc controller under hostile tenants: control.sock latency and request memory',
  async run(): Promise<BenchFigure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'epc-bench-abuse-'));
    const child = await spawnController(dir);
    const control = new ControlClient(join(dir, 'control.sock'), { timeoutMs: 60_000 });
    const clients: EnclaveClient[] = [];
    try {
      for (let i = 0; i < SLOTS; i++) {
        await control.mkdir(`/pod-${i}`);
        await control.bind(`enclave-${i}`, `/pod-${i}`);
      }
      const paths = Array.from({ length: SLOTS }, (_, i) => slotSocketPath(dir, `enclave-${i}`));
      for (let i = 0; i < 2; i++) {
        const c = new EnclaveClient(paths[i], undefined, { timeoutMs: 120_000 });
        clients.push(c);
        await c.create({ name: 'big', bare: true });
        for (let done = 0; done < ENCLAVE_PAGES; done += 16384) await c.add('big', 16384);
      }

      // 1. Memory of the largest legal request (peak RSS, VmHWM, before vs after one request).
      const raw = new UnixJsonClient(paths[0], 120_000);
      await raw.call('POST', '/v1/enclaves/big/access', { ranges: [[0, 255]] });
      const hwm0 = kib(child.pid!, 'VmHWM');
      await raw.call('POST', '/v1/enclaves/big/access', LARGEST_ACCESS);
      const hwmGrowthMiB = (kib(child.pid!, 'VmHWM') - hwm0) / 1024;

      // 2. control.sock idle vs under the flood, in alternating rounds (machine noise hits both alike).
      await controlLatency(control, CONTROL_CALLS); // warm-up
      const fdLimit = openFilesLimit() ?? 1024;
      const target = Math.max(256, Math.min(20_000, fdLimit - 1024));
      const idleRec = new LatencyRecorder();
      const floodRec = new LatencyRecorder();
      let opened = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await controlLatency(control, CONTROL_CALLS / ROUNDS, idleRec);
        const f = await startFlood(paths, target);
        await controlLatency(control, CONTROL_CALLS / ROUNDS, floodRec);
        opened += await f.stop();
        await new Promise((r) => setTimeout(r, 300));
      }
      const idle = { p99: idleRec.summary().p99 / 1000 };
      const flooded = { p99: floodRec.summary().p99 / 1000 };
      console.log(`  flood: ${target} connections kept by a flood process (fd limit ${fdLimit}), ${ROUNDS} rounds; ${opened} connects during the measurements`);

      // 3. Misbehaving tenants: 2 loop the largest legal access, 32 slow bodies on others' sockets.
      let stop = false;
      const loops = clients.map(async (c) => {
        while (!stop) await c.access('big', LARGEST_ACCESS.ranges as Array<[number, number]>).catch(() => undefined);
      });
      const slow: Socket[] = [];
      for (let i = 0; i < 32; i++) {
        const s = connect(paths[4 + (i % 4)], () => s.write('POST /v1/enclaves/x/add HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{'));
        s.on('error', () => undefined);
        slow.push(s);
      }
      const busy = await controlLatency(control, CONTROL_CALLS);
      stop = true;
      for (const s of slow) s.destroy();
      await Promise.all(loops);

      return [
        { name: 'controller peak RSS growth, largest legal access (2^20 pages)', value: hwmGrowthMiB, unit: 'MiB', target: '<= 16' },
        { name: 'control.sock p99, idle controller', value: idle.p99, unit: 'ms' },
        { name: `control.sock p99, enclave sockets flooded (${target} conns)`, value: flooded.p99, unit: 'ms' },
        { name: 'control.sock p99 flooded / idle', value: flooded.p99 / idle.p99, unit: 'x', target: '<= 3' },
        { name: 'control.sock p99, tenants looping largest requests + slow bodies', value: busy.p99, unit: 'ms', target: '<= 100' },
        { name: 'control.sock max, tenants looping largest requests + slow bodies', value: busy.max, unit: 'ms', target: '<= 100' },
      ];
    } finally {
      for (const c of clients) c.close();
      control.close();
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
