/**
 * The demo's verdict can fail: `epc demo` as a real child process on a demo scenario whose quiet
 * tenant is over-subscribed against its own request (test/scenarios/demo/quiet-oversubscribed.yaml)
 * exits 1 and says which condition failed on its own FAILED: line. Asserts paging counters and
 * verdict lines only, never timings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../helpers/run-cli.js';

describe('epc demo on a quiet tenant over-subscribed against its own request', () => {
  let root: string;
  let res: CliResult;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edv-'));
    res = await runCli(['demo', '--duration', '2', '--no-report', '--scenario', 'test/scenarios/demo/quiet-oversubscribed.yaml'], {
      timeoutMs: 240_000, env: { ...process.env, TMPDIR: root },
    });
  }, 250_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('exits 1 with isolation holds: NO', () => {
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout, res.stderr).toMatch(/^problem reproduced: /m);
    expect(res.stdout).toMatch(/^isolation holds: NO; every limit bound before start: yes$/m);
    expect(res.stderr).toMatch(/demo failed: \d+ check\(s\) failed/);
  });

  it('names the paging of the quiet tenant with limits on on its own FAILED: line', () => {
    const failed = res.stdout.split('\n').filter((l) => l.startsWith('FAILED: '));
    expect(failed.some((l) => /^FAILED: tenant-a\/quiet-a \(quiet\) was paged with limits on: \d+ evictions and [1-9]\d* reloads after its build$/.test(l)), res.stdout).toBe(true);
  });

  it('still reports the problem as reproduced with limits off (its enclave does not fit the node)', () => {
    expect(res.stdout).toMatch(/^problem reproduced: yes/m);
    expect(res.stdout).not.toMatch(/FAILED: the problem did not show/);
  });
});
