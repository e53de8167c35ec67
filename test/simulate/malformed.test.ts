/**
 * Malformed scenario files: each gives ONE message naming the field (step index included), via
 * the library for every case, and via `epc simulate` (exit 2, that one line on stderr) as real
 * child processes for the kinds the issue lists (each child costs ~1 s of CPU). Things only the model can judge stay step results (see the end).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario, runScenario, ScenarioError, STEP_OPS } from '../../src/simulate/index.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';

const HEAD = 'capacity: 1024\nworkers: manual\nksgxd: manual\ncgroups:\n  - {path: /A, max: 64}\nsteps:\n';
/** A scenario with the common head and these step lines. */
const withSteps = (...lines: string[]) => HEAD + lines.map((l) => `  - ${l}\n`).join('');
const CREATE = '{op: create, enclave: e1, cgroup: /A, bare: true}';
const OPS = STEP_OPS.join(', ');

interface Bad {
  name: string;
  text: string;
  /** Exact message (field: reason), or a RegExp for the YAML library's own wording. */
  message: string | RegExp;
  /** Also run through the CLI as a child process (the list of malformed kinds). */
  cli?: true;
}

const BAD: Bad[] = [
  { name: 'unknown op', text: withSteps(CREATE, '{op: eadd, enclave: e1, pages: 1}'), message: `steps[1].op: unknown op "eadd" (expected one of ${OPS})`, cli: true },
  { name: 'op missing', text: withSteps(CREATE, '{enclave: e1, pages: 1}'), message: `steps[1].op: is required (one of ${OPS})` },
  { name: 'op not a string', text: withSteps('{op: 3}'), message: `steps[0].op: unknown op 3 (expected one of ${OPS})` },
  { name: 'negative pages', text: withSteps(CREATE, '{op: add, enclave: e1, pages: -1}'), message: 'steps[1].pages: must be a non-negative integer, got -1', cli: true },
  { name: 'fractional pages', text: withSteps(CREATE, '{op: add, enclave: e1, pages: 1.5}'), message: 'steps[1].pages: must be a non-negative integer, got 1.5', cli: true },
  { name: 'pages as a string', text: withSteps(CREATE, '{op: aug, enclave: e1, pages: "4"}'), message: 'steps[1].pages: must be a non-negative integer, got "4"' },
  { name: 'pages missing', text: withSteps(CREATE, '{op: add, enclave: e1}'), message: 'steps[1].pages: is required' },
  { name: 'pages absurdly large', text: withSteps(CREATE, '{op: add, enclave: e1, pages: 1000000000}'), message: 'steps[1].pages: must be at most 268435456, got 1000000000' },
  { name: 'misspelt field', text: withSteps(CREATE, '{op: add, enclave: e1, page: 4}'), message: 'steps[1].page: unknown field (allowed: op, enclave, pages, from)', cli: true },
  { name: 'field an op does not have', text: withSteps('{op: drain, enclave: e1}'), message: 'steps[0].enclave: unknown field (allowed: op)' },
  { name: 'step not a mapping', text: withSteps('drain'), message: 'steps[0]: must be a mapping like {op: add, enclave: e1, pages: 4}, got "drain"' },
  { name: 'capacity not a page multiple', text: 'capacity: 4095Ki\n', message: 'capacity: must be a multiple of the page size (4096 bytes), got "4095Ki" = 4193280 bytes', cli: true },
  { name: 'capacity with an unknown unit', text: 'capacity: 4MB\n', message: 'capacity: must be a positive integer (pages) or a size like "4Mi", got "4MB"' },
  { name: 'capacity zero', text: 'capacity: 0\n', message: 'capacity: must be at least one page' },
  { name: 'capacity negative', text: 'capacity: -1024\n', message: 'capacity: must be a positive integer (pages) or a size like "4Mi", got -1024' },
  { name: 'capacity too large', text: 'capacity: 1Ti\n', message: 'capacity: must be at most 67108864 pages (256Gi), got "1Ti"' },
  { name: 'capacity missing', text: 'steps: []\n', message: 'capacity: is required' },
  { name: 'misspelt top-level field', text: 'capcity: 1024\n', message: 'capcity: unknown field (allowed: description, capacity, ksgxd, workers, costs, cgroups, steps)' },
  { name: 'workers neither auto nor manual', text: 'capacity: 1024\nworkers: sometimes\n', message: 'workers: must be "auto" or "manual", got "sometimes"' },
  { name: 'cost ghz zero', text: 'capacity: 1024\ncosts: {ghz: 0}\n', message: 'costs.ghz: must be a positive number, got 0' },
  { name: 'cost negative', text: 'capacity: 1024\ncosts: {evictCycles: -5}\n', message: 'costs.evictCycles: must be a non-negative number, got -5' },
  { name: 'cgroup path without leading /', text: 'capacity: 1024\ncgroups:\n  - {path: A}\n', message: 'cgroups[0].path: must start with "/", got "A"', cli: true },
  { name: 'cgroup path with an empty part', text: 'capacity: 1024\ncgroups:\n  - {path: /A//B}\n', message: 'cgroups[0].path: must be "/" or "/name/..." with no empty, ".", ".." or blank parts, got "/A//B"' },
  { name: 'cgroup declared as root', text: 'capacity: 1024\ncgroups:\n  - {path: /}\n', message: 'cgroups[0].path: the root cgroup "/" always exists and has no misc.max: declare only its descendants' },
  { name: 'child declared before its parent', text: 'capacity: 1024\ncgroups:\n  - {path: /P/Q}\n  - {path: /P}\n', message: 'cgroups[0].path: parent "/P" must be declared before "/P/Q"' },
  { name: 'cgroup declared twice', text: 'capacity: 1024\ncgroups:\n  - {path: /A}\n  - {path: /A, max: 3}\n', message: 'cgroups[1].path: "/A" is declared twice (first at cgroups[0])' },
  { name: 'max not a size', text: 'capacity: 1024\ncgroups:\n  - {path: /A, max: lots}\n', message: 'cgroups[0].max: must be pages (a non-negative integer), a size like "256Ki" or "max", got "lots"' },
  { name: 'max negative', text: 'capacity: 1024\ncgroups:\n  - {path: /A, max: -5}\n', message: 'cgroups[0].max: must be pages (a non-negative integer), a size like "256Ki" or "max", got -5' },
  { name: 'cgroup entry not a mapping', text: 'capacity: 1024\ncgroups:\n  - /A\n', message: 'cgroups[0]: must be a mapping like {path: /A, max: 64}, got "/A"' },
  { name: 'step cgroup path without leading /', text: withSteps('{op: read, cgroup: A, file: misc.max}'), message: 'steps[0].cgroup: must start with "/", got "A"', cli: true },
  { name: 'unknown cgroup', text: withSteps('{op: create, enclave: e1, cgroup: /B}'), message: 'steps[0].cgroup: unknown cgroup "/B" (not declared in cgroups and not created by an earlier mkdir)', cli: true },
  { name: 'unknown from cgroup', text: withSteps(CREATE, '{op: add, enclave: e1, pages: 1, from: /B}'), message: 'steps[1].from: unknown cgroup "/B" (not declared in cgroups and not created by an earlier mkdir)' },
  { name: 'cgroup used before its mkdir', text: withSteps('{op: read, cgroup: /A/B, file: misc.max}', '{op: mkdir, cgroup: /A/B}'), message: 'steps[0].cgroup: unknown cgroup "/A/B" (not declared in cgroups and not created by an earlier mkdir)' },
  { name: 'mkdir under an unknown parent', text: withSteps('{op: mkdir, cgroup: /X/Y}'), message: 'steps[0].cgroup: parent "/X" of "/X/Y" is not declared or created earlier' },
  { name: 'unknown enclave', text: withSteps(CREATE, '{op: add, enclave: e2, pages: 1}'), message: 'steps[1].enclave: unknown enclave "e2" (no earlier create step)', cli: true },
  { name: 'enclave used before its create', text: withSteps('{op: init, enclave: e1}', CREATE), message: 'steps[0].enclave: unknown enclave "e1" (no earlier create step)' },
  { name: 'reused enclave name', text: withSteps(CREATE, '{op: destroy, enclave: e1}', '{op: create, enclave: e1, cgroup: /A}'), message: 'steps[2].enclave: enclave "e1" is already created at steps[0]; enclave names cannot be reused', cli: true },
  { name: 'enclave name empty', text: withSteps('{op: create, enclave: "", cgroup: /A}'), message: 'steps[0].enclave: must be a non-empty string, got ""' },
  { name: 'range out of order', text: withSteps(CREATE, '{op: add, enclave: e1, pages: 10}', '{op: access, enclave: e1, range: [9, 3]}'), message: 'steps[2].range: is out of order: first index 9 is after last index 3', cli: true },
  { name: 'range with a negative index', text: withSteps(CREATE, '{op: access, enclave: e1, range: [-1, 3]}'), message: 'steps[1].range: first index must be a non-negative integer, got -1' },
  { name: 'range of one number', text: withSteps(CREATE, '{op: access, enclave: e1, range: [1]}'), message: 'steps[1].range: must be [first, last] page indexes, got [1]' },
  { name: 'bare not a boolean', text: withSteps('{op: create, enclave: e1, cgroup: /A, bare: yes}'), message: 'steps[0].bare: must be true or false, got "yes"' },
  { name: 'write value not a string', text: withSteps('{op: write, cgroup: /A, file: misc.max, value: 5}'), message: 'steps[0].value: must be a string (quote it, e.g. "sgx_epc 10000"), got 5' },
  { name: 'steps not a list', text: 'capacity: 1024\nsteps: {op: drain}\n', message: 'steps: must be a list of steps' },
  { name: 'top level a list', text: '- capacity: 1024\n', message: 'the simulation file must be a mapping with capacity, cgroups and steps, got [{"capacity":1024}]' },
  { name: 'empty file', text: '', message: 'the scenario is empty: it needs at least capacity and steps', cli: true },
  { name: 'binary junk', text: '\u0001\u0002\u00e9', message: 'the simulation file must be a mapping with capacity, cgroups and steps, got "\\u0001\\u0002\\u00e9"' },
  { name: 'bad YAML', text: 'capacity: 1024\nsteps:\n  - {op: drain\n', message: /^not valid YAML: .*line \d+/, cli: true },
  { name: 'duplicate YAML key', text: 'capacity: 1024\ncapacity: 2048\n', message: /^not valid YAML: .*[Dd]uplicate|^not valid YAML: .*unique/ },
];

