/**
 * `kubectl debug` adds ephemeral containers through the `pods/ephemeralcontainers` subresource
 * (AdmissionReview: kind Pod, subResource "ephemeralcontainers", operation UPDATE, object = the
 * whole Pod). An added ephemeral container may reach SGX only in a pod that declares EPC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleAdmission, type AdmissionReply } from '../../src/webhook/admission-handler.js';
import { resolveWebhookConfig } from '../../src/webhook/config.js';
import { reviewPodCreate } from '../../src/webhook/review-pod.js';
import { fixture, startTestWebhook, type TestWebhook } from './webhook-harness.js';

const EPC = 'sgx.intel.com/epc';
const config = resolveWebhookConfig();
const strict = resolveWebhookConfig({ policy: 'strict' });

let base: any;
beforeAll(async () => {
  base = await fixture('ephemeral-debug-sgx.json');
});

/** The recorded debug review with its pods edited by `edit(newPod, oldPod)`. */
function debugReview(edit: (pod: any, old: any) => void = () => {}): any {
  const r = structuredClone(base);
  edit(r.request.object, r.request.oldObject);
  return r;
}
const resp = (r: AdmissionReply): any => (r.body as any).response;
/** Declares 8Mi EPC (and the enclave slot /mutate adds) on the app container of both pods. */
function declareEpc(...pods: any[]): void {
  for (const p of pods) {
    p.spec.containers[0].resources = { requests: { [EPC]: '8Mi', 'sgx.intel.com/enclave': '1' }, limits: { [EPC]: '8Mi', 'sgx.intel.com/enclave': '1' } };
    p.metadata.annotations = { [EPC]: '8388608' };
  }
}
/** Points volume "sgx" of both pods at `path`. */
function sgxVolumeAt(path: string, ...pods: any[]): void {
  for (const p of pods) p.spec.volumes[0].hostPath.path = path;
}

