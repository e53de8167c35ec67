import { EnclaveClient } from '../contracts/controller-api/enclave-client.js';
import { ControllerApiError } from '../contracts/controller-api/unix-json-client.js';
import { accessPattern, type PatternKind } from './access-pattern.js';
import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';
import { modeledTime, type ModeledTime } from './modeled-time.js';
import { PAGE_SIZE as PAGE } from '../epc/sgx.js';

/** Pages per `add` call while building (keeps each request short so others interleave). */
export const ADD_CHUNK_PAGES = 1024;
/** Pause before re-trying an access the controller answered EBUSY. */
export const BUSY_BACKOFF_MS = 1;

/** What to run. Sizes in bytes (multiples of 4096), times in ms, rate in access calls/s (0 = max). */
export interface WorkloadOptions {
  /** The slot's enclave socket (the pod's identity: the controller charges its slot's cgroup). */
  socket: string;
  /** Asserted slot: the controller refuses every call with EPERM (field slot) if the socket is another slot's. */
  slot?: string;
  enclaveBytes: number;
  workingSetBytes: number;
  pattern: PatternKind;
  rate: number;
  durationMs: number;
  batch: number;
  seed?: number;
  /** Shortest warm-up in ms (default 0): figures start after the first pass over the working set
   *  and at least this long. A process's first second of calls is slow in wall time (JIT,
   *  connection set-up), so the demo sets 1 s for its baseline and runs alike. */
  minWarmupMs?: number;
  /** Emit a progress line every this many ms (0/undefined = never). */
  progressIntervalMs?: number;
  onProgress?: (p: WorkloadProgress) => void;
  /** Aborting ends the access phase early (SIGTERM); the enclave is still destroyed. */
  signal?: AbortSignal;
}

/** A periodic progress line (the demo charts these). Latency over the last interval only. */
export interface WorkloadProgress {
  type: 'progress';
  elapsedMs: number;
  accesses: number;
  pagesAccessed: number;
  intervalP50Us: number;
  intervalP99Us: number;
  /** Modeled ns per page access over the last interval (see modeled-time.ts); 0 without accesses. */
  intervalModeledNsPerPage: number;
  reloads: number;
  evictions: number;
  currentBytes: number;
}

/** The final report (`epc workload --json`). */
export interface WorkloadReport {
  slot: string;
  cgroup: string;
  enclave: string;
  config: { enclaveBytes: number; workingSetBytes: number; pattern: PatternKind; rate: number; durationMs: number; batch: number; seed: number };
  build: { ms: number; pages: number; reloaded: number; evictedInCgroup: number };
  /** Access calls made, pages touched, wall time of the access phase. */
  accesses: number;
  pagesAccessed: number;
  elapsedMs: number;
  /** Access calls in the warm-up (the first working set's worth of pages, and at least minWarmupMs). */
  warmupAccesses: number;
  /** Wall time of one access call's round trip through the enclave socket (the controller's
   *  paging delay included), after warm-up when there is any. Informational: it moves with CPU load. */
  latencyUs: LatencySummary;
  /** Modeled access time after warm-up (all accesses when the warm-up never ended): the figure
   *  isolation is judged by (see modeled-time.ts). */
  modeled: ModeledTime;
  /** Evicted pages of ours that faults reloaded (from the access replies). */
  reloads: number;
  reloadsAfterWarmup: number;
  /** Pages evicted from our cgroup during the access phase (controller's per-cgroup counter). */
  evictions: number;
  evictionsAfterWarmup: number;
  busyRetries: number;
  stoppedBy: 'duration' | 'signal' | 'error';
  error?: string;
}

/**
 * The simulated enclave application: builds an enclave (create, add, init) through the enclave
 * socket as its slot, then touches its working set in the chosen pattern and rate for the
 * duration, and destroys the enclave on the way out (also when aborted or failing).
 */