const CLI_CASES = BAD.filter((b) => b.cli);

function libraryError(text: string): ScenarioError {
  try {
    parseScenario(text);
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error('expected a ScenarioError, the scenario parsed');
}

describe('malformed scenarios: the library names the field', () => {
  it.each(BAD.map((b) => [b.name, b] as const))('%s', (_name, b) => {
    const err = libraryError(b.text);
    if (typeof b.message === 'string') expect(err.message).toBe(b.message);
    else expect(err.message).toMatch(b.message);
    expect(err.message).not.toContain('\n');
  });
});

describe('malformed scenarios: `epc simulate` exits 2 with one line (child processes)', () => {
  let dir: string;
  const results = new Map<string, { file: string; r: CliResult }>();
  /** Child processes at once: enough to overlap tsx start-up, few enough for 2 shared cores. */
  const CONCURRENCY = 4;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epc-sim-bad-'));
    const jobs = CLI_CASES.map((b, i) => async () => {
      const file = join(dir, `bad-${i}.yaml`);
      await writeFile(file, b.text);
      results.set(b.name, { file, r: await runCli(['simulate', file, '--json']) });
    });
    const next = async (): Promise<void> => {
      const job = jobs.shift();
      if (job) await job().then(next);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, next));
  }, 180_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(CLI_CASES.map((b) => [b.name, b] as const))('%s', (_name, b) => {
    const { file, r } = results.get(b.name)!;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines).toHaveLength(2); // one message + the final newline
    expect(lines[1]).toBe('');
    const prefix = `epc: ${file}: `;
    expect(lines[0].startsWith(prefix)).toBe(true);
    const message = lines[0].slice(prefix.length);
    if (typeof b.message === 'string') expect(message).toBe(b.message);
    else expect(message).toMatch(b.message);
  });
});