describe('ephemeral containers (pods/ephemeralcontainers UPDATE)', () => {
  it('denies a debug container mounting hostPath /dev/sgx_enclave in a pod without EPC, naming container, path and rule', () => {
    const r = handleAdmission('validate', debugReview(), config);
    expect(r.httpStatus).toBe(200);
    expect(r.labels).toEqual({ rule: 'hostpath-device', result: 'denied' });
    const out = resp(r);
    expect(out.uid).toBe(base.request.uid);
    expect(out.allowed).toBe(false);
    expect(out.status).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(out.status.message).toBe(
      'ephemeral container "debugger-7xq2k" mounts hostPath /dev/sgx_enclave (volume "sgx", reaches /dev/sgx_enclave) in a pod that declares no sgx.intel.com/epc (ephemeral/debug containers may use SGX only in pods whose containers declare EPC) [rule hostpath-device]',
    );
  });

  it('the same review without the subresource is judged the same (the check is on added ephemeral containers)', () => {
    const r = debugReview();
    delete r.request.subResource;
    expect(handleAdmission('validate', r, config).labels).toEqual({ rule: 'hostpath-device', result: 'denied' });
  });

  it.each([
    ['/dev', '/dev/sgx_enclave'],
    ['/dev/sgx_vepc', '/dev/sgx_vepc'],
    ['/dev/char/10:125', '/dev/sgx_enclave'],
  ])('denies a debug container mounting hostPath %s (reaches %s) in a pod without EPC', (path, reached) => {
    const r = handleAdmission('validate', debugReview((pod, old) => sgxVolumeAt(path, pod, old)), config);
    expect(r.labels).toEqual({ rule: 'hostpath-device', result: 'denied' });
    expect(resp(r).status.message).toContain(`mounts hostPath ${path} (volume "sgx", `);
    expect(resp(r).status.message).toContain(`reaches ${reached})`);
  });

  it.each([
    ['/var/run/epc', false],
    ['/var/run/epc/enclave.sock', false],
    ['/run/epc/control.sock', true],
    ['/run', true],
    ['/', true],
    ['/proc/1/root/var/run/epc', true],
  ])('denies a debug container mounting hostPath %s (the controller socket dir) in any pod, EPC %s', (path, withEpc) => {
    const r = handleAdmission('validate', debugReview((pod, old) => {
      sgxVolumeAt(path, pod, old);
      if (withEpc) declareEpc(pod, old);
    }), config);
    expect(r.labels).toEqual({ rule: 'hostpath-controller-socket', result: 'denied' });
    expect(resp(r).status.message).toMatch(/^ephemeral container "debugger-7xq2k" mounts hostPath .*reaches \/var\/run\/epc\), the epc controller's socket dir \(control\.sock\): no pod may mount it/);
  });

  it('denies a debug container requesting the enclave resource in a pod without EPC', () => {
    const r = handleAdmission('validate', debugReview((pod) => {
      const dbg = pod.spec.ephemeralContainers[0];
      dbg.volumeMounts = [];
      dbg.resources = { limits: { 'sgx.intel.com/enclave': '1' } };
    }), config);
    expect(r.labels).toEqual({ rule: 'enclave-without-epc', result: 'denied' });
    expect(resp(r).status.message).toMatch(/^ephemeral container "debugger-7xq2k" requests sgx\.intel\.com\/enclave in a pod that declares no sgx\.intel\.com\/epc .*\[rule enclave-without-epc\]$/);
  });

  it('allows the same debug container when the pod declares EPC (it runs under the pod limit)', () => {
    const r = handleAdmission('validate', debugReview((pod, old) => declareEpc(pod, old)), config);
    expect(r.labels).toEqual({ rule: 'sgx-pod', result: 'allowed' });
    expect(resp(r)).toEqual({ uid: base.request.uid, allowed: true });
  });

  it('allows a debug container that mounts nothing from SGX, in any pod, without warnings', () => {
    const clean = (pod: any) => (pod.spec.ephemeralContainers[0].volumeMounts = [{ name: 'kube-api-access-9qk2m', mountPath: '/sa', readOnly: true }]);
    const r = handleAdmission('validate', debugReview(clean), config);
    expect(r.labels).toEqual({ rule: 'update', result: 'allowed' });
    expect(resp(r)).toEqual({ uid: base.request.uid, allowed: true });
  });

  it('checks only ephemeral containers the update adds: an earlier one is not re-judged on later updates', () => {
    // Admitted before the webhook (or before the rule): already in oldObject.
    const labelUpdate = debugReview((pod, old) => {
      old.spec.ephemeralContainers = structuredClone(pod.spec.ephemeralContainers);
      pod.metadata.labels.team = 'blue';
    });
    delete labelUpdate.request.subResource;
    expect(handleAdmission('validate', labelUpdate, config).labels).toEqual({ rule: 'update', result: 'allowed' });
    // A second, clean debug container next to it is fine; a second one mounting the device is not.
    const second = (mounts: unknown[]) => debugReview((pod, old) => {
      old.spec.ephemeralContainers = structuredClone(pod.spec.ephemeralContainers);
      pod.spec.ephemeralContainers.push({ name: 'debugger-2', image: 'busybox:1.36', volumeMounts: mounts });
    });
    expect(handleAdmission('validate', second([]), config).labels.result).toBe('allowed');
    const bad = handleAdmission('validate', second([{ name: 'sgx', mountPath: '/x' }]), config);
    expect(bad.labels).toEqual({ rule: 'hostpath-device', result: 'denied' });
    expect(resp(bad).status.message).toMatch(/^ephemeral container "debugger-2" /);
    expect(resp(bad).status.message).not.toContain('debugger-7xq2k');
  });

  it('an UPDATE without oldObject judges every ephemeral container', () => {
    const r = debugReview();
    r.request.oldObject = null;
    expect(handleAdmission('validate', r, config).labels).toEqual({ rule: 'hostpath-device', result: 'denied' });
  });

  it('a privileged debug container (kubectl debug --profile=sysadmin): warned by default, denied with strict, in any pod', () => {
    const privileged = (withEpc: boolean) => debugReview((pod, old) => {
      if (withEpc) declareEpc(pod, old);
      pod.spec.ephemeralContainers[0].volumeMounts = [];
      pod.spec.ephemeralContainers[0].securityContext = { privileged: true };
    });
    const warned = handleAdmission('validate', privileged(true), config);
    expect(warned.labels).toEqual({ rule: 'sgx-pod', result: 'allowed' });
    expect(resp(warned).warnings).toEqual([expect.stringMatching(/^ephemeral container "debugger-7xq2k" is privileged in a pod that uses SGX.*\(denied with policy strict\)$/)]);
    const denied = handleAdmission('validate', privileged(true), strict);
    expect(denied.labels).toEqual({ rule: 'privileged', result: 'denied' });
    expect(resp(denied).status.message).toContain('[rule privileged]');
    const plain = handleAdmission('validate', privileged(false), config);
    expect(plain.labels.result).toBe('allowed');
    expect(resp(plain).warnings).toEqual([expect.stringMatching(/^ephemeral container "debugger-7xq2k" is privileged: it gets the host's \/dev, \/dev\/sgx_enclave included.*\(denied with policy strict\)$/)]);
    expect(handleAdmission('validate', privileged(false), strict).labels).toEqual({ rule: 'privileged', result: 'denied' });
  });

  it('pods in excluded namespaces are left alone', () => {
    const r = debugReview((pod, old) => (pod.metadata.namespace = old.metadata.namespace = 'kube-system'));
    r.request.namespace = 'kube-system';
    expect(handleAdmission('validate', r, config).labels).toEqual({ rule: 'excluded-namespace', result: 'allowed' });
  });

  it('malformed ephemeral containers never crash the review', () => {
    for (const bad of [null, 7, 'x', [null, 1, 'dbg'], [{ name: 3, volumeMounts: 'sgx' }], [{ volumeMounts: [null, { name: 5 }] }]]) {
      const r = handleAdmission('validate', debugReview((pod) => (pod.spec.ephemeralContainers = bad)), config);
      expect(r.httpStatus).toBe(200);
      expect(r.labels.result).toBe('allowed');
    }
  });

  it('the controller socket dir is denied at pod CREATE too, with or without EPC, mounted or not', () => {
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', volumeMounts: [{ name: 'epc', mountPath: '/var/run/epc' }] }], volumes: [{ name: 'epc', hostPath: { path: '/var/run/epc', type: 'Directory' } }] } };
    expect(reviewPodCreate(pod, config).violations.map((v) => v.rule)).toEqual(['hostpath-controller-socket']);
    const unmounted = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources: { limits: { [EPC]: '8Mi' } } }], volumes: [{ name: 'epc', hostPath: { path: '/run/epc' } }] } };
    expect(reviewPodCreate(unmounted, config).violations.map((v) => v.rule)).toEqual(['hostpath-controller-socket']);
  });
});

describe('ephemeral containers over HTTPS', () => {
  let hook: TestWebhook;
  beforeAll(async () => {
    hook = await startTestWebhook();
  });
  afterAll(async () => {
    await hook?.close();
  });

  it('/validate denies the recorded kubectl debug review with the same envelope and no patch', async () => {
    const r = await hook.post('/validate', base);
    expect(r.status).toBe(200);
    expect(r.json.apiVersion).toBe('admission.k8s.io/v1');
    expect(r.json.kind).toBe('AdmissionReview');
    expect(r.json.response.uid).toBe(base.request.uid);
    expect(r.json.response.allowed).toBe(false);
    expect(r.json.response.status.code).toBe(403);
    expect(r.json.response.status.message).toContain('ephemeral container "debugger-7xq2k" mounts hostPath /dev/sgx_enclave');
    expect(r.json.response.patch).toBeUndefined();
    const metrics = await fetch(hook.metricsUrl).then((m) => m.text());
    expect(metrics).toMatch(/epc_webhook_decisions_total\{[^}]*endpoint="validate"[^}]*rule="hostpath-device"[^}]*result="denied"[^}]*\} 1/);
  });
});
