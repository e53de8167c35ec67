/**
 * What docs/epc-model.md ("Conformance scenarios") says each conformance scenario file must give,
 * written from the doc (not from the model's output): every step result and the /A summary.
 * Pages in misc files are bytes: cur(49) = "sgx_epc 200704\n".
 */
import type { CgroupSnapshot, StepResult } from '../../src/epc/index.js';

export const PAGE = 4096;
/** misc.current / misc.peak content for `pages` pages. */
export const cur = (pages: number): string => `sgx_epc ${pages * PAGE}\n`;
/** misc.events / misc.events.local content. */
export const ev = (n: number): string => `sgx_epc.max ${n}\n`;
const ok = (op: StepResult['op'], extra: Partial<StepResult> = {}): StepResult => ({ op, result: 'ok', ...extra });
const read = (value: string): StepResult => ok('read', { value });

/** One conformance scenario: its file under test/scenarios and the doc's numbers. */
export interface ConformanceCase {
  name: string;
  file: string;
  steps: StepResult[];
  /** Fields of cgroups["/A"] at the end. */
  a: Partial<CgroupSnapshot>;
  epc?: { free?: number; evicted?: number; reloaded?: number };
}

export const CONFORMANCE: ConformanceCase[] = [
  {
    name: '1: misc files of a new cgroup, write formats, EINVAL, 2 pages effective',
    file: 'conformance-1-misc-files.yaml',
    steps: [
      read('sgx_epc max\n'),
      read(cur(0)),
      read(ev(0)),
      read('sgx_epc 4194304\n'),
      ok('write'),
      read('sgx_epc 10000\n'),
      { op: 'write', result: 'EINVAL' },
      read('sgx_epc 10000\n'),
      { op: 'read', result: 'ENOENT' },
      ok('create'),
      ok('add', { done: 2 }),
      read(ev(0)),
      ok('add', { done: 1 }),
      read(ev(1)),
    ],
    a: { max: '10000', current: 1, peak: 2, events: 1, eventsLocal: 1, evicted: 2, reloaded: 0 },
  },
  {
    name: '2: 40 adds under max 64',
    file: 'conformance-2-under-limit.yaml',
    steps: [ok('create'), ok('add', { done: 40 }), read(cur(40)), read(cur(40)), read(ev(0))],
    a: { max: String(64 * PAGE), current: 40, peak: 40, events: 0, eventsLocal: 0, evicted: 0, reloaded: 0 },
    epc: { free: 1024 - 40, evicted: 0, reloaded: 0 },
  },
  {
    name: '3: the 65th add under max 64 evicts the 16 oldest; drain does nothing',
    file: 'conformance-3-limit-reclaims-oldest.yaml',
    steps: [
      ok('create'),
      ok('add', { done: 64 }),
      ok('add', { done: 1 }),
      read(ev(1)),
      read(cur(49)),
      read(cur(64)),
      ok('drain'),
      read(cur(49)),
      ok('access', { done: 49 }),
      ok('access', { done: 1 }),
    ],
    // The access of pages 16..64 reloaded nothing; page 0 was evicted (1 reload -> current 50).
    a: { current: 50, peak: 64, events: 1, eventsLocal: 1, evicted: 16, reloaded: 1 },
    epc: { evicted: 16, reloaded: 1 },
  },
  {
    name: '4: young pages get a second chance (events 2)',
    file: 'conformance-4-second-chance.yaml',
    steps: [ok('create'), ok('add', { done: 16 }), ok('access', { done: 16 }), ok('add', { done: 1 }), read(ev(2)), read(cur(1))],
    a: { max: String(16 * PAGE), current: 1, peak: 16, events: 2, eventsLocal: 2, evicted: 16, reloaded: 0 },
  },
  {
    name: '5: lowering max below usage only stores it; the next add reclaims 64',
    file: 'conformance-5-lower-max-below-usage.yaml',
    steps: [
      ok('create'),
      ok('add', { done: 100 }),
      ok('write'),
      read(cur(100)),
      read(ev(0)),
      ok('drain'),
      read(cur(100)),
      ok('add', { done: 1 }),
      read(ev(4)),
      read(cur(37)),
    ],
    a: { max: String(50 * PAGE), current: 37, peak: 100, events: 4, eventsLocal: 4, evicted: 64, reloaded: 0 },
  },
  {
    name: '6: async work threshold at max - 32 (168 of 200)',
    file: 'conformance-6-async-threshold.yaml',
    steps: [
      ok('create'),
      ok('add', { done: 167 }),
      ok('drain'),
      read(cur(167)),
      ok('add', { done: 1 }),
      read(cur(168)),
      ok('drain'),
      read(cur(152)),
      read(ev(0)),
    ],
    a: { current: 152, peak: 168, events: 0, evicted: 16, reloaded: 0 },
  },
  {
    name: '7: a fault at the limit gets EBUSY, drain frees 16, the retry succeeds',
    file: 'conformance-7-fault-ebusy.yaml',
    steps: [
      ok('create'),
      ok('add', { done: 64 }),
      ok('init'),
      { op: 'aug', result: 'EBUSY', done: 0 },
      read(ev(1)),
      ok('drain'),
      read(cur(48)),
      ok('aug', { done: 1 }),
      read(cur(49)),
    ],
    a: { current: 49, peak: 64, events: 1, eventsLocal: 1, evicted: 16 },
  },
  {
    name: '8: a 1000-page enclave holds 2 VA + SECS; destroy keeps peak',
    file: 'conformance-8-enclave-overhead.yaml',
    steps: [ok('create'), ok('add', { done: 1000 }), read(cur(1003)), read(cur(1003)), ok('destroy'), read(cur(0)), read(cur(1003))],
    a: { max: 'max', current: 0, peak: 1003, events: 0, evicted: 0 },
    epc: { free: 1024 },
  },
];
