import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { podSpec, startDouble, type DoubleFixture } from './double-fixture.js';

const run = promisify(execFile);
let f: DoubleFixture;
beforeEach(async () => {
  f = await startDouble();
});
afterEach(async () => {
  await f.close();
});

// What `epc agent --kubeconfig FILE` does in its own process: load the file, talk to the double.
const SCRIPT = `
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
const kc = new KubeConfig();
kc.loadFromFile(process.argv[1]);
const core = kc.makeApiClient(CoreV1Api);
const list = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=n1' });
console.log(JSON.stringify({ names: list.items.map((p) => p.metadata.name), rv: list.metadata.resourceVersion }));
`;

describe('ApiServerDouble from another process', () => {
  it('a child process reaches it through the kubeconfig file alone', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1' }));
    f.double.addPod(podSpec('b', { namespace: 'ns1', nodeName: 'n2' }));
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', SCRIPT, f.kubeconfigPath], { cwd: process.cwd(), timeout: 30_000 });
    const out = JSON.parse(stdout.trim());
    expect(out.names).toEqual(['a']);
    expect(out.rv).toMatch(/^[0-9]+$/);
  });
});
