/**
 * A hostile tenant against the running webhook (real HTTPS, test/webhook/webhook-harness.ts):
 * pod specs that try to reach /dev/sgx_enclave, /dev/sgx_provision, the controller's socket dir
 * or the EPC limits themselves (cgroupfs, kubelet's device-plugin registration) without
 * declaring EPC, or to lift their own limit. Each row is an attempt with the answer under both
 * policies. Rows marked "out of scope" are admitted on purpose; README "Security model" says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWebhook, type TestWebhook } from './webhook-harness.js';

const EPC = 'sgx.intel.com/epc';
const epc = { resources: { requests: { [EPC]: '8Mi' }, limits: { [EPC]: '8Mi' } } };

type Answer = 'denied' | 'warned' | 'admitted';
interface Attempt {
  name: string;
  spec: Record<string, unknown>;
  /** default policy, strict policy */
  expect: [Answer, Answer];
  /** the rule a denial names */
  rule?: string;
  operation?: 'CREATE' | 'UPDATE';
  oldSpec?: Record<string, unknown>;
  subResource?: string;
  meta?: Record<string, unknown>;
  oldMeta?: Record<string, unknown>;
}

const hostPath = (path: string, opts: { epc?: boolean; readOnly?: boolean } = {}) => ({
  volumes: [{ name: 'v', hostPath: { path } }],
  containers: [{ name: 'c', image: 'x', ...(opts.epc ? epc : {}), volumeMounts: [{ name: 'v', mountPath: '/x', readOnly: opts.readOnly ?? false }] }],
});