export async function runWorkload(o: WorkloadOptions): Promise<WorkloadReport> {
  const client = new EnclaveClient(o.socket, o.slot, { timeoutMs: 30_000 });
  const enclavePages = o.enclaveBytes / PAGE;
  const wsPages = o.workingSetBytes / PAGE;
  const seed = o.seed ?? 1;
  let enclave: string | undefined;
  try {
    const me = await client.self();
    const evicted0 = me.stats.evicted;
    const t0 = performance.now();
    const created = await client.create({ name: `workload-${process.pid}` });
    enclave = created.enclave;
    let reloadedBuild = 0;
    for (let done = 0; done < enclavePages; done += ADD_CHUNK_PAGES) {
      const r = await client.add(enclave, Math.min(ADD_CHUNK_PAGES, enclavePages - done));
      reloadedBuild += r.reloaded;
    }
    await client.init(enclave);
    const afterBuild = await client.self();
    const build = { ms: Math.round(performance.now() - t0), pages: enclavePages, reloaded: reloadedBuild, evictedInCgroup: afterBuild.stats.evicted - evicted0 };

    const pattern = accessPattern({ kind: o.pattern, workingSetPages: wsPages, batch: o.batch, seed });
    const lat = new LatencyRecorder();
    let accesses = 0;
    let pages = 0;
    let reloads = 0;
    let pagingNs = 0;
    let busyRetries = 0;
    let warmupAccesses = -1;
    let reloadsAtWarmup = 0;
    let pagesAtWarmup = 0;
    let pagingAtWarmup = 0;
    let progressPages = 0;
    let progressPaging = 0;
    let evictedAtWarmup = afterBuild.stats.evicted;
    let stoppedBy: WorkloadReport['stoppedBy'] = 'duration';
    let error: string | undefined;
    const start = performance.now();
    const interval = o.rate > 0 ? 1000 / o.rate : 0;
    let nextProgress = o.progressIntervalMs ? start + o.progressIntervalMs : Infinity;
    let progressFrom = 0;

    while (performance.now() - start < o.durationMs) {
      if (o.signal?.aborted) {
        stoppedBy = 'signal';
        break;
      }
      if (interval > 0) {
        const due = start + accesses * interval;
        const wait = due - performance.now();
        if (wait >= 1) await sleep(Math.min(wait, o.durationMs - (performance.now() - start)), o.signal);
        if (performance.now() - start >= o.durationMs) break;
      }
      const ranges = pattern.next();
      const t = performance.now();
      try {
        const r = await client.access(enclave, ranges);
        reloads += r.reloaded;
        pagingNs += r.simulatedNs;
        busyRetries += r.busyRetries;
      } catch (err) {
        if (err instanceof ControllerApiError && err.code === 'EBUSY') {
          reloads += Number(err.body.reloaded ?? 0);
          pagingNs += Number(err.body.simulatedNs ?? 0);
          pages += Number(err.body.done ?? 0);
          busyRetries++;
          await sleep(BUSY_BACKOFF_MS, o.signal);
          continue;
        }
        stoppedBy = 'error';
        error = err instanceof ControllerApiError ? `${err.code}: ${err.message}` : (err as Error).message;
        break;
      }
      lat.record((performance.now() - t) * 1000);
      accesses++;
      for (const [a, b] of ranges) pages += b - a + 1;
      if (warmupAccesses < 0 && pages >= wsPages && performance.now() - start >= (o.minWarmupMs ?? 0)) {
        warmupAccesses = accesses;
        reloadsAtWarmup = reloads;
        pagesAtWarmup = pages;
        pagingAtWarmup = pagingNs;
        evictedAtWarmup = (await client.self()).stats.evicted;
      }
      if (performance.now() >= nextProgress && o.onProgress) {
        const s = (await client.self()).stats;
        const iv = lat.summary(progressFrom);
        progressFrom = lat.count;
        o.onProgress({
          type: 'progress', elapsedMs: Math.round(performance.now() - start), accesses, pagesAccessed: pages, intervalP50Us: iv.p50, intervalP99Us: iv.p99,
          intervalModeledNsPerPage: modeledTime(pages - progressPages, pagingNs - progressPaging).nsPerPage,
          reloads, evictions: s.evicted - afterBuild.stats.evicted, currentBytes: s.current,
        });
        progressPages = pages;
        progressPaging = pagingNs;
        nextProgress += o.progressIntervalMs ?? Infinity;
      }
    }
    const end = (await client.self()).stats;
    const elapsedMs = Math.round(performance.now() - start);
    const warm = warmupAccesses < 0 ? accesses : warmupAccesses;
    return {
      slot: me.slot, cgroup: me.cgroup, enclave,
      config: { enclaveBytes: o.enclaveBytes, workingSetBytes: o.workingSetBytes, pattern: o.pattern, rate: o.rate, durationMs: o.durationMs, batch: o.batch, seed },
      build, accesses, pagesAccessed: pages, elapsedMs, warmupAccesses: warm,
      latencyUs: lat.summary(warm < accesses ? warm : 0),
      modeled: warm < accesses ? modeledTime(pages - pagesAtWarmup, pagingNs - pagingAtWarmup) : modeledTime(pages, pagingNs),
      reloads, reloadsAfterWarmup: warmupAccesses < 0 ? 0 : reloads - reloadsAtWarmup,
      evictions: end.evicted - afterBuild.stats.evicted,
      evictionsAfterWarmup: warmupAccesses < 0 ? 0 : end.evicted - evictedAtWarmup,
      busyRetries, stoppedBy, ...(error ? { error } : {}),
    };
  } finally {
    if (enclave) await client.destroy(enclave).catch(() => undefined);
    client.close();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
