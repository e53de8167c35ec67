/**
 * Reads every enforced pod's counters from the backend (at scrape time and on the Event poll),
 * a bounded number in parallel. A pod whose cgroup cannot be read is reported without stats.
 */
import type { EpcBackend, EpcCgroupStats } from '../backend/epc-backend.js';
import type { PodRecord, PodRecords } from './pod-records.js';

const CONCURRENCY = 16;

export interface PodStats {
  rec: PodRecord;
  stats: EpcCgroupStats | undefined;
}

export async function readPodStats(records: PodRecords, backend: EpcBackend): Promise<PodStats[]> {
  const recs = records.all();
  const out: PodStats[] = new Array(recs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, recs.length) }, async () => {
    while (next < recs.length) {
      const i = next++;
      const rec = recs[i];
      out[i] = { rec, stats: await backend.stats(rec.cgroup).catch(() => undefined) };
    }
  }));
  return out;
}