describe('files that cannot be read', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epc-sim-io-'));
    await mkdir(join(dir, 'a-directory.yaml'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['a missing file', 'missing.yaml', 'cannot read scenario: no such file'],
    ['a directory', 'a-directory.yaml', 'cannot read scenario: is a directory'],
  ])('%s exits 2 naming the file', async (_name, base, reason) => {
    const file = join(dir, base);
    const r = await runCli(['simulate', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`epc: ${file}: ${reason}\n`);
  });

  it('a demo scenario (for `epc demo --scenario`) exits 2 saying what it is', async () => {
    const r = await runCli(['simulate', 'test/scenarios/demo/default.yaml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('epc: test/scenarios/demo/default.yaml: this is a demo scenario (node, tenants) for `epc demo --scenario FILE`, not a simulation file (capacity, cgroups, steps) for `epc simulate`\n');
  });

  it('no file argument is a usage error (exit 2)', async () => {
    const r = await runCli(['simulate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 'file'/);
  });
});

describe('not malformed: what only the model can judge is a step result', () => {
  it.each([
    ['root has no misc.max', '{op: read, cgroup: /, file: misc.max}', { op: 'read', result: 'ENOENT' }],
    ['a child has no misc.capacity', '{op: read, cgroup: /A, file: misc.capacity}', { op: 'read', result: 'ENOENT' }],
    ['a file that does not exist at all', '{op: write, cgroup: /A, file: misc.nonsense, value: "x"}', { op: 'write', result: 'ENOENT' }],
    ['a write the kernel rejects', '{op: write, cgroup: /A, file: misc.max, value: "sgx_epc lots"}', { op: 'write', result: 'EINVAL' }],
  ])('%s', (_name, line, expected) => {
    const report = runScenario(parseScenario(withSteps(line)));
    expect(report.steps).toEqual([expected]);
  });

  it('a range past the end of the enclave is a step error, not a malformed file', () => {
    const report = runScenario(parseScenario(withSteps(CREATE, '{op: add, enclave: e1, pages: 4}', '{op: access, enclave: e1, range: [2, 9]}')));
    expect(report.steps[2].result).not.toBe('ok');
  });

  it('a cgroup removed by rmdir is ENOENT for later steps', () => {
    const report = runScenario(parseScenario(withSteps('{op: mkdir, cgroup: /A/B}', '{op: rmdir, cgroup: /A/B}', '{op: read, cgroup: /A/B, file: misc.current}')));
    expect(report.steps).toEqual([
      { op: 'mkdir', result: 'ok' },
      { op: 'rmdir', result: 'ok' },
      { op: 'read', result: 'ENOENT' },
    ]);
  });
});
