/**
 * The lean kubeconfig loader against the ApiServerDouble: kubeconfig files (relative paths,
 * errors that name the file and the field), in-cluster access with a rotating token file (re-read
 * after a minute and after a 401), and REST errors in the double's real Status format.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeApiError } from '../../src/k8s/describe-api-error.js';
import { inClusterLoaded, KubeAccess, KubeAccessError, loadKubeAccess, TOKEN_FILE_TTL_MS } from '../../src/k8s/kube-access.js';
import { KubeApiError, KubeHttp } from '../../src/k8s/kube-http.js';
import { startDouble, type DoubleFixture } from '../testbed/api-server/double-fixture.js';

let f: DoubleFixture;
let dir: string;
beforeEach(async () => {
  f = await startDouble();
  dir = await mkdtemp(join(tmpdir(), 'epc-kubeaccess-'));
});
afterEach(async () => {
  await f.close();
  await rm(dir, { recursive: true, force: true });
});

const kubeconfig = (cluster: string, user: string, current = 'c') =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n${cluster}\nusers:\n- name: u\n  user:\n${user}\ncontexts:\n- name: c\n  context:\n    cluster: k\n    user: u\ncurrent-context: ${current}\n`;

describe('loadKubeAccess', () => {
  it('reads the double\'s kubeconfig file and talks to it (list, get, 404 as a real Status)', async () => {
    const access = await loadKubeAccess({ file: f.kubeconfigPath });
    f.double.addNode('n1');
    const api = new KubeHttp(access);
    expect((await api.request({ path: '/api/v1/nodes/n1' })).metadata.name).toBe('n1');
    const err = await api.request({ path: '/api/v1/nodes/nope' }).catch((e) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(describeApiError(err)).toMatchObject({ code: 404, reason: 'NotFound' });
    f.double.injectFault({ code: 503, method: 'GET', pathPrefix: '/api/v1/nodes' });
    expect(describeApiError(await api.request({ path: '/api/v1/nodes' }).catch((e) => e))).toMatchObject({ code: 503, reason: 'InternalError' });
  });

  it('resolves certificate paths relative to the kubeconfig and applies CA, client cert, token and impersonation', async () => {
    await writeFile(join(dir, 'ca.pem'), 'CA');
    await writeFile(join(dir, 'crt.pem'), 'CRT');
    const file = join(dir, 'config');
    await writeFile(file, kubeconfig('    server: https://127.0.0.1:6443\n    certificate-authority: ca.pem\n    tls-server-name: api', '    client-certificate: crt.pem\n    client-key-data: S0VZ\n    token: t0k\n    as: alice'));
    const opts: Record<string, any> = {};
    await (await loadKubeAccess({ file })).applyToHTTPSOptions(opts);
    expect([String(opts.ca), String(opts.cert), String(opts.key), opts.servername]).toEqual(['CA', 'CRT', 'KEY', 'api']);
    expect(opts.headers).toEqual({ Authorization: 'Bearer t0k', 'Impersonate-User': 'alice' });
    expect(opts.agent).toBeDefined();
  });

  it.each([
    ['a missing file', undefined, /no such file/],
    ['bad YAML', '{ clusters: [', /not valid YAML/],
    ['a cluster without server', kubeconfig('    insecure-skip-tls-verify: true', '    token: x'), /clusters\[0\]\.cluster\.server is missing/],
    ['a current-context naming no context', kubeconfig('    server: https://x', '    token: x', 'other'), /current-context "other" names no context/],
  ])('refuses %s with an error naming the file', async (_name, text, msg) => {
    const file = join(dir, 'config');
    if (text !== undefined) await writeFile(file, text);
    const err = await loadKubeAccess({ file }).catch((e) => e);
    expect(err).toBeInstanceOf(KubeAccessError);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(msg);
  });

  it('refuses plain HTTP without insecure-skip-tls-verify (as client-node does)', async () => {
    const file = join(dir, 'config');
    await writeFile(file, kubeconfig(`    server: ${f.double.url}`, '    token: x'));
    await expect(new KubeHttp(await loadKubeAccess({ file })).request({ path: '/api/v1/nodes' })).rejects.toThrow(/HTTP protocol is not allowed/);
  });

  it('falls back to the service account when no kubeconfig exists, and to $KUBECONFIG before it', async () => {
    await writeFile(join(dir, 'token'), 'sa-token\n');
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', HOME: join(dir, 'nohome') };
    const inCluster = await loadKubeAccess({ env, serviceAccountDir: dir });
    expect(inCluster.getCurrentCluster().server).toBe('https://[fd00::1]:443');
    const viaEnv = await loadKubeAccess({ env: { ...env, KUBECONFIG: f.kubeconfigPath }, serviceAccountDir: dir });
    expect(viaEnv.getCurrentCluster().server).toBe(f.double.url);
  });
});

describe('in-cluster token rotation', () => {
  it('re-reads the token file after a minute and at once after a 401 (the double\'s real Unauthorized)', async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, f.double.token);
    let now = 1_000_000;
    const loaded = inClusterLoaded({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    // The double serves plain HTTP: same user (token file), its URL.
    const access = new KubeAccess({ ...loaded, cluster: { ...loaded.cluster, server: f.double.url, skipTLSVerify: true, caFile: undefined } }, () => now);
    const api = new KubeHttp(access);
    await api.request({ path: '/api/v1/nodes' });
    await writeFile(tokenFile, 'rotated-but-wrong');
    await api.request({ path: '/api/v1/nodes' }); // cached for a minute
    now += TOKEN_FILE_TTL_MS + 1;
    const err = await api.request({ path: '/api/v1/nodes' }).catch((e) => e);
    expect(describeApiError(err)).toMatchObject({ code: 401, reason: 'Unauthorized' });
    await writeFile(tokenFile, f.double.token);
    // the 401 dropped the cached token: the next request reads the file again (no minute to wait)
    await expect(api.request({ path: '/api/v1/nodes' })).resolves.toMatchObject({ kind: 'NodeList' });
  });
});