const ATTEMPTS: Attempt[] = [
  // the SGX devices, without EPC, through the prefixes the kernel follows
  { name: 'hostPath /proc/1/root/dev', spec: hostPath('/proc/1/root/dev'), expect: ['denied', 'denied'], rule: 'hostpath-device' },
  { name: 'hostPath //dev//sgx_enclave', spec: hostPath('//dev//sgx_enclave'), expect: ['denied', 'denied'], rule: 'hostpath-device' },
  { name: 'hostPath /dev/./sgx_provision/', spec: hostPath('/dev/./sgx_provision/'), expect: ['denied', 'denied'], rule: 'hostpath-device' },
  { name: 'hostPath /proc/thread-self/root/dev', spec: hostPath('/proc/thread-self/root/dev'), expect: ['denied', 'denied'], rule: 'hostpath-device' },
  { name: 'hostPath /proc/1/task/1/root/dev/sgx_provision', spec: hostPath('/proc/1/task/1/root/dev/sgx_provision'), expect: ['denied', 'denied'], rule: 'hostpath-device' },
  { name: 'hostPath /dev/char/10:125 (udev link)', spec: hostPath('/dev/char/10:125'), expect: ['denied', 'denied'], rule: 'hostpath-device' },
  { name: 'hostPath /dev/sgx_enclave in an init container', spec: { volumes: [{ name: 'v', hostPath: { path: '/dev/sgx_enclave' } }], initContainers: [{ name: 'i', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/x' }] }], containers: [{ name: 'c', image: 'x' }] }, expect: ['denied', 'denied'], rule: 'hostpath-device' },
  // the controller's socket dir, EPC or not
  { name: 'hostPath /var/run/../run/epc', spec: hostPath('/var/run/../run/epc'), expect: ['denied', 'denied'], rule: 'hostpath-controller-socket' },
  { name: 'hostPath /run/epc/../epc/control.sock with EPC', spec: hostPath('/run/epc/../epc/control.sock', { epc: true }), expect: ['denied', 'denied'], rule: 'hostpath-controller-socket' },
  { name: 'hostPath /proc/self/root/var/run/epc with EPC', spec: hostPath('/proc/self/root/var/run/epc', { epc: true }), expect: ['denied', 'denied'], rule: 'hostpath-controller-socket' },
  // the limits themselves: cgroupfs (misc.max) and kubelet's device-plugin registration
  { name: 'hostPath /sys/fs/cgroup with EPC (write its own misc.max)', spec: hostPath('/sys/fs/cgroup', { epc: true }), expect: ['warned', 'denied'], rule: 'hostpath-enforcement' },
  { name: 'hostPath /sys/fs/cgroup read-only, no EPC', spec: hostPath('/sys/fs/cgroup', { readOnly: true }), expect: ['warned', 'denied'], rule: 'hostpath-enforcement' },
  { name: 'hostPath /sys with EPC', spec: hostPath('/sys', { epc: true }), expect: ['warned', 'denied'], rule: 'hostpath-enforcement' },
  { name: 'hostPath /proc/1/root/sys/fs/cgroup/kubepods.slice with EPC', spec: hostPath('/proc/1/root/sys/fs/cgroup/kubepods.slice', { epc: true }), expect: ['warned', 'denied'], rule: 'hostpath-enforcement' },
  { name: 'hostPath /var/lib/kubelet/device-plugins (register its own enclave plugin)', spec: hostPath('/var/lib/kubelet/device-plugins'), expect: ['warned', 'denied'], rule: 'hostpath-enforcement' },
  { name: 'hostPath /var/lib/kubelet with EPC', spec: hostPath('/var/lib/kubelet', { epc: true }), expect: ['warned', 'denied'], rule: 'hostpath-enforcement' },
  // hostPID: /proc/<pid>/root of the agent (uid 0, no capabilities) is its rw cgroupfs
  { name: 'hostPID, no EPC', spec: { hostPID: true, containers: [{ name: 'c', image: 'x' }] }, expect: ['warned', 'denied'], rule: 'host-pid' },
  { name: 'hostPID with EPC', spec: { hostPID: true, containers: [{ name: 'c', image: 'x', ...epc }] }, expect: ['warned', 'denied'], rule: 'host-pid' },
  // privileged (the host's /dev), in every container kind
  { name: 'privileged init container', spec: { initContainers: [{ name: 'i', image: 'x', securityContext: { privileged: true } }], containers: [{ name: 'c', image: 'x' }] }, expect: ['warned', 'denied'], rule: 'privileged' },
  // ephemeral container added by UPDATE mounting an existing /dev volume in a pod without EPC
  {
    name: 'ephemeral container mounting the pod\'s /dev volume',
    operation: 'UPDATE', subResource: 'ephemeralcontainers',
    oldSpec: { volumes: [{ name: 'd', hostPath: { path: '/dev/shm' } }, { name: 'v', hostPath: { path: '/dev' } }], containers: [{ name: 'c', image: 'x' }] },
    spec: { volumes: [{ name: 'd', hostPath: { path: '/dev/shm' } }, { name: 'v', hostPath: { path: '/dev' } }], containers: [{ name: 'c', image: 'x' }], ephemeralContainers: [{ name: 'dbg', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/x' }] }] },
    expect: ['denied', 'denied'], rule: 'hostpath-device',
  },
  // annotations changed on UPDATE: the EPC annotation is immutable; the others act only at CREATE
  {
    name: 'UPDATE shrinking the sgx.intel.com/epc annotation',
    operation: 'UPDATE', meta: { annotations: { [EPC]: '1Mi' } }, oldMeta: { annotations: { [EPC]: '8Mi' } },
    spec: { containers: [{ name: 'c', image: 'x', ...epc }] }, oldSpec: { containers: [{ name: 'c', image: 'x', ...epc }] },
    expect: ['denied', 'denied'], rule: 'epc-annotation-changed',
  },
  {
    name: 'UPDATE removing require-enforcement (the affinity is already in the immutable spec)',
    operation: 'UPDATE', meta: { annotations: { [EPC]: '8Mi' } }, oldMeta: { annotations: { [EPC]: '8Mi', 'sgx-epc-enforcer.io/require-enforcement': 'true' } },
    spec: { containers: [{ name: 'c', image: 'x', ...epc }] }, oldSpec: { containers: [{ name: 'c', image: 'x', ...epc }] },
    expect: ['admitted', 'admitted'],
  },
  {
    name: 'ephemeral container, privileged, in a pod without SGX',
    operation: 'UPDATE', subResource: 'ephemeralcontainers',
    oldSpec: { containers: [{ name: 'c', image: 'x' }] },
    spec: { containers: [{ name: 'c', image: 'x' }], ephemeralContainers: [{ name: 'dbg', image: 'x', securityContext: { privileged: true } }] },
    expect: ['warned', 'denied'], rule: 'privileged',
  },
  // out of scope (admitted on purpose; README "Security model"): no host path to SGX or the limits
  { name: 'out of scope: hostIPC', spec: { hostIPC: true, containers: [{ name: 'c', image: 'x' }] }, expect: ['admitted', 'admitted'] },
  { name: 'out of scope: capabilities.add SYS_ADMIN', spec: { containers: [{ name: 'c', image: 'x', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] }, expect: ['admitted', 'admitted'] },
  { name: 'out of scope: inline csi volume', spec: { volumes: [{ name: 'v', csi: { driver: 'hostpath.csi.k8s.io', volumeAttributes: { path: '/dev' } } }], containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/x' }] }] }, expect: ['admitted', 'admitted'] },
];

function review(a: Attempt) {
  const meta = { name: 'tenant', namespace: 'team-a' };
  return {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'team-a',
      operation: a.operation ?? 'CREATE', subResource: a.subResource,
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { ...meta, ...a.meta }, spec: a.spec },
      oldObject: a.oldSpec ? { apiVersion: 'v1', kind: 'Pod', metadata: { ...meta, ...a.oldMeta }, spec: a.oldSpec } : undefined,
    },
  };
}

describe('the mirror-pod annotation is a claim: it counts only from a kubelet (system:node:NAME)', () => {
  let hook: TestWebhook | undefined;
  beforeAll(async () => {
    hook = await startTestWebhook();
  });
  afterAll(async () => hook?.close());
  const attempt: Attempt = { name: 'mirror', spec: hostPath('/dev/sgx_enclave'), expect: ['denied', 'denied'] };
  const asUser = (username: string) => {
    const r = review(attempt) as any;
    r.request.object.metadata.annotations = { 'kubernetes.io/config.mirror': 'abc' };
    r.request.userInfo = { username, groups: ['system:authenticated'] };
    return r;
  };

  it.each(['alice', 'system:serviceaccount:team-a:default', 'system:nodes'])('a tenant (%s) writing kubernetes.io/config.mirror on its pod is judged like any pod: denied', async (user) => {
    const r = await hook!.post('/validate', asUser(user));
    expect(r.json.response.allowed).toBe(false);
    expect(r.json.response.status.message).toContain('[rule hostpath-device]');
  });

  it('a kubelet\'s mirror pod is admitted (its static pod runs anyway) with the findings as warnings', async () => {
    const r = await hook!.post('/validate', asUser('system:node:node-1'));
    expect(r.json.response.allowed).toBe(true);
    expect(r.json.response.warnings[0]).toMatch(/^mirror pod: container "c" mounts hostPath \/dev\/sgx_enclave/);
  });
});

describe('hostile tenant against the webhook (real HTTPS, both policies)', () => {
  const hooks: Record<'default' | 'strict', TestWebhook | undefined> = { default: undefined, strict: undefined };
  beforeAll(async () => {
    hooks.default = await startTestWebhook();
    hooks.strict = await startTestWebhook({ config: { policy: 'strict' } });
  });
  afterAll(async () => {
    await hooks.default?.close();
    await hooks.strict?.close();
  });

  it.each(ATTEMPTS)('$name', async (a) => {
    for (const [i, policy] of (['default', 'strict'] as const).entries()) {
      const r = await hooks[policy]!.post('/validate', review(a));
      expect(r.status).toBe(200);
      const resp = r.json.response;
      const answer: Answer = !resp.allowed ? 'denied' : resp.warnings?.length ? 'warned' : 'admitted';
      expect(`${policy}: ${answer}`, JSON.stringify(resp)).toBe(`${policy}: ${a.expect[i]}`);
      if (answer === 'denied') expect(resp.status.message).toContain(`[rule ${a.rule}]`);
      if (answer === 'warned') expect(resp.warnings.join('\n')).toMatch(a.rule === 'host-pid' ? /hostPID/ : a.rule === 'hostpath-enforcement' ? /denied with policy strict: .* reaches the EPC limits/ : /privileged/);
    }
  });
});
