/**
 * Compatibility table with Intel's SGX admission webhook and Kata Containers (issue 15): the pods
 * of Intel's webhook e2e suite (test/e2e/sgxadmissionwebhook in intel-device-plugins-for-
 * kubernetes: no quote provider, in-process quote, aesmd sidecar, host aesmd, three containers,
 * volume already present) and the pods users migrate from, each with what Intel's webhook does,
 * what ours answers, and - where the two differ - why. Every row runs through /mutate, the patch
 * is applied, and the result must be stable (a second /mutate patches nothing) and pass /validate.
 */
import { describe, expect, it } from 'vitest';
import { handleAdmission } from '../../src/webhook/admission-handler.js';
import { resolveWebhookConfig, type WebhookConfig } from '../../src/webhook/config.js';
import { applyJsonPatch, decodePatch } from './json-patch.js';
import { podReview } from './pod-review.js';

const EPC = 'sgx.intel.com/epc';
const ENCLAVE = 'sgx.intel.com/enclave';
const PROVISION = 'sgx.intel.com/provision';
const QUOTE = 'sgx.intel.com/quote-provider';
const defaults = resolveWebhookConfig();

/** Intel's e2e createPodSpec: one container per name, 1Mi EPC each, the quote-provider annotation. */
function intelPod(names: string[], quoteProvider: string): any {
  return {
    metadata: { name: 'webhook-tester-pod', annotations: { [QUOTE]: quoteProvider } },
    spec: { automountServiceAccountToken: false, containers: names.map((name) => ({ name, image: 'pause', resources: { requests: { [EPC]: '1Mi' }, limits: { [EPC]: '1Mi' } } })) },
  };
}

interface Row {
  name: string;
  pod: any;
  namespace?: string;
  config?: WebhookConfig;
  /** What Intel's webhook does with the pod ('same' = what we do). */
  intel: string;
  /** Our answer: admitted (checked on the mutated pod) or denied by a rule with a message naming the way out. */
  ours: { admitted: (pod: any) => void } | { denied: string; wayOut: RegExp };
  /** Why we deliberately differ from Intel (required unless intel is 'same'). */
  why?: string;
}

const res = (c: any) => ({ limits: c.resources.limits, requests: c.resources.requests });
const mounts = (c: any) => (c.volumeMounts ?? []).map((m: any) => `${m.name}:${m.mountPath}`);

