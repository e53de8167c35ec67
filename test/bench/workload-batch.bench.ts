import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import { runWorkload } from '../../src/workload/run-workload.js';
import { spawnController } from '../controller/cli-process.js';
import type { BenchFigure, BenchModule } from './bench-report.js';

const MiB = 1024 * 1024;
const DURATION_MS = 1500;
/** Each configuration runs this many times, interleaved with the others; the best run counts
 *  (the least disturbed by the other processes of a shared machine). */
const ROUNDS = 2;
const CONFIGS = [['sequential', 16], ['sequential', 64], ['sequential', 256], ['random', 64], ['random', 256]] as const;

/**
 * Wall cost of a resident page access through the enclave socket, by pages per access call
 * (`--batch`), against a real `epc controller` process: one request per call, so batching more
 * pages per call (sequential: one range; random: up to `batch` ranges in one request) divides the
 * round trips per page. Side by side in one run; ratios are against batch 16.
 */
const bench: BenchModule = {
  title: 'epc workload: wall µs per resident page access by pages per call (one request each)',
  async run(): Promise<BenchFigure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'epc-bench-wl-'));
    const ctl = await spawnController(['--socket-dir', dir, '--capacity', '64Mi', '--cost-scale', '0']);
    const control = new ControlClient(ctl.ready.controlSocket);
    const out: BenchFigure[] = [];
    try {
      await control.mkdir('/pod');
      await control.bind('enclave-0', '/pod');
      const run = (pattern: 'sequential' | 'random', batch: number, durationMs: number) => runWorkload({
        socket: join(dir, 'slots', 'enclave-0', 'enclave.sock'), slot: 'enclave-0', enclaveBytes: 8 * MiB, workingSetBytes: 8 * MiB, pattern, rate: 0, durationMs, batch,
      });
      await run('sequential', 64, 1000); // warm-up: JIT of client and controller
      const perPage: Record<string, number> = {};
      const perSec: Record<string, number> = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const [pattern, batch] of CONFIGS) {
          const r = await run(pattern, batch, DURATION_MS);
          const key = `${pattern} ${batch}`;
          const us = (r.elapsedMs * 1000) / Math.max(1, r.pagesAccessed);
          if (!(perPage[key] <= us)) {
            perPage[key] = us;
            perSec[key] = r.accesses / (r.elapsedMs / 1000);
          }
        }
      }
      for (const [pattern, batch] of CONFIGS) {
        out.push({ name: `${pattern}, ${batch} pages per call: wall per page access`, value: perPage[`${pattern} ${batch}`], unit: 'µs' });
        out.push({ name: `${pattern}, ${batch} pages per call: calls per second`, value: perSec[`${pattern} ${batch}`], unit: '/s' });
      }
      out.push({ name: 'sequential: per-page cost at 64 / at 16 pages per call', value: perPage['sequential 64'] / perPage['sequential 16'], unit: 'x' });
      out.push({ name: 'sequential: per-page cost at 256 / at 64 pages per call', value: perPage['sequential 256'] / perPage['sequential 64'], unit: 'x' });
      out.push({ name: 'random: per-page cost at 256 / at 64 pages per call', value: perPage['random 256'] / perPage['random 64'], unit: 'x' });
    } finally {
      control.close();
      await ctl.stop();
      await rm(dir, { recursive: true, force: true });
    }
    return out;
  },
};
export default bench;
