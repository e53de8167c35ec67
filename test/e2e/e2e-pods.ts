/**
 * The pods the kind e2e suite creates, as plain objects: workload pods requesting EPC, and pods
 * that try to reach SGX without declaring EPC. Shared with test/deploy/e2e-assets.test.ts, which
 * runs them through the real webhook decision code where no cluster exists.
 */
import { E2E_IMAGE } from './kind-harness.js';

/** The namespace the suite's pods live in. */
export const E2E_NS = 'epc-e2e';
export const EPC = 'sgx.intel.com/epc';
export const ENCLAVE = 'sgx.intel.com/enclave';

/** Options of a workload pod. */
export interface WorkloadPodOptions {
  epc: string;
  enclaveSize: string;
  workingSet: string;
  duration: string;
}

/** A pod running `epc workload` with an EPC request (limits = requests for extended resources). */
export function workloadPod(name: string, o: WorkloadPodOptions): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: E2E_NS },
    spec: {
      restartPolicy: 'Never',
      nodeSelector: { 'sgx-epc-enforcer.io/simulated-sgx': 'true' },
      // Non-root, as real enclave apps run: the controller makes enclave.sock 0666 after listen.
      securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 },
      containers: [{
        name: 'app',
        image: E2E_IMAGE,
        imagePullPolicy: 'Never',
        args: ['workload', `--enclave-size=${o.enclaveSize}`, `--working-set=${o.workingSet}`, `--duration=${o.duration}`, '--pattern=sequential', '--json'],
        resources: { limits: { [EPC]: o.epc }, requests: { [EPC]: o.epc } },
      }],
    },
  };
}

/** Pods that reach SGX without declaring EPC: the validating webhook must deny each. */
export const SNEAKY_PODS: Array<Record<string, any>> = [
  {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sneaky-hostpath', namespace: E2E_NS },
    spec: {
      containers: [{ name: 'app', image: E2E_IMAGE, imagePullPolicy: 'Never', args: ['--help'], volumeMounts: [{ name: 'sgx', mountPath: '/dev/sgx_enclave' }] }],
      volumes: [{ name: 'sgx', hostPath: { path: '/dev/sgx_enclave' } }],
    },
  },
  {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sneaky-enclave', namespace: E2E_NS },
    spec: { containers: [{ name: 'app', image: E2E_IMAGE, imagePullPolicy: 'Never', args: ['--help'], resources: { limits: { [ENCLAVE]: '1' } } }] },
  },
];