const rows: Row[] = [
  {
    name: 'Intel e2e: no quote generation (quote-provider "")',
    pod: intelPod(['test'], ''),
    intel: 'same',
    ours: {
      admitted: (p) => {
        expect(res(p.spec.containers[0])).toEqual({ limits: { [EPC]: '1Mi', [ENCLAVE]: '1' }, requests: { [EPC]: '1Mi', [ENCLAVE]: '1' } });
        expect(p.metadata.annotations[EPC]).toBe('1Mi');
        expect(p.spec.volumes).toBeUndefined();
      },
    },
  },
  {
    name: 'Intel e2e: the container has the quote generation libraries (quote-provider names it)',
    pod: intelPod(['test'], 'test'),
    intel: 'same',
    ours: {
      admitted: (p) => {
        expect(p.spec.containers[0].resources.limits).toEqual({ [EPC]: '1Mi', [ENCLAVE]: '1', [PROVISION]: '1' });
        expect(p.metadata.annotations[EPC]).toBe('1Mi');
      },
    },
  },
  {
    name: 'Intel e2e: aesmd side-car container',
    pod: intelPod(['test', 'aesmd'], 'aesmd'),
    intel: 'same',
    ours: {
      admitted: (p) => {
        const [test, aesmd] = p.spec.containers;
        expect(test.resources.limits).toEqual({ [EPC]: '1Mi', [ENCLAVE]: '1' });
        expect(aesmd.resources.limits).toEqual({ [EPC]: '1Mi', [ENCLAVE]: '1', [PROVISION]: '1' });
        expect(p.spec.volumes).toEqual([{ name: 'aesmd-socket', emptyDir: { medium: 'Memory' } }]);
        for (const c of p.spec.containers) expect(mounts(c)).toEqual(['aesmd-socket:/var/run/aesmd']);
        expect(test.env).toEqual([{ name: 'SGX_AESM_ADDR', value: '1' }]);
        expect(p.metadata.annotations[EPC]).toBe('2Mi');
      },
    },
  },
  {
    name: 'Intel e2e: host/DaemonSet aesmd',
    pod: intelPod(['test'], 'aesmd'),
    intel: 'same',
    ours: {
      admitted: (p) => {
        expect(p.spec.containers[0].resources.limits).toEqual({ [EPC]: '1Mi', [ENCLAVE]: '1' });
        expect(p.spec.volumes).toEqual([{ name: 'aesmd-socket', hostPath: { path: '/var/run/aesmd', type: 'DirectoryOrCreate' } }]);
        expect(p.spec.containers[0].env).toEqual([{ name: 'SGX_AESM_ADDR', value: '1' }]);
        expect(p.metadata.annotations[EPC]).toBe('1Mi');
      },
    },
  },
  {
    name: 'Intel e2e: three containers with host aesmd',
    pod: intelPod(['test1', 'test2', 'test3'], 'aesmd'),
    intel: 'same',
    ours: {
      admitted: (p) => {
        for (const c of p.spec.containers) {
          expect(c.resources.limits).toEqual({ [EPC]: '1Mi', [ENCLAVE]: '1' });
          expect(c.env).toEqual([{ name: 'SGX_AESM_ADDR', value: '1' }]);
          expect(mounts(c)).toEqual(['aesmd-socket:/var/run/aesmd']);
        }
        expect(p.spec.volumes).toHaveLength(1);
        expect(p.spec.volumes[0].hostPath).toBeDefined();
        expect(p.metadata.annotations[EPC]).toBe('3Mi');
      },
    },
  },
  {
    name: 'Intel e2e: volume and mount already present (created only once)',
    pod: (() => {
      const p = intelPod(['test'], 'aesmd');
      p.spec.volumes = [{ name: 'aesmd-socket', emptyDir: { medium: 'Memory' } }];
      p.spec.containers[0].volumeMounts = [{ name: 'aesmd-socket', mountPath: '/var/run/aesmd' }];
      return p;
    })(),
    intel: 'same',
    ours: {
      admitted: (p) => {
        expect(p.spec.volumes).toEqual([{ name: 'aesmd-socket', emptyDir: { medium: 'Memory' } }]);
        expect(mounts(p.spec.containers[0])).toEqual(['aesmd-socket:/var/run/aesmd']);
      },
    },
  },
  {
    name: "Intel's webhook ran first: its canonical annotation is kept, no flip",
    pod: { ...intelPod(['test'], ''), metadata: { name: 'p', annotations: { [EPC]: '1Mi' } } },
    intel: 'same',
    ours: { admitted: (p) => expect(p.metadata.annotations[EPC]).toBe('1Mi') },
  },
  {
    name: 'an annotation in plain bytes (an older enforcer, a hand-written pod) is rewritten to the binary form',
    pod: { ...intelPod(['test'], ''), metadata: { name: 'p', annotations: { [EPC]: '1048576' } } },
    intel: 'writes "1Mi" too',
    ours: { admitted: (p) => expect(p.metadata.annotations[EPC]).toBe('1Mi') },
    why: 'Kata Containers sizes the VM EPC from this annotation and rejects a value without Ki/Mi/Gi ("Unsupported EPC format"); both webhooks now write the same canonical text',
  },
  {
    name: 'init container with EPC',
    pod: { metadata: { name: 'p' }, spec: { initContainers: [{ name: 'setup', resources: { limits: { [EPC]: '4Mi' } } }], containers: [{ name: 'app', resources: { limits: { [EPC]: '2Mi' } } }] } },
    intel: 'adds enclave to app containers only and annotates 2Mi (the sum of app containers)',
    ours: {
      admitted: (p) => {
        expect(p.spec.initContainers[0].resources.limits[ENCLAVE]).toBe('1');
        expect(p.metadata.annotations[EPC]).toBe('4Mi');
      },
    },
    why: 'an init container that runs an enclave needs the device and the limit too; the annotation follows the scheduler (max of init, sum of app containers)',
  },
  {
    name: "Intel's SGX device plugin DaemonSet (hostPath /dev/sgx_*, namespace inteldeviceplugins-system)",
    namespace: 'inteldeviceplugins-system',
    pod: {
      metadata: { name: 'intel-sgx-plugin-x', namespace: 'inteldeviceplugins-system' },
      spec: {
        containers: [{ name: 'intel-sgx-plugin', volumeMounts: [{ name: 'sgx-enclave', mountPath: '/dev/sgx_enclave', readOnly: true }, { name: 'sgx-provision', mountPath: '/dev/sgx_provision', readOnly: true }, { name: 'kubeletsockets', mountPath: '/var/lib/kubelet/device-plugins' }] }],
        volumes: [
          { name: 'sgx-enclave', hostPath: { path: '/dev/sgx_enclave', type: 'CharDevice' } },
          { name: 'sgx-provision', hostPath: { path: '/dev/sgx_provision', type: 'CharDevice' } },
          { name: 'kubeletsockets', hostPath: { path: '/var/lib/kubelet/device-plugins' } },
        ],
      },
    },
    intel: 'not its business (it only mutates EPC pods)',
    ours: { denied: 'hostpath-device', wayOut: /mounts hostPath \/dev\/sgx_enclave[\s\S]*exclude the namespace if it is a node agent \(a device plugin/ },
    why: 'a pod reaching /dev/sgx_enclave without EPC runs enclaves with no limit, and kubelet\'s device-plugin dir is where a second enclave plugin registers (a warning by default, denied with policy strict); a node agent belongs in an excluded namespace (next row)',
  },
  {
    name: "Intel's SGX device plugin DaemonSet with its namespace excluded",
    namespace: 'inteldeviceplugins-system',
    config: resolveWebhookConfig({ excludedNamespaces: ['kube-system', 'inteldeviceplugins-system'] }),
    pod: { metadata: { name: 'intel-sgx-plugin-x' }, spec: { containers: [{ name: 'intel-sgx-plugin', volumeMounts: [{ name: 'd', mountPath: '/dev/sgx_enclave' }] }], volumes: [{ name: 'd', hostPath: { path: '/dev/sgx_enclave' } }] } },
    intel: 'same',
    ours: { admitted: (p) => expect(p.spec.containers[0].resources).toBeUndefined() },
  },
  {
    name: "Kata's SGX guide pod (init container with hostPath /dev, EPC on the app container)",
    pod: {
      metadata: { name: 'sgx-kata' },
      spec: {
        runtimeClassName: 'kata-qemu',
        initContainers: [{ name: 'init', volumeMounts: [{ name: 'dev', mountPath: '/dev' }] }],
        containers: [{ name: 'app', resources: { limits: { [EPC]: '32Mi' } } }],
        volumes: [{ name: 'dev', hostPath: { path: '/dev' } }],
      },
    },
    intel: 'admits; adds enclave to "app", annotates 32Mi',
    ours: { denied: 'hostpath-device', wayOut: /init container "init" mounts hostPath \/dev .*declare sgx\.intel\.com\/epc on it/ },
    why: 'the init container reaches /dev/sgx_enclave without a declared size; declare its EPC (or drop the /dev mount)',
  },
  {
    name: "token EPC like Intel's plugin e2e pod (sgx.intel.com/epc: \"42\")",
    pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'sgxsdk', resources: { limits: { [EPC]: '42' } } }] } },
    intel: 'admits; enclave added, annotation "42"',
    ours: { denied: 'epc-below-min-enclave', wayOut: /declare sgx\.intel\.com\/epc as the enclave's real size/ },
    why: '42 bytes is a token, not a size: as a limit no enclave fits (3 pages at least); the declared EPC is what the node enforces',
  },
  {
    name: 'enclave requested without EPC',
    pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', resources: { limits: { [ENCLAVE]: '1' } } }] } },
    intel: 'not its business (no EPC: nothing to mutate); the plugin hands out the device',
    ours: { denied: 'enclave-without-epc', wayOut: /declare sgx\.intel\.com\/epc \(the enclave's size\) in its requests and limits/ },
    why: 'a device without a declared EPC is an enclave with no limit',
  },
  {
    name: 'enclave "0" next to EPC',
    pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', resources: { limits: { [EPC]: '8Mi', [ENCLAVE]: '0' } } }] } },
    intel: 'keeps "0": the container gets no device and no limit',
    ours: { admitted: (p) => expect(p.spec.containers[0].resources.limits[ENCLAVE]).toBe('1') },
    why: 'an EPC container takes exactly one enclave device, the route through the plugin that binds its limit',
  },
];

describe('compatibility with Intel\'s SGX webhook and Kata Containers', () => {
  it('every row that differs from Intel says why', () => {
    for (const r of rows) if (r.intel !== 'same') expect([r.name, (r.why?.length ?? 0) > 20]).toEqual([r.name, true]);
  });

  for (const row of rows) {
    it(`${row.name}: ${'denied' in row.ours ? `denied [rule ${row.ours.denied}]` : 'admitted'}${row.intel === 'same' ? ' (as Intel)' : ''}`, () => {
      const config = row.config ?? defaults;
      const ns = row.namespace ?? 'team-a';
      const m = handleAdmission('mutate', podReview(row.pod, ns), config);
      const mr = (m.body as any).response;
      if ('denied' in row.ours) {
        expect(m.labels).toEqual({ rule: row.ours.denied, result: 'denied' });
        expect(mr.status.message).toMatch(row.ours.wayOut);
        // a /mutate denial does not carry the allow path's "did the mutating webhook run?" warning
        expect((mr.warnings ?? []).join('\n')).not.toMatch(/did the mutating webhook run/);
        expect(handleAdmission('validate', podReview(row.pod, ns), config).labels).toEqual({ rule: row.ours.denied, result: 'denied' });
        return;
      }
      expect(mr.allowed, mr.status?.message).toBe(true);
      const mutated = mr.patch ? applyJsonPatch(row.pod, decodePatch(mr)) : row.pod;
      row.ours.admitted(mutated);
      const again = (handleAdmission('mutate', podReview(mutated, ns), config).body as any).response;
      expect(again.patch).toBeUndefined();
      const v = (handleAdmission('validate', podReview(mutated, ns), config).body as any).response;
      expect(v).toEqual({ uid: 'u', allowed: true });
    });
  }

  it('/validate compares the annotation as a quantity: "1Mi", "1024Ki" and "1048576" all match 1Mi of EPC', () => {
    for (const text of ['1Mi', '1024Ki', '1048576']) {
      const pod = { metadata: { name: 'p', annotations: { [EPC]: text } }, spec: { containers: [{ name: 'a', resources: { limits: { [EPC]: '1Mi', [ENCLAVE]: '1' }, requests: { [EPC]: '1Mi', [ENCLAVE]: '1' } } }] } };
      expect([text, (handleAdmission('validate', podReview(pod, 'team-a'), defaults).body as any).response]).toEqual([text, { uid: 'u', allowed: true }]);
    }
    const wrong = { metadata: { name: 'p', annotations: { [EPC]: '2Mi' } }, spec: { containers: [{ name: 'a', resources: { limits: { [EPC]: '1Mi', [ENCLAVE]: '1' } } }] } };
    expect((handleAdmission('validate', podReview(wrong, 'team-a'), defaults).body as any).response.warnings).toEqual(['annotation sgx.intel.com/epc="2Mi" differs from the pod\'s effective EPC 1Mi (1048576 bytes)']);
  });

  it('the annotation is the largest exact binary suffix, Ki at least, Gi at most', () => {
    const cases: Array<[string, string]> = [['512Ki', '512Ki'], ['10Mi', '10Mi'], ['1536Ki', '1536Ki'], ['2Gi', '2Gi'], ['2048Gi', '2048Gi'], ['12288', '12Ki'], ['1048576', '1Mi'], ['3Mi', '3Mi']];
    for (const [declared, want] of cases) {
      const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources: { limits: { [EPC]: declared } } }] } };
      const mutated: any = applyJsonPatch(pod, decodePatch((handleAdmission('mutate', podReview(pod, 'team-a'), defaults).body as any).response));
      expect([declared, mutated.metadata.annotations[EPC]]).toEqual([declared, want]);
    }
  });

  it('a /mutate denial keeps its other warnings but not "did the mutating webhook run?" (which /validate shows)', () => {
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources: { limits: { [EPC]: '42' } } }, { name: 'b', securityContext: { privileged: true } }] } };
    const m = (handleAdmission('mutate', podReview(pod, 'team-a'), defaults).body as any).response;
    const v = (handleAdmission('validate', podReview(pod, 'team-a'), defaults).body as any).response;
    expect([m.allowed, v.allowed]).toEqual([false, false]);
    expect(m.warnings).toContainEqual(expect.stringMatching(/^container "b" is privileged/));
    expect(m.warnings.join('\n')).not.toMatch(/did the mutating webhook run/);
    expect(v.warnings).toContainEqual(expect.stringMatching(/container "a" declares sgx\.intel\.com\/epc but not sgx\.intel\.com\/enclave.*did the mutating webhook run/));
  });
});
